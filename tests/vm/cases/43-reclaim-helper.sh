#!/bin/bash
# memory.reclaim is written by a helper the daemon forks on first need and has systemd move into
# agentcgroupd-reclaim.scope at the top of the tree (CPUWeight=10): the kernel charges the
# compression of what it reclaims to that scope, not to system.slice, which weighs as much as
# all of agent.slice. The helper dies with the daemon (kill -9 too); the next daemon starts
# another when it needs one. While the helper reclaims, PID 1 is not asked for a memory.high
# below what the squeezed unit uses (it would reclaim the difference itself, on its own CPU
# time): the unit is held a little above it until the helper is done.
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

SCOPE=agentcgroupd-reclaim.scope
zram_swap_on 1G
dropin_write 50-reclaim.conf '
[Manager]
LogLevel=debug
[Profile:reclaim-high]
Class=interactive
[Profile:reclaim-low]
Class=background
Kill=no
FreezeAfterSec=10min
[Match:reclaim-high]
Unit=rhigh.scope
Profile=reclaim-high
[Match:reclaim-low]
Unit=rlow.scope
Profile=reclaim-low'
systemctl set-property --runtime agent.slice MemoryMax=600M || fail "set MemoryMax on agent.slice"
cleanup_add "systemctl set-property --runtime agent.slice MemoryMax=infinity"
cleanup_add "systemctl stop rlow.scope rhigh.scope 2>/dev/null || true"
daemon_start
journal_mark
daemon_pid=$(unit_prop agentcgroupd.service MainPID)
systemctl is-active --quiet "$SCOPE" && fail "$SCOPE runs before anything needed reclaiming"

# LOW holds 460 MiB; HIGH (interactive: a quarter of the domain, 150 MiB, wanted free) holds
# 40 MiB. 600 - 500 leaves 100 MiB: LOW is squeezed, and with swap the helper reclaims it.
systemd-run --quiet --scope --slice=agent-rlowsess.slice -u rlow bash -c \
    "$(declare -f memhog); memhog 20 460 0.05 600" &
lcg=/sys/fs/cgroup/agent.slice/agent-rlowsess.slice/rlow.scope
wait_for 60 bash -c "(( \$(cat $lcg/memory.current 2>/dev/null || echo 0) > 400 * 1048576 ))" ||
    fail "LOW did not grow to 400 MiB"
systemd-run --quiet --scope --slice=agent-rhighsess.slice -u rhigh bash -c \
    "$(declare -f memhog); memhog 20 40 0.05 600" &

wait_for 60 systemctl is-active --quiet "$SCOPE" || { journal_since | tail -20; fail "$SCOPE did not start"; }
assert_eq / "$(dirname "$(unit_prop "$SCOPE" ControlGroup)")" "the scope sits at the top of the tree"
assert_eq 10 "$(unit_prop "$SCOPE" CPUWeight)" "the scope's CPUWeight"
helper=$(cat /sys/fs/cgroup/$SCOPE/cgroup.procs)
[[ $helper =~ ^[0-9]+$ ]] || fail "one process expected in $SCOPE, got: $helper"
assert_eq "$daemon_pid" "$(ps -o ppid= -p "$helper" | tr -d ' ')" "the helper is the daemon's child"
assert_eq acgd-reclaim "$(cat /proc/$helper/comm)"
# Nothing of the daemon's but its socket (and stdio): an inherited BPF link or PSI trigger
# would outlive the daemon's own use of it. A memory.reclaim being written may be open too.
for f in /proc/$helper/fd/*; do
    n=${f##*/} t=$(readlink "$f" 2>/dev/null) || continue   # closed meanwhile
    case $n:$t in
        [012]:*|3:socket:*|*:*/memory.reclaim) ;;
        *) ls -l /proc/$helper/fd; fail "the helper has fd $n open: $t" ;;
    esac
