#!/bin/bash
# The daemon built with ASan and UBSan (agentcgroupd-asan from tools/build-install) in the
# service's sandbox, through a churn of what it does: scopes and slices coming and going,
# sessions and tool calls, run-time profile overrides, good and bad reloads (scheduler and mode
# changes too), metrics, a memory squeeze that throttles, freezes and thaws a unit, the
# read-only commands, and callers without the right refused. Then a clean stop: exit status 0
# (LeakSanitizer's check at exit passed) and no sanitizer report at all.
# timeout: 600
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

ASAN_BIN=/usr/lib/agentcgroup-tests/bin/agentcgroupd-asan
NORMAL_BIN=/usr/libexec/agentcgroup/agentcgroupd
REPORTS=/run/agentcgroup-asan
UNIT_DROPIN=/run/systemd/system/agentcgroupd.service.d/50-asan.conf
PROM=/var/lib/prometheus/node-exporter/agentcgroup.prom

[[ -x $ASAN_BIN ]] || fail "$ASAN_BIN missing (tools/build-install builds it)"

main_pid() { unit_prop agentcgroupd.service MainPID; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
mem_current_kib() { echo $(( $(unit_prop agentcgroupd.service MemoryCurrent) / 1024 )); }
mprop_is() { [[ $(busctl get-property "${mgr[@]}" "$1") == "$2" ]]; }   # PROPERTY "TYPE VALUE"
reports() { find "$REPORTS" -type f 2>/dev/null | sort; }
print_reports() {
    local f
    for f in $(reports); do
        echo "---- $f"
        head -n 200 "$f"
    done
}
is_asan_daemon() {   # PID: the process runs the instrumented binary, with our options
    [[ $(readlink "/proc/$1/exe") == "$ASAN_BIN" ]] && grep -qz '^ASAN_OPTIONS=.*detect_leaks=1' "/proc/$1/environ"
}

daemon_stop   # whatever an earlier case left

rm -rf "$REPORTS"
mkdir -m 0700 "$REPORTS"
cleanup_add "print_reports; rm -rf '$REPORTS'"
mkdir -p "${UNIT_DROPIN%/*}"
# Not a RuntimeDirectory= for the reports: the daemon takes $RUNTIME_DIRECTORY as its state
# directory, and a second entry would make that a list.
cat > "$UNIT_DROPIN" <<EOF
[Service]
ExecStart=
ExecStart=$ASAN_BIN
# Reports go to files this case reads. ASan and LeakSanitizer end the process with status 1;
# UBSan reports and goes on, so only its file tells.
Environment=ASAN_OPTIONS=log_path=$REPORTS/asan:detect_leaks=1:handle_abort=1:print_summary=1
Environment=UBSAN_OPTIONS=log_path=$REPORTS/ubsan:print_stacktrace=1
# ProtectSystem=strict leaves /run read-only.
ReadWritePaths=$REPORTS
# LeakSanitizer stops the threads from a helper task with ptrace() to scan their registers and
# stacks; @system-service lacks ptrace, and it would fail with EPERM and leave no leak check.
SystemCallFilter=ptrace
EOF
cleanup_add "rm -f '$UNIT_DROPIN'; systemctl daemon-reload"
systemctl daemon-reload

mkdir -p "${PROM%/*}"   # the unit may write there when it exists at start (ReadWritePaths=-)
cleanup_add "rm -rf /var/lib/prometheus"
zram_swap_on 1G
PINNED=$'[Profile:pinned]\nClass=background\nCPUWeight=321\nMemoryLow=64M\nMemoryHigh=768M\nTasksMax=321'
dropin_write 60-asan-pinned.conf "$PINNED"
dropin_write 50-asan.conf "
[Manager]
MetricsFile=$PROM
MetricsIntervalSec=1s
MetricsPerToolCall=yes
[Profile:asan-high]
Class=interactive
CPUWeight=1000
# No headroom: LOW is frozen when HIGH stalls, not squeezed out ahead of it (case 25).
MemoryHeadroom=0
[Profile:asan-low]
Class=background
CPUWeight=50
FreezeAfterSec=1s
Kill=no
[Match:asan-high]
Unit=asanhigh-*.scope
Profile=asan-high
[Match:asan-low]
Unit=asanlow-*.scope
Profile=asan-low"

# ---- the instrumented daemon in the service's sandbox ----
daemon_start
pid=$(main_pid)
is_asan_daemon "$pid" || fail "the daemon runs $(readlink "/proc/$pid/exe"), not $ASAN_BIN with ASAN_OPTIONS"
log "agentcgroupd-asan runs as PID $pid"

restarts=$(unit_prop agentcgroupd.service NRestarts)

sleep 2
rss0=$(rss_kib "$pid") mem0=$(mem_current_kib)
log "daemon before the churn: VmRSS ${rss0} KiB, MemoryCurrent ${mem0} KiB"
journal_mark
churned=0 toolcalls=0 denied=0 reloads=0

# ---- scopes and slices come and go ----
# Some exit before the daemon looks at them, some live a moment, some get the interactive or
# the background profile; one session slice is stopped under its scopes.
for r in 1 2 3 4; do
    pids=()
    for i in $(seq 1 20); do
        case $((i % 4)) in
            0) systemd-run --quiet --scope --slice="agent-asan$((i % 3)).slice" -u "asanf-$r-$i" true ;;
            1) systemd-run --quiet --scope --slice="agent-asan$((i % 3)).slice" -u "asans-$r-$i" sleep "0.$((i % 10))" ;;
            2) systemd-run --quiet --scope --slice="agent-asan$((i % 3)).slice" -u "runtime-asan-$r-$i" sleep 2 ;;
            3) systemd-run --quiet --scope --slice=agent-batchasan.slice -u "asanb-$r-$i" sleep 1 ;;
        esac >/dev/null 2>&1 &
        pids+=($!)
        churned=$((churned + 1))
    done
    if ((r == 2)); then
        sleep 0.5
        systemctl stop agent-asan0.slice 2>/dev/null
    fi
    wait "${pids[@]}"
