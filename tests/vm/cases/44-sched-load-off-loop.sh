#!/bin/bash
# The kernel's verifier checks the sched_ext scheduler in a thread of the daemon (agc-verifier):
# while it works, the daemon answers on the bus, applies profiles to new scopes and takes a
# reload, and once the scheduler is attached it holds the policies of the units adopted
# meanwhile. A reload asking for another mode during the load is applied when the verifier is
# done. The verifier is slowed down here: as soon as its thread exists (it works for 3.5 s at
# full speed), the thread is pinned to CPU 1 beside a SCHED_FIFO busy loop (fair-class tasks keep
# the 5% the kernel's RT throttling leaves) and the main thread to CPU 0. (Starving the whole
# daemon from its start instead delays its D-Bus authentication past dbus-daemon's 30 s
# auth_timeout, and systemd's start timeout.)
# timeout: 400
set -euo pipefail
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

[[ -e /sys/kernel/sched_ext/state ]] || skip "kernel $(uname -r) has no sched_ext"
(($(nproc) >= 2)) || skip "needs 2 CPUs, the VM has $(nproc)"
command -v bpftool >/dev/null || skip "no bpftool in the image"

usec_now() { echo "${EPOCHREALTIME/./}"; }

cleanup_add "systemctl stop agent-v1.slice agent-v2.slice 2>/dev/null || true"

hog=""
unstarve() {
    [[ -n $hog ]] && kill "$hog" 2>/dev/null
    hog=""
}
cleanup_add unstarve
_verifier_tid() {
    local pid t
    pid=$(systemctl show -p MainPID --value agentcgroupd.service)
    [[ $pid != 0 ]] || return 1
    for t in /proc/"$pid"/task/*; do
        [[ $(cat "$t/comm" 2>/dev/null) == agc-verifier ]] && { echo "${t##*/}"; return 0; }
    done
    return 1
}
# starved_start: returns once the daemon said READY=1 with its verifier still at work on CPU 1.
starved_start() {
    local t0 pid tid
    journal_mark
    t0=$(usec_now)
    systemctl start --no-block agentcgroupd.service
    cleanup_add daemon_stop
    wait_for 60 _verifier_tid >/dev/null || fail "no agc-verifier thread in agentcgroupd within 60 s"
    tid=$(_verifier_tid)
    pid=$(systemctl show -p MainPID --value agentcgroupd.service)
    taskset -p -c 1 "$tid" >/dev/null || fail "cannot pin the verifier thread $tid to CPU 1 (did it finish already?)"
    chrt -f 50 taskset -c 1 bash -c 'while :; do :; done' &
    hog=$!
    taskset -p -c 0 "$pid" >/dev/null || fail "cannot move the main thread to CPU 0"
    [[ -d /proc/$pid/task/$tid ]] || fail "the verifier finished before it could be slowed down"
    wait_for 60 systemctl is-active --quiet agentcgroupd.service || fail "agentcgroupd did not get ready"
    log "READY=1 after $(( ($(usec_now) - t0) / 1000 )) ms; verifier thread $tid; SchedulerState $(mprop SchedulerState)"
}

# ---- 1: the bus, profiles and the scheduler's policies while the verifier works ----
starved_start
assert_eq loading "$(mprop SchedulerState)" "SchedulerState once the daemon is ready"
assert_contains "$(agentcgroupctl status)" "Scheduler: loading: the kernel is verifying" "agentcgroupctl status during the load"
assert_contains "$(systemctl show -p StatusText --value agentcgroupd.service)" "the kernel is verifying the CPU scheduler" "StatusText"
# A scope started now gets its profile (tool-burst: MemoryHigh=2G) while the scheduler loads.
t0=$(usec_now)
scope_start tool-v1 agent-v1.slice sleep 600
wait_prop tool-v1.scope MemoryHigh 2147483648 30
assert_eq loading "$(mprop SchedulerState)" "SchedulerState once tool-v1.scope had its profile"
log "tool-v1.scope had its profile $(( ($(usec_now) - t0) / 1000 )) ms after its start, the verifier still at work"
# Not "journal_since | grep -q": with pipefail, grep leaving early fails the pipeline (EPIPE).
assert_contains "$(journal_since)" 'The kernel is verifying the scheduler' "the daemon's journal since its start"

t0=$(usec_now)
unstarve
wait_mprop SchedulerState enabled 120
log "enabled $(( ($(usec_now) - t0) / 1000 )) ms after the busy loop stopped"
assert_eq enabled "$(cat /sys/kernel/sched_ext/state)" "/sys/kernel/sched_ext/state"
# The unit adopted during the load has its policy in the freshly loaded scheduler's map
# (key: the cgroup id, the directory's inode number, as 8 little-endian bytes).
cgid=$(stat -c %i "/sys/fs/cgroup$(unit_prop tool-v1.scope ControlGroup)")
key=$(printf '%016x' "$cgid" | sed -E 's/(..)/\1 /g' | awk '{for (i = NF; i > 0; i--) printf "0x%s ", $i}')
# shellcheck disable=SC2086 # one word per byte
bpftool map lookup name sched_policy key $key >/dev/null 2>&1 ||
    fail "no scheduler policy for tool-v1.scope (cgroup id $cgid) after the attach"
assert_daemon_healthy
daemon_stop

# ---- 2: a reload during the load that asks for another mode ----
starved_start
assert_eq loading "$(mprop SchedulerState)" "SchedulerState once the daemon is ready"
dropin_write 92-sched-partial.conf '[Manager]
Scheduler=partial'
daemon_reload
assert_eq loading "$(mprop SchedulerState)" "SchedulerState after the reload was answered"
unstarve
wait_mprop SchedulerMode partial 120
assert_eq enabled "$(mprop SchedulerState)"
assert_contains "$(journal_since)" 'The configuration changed while the scheduler was loading' \
    "the daemon's journal since the second start"
# How long a load takes at full speed: from dropping the full-mode object to the partial one attached.
_msg_usec() {
    journalctl -u agentcgroupd.service --after-cursor "$_journal_cursor" -o json --no-pager |
        jq -r --arg m "$1" 'select(.MESSAGE | contains($m)) | .__REALTIME_TIMESTAMP' | tail -1
}
a=$(_msg_usec 'The configuration changed while the scheduler was loading')
b=$(_msg_usec 'is enabled in partial mode')
[[ -n $a && -n $b ]] && log "a load at full speed (verifier and attach, partial mode): $(( (b - a) / 1000 )) ms"
# Partial mode: a managed unit's tasks run under the scheduler.
scope_start tool-v2 agent-v2.slice sleep 600
pid=$(head -1 "/sys/fs/cgroup$(unit_prop tool-v2.scope ControlGroup)/cgroup.procs")
wait_for 10 output_is 7 awk '/^policy/ {print $3}' "/proc/$pid/sched" || fail "tool-v2's task is not SCHED_EXT in partial mode"
assert_daemon_healthy
