#!/bin/bash
# Units that exist before the daemon starts are adopted; units outside the managed slices are
# never touched.
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

systemctl stop agentcgroupd.service 2>/dev/null || true
scope_start early1 agent-pre.slice sleep 600
scope_start runtime-pre agent-pre.slice sleep 600
scope_start outside1 other.slice sleep 600
scope_start outside2 system.slice sleep 600
assert_eq infinity "$(unit_prop early1.scope MemoryHigh)" "before the daemon"

daemon_start
# READY=1 comes after the units found at start-up were looked at, so no waiting is needed
# beyond the apply round trip.
wait_prop early1.scope MemoryHigh 2147483648 5
wait_prop runtime-pre.scope CPUWeight 1000 5
wait_prop agent-pre.slice TasksMax 4096 5

# Outside: other.slice and system.slice, and agent.slice itself (the managed root).
for u in outside1.scope outside2.scope other.slice; do
    assert_prop_stays "$u" MemoryHigh infinity 1
    assert_eq "[not set]" "$(unit_prop "$u" CPUWeight)" "$u CPUWeight"
done
assert_eq "[not set]" "$(unit_prop agent.slice CPUWeight)" "agent.slice is not given a profile"
journal_since | grep -E 'outside|other\.slice' && fail "the daemon logged about unmanaged units"

# A restart adopts again without changing anything ("already in place").
systemctl restart agentcgroupd.service
wait_prop early1.scope MemoryHigh 2147483648 5
assert_daemon_healthy
