#!/bin/bash
# agentcgroup-shell as an agent runtime's shell: every command string (sh -c, bash -c,
# bash -lc) becomes a tool-call scope in $AGENTCGROUP_SESSION's slice with the tool-call
# profile; nested shells stay in their tool call; 1000 tool calls leave no unit or cgroup
# behind. Reports the wrapper's cost per call against plain bash -c in the same boot.
# timeout: 1200
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

cgroup_of_self='sed -n "s/^0:://p" /proc/self/cgroup'
tool_units() { systemctl list-units --all --no-legend --plain 'tool-*.scope' | awk '{ print $1 }'; }
cleanup_add "systemctl stop agent-w1.slice 2>/dev/null || true"
daemon_start
export AGENTCGROUP_SESSION=w1

# ---- each form of command string runs in a tool call of session w1 ----
for shell in /bin/bash /bin/sh; do
    for opt in -c -lc -ec; do
        [[ $shell == /bin/sh && $opt == -lc ]] && continue
        out=$(AGENTCGROUP_SHELL=$shell agentcgroup-shell $opt "$cgroup_of_self; echo \$0") ||
            fail "$shell $opt failed: $out"
        [[ $(sed -n 1p <<<"$out") =~ ^/agent\.slice/agent-w1\.slice/tool-sed-[0-9a-f]{12}\.scope$ ]] ||
            fail "$shell $opt: the command ran in $(sed -n 1p <<<"$out")"
        assert_eq "$shell" "$(sed -n 2p <<<"$out")" "\$0 under $shell $opt"
    done
done
log "bash -c, bash -lc, bash -ec, sh -c, sh -ec: each in its own tool call of agent-w1.slice"
# The tool name is the command's, past assignments and wrappers.
out=$(agentcgroup-shell -c "FOO=1 exec env /usr/bin/python3 -c 'import os; print(os.environ[\"AGENTCGROUP_UNIT\"])'")
[[ $out =~ ^tool-python3-[0-9a-f]{12}\.scope$ ]] || fail "tool name of an env/exec/python3 command: $out"

# ---- nested shells stay in their tool call ----
out=$(agentcgroup-shell -c "$cgroup_of_self; agentcgroup-shell -c '$cgroup_of_self'; bash -c '$cgroup_of_self'")
mapfile -t lines <<<"$out"
assert_eq 3 "${#lines[@]}" "lines of the nested run"
[[ ${lines[0]} == /agent.slice/agent-w1.slice/tool-* ]] || fail "outer shell in ${lines[0]}"
assert_eq "${lines[0]}" "${lines[1]}" "a nested agentcgroup-shell"
assert_eq "${lines[0]}" "${lines[2]}" "a nested bash"

# ---- what a shell passes through ----
assert_eq 5 "$(agentcgroup-shell -c 'exit 5'; echo $?)" "exit status"
assert_eq "x y" "$(echo 'x y' | agentcgroup-shell -c cat)" "stdin"
rc=0; agentcgroup-shell -c 'kill -KILL $$' 2>/dev/null || rc=$?
assert_eq 137 "$rc" "killed by SIGKILL"
# No command string: the shell runs as it is, in the caller's cgroup.
mine=$(eval "$cgroup_of_self")
assert_eq "$mine" "$(echo "$cgroup_of_self" | agentcgroup-shell)" "a shell reading stdin"
printf '%s\n' "$cgroup_of_self" > script.sh
assert_eq "$mine" "$(agentcgroup-shell script.sh)" "a script file"
# A bad session name is an error, and runs nothing.
rc=0; err=$(AGENTCGROUP_SESSION=a/b agentcgroup-shell -c 'echo ran' 2>&1) || rc=$?
assert_eq 2 "$rc" "exit status with AGENTCGROUP_SESSION=a/b"
assert_eq "AGENTCGROUP_SESSION=a/b: the name contains '/'." "$err"

# ---- 1000 tool calls, two at a time: 1000 scopes, all tool-burst, none left ----
# (Two streams keep concurrent starts in the test; four take longer in all under TCG.)
start=$(date +%s%N)
for stream in 1 2; do
    (
        for i in $(seq 500); do
            agentcgroup-shell -c 'echo $AGENTCGROUP_UNIT $(cat /sys/fs/cgroup$(sed -n "s/^0:://p" /proc/self/cgroup)/memory.high)' ||
                echo "FAILED $stream $i"
        done > "calls.$stream"
    ) &
done
wait
took_ms=$(( ($(date +%s%N) - start) / 1000000 ))
cat calls.1 calls.2 > calls
grep FAILED calls && fail "some tool calls failed"
assert_eq 1000 "$(wc -l < calls)" "tool calls that ran"
assert_eq 1000 "$(awk '{ print $1 }' calls | sort -u | grep -cE '^tool-echo-[0-9a-f]{12}\.scope$')" "distinct tool-call scopes"
assert_eq "1000 2147483648" "$(awk '{ print $2 }' calls | sort | uniq -c | awk '{ print $1, $2 }')" \
    "memory.high of the tool-burst profile in every call"
log "1000 tool calls, 2 at a time: $took_ms ms"
wait_for 20 sh -c '[ -z "$(systemctl list-units --all --no-legend "tool-*.scope")" ]' ||
    fail "tool-call units left behind: $(tool_units | head)"
assert_eq "" "$(find /sys/fs/cgroup/agent.slice -name 'tool-*.scope' -type d)" "tool-call cgroups left behind"
assert_daemon_healthy
# The daemon's CPU scheduler (Scheduler= unset: full where the kernel has sched_ext) ran
# through the 1000 scopes without being ejected.
if [[ -e /sys/kernel/sched_ext/state ]]; then
    assert_eq enabled "$(cat /sys/kernel/sched_ext/state)" "sched_ext state after 1000 tool calls"
    assert_eq '"enabled"' "$(busctl get-property "${mgr[@]}" SchedulerState | awk '{print $2}')" "SchedulerState"
    assert_eq 0 "$(busctl get-property "${mgr[@]}" SchedulerRestarts | awk '{print $2}')" "SchedulerRestarts"
fi

# ---- the cost of a call, against plain bash -c (reported, not asserted) ----
python3 - <<'EOF' | while read -r line; do log "$line"; done
import statistics, subprocess, time
def sample(cmd, n=100):
    t = []
    for _ in range(n):
        s = time.perf_counter_ns()
        subprocess.run(cmd, check=True)
        t.append((time.perf_counter_ns() - s) / 1e6)
    t.sort()
    return statistics.median(t), t[min(len(t) - 1, int(0.99 * len(t)))]
bm, bp = sample(["bash", "-c", "true"])
wm, wp = sample(["agentcgroup-shell", "-c", "true"])
print(f"per call, 100 sequential calls each: bash -c true median {bm:.1f} ms p99 {bp:.1f} ms; "
      f"agentcgroup-shell -c true median {wm:.1f} ms p99 {wp:.1f} ms; overhead median {wm - bm:.1f} ms "
      f"({wm / bm:.1f}x)")
EOF
