#!/bin/bash
# The VM is what the other cases assume: systemd as PID 1, cgroup v2 with the memory and cpu
# controllers, transient scopes in agent slices, and the zram module for swap.
# timeout: 120
set -euo pipefail
# shellcheck source-path=SCRIPTDIR/.. source=lib.sh
. /usr/lib/agentcgroup-tests/lib.sh

assert_eq systemd "$(cat /proc/1/comm)" "PID 1"
assert_eq cgroup2 "$(findmnt -n -o FSTYPE /sys/fs/cgroup)" "file system at /sys/fs/cgroup"
controllers=" $(cat /sys/fs/cgroup/cgroup.controllers) "
log "cgroup controllers:$controllers"
assert_contains "$controllers" " memory " "root cgroup controllers"
assert_contains "$controllers" " cpu " "root cgroup controllers"

systemd-run --quiet --scope --slice=agent-x.slice -u probe true || fail "systemd-run --scope failed"

# A scope that lives long enough to be looked at.
systemd-run --quiet --scope --slice=agent-x.slice -u probe-sleep sleep 60 &
cleanup_add systemctl stop probe-sleep.scope
wait_for 30 systemctl -q is-active probe-sleep.scope || fail "probe-sleep.scope never became active"
assert_eq agent-x.slice "$(unit_prop probe-sleep.scope Slice)" "Slice of the scope"
cg=$(unit_prop probe-sleep.scope ControlGroup)
assert_eq /agent.slice/agent-x.slice/probe-sleep.scope "$cg" "ControlGroup of the scope"
[[ -d /sys/fs/cgroup$cg ]] || fail "no cgroup directory /sys/fs/cgroup$cg"
pid=$(head -n1 "/sys/fs/cgroup$cg/cgroup.procs")
assert_eq sleep "$(cat "/proc/$pid/comm")" "process in $cg"
log "scope ok: $cg"

modprobe zram || fail "modprobe zram failed"
cleanup_add modprobe -r zram
wait_for 5 test -b /dev/zram0 || fail "/dev/zram0 did not appear after modprobe zram"
log "zram ok"
