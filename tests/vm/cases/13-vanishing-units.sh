#!/bin/bash
# Units that vanish while the daemon looks at them or applies a profile cause no error storm
# and no crash.
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

daemon_start
pid=$(unit_prop agentcgroupd.service MainPID)

# 100 scopes whose command exits at once: the scope is gone by the time the daemon's GetAll or
# SetUnitProperties arrives, for most of them.
for i in $(seq 1 100); do
    systemd-run --quiet --scope --slice=agent-flash.slice -u "flash$i" true >/dev/null 2>&1 &
done
wait
# And some that live a few milliseconds.
for i in $(seq 1 50); do
    systemd-run --quiet --scope --slice=agent-flash.slice -u "blink$i" sleep 0.0$((i % 10)) >/dev/null 2>&1 &
done
wait
sleep 2

assert_daemon_healthy
assert_eq "$pid" "$(unit_prop agentcgroupd.service MainPID)" "daemon PID (no crash/restart)"
problems=$(journal_since -p warning)
[[ -z $problems ]] || fail "the daemon logged warnings for vanished units: $(head -n 5 <<<"$problems")"

# Still serving: a new scope gets its profile.
scope_start after agent-flash.slice sleep 600
wait_prop after.scope MemoryHigh 2147483648
