#!/bin/bash
# The daemon's BPF loader (src/daemon/bpf-memcg.c, driven by memcg-bpf-probe): the features of
# this kernel with reasons for the absent ones; memcg_observe's counts for a throttled scope read
# by its ControlGroupId; the throttle map pinned under /sys/fs/bpf/agentcgroup and reused, counts
# and all, by the next load; the error paths (no objects; a detection BTF that claims the
# memcg_bpf_ops struct the kernel lacks, in both RFC variants).
# timeout: 240
set -euo pipefail
# shellcheck source-path=SCRIPTDIR/.. source=lib.sh
. /usr/lib/agentcgroup-tests/lib.sh
# shellcheck source-path=SCRIPTDIR/.. source=lib-agentcgroup.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

PROBE=/usr/lib/agentcgroup-tests/bin/memcg-bpf-probe
OBJ_DIR=/usr/lib/agentcgroup/bpf
PIN_DIR=/sys/fs/bpf/agentcgroup
PIN=$PIN_DIR/memcg_throttle

[[ -x $PROBE ]] || skip "$PROBE is not installed (built without libbpf >= 1.4)"
[[ -r $OBJ_DIR/memcg_observe.bpf.o && -r $OBJ_DIR/memcg_ops.bpf.o ]] ||
    skip "the BPF objects are not installed in $OBJ_DIR (BPF build disabled)"
[[ -r /sys/kernel/btf/vmlinux ]] || skip "kernel $(uname -r) has no BTF"

# The pin outlives every load by design; the case removes it only if it made it.
if [[ ! -e $PIN ]]; then
    cleanup_add "rm -f '$PIN'; rmdir '$PIN_DIR' 2>/dev/null || true"
fi

# probe NAME ARGS...: runs the probe, its stdout to NAME.out (also returned), stderr to NAME.err.
probe() {
    local name=$1 rc=0; shift
    "$PROBE" "$@" >"$name.out" 2>"$name.err" || rc=$?
    sed "s/^/[$name] /" "$name.out" "$name.err" | while IFS= read -r l; do log "$l"; done
    return $rc
}
pin_id() { bpftool map show pinned "$PIN" -j | jq -r .id; }
field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" "$2"; }   # NAME FILE: value of NAME= in FILE

# 1. Features of this kernel.
probe features features || fail "probe features failed"
out=$(<features.out)
assert_contains "$out" "present memcg-observe"
assert_contains "$out" "present psi"
assert_contains "$out" "absent memcg-bpf-ops: the kernel's BTF has no struct memcg_bpf_ops"
if btf_has_func bpf_mem_cgroup_usage && btf_has_func bpf_get_mem_cgroup && btf_has_func bpf_mem_cgroup_memory_events; then
    assert_contains "$out" "present memcg-kfuncs"
else
    assert_contains "$out" "absent memcg-kfuncs: the kernel's BTF lacks"
fi
[[ -e $PIN ]] || fail "the throttle map is not pinned at $PIN"
map_id=$(pin_id)
log "pinned map id $map_id: $(bpftool map show pinned "$PIN" | head -1)"
# The probe has exited: its programs are detached, the pinned map stays.
assert_eq 0 "$(bpftool link show -j | jq '[.[] | select(.type == "tracing")] | length')" "tracing links after exit"

# 2. memory.high pressure in a transient scope (as in case 20), counted under its ControlGroupId.
cleanup_add "systemctl stop hog23.scope 2>/dev/null || true"
systemd-run --quiet --scope -p MemoryHigh=50M --slice=agent-bpf23.slice -u hog23 \
    stress-ng --vm 1 --vm-bytes 200M --vm-keep --timeout 40 >/dev/null 2>&1 &
cleanup_add "kill $! 2>/dev/null || true"
wait_for 20 systemctl is-active --quiet hog23.scope || fail "hog23.scope did not start"
hog_id=$(unit_prop hog23.scope ControlGroupId)
log "hog23.scope id $hog_id"

probe watch watch "$hog_id" 60 || fail "no throttling counted for hog23.scope (id $hog_id) within 60 s"
assert_contains "$(<watch.err)" "Reusing the pinned map $PIN" "second load reuses the pin"
assert_eq "$map_id" "$(pin_id)" "pinned map id after the second load"
events=$(field events watch.out)
(( events > 0 )) || fail "watch: events=$events"
(( $(field pages watch.out) > 0 )) || fail "watch: no pages over high"
(( $(field delay_ns watch.out) > 0 )) || fail "watch: no time in the handler"

# 3. A third load reads what the second one counted (nothing was attached in between).
probe read read "$hog_id" || fail "probe read found no counts for $hog_id"
(( $(field events read.out) >= events )) || fail "counts lost: $(<read.out) after events=$events"
assert_eq "$map_id" "$(pin_id)" "pinned map id after the third load"
probe none read 1 && fail "cgroup id 1 has counts: $(<none.out)"
assert_contains "$(<none.out)" "1 none"
systemctl stop hog23.scope

# 4. No memcg_bpf_ops on this kernel: policies are refused.
probe policy policy "$hog_id" || fail "probe policy failed"
assert_contains "$(<policy.out)" "set-policy EOPNOTSUPP"

# 5. No objects: a clear reason, memcg-observe absent, the rest unaffected.
mkdir empty
AGENTCGROUP_BPF_DIR=$PWD/empty probe empty features || fail "probe with an empty directory failed"
out=$(<empty.out)
[[ $out != *"present memcg-observe"* ]] || fail "memcg-observe present without objects"
assert_contains "$out" "absent memcg-observe: the BPF object $PWD/empty/memcg_observe.bpf.o cannot be read: No such file or directory"
assert_contains "$(<empty.err)" "Cannot read the BPF object $PWD/empty/memcg_observe.bpf.o"
assert_contains "$out" "present psi"

# 6. A detection BTF with the RFC's struct (this kernel's BTF plus memcg_bpf_ops): the loader
#    picks the variant by its members, loading fails on this kernel, logged, and the rest works.
for v in v3 v7; do
    probe "make-$v" make-btf "$v" "$PWD/$v.btf" || fail "make-btf $v failed"
    AGENTCGROUP_VMLINUX_BTF=$PWD/$v.btf probe "fake-$v" features || fail "probe with the $v BTF failed"
    out=$(<"fake-$v.out")
    assert_contains "$out" "present memcg-observe"
    assert_contains "$out" "absent memcg-bpf-ops: loading $OBJ_DIR/memcg_ops.bpf.o (memcg_ops_$v) failed: the running kernel's BTF has no struct memcg_bpf_ops"
    assert_contains "$(<"fake-$v.err")" "Loading $OBJ_DIR/memcg_ops.bpf.o (memcg_ops_$v) failed, memcg-bpf-ops stays off"
    rm "$v.btf"
done
assert_eq "$map_id" "$(pin_id)" "pinned map id at the end"
