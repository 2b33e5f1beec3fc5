#!/bin/bash
# A unit removed while the daemon acts on it: stopped while throttled with its freeze pending,
# stopped while frozen, SIGKILLed while frozen, stopped when its thaw is due. Each time
# the daemon forgets the unit (no D-Bus object, no freeze record left in /run/agentcgroup), logs
# no error, does not restart, and a new unit of the same name starts clean.
# timeout: 900
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

zram_swap_on 1G
dropin_write 50-inflight.conf '
[Manager]
RelaxSec=2s
[Profile:rm-high]
Class=interactive
MemoryHeadroom=0
[Profile:rm-low]
Class=background
FreezeAfterSec=500ms
Kill=no
# The same, with its freeze due only 5 s after the throttle: time to stop it in between.
[Profile:rm-slow]
Class=background
FreezeAfterSec=5s
Kill=no
[Match:rm-slow]
Unit=rmslow-*.scope
Profile=rm-slow
[Match:rm-high]
Unit=rmhigh-*.scope
Profile=rm-high
[Match:rm-low]
Unit=rmlow-*.scope
Profile=rm-low'
systemctl set-property --runtime agent.slice MemoryMax=600M || fail "set MemoryMax on agent.slice"
cleanup_add "systemctl set-property --runtime agent.slice MemoryMax=infinity"
daemon_start
pid=$(unit_prop agentcgroupd.service MainPID)

# squeeze NAME: LOW grows to 400 MiB and holds; HIGH (rmhigh-NAME) then grows into the rest.
squeeze() {
    systemd-run --quiet --scope --slice=agent-rmlow.slice -u "$1" bash -c "$(declare -f memhog); memhog 8 400 0.05 600" &
    cleanup_add "systemctl stop '$1.scope' 2>/dev/null || true"
    wait_for 20 systemctl is-active --quiet "$1.scope" || fail "$1.scope did not start"
    wait_for 60 bash -c "(( \$(cat /sys/fs/cgroup/agent.slice/agent-rmlow.slice/$1.scope/memory.current) > 300 * 1048576 ))" ||
        fail "$1 did not grow"
    systemd-run --quiet --scope --slice=agent-rmhigh.slice -u "rmhigh-$1" bash -c "$(declare -f memhog); memhog 16 450 0.05 600" &
    cleanup_add "systemctl stop 'rmhigh-$1.scope' 2>/dev/null || true"
}
not_active() { ! systemctl is-active --quiet "$1"; }
no_record() { [[ ! -e /run/agentcgroup/frozen/$1 ]]; }
forgotten() { ! busctl call "${mgr[@]}" GetUnit s "$1" >/dev/null 2>&1; }
state_is() { [[ $(daemon_unit_state "$1") == "$2" ]]; }

# gone NAME: the unit is gone and the daemon has forgotten it, without a restart.
gone() {
    wait_for 30 not_active "$1.scope" || fail "$1.scope did not go away"
    wait_for 10 no_record "$1.scope" || fail "the freeze record of $1 outlived it"
    wait_for 10 forgotten "$1.scope" ||
        fail "the daemon still has a unit object for $1.scope"
    systemctl stop "rmhigh-$1.scope" 2>/dev/null
    assert_eq "$pid" "$(unit_prop agentcgroupd.service MainPID)" "the daemon's PID after $1"
    assert_daemon_healthy
    local frozen
    frozen=$(grep -l '^1$' $(find /sys/fs/cgroup/agent.slice -name cgroup.freeze) 2>/dev/null)
    [[ -z $frozen ]] || fail "left frozen: $frozen"
    log "$1: gone, forgotten, nothing frozen"
}

journal_mark

# 1. Stopped while throttled, its freeze due (the timer fires on a unit being stopped or gone).
squeeze rmslow-a
wait_for 90 state_is rmslow-a.scope throttled || fail "rmslow-a was never throttled"
systemctl stop --no-block rmslow-a.scope
gone rmslow-a

# 2. Stopped while frozen (the daemon holds a record to thaw it).
squeeze rmlow-b
wait_prop rmlow-b.scope FreezerState frozen 90
[[ -e /run/agentcgroup/frozen/rmlow-b.scope ]] || fail "no record of the frozen unit"
systemctl stop rmlow-b.scope
gone rmlow-b

# 3. Its processes SIGKILLed while frozen: the scope ends by itself.
squeeze rmlow-c
wait_prop rmlow-c.scope FreezerState frozen 90
systemctl kill -s KILL rmlow-c.scope
gone rmlow-c

# 4. Stopped when its thaw is due: HIGH's burst ends, and RelaxSec=2s later the daemon thaws.
squeeze rmlow-d
wait_prop rmlow-d.scope FreezerState frozen 90
systemctl stop "rmhigh-rmlow-d.scope"
sleep 2
systemctl stop --no-block rmlow-d.scope
gone rmlow-d

# The same names again: clean units, the profile's MemoryHigh (none), not frozen.
for n in rmslow-a rmlow-b; do
    scope_start "$n" agent-rmlow.slice
    wait_for 20 state_is "$n.scope" running ||
        fail "$n.scope reborn: daemon state '$(daemon_unit_state "$n.scope")', expected running"
    assert_eq running "$(unit_prop "$n.scope" FreezerState)" "FreezerState of a new $n"
    assert_eq infinity "$(unit_prop "$n.scope" MemoryHigh)" "MemoryHigh of a new $n"
done

actions=$(journal_json_since | jq -r 'select(.AGENTCGROUP_ACTION) | "\(.AGENTCGROUP_UNIT) \(.AGENTCGROUP_ACTION)"' | sort | uniq -c | tr -s ' ' | tr '\n' ';')
log "actions: $actions"
# A unit that vanishes is routine for a resource manager: nothing to warn the operator about.
warnings=$(journal_since -p warning)
[[ -z $warnings ]] || fail "the daemon logged warnings or errors: $warnings"