done
cleanup_add "systemctl stop agent-asan0.slice agent-asan1.slice agent-asan2.slice agent-batchasan.slice 2>/dev/null || true"
scope_start asan-keep agent-asan1.slice
wait_prop asan-keep.scope MemoryHigh 2147483648 30
log "$churned scopes started and gone"

# ---- sessions and tool calls ----
systemctl stop agent-asant1.slice agent-asant2.slice agent-asant3.slice 2>/dev/null || true
cleanup_add "systemctl stop agent-asant1.slice agent-asant2.slice agent-asant3.slice 2>/dev/null || true"
for i in $(seq 1 20); do
    agentcgroupctl run -q --session asant1 -- true || fail "tool call $i failed"
    toolcalls=$((toolcalls + 1))
done
out=$(agentcgroupctl run --wait --session asant1 --profile background -- python3 -c 'b = b"x" * (50 << 20)' 2>&1 >/dev/null) ||
    fail "run --wait failed: $out"
toolcalls=$((toolcalls + 1))
log "run --wait: $out"
agentcgroupctl run -q --session asant2 --tool sleeper -- sleep 300 &
sleeper=$!
disown   # killed on purpose below: no job notice in the output
cleanup_add "kill $sleeper 2>/dev/null || true"
wait_for 20 sh -c 'systemctl list-units --no-legend "tool-sleeper-*.scope" | grep -q .' || fail "no tool-sleeper scope"
unit=$(systemctl list-units --no-legend --plain 'tool-sleeper-*.scope' | awk '{ print $1; exit }')
busctl call "${mgr[@]}" EndToolCall st "$unit" 0 || fail "EndToolCall failed"
wait_for 20 sh -c "! kill -0 $sleeper 2>/dev/null" || fail "the tool call outlived EndToolCall"
toolcalls=$((toolcalls + 1))
assert_eq 's "agent-asant3.slice"' "$(busctl call "${mgr[@]}" StartSession ss asant3 "")" "StartSession"
agentcgroupctl run -q --session asant3 -- sleep 300 &
polite=$!
disown
agentcgroupctl run -q --session asant3 -- sh -c 'trap "" TERM; while :; do sleep 0.2; done' &
stubborn=$!
disown
cleanup_add "kill -9 $polite $stubborn 2>/dev/null || true"
toolcalls=$((toolcalls + 2))
wait_for 20 sh -c '[ "$(systemctl list-units --no-legend "tool-*.scope" | grep -c .)" -ge 2 ]' || fail "the asant3 tool calls did not start"
busctl call "${mgr[@]}" EndSession st asant3 1000000 || fail "EndSession failed"
wait_for 30 sh -c '! systemctl -q is-active agent-asant3.slice' || fail "agent-asant3.slice outlived EndSession"
sleep 300 &
victim=$!   # for a refused StartToolCall: never this shell, should the refusal not come
cleanup_add "kill $victim 2>/dev/null || true"
for call in "StartToolCall string:asant1 string:t string: array:uint32:999999" \
            "StartToolCall string:asant1 string:t string:nosuch array:uint32:$victim" \
            "StartSession string:asant9 string:nosuch" "EndSession string:nosuch uint64:0" \
            "EndToolCall string:nope.scope uint64:0" "StartSession string:a/b string:"; do
    # shellcheck disable=SC2086  # the words are the method and its arguments
    out=$(dsend $call)
    assert_contains "$out" "Error org." "${call%% *} with bad arguments"
