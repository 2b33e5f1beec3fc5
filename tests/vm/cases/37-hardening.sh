#!/bin/bash
# The service unit's sandbox as systemd sees it on the running daemon: systemd-analyze security
# reports an exposure of at most 3.0, the process's capability bounding set is exactly what the
# unit file lists, it has no network, and /usr is read-only for it. The daemon still does its
# work under it (the other cases run the same unit).
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

daemon_start
out=$(systemd-analyze security --no-pager agentcgroupd.service) || fail "systemd-analyze security failed"
line=$(tail -n 1 <<<"$out")
log "$line"
score=$(sed -n 's/.*agentcgroupd.service: \([0-9.]*\).*/\1/p' <<<"$line")
[[ -n $score ]] || fail "no exposure level in: $line"
awk -v s="$score" 'BEGIN { exit !(s <= 3.0) }' || { grep '✗' <<<"$out"; fail "exposure $score > 3.0"; }

pid=$(unit_prop agentcgroupd.service MainPID)
(( pid > 0 )) || fail "no MainPID"
# CAP_DAC_OVERRIDE 1, CAP_SYS_NICE 23, CAP_SYS_RESOURCE 24, CAP_SYS_ADMIN 21, CAP_PERFMON 38, CAP_BPF 39.
want=$(printf '%016x' $(( (1 << 1) | (1 << 21) | (1 << 23) | (1 << 24) | (1 << 38) | (1 << 39) )))
assert_eq "$want" "$(awk '/^CapBnd:/ { print $2 }' /proc/$pid/status)" "the daemon's CapBnd"
# No network namespace of the host's: only a loopback device.
assert_eq "lo" "$(nsenter -t "$pid" -n ip -o link show | awk -F': ' '{ print $2 }' | tr '\n' ' ' | sed 's/ $//')" \
    "network devices the daemon sees"
nsenter -t "$pid" -m sh -c 'touch /usr/.agentcgroup-write-test' 2>/dev/null && { rm -f /usr/.agentcgroup-write-test; fail "/usr is writable for the daemon"; }
assert_daemon_healthy
