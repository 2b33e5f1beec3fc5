#!/bin/bash
# Many-sessions benchmark: eight agent sessions share agent.slice (MemoryMax=2000M), all started
# together. HIGH (interactive) replays pre-commit-2524 at 50x (bursts to ~1.9 GB), as in
# 20-memory-tenants; seven LOW sessions (background) replay the longest other traces of the set
# whose peak is below half the budget, at 20x and half their memory (--scale 0.5), so that they
# live through HIGH's burst. Together they need ~2.7 GB at HIGH's peak: a good policy keeps
# HIGH fast and everybody alive by pushing LOW memory to swap; a bad one stalls or kills.
# Arms and modes as in 20-memory-tenants (lib-agentcgroup.sh: tenants_run): alone, none,
# static (each MemoryMax= an eighth of the budget), high, agentcgroup, scx, cpu; no swap and
# 1 GiB of zram. Reports the same lines (lib-tenants.py), with lows=K/N (LOW sessions that
# finished, over all runs) and lows_x_vs_none.
# Kernel command line: agentcgroup.bench_runs=N (default 10), agentcgroup.bench_swap=both|no|zram,
# agentcgroup.bench_arms=ARM,ARM... (default all), agentcgroup.bench_sessions=N (2-16, default 8).
# timeout: 5400
# mem: 3072
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) >= 2800 * 1024 )) ||
    skip "needs a VM with 3072 MB (run.sh --mem 3072), has $(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 )) MiB"

cmdline_param() {   # NAME DEFAULT: agentcgroup.NAME= of the kernel command line
    local v; v=$(tr ' ' '\n' < /proc/cmdline | sed -n "s/^agentcgroup\.$1=//p" | tail -n 1)
    echo "${v:-$2}"
}
N=$(cmdline_param bench_runs 10)
SWAP=$(cmdline_param bench_swap both)
SESSIONS=$(cmdline_param bench_sessions 8)
[[ $N =~ ^[0-9]+$ ]] && ((N > 0)) || fail "agentcgroup.bench_runs=$N: expected a number > 0"
[[ $SESSIONS =~ ^[0-9]+$ ]] && ((SESSIONS >= 2 && SESSIONS <= 16)) ||
    fail "agentcgroup.bench_sessions=$SESSIONS: expected a number from 2 to 16"
case $SWAP in
    both) modes=(no zram) ;;
    no) modes=(no) ;;
    zram) modes=(zram) ;;
    *) fail "agentcgroup.bench_swap=$SWAP: expected both, no or zram" ;;
esac
arms=(alone none static high agentcgroup scx cpu)
ARMS=$(cmdline_param bench_arms "")
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

# The LOW sessions: the longest traces (last sample's time) but HIGH's, whose peak is below half
# the budget (a LOW that alone bursts to the budget is another scenario).
LOW_SPEED=20 LOW_SCALE=0.5
mapfile -t lows < <(
    for f in "$TRACES_DIR"/*.trace; do
        [[ $(basename "$f") == "$TENANT_TRACE_high" ]] && continue
        awk -v f="$(basename "$f")" -v max="$(( ${TENANT_BUDGET%M} / 2 ))" \
            '$1 == "S" { t = $2; if ($3 > p) p = $3 } END { if (t > 0 && p < max) print t, f }' "$f"
    done | sort -k1,1nr -k2 | head -n $((SESSIONS - 1)) | awk '{ print $2 }')
((${#lows[@]} == SESSIONS - 1)) ||
    skip "$TRACES_DIR has ${#lows[@]} traces for the $((SESSIONS - 1)) LOW sessions (run.sh --traces DIR)"
TENANTS=high
for i in "${!lows[@]}"; do
    n=low$((i + 1))
    TENANTS+=" $n"
    printf -v "TENANT_TRACE_$n" '%s' "${lows[i]}"
    printf -v "TENANT_OPTS_$n" '%s' "--speed $LOW_SPEED --scale $LOW_SCALE"
done
export TENANTS   # for lib-tenants.py
TENANT_LOW_START_MB=0

echo "RESULT vm kernel=$(uname -r) cpus=$(nproc) mem_mib=$(( $(awk '/MemTotal/{print $2}' /proc/meminfo) / 1024 )) systemd=$(systemctl --version | awk 'NR==1{print $2}')"
echo "RESULT config runs=$N modes=${modes[*]} sessions=$SESSIONS budget=$TENANT_BUDGET high=$TENANT_TRACE_high@${TENANT_SPEED}x low=@${LOW_SPEED}x,scale=$LOW_SCALE: $(
    for n in $TENANTS; do [[ $n == high ]] || { v=TENANT_TRACE_$n; printf '%s=%s ' "$n" "${!v%.trace}"; }; done)"
tenants_setup
echo "RESULT profiles $(grep -v '^[[:space:]]*$' <<<"$TENANT_SESSION_PROFILES$TENANT_PROFILES" | tr '\n' ' ')"
out=/tmp/bench25
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
            sync; echo 1 > /proc/sys/vm/drop_caches
        done
    done
done
python3 /usr/lib/agentcgroup-tests/lib-tenants.py summary "$out" "${modes[*]}" "${arms[*]}" || fail "summary failed"
