#!/bin/bash
# Drop-ins override and mask vendor files; a bad drop-in is reported with file and line, the
# last good configuration stays in force, and the daemon keeps serving.
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

daemon_start

# Override: an /etc file of the same name replaces the vendor's 30-tool-burst.conf.
dropin_write 30-tool-burst.conf $'[Profile:tool-burst]\nMemoryHigh=1536M'
daemon_reload
scope_start t1 agent-c1.slice
wait_prop t1.scope MemoryHigh 1610612736
# Replaced, not merged: the vendor file's CPUWeight=100 and TasksMax=2048 are gone.
assert_eq "[not set]" "$(unit_prop t1.scope CPUWeight)"

# Mask: /etc/.../40-background.conf -> /dev/null hides the batch profile and its rule.
ln -sf /dev/null "$DROPIN_DIR/40-background.conf"
cleanup_add "rm -f '$DROPIN_DIR/40-background.conf'"
daemon_reload
scope_start b1 agent-batch2.slice
wait_prop b1.scope MemoryHigh 1610612736   # the default profile, not background's 1G
assert_eq infinity "$(unit_prop b1.scope MemoryMax)"

# A bad drop-in: every error named with file and line; nothing changes.
dropin_write 90-bad.conf $'[Profile:tool-burst]\nMemoryHigh=lots\n[Profile:x]\nBogusKey=1\n[Match:m]\nUnit=a[b.scope\nProfile=ghost'
journal_mark
systemctl reload agentcgroupd.service
errors=$(journal_since -p err)
log "$errors"
assert_contains "$errors" "$DROPIN_DIR/90-bad.conf:2: MemoryHigh=lots: not a valid size"
assert_contains "$errors" "$DROPIN_DIR/90-bad.conf:4: unknown key 'BogusKey' in section [Profile:x]"
assert_contains "$errors" "$DROPIN_DIR/90-bad.conf:6: Unit=a[b.scope: bad glob"
assert_contains "$errors" "$DROPIN_DIR/90-bad.conf:7: Profile=ghost in [Match:m]: no such profile"
assert_contains "$errors" "keeping the previous configuration"
n=$(journal_since MESSAGE_ID=f41434c0673f4a5b898818726eaf0c2d | wc -l)
assert_eq 4 "$n" "config-error journal entries"
assert_daemon_healthy
assert_contains "$(unit_prop agentcgroupd.service StatusText)" "last reload failed"
# Still serving with the last good configuration.
scope_start t2 agent-c1.slice
wait_prop t2.scope MemoryHigh 1610612736

# Fixing the file and reloading takes the new configuration.
dropin_write 90-bad.conf $'[Profile:tool-burst]\nMemoryHigh=1G'
daemon_reload
scope_start t3 agent-c1.slice
wait_prop t3.scope MemoryHigh 1073741824
# Units already running are brought in line with the new configuration too.
wait_prop t2.scope MemoryHigh 1073741824

# Start-up with a bad configuration: the daemon starts, manages nothing, says why.
systemctl stop agentcgroupd.service
dropin_write 91-bad.conf $'[Profile:tool-burst]\nCPUWeight=0'
daemon_start
assert_daemon_healthy
assert_contains "$(unit_prop agentcgroupd.service StatusText)" "error"
scope_start t4 agent-c1.slice
assert_prop_stays t4.scope MemoryHigh infinity 2
journal_since -p err | grep -q "91-bad.conf:2: CPUWeight=0" || fail "start-up error not reported with file and line"
