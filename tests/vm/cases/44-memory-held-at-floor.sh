#!/bin/bash
# A LOW unit squeezed for an interactive unit's headroom down to its MemoryFloor=, with nothing
# left to give, stays held there while the shortage lasts (no relax and squeeze again), and
# is frozen once it still grows against that limit: throttled at its floor it would only trade
# its own pages through swap. Nobody stalls here; the freeze is for the headroom alone. Once
# HIGH is gone, LOW is thawed and finishes. systemd and the daemon agree on the state.
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

zram_swap_on 1G
dropin_write 50-held.conf '
[Profile:held-high]
Class=interactive
# A quarter of the 600M budget (the default): HIGH at 480M leaves 120M, less than it wants.
MemoryHeadroom=150M
[Profile:held-low]
Class=background
FreezeAfterSec=500ms
Kill=no
[Match:held-high]
Unit=heldhigh-*.scope
Profile=held-high
[Match:held-low]
Unit=heldlow-*.scope
Profile=held-low'
systemctl set-property --runtime agent.slice MemoryMax=600M || fail "set MemoryMax on agent.slice"
cleanup_add "systemctl set-property --runtime agent.slice MemoryMax=infinity"
daemon_start

# HIGH: 480 MiB at once, held for 10 s, then it exits.
systemd-run --quiet --scope --slice=agent-heldhigh.slice -u heldhigh-a bash -c \
    "$(declare -f memhog); memhog 20 480 0.02 10" &
high_pid=$!
cleanup_add "systemctl stop heldhigh-a.scope 2>/dev/null || true"
hcg=/sys/fs/cgroup/agent.slice/agent-heldhigh.slice/heldhigh-a.scope
wait_for 60 bash -c "(( \$(cat $hcg/memory.current 2>/dev/null || echo 0) > 470 * 1048576 ))" || fail "HIGH did not grow"

# LOW: 2 MiB every 0.1 s up to 200 MiB, holds 1 s, exits 0. Its class can give nothing the
# headroom does not already want: held at its floor from the start.
systemd-run --quiet --scope --slice=agent-heldlow.slice -u heldlow-a bash -c \
    "$(declare -f memhog); memhog 2 200 0.1 1" &
low_pid=$!
cleanup_add "systemctl stop heldlow-a.scope 2>/dev/null || true"

saw_frozen=0
for _ in $(seq 1 200); do
    if [[ $(unit_prop heldlow-a.scope FreezerState) == frozen ]]; then
        saw_frozen=1
        assert_eq frozen "$(daemon_unit_state heldlow-a.scope)" "daemon's State while systemd says frozen"
        break
    fi
    sleep 0.1
done
(( saw_frozen )) || { journal_since AGENTCGROUP_UNIT=heldlow-a.scope; fail "LOW was never frozen"; }
kill -0 "$high_pid" 2>/dev/null || fail "HIGH ended before LOW was frozen: the case proves nothing"
actions=$(journal_json_since AGENTCGROUP_UNIT=heldlow-a.scope | jq -r 'select(.AGENTCGROUP_ACTION) | .AGENTCGROUP_ACTION' | tr '\n' ' ')
log "LOW actions so far: $actions"
assert_contains "$actions" "throttle freeze" "throttled before frozen"
[[ $actions != *relax* ]] || fail "LOW was let go while the shortage lasted: $actions"
reason=$(journal_json_since AGENTCGROUP_UNIT=heldlow-a.scope AGENTCGROUP_ACTION=freeze | jq -r .MESSAGE | head -1)
log "freeze: $reason"
assert_contains "$reason" "held at MemoryFloor=16M"
assert_contains "$reason" "higher-priority units want 150M of headroom"
assert_eq $((16 << 20)) "$(unit_prop heldlow-a.scope MemoryHigh)" "LOW's MemoryHigh= while frozen: its floor"

# HIGH ends; LOW is thawed once the shortage is over and finishes.
rc=0; wait "$high_pid" || rc=$?
assert_eq 0 "$rc" "HIGH's exit status"
wait_for 30 _prop_is heldlow-a.scope FreezerState running || fail "LOW not thawed after HIGH ended"
rc=0; wait "$low_pid" || rc=$?
assert_eq 0 "$rc" "LOW's exit status (it must finish)"
actions=$(journal_json_since AGENTCGROUP_UNIT=heldlow-a.scope | jq -r 'select(.AGENTCGROUP_ACTION) | .AGENTCGROUP_ACTION' | tr '\n' ' ')
log "LOW actions: $actions"
assert_contains "$actions" "freeze thaw"
[[ ! -e /run/agentcgroup/frozen/heldlow-a.scope ]] || fail "the frozen record outlived the thaw"
high_actions=$(journal_json_since AGENTCGROUP_UNIT=heldhigh-a.scope | jq -r 'select(.AGENTCGROUP_ACTION) | .AGENTCGROUP_ACTION')
assert_eq "" "$high_actions" "HIGH is never acted on"
assert_daemon_healthy
echo "ok"
