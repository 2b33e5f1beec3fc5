#!/bin/bash
# Tool-call benchmark (reports numbers; fails only if it cannot measure). Per call, wall time
# from the caller's fork to the command's exit, for "true" run four ways, interleaved call by
# call in the same boot:
#   bash         bash -c true: no scope at all (the baseline)
#   systemd-run  systemd-run --scope --slice=agent-bench.slice true: systemd's own cost of a scope
#   run          agentcgroupctl run --session bench -- true: a tool call through the daemon
#   shell        agentcgroup-shell -c true (AGENTCGROUP_SESSION=bench): the same, as a shell
# Then whether the command's first instruction already sees its profile (memory.high of
# tool-burst, 2G), over the same number of calls: a C probe exec'd directly by systemd-run
# --scope (the daemon races to apply it) and by agentcgroupctl run (the scope starts with it);
# and how long after its start the probe saw it. And the daemon's CPU time per call.
# timeout: 3600
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

cmdline_count N bench_calls 200
bench_result_vm
cleanup_add "systemctl stop agent-bench.slice 2>/dev/null || true"
daemon_start
pid=$(unit_prop agentcgroupd.service MainPID)
hz=$(getconf CLK_TCK)
cpu_of() { awk '{print $14 + $15}' "/proc/$1/stat"; }
export AGENTCGROUP_SESSION=bench
arms=(bash systemd-run run shell)
call() {
    case $1 in
        bash) bash -c true ;;
        systemd-run) systemd-run --quiet --scope --slice=agent-bench.slice true ;;
        run) agentcgroupctl run --session bench -- true ;;
        shell) agentcgroup-shell -c true ;;
    esac
}
usec() { local t=${1/./}; echo $((10#$t)); }   # $EPOCHREALTIME -> microseconds

# Warm up: the session slice exists, caches are filled.
for a in "${arms[@]}"; do call "$a" || fail "$a failed"; done
cpu0=$(cpu_of "$pid")
for i in $(seq 1 "$N"); do
    for a in "${arms[@]}"; do
        t0=$EPOCHREALTIME
        call "$a" || fail "$a failed at call $i"
        t1=$EPOCHREALTIME
        echo $(( $(usec "$t1") - $(usec "$t0") )) >> "us.$a"
    done
    ((i % 50 == 0)) && log "$i/$N rounds"
done
cpu1=$(cpu_of "$pid")

pct() { sort -n "$1" | awk -v p="$2" '{a[NR] = $1} END {i = int((p / 100) * NR + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR; print a[i]}'; }
base=$(pct us.bash 50)
for a in "${arms[@]}"; do
    p50=$(pct "us.$a" 50)
    echo "RESULT call_ms arm=$a n=$(wc -l < "us.$a") p50=$(awk -v v="$p50" 'BEGIN{printf "%.1f", v/1000}') p90=$(awk -v v="$(pct "us.$a" 90)" 'BEGIN{printf "%.1f", v/1000}') p99=$(awk -v v="$(pct "us.$a" 99)" 'BEGIN{printf "%.1f", v/1000}') max=$(awk -v v="$(pct "us.$a" 100)" 'BEGIN{printf "%.1f", v/1000}') p50_vs_bash=$(awk -v a="$p50" -v b="$base" 'BEGIN{printf "%.2f", a/b}') p50_over_bash_ms=$(awk -v a="$p50" -v b="$base" 'BEGIN{printf "%.1f", (a-b)/1000}')"
    echo "RAW call_ms__$a $(awk '{printf "%.3f ", $1/1000}' "us.$a")"
done
echo "RESULT daemon_cpu_per_call_ms $(awk -v c=$((cpu1 - cpu0)) -v hz="$hz" -v n=$((2 * N)) 'BEGIN{printf "%.2f", c * 1000 / hz / n}') (run and shell calls: $((2 * N)))"

# The profile at the command's first instruction.
probe=/usr/lib/agentcgroup-tests/bin/scope-latency-probe
[[ -x $probe ]] || fail "$probe missing (build with -Dinstall_tests=true)"
for i in $(seq 1 "$N"); do
    systemd-run --quiet --scope --slice=agent-bench.slice "$probe" --attempts memory.high 2147483648 10000 >> first.systemd-run
    agentcgroupctl run --session bench -- "$probe" --attempts memory.high 2147483648 10000 >> first.run
done
for a in systemd-run run; do
    grep -q timeout "first.$a" && fail "$a: the probe never saw the profile: $(grep -c timeout "first.$a") timeouts"
    awk '{ print $1 }' "first.$a" > "lat.$a"
    echo "RESULT profile_at_first_instruction arm=$a $(awk '$2 == 1' "first.$a" | wc -l)/$(wc -l < "first.$a") us_until_seen_p50=$(pct "lat.$a" 50) p90=$(pct "lat.$a" 90) p99=$(pct "lat.$a" 99) max=$(pct "lat.$a" 100)"
done
wait_for 20 sh -c '[ -z "$(systemctl list-units --all --no-legend "tool-*.scope" "run-*.scope")" ]' ||
    fail "scopes left behind"
assert_daemon_healthy
