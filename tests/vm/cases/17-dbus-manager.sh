#!/bin/bash
# org.agentcgroup1.Manager on the system bus: introspectable, ListUnits shows managed units with
# their profiles, Reload returns the errors with file and line, and only root may reload.
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

bus=(org.agentcgroup1 /org/agentcgroup1 org.agentcgroup1.Manager)
daemon_start

intro=$(busctl introspect "${bus[0]}" "${bus[1]}" "${bus[2]}")
for member in ListUnits ListUnitStates ListProfiles GetUnit Reload Version ManagedUnits ConfigErrors Features; do
    assert_contains "$intro" "$member"
done
version=$(busctl get-property "${bus[@]}" Version)
assert_eq "s \"$(/usr/libexec/agentcgroup/agentcgroupd --version | awk '{print $2}')\"" "$version" "Version"

scope_start dbus1 agent-d1.slice
wait_prop dbus1.scope MemoryHigh 2147483648
units=$(busctl --json=short call "${bus[@]}" ListUnits)
row=$(jq -c '.data[0][] | select(.[0] == "dbus1.scope")' <<<"$units")
log "ListUnits row: $row"
assert_eq "[\"dbus1.scope\",\"scope\",\"agent-d1.slice\",\"tool-burst\",\"\",$(unit_prop dbus1.scope ControlGroupId)]" "$row"
slice_row=$(jq -c '.data[0][] | select(.[0] == "agent-d1.slice") | .[3:5]' <<<"$units")
assert_eq '["session","session-slices"]' "$slice_row" "the session slice"
# Units outside the managed slices are not listed.
jq -e '.data[0][] | select(.[0] == "dbus.service" or .[0] == "system.slice")' <<<"$units" >/dev/null &&
    fail "ListUnits lists unmanaged units"
managed=$(busctl get-property "${bus[@]}" ManagedUnits | awk '{print $2}')
assert_eq "$(jq '.data[0] | length' <<<"$units")" "$managed" "ManagedUnits property"

# Reading is open to everyone; reloading is not.
setpriv --reuid=65534 --regid=65534 --clear-groups busctl call "${bus[@]}" ListUnits >/dev/null ||
    fail "an unprivileged caller cannot list units"
# (dbus-send shows the error's message; busctl 252 prints only "Access denied".)
denied=$(setpriv --reuid=65534 --regid=65534 --clear-groups dbus-send --system --print-reply \
    --dest=org.agentcgroup1 /org/agentcgroup1 org.agentcgroup1.Manager.Reload 2>&1) &&
    fail "an unprivileged caller could reload"
assert_eq "Error org.freedesktop.DBus.Error.AccessDenied: Reloading the configuration requires root." "$denied"

# Reload: errors come back with file and line, the old configuration stays.
assert_eq "as 0" "$(busctl call "${bus[@]}" Reload)" "a good reload"
dropin_write 90-bad.conf $'[Profile:tool-burst]\nMemoryHigh=lots'
errs=$(busctl --json=short call "${bus[@]}" Reload | jq -r '.data[0][]')
assert_eq "$DROPIN_DIR/90-bad.conf:2: MemoryHigh=lots: not a valid size; expected bytes with an optional K, M, G or T suffix, a percentage of physical memory, or 'infinity'" "$errs"
assert_eq "u 1" "$(busctl get-property "${bus[@]}" ConfigErrors)" "ConfigErrors"
scope_start dbus2 agent-d1.slice
wait_prop dbus2.scope MemoryHigh 2147483648   # the previous configuration
# systemctl reload goes through the same method and waits for it.
rm -f "$DROPIN_DIR/90-bad.conf"
systemctl reload agentcgroupd.service
assert_eq "u 0" "$(busctl get-property "${bus[@]}" ConfigErrors)" "ConfigErrors after a good reload"
assert_daemon_healthy

# Features: what the kernel offers and the daemon uses. The test kernel has the fentry target and
# PSI, and no memcg_bpf_ops (an unmerged RFC): absent, with the reason in the journal.
feat=$(busctl get-property "${bus[@]}" Features)
log "Features: $feat"
assert_contains "$feat" '"memcg-observe"'
assert_contains "$feat" '"psi"'
assert_contains "$feat" '"sched-ext"'   # the test kernel has CONFIG_SCHED_CLASS_EXT
# ListProfiles: the profiles in effect, as agentcgroupctl profiles reads them from the files.
profiles=$(busctl --json=short call "${bus[@]}" ListProfiles)
assert_eq "$(agentcgroupctl profiles --json=short | jq -c '[.[].name]')" "$(jq -c '[.data[0][][0]]' <<<"$profiles")" \
    "ListProfiles names and order"
assert_eq '["tool-burst","tool-burst","CPUWeight=100 MemoryHigh=2147483648 TasksMax=2048"]' \
    "$(jq -c '.data[0][] | select(.[0] == "tool-burst") | .[0:3]' <<<"$profiles")" "ListProfiles tool-burst"
[[ $(jq -r '.data[0][] | select(.[0] == "tool-burst") | .[3]' <<<"$profiles") == */30-tool-burst.conf:2 ]] ||
    fail "ListProfiles: where tool-burst is defined: $(jq -c '.data[0][] | select(.[0] == "tool-burst")' <<<"$profiles")"
[[ $feat != *memcg-bpf-ops* ]] || fail "memcg-bpf-ops reported on a kernel without the struct"
journalctl -b -u agentcgroupd.service --no-pager -q | grep -q "memcg-bpf-ops.*no struct memcg_bpf_ops" ||
    fail "the journal does not say why memcg-bpf-ops is absent"
