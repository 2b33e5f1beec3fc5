#!/bin/bash
# The daemon's sched_ext scheduler: loaded and verified at start-up, cgroup weights honoured
# (1:3 within 5 points, nested slices composing, CPUWeight=idle weighing 1), statistics on the
# unit objects, CPUYield= (a background unit squeezed for an interactive unit's memory runs as
# idle until the squeeze ends), partial mode switching managed tasks to SCHED_EXT, an injected error and SysRq-S
# handled as configured (restart with back-off, or stay off), and unloaded when the daemon stops.
# timeout: 600
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

[[ -e /sys/kernel/sched_ext/state ]] || skip "kernel $(uname -r) has no sched_ext"
bus=("${mgr[@]}")
sched_state() { cat /sys/kernel/sched_ext/state; }
usage_usec() { awk '/^usage_usec/ {print $2}' "/sys/fs/cgroup$(unit_prop "$1" ControlGroup)/cpu.stat"; }
# policy of a thread from /proc (chrt does not know SCHED_EXT everywhere)
sched_policy() { awk '/^policy/ {print $3}' "/proc/$1/sched"; }
uobj() { busctl call "${bus[@]}" GetUnit s "$1" | awk '{print $2}' | tr -d '"'; }
cpu_yield() { busctl get-property org.agentcgroup1 "$(uobj "$1")" org.agentcgroup1.Unit CPUYield | awk '{print $2}'; }
_yield_is() { [[ $(cpu_yield "$1") == "$2" ]]; }

dropin_write 90-sched-test.conf '[Manager]
SchedulerRestartSec=2s
SchedulerRestartMax=1

[Profile:w100]
Class=background
CPUWeight=100

[Profile:w300]
Class=background
CPUWeight=300

[Profile:thrash]
Class=background
CPUWeight=100
MemoryHigh=64M
Freeze=no
Kill=no

[Profile:spare]
Class=background
CPUWeight=idle

[Profile:yhigh]
Class=interactive
CPUWeight=100
MemoryHeadroom=400M

[Profile:ylow]
Class=background
CPUWeight=100

[Match:yhigh]
Unit=yhigh*.scope
Profile=yhigh

[Match:ylow]
Unit=ylow*.scope
Profile=ylow

[Match:w100]
Unit=w100*.scope
Profile=w100

[Match:spare]
Unit=spare*.scope
Profile=spare

[Match:thrash]
Unit=thrash*.scope
Profile=thrash

[Match:w300]
Unit=w300*.scope
Profile=w300'

journal_mark
daemon_start
# --- loaded and verified (Scheduler= unset: auto, which is full) ---
wait_mprop SchedulerState enabled
assert_eq enabled "$(sched_state)" "/sys/kernel/sched_ext/state"
assert_eq agentcgroup "$(cat /sys/kernel/sched_ext/root/ops)" "root/ops"
assert_eq full "$(mprop SchedulerMode)"
assert_contains "$(agentcgroupctl status)" "Scheduler: enabled (full)"
assert_eq enabled "$(agentcgroupctl status --json | jq -r .scheduler.state)"
journal_since | grep -q 'sched_ext scheduler agentcgroup is enabled in full mode' ||
    fail "no journal entry for the attach"

# --- weight accuracy: two saturating scopes, CPUWeight 100 and 300 ---
# measure A B SECONDS: A's share of the CPU both used, in percent
measure() {
    local a0 b0 a1 b1
    a0=$(usage_usec "$1"); b0=$(usage_usec "$2")
    sleep "$3"
    a1=$(usage_usec "$1"); b1=$(usage_usec "$2")
    python3 -c "a=$a1-$a0; b=$b1-$b0; print(round(100*a/(a+b), 1))"
}
scope_start w100 agent-wa.slice stress-ng --cpu 2 --timeout 60s
scope_start w300 agent-wa.slice stress-ng --cpu 2 --timeout 60s
wait_prop w100.scope CPUWeight 100
wait_prop w300.scope CPUWeight 300
sleep 2
share=$(measure w100.scope w300.scope 10)
log "CPUWeight 100 vs 300 under the scheduler: the 100 got ${share}% (ideal 25%)"
python3 -c "import sys; sys.exit(0 if abs($share - 25) <= 5 else 1)" ||
    fail "weights 100:300 gave the first ${share}%, more than 5 points from 25%"
