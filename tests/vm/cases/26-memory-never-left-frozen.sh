#!/bin/bash
# A unit the daemon froze is never left frozen: kill -9 of the daemon while it is frozen, and
# the instance systemd restarts thaws it (from the record in /run/agentcgroup/frozen);
# systemctl stop thaws everything and puts back the memory.high the policy had moved. A
# FreezeUnit whose reply comes too late for the daemon (systemd freezes the unit all the same)
# is followed by a ThawUnit: the unit ends running, as the daemon believes it is.
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

zram_swap_on 1G
dropin_write 50-frozen.conf '
[Manager]
# Long enough that the unit is still frozen when the test acts.
RelaxSec=20s
[Profile:nf-high]
Class=interactive
# No headroom: LOW is to be frozen when HIGH stalls, not moved out ahead of it (case 29).
MemoryHeadroom=0
[Profile:nf-low]
Class=background
FreezeAfterSec=500ms
Kill=no
[Match:nf-high]
Unit=nfhigh-*.scope
Profile=nf-high
[Match:nf-low]
Unit=nflow-*.scope
Profile=nf-low'
systemctl set-property --runtime agent.slice MemoryMax=600M || fail "set MemoryMax on agent.slice"
cleanup_add "systemctl set-property --runtime agent.slice MemoryMax=infinity"

# LOW grows to 400 MiB and holds; HIGH then grows into the rest, so it stalls and LOW is frozen.
# HIGH is left running: LOW stays frozen while HIGH stalls and RelaxSec= (20 s) after; stopping
# HIGH would have the daemon thaw LOW at once (nothing above it left).
freeze_low() {   # NAME
    systemd-run --quiet --scope --slice=agent-nflow.slice -u "$1" bash -c "$(declare -f memhog); memhog 8 400 0.05 600" &
    cleanup_add "systemctl stop '$1.scope' 2>/dev/null || true"
    wait_for 20 systemctl is-active --quiet "$1.scope" || fail "$1.scope did not start"
    wait_for 60 bash -c "(( \$(cat /sys/fs/cgroup/agent.slice/agent-nflow.slice/$1.scope/memory.current) > 300 * 1048576 ))" ||
        fail "$1 did not grow"
    systemd-run --quiet --scope --slice=agent-nfhigh.slice -u "nfhigh-$1" bash -c "$(declare -f memhog); memhog 16 450 0.05 600" &
    cleanup_add "systemctl stop 'nfhigh-$1.scope' 2>/dev/null || true"
    wait_prop "$1.scope" FreezerState frozen 90
}

daemon_start
freeze_low nflow-a
[[ -e /run/agentcgroup/frozen/nflow-a.scope ]] || fail "no record of the frozen unit"
journal_mark
# HIGH goes while the daemon is stopped (SIGSTOP), so only the next instance can thaw LOW and
# nothing is left to freeze it for again.
systemctl kill -s STOP agentcgroupd.service
systemctl stop nfhigh-nflow-a.scope
assert_eq frozen "$(unit_prop nflow-a.scope FreezerState)" "LOW with the daemon stopped"
systemctl kill -s KILL agentcgroupd.service
wait_prop nflow-a.scope FreezerState running 30
wait_for 30 bash -c '[[ $(systemctl is-active agentcgroupd.service) == active ]]' || fail "agentcgroupd was not restarted"
(( $(unit_prop agentcgroupd.service NRestarts) >= 1 )) || fail "systemd did not restart the daemon"
msg=$(journal_json_since MESSAGE_ID=bef6ef34148446708275b97a95a8d54e AGENTCGROUP_UNIT=nflow-a.scope | jq -r .MESSAGE)
assert_contains "$msg" "a previous agentcgroupd froze it" "the restarted daemon says why it thawed"
[[ ! -e /run/agentcgroup/frozen/nflow-a.scope ]] || fail "the record outlived the thaw"
systemctl stop nflow-a.scope

# Clean stop: thawed, and memory.high back to the profile's (none: infinity).
systemctl reset-failed agentcgroupd.service
daemon_stop
daemon_start
freeze_low nflow-b
high=$(unit_prop nflow-b.scope MemoryHigh)
[[ $high != infinity ]] || fail "the policy did not lower memory.high on the squeezed unit"
log "squeezed MemoryHigh=$high"
systemctl stop agentcgroupd.service
assert_eq running "$(unit_prop nflow-b.scope FreezerState)" "after systemctl stop agentcgroupd"
assert_eq infinity "$(unit_prop nflow-b.scope MemoryHigh)" "MemoryHigh after the stop"
assert_eq max "$(cgroup_read nflow-b.scope memory.high)"
systemctl is-active --quiet nflow-b.scope || fail "LOW did not survive"
msg=$(journal_since | tail -3)
assert_contains "$msg" "thawed 1 unit(s), put back MemoryHigh= on 1"
systemctl stop nfhigh-nflow-b.scope

# FreezeUnit calls that time out at once (AGENTCGROUP_TEST_FREEZE_TIMEOUT_USEC, a test knob):
# systemd still freezes the unit; the daemon, told the call failed, must thaw it. (Seen in
# 25-many-sessions: FreezeUnit replies later than the daemon waited, sessions left frozen.)
systemctl stop nflow-b.scope
systemctl reset-failed agentcgroupd.service
daemon_stop
UNIT_DROPIN=/run/systemd/system/agentcgroupd.service.d/50-freeze-timeout.conf
mkdir -p "${UNIT_DROPIN%/*}"
printf '[Service]\nEnvironment=AGENTCGROUP_TEST_FREEZE_TIMEOUT_USEC=1\n' > "$UNIT_DROPIN"
cleanup_add "rm -f '$UNIT_DROPIN'; systemctl daemon-reload"
systemctl daemon-reload
daemon_start
systemd-run --quiet --scope --slice=agent-nflow.slice -u nflow-c bash -c "$(declare -f memhog); memhog 8 400 0.05 600" &
cleanup_add "systemctl stop nflow-c.scope 2>/dev/null || true"
wait_for 60 bash -c "(( \$(cat /sys/fs/cgroup/agent.slice/agent-nflow.slice/nflow-c.scope/memory.current 2>/dev/null || echo 0) > 300 * 1048576 ))" ||
    fail "nflow-c did not grow"
systemd-run --quiet --scope --slice=agent-nfhigh.slice -u nfhigh-c bash -c "$(declare -f memhog); memhog 16 450 0.05 600" &
cleanup_add "systemctl stop nfhigh-c.scope 2>/dev/null || true"
wait_for 90 bash -c "journalctl -q -o cat -u agentcgroupd.service -n 300 | grep -q 'nflow-c.scope: FreezeUnit failed'" || {
    journal_since | tail -20
    fail "no FreezeUnit of nflow-c failed (the daemon never froze it?)"
}
log "$(journal_since | grep -m1 'nflow-c.scope: FreezeUnit failed')"
systemctl stop nfhigh-c.scope
# systemd froze it after the daemon gave up on the call; the daemon's ThawUnit undoes that.
wait_prop nflow-c.scope FreezerState running 30
sleep 3   # a freeze that lands late would show now
assert_eq running "$(unit_prop nflow-c.scope FreezerState)" "FreezerState after the failed freezes"
[[ $(daemon_unit_state nflow-c.scope) != frozen ]] || fail "the daemon believes nflow-c is frozen"
wait_for 10 bash -c '[[ ! -e /run/agentcgroup/frozen/nflow-c.scope ]]' || fail "the frozen record outlived the thaw"
systemctl is-active --quiet nflow-c.scope || fail "LOW did not survive"
assert_daemon_healthy
