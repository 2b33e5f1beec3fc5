#!/bin/bash
# CPU benchmark (reports numbers; fails only if it cannot measure). An interactive probe
# (cyclictest: a thread waking every 2 ms, SCHED_OTHER, its wake-up latency) in one agent scope
# beside a CPU-and-fork noise (stress-ng --cpu 4 --fork 2) in another, five arms in the same boot,
# interleaved run by run:
#   alone-cfs    the probe alone, Scheduler=off (the physical limit)
#   alone-scx    the probe alone under agentcgroup's scheduler
#   cfs-equal    probe and noise with equal CPUWeight (100 each), Scheduler=off
#   cfs-weights  probe in an interactive unit (CPUWeight 1000), noise in a background one (20),
#                Scheduler=off: what cgroup weights alone do
#   agentcgroup  the same profiles, Scheduler=full: weights plus slices, burst credit and
#                wake-up preemption
#   cfs-idle     probe interactive, noise in a background unit with CPUWeight=idle (cpu.idle),
#                Scheduler=off: the fair class's strongest lever, and what the host's TCG allows
#                a probe beside busy vCPUs
#   agentcgroup-idle  the same profiles, Scheduler=full (the daemon tells the scheduler the noise
#                is idle: weight 1, preempted by any wake-up)
#   fifo         the probe as SCHED_FIFO (cyclictest -p 90) beside the background noise,
#                Scheduler=off: it preempts any fair or sched_ext task at once, so what it still
#                waits for is the VM's (qemu TCG's) own floor beside busy vCPUs, which no
#                scheduler of the fair classes can go below
# Each round runs the arms of one Scheduler= mode together, first the one the previous round
# ended with: loading and unloading the scheduler patches kernel text, which multi-threaded TCG
# does not always survive (an int3 Oops in __schedule), so the benchmark does it once a round.
# Then hackbench (messaging throughput) under Scheduler=off and full: the scheduler's overhead.
# agentcgroup.bench_runs (default 10) runs per arm, agentcgroup.bench_seconds (default 10) per run,
# agentcgroup.bench_cpu_arms=ARM,... (default all) the arms to run.
# timeout: 3600
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

[[ -e /sys/kernel/sched_ext/state ]] || skip "kernel $(uname -r) has no sched_ext"
command -v cyclictest >/dev/null || fail "cyclictest missing (rt-tests)"
cmdline_count RUNS bench_runs 10
cmdline_count SECS bench_seconds 10
bench_result_vm runs=$RUNS seconds=$SECS

dropin_write 90-bench-cpu.conf '[Match:bench-interactive]
Unit=ia-*.scope
Profile=interactive

[Match:bench-background]
Unit=bg-*.scope
Profile=background

[Match:bench-equal]
Unit=eq-*.scope
Profile=tool-burst

[Profile:bench-idle]
Class=background
CPUWeight=idle

[Match:bench-idle]
Unit=idle-*.scope
Profile=bench-idle'
cleanup_add "rm -f '$DROPIN_DIR/91-bench-sched.conf'"
daemon_start
bus=("${mgr[@]}")
sched_state() { busctl get-property "${bus[@]}" SchedulerState | awk '{print $2}' | tr -d '"'; }
set_scheduler() {   # off|full
    if [[ $1 == off ]]; then
        printf '[Manager]\nScheduler=off\n' > "$DROPIN_DIR/91-bench-sched.conf"
    else
        printf '[Manager]\nScheduler=full\n' > "$DROPIN_DIR/91-bench-sched.conf"
    fi
    daemon_reload
    local want=off; [[ $1 == full ]] && want=enabled
    # The reload returns at once; the kernel verifies the scheduler meanwhile (seconds).
    wait_for 60 output_is "$want" sched_state || fail "SchedulerState is $(sched_state), wanted $want"
}

_profiled() { [[ -n $(agentcgroupctl show --value -p Profile "$1" 2>/dev/null) ]]; }
noise_start() {   # NAME: the noise in its own scope
    systemd-run --quiet --scope --slice=agent-noise.slice -u "$1" stress-ng --cpu 4 --fork 2 --timeout 3600s \
        >/dev/null 2>&1 &
    cleanup_add "systemctl stop '$1.scope' 2>/dev/null || true"
    wait_for 20 systemctl is-active --quiet "$1.scope" || fail "noise $1 did not start"
    wait_for 10 _profiled "$1.scope" || true
    sleep 1
}

# probe NAME OUT [OPTION...]: cyclictest for SECS seconds in scope NAME; its histogram (us) goes
# to OUT.
probe() {
    systemd-run --quiet --scope --slice=agent-probe.slice -u "$1" \
        cyclictest -q -i 2000 -D "${SECS}s" -h 200000 --histfile="$2" "${@:3}" >/dev/null 2>&1 ||
        fail "cyclictest in $1 failed"
    [[ -s $2 ]] || fail "no histogram from $1"
}

# hist_pct FILE P: percentile P (0-100) of a cyclictest histogram, overflows as 200000.
hist_pct() {
    awk -v p="$2" '
        /^# Histogram Overflows/ { over = $4 + 0 }
        /^[0-9]/ { n[$1 + 0] = $2 + 0; tot += $2 }
        END {
            tot += over; want = int(p / 100 * tot + 0.999999); if (want < 1) want = 1
            for (v = 0; v < 200000; v++) if (v in n) { c += n[v]; if (c >= want) { print v; exit } }
            print 200000 }' "$1"
}
hist_count() { awk '/^[0-9]/ { t += $2 } /^# Histogram Overflows/ { t += $4 } END { print t + 0 }' "$1"; }
# merge histograms: sum per bucket
hist_merge() { awk '/^[0-9]/ { n[$1 + 0] += $2 } /^# Histogram Overflows/ { o += $4 } END { for (v in n) print v, n[v]; print "# Histogram Overflows: " o + 0 }' "$@" | sort -n; }

