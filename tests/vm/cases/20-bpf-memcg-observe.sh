#!/bin/bash
# The memcg_observe BPF object loads and attaches (fentry/fexit on
# __mem_cgroup_handle_over_high) and counts memory.high throttling under the scope's cgroup id
# (systemd's ControlGroupId); a scope under the same load without MemoryHigh gets no count.
# timeout: 180
set -euo pipefail
# shellcheck source-path=SCRIPTDIR/.. source=lib.sh
. /usr/lib/agentcgroup-tests/lib.sh
# shellcheck source-path=SCRIPTDIR/.. source=lib-agentcgroup.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

OBJ=/usr/lib/agentcgroup/bpf/memcg_observe.bpf.o
PIN=/sys/fs/bpf/agc-test
MAP=$PIN/maps/throttle_events
HOOK=__mem_cgroup_handle_over_high

[[ -r $OBJ ]] || skip "$OBJ is not installed (BPF build disabled)"
[[ -r /sys/kernel/btf/vmlinux ]] || skip "kernel $(uname -r) has no BTF (fentry needs it)"
if ! btf_has_func "$HOOK"; then
    # bpftool attaches by section name; the daemon's loader aims the programs at the old name
    # (case 23 checks it there).
    if btf_has_func "${HOOK#__}"; then
        skip "kernel $(uname -r) has the handler as ${HOOK#__} (before its rename), which bpftool cannot aim the object at; case 23 covers the daemon's loader there"
    fi
    skip "kernel $(uname -r) has no $HOOK in its BTF"
fi

rm -rf "$PIN"
mkdir -p "$PIN"
cleanup_add "rm -rf '$PIN'"
bpftool prog loadall "$OBJ" "$PIN/progs" pinmaps "$PIN/maps" autoattach ||
    fail "bpftool could not load and attach $OBJ"
log "attached: $(ls "$PIN/progs" | tr '\n' ' ')"
[[ -e $MAP ]] || fail "map not pinned at $MAP"
# Both programs are attached: their links are pinned and listed by the kernel.
for p in memcg_over_high_enter memcg_over_high_exit; do
    [[ -e $PIN/progs/$p ]] || fail "no pinned link for $p"
done
tracing_links() { bpftool link show -j | jq '[.[] | select(.type == "tracing")] | length'; }
assert_eq 2 "$(tracing_links)" "tracing links"

# entry FILTER CGID: jq FILTER applied to the map's value for cgroup CGID, empty when there is no entry.
entry() {
    bpftool map dump pinned "$MAP" -j |
        jq -r --argjson id "$2" ".[] | .formatted // error(\"map dump without BTF\") |
                                select(.key == \$id) | .value | $1"
}
events_of() { local n; n=$(entry .events "$1"); [[ -n $n && $n -gt 0 ]]; }
high_events() { awk '$1 == "high" {print $2}' "/sys/fs/cgroup$(unit_prop "$1" ControlGroup)/memory.events"; }
high_seen() { local n; n=$(high_events "$1"); [[ -n $n && $n -gt 0 ]]; }
mem_over() { (( $(cgroup_read "$1" memory.current) > $2 )); }

# Same load twice: 200M of anonymous memory held, with and without MemoryHigh=50M. Without swap
# the throttled one cannot get below high, so it keeps being throttled (up to 2 s a sleep).
for u in hog calm; do cleanup_add "systemctl stop $u.scope 2>/dev/null || true"; done
systemd-run --quiet --scope -p MemoryHigh=50M --slice=agent-bpf.slice -u hog \
    stress-ng --vm 1 --vm-bytes 200M --vm-keep --timeout 20 >/dev/null 2>&1 &
cleanup_add "kill $! 2>/dev/null || true"
systemd-run --quiet --scope --slice=agent-bpf.slice -u calm \
    stress-ng --vm 1 --vm-bytes 200M --vm-keep --timeout 20 >/dev/null 2>&1 &
cleanup_add "kill $! 2>/dev/null || true"
wait_for 20 systemctl is-active --quiet hog.scope || fail "hog.scope did not start"
wait_for 20 systemctl is-active --quiet calm.scope || fail "calm.scope did not start"
assert_eq 52428800 "$(cgroup_read hog.scope memory.high)" "hog memory.high"
assert_eq max "$(cgroup_read calm.scope memory.high)" "calm memory.high"

hog_id=$(unit_prop hog.scope ControlGroupId)
calm_id=$(unit_prop calm.scope ControlGroupId)
# ControlGroupId is the inode number of the cgroup directory, the id BPF sees.
assert_eq "$hog_id" "$(stat -c %i "/sys/fs/cgroup$(unit_prop hog.scope ControlGroup)")" "hog cgroup id"
log "hog.scope id $hog_id, calm.scope id $calm_id"

wait_for 60 high_seen hog.scope || fail "hog.scope memory.events shows no high event"
log "hog.scope memory.events high=$(high_events hog.scope)"
wait_for 60 mem_over calm.scope $((150 << 20)) ||
    fail "calm.scope did not reach 150M (memory.current $(cgroup_read calm.scope memory.current))"
log "calm.scope memory.current=$(cgroup_read calm.scope memory.current) high=$(high_events calm.scope)"

# An episode is counted when the task leaves the handler (after its penalty sleep, <= 2 s).
wait_for 30 events_of "$hog_id" || fail "no throttle events for hog.scope (id $hog_id) in $MAP"
bpftool map dump pinned "$MAP" -j | jq -c '.[].formatted' | while read -r l; do log "map: $l"; done
hog=$(entry "{events, pages, delay_ns}" "$hog_id" | jq -c .)   # one snapshot
log "hog: $hog"
(( $(jq .pages <<<"$hog") > 0 )) || fail "hog: no pages over high recorded"
(( $(jq .delay_ns <<<"$hog") > 0 )) || fail "hog: no time in the handler recorded"

# The unthrottled scope: no entry, or no events.
assert_eq 0 "$(high_events calm.scope)" "calm.scope high events"
calm_events=$(entry .events "$calm_id")
assert_eq 0 "${calm_events:-0}" "throttle events for calm.scope"

systemctl stop hog.scope calm.scope
rm -rf "$PIN"
# Removing the pins detaches the programs (bpftool exited; the pins held the last references).
no_links() { [[ $(tracing_links) == 0 ]]; }
wait_for 10 no_links || fail "tracing links still there after removing $PIN: $(bpftool link show)"
log "detached"
