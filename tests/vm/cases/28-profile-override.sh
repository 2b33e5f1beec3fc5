#!/bin/bash
# Run-time profile overrides (SetUnitProfile, ClearUnitProfile; agentcgroupctl set-profile,
# clear-profile): a managed scope's systemd properties follow the override ahead of the rules;
# it survives a reload while its profile exists, is dropped with a warning when the profile goes,
# and by a daemon restart. Bad arguments get named errors and change nothing. AdminGroup= lets
# its members change things; everyone else gets AccessDenied.
# timeout: 300
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

uprop() {   # UNIT PROPERTY: busctl's "TYPE VALUE" of the unit's object
    local path
    path=$(busctl call "${mgr[@]}" GetUnit s "$1" | sed -n 's/^o "\(.*\)"$/\1/p')
    busctl get-property org.agentcgroup1 "$path" org.agentcgroup1.Unit "$2"
}
# The static properties the scope has as the interactive profile (agent-runtime rule) gives
# them, and as the override "pinned" does.
is_interactive() {
    wait_prop runtime-ov.scope CPUWeight 1000
    assert_eq 268435456 "$(unit_prop runtime-ov.scope MemoryLow)" "MemoryLow of interactive"
    assert_eq 's "interactive"' "$(uprop runtime-ov.scope Profile)" "Profile"
    assert_eq 's "agent-runtime"' "$(uprop runtime-ov.scope Rule)" "Rule"
    assert_eq 's "rule"' "$(uprop runtime-ov.scope ProfileSource)" "ProfileSource"
}
is_pinned() {   # [CPUWEIGHT]: checked at once, the call returns once systemd has them
    assert_eq "${1:-321}" "$(unit_prop runtime-ov.scope CPUWeight)" "CPUWeight of pinned"
    assert_eq "${1:-321}" "$(cgroup_read runtime-ov.scope cpu.weight)" "cpu.weight of pinned"
    assert_eq 67108864 "$(unit_prop runtime-ov.scope MemoryLow)" "MemoryLow of pinned"
    assert_eq 805306368 "$(unit_prop runtime-ov.scope MemoryHigh)" "MemoryHigh of pinned"
    assert_eq 321 "$(unit_prop runtime-ov.scope TasksMax)" "TasksMax of pinned"
    assert_eq 's "pinned"' "$(uprop runtime-ov.scope Profile)" "Profile"
    assert_eq 's "(override)"' "$(uprop runtime-ov.scope Rule)" "Rule"
    assert_eq 's "override"' "$(uprop runtime-ov.scope ProfileSource)" "ProfileSource"
    assert_eq 's "background"' "$(uprop runtime-ov.scope Class)" "Class"
}
PINNED=$'[Profile:pinned]\nClass=background\nCPUWeight=321\nMemoryLow=64M\nMemoryHigh=768M\nTasksMax=321'

dropin_write 60-pinned.conf "$PINNED"
daemon_start
scope_start runtime-ov agent-ov.slice
scope_start outside-ov system.slice
is_interactive
outside_weight=$(unit_prop outside-ov.scope CPUWeight)

# ---- set, over D-Bus: PropertiesChanged goes out, systemd has the values when it returns ----
journal_mark
dbus-monitor --system "type='signal',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',path='/org/agentcgroup1/unit/runtime_2dov_2escope'" \
    > monitor.out 2>&1 &
monitor=$!
cleanup_add "kill $monitor 2>/dev/null || true"
sleep 1
busctl call "${mgr[@]}" SetUnitProfile ss runtime-ov.scope pinned || fail "SetUnitProfile failed"
is_pinned
wait_for 10 grep -q '"pinned"' monitor.out || fail "no PropertiesChanged with the new profile: $(head -c 600 monitor.out)"
grep -q '"(override)"' monitor.out || fail "PropertiesChanged lacks Rule=(override)"
kill "$monitor" 2>/dev/null || true
applied=$(journal_since | grep 'Profile pinned applied (run-time override)') || fail "no applied entry in the journal"
log "journal: $applied"
journal_json_since AGENTCGROUP_UNIT=runtime-ov.scope AGENTCGROUP_PROFILE_SOURCE=override AGENTCGROUP_RULE="(override)" |
    grep -q . || fail "no journal entry with AGENTCGROUP_PROFILE_SOURCE=override"

