#!/bin/bash
# FreezeUnit, ThawUnit and KillUnit through the daemon: forwarded to systemd for managed units,
# refused with a named error (and nothing changed) for everything else.
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

bus=(org.agentcgroup1 /org/agentcgroup1 org.agentcgroup1.Manager)

daemon_start
scope_start fz1 agent-f1.slice bash -c 'while :; do sleep 0.1; done'
wait_prop fz1.scope MemoryHigh 2147483648
scope_start outside-fz system.slice sleep 600

busctl call "${bus[@]}" FreezeUnit s fz1.scope || fail "FreezeUnit failed"
assert_eq frozen "$(unit_prop fz1.scope FreezerState)" "FreezerState after FreezeUnit (it replies once frozen)"
assert_eq 1 "$(cgroup_read fz1.scope cgroup.freeze)"
grep -q '^frozen 1' "/sys/fs/cgroup$(unit_prop fz1.scope ControlGroup)/cgroup.events" || fail "kernel says not frozen"
busctl call "${bus[@]}" ThawUnit s fz1.scope || fail "ThawUnit failed"
assert_eq running "$(unit_prop fz1.scope FreezerState)" "FreezerState after ThawUnit"

# Refusals, each with its error and nothing changed.
out=$(dsend FreezeUnit string:outside-fz.scope)
assert_eq "Error org.agentcgroup1.Error.UnitNotManaged: outside-fz.scope is not managed by agentcgroupd." "$out"
assert_eq running "$(unit_prop outside-fz.scope FreezerState)"
out=$(dsend FreezeUnit string:nope.scope)
assert_contains "$out" "org.agentcgroup1.Error.UnitNotManaged"
out=$(dsend FreezeUnit string:)
assert_eq "Error org.freedesktop.DBus.Error.InvalidArgs: '' is not a valid unit name." "$out"
out=$(dsend ThawUnit string:"../../etc/passwd")
assert_contains "$out" "InvalidArgs"
big=$(head -c 100000 /dev/zero | tr '\0' a)
out=$(dsend FreezeUnit string:"$big.scope")
assert_contains "$out" "InvalidArgs"
(( ${#out} < 300 )) || fail "the error echoes the whole 100 KB argument"
out=$(dsend KillUnit string:fz1.scope int32:0)
assert_contains "$out" "is not a signal number"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups dbus-send --system --print-reply \
    --dest=org.agentcgroup1 /org/agentcgroup1 org.agentcgroup1.Manager.FreezeUnit string:fz1.scope 2>&1)
assert_contains "$out" "AccessDenied"
assert_eq running "$(unit_prop fz1.scope FreezerState)" "after the refused calls"

busctl call "${bus[@]}" KillUnit si fz1.scope 15 || fail "KillUnit failed"
wait_for 10 bash -c '[[ $(systemctl show -P ActiveState fz1.scope) != active ]]' || fail "fz1.scope survived SIGTERM"
assert_daemon_healthy

# The same through agentcgroupctl, with its exit codes.
scope_start fz2 agent-f1.slice bash -c 'while :; do sleep 0.1; done'
wait_prop fz2.scope MemoryHigh 2147483648
agentcgroupctl freeze fz2.scope || fail "agentcgroupctl freeze failed"
assert_eq frozen "$(unit_prop fz2.scope FreezerState)"
agentcgroupctl thaw fz2.scope || fail "agentcgroupctl thaw failed"
assert_eq running "$(unit_prop fz2.scope FreezerState)"
rc=0; err=$(agentcgroupctl freeze outside-fz.scope 2>&1) || rc=$?
assert_eq 5 "$rc" "freeze of an unmanaged unit"
assert_contains "$err" "not managed"
agentcgroupctl kill --signal=KILL fz2.scope || fail "agentcgroupctl kill failed"
wait_for 10 bash -c '[[ $(systemctl show -P ActiveState fz2.scope) != active ]]' || fail "fz2.scope survived SIGKILL"