done
log "$toolcalls tool calls"

# ---- run-time profile overrides ----
scope_start runtime-asanov agent-asan1.slice
wait_prop runtime-asanov.scope CPUWeight 1000 30
agentcgroupctl set-profile runtime-asanov.scope pinned || fail "set-profile failed"
assert_eq 321 "$(unit_prop runtime-asanov.scope CPUWeight)" "CPUWeight of pinned"
dropin_write 60-asan-pinned.conf "${PINNED/CPUWeight=321/CPUWeight=333}"
agentcgroupctl reload >/dev/null || fail "reload failed"
reloads=$((reloads + 1))
wait_prop runtime-asanov.scope CPUWeight 333 30
agentcgroupctl clear-profile runtime-asanov.scope || fail "clear-profile failed"
assert_eq 1000 "$(unit_prop runtime-asanov.scope CPUWeight)" "CPUWeight after clear-profile"
busctl call "${mgr[@]}" SetUnitProfile ss runtime-asanov.scope pinned || fail "SetUnitProfile failed"
rm -f "$DROPIN_DIR/60-asan-pinned.conf"   # the override's profile goes: dropped, with a warning
agentcgroupctl reload >/dev/null || fail "reload without pinned failed"
reloads=$((reloads + 1))
wait_prop runtime-asanov.scope CPUWeight 1000 30
assert_contains "$(dsend SetUnitProfile string:runtime-asanov.scope string:nosuch)" "NoSuchProfile"
assert_contains "$(dsend ClearUnitProfile string:outside.scope)" "UnitNotManaged"

# ---- reloads: bad, good, the scheduler off and on again, monitor mode and back ----
dropin_write 90-asan-bad.conf $'[Profile:tool-burst]\nMemoryHigh=lots\n[Match:x]\nProfile=nosuch'
errs=$(busctl --json=short call "${mgr[@]}" Reload | jq -r '.data[0] | length')
((errs >= 1)) || fail "a bad drop-in reloaded without errors"
[[ $(busctl get-property "${mgr[@]}" ConfigErrors) != "u 0" ]] || fail "ConfigErrors is 0 after a bad reload"
rm -f "$DROPIN_DIR/90-asan-bad.conf"
systemctl reload agentcgroupd.service || fail "systemctl reload failed"
assert_eq "u 0" "$(busctl get-property "${mgr[@]}" ConfigErrors)" "ConfigErrors after a good reload"
sched0=$(busctl get-property "${mgr[@]}" SchedulerState)
dropin_write 91-asan-mode.conf $'[Manager]\nScheduler=off'
agentcgroupctl reload >/dev/null || fail "reload with Scheduler=off failed"
wait_for 30 mprop_is SchedulerState 's "off"' ||
    fail "SchedulerState with Scheduler=off: $(busctl get-property "${mgr[@]}" SchedulerState)"
dropin_write 91-asan-mode.conf $'[Manager]\nMode=monitor'
agentcgroupctl reload >/dev/null || fail "reload with Mode=monitor failed"
assert_eq monitor "$(agentcgroupctl status --json | jq -r .mode)" "mode after the reload"
scope_start asan-mon agent-asan2.slice
rm -f "$DROPIN_DIR/91-asan-mode.conf"
agentcgroupctl reload >/dev/null || fail "reload back to enforce failed"
wait_prop asan-mon.scope MemoryHigh 2147483648 30
reloads=$((reloads + 6))
log "scheduler before the reloads: $sched0, after: $(busctl get-property "${mgr[@]}" SchedulerState)"

# ---- operator actions on units ----
systemd-run --quiet --scope --slice=agent-asan2.slice -u asan-fz bash -c 'while :; do sleep 0.1; done' >/dev/null 2>&1 &
disown
cleanup_add "systemctl stop asan-fz.scope 2>/dev/null || true"
wait_for 20 systemctl is-active --quiet asan-fz.scope || fail "asan-fz.scope did not start"
wait_prop asan-fz.scope MemoryHigh 2147483648 30
agentcgroupctl freeze asan-fz.scope || fail "freeze failed"
assert_eq frozen "$(unit_prop asan-fz.scope FreezerState)"
busctl call "${mgr[@]}" ThawUnit s asan-fz.scope || fail "ThawUnit failed"
assert_eq running "$(unit_prop asan-fz.scope FreezerState)"
agentcgroupctl kill --signal=KILL asan-fz.scope || fail "kill failed"
wait_for 20 bash -c '[[ $(systemctl show -P ActiveState asan-fz.scope) != active ]]' || fail "asan-fz.scope survived SIGKILL"

