#!/bin/bash
# Load (issue 6): scopes created and removed at 100/s for 60 s (scope-churn) as session tool
# calls, agent runtimes, batch tool calls and runtime-like names outside agent.slice. Every
# created managed scope gets the profile its rule names, no unmanaged one is touched, the
# daemon's open fds come back to the same count and its memory stays bounded, and the sched_ext
# scheduler (where the kernel has it) is never ejected. The rate is a benchmark figure, not a
# pass/fail criterion: PID 1 under TCG may not reach it, so when it falls short, PID 1's own rate
# without the daemon is measured too.
# Quicker runs: LOAD_RATE, LOAD_DURATION, LOAD_LIFETIME, LOAD_WARMUP, LOAD_BASE_DURATION,
# LOAD_WINDOW (env of the case, e.g. AGENTCGROUP_VM_APPEND='systemd.setenv=LOAD_DURATION=10');
# LOAD_BASELINE=always, never or auto (below 90% of the rate asked for).
# timeout: 1200
set -euo pipefail
# shellcheck source-path=SCRIPTDIR/.. source=lib.sh
. /usr/lib/agentcgroup-tests/lib.sh
# shellcheck source-path=SCRIPTDIR/.. source=lib-agentcgroup.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

GEN=/usr/lib/agentcgroup-tests/bin/scope-churn
RATE=${LOAD_RATE:-100}
DURATION=${LOAD_DURATION:-60}
LIFETIME=${LOAD_LIFETIME:-5}
WARMUP=${LOAD_WARMUP:-10}
BASE_DURATION=${LOAD_BASE_DURATION:-15}
BASELINE=${LOAD_BASELINE:-auto}
WINDOW=${LOAD_WINDOW:-8}
SESSIONS=4
# How far RSS may end above where it started the load: see the RSS check.
RSS_SLACK_KIB=${LOAD_RSS_SLACK_KIB:-1024}
MESSAGE_ID_PROFILE_APPLIED=a077f611f99e4204b90a0f254f483a16
MESSAGE_ID_CONFIG_LOADED=2f7e188466d54d9a9b94e77129de5a5d

[[ -x $GEN ]] || fail "$GEN missing (build with -Dinstall_tests=true)"
out=$PWD

