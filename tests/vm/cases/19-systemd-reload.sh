#!/bin/bash
# systemctl daemon-reload and daemon-reexec while units are managed: the daemon resyncs, keeps
# serving, and units keep (or get) their profiles.
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

daemon_start
pid=$(unit_prop agentcgroupd.service MainPID)
scope_start before agent-r1.slice
wait_prop before.scope MemoryHigh 2147483648

systemctl daemon-reload
# Runtime properties live in /run/systemd/system.control and survive the reload.
assert_eq 2147483648 "$(unit_prop before.scope MemoryHigh)" "after daemon-reload"
scope_start after-reload agent-r1.slice
wait_prop after-reload.scope MemoryHigh 2147483648

systemctl daemon-reexec
wait_for 30 systemctl is-system-running --quiet || true
assert_eq 2147483648 "$(unit_prop before.scope MemoryHigh)" "after daemon-reexec"
scope_start after-reexec agent-r1.slice
wait_prop after-reexec.scope MemoryHigh 2147483648 20

# A unit whose properties were changed behind our back while PID 1 reloaded is put back on the
# resync after the next reload.
systemctl set-property --runtime before.scope MemoryHigh=1G
systemctl daemon-reload
wait_prop before.scope MemoryHigh 2147483648 20

assert_eq "$pid" "$(unit_prop agentcgroupd.service MainPID)" "daemon PID (no restart)"
assert_daemon_healthy
assert_eq 0 "$(journal_since -p warning | wc -l)" "warnings logged"
rows=$(agentcgroupctl list --json=short | jq -r '.[] | select(.slice == "agent-r1.slice") | .unit' | sort | tr '\n' ' ')
assert_eq "after-reexec.scope after-reload.scope before.scope " "$rows" "managed units in agent-r1.slice"