# show and list say it is an override.
assert_eq $'pinned\n(override)\noverride' "$(agentcgroupctl show --value -p Profile,Rule,ProfileSource runtime-ov.scope)" "show"
line=$(agentcgroupctl list --no-legend --no-pager | grep '^runtime-ov.scope ') || fail "list lacks runtime-ov.scope"
assert_eq "pinned (override)" "$(awk '{ print $4, $5 }' <<<"$line")" "list: PROFILE and RULE"
assert_eq '{"profile":"pinned","rule":null,"source":"override"}' \
    "$(agentcgroupctl list --json=short | jq -c '.[] | select(.unit == "runtime-ov.scope") | {profile, rule, source}')" "list --json"
row=$(busctl --json=short call "${mgr[@]}" ListUnits | jq -c '.data[0][] | select(.[0] == "runtime-ov.scope") | .[3:5]')
assert_eq '["pinned","(override)"]' "$row" "ListUnits"

# ---- a reload keeps it, with the profile as the new configuration has it ----
dropin_write 60-pinned.conf "${PINNED/CPUWeight=321/CPUWeight=333}"
assert_eq "Configuration reloaded." "$(agentcgroupctl reload)" "reload"
wait_prop runtime-ov.scope CPUWeight 333
is_pinned 333
dropin_write 60-pinned.conf "$PINNED"
agentcgroupctl reload >/dev/null || fail "reload failed"
wait_prop runtime-ov.scope CPUWeight 321

# ---- clear: the rule's profile again, in place when the command returns ----
agentcgroupctl clear-profile runtime-ov.scope || fail "clear-profile failed"
assert_eq 1000 "$(unit_prop runtime-ov.scope CPUWeight)" "CPUWeight right after clear-profile"
is_interactive
# Clearing what is not set is no error, and changes nothing.
agentcgroupctl clear-profile runtime-ov.scope || fail "a second clear-profile failed"
is_interactive

# ---- the profile disappears on reload: override dropped, a warning, the rules again ----
agentcgroupctl set-profile runtime-ov.scope pinned || fail "set-profile failed"
is_pinned
journal_mark
rm -f "$DROPIN_DIR/60-pinned.conf"
agentcgroupctl reload >/dev/null || fail "reload without pinned failed"
is_interactive
warn=$(journal_since -p warning | grep 'Profile pinned of the run-time override no longer exists') ||
    fail "no warning about the dropped override: $(journal_since -p warning)"
log "journal: $warn"
# Bringing the profile back does not bring the override back.
dropin_write 60-pinned.conf "$PINNED"
agentcgroupctl reload >/dev/null || fail "reload failed"
assert_prop_stays runtime-ov.scope CPUWeight 1000 2
assert_eq 's "rule"' "$(uprop runtime-ov.scope ProfileSource)" "ProfileSource after the profile came back"

# ---- a daemon restart drops it ----
agentcgroupctl set-profile runtime-ov.scope pinned || fail "set-profile failed"
is_pinned
systemctl restart agentcgroupd.service || fail "restart failed"
is_interactive
assert_daemon_healthy