cpu_ns=$(busctl get-property org.agentcgroup1 "$(busctl call "${bus[@]}" GetUnit s w300.scope | awk '{print $2}' | tr -d '"')" \
    org.agentcgroup1.Unit SchedCPUNSec | awk '{print $2}')
log "SchedCPUNSec of w300.scope: $cpu_ns"
(( cpu_ns > 1000000000 )) || fail "SchedCPUNSec of a unit that ran 10 s is $cpu_ns"
systemctl stop w100.scope w300.scope

# --- nested: session slice with two tool scopes vs a session slice with one ---
scope_start tool-n1 agent-scxa.slice stress-ng --cpu 2 --timeout 60s
scope_start tool-n2 agent-scxa.slice stress-ng --cpu 2 --timeout 60s
scope_start tool-n3 agent-scxb.slice stress-ng --cpu 2 --timeout 60s
for u in tool-n1 tool-n2 tool-n3; do wait_prop "$u.scope" CPUWeight 100; done
sleep 2
for u in tool-n1 tool-n2 tool-n3; do eval "${u//-/_}_0=$(usage_usec "$u.scope")"; done
sleep 10
for u in tool-n1 tool-n2 tool-n3; do eval "${u//-/_}_1=$(usage_usec "$u.scope")"; done
shares=$(python3 -c "
x=[$tool_n1_1-$tool_n1_0, $tool_n2_1-$tool_n2_0, $tool_n3_1-$tool_n3_0]; t=sum(x)
print(' '.join(str(round(100*v/t, 1)) for v in x))")
log "nested: agent-scxa{tool-n1, tool-n2} vs agent-scxb{tool-n3}: $shares (ideal 25 25 50)"
python3 -c "
import sys; s=[float(v) for v in '$shares'.split()]
sys.exit(0 if all(abs(a-b) <= 5 for a, b in zip(s, [25, 25, 50])) else 1)" ||
    fail "nested weights gave $shares, more than 5 points from 25 25 50"
systemctl stop tool-n1.scope tool-n2.scope tool-n3.scope

# --- CPUWeight=idle: the kernel tells sched_ext the cgroup's cpu.weight (still 100) but not its
# cpu.idle; the daemon's policy makes it weigh 1, so beside a unit of weight 100 it gets ~1% ---
scope_start spare1 agent-wi.slice stress-ng --cpu 2 --timeout 60s
scope_start w100busy agent-wi.slice stress-ng --cpu 2 --timeout 60s
wait_prop spare1.scope CPUWeight idle
wait_prop w100busy.scope CPUWeight 100
sleep 2
share=$(measure spare1.scope w100busy.scope 8)
log "CPUWeight=idle vs 100 under the scheduler: the idle unit got ${share}% (weight 1 of 101: ~1%)"
python3 -c "import sys; sys.exit(0 if $share <= 5 else 1)" ||
    fail "a CPUWeight=idle unit got ${share}% beside a unit of weight 100 (expected ~1%)"
systemctl stop w100busy.scope
# With the idle unit alone on both CPUs, a background unit that wakes every 10 ms preempts it
# (SchedBoosts counts such wake-ups; a background unit preempts nothing else).
scope_start w100waker agent-wi.slice bash -c 'while :; do sleep 0.01; done'
wait_prop w100waker.scope CPUWeight 100
sleep 4
waker=$(busctl call "${bus[@]}" GetUnit s w100waker.scope | awk '{print $2}' | tr -d '"')
boosts=$(busctl get-property org.agentcgroup1 "$waker" org.agentcgroup1.Unit SchedBoosts | awk '{print $2}')
log "a background unit waking every 10 ms beside the busy idle unit: SchedBoosts $boosts"
(( boosts >= 20 )) || fail "a background unit's wake-ups preempted the idle unit $boosts times in 4 s (expected most of ~300)"
systemctl stop spare1.scope w100waker.scope

# --- memory coupling: a unit throttled at its memory.high gets less CPU than its weight, and
# its share back when the pressure is gone ---
scope_start thrash1 agent-wc.slice bash -c 'stress-ng --cpu 2 --timeout 120s & stress-ng --vm 1 --vm-bytes 256M --vm-keep --timeout 120s & wait'
scope_start w100calm agent-wc.slice stress-ng --cpu 2 --timeout 120s
wait_prop thrash1.scope MemoryHigh 67108864
wait_prop w100calm.scope CPUWeight 100
sleep 3
thrashing=$(measure thrash1.scope w100calm.scope 8)
path=$(busctl call "${bus[@]}" GetUnit s thrash1.scope | awk '{print $2}' | tr -d '"')
penalties=$(busctl get-property org.agentcgroup1 "$path" org.agentcgroup1.Unit SchedPenalties | awk '{print $2}')
penalized=$(busctl get-property org.agentcgroup1 "$path" org.agentcgroup1.Unit SchedPenalizedNSec | awk '{print $2}')
# Its own throttling is not giving way to anyone: no unit above it wants its memory.
assert_eq false "$(cpu_yield thrash1.scope)" "CPUYield of a unit throttled at its own MemoryHigh="
pkill -f -- '--vm-bytes 256M' || fail "no memory hog to stop"
# The pressure has ended when memory.events counts no more "high" for 3 s (the hog's workers
# leave their last penalty sleep first); then the scheduler's 2.5 s hold runs out.
quiet=0 last=-1
for _ in $(seq 60); do
    now=$(awk '$1 == "high" {print $2}' "/sys/fs/cgroup$(unit_prop thrash1.scope ControlGroup)/memory.events")
    if [[ $now == "$last" ]]; then quiet=$((quiet + 1)); else quiet=0; fi
    last=$now
    ((quiet >= 3)) && break
    sleep 1
done
((quiet >= 3)) || fail "thrash1 kept hitting memory.high after its memory hog was stopped"
sleep 3
calm=$(measure thrash1.scope w100calm.scope 8)
log "equal weights, one unit throttled at memory.high: it got ${thrashing}% while thrashing (SchedPenalties $penalties, penalized ${penalized} ns), ${calm}% after (fair: 50%)"
(( penalties >= 1 && penalized > 0 )) || fail "the scheduler never penalized the throttled unit (SchedPenalties $penalties, SchedPenalizedNSec $penalized)"
python3 -c "import sys; sys.exit(0 if $thrashing < 40 else 1)" ||
    fail "the thrashing unit still got ${thrashing}% with equal weights (expected well under 50%)"
python3 -c "import sys; sys.exit(0 if abs($calm - 50) <= 7 else 1)" ||
    fail "after the pressure ended the unit got ${calm}%, not its fair 50%"
systemctl stop thrash1.scope w100calm.scope

# --- CPUYield=: a background unit squeezed for an interactive unit's memory headroom runs as
# CPUWeight=idle while the squeeze lasts, then has its weight back. LOW holds 350 MiB of the
# 600 MiB the domain has beyond what it holds already (page cache of earlier scopes), all of it
# taken before HIGH exists (squeezed, it would be throttled while growing); HIGH wants 400 MiB
# free. Both burn two CPUs at CPUWeight=100. ---
sync; echo 1 > /proc/sys/vm/drop_caches
base=$(cat /sys/fs/cgroup/agent.slice/memory.current)
systemctl set-property --runtime agent.slice MemoryMax=$((base + 600 * 1048576)) || fail "set MemoryMax on agent.slice"
cleanup_add "systemctl set-property --runtime agent.slice MemoryMax=infinity"
journal_mark
scope_start ylow agent-yl.slice bash -c 'stress-ng --cpu 2 --timeout 120s & stress-ng --vm 1 --vm-bytes 350M --vm-keep --timeout 120s & wait'
ylow_cg=/sys/fs/cgroup$(unit_prop ylow.scope ControlGroup)
wait_for 20 bash -c "(( \$(cat $ylow_cg/memory.current) > 350 * 1048576 ))" || fail "ylow did not grow to 350 MiB"
assert_eq false "$(cpu_yield ylow.scope)" "CPUYield of ylow with no unit above it"
scope_start yhigh agent-yh.slice stress-ng --cpu 2 --timeout 120s
wait_for 20 _yield_is ylow.scope true || fail "ylow, squeezed for yhigh's headroom, does not yield (CPUYield $(cpu_yield ylow.scope), state $(daemon_unit_state ylow.scope))"
sleep 2
yielding=$(measure ylow.scope yhigh.scope 8)
assert_eq false "$(cpu_yield yhigh.scope)" "CPUYield of the interactive unit"
assert_eq true "$(cpu_yield ylow.scope)" "CPUYield of ylow after the measurement"
journal_json_since AGENTCGROUP_UNIT=ylow.scope | jq -r .MESSAGE | grep 'Yields the CPU' | grep -q 'want 400M of headroom' ||
    fail "no journal entry for ylow's yield naming its cause: $(journal_json_since AGENTCGROUP_UNIT=ylow.scope | jq -r .MESSAGE | tail -5)"
# Without the hog, RelaxSec= (2 s) of calm later the squeeze ends.
pkill -f -- '--vm-bytes 350M' || fail "no memory hog in ylow to stop"
# Its worker renames itself (stress-ng-vm) and may outlive the parent while throttled.
pkill -f '^stress-ng-vm' || true
wait_for 30 _yield_is ylow.scope false || {
    journal_json_since AGENTCGROUP_UNIT=ylow.scope | jq -r .MESSAGE | tail -n 8
    fail "ylow still yields after its memory hog ended: it holds $(cat "$ylow_cg/memory.current") bytes, the domain $(cat /sys/fs/cgroup/agent.slice/memory.current) of $(cat /sys/fs/cgroup/agent.slice/memory.max)"
}
journal_json_since AGENTCGROUP_UNIT=ylow.scope | jq -r .MESSAGE | grep -q 'Scheduled by its CPUWeight= again' ||
    fail "no journal entry for the end of ylow's yield"
sleep 2
calm=$(measure ylow.scope yhigh.scope 8)
log "CPUWeight 100 each, the background unit squeezed for the interactive unit's headroom: ${yielding}% while squeezed (CPUYield), ${calm}% after (fair: 50%)"
python3 -c "import sys; sys.exit(0 if $yielding <= 8 else 1)" ||
    fail "the yielding unit got ${yielding}% beside the unit it gives way to (expected ~1%, as CPUWeight=idle)"
python3 -c "import sys; sys.exit(0 if abs($calm - 50) <= 10 else 1)" ||
    fail "after the squeeze the unit got ${calm}%, not its fair 50%"
systemctl stop ylow.scope yhigh.scope
systemctl set-property --runtime agent.slice MemoryMax=infinity

# --- 300 scopes created and gone while it runs: no ejection ---
for i in $(seq 300); do systemd-run --quiet --scope --slice=agent-churn.slice true; done
assert_eq enabled "$(sched_state)" "after 300 scopes"
assert_eq enabled "$(mprop SchedulerState)"

# Seconds a load may take: the verifier needs 3.5 s for the scheduler on 7.3 in the TCG VM,
# 11-17 s on 6.16-6.18 (tools/kernel-matrix), longer beside other work.
LOAD_WAIT=60

# --- an injected error: the kernel ejects it, the daemon says why and loads it again ---
journal_mark
bpftool map update name sched_ctl key 0 0 0 0 value 1 0 0 0 0 0 0 0 || fail "cannot set sched_ctl"
wait_mprop SchedulerState ejected 10
assert_contains "$(mprop SchedulerReason)" "error injected through sched_ctl"
_ejected_logged() { journal_json_since MESSAGE_ID=e67ba8d7797d4339b9cf65ce6d67d83c AGENTCGROUP_SCHED_RESTART=yes | grep -q .; }
wait_for 10 _ejected_logged || fail "no journal entry with the ejection's MESSAGE_ID and AGENTCGROUP_SCHED_RESTART=yes"
log "ejected: $(mprop SchedulerReason)"
wait_mprop SchedulerState enabled "$LOAD_WAIT"
assert_eq 1 "$(mprop SchedulerRestarts)"
assert_eq enabled "$(sched_state)" "after the restart"

# SchedulerRestartMax=1 is used up: the next error leaves it off.
bpftool map update name sched_ctl key 0 0 0 0 value 2 0 0 0 0 0 0 0 || fail "cannot set sched_ctl"
wait_mprop SchedulerState failed 10
sleep 3
assert_eq disabled "$(sched_state)" "no restart left"
assert_contains "$(agentcgroupctl status)" "Scheduler: failed: BPF error"
assert_daemon_healthy

# A reload tries again, with a fresh budget.
daemon_reload
wait_mprop SchedulerState enabled "$LOAD_WAIT"
assert_eq 0 "$(mprop SchedulerRestarts)"

# SysRq-S is an operator's wish: it stays off until a reload.
echo S > /proc/sysrq-trigger
wait_mprop SchedulerState failed 10
assert_contains "$(mprop SchedulerReason)" "SysRq"
sleep 3
assert_eq disabled "$(sched_state)" "after SysRq-S"
daemon_reload
wait_mprop SchedulerState enabled "$LOAD_WAIT"

# --- partial mode: only managed units' tasks are switched to SCHED_EXT ---
dropin_write 91-sched-partial.conf '[Manager]
Scheduler=partial'
daemon_reload
wait_mprop SchedulerMode partial 20
wait_mprop SchedulerState enabled "$LOAD_WAIT"
assert_eq enabled "$(sched_state)"
scope_start tool-p1 agent-p.slice sleep 600
scope_start outside-p system.slice sleep 600
pid_in=$(head -1 "/sys/fs/cgroup$(unit_prop tool-p1.scope ControlGroup)/cgroup.procs")
pid_out=$(head -1 "/sys/fs/cgroup$(unit_prop outside-p.scope ControlGroup)/cgroup.procs")
wait_for 10 output_is 7 sched_policy "$pid_in" || fail "the managed scope's task has policy $(sched_policy "$pid_in"), not SCHED_EXT (7)"
assert_eq 0 "$(sched_policy "$pid_out")" "an unmanaged task's policy"
# Through the daemon (StartToolCall), from the command's first instruction.
out=$(agentcgroupctl run --session p -- awk '/^policy/ {print $3}' /proc/self/sched)
assert_eq 7 "$out" "the policy of a command run with agentcgroupctl run, seen by itself"
# Children inherit it: this one is forked 2 s after the daemon switched its parent.
scope_start tool-p2 agent-p.slice bash -c 'sleep 2; sleep 600; :'
_late_child() {
    local p
    for p in $(cat "/sys/fs/cgroup$(unit_prop tool-p2.scope ControlGroup)/cgroup.procs"); do
        [[ $(tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null) == "sleep 600 " ]] && { echo "$p"; return 0; }
    done
    return 1
}
wait_for 15 _late_child >/dev/null || fail "no 'sleep 600' in tool-p2"
child=$(_late_child)
assert_eq 7 "$(sched_policy "$child")" "a child forked after the switch"

# --- stopping the daemon unloads it ---
daemon_stop
wait_for 10 output_is disabled sched_state || fail "sched_ext state is $(sched_state) after the daemon stopped"
journal_since | grep -q 'Detaching the scheduler' || fail "no journal entry for the detach"
