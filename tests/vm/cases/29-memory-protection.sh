#!/bin/bash
# Priority protection in the kernel: an interactive unit gets MemoryLow=infinity (its class
# default), and the slices between it and its domain (agent.slice) pass it on, since the kernel
# grants a cgroup's memory.low only as far as its ancestors do. Under the domain's limit the
# kernel then reclaims (swaps out) the lower-priority unit, not the interactive one. What the
# daemon raised goes back when nothing protected is left, at a clean stop, and after a kill -9
# (the restarted daemon reads its records in /run/agentcgroup/protected).
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

dropin_write 50-protect.conf '
[Profile:pr-high]
Class=interactive
# The kernel alone: no squeeze of LOW by the daemon for headroom.
MemoryHeadroom=0
[Profile:pr-low]
Class=tool-burst
Freeze=no
[Profile:pr-small]
Class=tool-burst
MemoryLow=30M
[Match:pr-high]
Unit=prhigh-*.scope
Profile=pr-high
[Match:pr-low]
Unit=prlow-*.scope
Profile=pr-low
[Match:pr-small]
Unit=prsmall-*.scope
Profile=pr-small'

slice_low() { cat "/sys/fs/cgroup/agent.slice/$1/memory.low"; }

agent_low=$(unit_prop agent.slice MemoryLow)
daemon_start

# 1. The interactive unit and its slice; the domain itself is left alone.
scope_start prhigh-a agent-prhigh.slice
wait_prop prhigh-a.scope MemoryLow infinity
wait_prop agent-prhigh.slice MemoryLow infinity
assert_eq max "$(slice_low agent-prhigh.slice)" "the kernel has the slice's protection"
assert_eq "$agent_low" "$(unit_prop agent.slice MemoryLow)" "agent.slice (the domain) untouched"
[[ -e /run/agentcgroup/protected/agent-prhigh.slice ]] || fail "no record of the raised slice"

# 2. A slice with MemoryLow= of its own: never lowered; the sum when that is more; back to its
# own value when the units are gone.
systemctl set-property --runtime agent-prsmall.slice MemoryLow=50M || fail "set MemoryLow on agent-prsmall.slice"
cleanup_add "systemctl set-property --runtime agent-prsmall.slice MemoryLow=0"
scope_start prsmall-a agent-prsmall.slice
wait_prop prsmall-a.scope MemoryLow $((30 << 20))
assert_prop_stays agent-prsmall.slice MemoryLow $((50 << 20)) 2
scope_start prsmall-b agent-prsmall.slice
wait_prop agent-prsmall.slice MemoryLow $((60 << 20))
systemctl stop prsmall-a.scope prsmall-b.scope
wait_prop agent-prsmall.slice MemoryLow $((50 << 20))

# 3. The kernel honours it: agent.slice at 400M, HIGH holds 250M, LOW wants 300M; with swap the
# kernel swaps out LOW and leaves HIGH in memory.
zram_swap_on 1G
systemctl set-property --runtime agent.slice MemoryMax=400M || fail "set MemoryMax on agent.slice"
cleanup_add "systemctl set-property --runtime agent.slice MemoryMax=infinity"
systemd-run --quiet --scope --slice=agent-prhigh.slice -u prhigh-b bash -c "$(declare -f memhog); memhog 8 250 0.02 600" &
cleanup_add "systemctl stop prhigh-b.scope 2>/dev/null || true"
hcg=/sys/fs/cgroup/agent.slice/agent-prhigh.slice/prhigh-b.scope
wait_for 60 bash -c "(( \$(cat $hcg/memory.current 2>/dev/null || echo 0) > 240 * 1048576 ))" || fail "HIGH did not grow"
systemd-run --quiet --scope --slice=agent-prlow.slice -u prlow-a bash -c "$(declare -f memhog); memhog 8 300 0.02 600" &
cleanup_add "systemctl stop prlow-a.scope 2>/dev/null || true"
lcg=/sys/fs/cgroup/agent.slice/agent-prlow.slice/prlow-a.scope
wait_for 120 bash -c "(( \$(cat $lcg/memory.swap.current 2>/dev/null || echo 0) > 120 * 1048576 ))" ||
    fail "LOW was not swapped out (swap $(( $(cat $lcg/memory.swap.current) >> 20 )) MiB)"
hswap=$(( $(cat $hcg/memory.swap.current) >> 20 ))
log "HIGH: $(( $(cat $hcg/memory.current) >> 20 )) MiB in memory, $hswap MiB swapped;" \
    "LOW: $(( $(cat $lcg/memory.current) >> 20 )) MiB in memory, $(( $(cat $lcg/memory.swap.current) >> 20 )) MiB swapped"
(( hswap < 16 )) || fail "the protected unit was swapped out too: $hswap MiB"
systemctl stop prlow-a.scope prhigh-b.scope

# 4. Nothing protected left below the slice: its own value (0) again, and the record gone.
systemctl stop prhigh-a.scope
wait_prop agent-prhigh.slice MemoryLow 0
[[ ! -e /run/agentcgroup/protected/agent-prhigh.slice ]] || fail "the record outlived the slice's protection"

# 5. kill -9 while raised, the unit gone meanwhile: the restarted daemon puts it back.
scope_start prhigh-c agent-prhigh.slice
wait_prop agent-prhigh.slice MemoryLow infinity
systemctl kill -s KILL agentcgroupd.service
systemctl stop prhigh-c.scope
wait_for 30 bash -c '[[ $(systemctl is-active agentcgroupd.service) == active ]]' || fail "agentcgroupd was not restarted"
wait_prop agent-prhigh.slice MemoryLow 0
systemctl reset-failed agentcgroupd.service

# 6. Clean stop while raised: put back too.
scope_start prhigh-d agent-prhigh.slice
wait_prop agent-prhigh.slice MemoryLow infinity
daemon_stop
assert_eq 0 "$(unit_prop agent-prhigh.slice MemoryLow)" "MemoryLow= put back at stop"
[[ ! -e /run/agentcgroup/protected/agent-prhigh.slice ]] || fail "the record outlived the stop"
echo "ok"
