#!/bin/bash
# The demo: agent sessions started the way agent runtimes start them, profiles applied by
# agentcgroupd, a noisy tool call throttled by its profile, then squeezed, frozen and thawed by
# the daemon while an interactive session bursts, status.
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
# MemoryHeadroom=0: by default an interactive unit keeps a quarter of its domain free, and the
# daemon would move the noisy tool call out to swap before the burst even stalls; the demo
# shows the ladder that follows a stall.
dropin_write 50-demo.conf $'[Profile:background]\nMemoryHigh=150M\nMemoryMax=400M\n[Profile:interactive]\nMemoryHeadroom=0'
cat "$DROPIN_DIR/50-demo.conf"

step "Start agentcgroupd (Type=notify: systemctl returns once existing units are adopted)"
demo_t0=$(date +%s)
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

step "An interactive session bursts: agentcgroupd squeezes, freezes and thaws the noisy tool call"
zram_swap_on 1G
used=$(( $(cat /sys/fs/cgroup/agent.slice/memory.current) / 1048576 ))
budget=$(( used + 350 ))
echo "\$ systemctl set-property --runtime agent.slice MemoryMax=${budget}M   # ${used}M in use now; zram swap 1G"
systemctl set-property --runtime agent.slice MemoryMax="${budget}M"
cleanup_add "systemctl set-property --runtime agent.slice MemoryMax=infinity"
echo "\$ systemd-run --scope --slice=agent-alice.slice -u runtime-burst <allocate 450M in 2 s, hold 5 s>"
systemd-run --quiet --scope --slice=agent-alice.slice -u runtime-burst bash -c "$(declare -f memhog); memhog 25 450 0.05 5" &
burst_pid=$!
cleanup_add "systemctl stop runtime-burst.scope 2>/dev/null || true"
last="" end=$(( SECONDS + 90 ))
while (( SECONDS < end )); do
    now="state=$(agentcgroupctl show noisy.scope -p State --value 2>/dev/null) FreezerState=$(unit_prop noisy.scope FreezerState) MemoryHigh=$(human "$(unit_prop noisy.scope MemoryHigh)")"
    [[ $now != "$last" ]] && log "noisy.scope: $now"
    last=$now
    if ! kill -0 "$burst_pid" 2>/dev/null && [[ $now == *"state=running"* || $now == *"state=throttled FreezerState=running"* ]]; then
        break
    fi
    sleep 0.2
done
wait "$burst_pid" && echo "runtime-burst.scope finished its burst (exit 0)"
echo
echo "\$ agentcgroupctl events noisy.scope   # the daemon's memory actions and why"
agentcgroupctl events --no-pager --since="@$demo_t0" noisy.scope | grep -v profile-applied | head -n 12
echo
echo "\$ journalctl MESSAGE_ID=abe16c0aebee407493ec91e542b3452f   # every freeze (one MESSAGE_ID per kind of action)"
journal_since MESSAGE_ID=abe16c0aebee407493ec91e542b3452f | head -n 4
echo
echo "\$ agentcgroupctl show noisy.scope -p State,LastAction,ThrottleCount,FreezeCount,ThawCount,FrozenUSec"
agentcgroupctl show noisy.scope -p State,LastAction,ThrottleCount,FreezeCount,ThawCount,FrozenUSec

step "Status"
systemctl status agentcgroupd.service --no-pager -n 0 | sed -n '1,6p'
echo
echo "\$ agentcgroupctl list"
agentcgroupctl list --no-pager
echo
systemd-cgls --no-pager --xattr=no -u agent.slice | sed 's/^/  /' | head -n 30
echo
echo "\$ journalctl -u agentcgroupd (profile decisions)"
journal_since MESSAGE_ID=a077f611f99e4204b90a0f254f483a16 | head -n 12
