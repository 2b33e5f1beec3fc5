#!/bin/bash
# A D-Bus flood from an unprivileged user: 8 connections with 50 calls in flight each, a mix of
# read calls, mutating calls, malformed and 64 KiB arguments, for 60 s. Every mutating call is
# refused; root's calls, read and mutating, are still served during the flood; the daemon does
# not restart, its memory stays bounded and it holds no more fds afterwards than before.
# timeout: 400
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

bin=/usr/lib/agentcgroup-tests/bin
admin_users_setup
daemon_start
scope_start runtime-flood agent-floodroot.slice
wait_prop runtime-flood.scope CPUWeight 1000 30

pid=$(unit_prop agentcgroupd.service MainPID)
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status"; }
fds() { ls "/proc/$pid/fd" | wc -l; }
# The first calls allocate what the daemon keeps for good (sd-bus's caches, the metrics text):
# warm it up, so that "before" is the steady state.
for _ in 1 2 3; do busctl call "${mgr[@]}" GetMetrics >/dev/null; busctl call "${mgr[@]}" ListUnitStates >/dev/null; done
rss0=$(rss_kib) fd0=$(fds)
log "before: RSS ${rss0} KiB, ${fd0} fds"

journal_mark
run_as plain "$bin/dbus-flood" --connections 8 --window 50 --duration 60 --unit runtime-flood.scope > flood.json 2> flood.err &
flood=$!
cleanup_add "kill $flood 2>/dev/null || true"
sleep 3

# Root during the flood: a read call every second, timed, and one mutating call.
lat=() rss_max=$rss0 failed=0 during=0
for i in $(seq 1 20); do
    t0=$(date +%s%N)
    if ! busctl --timeout=25 call "${mgr[@]}" GetMetrics >/dev/null 2>root.err; then
        failed=$((failed + 1)); log "root call $i failed: $(cat root.err)"
    fi
    lat+=($(( ($(date +%s%N) - t0) / 1000000 )))
    kill -0 "$flood" 2>/dev/null && during=$((during + 1))
    r=$(rss_kib); (( r > rss_max )) && rss_max=$r
    ((i == 10)) && { busctl --timeout=25 call "${mgr[@]}" SetUnitProfile ss runtime-flood.scope background ||
                         fail "root's SetUnitProfile failed during the flood"; }
    sleep 0.5
done
(( during >= 10 )) || fail "only $during of root's calls ended while the flood ran"
wait "$flood" || fail "dbus-flood failed: $(cat flood.err)"
cat flood.json

sorted=$(printf '%s\n' "${lat[@]}" | sort -n)
log "root's GetMetrics during the flood: p50 $(sed -n 10p <<<"$sorted") ms, max $(tail -n1 <<<"$sorted") ms, $failed failed of 20, $during of them during the flood"
log "daemon RSS during the flood: max ${rss_max} KiB"
((failed == 0)) || fail "$failed of root's calls failed during the flood"
assert_eq 20 "$(unit_prop runtime-flood.scope CPUWeight)" "CPUWeight after root's SetUnitProfile background"

# The flood reached the daemon and was refused what it must not do.
sent=$(jq .sent flood.json) replies=$(jq .replies flood.json)
denied=$(jq '.error_names["org.freedesktop.DBus.Error.AccessDenied"] // 0' flood.json)
invalid=$(jq '.error_names["org.freedesktop.DBus.Error.InvalidArgs"] // 0' flood.json)
log "flood: $sent calls at $(jq .calls_per_second flood.json)/s, $replies answered, $denied denied, $invalid invalid arguments"
(( sent > 1000 )) || fail "the flood sent only $sent calls"
(( replies > 0 )) || fail "no read call of the flood was answered"
(( denied > 0 )) || fail "no mutating call was denied"
# Of 13 kinds of call, 6 mutate (FreezeUnit, KillUnit and SetUnitProfile of runtime-flood.scope,
# Reload, StartSession floodsess, StartToolCall): none may have gone through.
systemctl is-active --quiet runtime-flood.scope || fail "the flood's KillUnit went through"
assert_eq running "$(unit_prop runtime-flood.scope FreezerState)" "FreezerState of the flood's target"
systemctl list-units --all --no-legend 'agent-floodsess*' | grep -q . && fail "the flood started a session"
journal_since | grep -E 'Reloading configuration|floodsess|(Froze|Killed).*runtime-flood' &&
    fail "the daemon acted on a call of the flood"
assert_eq "" "$(jq -r '.error_names["no-reply-at-end"] // empty' flood.json)" "calls left unanswered at the end"

# Afterwards: same process, no restart, memory and fds back to bounds.
sleep 2
assert_eq "$pid" "$(unit_prop agentcgroupd.service MainPID)" "the daemon's PID"
assert_daemon_healthy
rss1=$(rss_kib) fd1=$(fds)
log "after: RSS ${rss1} KiB (+$((rss1 - rss0)) KiB), ${fd1} fds"
assert_eq "$fd0" "$fd1" "the daemon's fds after the flood"
# sd-bus reads one message at a time and answers it before the next, so what a flood can pin is
# the messages queued on the socket (the bus's limits) and malloc's retained free memory: 16 MiB.
(( rss_max - rss0 < 16384 )) || fail "RSS grew by $((rss_max - rss0)) KiB during the flood"
(( rss1 - rss0 < 16384 )) || fail "RSS stayed $((rss1 - rss0)) KiB above its level before the flood"