done
[[ $(readlink /proc/$helper/fd/3) == socket:* ]] || fail "the helper's fd 3 is not its socket"
msg=$(journal_since | grep -m1 "memory.reclaim helper PID" || true)
assert_contains "$msg" "runs in $SCOPE (CPUWeight=10)"

# It reclaims: LOW goes to swap, the daemon hears back, and the CPU it took is the scope's.
wait_for 60 bash -c "(( \$(cat $lcg/memory.swap.current) > 16 * 1048576 ))" ||
    fail "LOW was not reclaimed into swap ($(( $(cat $lcg/memory.swap.current) >> 20 )) MiB)"
wait_for 30 bash -c "journalctl -q -o cat -u agentcgroupd.service -n 500 | grep -q 'Reclaimed up to'" ||
    fail "the daemon logged no answer of the helper"
usage=$(awk '$1 == "usage_usec" { print $2 }' /sys/fs/cgroup/$SCOPE/cpu.stat)
log "LOW: $(( $(cat $lcg/memory.current) >> 20 )) MiB in memory, $(( $(cat $lcg/memory.swap.current) >> 20 )) MiB swapped;" \
    "$SCOPE used $(( usage / 1000 )) ms of CPU"
(( usage > 5000 )) || fail "$SCOPE used only ${usage} us of CPU: the reclaim was not charged to it"

# The squeeze went through PID 1 as a memory.high held above what LOW used.
high=$(cat $lcg/memory.high)
[[ $high != max ]] || fail "LOW was not throttled"
held=$(journal_since | grep -m1 "memory.high held at" || true)
log "LOW's memory.high: $(( high >> 20 )) MiB; $held"
[[ -n $held ]] || fail "no memory.high was held above LOW's use while the helper reclaimed"
read -r at use < <(sed -n 's/.*memory.high held at \([0-9]*\) MiB, above its use of \([0-9]*\) MiB.*/\1 \2/p' <<< "$held")
(( at > use )) || fail "held at $at MiB, not above the use of $use MiB"

# kill -9: the helper dies with the daemon, its scope goes; the restarted daemon starts another.
systemctl kill -s KILL agentcgroupd.service
wait_for 10 bash -c "! kill -0 $helper 2>/dev/null" || fail "the helper outlived the daemon"
wait_for 30 bash -c '[[ $(systemctl is-active agentcgroupd.service) == active ]]' || fail "agentcgroupd was not restarted"
# LOW needs squeezing again: HIGH now holds 200 MiB.
systemctl stop rhigh.scope
systemd-run --quiet --scope --slice=agent-rhighsess.slice -u rhigh bash -c \
    "$(declare -f memhog); memhog 20 200 0.05 600" &
# (cgroupfs files have size 0: -s cannot tell an empty cgroup.procs.)
wait_for 60 bash -c "p=\$(cat /sys/fs/cgroup/$SCOPE/cgroup.procs 2>/dev/null); [[ -n \$p && \$p != $helper ]]" || {
    journalctl -q -o cat -u agentcgroupd.service -n 40 | grep -v '^libbpf'
    systemctl status "$SCOPE" --no-pager || true
    ps -eo pid,ppid,stat,comm,cgroup | grep -E 'agentcg|acgd' || true
    fail "the restarted daemon started no new helper (the old one was $helper)"
}
helper=$(cat /sys/fs/cgroup/$SCOPE/cgroup.procs)
assert_eq "$(unit_prop agentcgroupd.service MainPID)" "$(ps -o ppid= -p "$helper" | tr -d ' ')" "the new helper is the new daemon's child"

# A clean stop: the helper and its scope go too.
systemctl stop agentcgroupd.service
wait_for 10 bash -c "! kill -0 $helper 2>/dev/null" || fail "the helper outlived a clean stop"
wait_for 10 bash -c "! systemctl is-active --quiet $SCOPE" || fail "$SCOPE outlived the daemon"
systemctl is-active --quiet rlow.scope || fail "LOW did not survive"