all_arms=(alone-cfs alone-scx cfs-equal cfs-weights agentcgroup cfs-idle agentcgroup-idle fifo)
arm_scheduler() { case $1 in alone-scx|agentcgroup|agentcgroup-idle) echo full ;; *) echo off ;; esac; }
IFS=, read -r -a arms <<<"$(cmdline_param bench_cpu_arms "$(IFS=,; echo "${all_arms[*]}")")"
for a in "${arms[@]}"; do
    [[ " ${all_arms[*]} " == *" $a "* ]] ||
        fail "agentcgroup.bench_cpu_arms: unknown arm $a; expected some of ${all_arms[*]}"
done
run_arm() {   # ARM RUN
    local arm=$1 i=$2 prefix=ia noise="" probe_opts=()
    set_scheduler "$(arm_scheduler "$arm")"
    case $arm in
        cfs-equal) prefix=eq; noise=eq-noise-$i ;;
        cfs-weights|agentcgroup) noise=bg-noise-$i ;;
        cfs-idle|agentcgroup-idle) noise=idle-noise-$i ;;
        fifo) noise=bg-noise-$i; probe_opts=(-p 90) ;;
    esac
    [[ -n $noise ]] && noise_start "$noise"
    probe "$prefix-probe-$arm-$i" "hist.$arm.$i" "${probe_opts[@]}"
    [[ -n $noise ]] && systemctl stop "$noise.scope"
    echo "$(hist_pct "hist.$arm.$i" 99)" >> "p99.$arm"
    log "run $i $arm: p50 $(hist_pct "hist.$arm.$i" 50) us, p99 $(hist_pct "hist.$arm.$i" 99) us, max $(hist_pct "hist.$arm.$i" 100) us ($(hist_count "hist.$arm.$i") wake-ups)"
}

off_arms=() full_arms=()
for a in "${arms[@]}"; do
    if [[ $(arm_scheduler "$a") == full ]]; then full_arms+=("$a"); else off_arms+=("$a"); fi
done
# rotated N ARM...: the arms, starting at the N-th (mod their number)
rotated() { local n=$1; shift; local a=("$@") k; for k in "${!a[@]}"; do echo "${a[$(( (k + n) % ${#a[@]} ))]}"; done; }
for i in $(seq 1 "$RUNS"); do
    # Rotate the order within each mode so no arm always follows the same one; odd rounds start
    # with the Scheduler=off arms, even ones with the Scheduler=full arms.
    if ((i % 2)); then
        order=($( ((${#off_arms[@]})) && rotated "$i" "${off_arms[@]}") $( ((${#full_arms[@]})) && rotated "$i" "${full_arms[@]}"))
    else
        order=($( ((${#full_arms[@]})) && rotated "$i" "${full_arms[@]}") $( ((${#off_arms[@]})) && rotated "$i" "${off_arms[@]}"))
    fi
    for a in "${order[@]}"; do
        run_arm "$a" "$i"
    done
done

median() { sort -n "$1" | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
for arm in "${arms[@]}"; do
    hist_merge hist."$arm".* > "all.$arm"
done
# Ratios against arms that were left out are "-".
alone=""; equal=""; fifo=""
[[ -s all.alone-cfs ]] && alone=$(hist_pct all.alone-cfs 99)
[[ -s all.fifo ]] && fifo=$(hist_pct all.fifo 99)
[[ -s all.cfs-equal ]] && equal=$(hist_pct all.cfs-equal 99)
ratio() { [[ -n $1 && -n $2 ]] && awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}' || echo -; }
for arm in "${arms[@]}"; do
    p99=$(hist_pct "all.$arm" 99)
    echo "RESULT wakeup_us arm=$arm runs=$RUNS samples=$(hist_count "all.$arm") p50=$(hist_pct "all.$arm" 50) p90=$(hist_pct "all.$arm" 90) p99=$p99 max=$(hist_pct "all.$arm" 100) p99_per_run_median=$(median "p99.$arm") p99_per_run_min=$(sort -n "p99.$arm" | head -1) p99_per_run_max=$(sort -n "p99.$arm" | tail -1) p99_vs_alone_cfs=$(ratio "$p99" "$alone") cfs_equal_over_this=$(ratio "$equal" "$p99") p99_vs_fifo=$(ratio "$p99" "$fifo")"
    echo "RAW p99_per_run_us__$arm $(tr '\n' ' ' < "p99.$arm")"
done

# hackbench: throughput, Scheduler=off vs full, interleaved (off full, full off, ...: one load or
# unload a round).
for i in $(seq 1 "$RUNS"); do
    modes=(off full); ((i % 2)) || modes=(full off)
    for s in "${modes[@]}"; do
        set_scheduler "$s"
        t=$(systemd-run --quiet --scope --slice=agent-hb.slice -u "eq-hackbench-$s-$i" hackbench -g 4 -l 100 -s 100 2>&1 |
            awk '/^Time:/ {print $2}')
        [[ -n $t ]] || fail "hackbench gave no time"
        echo "$t" >> "hb.$s"
    done
done
for s in off full; do
    echo "RESULT hackbench_s scheduler=$s runs=$RUNS median=$(median "hb.$s") min=$(sort -n "hb.$s" | head -1) max=$(sort -n "hb.$s" | tail -1) vs_off=$(awk -v a="$(median "hb.$s")" -v b="$(median hb.off)" 'BEGIN{printf "%.2f", a/b}')"
    echo "RAW hackbench_s__$s $(tr '\n' ' ' < "hb.$s")"
done
assert_daemon_healthy
