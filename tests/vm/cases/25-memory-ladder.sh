#!/bin/bash
# The escalation ladder on real memory pressure: a LOW unit that keeps allocating while a HIGH
# (interactive) unit bursts in the same slice is throttled, then frozen, then thawed once HIGH's
# burst is over, and finishes. systemd's FreezerState and the daemon's D-Bus state agree at
# each step; every action is in the journal with its reason. While HIGH stalls, the helper that
# reclaims LOW's memory to swap weighs as much as a top-level slice (CPUWeight=100), and a
# tenth of that again once nobody stalls.
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

zram_swap_on 1G
dropin_write 50-ladder.conf '
[Profile:ladder-high]
Class=interactive
CPUWeight=1000
# No headroom kept for it: LOW would be squeezed out ahead of the burst and HIGH would not stall
# (case 29 and the tenants benchmark cover that); this case is about the ladder under stalls.
MemoryHeadroom=0
[Profile:ladder-low]
Class=background
CPUWeight=50
FreezeAfterSec=1s
Kill=no
[Match:ladder-high]
Unit=high-*.scope
Profile=ladder-high
[Match:ladder-low]
Unit=low-*.scope
Profile=ladder-low'
systemctl set-property --runtime agent.slice MemoryMax=700M || fail "set MemoryMax on agent.slice"
cleanup_add "systemctl set-property --runtime agent.slice MemoryMax=infinity"
daemon_start

# LOW: 8 MiB every 0.1 s up to 450 MiB, then holds 1 s and exits 0.
systemd-run --quiet --scope --slice=agent-lowsess.slice -u low-grow bash -c \
    "$(declare -f memhog); memhog 8 450 0.1 1" &
low_pid=$!
cleanup_add "systemctl stop low-grow.scope 2>/dev/null || true"
wait_for 20 systemctl is-active --quiet low-grow.scope || fail "low-grow.scope did not start"
wait_for 30 bash -c '(( $(cat /sys/fs/cgroup/agent.slice/agent-lowsess.slice/low-grow.scope/memory.current) > 200 * 1048576 ))' ||
    fail "LOW did not grow to 200 MiB"

# HIGH: bursts to 500 MiB, holds 4 s, exits.
systemd-run --quiet --scope --slice=agent-highsess.slice -u high-burst bash -c \
    "$(declare -f memhog); memhog 25 500 0.05 4" &
high_pid=$!
cleanup_add "systemctl stop high-burst.scope 2>/dev/null || true"

# Throttled, then frozen: watch both systemd and the daemon while it happens.
saw_frozen=0
for _ in $(seq 1 300); do
    if [[ $(unit_prop low-grow.scope FreezerState) == frozen ]]; then
        saw_frozen=1
        assert_eq frozen "$(daemon_unit_state low-grow.scope)" "daemon's State while systemd says frozen"
        break
    fi
    sleep 0.1
done
(( saw_frozen )) || { journal_since AGENTCGROUP_UNIT=low-grow.scope; fail "LOW was never frozen"; }
actions=$(journal_json_since AGENTCGROUP_UNIT=low-grow.scope | jq -r 'select(.AGENTCGROUP_ACTION) | .AGENTCGROUP_ACTION' | tr '\n' ' ')
log "LOW actions so far: $actions"
assert_contains "$actions" "throttle freeze" "throttled before frozen"
reason=$(journal_json_since AGENTCGROUP_UNIT=low-grow.scope AGENTCGROUP_ACTION=freeze | jq -r .MESSAGE | head -1)
log "freeze: $reason"
assert_contains "$reason" "high-burst.scope (interactive) stalled"
[[ -e /run/agentcgroup/frozen/low-grow.scope ]] || fail "no record of the frozen unit in /run/agentcgroup/frozen"
RECLAIM_SCOPE=agentcgroupd-reclaim.scope
wait_for 20 bash -c "journalctl -q -o cat -u agentcgroupd.service -n 500 | grep -qE 'memory.reclaim helper(: | PID .*)CPUWeight=100'" ||
    fail "the reclaim helper's weight was not raised while HIGH stalled: $(journal_since | grep -i 'reclaim helper' | tail -3)"

# HIGH finishes; LOW is thawed and finishes too.
rc=0; wait "$high_pid" || rc=$?
assert_eq 0 "$rc" "HIGH's exit status"
wait_for 30 _prop_is low-grow.scope FreezerState running || fail "LOW not thawed after HIGH ended"
rc=0; wait "$low_pid" || rc=$?
assert_eq 0 "$rc" "LOW's exit status (it must finish)"
actions=$(journal_json_since AGENTCGROUP_UNIT=low-grow.scope | jq -r 'select(.AGENTCGROUP_ACTION) | .AGENTCGROUP_ACTION' | tr '\n' ' ')
log "LOW actions: $actions"
assert_contains "$actions" "freeze thaw"
[[ ! -e /run/agentcgroup/frozen/low-grow.scope ]] || fail "the frozen record outlived the thaw"
wait_for 20 _prop_is "$RECLAIM_SCOPE" CPUWeight 10 ||
    fail "the reclaim helper's CPUWeight stayed $(unit_prop "$RECLAIM_SCOPE" CPUWeight) after the stall"
journal_since | grep -q 'memory.reclaim helper: CPUWeight=10, no unit stalls any more' ||
    fail "no log of the reclaim helper's weight going back"
high_actions=$(journal_json_since AGENTCGROUP_UNIT=high-burst.scope | jq -r 'select(.AGENTCGROUP_ACTION) | .AGENTCGROUP_ACTION')
assert_eq "" "$high_actions" "HIGH is never acted on"
assert_daemon_healthy
