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
# agentcgroup.bench_arms=ARM,ARM... (default all), agentcgroup.bench_sessions=N (2-16, default 8;
# tools/bench --sessions N).
# timeout: 5400
# mem: 3072
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

need_vm_mem 3072
# The smoke test (tools/bench --smoke) checks that it measures: four sessions, two arms.
BENCH_SMOKE_ARMS=none,agentcgroup
SESSIONS=$(cmdline_param bench_sessions "$( (($(cmdline_param bench_smoke 0))) && echo 4 || echo 8)")
[[ $SESSIONS =~ ^[0-9]+$ ]] && ((SESSIONS >= 2 && SESSIONS <= 16)) ||
    fail "agentcgroup.bench_sessions=$SESSIONS: expected a number from 2 to 16"
tenants_bench_params

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
TENANT_LOW_START_MB=0

tenants_bench_setup "sessions=$SESSIONS budget=$TENANT_BUDGET high=$TENANT_TRACE_high@${TENANT_SPEED}x low=@${LOW_SPEED}x,scale=$LOW_SCALE: $(
    for n in $TENANTS; do [[ $n == high ]] || { v=TENANT_TRACE_$n; printf '%s=%s ' "$n" "${!v%.trace}"; }; done)"
tenants_bench /tmp/bench25