# ---- bad arguments: named errors, nothing changed ----
agentcgroupctl set-profile runtime-ov.scope pinned || fail "set-profile failed"
big=$(head -c 100000 /dev/zero | tr '\0' a)
check_error() {   # EXPECTED-OUTPUT-OR-PREFIX METHOD ARGS...
    local want=$1 out; shift
    out=$(dsend "$@")
    (( ${#out} < 300 )) || fail "$1: the error is ${#out} bytes long (echoes an argument?)"
    [[ $out == "$want"* ]] || fail "$1 ${2:0:40}...: expected '$want', got '$out'"
}
check_error "Error org.freedesktop.DBus.Error.InvalidArgs: '' is not a valid unit name." SetUnitProfile string: string:pinned
check_error "Error org.freedesktop.DBus.Error.InvalidArgs: '../etc/passwd' is not a valid unit name." \
    SetUnitProfile string:../etc/passwd string:pinned
check_error "Error org.freedesktop.DBus.Error.InvalidArgs: 'aaaa" SetUnitProfile string:"$big.scope" string:pinned
check_error "Error org.freedesktop.DBus.Error.InvalidArgs: '' is not a valid profile name (1-64 characters from A-Z a-z 0-9 - _ .)." \
    SetUnitProfile string:runtime-ov.scope string:
check_error "Error org.freedesktop.DBus.Error.InvalidArgs: '../pinned' is not a valid profile name" \
    SetUnitProfile string:runtime-ov.scope string:../pinned
check_error "Error org.freedesktop.DBus.Error.InvalidArgs: 'aaaa" SetUnitProfile string:runtime-ov.scope string:"$big"
check_error "Error org.agentcgroup1.Error.NoSuchProfile: There is no profile nosuch in the configuration in effect." \
    SetUnitProfile string:runtime-ov.scope string:nosuch
check_error "Error org.agentcgroup1.Error.UnitNotManaged: outside-ov.scope is not managed by agentcgroupd." \
    SetUnitProfile string:outside-ov.scope string:pinned
check_error "Error org.agentcgroup1.Error.UnitNotManaged: nope.scope is not managed by agentcgroupd." \
    SetUnitProfile string:nope.scope string:pinned
check_error "Error org.freedesktop.DBus.Error.InvalidArgs: '' is not a valid unit name." ClearUnitProfile string:
check_error "Error org.freedesktop.DBus.Error.InvalidArgs: 'aaaa" ClearUnitProfile string:"$big"
check_error "Error org.agentcgroup1.Error.UnitNotManaged: outside-ov.scope is not managed by agentcgroupd." \
    ClearUnitProfile string:outside-ov.scope
check_error "Error org.freedesktop.DBus.Error.InvalidArgs" SetUnitProfile string:runtime-ov.scope
# The command line: the daemon's message, with the unit, and the exit status.
rc=0; err=$(agentcgroupctl set-profile runtime-ov.scope nosuch 2>&1) || rc=$?
assert_eq 1 "$rc" "set-profile of a missing profile"
assert_eq "set-profile runtime-ov.scope: There is no profile nosuch in the configuration in effect." "$err"
rc=0; err=$(agentcgroupctl set-profile outside-ov.scope pinned 2>&1) || rc=$?
assert_eq 5 "$rc" "set-profile of an unmanaged unit"
assert_eq "set-profile outside-ov.scope: outside-ov.scope is not managed by agentcgroupd." "$err"
rc=0; agentcgroupctl clear-profile outside-ov.scope 2>/dev/null || rc=$?
assert_eq 5 "$rc" "clear-profile of an unmanaged unit"
rc=0; agentcgroupctl set-profile runtime-ov.scope 2>/dev/null || rc=$?
assert_eq 2 "$rc" "set-profile without a profile"
is_pinned
assert_eq "$outside_weight" "$(unit_prop outside-ov.scope CPUWeight)" "the unmanaged scope's CPUWeight"
assert_daemon_healthy

# ---- who may: root, and AdminGroup= members; a bad AdminGroup= is caught with file and line ----
admin_users_setup
run_as agop id | grep -q '(agadm)' || fail "agop is not in agadm: $(run_as agop id)"

# Without AdminGroup=: root only, whoever asks.
out=$(run_as agop dbus-send --system --print-reply --dest=org.agentcgroup1 /org/agentcgroup1 \
    org.agentcgroup1.Manager.ClearUnitProfile string:runtime-ov.scope 2>&1)
assert_eq "Error org.freedesktop.DBus.Error.AccessDenied: Clearing a unit's profile requires root." "$out"
is_pinned

dropin_write 70-admin.conf $'[Manager]\nAdminGroup=two groups'
rc=0; err=$(agentcgroupctl verify 2>&1) || rc=$?
assert_eq 1 "$rc" "verify of a bad AdminGroup="
assert_contains "$err" "$DROPIN_DIR/70-admin.conf:2: AdminGroup=two groups: not a valid group name or GID"
rc=0; err=$(agentcgroupctl reload 2>&1) || rc=$?
assert_eq 1 "$rc" "reload of a bad AdminGroup="
assert_contains "$err" "$DROPIN_DIR/70-admin.conf:2: AdminGroup=two groups: not a valid group name or GID"

dropin_write 70-admin.conf $'[Manager]\nAdminGroup=agadm'
agentcgroupctl verify >/dev/null || fail "verify of AdminGroup=agadm"
agentcgroupctl reload >/dev/null || fail "reload with AdminGroup=agadm"

# Not a member: AccessDenied naming the group, nothing changed.
out=$(run_as plain dbus-send --system --print-reply --dest=org.agentcgroup1 /org/agentcgroup1 \
    org.agentcgroup1.Manager.SetUnitProfile string:runtime-ov.scope string:nosuch 2>&1)
assert_eq "Error org.freedesktop.DBus.Error.AccessDenied: Setting a unit's profile requires root or membership in group agadm." "$out"
out=$(run_as plain dbus-send --system --print-reply --dest=org.agentcgroup1 /org/agentcgroup1 \
    org.agentcgroup1.Manager.Reload 2>&1)
assert_eq "Error org.freedesktop.DBus.Error.AccessDenied: Reloading the configuration requires root or membership in group agadm." "$out"
rc=0; err=$(run_as plain agentcgroupctl clear-profile runtime-ov.scope 2>&1) || rc=$?
assert_eq 4 "$rc" "clear-profile by a non-member"
assert_eq "clear-profile runtime-ov.scope: access denied: Clearing a unit's profile requires root or membership in group agadm." "$err"
rc=0; run_as plain agentcgroupctl freeze runtime-ov.scope 2>/dev/null || rc=$?
assert_eq 4 "$rc" "freeze by a non-member"
# Claims in arguments count for nothing: the group is the caller's, from the bus.
out=$(run_as plain dbus-send --system --print-reply --dest=org.agentcgroup1 /org/agentcgroup1 \
    org.agentcgroup1.Manager.SetUnitProfile string:runtime-ov.scope string:agadm 2>&1)
assert_contains "$out" "AccessDenied"
is_pinned
assert_eq running "$(unit_prop runtime-ov.scope FreezerState)" "after the refused freeze"

# A member, by supplementary group: every mutating method.
run_as agop agentcgroupctl clear-profile runtime-ov.scope || fail "clear-profile by agop (supplementary agadm)"
is_interactive
run_as agop agentcgroupctl set-profile runtime-ov.scope pinned || fail "set-profile by agop"
is_pinned
run_as agop agentcgroupctl freeze runtime-ov.scope || fail "freeze by agop"
assert_eq frozen "$(unit_prop runtime-ov.scope FreezerState)"
run_as agop agentcgroupctl thaw runtime-ov.scope || fail "thaw by agop"
assert_eq running "$(unit_prop runtime-ov.scope FreezerState)"
assert_eq "Configuration reloaded." "$(run_as agop agentcgroupctl reload)" "reload by agop"
# A member by effective group only.
setpriv --reuid=plain --regid=agadm --clear-groups agentcgroupctl clear-profile runtime-ov.scope ||
    fail "clear-profile with effective group agadm"
is_interactive

# A group that does not exist lets no one but root in, and says so.
dropin_write 70-admin.conf $'[Manager]\nAdminGroup=agnosuch'
err=$(agentcgroupctl verify 2>&1 >/dev/null) || fail "verify of AdminGroup=agnosuch: $err"
assert_eq "AdminGroup=agnosuch: no such group on this system; until there is, only root may change things through agentcgroupd." \
    "$err" "verify's warning"
agentcgroupctl reload >/dev/null || fail "reload with AdminGroup=agnosuch"
journal_mark
rc=0; run_as agop agentcgroupctl set-profile runtime-ov.scope pinned 2>/dev/null || rc=$?
assert_eq 4 "$rc" "set-profile by agop with AdminGroup=agnosuch"
journal_since -p warning | grep -q 'AdminGroup=agnosuch: cannot resolve the group' ||
    fail "no warning about the unknown group"
is_interactive
assert_daemon_healthy
