#!/bin/bash
# 200 scopes started in a burst are all classified; none is missed.
# timeout: 900
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

N=200
daemon_start
cleanup_add "systemctl stop agent-burst.slice 2>/dev/null || true"
for i in $(seq 1 $N); do
    systemd-run --quiet --scope --slice=agent-burst.slice -u "burst$i" sleep 900 >/dev/null 2>&1 &
done

# Poll gently: under TCG each ListUnits costs PID1 tens of milliseconds.
running() { systemctl list-units --no-legend --plain --state=active 'burst*.scope' | wc -l; }
poll_until() {   # TIMEOUT_S CMD...: like wait_for, once a second
    local end=$((SECONDS + $1)); shift
    until "$@"; do ((SECONDS < end)) || return 1; sleep 1; done
}
all_running() { (( $(running) == N )); }
poll_until 600 all_running || fail "only $(systemctl list-units --no-legend --plain --state=active 'burst*.scope' | wc -l) of $N scopes started"

count_applied() {
    local n=0 u
    for u in $(systemctl list-units --no-legend --plain --state=active 'burst*.scope' | awk '{print $1}'); do
        [[ $(unit_prop "$u" MemoryHigh) == 2147483648 ]] && n=$((n + 1))
    done
    echo $n
}
all_applied() { (( $(count_applied) == N )); }
poll_until 300 all_applied || fail "$(count_applied) of $N scopes got their profile"

# And every cgroup agrees.
bad=0
for d in /sys/fs/cgroup/agent.slice/agent-burst.slice/burst*.scope; do
    [[ $(cat "$d/memory.high") == 2147483648 ]] || bad=$((bad + 1))
done
assert_eq 0 "$bad" "cgroups with another memory.high"
applied=$(journal_since MESSAGE_ID=a077f611f99e4204b90a0f254f483a16 | grep -c '^Profile tool-burst applied' || true)
log "journal: $applied tool-burst applies"
(( applied >= N )) || fail "journal has $applied applies for $N scopes"
assert_daemon_healthy
log "daemon: $(ps -o rss=,time= -p "$(unit_prop agentcgroupd.service MainPID)") (RSS KiB, CPU time)"
