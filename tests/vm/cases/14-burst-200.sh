#!/bin/bash
# 200 scopes started in a burst are all classified; none is missed.
# timeout: 900
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

N=200
daemon_start
cleanup_add "systemctl stop agent-burst.slice 2>/dev/null || true"
# Waves of 10 concurrent systemd-run: under TCG, PID 1 answers a D-Bus call in 50-100 ms, and
# 200 at once make systemd-run itself time out ("Failed to request invocation ID") with or
# without the daemon. The daemon still sees 200 new units within a minute or two.
t0=$SECONDS
for ((i = 1; i <= N; i += 10)); do
    for ((j = i; j < i + 10 && j <= N; j++)); do
        systemd-run --quiet --scope --slice=agent-burst.slice -u "burst$j" sleep 900 >/dev/null 2>&1 &
    done
    wait_for 60 systemctl is-active --quiet "burst$((j - 1)).scope" || true
done
log "started $N scopes in $((SECONDS - t0)) s"

# Poll gently: under TCG each ListUnits costs PID1 tens of milliseconds.
running() { systemctl list-units --no-legend --plain --state=active 'burst*.scope' | wc -l; }
poll_until() {   # TIMEOUT_S CMD...: like wait_for, once a second
    local end=$((SECONDS + $1)); shift
    until "$@"; do ((SECONDS < end)) || return 1; sleep 1; done
}
all_running() { (( $(running) == N )); }
poll_until 600 all_running || fail "only $(systemctl list-units --no-legend --plain --state=active 'burst*.scope' | wc -l) of $N scopes started"

count_applied() {   # one systemctl call for all of them: PID 1 is slow under TCG
    systemctl show -p MemoryHigh --value 'burst*.scope' | grep -c '^2147483648$' || true
}
all_applied() { (( $(count_applied) == N )); }
poll_until 300 all_applied || fail "$(count_applied) of $N scopes got their profile"

# And every cgroup agrees.
bad=0 dirs=0
for d in /sys/fs/cgroup/agent.slice/agent-burst.slice/burst*.scope; do
    dirs=$((dirs + 1))
    [[ $(cat "$d/memory.high") == 2147483648 ]] || bad=$((bad + 1))
done
assert_eq "$N" "$dirs" "scope cgroups"
assert_eq 0 "$bad" "cgroups with another memory.high"
applied=$(journal_since MESSAGE_ID=a077f611f99e4204b90a0f254f483a16 | grep -c '^burst[0-9]*\.scope: Profile tool-burst applied' || true)
log "journal: $applied tool-burst applies"
(( applied >= N )) || fail "journal has $applied applies for $N scopes"
assert_daemon_healthy
log "daemon: $(ps -o rss=,time= -p "$(unit_prop agentcgroupd.service MainPID)") (RSS KiB, CPU time)"
