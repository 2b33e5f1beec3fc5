#!/bin/bash
# Three-tenants benchmark (the memory-enforcement issue's scenario; reports numbers, fails only
# if it cannot measure). HIGH replays pre-commit-2524 (bursts to ~1.9 GB), LOW1 dask-11628 and
# LOW2 faker-1520, at 50x, each in a scope of its own slice in agent.slice (MemoryMax=2000M);
# the LOW tenants start during HIGH's burst (lib-agentcgroup.sh: TENANT_LOW_START_MB).
# Arms, interleaved in each run: alone (HIGH only, no daemon), none (all three, no daemon),
# static (no daemon, each tenant MemoryMax= a third of the budget), high (no daemon, each
# tenant MemoryHigh= a third of the budget: the kernel's throttling alone),
# agentcgroup (all three, daemon with the tenant profiles of lib-agentcgroup.sh and
# Scheduler=off: the mainline memory path), scx (the same with Scheduler=full: the daemon's
# sched_ext scheduler too, skipped without sched_ext), cpu (all
# three, no daemon, LOW tenants without their memory: the CPU contention alone, a bound for any
# memory policy in this VM). Modes: no
# swap, and 1 GiB of zram swap (the tenants then write incompressible pages, --fill random).
# Kernel command line: agentcgroup.bench_runs=N (default 10), agentcgroup.bench_swap=both|no|zram,
# agentcgroup.bench_arms=ARM,ARM... (default all).
# Output: a RUN line per run, RESULT summaries, RAW lines (HIGH's allocation latencies and
# times of the runs where HIGH finished) for tools/bench's CDF plots.
# timeout: 5400
# mem: 3072
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

# agent.slice gets 2000M: the VM needs room besides it (the root file system is in RAM).
(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) >= 2800 * 1024 )) ||
    skip "needs a VM with 3072 MB (run.sh --mem 3072), has $(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 )) MiB"

N=$(sed -n 's/.*agentcgroup\.bench_runs=\([0-9]\+\).*/\1/p' /proc/cmdline)
N=${N:-10}
SWAP=$(sed -n 's/.*agentcgroup\.bench_swap=\([a-z]\+\).*/\1/p' /proc/cmdline)
SWAP=${SWAP:-both}
case $SWAP in
    both) modes=(no zram) ;;
    no) modes=(no) ;;
    zram) modes=(zram) ;;
    *) fail "agentcgroup.bench_swap=$SWAP: expected both, no or zram" ;;
esac
arms=(alone none static high agentcgroup scx cpu)
ARMS=$(sed -n 's/.*agentcgroup\.bench_arms=\([a-z,]\+\).*/\1/p' /proc/cmdline)
if [[ -n $ARMS ]]; then
    IFS=, read -r -a chosen <<<"$ARMS"
    for a in "${chosen[@]}"; do
        [[ " ${arms[*]} " == *" $a "* ]] || fail "agentcgroup.bench_arms: unknown arm $a; expected some of ${arms[*]}"
    done
    arms=("${chosen[@]}")
fi
if [[ ! -e /sys/kernel/sched_ext/state && " ${arms[*]} " == *" scx "* ]]; then
    log "no sched_ext in kernel $(uname -r): leaving out the scx arm"
    kept=(); for a in "${arms[@]}"; do [[ $a == scx ]] || kept+=("$a"); done; arms=("${kept[@]}")
fi

echo "RESULT vm kernel=$(uname -r) cpus=$(nproc) mem_mib=$(( $(awk '/MemTotal/{print $2}' /proc/meminfo) / 1024 )) systemd=$(systemctl --version | awk 'NR==1{print $2}')"
echo "RESULT config runs=$N modes=${modes[*]} speed=$TENANT_SPEED budget=$TENANT_BUDGET high=$TENANT_TRACE_high low1=$TENANT_TRACE_low1 low2=$TENANT_TRACE_low2"
tenants_setup
echo "RESULT profiles $(grep -v '^[[:space:]]*$' <<<"$TENANT_SESSION_PROFILES$TENANT_PROFILES" | tr '\n' ' ')"
out=/tmp/bench20
rm -rf "$out"


for mode in "${modes[@]}"; do
    opts=()
    if [[ $mode == zram ]]; then
        zram_swap_on 1G
        opts=(--fill random)
    fi
    log "mode $mode: $(free -m | awk '/^Swap/{print "swap " $2 " MiB"}')"
    for i in $(seq 1 "$N"); do
        # Interleaved: the order of the arms turns by one each run.
        for k in "${!arms[@]}"; do
            arm=${arms[(i + k) % ${#arms[@]}]}
            d=$out/$mode/$arm/$i
            t0=$SECONDS
            if [[ $mode == zram ]]; then
                tenants_run "$arm" "$d" "${opts[@]}" --seed "$i" --jitter 0
            else
                tenants_run "$arm" "$d"
            fi
            echo "RUN mode=$mode arm=$arm run=$i wall_s=$((SECONDS - t0)) $(python3 /usr/lib/agentcgroup-tests/lib-tenants.py run "$d")"
            # A fresh start for the next one: no leftover swap use, settled memory.
            sync; echo 1 > /proc/sys/vm/drop_caches
        done
    done
done
python3 /usr/lib/agentcgroup-tests/lib-tenants.py summary "$out" "${modes[*]}" "${arms[*]}" || fail "summary failed"
