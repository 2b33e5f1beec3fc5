#!/bin/bash
# One D-Bus object per managed unit (org.agentcgroup1.Unit): listed by busctl tree,
# introspectable, its properties readable by anyone; GetUnit finds it and refuses unmanaged
# units; ListUnitStates and agentcgroupctl show/list agree with it; gone once the unit stops.
# timeout: 180
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

iface=org.agentcgroup1.Unit
dsend() {   # PATH INTERFACE.METHOD ARGS...: as dbus-send prints it (busctl 252 hides error messages)
    local path=$1 method=$2; shift 2
    dbus-send --system --print-reply --dest=org.agentcgroup1 "$path" "$method" "$@" 2>&1
}
uprop() {   # PATH PROPERTY: busctl's "TYPE VALUE"
    busctl get-property org.agentcgroup1 "$1" "$iface" "$2"
}

daemon_start
scope_start uobj1 agent-u1.slice
wait_prop uobj1.scope MemoryHigh 2147483648
scope_start outside-u1 system.slice sleep 600

path=/org/agentcgroup1/unit/uobj1_2escope
slice_path=/org/agentcgroup1/unit/agent_2du1_2eslice
assert_eq "o \"$path\"" "$(busctl call "${mgr[@]}" GetUnit s uobj1.scope)" "GetUnit"
assert_eq "o \"$slice_path\"" "$(busctl call "${mgr[@]}" GetUnit s agent-u1.slice)" "GetUnit of the slice"

# The tree: managed units only.
tree=$(busctl tree --list org.agentcgroup1)
log "tree: $(tr '\n' ' ' <<<"$tree")"
grep -qx "$path" <<<"$tree" || fail "busctl tree does not list $path"
grep -qx "$slice_path" <<<"$tree" || fail "busctl tree does not list $slice_path"
grep -q outside <<<"$tree" && fail "busctl tree lists an unmanaged unit"
grep -qx /org/agentcgroup1/unit/agent_2eslice <<<"$tree" && fail "busctl tree lists the managed root agent.slice"

intro=$(busctl introspect org.agentcgroup1 "$path")
assert_contains "$intro" "$iface"
for p in Id Type Slice ControlGroup ControlGroupId Profile Rule ProfileSource Class State MemoryCurrent EffectiveMemoryHigh \
         StallPercent ThrottleCount FreezeCount ThawCount KillCount OOMKillCount FrozenUSec LastAction \
         LastReason LastActionTimestamp SchedCPUNSec SchedBoosts SchedPenalties SchedPenalizedNSec CPUYield; do
    grep -q "^\.$p " <<<"$intro" || fail "introspection lacks $p"
done
grep "^\.State " <<<"$intro" | grep -q emits-change || fail "State does not emit changes: $(grep '^\.State ' <<<"$intro")"
grep "^\.Id " <<<"$intro" | grep -q const || fail "Id is not constant"
assert_contains "$(busctl introspect "${mgr[0]}" "${mgr[1]}" "${mgr[2]}")" ".UnitStateChanged"

# The properties, against systemd's view.
assert_eq 's "running"' "$(uprop "$path" State)" "State"
assert_eq 's "uobj1.scope"' "$(uprop "$path" Id)" "Id"
assert_eq 's "scope"' "$(uprop "$path" Type)" "Type"
assert_eq 's "agent-u1.slice"' "$(uprop "$path" Slice)" "Slice"
assert_eq "s \"$(unit_prop uobj1.scope ControlGroup)\"" "$(uprop "$path" ControlGroup)" "ControlGroup"
assert_eq "t $(unit_prop uobj1.scope ControlGroupId)" "$(uprop "$path" ControlGroupId)" "ControlGroupId"
assert_eq 's "tool-burst"' "$(uprop "$path" Profile)" "Profile"
assert_eq 's ""' "$(uprop "$path" Rule)" "Rule (the default profile)"
assert_eq 's "default"' "$(uprop "$path" ProfileSource)" "ProfileSource (the default profile)"
assert_eq 's "rule"' "$(uprop "$slice_path" ProfileSource)" "the slice's ProfileSource"
assert_eq 's "tool-burst"' "$(uprop "$path" Class)" "Class"
assert_eq 's "session"' "$(uprop "$slice_path" Profile)" "the slice's Profile"
assert_eq 's "interactive"' "$(uprop "$slice_path" Class)" "the slice's Class"
assert_eq 's "none"' "$(uprop "$path" LastAction)" "LastAction of an idle scope"
[[ $(uprop "$path" MemoryCurrent) =~ ^t\ [0-9]+$ ]] || fail "MemoryCurrent: $(uprop "$path" MemoryCurrent)"
[[ $(uprop "$path" StallPercent) =~ ^d\ [0-9.e+-]+$ ]] || fail "StallPercent: $(uprop "$path" StallPercent)"
# Reading is open to everyone.
assert_eq 's "running"' "$(setpriv --reuid=65534 --regid=65534 --clear-groups \
    busctl get-property org.agentcgroup1 "$path" "$iface" State)" "State read by nobody"
