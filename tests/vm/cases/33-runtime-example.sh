#!/bin/bash
# The worked example of docs/RUNTIMES.md: the Bash tool calls of two real agent traces replayed
# as real commands on a Python project (its test suite, a build step, file tools) through
# agentcgroup-shell, as an agent runtime whose shell is the wrapper runs them. Each runs in a
# tool-call scope of the session, named after its command, with the same results as under
# plain bash, and nothing is left behind. The agent runtime itself is wrapped as a whole
# session with agentcgroupctl run.
# timeout: 600
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

REPLAY=/usr/lib/agentcgroup-tests/bin/tool-call-replay
TRACES=/usr/lib/agentcgroup-tests/traces
[[ -x $REPLAY ]] || fail "$REPLAY missing (build with -Dinstall_tests=true)"
traces=("$TRACES/haiku__libp2p__py-libp2p-533.trace" "$TRACES/local__sigmavirus24__github3.py-673.trace")
for t in "${traces[@]}"; do [[ -r $t ]] || skip "$t is not in the VM (run.sh --traces)"; done
cleanup_add "systemctl stop agent-example.slice 2>/dev/null || true"
daemon_start

for t in "${traces[@]}"; do
    name=$(basename "$t" .trace)
    "$REPLAY" --shell /bin/bash "$t" > "bash.$name" 2>"bash.$name.err" || fail "replay under bash: $(cat "bash.$name.err")"
    # The runtime as a whole session: its own scope (the interactive profile by its name), and
    # its shell the wrapper, so its tool calls are scopes of the same session.
    agentcgroupctl run --session example --tool runtime --profile interactive -- \
        env AGENTCGROUP_SESSION=example "$REPLAY" --shell /usr/bin/agentcgroup-shell "$t" \
        > "shell.$name" 2>"shell.$name.err" || fail "replay under agentcgroup-shell: $(cat "shell.$name.err")"
    log "$(cat "bash.$name.err")"
    log "$(cat "shell.$name.err")"
    n=$(wc -l < "bash.$name")
    assert_eq "$n" "$(wc -l < "shell.$name")" "tool calls of $name"
    # The same commands with the same results.
    assert_eq "$(cut -f1-4 "bash.$name")" "$(cut -f1-4 "shell.$name")" "index, word, tool and status of each call of $name"
    # Each in a tool-call scope of the session named after its command.
    while IFS=$'\t' read -r i word tool status ms cgroup; do
        [[ $cgroup =~ ^/agent\.slice/agent-example\.slice/tool-${tool//./\\.}-[0-9a-f]{12}\.scope$ ]] ||
            fail "$name call $i ($word -> $tool) ran in '$cgroup'"
    done < "shell.$name"
    assert_eq "$n" "$(cut -f6 "shell.$name" | sort -u | wc -l)" "distinct scopes of $name"
    # A table operators would want: calls per tool, and their time under each shell.
    log "$name: per tool: calls, ms under bash, ms under agentcgroup-shell"
    join -t $'\t' <(awk -F'\t' '{ n[$3]++; ms[$3] += $5 } END { for (t in n) print t "\t" n[t] "\t" ms[t] }' "bash.$name" | sort) \
        <(awk -F'\t' '{ ms[$3] += $5 } END { for (t in ms) print t "\t" ms[t] }' "shell.$name" | sort) |
        while IFS=$'\t' read -r tool calls bms sms; do log "    $tool: $calls calls, $bms ms, $sms ms"; done
done

# Nothing left: the tool calls' scopes and cgroups are gone with their processes, and so is
# the runtime's scope; the session slice stays until the runtime ends it.
wait_for 20 sh -c '[ -z "$(systemctl list-units --all --no-legend "tool-*.scope")" ]' ||
    fail "scopes left behind: $(systemctl list-units --all --no-legend 'tool-*.scope' | head -5)"
assert_eq "" "$(find /sys/fs/cgroup/agent.slice -name 'tool-*.scope' -type d)" "cgroups left behind"
busctl call org.agentcgroup1 /org/agentcgroup1 org.agentcgroup1.Manager EndSession st example 1000000 ||
    fail "EndSession failed"
wait_for 15 sh -c '! systemctl is-active --quiet agent-example.slice' || fail "agent-example.slice still active"
assert_daemon_healthy