# ---- callers without the right are refused; reading is open ----
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
for call in "Reload" "SetUnitProfile string:runtime-asanov.scope string:pinned" \
            "ClearUnitProfile string:runtime-asanov.scope" "FreezeUnit string:asan-keep.scope" \
            "ThawUnit string:asan-keep.scope" "KillUnit string:asan-keep.scope int32:9" \
            "StartSession string:asant1 string:" "StartToolCall string:asant1 string:t string: array:uint32:$victim" \
            "EndSession string:asant1 uint64:0" "EndToolCall string:asan-keep.scope uint64:0"; do
    # shellcheck disable=SC2086  # the words are the method and its arguments
    out=$(nobody dbus-send --system --print-reply --dest=org.agentcgroup1 /org/agentcgroup1 \
        org.agentcgroup1.Manager.$call 2>&1)
    assert_contains "$out" "Error org.freedesktop.DBus.Error.AccessDenied" "${call%% *} by nobody"
    denied=$((denied + 1))
done
rc=0; nobody agentcgroupctl reload >/dev/null 2>&1 || rc=$?
assert_eq 4 "$rc" "agentcgroupctl reload by nobody"
denied=$((denied + 1))
nobody busctl call "${mgr[@]}" ListUnits >/dev/null || fail "nobody cannot list units"
nobody busctl call "${mgr[@]}" GetMetrics >/dev/null || fail "nobody cannot get the metrics"
systemctl -q is-active asan-keep.scope || fail "a refused call stopped asan-keep.scope"

# ---- read-only commands, unit objects, metrics ----
agentcgroupctl status >/dev/null || fail "status failed"
agentcgroupctl status --json | jq -e .mode >/dev/null || fail "status --json"
frames=$(agentcgroupctl top --json -n 2 -d 0.5 | jq -s length) || fail "top --json failed"
assert_eq 2 "$frames" "top --json frames"
agentcgroupctl list --json | jq -e 'length > 0' >/dev/null || fail "list --json"
agentcgroupctl show runtime-asanov.scope >/dev/null || fail "show failed"
busctl --json=short call "${mgr[@]}" ListUnitStates >/dev/null || fail "ListUnitStates failed"
busctl call "${mgr[@]}" ListProfiles >/dev/null || fail "ListProfiles failed"
for u in $(busctl --json=short call "${mgr[@]}" ListUnits | jq -r '.data[0][][0]' | head -n 10); do
    path=$(busctl call "${mgr[@]}" GetUnit s "$u" | sed -n 's/^o "\(.*\)"$/\1/p')
    # A unit may be gone between the two calls; the daemon must survive either way.
    [[ -n $path ]] && busctl introspect org.agentcgroup1 "$path" >/dev/null 2>&1
done
metrics=$(agentcgroupctl metrics) || fail "agentcgroupctl metrics failed"
assert_contains "$metrics" "agentcgroup_unit_info"
wait_for 10 test -s "$PROM" || fail "no metrics file $PROM"

# ---- memory: LOW throttled, frozen while HIGH bursts, thawed after (case 25, shorter) ----
# Only the two in agent.slice: the interactive runtime's protection would change the squeeze.
systemctl stop runtime-asanov.scope asan-mon.scope asan-keep.scope 2>/dev/null   # (drop-ins changed: a warning)
systemctl set-property --runtime agent.slice MemoryMax=700M || fail "set MemoryMax on agent.slice"
cleanup_add "systemctl set-property --runtime agent.slice MemoryMax=infinity"
systemd-run --quiet --scope --slice=agent-asanlow.slice -u asanlow-grow bash -c \
    "$(declare -f memhog); memhog 8 450 0.1 1" &
low_pid=$!
cleanup_add "systemctl stop asanlow-grow.scope agent-asanlow.slice agent-asanhigh.slice 2>/dev/null || true"
wait_for 20 systemctl is-active --quiet asanlow-grow.scope || fail "asanlow-grow.scope did not start"
wait_for 60 bash -c '(( $(cat /sys/fs/cgroup/agent.slice/agent-asanlow.slice/asanlow-grow.scope/memory.current) > 200 * 1048576 ))' ||
    fail "LOW did not grow to 200 MiB"
systemd-run --quiet --scope --slice=agent-asanhigh.slice -u asanhigh-burst bash -c \
    "$(declare -f memhog); memhog 25 500 0.05 4" &