all=$(busctl --json=short call org.agentcgroup1 "$path" org.freedesktop.DBus.Properties GetAll s "$iface")
assert_eq 28 "$(jq '.data[0] | length' <<<"$all")" "GetAll: number of properties"

# ListUnitStates: managed units only, the same state.
states=$(busctl --json=short call "${mgr[@]}" ListUnitStates)
assert_eq '["uobj1.scope","running","none"]' \
    "$(jq -c '.data[0][] | select(.[0] == "uobj1.scope") | .[0:3]' <<<"$states")" "ListUnitStates row"
jq -e '.data[0][] | select(.[0] == "outside-u1.scope")' <<<"$states" >/dev/null &&
    fail "ListUnitStates lists an unmanaged unit"
assert_eq "$(jq '.data[0] | length' <<<"$states")" \
    "$(busctl --json=short call "${mgr[@]}" ListUnits | jq '.data[0] | length')" "ListUnitStates and ListUnits rows"

# Refusals, with their errors.
out=$(dsend "${mgr[1]}" "${mgr[2]}.GetUnit" string:outside-u1.scope)
assert_eq "Error org.agentcgroup1.Error.UnitNotManaged: outside-u1.scope is not managed by agentcgroupd." "$out"
out=$(dsend "${mgr[1]}" "${mgr[2]}.GetUnit" string:nope.scope)
assert_contains "$out" "org.agentcgroup1.Error.UnitNotManaged"
out=$(dsend "${mgr[1]}" "${mgr[2]}.GetUnit" string:../etc/passwd)
assert_eq "Error org.freedesktop.DBus.Error.InvalidArgs: '../etc/passwd' is not a valid unit name." "$out"
# An unmanaged unit has no object even under its would-be path.
out=$(dsend /org/agentcgroup1/unit/outside_2du1_2escope org.freedesktop.DBus.Properties.Get \
    string:"$iface" string:State)
assert_eq "Error org.freedesktop.DBus.Error.UnknownObject: Unknown object '/org/agentcgroup1/unit/outside_2du1_2escope'." "$out"

# agentcgroupctl show and list.
show=$(agentcgroupctl show uobj1.scope) || fail "agentcgroupctl show failed"
log "$show"
grep -qx "Profile=tool-burst" <<<"$show" || fail "show: no Profile=tool-burst"
grep -qx "State=running" <<<"$show" || fail "show: no State=running"
grep -qx "Mode=enforce" <<<"$show" || fail "show: no Mode=enforce"
grep -qx "Id=uobj1.scope" <<<"$show" || fail "show: no Id=uobj1.scope"
assert_eq 28 "$(wc -l <<<"$show")" "show: lines"
assert_eq running "$(agentcgroupctl show --value -p State uobj1.scope)" "show --value"
assert_eq tool-burst "$(agentcgroupctl show --json=short uobj1.scope | jq -r .Profile)" "show --json"
rc=0; err=$(agentcgroupctl show outside-u1.scope 2>&1) || rc=$?
assert_eq 5 "$rc" "show of an unmanaged unit"
assert_eq "show outside-u1.scope: outside-u1.scope is not managed by agentcgroupd." "$err"
line=$(agentcgroupctl list --no-legend --no-pager | grep '^uobj1.scope ') || fail "list lacks uobj1.scope"
assert_eq running "$(awk '{ print $7 }' <<<"$line")" "list: STATE column"
assert_eq running "$(agentcgroupctl list --json=short | jq -r '.[] | select(.unit == "uobj1.scope") | .state')" \
    "list --json: state"

# Once the unit stops, its object is gone.
systemctl stop uobj1.scope
wait_for 10 bash -c "! busctl tree --list org.agentcgroup1 | grep -qx '$path'" ||
    fail "$path still listed after the unit stopped"
out=$(dsend "$path" org.freedesktop.DBus.Properties.Get string:"$iface" string:State)
assert_eq "Error org.freedesktop.DBus.Error.UnknownObject: Unknown object '$path'." "$out"
out=$(dsend "${mgr[1]}" "${mgr[2]}.GetUnit" string:uobj1.scope)
assert_contains "$out" "org.agentcgroup1.Error.UnitNotManaged"
rc=0; agentcgroupctl show uobj1.scope >/dev/null 2>&1 || rc=$?
assert_eq 5 "$rc" "show of a stopped unit"
assert_daemon_healthy
