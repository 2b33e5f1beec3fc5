#!/bin/bash
# agentcgroupctl against the running daemon: list (table and JSON agree, and agree with
# systemd), status, reload with its exit codes; a call with the daemon stopped activates it.
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

# With the daemon stopped, the call activates it (org.agentcgroup1.service); the host tests
# cover exit status 3 on a bus where nothing can own the name.
systemctl stop agentcgroupd.service 2>/dev/null || true
agentcgroupctl list >/dev/null || fail "list with the daemon stopped did not activate it"
wait_for 30 systemctl is-active --quiet agentcgroupd.service || fail "agentcgroupd not active after list"
systemctl stop agentcgroupd.service

daemon_start
scope_start ctl1 agent-c9.slice
scope_start runtime-c9 agent-c9.slice
wait_prop ctl1.scope MemoryHigh 2147483648
wait_prop runtime-c9.scope CPUWeight 1000

table=$(agentcgroupctl list --no-pager)
log "$table"
line=$(grep '^ctl1.scope ' <<<"$table") || fail "ctl1.scope missing from the table"
assert_contains "$line" "tool-burst"
assert_contains "$(grep '^runtime-c9.scope ' <<<"$table")" "agent-runtime"

json=$(agentcgroupctl list --json=short)
assert_eq "tool-burst" "$(jq -r '.[] | select(.unit == "ctl1.scope") | .profile' <<<"$json")" "JSON profile"
assert_eq "$(unit_prop ctl1.scope ControlGroupId)" "$(jq -r '.[] | select(.unit == "ctl1.scope") | .cgroup_id' <<<"$json")" \
    "JSON cgroup_id against systemd"
assert_eq "$(jq length <<<"$json")" "$(agentcgroupctl list --no-legend | wc -l)" "table and JSON rows"
assert_eq "$(busctl get-property org.agentcgroup1 /org/agentcgroup1 org.agentcgroup1.Manager ManagedUnits | awk '{print $2}')" \
    "$(jq length <<<"$json")" "rows and ManagedUnits"

status=$(agentcgroupctl status --json=short)
assert_eq 0 "$(jq -r '.config_errors // .ConfigErrors' <<<"$status")" "status config errors"

agentcgroupctl reload >/dev/null || fail "a good reload failed"
dropin_write 90-bad.conf $'[Profile:x]\nCPUWeight=0'
rc=0; err=$(agentcgroupctl reload 2>&1) || rc=$?
assert_eq 1 "$rc" "reload with a bad drop-in"
assert_contains "$err" "$DROPIN_DIR/90-bad.conf:2: CPUWeight=0"
rc=0; err=$(setpriv --reuid=65534 --regid=65534 --clear-groups agentcgroupctl reload 2>&1) || rc=$?
assert_eq 4 "$rc" "reload as nobody"
assert_contains "$err" "root"
assert_daemon_healthy
