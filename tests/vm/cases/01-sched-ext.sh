#!/bin/bash
# The kernel can run sched_ext schedulers: the sched_ext sysfs interface and kernel BTF exist,
# and the image's libbpf can load struct_ops (>= 1.4).
# timeout: 60
set -euo pipefail
# shellcheck source-path=SCRIPTDIR/.. source=lib.sh
. /usr/lib/agentcgroup-tests/lib.sh

[[ -r /sys/kernel/btf/vmlinux ]] || fail "no /sys/kernel/btf/vmlinux (kernel without BTF)"
[[ -e /sys/kernel/sched_ext/state ]] || skip "kernel $(uname -r) has no sched_ext"
state=$(cat /sys/kernel/sched_ext/state)
log "sched_ext state: $state"
case $state in
    enabled|disabled|enabling|disabling) ;;
    *) fail "unexpected sched_ext state '$state'" ;;
esac
v=$(dpkg-query -W -f '${Version}' libbpf1)
dpkg --compare-versions "${v#*:}" ge 1.4 || fail "libbpf1 $v is older than 1.4"
log "libbpf1 $v"