high_pid=$!
cleanup_add "systemctl stop asanhigh-burst.scope 2>/dev/null || true"
wait_for 60 _prop_is asanlow-grow.scope FreezerState frozen ||
    fail "LOW was never frozen: $(journal_since AGENTCGROUP_UNIT=asanlow-grow.scope | tail -n 5)"
rc=0; wait "$high_pid" || rc=$?
assert_eq 0 "$rc" "HIGH's exit status"
wait_for 60 _prop_is asanlow-grow.scope FreezerState running || fail "LOW not thawed after HIGH ended"
rc=0; wait "$low_pid" || rc=$?
assert_eq 0 "$rc" "LOW's exit status"
actions=$(journal_json_since AGENTCGROUP_UNIT=asanlow-grow.scope | jq -r 'select(.AGENTCGROUP_ACTION) | .AGENTCGROUP_ACTION' | tr '\n' ' ')
log "LOW actions: $actions"
assert_contains "$actions" "throttle"
assert_contains "$actions" "freeze"
assert_contains "$actions" "thaw"
systemctl set-property --runtime agent.slice MemoryMax=infinity

# ---- the same process all along ----
sleep 2   # one more metrics write and evaluation after the last action
assert_eq "$pid" "$(main_pid)" "the daemon's PID after the churn (no crash, no restart)"
assert_eq "$restarts" "$(unit_prop agentcgroupd.service NRestarts)" "NRestarts"
is_asan_daemon "$pid" || fail "PID $pid is not the instrumented daemon after the churn"
# Freed memory sits in ASan's quarantine (up to 256 MiB) before reuse: RSS grows without a
# leak. The leak check is LeakSanitizer's at exit.
rss1=$(rss_kib "$pid") mem1=$(mem_current_kib)
log "daemon after the churn: VmRSS ${rss1} KiB, MemoryCurrent ${mem1} KiB"
log "churn: $churned scopes, $toolcalls tool calls, $reloads reloads, $denied refused calls"
# Errors other than the bad drop-in's are worth a look, though no sanitizer matter.
errors=$(journal_since -p err | grep -v -e '90-asan-bad\.conf' -e '^Configuration has [0-9]* error')
[[ -z $errors ]] || log "the daemon logged errors: $(head -n 5 <<<"$errors")"

# ---- a clean stop: LeakSanitizer checks at exit, the exit status says whether it passed ----
systemctl stop agentcgroupd.service
found=$(reports)
if [[ -n $found ]]; then
    print_reports
    fail "sanitizer reports: $(tr '\n' ' ' <<<"$found")"
fi
# Sanitizer output on stderr (before the options took effect, or if the file could not be opened).
stderr=$(journal_since | grep -E 'Sanitizer|runtime error:') && fail "sanitizer output in the journal: $(head -n 20 <<<"$stderr")"
assert_eq "success 0" "$(unit_prop agentcgroupd.service Result) $(unit_prop agentcgroupd.service ExecMainStatus)" \
    "Result and exit status of the instrumented daemon"
log "no ASan/LSan/UBSan report; exit status 0"

# ---- reports land where this case looks ----
# A SIGSEGV gets ASan's report from inside the sandbox, and systemd restarts the daemon
# (Restart=on-failure).
daemon_start
pid=$(main_pid)
is_asan_daemon "$pid" || fail "the daemon runs $(readlink "/proc/$pid/exe"), not $ASAN_BIN"
kill -SEGV "$pid"
wait_for 60 grep -q "ERROR: AddressSanitizer: SEGV" "$REPORTS/asan.$pid" 2>/dev/null ||
    fail "no report in $REPORTS after SIGSEGV: $(ls -la "$REPORTS")"
log "self-test: SIGSEGV reported in $REPORTS/asan.$pid"
wait_for 120 bash -c "p=\$(systemctl show -P MainPID agentcgroupd.service); [[ \$p != 0 && \$p != $pid ]] &&
                      systemctl -q is-active agentcgroupd.service" || fail "the daemon was not restarted after SIGSEGV"
systemctl stop agentcgroupd.service
rm -f "$REPORTS/asan.$pid"
found=$(reports)
[[ -z $found ]] || fail "sanitizer reports of the restarted daemon: $(tr '\n' ' ' <<<"$found")"

# ---- back to the normal daemon for the cases after this one ----
rm -f "$UNIT_DROPIN"
systemctl daemon-reload
systemctl reset-failed agentcgroupd.service 2>/dev/null || true
systemctl start agentcgroupd.service || fail "the normal daemon did not start again"
assert_eq "$NORMAL_BIN" "$(readlink "/proc/$(main_pid)/exe")" "the daemon's binary after the case"
assert_daemon_healthy
