#!/bin/bash
# Memory exhaustion of the whole VM, twice: a hog outside agent.slice (a plain service), then two
# agent sessions inside it that together want more than the VM (there the sessions' MemoryMax=
# and the daemon may stop them first). The hogs end; the daemon stays alive throughout (OOMScoreAdjust=-900 and MemoryMin=16M on its unit), keeps the
# same PID, answers root while and after memory runs out, and leaves no unit frozen.
# timeout: 600
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

daemon_start
pid=$(unit_prop agentcgroupd.service MainPID)
assert_eq -900 "$(cat /proc/$pid/oom_score_adj)" "the daemon's oom_score_adj"
assert_eq 16777216 "$(cat "/sys/fs/cgroup$(unit_prop agentcgroupd.service ControlGroup)/memory.min")" \
    "memory.min of agentcgroupd.service"
scope_start runtime-oomwatch agent-oomwatch.slice
scope_start batch-oom agent-batchoom.slice
total_mb=$(( $(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) / 1024 ))
log "VM memory: ${total_mb} MiB, swap: $(awk '/^SwapTotal:/ { print $2 }' /proc/meminfo) KiB"

# probe_loop FILE: root asks the daemon for its metrics every 0.5 s and writes "ok|fail MS".
probe_loop() {
    while :; do
        local t0=${EPOCHREALTIME/./}
        if busctl --timeout=30 call "${mgr[@]}" GetMetrics >/dev/null 2>&1; then r=ok; else r=fail; fi
        echo "$r $(( (${EPOCHREALTIME/./} - t0) / 1000 ))" >> "$1"
        sleep 0.5
    done
}

frozen_cgroups() { find /sys/fs/cgroup/agent.slice -name cgroup.freeze -exec grep -lx 1 {} + 2>/dev/null; }
nothing_frozen() { [[ -z $(frozen_cgroups) ]]; }

# exhaust_begin NAME: marks the kernel log and starts timing root's calls, before the hogs start.
# exhaust_end NAME UNIT...: waits for the hogs' units to end and checks the outcome.
exhaust_begin() {
    kmark=$(date '+%Y-%m-%d %H:%M:%S')
    : > "probes-$1"
    probe_loop "probes-$1" &
    prober=$!
    cleanup_add "kill $prober 2>/dev/null || true"
}
exhaust_end() {
    local name=$1 unit kernel victims probes fails worst
    shift
    for unit in "$@"; do
        wait_for 300 not_active "$unit" || fail "$name: $unit still runs after 300 s"
    done
    sleep 5
    kill "$prober"
    kernel=$(journalctl -k --since "$kmark" --no-pager -q)
    # "Out of memory: Killed process" is the whole machine's OOM killer, "Memory cgroup out of
    # memory: ..." a cgroup's MemoryMax=.
    victims=$(sed -n 's/.*\(Memory cgroup out\|Out\) of memory: Killed process [0-9]* (\([^)]*\)).*/\1:\2/p' <<<"$kernel" |
              sed 's/^Out:/machine:/; s/^Memory cgroup out:/cgroup:/' | sort | uniq -c | tr -s ' ' | tr '\n' ';')
    probes=$(wc -l < "probes-$name") fails=$(grep -c '^fail' "probes-$name")
    worst=$(sort -k2 -n "probes-$name" | tail -n1 | cut -d' ' -f2)
    log "$name: OOM victims:${victims:-none}; root's calls during it: $probes, $fails failed, slowest ${worst} ms"
    [[ $name != system-hog ]] ||
        assert_contains "$victims" "machine:python3" "$name: the whole machine ran out of memory and the hog was the victim"
    [[ $victims != *agentcgroupd* ]] || fail "$name: the OOM killer took agentcgroupd"
    assert_eq "$pid" "$(unit_prop agentcgroupd.service MainPID)" "$name: the daemon's PID"
    assert_daemon_healthy
    busctl --timeout=30 call "${mgr[@]}" GetMetrics >/dev/null || fail "$name: the daemon does not answer afterwards"
    (( fails < probes )) || fail "$name: none of root's calls during the exhaustion was answered"
    systemctl is-active --quiet runtime-oomwatch.scope || fail "$name: the interactive scope did not survive"
    # Whatever the daemon froze to save the others is thawed once the pressure is gone.
    wait_for 60 nothing_frozen || fail "$name: left frozen: $(frozen_cgroups)"
}
not_active() { ! systemctl is-active --quiet "$1"; }
hog() { echo "$(declare -f memhog); memhog 64 $((total_mb * 2)) 0 600"; }

journal_mark
# 1. Outside agent.slice: a service the daemon does not manage.
cleanup_add "systemctl stop oom-hog.service 2>/dev/null; systemctl reset-failed oom-hog.service 2>/dev/null || true"
exhaust_begin system-hog
systemd-run --quiet --unit=oom-hog -p Type=exec bash -c "$(hog)" || fail "oom-hog.service did not start"
exhaust_end system-hog oom-hog.service
log "oom-hog.service: Result=$(unit_prop oom-hog.service Result)"

# 2. Inside agent.slice: two agent sessions that want twice the machine each. Each session
# slice has MemoryMax= of its profile (85% of the machine), so together, not alone, they
# exhaust it; the daemon acts on the background one while the interactive one grows.
cleanup_add "systemctl stop runtime-oomhog.scope batch-oomhog.scope 2>/dev/null || true"
exhaust_begin agent-hogs
systemd-run --quiet --scope --slice=agent-batchoomhog.slice -u batch-oomhog bash -c "$(hog)" >/dev/null 2>&1 &
systemd-run --quiet --scope --slice=agent-oomhog.slice -u runtime-oomhog bash -c "$(hog)" >/dev/null 2>&1 &
wait_for 20 systemctl is-active --quiet runtime-oomhog.scope || fail "runtime-oomhog.scope did not start"
exhaust_end agent-hogs runtime-oomhog.scope batch-oomhog.scope
actions=$(journal_json_since | jq -r 'select(.AGENTCGROUP_ACTION) | "\(.AGENTCGROUP_UNIT) \(.AGENTCGROUP_ACTION)"' | sort | uniq -c | tr -s ' ' | tr '\n' ';')
log "the daemon's actions: ${actions:-none}"
