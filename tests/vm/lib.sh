# shellcheck shell=bash
# Helpers for VM test cases. A case starts with
#     . /usr/lib/agentcgroup-tests/lib.sh
# Exit status: 0 = PASS, 77 = SKIP (last output line is the reason), anything else = FAIL.

_lib_t0=${EPOCHREALTIME/./}
_cleanups=()
_lib_pid=$BASHPID

# log MSG: a line with the time since the case started.
log() {
    local us=$(( ${EPOCHREALTIME/./} - _lib_t0 ))
    printf '[%d.%03ds] %s\n' $((us / 1000000)) $((us % 1000000 / 1000)) "$*"
}

# cleanup_add CMD...: run CMD when the case exits, last added first. One argument is a shell
# string (cleanup_add 'kill $pid' expands $pid at exit); several are a command and its arguments.
cleanup_add() {
    if (($# == 1)); then _cleanups+=("$1"); else _cleanups+=("$(printf '%q ' "$@")"); fi
}
_run_cleanups() {
    # Only the case's own shell cleans up, not a subshell, e.g. $(...) calling fail.
    [[ $BASHPID == "$_lib_pid" ]] || return 0
    local i todo=("${_cleanups[@]}")
    _cleanups=()   # before running them: a cleanup that calls fail must not recurse
    for ((i = ${#todo[@]} - 1; i >= 0; i--)); do
        eval "${todo[i]}" || log "cleanup failed: ${todo[i]}"
    done
}
trap _run_cleanups EXIT

# fail MSG / skip MSG: clean up first, so the message is the last line of the output.
fail() { _run_cleanups; echo "FAIL: $*"; exit 1; }
skip() { _run_cleanups; echo "$*"; exit 77; }

assert_eq() {   # EXPECTED ACTUAL [MSG]
    [[ $2 == "$1" ]] || fail "${3:-assert_eq}: expected '$1', got '$2'"
}
assert_contains() {   # HAYSTACK NEEDLE [MSG]
    [[ $1 == *"$2"* ]] || fail "${3:-assert_contains}: '$2' not found in '$1'"
}

# wait_for TIMEOUT_S CMD...: run CMD every 0.05 s until it succeeds; non-zero after TIMEOUT_S
# seconds (decimals allowed).
wait_for() {
    local t=$1 int frac deadline; shift
    int=${t%%.*}; frac=0
    [[ $t == *.* ]] && frac=${t#*.}
    frac=${frac}000000
    deadline=$(( ${EPOCHREALTIME/./} + 10#${int:-0} * 1000000 + 10#${frac:0:6} ))
    until "$@"; do
        (( ${EPOCHREALTIME/./} < deadline )) || return 1
        sleep 0.05
    done
}

# output_is EXPECTED CMD...: CMD prints EXPECTED (for wait_for, which runs it again each time;
# `wait_for T test "$(cmd)" = x` would look at one output only).
output_is() { [[ $("${@:2}") == "$1" ]]; }

# unit_prop UNIT PROP: the value of a unit property, e.g. unit_prop foo.scope MemoryHigh
unit_prop() { systemctl show -P "$2" "$1"; }
