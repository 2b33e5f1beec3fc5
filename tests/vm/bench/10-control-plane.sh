#!/bin/bash
# Control-plane benchmark (reports numbers; fails only if it cannot measure):
#  - latency from "systemd-run --scope" returning (the command starts) to the profile being
#    visible in the scope's cgroup file, over N scopes started one after another;
#  - daemon RSS and CPU time while N scopes come and go;
#  - daemon wakeups per second while nothing happens.
# timeout: 1800
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

cmdline_count N bench_scopes 200
bench_result_vm
probe=/usr/lib/agentcgroup-tests/bin/scope-latency-probe
[[ -x $probe ]] || fail "$probe missing (build with -Dinstall_tests=true)"

daemon_start
pid=$(unit_prop agentcgroupd.service MainPID)
stat_of() { awk '{print $14 + $15}' "/proc/$1/stat"; }   # utime + stime, clock ticks
rss_of() { awk '/^VmRSS/{print $2}' "/proc/$1/status"; }
ctx_of() { awk '/voluntary_ctxt_switches/{s += $2} END {print s}' "/proc/$1/status"; }
hz=$(getconf CLK_TCK)

rss0=$(rss_of "$pid") cpu0=$(stat_of "$pid")
lat=() timeouts=0
for i in $(seq 1 "$N"); do
    # The vendor tool-burst profile sets memory.high to 2G.
    v=$(systemd-run --quiet --scope --slice=agent-bench.slice -u "lat$i" "$probe" memory.high 2147483648 10000 2>/dev/null)
    if [[ $v == timeout || -z $v ]]; then timeouts=$((timeouts + 1)); else lat+=("$v"); fi
    ((i % 50 == 0)) && log "$i/$N scopes"
done
rss1=$(rss_of "$pid") cpu1=$(stat_of "$pid")

printf '%s\n' "${lat[@]}" | sort -n > /tmp/lat.txt
n=$(wc -l < /tmp/lat.txt)
((n > 0)) || fail "no latency measured ($timeouts timeouts)"
pct() { awk -v p="$1" '{a[NR] = $1} END {i = int((p / 100) * NR + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR; print a[i]}' /tmp/lat.txt; }
echo "RESULT scope_to_profile_us n=$n timeouts=$timeouts min=$(head -n1 /tmp/lat.txt) p50=$(pct 50) p90=$(pct 90) p99=$(pct 99) max=$(tail -n1 /tmp/lat.txt)"
echo "RESULT daemon_churn rss_kib_before=$rss0 rss_kib_after=$rss1 cpu_ms=$(( (cpu1 - cpu0) * 1000 / hz )) scopes=$N"
echo "RAW scope_to_profile_us $(tr '\n' ' ' < /tmp/lat.txt)"

# Idle: nothing happens for 30 s; count the daemon's context switches (each is a wakeup).
sleep 2
c0=$(ctx_of "$pid"); sleep 30; c1=$(ctx_of "$pid")
echo "RESULT idle_wakeups per_30s=$((c1 - c0))"
assert_daemon_healthy
