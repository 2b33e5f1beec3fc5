#!/bin/bash
# Three tenants, no swap (the memory-enforcement issue's scenario): HIGH (interactive) replays a
# session that bursts to ~1.9 GB, LOW1 and LOW2 (background) two smaller ones, started during
# HIGH's burst (lib-agentcgroup.sh: TENANT_LOW_START_MB), in agent.slice with MemoryMax=2000M.
# With the daemon, HIGH finishes in every run, and whatever was killed was a LOW unit with a
# logged reason: the daemon's kill or oom-killed action, or the kernel's OOM kill of a LOW
# process whose oom_score_adj the daemon set. One run without the daemon shows what the kernel
# does alone (logged, not asserted). Traces: run.sh --traces. About 4 minutes under TCG.
# timeout: 600
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

# agent.slice gets 2000M: the VM needs room besides it (the root file system is in RAM).
need_vm_mem 3072

RUNS=3
tenants_setup
work=$PWD

# run_line DIR: one line per run, for the log.
run_line() {
    local d=$1 n line
    line="HIGH=$(tenant_end "$d" high)"
    if [[ -s $d/high.json ]]; then
        line+=" $(jq -r '"completion_s=\(.completion_s) p50=\(.alloc.p50_ms) p95=\(.alloc.p95_ms) p99=\(.alloc.p99_ms) max=\(.alloc.max_ms)"' "$d/high.json")"
    fi
    for n in low1 low2; do
        line+=" ${n^^}=$(tenant_end "$d" "$n")"
        [[ -s $d/$n.json ]] && line+="/$(jq -r .completion_s "$d/$n.json")s"
    done
    line+=" actions=[$(jq -r '"\(.AGENTCGROUP_ACTION):\(.AGENTCGROUP_UNIT)"' "$d/actions.json" | sort | uniq -c | awk '{printf "%s%s*%s", (NR > 1 ? " " : ""), $2, $1}')]"
    line+=" low_start(s/high_mib)=$(tr ' ' / < "$d/low_start_at" 2>/dev/null || echo -) $(tenants_mem "$d")"
    line+=" oom_kills=[$(awk '{printf "%s%s(adj %s)", (NR > 1 ? " " : ""), $1, $2}' "$d/oom.txt")]"
    echo "$line"
}

# The kernel alone: it usually kills HIGH, the largest task.
tenants_run none "$work/none"
log "none: $(run_line "$work/none")"
if [[ $(tenant_end "$work/none" high) == finished ]]; then
    log "note: without the daemon HIGH finished too in this run (the burst missed the LOW tenants)"
else
    log "without the daemon the kernel killed HIGH, as expected"
fi

failures=()
for i in $(seq 1 "$RUNS"); do
    d=$work/ag$i
    tenants_run agentcgroup "$d"
    log "agentcgroup run $i: $(run_line "$d")"
    high=$(tenant_end "$d" high)
    for n in high low1 low2; do   # no results: what the replayer or systemd-run said
        [[ -s $d/$n.json ]] || { log "  $n.out:"; tail -n 3 "$d/$n.out" | sed 's/^/    /'; }
    done
    if [[ $high != finished ]]; then
        jq -r '"  \(.AGENTCGROUP_UNIT) \(.AGENTCGROUP_ACTION): \(.MESSAGE)"' "$d/actions.json" | tail -n 20
        failures+=("run $i: HIGH $high")
    fi
    if jq -e 'select(.AGENTCGROUP_UNIT == "tenant-high.scope" and (.AGENTCGROUP_ACTION == "kill" or .AGENTCGROUP_ACTION == "freeze"))' \
            "$d/actions.json" >/dev/null; then
        failures+=("run $i: the daemon froze or killed HIGH")
    fi
    if grep -q '^tenant-high\.scope ' "$d/oom.txt"; then
        failures+=("run $i: the kernel OOM-killed a process of HIGH")
    fi
    for n in low1 low2; do
        end=$(tenant_end "$d" "$n")
        [[ $end == finished ]] && continue
        # Killed: by the daemon (logged with a reason), or by the kernel's OOM killer, which
        # chose it by the oom_score_adj the daemon wrote (the profile's OOMScoreAdjust=800).
        reason=$(jq -r "select(.AGENTCGROUP_UNIT == \"tenant-$n.scope\" and (.AGENTCGROUP_ACTION == \"kill\" or .AGENTCGROUP_ACTION == \"oom-killed\")) | .MESSAGE" \
                 "$d/actions.json" | head -n1)
        adj=$(awk -v u="tenant-$n.scope" '$1 == u { print $2; exit }' "$d/oom.txt")
        if [[ -n $reason ]]; then
            log "  ${n^^} $end: daemon: $reason"
        elif [[ -n $adj && $adj -gt 0 ]]; then
            log "  ${n^^} $end: the kernel's OOM killer (oom_score_adj $adj set by the daemon)"
        else
            failures+=("run $i: ${n^^} ended '$end' without a logged reason (oom.txt: $(tr '\n' ';' < "$d/oom.txt"))")
        fi
    done
done
((${#failures[@]} == 0)) || fail "$(printf '%s; ' "${failures[@]}")"
log "HIGH finished in $RUNS/$RUNS runs with the daemon"