# ---- helpers ----
daemon_pid() { unit_prop agentcgroupd.service MainPID; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
hwm_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }
nfds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l; }
fd_targets() {   # PID: what each fd is, without the fd numbers (which change on reuse), sorted
    local f
    for f in /proc/"$1"/fd/*; do readlink "$f" || echo "?"; done | sed 's/[0-9]\+\]$/N]/' | LC_ALL=C sort
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }   # utime + stime
managed_units() { busctl get-property "${mgr[@]}" ManagedUnits | awk '{ print $2 }'; }
applied_counter() {   # the daemon's own count of profiles set through systemd since it started
    agentcgroupctl metrics | awk '/^agentcgroup_profile_applications_total\{result="applied"\}/ { print $2 }'
}
poll_until() {   # TIMEOUT_S CMD...: like wait_for, once a second (PID 1 is slow under TCG)
    local end=$((SECONDS + $1)); shift
    until "$@"; do ((SECONDS < end)) || return 1; sleep 1; done
}
managed_is() { [[ $(managed_units) == "$1" ]]; }
slices_of() {   # PREFIX: the slices scope-churn puts scopes in
    local k
    for ((k = 0; k < SESSIONS; k++)); do echo "agent-$1$k.slice"; done
    echo "agent-batch$1.slice" "$1free.slice"
}
stop_slices() {   # PREFIX
    # shellcheck disable=SC2046  # one name per word
    systemctl stop $(slices_of "$1") 2>/dev/null || true
}
# Settled: the daemon tracks only what it did before, and is idle (its CPU time does not move
# for 2 s; under TCG a busy daemon shows several ticks a second).
settle() {   # WHAT EXPECTED_MANAGED
    poll_until 300 managed_is "$2" || fail "after $1: the daemon still counts $(managed_units) managed units, expected $2"
    local a b i
    for ((i = 0; i < 30; i++)); do
        a=$(cpu_ticks "$pid"); sleep 2; b=$(cpu_ticks "$pid")
        ((b - a <= 1)) && return 0
    done
    log "after $1: the daemon is still busy (CPU $((b - a)) ticks in 2 s); sampling anyway"
}
# churn PREFIX DURATION: scope-churn at the rate; its summary in PREFIX.json, every scope in
# PREFIX.tsv, its progress in PREFIX.progress.
churn() {
    local rc=0
    cleanup_add "stop_slices $1"
    "$GEN" --prefix "$1" --rate "$RATE" --duration "$2" --lifetime "$LIFETIME" --sessions "$SESSIONS" \
        --window "$WINDOW" --record "$out/$1.tsv" --progress >"$out/$1.json" 2>"$out/$1.progress" || rc=$?
    awk 'NR % 10 == 0' "$out/$1.progress" | sed 's/^/    /'   # the trend, every 10 s
    # 3: some scopes failed or stayed; the checks below say what that means. 1, 2: it did not run.
    if ((rc != 0 && rc != 3)); then
        tail -n 5 "$out/$1.progress"
        fail "scope-churn --prefix $1 exited with $rc"
    fi
    jq -e . "$out/$1.json" >/dev/null || fail "scope-churn --prefix $1 printed no JSON summary"
}
summary() { jq -r "$2" "$out/$1.json"; }   # PREFIX JQ-FILTER
percentiles() {   # FILE: "p50 X p90 Y max Z" of the numbers in FILE
    sort -n "$1" | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "none"; exit }
        i50 = int((NR + 1) / 2); i90 = int(NR * 0.9); if (i90 < 1) i90 = 1
        printf "p50 %d p90 %d max %d", v[i50], v[i90], v[NR] }'
}

# ---- the daemon, and a scope that stays throughout ----
daemon_start
pid=$(daemon_pid)
inv=$(unit_prop agentcgroupd.service InvocationID)
# The anchor keeps a managed scope (and the agent.slice domain watch it brings) across the
# samples, so that before and after compare the same set of watched cgroups.
scope_start ld-anchor agent-ldanchor.slice sleep 3600
wait_prop ld-anchor.scope MemoryHigh 2147483648 60
cleanup_add "systemctl stop agent-ldanchor.slice 2>/dev/null || true"
base_managed=$(managed_units)
t_start=$(date +%s)
rss_init=$(rss_kib "$pid") fds_init=$(nfds "$pid")

# ---- warm-up: the same churn, briefly, so that the heap and the bus buffers have grown to the
# working set before the first sample; what grows after that grows with the units ----
log "warm-up: ${WARMUP}s at ${RATE}/s"
churn ldw "$WARMUP"
stop_slices ldw
settle warm-up "$base_managed"

rss0=$(rss_kib "$pid") hwm0=$(hwm_kib "$pid") fds0=$(nfds "$pid") cpu0=$(cpu_ticks "$pid") pid1cpu0=$(cpu_ticks 1)
fd_targets "$pid" > "$out/fds.before"
applied0=$(applied_counter)
log "before: daemon RSS ${rss0} KiB (peak ${hwm0}; ${rss_init} before the warm-up), ${fds0} fds (${fds_init} before the warm-up), ${base_managed} managed units"

# ---- the load ----
log "load: ${DURATION}s at ${RATE}/s, lifetime ${LIFETIME}s"
t0=$SECONDS
churn ld "$DURATION"
log "scope-churn finished after $((SECONDS - t0))s: $(summary ld '"\(.created) created, \(.failed) failed \(.failures), \(.not_sent) not sent, \(.removed) removed"')"
stop_slices ld
settle load "$base_managed"
rss1=$(rss_kib "$pid") hwm1=$(hwm_kib "$pid") fds1=$(nfds "$pid") cpu1=$(cpu_ticks "$pid") pid1cpu1=$(cpu_ticks 1)
fd_targets "$pid" > "$out/fds.after"
applied1=$(applied_counter)
assert_daemon_healthy
assert_eq "$pid" "$(daemon_pid)" "daemon PID (no restart under load)"
# The sched_ext scheduler (Scheduler=auto: full) ran through the churn without an ejection.
if [[ -e /sys/kernel/sched_ext/state ]]; then
    assert_eq enabled "$(cat /sys/kernel/sched_ext/state)" "sched_ext state after $(summary ld .created) scopes"
    assert_eq '"enabled"' "$(busctl get-property "${mgr[@]}" SchedulerState | awk '{print $2}')" "SchedulerState after the churn"
    assert_eq 0 "$(busctl get-property "${mgr[@]}" SchedulerRestarts | awk '{print $2}')" "scheduler restarts during the churn"
fi

# ---- what the daemon says it did, from its journal ----
journalctl --flush 2>/dev/null || true
# Complete? The journal still holds this daemon's first message (nothing rotated away) and
# journald suppressed nothing of it.
[[ -n $(journalctl -q -o cat _SYSTEMD_INVOCATION_ID="$inv" MESSAGE_ID=$MESSAGE_ID_CONFIG_LOADED) ]] ||
    fail "the journal lost the daemon's first messages (rotated): cannot check what it did"
suppressed=$(journalctl -q -o cat _TRANSPORT=driver --since "@$t_start" | grep -i 'suppressed.*agentcgroupd' || true)
[[ -z $suppressed ]] || fail "journald dropped daemon messages: $suppressed"
# Every profile application, as "UNIT<tab>PROFILE<tab>MESSAGE<tab>TIME": MESSAGE tells "applied"
# from "already in place", TIME is when journald got it (us).
journalctl -q -o json --output-fields=AGENTCGROUP_UNIT,AGENTCGROUP_PROFILE,MESSAGE \
        _SYSTEMD_INVOCATION_ID="$inv" MESSAGE_ID=$MESSAGE_ID_PROFILE_APPLIED |
    jq -r '[.AGENTCGROUP_UNIT, .AGENTCGROUP_PROFILE, .MESSAGE, .__REALTIME_TIMESTAMP] | @tsv' > "$out/applied.tsv"
# The journal agrees with the daemon's counter: no application went unlogged.
n_logged=$(awk -F'\t' '$3 ~ /: Profile [^ ]+ applied \(/' "$out/applied.tsv" | wc -l)
assert_eq "$applied1" "$n_logged" "profiles applied: the daemon's counter vs its journal entries"
# Anything the daemon logged about an unmanaged scope of ours is wrong: it must not touch them.
journalctl -q -o json --output-fields=AGENTCGROUP_UNIT,MESSAGE _SYSTEMD_INVOCATION_ID="$inv" |
    jq -r 'select(.AGENTCGROUP_UNIT != null) | [.AGENTCGROUP_UNIT, .MESSAGE] | @tsv' > "$out/unit-messages.tsv"

# Expected profiles by kind (conf.d/: 20-interactive.conf for runtime-*.scope, 40-background.conf
# for scopes below agent-batch*.slice, DefaultProfile=tool-burst for the rest; session slices
# get the session profile of 10-session.conf, batch session slices its batch-session profile).
# check_run PREFIX: fails on any missed, mis-classified or touched unit; writes PREFIX.latency,
# the milliseconds from each managed scope's start to its profile, one a line.
check_run() {
    local p=$1 res
    res=$(awk -F'\t' -v prefix="$p" -v sessions="$SESSIONS" -v lat="$out/$p.latency" '
        BEGIN { want["tool"] = "tool-burst"; want["runtime"] = "interactive"; want["batch"] = "background"
                printf "" > lat }
        FILENAME == ARGV[1] {   # applied.tsv: UNIT PROFILE MESSAGE TIME
            if (!($1 in prof)) { prof[$1] = $2; first[$1] = $4 }
            else if (prof[$1] != $2) prof[$1] = prof[$1] "," $2
            next
        }
        FILENAME == ARGV[2] {   # unit-messages.tsv: UNIT MESSAGE
            said[$1] = $2
            next
        }
        # PREFIX.tsv: NAME SLICE KIND OUTCOME REMOVED CREATED
        $4 != "created" { next }
        {
            created[$3]++
            if ($3 == "free") {
                if ($1 in said) { touched++; if (ex_t == "") ex_t = $1 ": " said[$1] }
                next
            }
            if (!($1 in prof)) { missed[$3]++; nmissed++; if (ex_m == "") ex_m = $1; next }
            if (prof[$1] != want[$3]) { wrong++; if (ex_w == "") ex_w = $1 " got " prof[$1] ", expected " want[$3] }
            else ok[want[$3]]++
            d = (first[$1] - $6) / 1000
            printf "%d\n", (d < 0 ? 0 : d) > lat
        }
        END {
            for (k = 0; k < sessions; k++) {
                s = "agent-" prefix k ".slice"
                if (prof[s] == "session") ok["session"]++; else { wrong++; if (ex_w == "") ex_w = s " got \"" prof[s] "\", expected session" }
            }
            s = "agent-batch" prefix ".slice"
            if (prof[s] == "batch-session") ok["session"]++; else { wrong++; if (ex_w == "") ex_w = s " got \"" prof[s] "\", expected batch-session" }
            s = prefix "free.slice"
            if (s in prof || s in said) { touched++; if (ex_t == "") ex_t = s " (unmanaged slice)" }
            printf "created tool=%d runtime=%d batch=%d free=%d\n", created["tool"], created["runtime"], created["batch"], created["free"]
            printf "profiles tool-burst=%d interactive=%d background=%d session=%d\n", ok["tool-burst"], ok["interactive"], ok["background"], ok["session"]
            printf "missed %d tool=%d runtime=%d batch=%d e.g. %s\n", nmissed, missed["tool"], missed["runtime"], missed["batch"], ex_m
            printf "wrong %d e.g. %s\n", wrong, ex_w
            printf "touched %d e.g. %s\n", touched, ex_t
        }' "$out/applied.tsv" "$out/unit-messages.tsv" "$out/$p.tsv")
    printf '%s\n' "$res" | sed "s/^/$p: /"
    [[ $res == *"missed 0 "* ]] || fail "$p: created managed scopes the daemon never gave a profile: $(grep '^missed' <<<"$res")"
    [[ $res == *"wrong 0 "* ]] || fail "$p: units with the wrong profile: $(grep '^wrong' <<<"$res")"
    [[ $res == *"touched 0 "* ]] || fail "$p: the daemon acted on unmanaged units: $(grep '^touched' <<<"$res")"
}
check_run ldw
check_run ld
warnings=$(journalctl -q -o cat -p warning _SYSTEMD_INVOCATION_ID="$inv" --since "@$t_start")
[[ -z $warnings ]] || fail "the daemon logged warnings under load: $(head -n 5 <<<"$warnings")"

# ---- resources: fds exactly back, memory bounded ----
tck=$(getconf CLK_TCK)
created=$(summary ld .created)
log "load: asked ${RATE}/s for ${DURATION}s ($(summary ld .requested) scopes); created $created," \
    "held $(summary ld .achieved_rate)/s (per-second min $(summary ld .per_second_min), max $(summary ld .per_second_max))," \
    "start p50 $(summary ld .start_ms.p50) ms p99 $(summary ld .start_ms.p99) ms;" \
    "scope started to its profile in the journal (ms): $(percentiles "$out/ld.latency")"
log "daemon: RSS ${rss0} -> ${rss1} KiB ($(( created > 0 ? (rss1 - rss0) * 1024 / created : 0 )) bytes per scope;" \
    "peak ${hwm0} -> ${hwm1} KiB), fds ${fds0} -> ${fds1}," \
    "CPU $(( (cpu1 - cpu0) * 1000 / tck )) ms for the load ($(( created > 0 ? (cpu1 - cpu0) * 1000000 / tck / created : 0 )) us per scope)," \
    "profiles applied $((applied1 - applied0)); PID 1 CPU $(( created > 0 ? (pid1cpu1 - pid1cpu0) * 1000000 / tck / created : 0 )) us per scope"
if ((fds1 != fds0)); then
    diff "$out/fds.before" "$out/fds.after" | sed 's/^/fds: /' || true
    fail "the daemon holds $fds1 fds after the load, $fds0 before"
fi
# The warm-up grew the heap to the churn's working set (RSS peaks near 16 MiB while replies queue
# up, and falls back to ~5 MiB): after the same churn again, with every unit gone, RSS is within
# RSS_SLACK_KIB of where the load started. Slack, because glibc keeps some freed memory and which
# pages a run touches varies (the warm-up itself left ~0.2-0.6 MiB). A leak grows with the units:
# the ~500 scopes TCG manages in 60 s catch one of 2 KiB per unit, the 6000 of 100/s one of
# 170 bytes. The fd count and the managed units back at the baseline catch leaked records.
if ((rss1 > rss0 + RSS_SLACK_KIB)); then
    fail "daemon RSS grew by $((rss1 - rss0)) KiB over $created units ($(( (rss1 - rss0) * 1024 / (created > 0 ? created : 1) )) bytes per unit), bound ${RSS_SLACK_KIB} KiB"
fi

# ---- whose limit is the rate? PID 1's alone, without the daemon ----
rate_ok=$(jq -r --argjson r "$RATE" 'if .achieved_rate >= 0.9 * $r then 1 else 0 end' "$out/ld.json")
if [[ $BASELINE == always || ($BASELINE == auto && $rate_ok == 0) ]]; then
    systemctl stop agentcgroupd.service
    log "baseline: daemon stopped; ${BASE_DURATION}s at ${RATE}/s"
    b0=$(cpu_ticks 1)
    churn ldb "$BASE_DURATION"
    b1=$(cpu_ticks 1)
    stop_slices ldb
    log "baseline: PID 1 alone held $(summary ldb .achieved_rate)/s (per-second min $(summary ldb .per_second_min)," \
        "start p50 $(summary ldb .start_ms.p50) ms p99 $(summary ldb .start_ms.p99) ms, PID 1 CPU" \
        "$(( (b1 - b0) * 1000000 / tck / $(summary ldb '[.created, 1] | max') )) us per scope)," \
        "with the daemon $(summary ld .achieved_rate)/s"
    # The daemon back as it was before the baseline, and healthy (the exit stops it, as always).
    systemctl start agentcgroupd.service || fail "agentcgroupd did not start again after the baseline"
    assert_daemon_healthy
fi
