#!/bin/bash
# The demo: agent sessions started the way agent runtimes start them, profiles applied by
# agentcgroupd, a noisy tool call throttled by its profile and frozen through systemd, status.
# timeout: 600
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
human() { [[ $1 =~ ^[0-9]+$ ]] && numfmt --to=iec "$1" || echo "$1"; }
show_units() {
    printf '%-22s %-12s %-10s %-10s %-10s %-10s %-8s\n' UNIT PROFILE CPUWeight MemoryLow MemoryHigh MemoryMax TasksMax
    local u p
    for u in "$@"; do
        p=$(journalctl -q -o json MESSAGE_ID=a077f611f99e4204b90a0f254f483a16 AGENTCGROUP_UNIT="$u" |
            jq -r .AGENTCGROUP_PROFILE | tail -n1)
        printf '%-22s %-12s %-10s %-10s %-10s %-10s %-8s\n' "$u" "${p:--}" \
            "$(unit_prop "$u" CPUWeight)" "$(human "$(unit_prop "$u" MemoryLow)")" \
            "$(human "$(unit_prop "$u" MemoryHigh)")" "$(human "$(unit_prop "$u" MemoryMax)")" \
            "$(unit_prop "$u" TasksMax)"
    done
}

step "A site drop-in: batch sessions get a tight memory budget"
dropin_write 50-demo.conf $'[Profile:background]\nMemoryHigh=150M\nMemoryMax=400M'
cat "$DROPIN_DIR/50-demo.conf"

step "Start agentcgroupd (Type=notify: systemctl returns once existing units are adopted)"
daemon_start
systemctl status agentcgroupd.service --no-pager -n 0 | sed -n '1,6p'

step "An interactive session and a batch session, as agent runtimes start them"
for pair in agent-alice.slice:runtime-alice agent-alice.slice:pytest-1 agent-alice.slice:pip-install-2 \
            agent-batch7.slice:runtime-batch7; do
    echo "\$ systemd-run --scope --slice=${pair%%:*} -u ${pair#*:} sleep 600"
    scope_start "${pair#*:}" "${pair%%:*}" sleep 600
done
wait_prop runtime-alice.scope CPUWeight 1000
wait_prop pytest-1.scope MemoryHigh 2147483648
wait_prop runtime-batch7.scope CPUWeight 1000   # an agent runtime stays interactive, even in a batch session
show_units agent-alice.slice runtime-alice.scope pytest-1.scope pip-install-2.scope agent-batch7.slice runtime-batch7.scope

step "A noisy tool call in the batch session: stress-ng wants 300M, its profile allows 150M"
scope_start noisy agent-batch7.slice stress-ng --vm 1 --vm-bytes 300M --vm-keep --timeout 600 --quiet
wait_prop noisy.scope MemoryHigh 157286400
sleep 5
echo "memory.current: $(( $(cgroup_read noisy.scope memory.current) / 1048576 ))M (memory.high 150M)"
echo "memory.events:  $(cgroup_read noisy.scope memory.events | tr '\n' ' ')"
echo "memory.pressure: $(cgroup_read noisy.scope memory.pressure | head -n1)"
h1=$(cgroup_read noisy.scope memory.events | awk '$1=="high"{print $2}')
sleep 3
h2=$(cgroup_read noisy.scope memory.events | awk '$1=="high"{print $2}')
echo "throttled: memory.high events went from $h1 to $h2 in 3 s"

step "Freeze the noisy session through systemd (automatic freezing comes with memory enforcement)"
echo "\$ systemctl freeze agent-batch7.slice"
systemctl freeze agent-batch7.slice
echo "FreezerState=$(unit_prop agent-batch7.slice FreezerState) cgroup.freeze=$(cgroup_read agent-batch7.slice cgroup.freeze)"
u1=$(awk '/^usage_usec/{print $2}' "/sys/fs/cgroup$(unit_prop noisy.scope ControlGroup)/cpu.stat")
sleep 2
u2=$(awk '/^usage_usec/{print $2}' "/sys/fs/cgroup$(unit_prop noisy.scope ControlGroup)/cpu.stat")
echo "CPU used by the frozen tool call in 2 s: $(( (u2 - u1) / 1000 )) ms"
systemctl thaw agent-batch7.slice
echo "thawed: FreezerState=$(unit_prop agent-batch7.slice FreezerState)"

step "Status"
systemctl status agentcgroupd.service --no-pager -n 0 | sed -n '1,6p'
echo
systemd-cgls --no-pager --xattr=no -u agent.slice | sed 's/^/  /' | head -n 30
echo
echo "\$ journalctl -u agentcgroupd (profile decisions)"
journal_since MESSAGE_ID=a077f611f99e4204b90a0f254f483a16 | head -n 12
