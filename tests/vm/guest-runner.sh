#!/bin/bash
# Runs inside the VM (agentcgroup-vmtest.service): every case in cases/ in lexical order, each
# with its own timeout, reporting on the results channel (the second serial port) as
#     BEGIN <name> / | <output line>... / RESULT <name> PASS|FAIL|SKIP <reason>
# then RUNNER-DONE. The unit powers the VM off when this script ends, however it ends.
set -uo pipefail   # no -e: one broken case must not stop the others

base=${AGENTCGROUP_TESTS:-/usr/lib/agentcgroup-tests}
results=${AGENTCGROUP_RESULTS:-/dev/ttyS1}
FILTER='*'
DEFAULT_TIMEOUT=300
# shellcheck source=/dev/null
[[ -f $base/runner.conf ]] && . "$base/runner.conf"   # written by run.sh: FILTER, DEFAULT_TIMEOUT

# Raw mode: no \n -> \r\n, no echo of what the host never sends.
[[ -c $results ]] && stty -F "$results" raw -echo 115200
exec 3>>"$results"
emit() { printf '%s\n' "$*" >&3; }
# stty waits for the port's pending output before it returns (TCSADRAIN).
flush() { [[ -c $results ]] && stty -F "$results" raw; }

# Libraries the project installed under /usr/local need the loader cache refreshed.
ldconfig

cases=()
for f in "$base"/cases/*.sh; do
    [[ -f $f ]] || continue
    name=${f##*/}
    # shellcheck disable=SC2053  # FILTER is a glob on purpose
    [[ ${name%.sh} == $FILTER || $name == $FILTER ]] && cases+=("$f")
done
emit "RUNNER-START ${#cases[@]} $(uname -r)"
echo "runner: ${#cases[@]} cases on $(uname -r)"

run_case() {
    local f=$1 name t out work start end elapsed tpid tailpid rc status reason
    name=${f##*/}; name=${name%.sh}
    t=$(sed -n 's/^#[[:space:]]*timeout:[[:space:]]*\([0-9]\+\).*/\1/p' "$f" | head -n1)
    t=${t:-$DEFAULT_TIMEOUT}
    out=/run/agentcgroup-tests/$name.log
    work=$(mktemp -d "/tmp/$name.XXXXXX")
    mkdir -p /run/agentcgroup-tests
    : > "$out"
    emit "BEGIN $name"
    echo "runner: BEGIN $name (timeout ${t}s)"
    start=$(date +%s)
    # timeout(1) puts the case in a process group of its own: on expiry it signals the group,
    # afterwards leftovers of the group are killed below.
    (cd "$work" && exec timeout -k 10 "$t" bash "$f" >"$out" 2>&1 </dev/null) &
    tpid=$!
    # sed -u, not awk: mawk reads a pipe in blocks and would hold lines back.
    tail -n +1 -s 0.2 --pid="$tpid" -f "$out" | sed -u 's/^/| /' >&3 &
    tailpid=$!
    wait "$tpid"; rc=$?
    wait "$tailpid"
    [[ -n $(tail -c1 "$out") ]] && emit ""   # end an unterminated last line
    kill -KILL -- "-$tpid" 2>/dev/null
    end=$(date +%s)
    elapsed=$((end - start))

    if ((rc == 0)); then
        status=PASS reason=""
    elif ((rc == 77)); then
        status=SKIP reason=$(grep -v '^[[:space:]]*$' "$out" | tail -n1)
        reason=${reason:-no reason given}
    elif (( (rc == 124 || rc == 137) && elapsed >= t )); then
        status=FAIL reason="timeout after ${t}s"
    elif ((rc > 128)); then
        status=FAIL reason="exit $rc (SIG$(kill -l $((rc - 128)) 2>/dev/null || echo '?'))"
    else
        status=FAIL reason="exit $rc"
    fi
    if [[ $status == FAIL ]]; then
        # What the system logged meanwhile usually explains a failure: attach it.
        emit "| ---- journal since the case started (last 60 lines) ----"
        journalctl -q --no-pager -o short-monotonic --since "@$start" -n 60 2>&1 \
            | sed 's/^/| /' >&3
    fi
    emit "RESULT $name $status $reason"
    flush
    echo "runner: RESULT $name $status $reason (${elapsed}s)"
    rm -rf "$work"
}

for f in "${cases[@]}"; do run_case "$f"; done
emit "RUNNER-DONE"
flush
echo "runner: done"
