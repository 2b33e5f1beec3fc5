#!/bin/bash
# A scope started with systemd-run --scope in an agent session slice gets its profile: systemd's
# properties and the cgroup files agree with the profile. Slices get the session profile.
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

# CPUWeight=idle: the cgroup's cpu.idle (a drop-in that sorts before the vendor's rules).
dropin_write 05-idle.conf '
[Profile:idle-test]
Class=background
CPUWeight=idle
[Match:idle-test]
Type=scope
Unit=idle1.scope
Profile=idle-test'
daemon_start
cleanup_add "systemctl stop agent-s1.slice 2>/dev/null || true"

# Tool call: DefaultProfile=tool-burst (CPUWeight=100 MemoryHigh=2G TasksMax=2048).
scope_start tool1 agent-s1.slice sleep 600
wait_prop tool1.scope MemoryHigh 2147483648
assert_eq 100 "$(unit_prop tool1.scope CPUWeight)"
assert_eq 2048 "$(unit_prop tool1.scope TasksMax)"
assert_eq 2147483648 "$(cgroup_read tool1.scope memory.high)" "memory.high file"
assert_eq 100 "$(cgroup_read tool1.scope cpu.weight)" "cpu.weight file"
assert_eq 2048 "$(cgroup_read tool1.scope pids.max)" "pids.max file"
assert_eq /agent.slice/agent-s1.slice/tool1.scope "$(unit_prop tool1.scope ControlGroup)"

# The session slice itself: profile session (CPUWeight=100 MemoryMax=80% TasksMax=4096); the
# percentage is of physical memory, as systemd computes it.
wait_prop agent-s1.slice TasksMax 4096
assert_eq 4096 "$(cgroup_read agent-s1.slice pids.max)" "slice pids.max file"
phys=$(( $(getconf _PHYS_PAGES) * $(getconf PAGESIZE) ))
budget=$(unit_prop agent-s1.slice MemoryMax)
assert_eq $(( phys * 8000 / 10000 )) "$budget" "session MemoryMax (80% of $phys)"
# The kernel keeps limits in pages.
assert_eq $(( budget / $(getconf PAGESIZE) * $(getconf PAGESIZE) )) "$(cgroup_read agent-s1.slice memory.max)" "slice memory.max file"

# The agent runtime: profile interactive (CPUWeight=1000 MemoryLow=256M).
scope_start runtime-s1 agent-s1.slice sleep 600
wait_prop runtime-s1.scope CPUWeight 1000
assert_eq 268435456 "$(unit_prop runtime-s1.scope MemoryLow)"
assert_eq 268435456 "$(cgroup_read runtime-s1.scope memory.low)" "memory.low file"
assert_eq 1000 "$(cgroup_read runtime-s1.scope cpu.weight)"

# A batch session's tool call: profile background (CPUWeight=20 MemoryHigh=1G MemoryMax=2G).
scope_start job1 agent-batch1.slice sleep 600
wait_prop job1.scope MemoryMax 2147483648
assert_eq 1073741824 "$(unit_prop job1.scope MemoryHigh)"
assert_eq 2147483648 "$(cgroup_read job1.scope memory.max)"
assert_eq 20 "$(cgroup_read job1.scope cpu.weight)"
# Its session slice: profile batch-session, which weighs it below interactive sessions.
wait_prop agent-batch1.slice CPUWeight 20
assert_eq 20 "$(cgroup_read agent-batch1.slice cpu.weight)"

# CPUWeight=idle reaches systemd as idle and the kernel as cpu.idle=1.
scope_start idle1 agent-s1.slice sleep 600
wait_prop idle1.scope CPUWeight idle
assert_eq 1 "$(cgroup_read idle1.scope cpu.idle)" "cpu.idle file"

# A scope without -u (random run-r<hex> name) is matched by its slice and gets the default.
systemd-run --quiet --scope --slice=agent-s2.slice sleep 600 &
cleanup_add "kill $! 2>/dev/null || true"
wait_for 20 bash -c 'systemctl list-units --no-legend "run-*.scope" | grep -q .' || fail "no run-*.scope appeared"
anon=$(systemctl list-units --no-legend --plain 'run-*.scope' | awk '{print $1}' | head -n1)
log "anonymous scope: $anon"
wait_prop "$anon" MemoryHigh 2147483648

# Every apply is in the journal with its MESSAGE_ID, unit, profile and rule.
entries=$(journal_json_since MESSAGE_ID=a077f611f99e4204b90a0f254f483a16 AGENTCGROUP_UNIT=job1.scope)
assert_contains "$entries" '"AGENTCGROUP_PROFILE":"background"'
assert_contains "$entries" '"AGENTCGROUP_RULE":"batch-sessions"'
assert_daemon_healthy
assert_eq 0 "$(journal_since -p warning | wc -l)" "warnings logged"
