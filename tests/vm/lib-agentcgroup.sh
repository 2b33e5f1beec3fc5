# shellcheck shell=bash
# agentcgroup helpers for VM cases, on top of lib.sh:
#     . /usr/lib/agentcgroup-tests/lib.sh
#     . /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

DROPIN_DIR=/etc/agentcgroup/agentcgroup.conf.d
_journal_cursor=""

journal_mark() {   # remember "now" in the journal; journal_since reads from there
    journalctl --flush 2>/dev/null || true
    _journal_cursor=$(journalctl -n 0 --show-cursor -q 2>/dev/null | sed -n 's/^-- cursor: //p')
}
# journal_since [-p LEVEL] [FIELD=VALUE...]: MESSAGE of the daemon's entries since journal_mark.
# journalctl 252 drops the first match when --after-cursor is combined with matches, so the
# cursor is used alone and the filtering is done with jq.
journal_since() {
    local maxprio=7 filter='._SYSTEMD_UNIT == "agentcgroupd.service"' kv
    while (($#)); do
        case $1 in
            -p) maxprio=$(case $2 in emerg) echo 0;; alert) echo 1;; crit) echo 2;; err) echo 3;;
                                     warning) echo 4;; notice) echo 5;; info) echo 6;; *) echo 7;; esac)
                shift 2 ;;
            *=*) kv=$1; filter+=" and .${kv%%=*} == \"${kv#*=}\""; shift ;;
            *) fail "journal_since: bad argument $1" ;;
        esac
    done
    journalctl --flush 2>/dev/null || true
    journalctl --no-pager -q -o json ${_journal_cursor:+--after-cursor="$_journal_cursor"} |
        jq -r "select($filter and (.PRIORITY | tonumber) <= $maxprio) | .MESSAGE"
}
# journal_json_since [FIELD=VALUE...]: the daemon's entries as JSON lines.
journal_json_since() {
    local filter='._SYSTEMD_UNIT == "agentcgroupd.service"' kv
    for kv in "$@"; do filter+=" and .${kv%%=*} == \"${kv#*=}\""; done
    journalctl --flush 2>/dev/null || true
    journalctl --no-pager -q -o json ${_journal_cursor:+--after-cursor="$_journal_cursor"} | jq -c "select($filter)"
}

# The daemon's manager object, for busctl: busctl call "${mgr[@]}" ListUnits
mgr=(org.agentcgroup1 /org/agentcgroup1 org.agentcgroup1.Manager)
# mprop PROP: a manager property's value, without its type and quotes (empty off the bus).
# btf_has_func NAME: the running kernel's BTF has FUNC NAME. grep -c, not -q: it reads to the
# end, so bpftool never writes into a closed pipe (pipefail).
btf_has_func() { bpftool btf dump file /sys/kernel/btf/vmlinux | grep -c "FUNC '$1'" >/dev/null; }
mprop() { busctl get-property "${mgr[@]}" "$1" 2>/dev/null | sed -E 's/^[a-z] //; s/^"(.*)"$/\1/'; }
wait_mprop() {   # PROP VALUE [TIMEOUT_S]
    wait_for "${3:-20}" output_is "$2" mprop "$1" || fail "$1 is '$(mprop "$1")', expected '$2'"
}
# dsend METHOD ARGS...: a manager method called with dbus-send, as it prints the reply or the
# error (busctl 252 hides error messages).
dsend() {
    local method=$1; shift
    dbus-send --system --print-reply --dest=org.agentcgroup1 /org/agentcgroup1 \
        "org.agentcgroup1.Manager.$method" "$@" 2>&1
}

# admin_users_setup: the group agadm, its member agop and a user plain in no group of note, all
# removed when the case exits; for AdminGroup=agadm checks with run_as.
admin_users_setup() {
    groupadd agadm || fail "groupadd agadm"
    cleanup_add "groupdel agadm 2>/dev/null || true"
    useradd -M -G agadm agop || fail "useradd agop"
    cleanup_add "userdel agop 2>/dev/null; groupdel agop 2>/dev/null || true"
    useradd -M plain || fail "useradd plain"
    cleanup_add "userdel plain 2>/dev/null; groupdel plain 2>/dev/null || true"
}
run_as() {   # USER CMD...: as USER, with the user's groups from /etc/group
    local user=$1; shift
    setpriv --reuid="$user" --regid="$user" --init-groups "$@"
}

# The scheduler is verified in a thread after READY=1 (the daemon serves meanwhile): cases and
# benchmarks start from a settled daemon, its scheduler enabled, off or failed.
_scheduler_settled() { ! output_is loading mprop SchedulerState; }
daemon_wait_settled() {
    wait_for 120 _scheduler_settled || fail "the scheduler is still loading 120 s after the daemon started"
}
daemon_start() {   # start agentcgroupd, wait for READY=1 (systemctl start returns then) and the scheduler
    journal_mark
    if ! systemctl start agentcgroupd.service; then
        journalctl -u agentcgroupd.service -n 50 --no-pager
        fail "agentcgroupd did not start"
    fi
    cleanup_add daemon_stop
    daemon_wait_settled
}
daemon_stop() { systemctl stop agentcgroupd.service 2>/dev/null || true; systemctl reset-failed agentcgroupd.service 2>/dev/null || true; }

daemon_reload() {   # systemctl reload: SIGHUP, returns once the daemon says READY=1 again
    systemctl reload agentcgroupd.service || fail "reload failed"
}

assert_daemon_healthy() {
    [[ $(systemctl is-active agentcgroupd.service) == active ]] || fail "agentcgroupd is not active"
    assert_eq 0 "$(unit_prop agentcgroupd.service NRestarts)" "agentcgroupd restarts"
}

# scope_start NAME SLICE [CMD...]: a scope as an agent runtime makes one (systemd-run --scope);
# stopped when the case exits.
scope_start() {
    local name=$1 slice=$2
    shift 2
    (($#)) || set -- sleep 600
    systemd-run --quiet --scope --slice="$slice" -u "$name" "$@" >/dev/null 2>&1 &
    cleanup_add "systemctl stop '$name.scope' 2>/dev/null || true"
    wait_for 20 systemctl is-active --quiet "$name.scope" || fail "scope $name did not start"
}

_prop_is() { [[ $(unit_prop "$1" "$2") == "$3" ]]; }
wait_prop() {   # UNIT PROP VALUE [TIMEOUT_S]
    local t=${4:-10}
    wait_for "$t" _prop_is "$1" "$2" "$3" ||
        fail "$1: $2 is '$(unit_prop "$1" "$2")', expected '$3' within ${t}s"
}
# Properties stay as they are for a while (for "never touched" checks).
assert_prop_stays() {   # UNIT PROP VALUE SECONDS
    local end=$(( SECONDS + $4 ))
    while (( SECONDS < end )); do
        _prop_is "$1" "$2" "$3" || fail "$1: $2 changed to '$(unit_prop "$1" "$2")', expected it to stay '$3'"
        sleep 0.2
    done
}

cgroup_read() {   # UNIT FILE
    cat "/sys/fs/cgroup$(unit_prop "$1" ControlGroup)/$2"
}

dropin_write() {   # NAME CONTENT: /etc drop-in, removed when the case exits
    mkdir -p "$DROPIN_DIR"
    printf '%s\n' "$2" > "$DROPIN_DIR/$1"
    cleanup_add "rm -f '$DROPIN_DIR/$1'"
}

zram_swap_on() {   # SIZE (e.g. 1G): swap on a zram device, off again when the case exits
    modprobe zram || fail "modprobe zram failed"
    wait_for 5 test -b /dev/zram0 || fail "/dev/zram0 did not appear"
    echo zstd > /sys/block/zram0/comp_algorithm 2>/dev/null || true
    echo "$1" > /sys/block/zram0/disksize || fail "zram disksize $1"
    mkswap /dev/zram0 >/dev/null || fail "mkswap /dev/zram0"
    swapon /dev/zram0 || fail "swapon /dev/zram0"
    cleanup_add "swapoff /dev/zram0 2>/dev/null; echo 1 > /sys/block/zram0/reset 2>/dev/null; modprobe -r zram 2>/dev/null || true"
}

# memhog STEP_MB TOTAL_MB INTERVAL_S HOLD_S: allocates and touches STEP_MB every INTERVAL_S up to
# TOTAL_MB, holds it HOLD_S seconds, exits 0. For scopes that must really use memory.
memhog() {
    python3 -c '
import mmap, sys, time
step, total, interval, hold = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
chunks = []
while len(chunks) * step < total:
    m = mmap.mmap(-1, step << 20)
    for off in range(0, step << 20, 4096):
        m[off] = 1
    chunks.append(m)
    time.sleep(interval)
time.sleep(hold)
' "$@"
}
export -f memhog 2>/dev/null || true

# Unit state as the daemon's D-Bus object says (org.agentcgroup1.Unit.State).
daemon_unit_state() {   # UNIT
    local path
    path=$(busctl call org.agentcgroup1 /org/agentcgroup1 org.agentcgroup1.Manager GetUnit s "$1" 2>/dev/null | sed -n 's/^o "\(.*\)"$/\1/p')
    [[ -n $path ]] || { echo "?"; return; }
    busctl get-property org.agentcgroup1 "$path" org.agentcgroup1.Unit State 2>/dev/null | sed -n 's/^s "\(.*\)"$/\1/p'
}

# ---- the tenants scenarios (VM case 27, benches 20-memory-tenants and 25-many-sessions) ----
# By default three tenants: HIGH replays a session that bursts to ~1.9 GB, LOW1 and LOW2 two
# smaller ones (started during HIGH's burst), each in a scope of its own slice below agent.slice
# (MemoryMax=2000M). A scenario may name more (TENANTS, before tenants_setup): "high" is the
# protected one, every other name a background tenant whose name starts with "low".
# Overridable:
TRACES_DIR=${TRACES_DIR:-/usr/lib/agentcgroup-tests/traces}
REPLAY=${REPLAY:-/usr/lib/agentcgroup-tests/bin/agent-replay}
TENANTS=${TENANTS:-high low1 low2}
# TENANT_TRACE_<name>: its trace; TENANT_OPTS_<name>: agent-replay options of its own (after
# the run's), e.g. "--speed 20 --scale 0.5".
TENANT_TRACE_high=${TENANT_TRACE_high:-haiku__pre-commit__pre-commit-2524.trace}
TENANT_TRACE_low1=${TENANT_TRACE_low1:-haiku__dask__dask-11628.trace}
TENANT_TRACE_low2=${TENANT_TRACE_low2:-haiku__joke2k__faker-1520.trace}
TENANT_SPEED=${TENANT_SPEED:-50}
TENANT_BUDGET=${TENANT_BUDGET:-2000M}
# The LOW tenants start once HIGH's scope holds TENANT_LOW_START_MB (memory.current plus its
# swap, polled every 50 ms; 0: all start together): HIGH's burst (trace time 112-114 s, ~250 to
# ~1900 MiB) takes 10-15 s under TCG (4 MiB allocations of 20-40 ms), the LOW tenants live
# 5-15 s; starting them at 1300 MiB
# puts all three at their peak together. Started together (or at 700 MiB), the LOW tenants
# were gone before HIGH reached its peak and nothing competed.
TENANT_LOW_START_MB=${TENANT_LOW_START_MB:-1300}
# A run still going after this long is ended (and reported with TIMEOUT lines); under TCG a
# run of 25-many-sessions takes ~150 s.
TENANT_RUN_TIMEOUT_S=${TENANT_RUN_TIMEOUT_S:-400}
# The /proc/vmstat counters a run reports as deltas (vmstat.txt): pages scanned by kswapd and in
# direct reclaim (the host's reclaim, which no cgroup's memory.low shields from unless every
# ancestor has it), allocations that stalled in direct reclaim, pages swapped out and in.
TENANT_VMSTAT='pgscan_kswapd|pgscan_direct|allocstall_normal|allocstall_movable|pswpout|pswpin'
# The profiles of the agentcgroup arm (a drop-in; the tenants' scopes match by name).
TENANT_PROFILES=${TENANT_PROFILES:-'
[Manager]
# The daemon then logs when systemd confirmed each action (MESSAGE_ID_MEMORY_APPLIED): the
# reaction times of the benchmark.
LogLevel=debug
[Profile:tenant-high]
Class=interactive
CPUWeight=1000
[Profile:tenant-low]
Class=background
CPUWeight=20
Kill=yes
[Match:tenant-high]
Type=scope
Unit=tenant-high.scope
Profile=tenant-high
[Match:tenant-low]
Type=scope
Unit=tenant-low*.scope
Profile=tenant-low'}
# The tenants are sessions of different priority: their slices rank them against each other (a
# CPUWeight= only weighs a cgroup against its siblings, and each tenant's scope is alone in its
# slice). A drop-in that sorts before the vendor's 10-session.conf, whose rule gives every
# session slice the same profile: the first rule that matches wins.
TENANT_SESSION_PROFILES=${TENANT_SESSION_PROFILES-'
[Profile:tenant-high-session]
Class=interactive
CPUWeight=1000
[Profile:tenant-low-session]
Class=background
CPUWeight=20
[Match:tenant-high-session]
Type=slice
Unit=agent-high.slice
Profile=tenant-high-session
[Match:tenant-low-session]
Type=slice
Unit=agent-low*.slice
Profile=tenant-low-session'}
# The memory actions carried out (and the kernel's OOM kills), one MESSAGE_ID per kind
# (message-ids.h): throttled, relaxed, frozen, thawed, killed, OOM-killed. Then single kinds,
# and monitor mode's would-be actions.
MESSAGE_IDS_MEMORY_ACTIONS=(271b1a5b45614a64a53b37d4f78576ac 92f6ebc962b64a74bc4f4360bcf98c5d
    abe16c0aebee407493ec91e542b3452f 11cf1b0eff1542b5b254d7e3b8a8048b 4901effcb0a142169b7799df285603d8
    ae0c5136f8cf480283be435e6fcac53e)
MESSAGE_ID_UNIT_FROZEN=abe16c0aebee407493ec91e542b3452f
MESSAGE_ID_UNIT_THAWED=11cf1b0eff1542b5b254d7e3b8a8048b
MESSAGE_ID_MEMORY_THROTTLED=271b1a5b45614a64a53b37d4f78576ac
MESSAGE_ID_UNIT_OOM_KILLED=ae0c5136f8cf480283be435e6fcac53e
MESSAGE_ID_WOULD_ACT=eb63bc5e3a5f4995a93f5fde50ce9589
MESSAGE_ID_MEMORY_APPLIED=fa7c081282ba42e69b8e9bd9181c9de7

# tenants_setup: checks the traces and the replayer, sets the budget, writes the profiles;
# all undone when the case exits. The daemon is not started (tenants_run does, per run).
tenants_setup() {
    local n
    [[ -x $REPLAY ]] || fail "$REPLAY missing (build with -Dinstall_tests=true)"
    [[ " $TENANTS " == *" high "* ]] || fail "TENANTS='$TENANTS' has no tenant named high"
    for n in $TENANTS; do
        [[ $n == high || $n == low* ]] || fail "TENANTS: '$n' is neither high nor low*"
        local v=TENANT_TRACE_$n
        [[ -f $TRACES_DIR/${!v} ]] || skip "no trace ${!v} in $TRACES_DIR (run.sh --traces DIR)"
    done
    systemctl set-property --runtime agent.slice MemoryMax="$TENANT_BUDGET" || fail "set MemoryMax on agent.slice"
    cleanup_add "systemctl set-property --runtime agent.slice MemoryMax=infinity"
    dropin_write 50-tenants.conf "$TENANT_PROFILES"
    dropin_write 05-tenant-sessions.conf "$TENANT_SESSION_PROFILES"
    cleanup_add "rm -f '$DROPIN_DIR/51-tenants-scheduler.conf'"
    cleanup_add daemon_stop
    cleanup_add tenants_reset
}

# tenants_run ARM DIR [agent-replay options...]: one run. ARM: alone (HIGH only, no daemon),
# none (all tenants, no daemon), static (all, no daemon, each scope MemoryMax= the budget over
# the number of tenants: static limits), high (the same with MemoryHigh=: what the kernel's
# throttling does alone), agentcgroup (all, daemon running with the profiles, Scheduler=off),
# scx (the same with Scheduler=full: the daemon's sched_ext scheduler too), cpu (all, no
# daemon, the LOW tenants hold at most 4 MiB: their CPU load without their memory, what a
# memory policy cannot take away).
# Writes DIR/<tenant>.json (missing if the whole scope was killed, the replayer's parent
# with it), DIR/<tenant>.rc, DIR/actions.json (the daemon's memory actions, JSON lines),
# DIR/applied.json (when systemd confirmed each action, with its reaction time), DIR/oom.txt
# (the kernel's OOM kills: "<scope> <oom_score_adj>" per kill).
tenants_run() {
    local arm=$1 dir=$2 n f cursor pids=() names i rc
    shift 2
    # HIGH first: the others may wait for its burst.
    names=(high)
    if [[ $arm != alone ]]; then
        for n in $TENANTS; do [[ $n == high ]] || names+=("$n"); done
    fi
    rm -rf "$dir"; mkdir -p "$dir"
    tenants_reset
    if [[ $arm == agentcgroup || $arm == scx ]]; then
        mkdir -p "$DROPIN_DIR"
        printf '[Manager]\nScheduler=%s\n' "$([[ $arm == scx ]] && echo full || echo off)" > "$DROPIN_DIR/51-tenants-scheduler.conf"
        systemctl start agentcgroupd.service || fail "agentcgroupd did not start"
        daemon_wait_settled
    fi
    journalctl --flush 2>/dev/null || true
    cursor=$(journalctl -n 0 --show-cursor -q 2>/dev/null | sed -n 's/^-- cursor: //p')
    # The host's reclaim over the run (/proc/vmstat deltas): who reclaimed, and how much went to swap.
    grep -E "^($TENANT_VMSTAT)" /proc/vmstat > "$dir/vmstat.before"
    local stall0; stall0=$(tenant_high_stall_us)
    tenant_cpu_usec > "$dir/cpu.before"
    # The run's time zero (realtime, µs): the memory samples and the daemon's actions are
    # placed on the timeline from there.
    local run_t0=${EPOCHREALTIME/./}
    echo "$run_t0" > "$dir/t0_realtime_us"
    # HIGH first; the LOW tenants once HIGH's scope holds TENANT_LOW_START_MB.
    local share=$(( ${TENANT_BUDGET%M} / $(wc -w <<<"$TENANTS") ))M limit=()
    case $arm in
        static) limit=(-p MemoryMax="$share") ;;
        high) limit=(-p MemoryHigh="$share") ;;
    esac
    # Memory of the slice and the tenants, every 0.2 s (MiB), and HIGH's pages in swap:
    # "<s> <agent.slice> <high> <low...> <high swapped>", the LOW tenants in TENANTS' order,
    # <s> the seconds since the run's time zero.
    (
        cg=/sys/fs/cgroup/agent.slice
        cgs=("$cg" "$cg/agent-high.slice/tenant-high.scope")
        for n in $TENANTS; do [[ $n == high ]] || cgs+=("$cg/agent-$n.slice/tenant-$n.scope"); done
        while :; do
            t=$(( ${EPOCHREALTIME/./} - run_t0 ))
            printf '%d.%d' $((t / 1000000)) $((t / 100000 % 10))
            for f in "${cgs[@]}"; do
                v=0; [[ -r $f/memory.current ]] && read -r v < "$f/memory.current"
                printf ' %d' $((v >> 20))
            done
            v=0; f=$cg/agent-high.slice/tenant-high.scope/memory.swap.current
            [[ -r $f ]] && read -r v < "$f"
            printf ' %d' $((v >> 20))
            echo
            sleep 0.2
        done
    ) > "$dir/mem.tsv" 2>/dev/null &
    local sampler=$!
    for n in "${names[@]}"; do
        local t=TENANT_TRACE_$n o=TENANT_OPTS_$n own=()
        read -r -a own <<<"${!o:-}"
        [[ $arm == cpu && $n != high ]] && own+=(--max-mb 4)
        systemd-run --quiet --scope --slice="agent-$n.slice" -u "tenant-$n" "${limit[@]}" \
            "$REPLAY" --speed "$TENANT_SPEED" --label "$n" --json "$dir/$n.json" --progress "$@" "${own[@]}" \
            "$TRACES_DIR/${!t}" >"$dir/$n.out" 2>&1 &
        pids+=($!)
        if [[ $n == high && $arm != alone ]] && ((TENANT_LOW_START_MB > 0)); then
            local at="" cur t0=${EPOCHREALTIME/./}
            local f=/sys/fs/cgroup/agent.slice/agent-high.slice/tenant-high.scope/memory.current swp
            # Memory and swap: under a per-tenant limit (static, high) HIGH's burst goes to swap.
            while kill -0 "${pids[0]}" 2>/dev/null && (( ${EPOCHREALTIME/./} - t0 < 180000000 )); do
                cur=0; [[ -r $f ]] && read -r cur < "$f" 2>/dev/null
                swp=0; [[ -r ${f%.current}.swap.current ]] && read -r swp < "${f%.current}.swap.current" 2>/dev/null
                cur=$((cur + swp))
                if (( (cur >> 20) >= TENANT_LOW_START_MB )); then
                    local d=$(( ${EPOCHREALTIME/./} - t0 ))
                    at="$((d / 1000000)).$((d / 100000 % 10)) $((cur >> 20))"
                    break
                fi
                sleep 0.05
            done
            echo "${at:-none}" > "$dir/low_start_at"   # seconds after HIGH's start, HIGH's MiB then
        fi
    done
    # A run that does not end within TENANT_RUN_TIMEOUT_S is ended, after a look at where it
    # stands (TIMEOUT lines): one stuck run must not take the whole benchmark's time.
    local deadline=$((SECONDS + TENANT_RUN_TIMEOUT_S)) alive
    while :; do
        alive=0
        for i in "${!pids[@]}"; do kill -0 "${pids[i]}" 2>/dev/null && alive=1; done
        ((alive && SECONDS < deadline)) || break
        sleep 1
    done
    if ((alive)); then
        tenants_timeout_report "$arm" "$dir" | sed 's/^/TIMEOUT /'
        echo timeout > "$dir/timeout"
        for n in "${names[@]}"; do systemctl kill --signal=SIGKILL "tenant-$n.scope" 2>/dev/null || true; done
    fi
    for i in "${!names[@]}"; do
        rc=0; { wait "${pids[i]}"; } 2>/dev/null || rc=$?   # quiet: no "Killed" job notice
        echo "$rc" > "$dir/${names[i]}.rc"
    done
    kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null
    # The tenants' slices' CPU weights as the run ended: what ranked them.
    for n in $TENANTS; do
        f=/sys/fs/cgroup/agent.slice/agent-$n.slice/cpu.weight
        printf '%s:%s ' "$n" "$(cat "$f" 2>/dev/null || echo -)"
    done > "$dir/weights"
    # How often the kernel reported a tenant over memory.high (hierarchical count of its slice):
    # each report is an inotify wake-up for PID 1 (which watches every scope's memory.events) and,
    # unless it drops the watch, for the daemon.
    for n in $TENANTS; do
        f=/sys/fs/cgroup/agent.slice/agent-$n.slice/memory.events
        printf '%s:%s ' "$n" "$(awk '$1 == "high" { print $2 }' "$f" 2>/dev/null || echo -)"
    done > "$dir/high_events"
    grep -E "^($TENANT_VMSTAT)" /proc/vmstat | awk 'NR == FNR { b[$1] = $2; next } { print $1, $2 - b[$1] }' \
        "$dir/vmstat.before" - > "$dir/vmstat.txt"
    echo "$(( $(tenant_high_stall_us) - stall0 ))" > "$dir/high_stall_us"
    tenant_cpu_usec | awk 'NR == FNR { b[$1] = $2; next } { print $1, $2 - b[$1] }' "$dir/cpu.before" - > "$dir/cpu.txt"
    if [[ $arm == agentcgroup || $arm == scx ]]; then
        sleep 0.5   # the daemon logs its last decisions
        journalctl --flush 2>/dev/null || true
        journalctl --no-pager -q -o json --after-cursor="$cursor" |
            jq -c --arg ids "${MESSAGE_IDS_MEMORY_ACTIONS[*]}" 'select(.MESSAGE_ID as $m | $ids | split(" ") | index($m))' \
            > "$dir/actions.json"
        journalctl --no-pager -q -o json --after-cursor="$cursor" |
            jq -c "select(.MESSAGE_ID == \"$MESSAGE_ID_MEMORY_APPLIED\")" > "$dir/applied.json"
        daemon_stop
        # Its own count of evaluations and of the kernel events that woke it (logged on stop).
        journalctl --flush 2>/dev/null || true
        journalctl --no-pager -q -o cat -u agentcgroupd.service --after-cursor="$cursor" |
            grep '^Memory policy: ' | tail -n 1 > "$dir/daemon_wakeups"
        # The helper's memory.reclaim rounds: "<realtime µs> <unit> <MiB asked> <ms taken>".
        journalctl --no-pager -q -o json -u agentcgroupd.service --after-cursor="$cursor" |
            jq -r 'select((.MESSAGE | type) == "string" and (.MESSAGE | test(": Reclaimed up to [0-9]+ MiB in [0-9]+ ms"))) |
                   "\(.__REALTIME_TIMESTAMP) \(.AGENTCGROUP_UNIT) \(.MESSAGE | capture("up to (?<m>[0-9]+) MiB in (?<t>[0-9]+) ms") | "\(.m) \(.t)")"' \
            > "$dir/reclaims.txt"
    else
        journalctl --flush 2>/dev/null || true
        : > "$dir/actions.json"
        : > "$dir/applied.json"
    fi
    # The kernel's OOM kills: which scope, and the victim's oom_score_adj.
    journalctl --no-pager -q -k -o cat --after-cursor="$cursor" | awk '
        /oom-kill:.*task_memcg=/ { m = $0; sub(/.*task_memcg=/, "", m); sub(/,.*/, "", m); sub(/.*\//, "", m); scope = m }
        /Killed process/ { adj = $0; sub(/.*oom_score_adj:/, "", adj); sub(/[^-0-9].*/, "", adj); print (scope == "" ? "?" : scope), adj; scope = "" }
    ' > "$dir/oom.txt"
    tenants_reset
}

# tenants_timeout_report ARM DIR: where a run that did not end stands: each tenant's state,
# memory, swap and last progress line, the machine's memory, the daemon's view and last words.
tenants_timeout_report() {
    local n cg
    echo "run of arm $1 still going after ${TENANT_RUN_TIMEOUT_S}s"
    grep -E '^(MemTotal|MemFree|MemAvailable|SwapTotal|SwapFree):' /proc/meminfo | tr -s ' ' | paste -sd' '
    for n in $TENANTS; do
        cg=/sys/fs/cgroup/agent.slice/agent-$n.slice/tenant-$n.scope
        echo "$n: $(systemctl show -p ActiveState,FreezerState --value "tenant-$n.scope" 2>/dev/null | paste -sd/)" \
             "daemon=$(daemon_unit_state "tenant-$n.scope")" \
             "current_mib=$(( $(cat "$cg/memory.current" 2>/dev/null || echo 0) >> 20 ))" \
             "swap_mib=$(( $(cat "$cg/memory.swap.current" 2>/dev/null || echo 0) >> 20 ))" \
             "high=$(cat "$cg/memory.high" 2>/dev/null || echo -)" \
             "last: $(tail -n 1 "$2/$n.out" 2>/dev/null | tr -d '\r' | cut -c1-160)"
    done
    echo "agent.slice: current_mib=$(( $(cat /sys/fs/cgroup/agent.slice/memory.current 2>/dev/null || echo 0) >> 20 )) $(head -n 1 /sys/fs/cgroup/agent.slice/memory.pressure 2>/dev/null)"
    journalctl --no-pager -q -o cat -u agentcgroupd.service -n 30 2>/dev/null | cut -c1-300
}

# tenant_high_stall_us: the time HIGH's tasks waited for memory ("some" of agent-high.slice's
# memory.pressure, which keeps counting what the scope below it stalled after the scope is gone).
tenant_high_stall_us() {
    local f=/sys/fs/cgroup/agent.slice/agent-high.slice/memory.pressure
    if [[ -r $f ]]; then sed -n 's/^some .*total=\([0-9]*\).*/\1/p' "$f"; else echo 0; fi
}

# tenant_cpu_usec: "NAME USEC" lines, the CPU time used so far by PID 1, journald, the daemon
# and its memory.reclaim helper,
# each tenant's slice, and the whole machine (busy and idle, summed over CPUs, from /proc/stat):
# where HIGH's CPU went when it is slower than alone. busy and idle are tick-sampled (unreliable
# under TCG): only idle is reported.
tenant_cpu_usec() {
    local n f v hz
    for n in init.scope system.slice/systemd-journald.service system.slice/agentcgroupd.service \
             agentcgroupd-reclaim.scope $(printf 'agent.slice/agent-%s.slice ' $TENANTS); do
        f=/sys/fs/cgroup/$n/cpu.stat v=0
        [[ -r $f ]] && v=$(awk '$1 == "usage_usec" { print $2 }' "$f")
        echo "${n##*/} ${v:-0}"
    done
    hz=$(getconf CLK_TCK)
    awk -v hz="$hz" '/^cpu / { printf "busy %d\nidle %d\n", ($2 + $3 + $4 + $7 + $8) * 1000000 / hz, ($5 + $6) * 1000000 / hz }' /proc/stat
}

# tenants_reset: no tenant scope left, not even a failed one (an OOM-killed scope stays loaded
# as failed, and systemd-run -u of the same name then fails).
tenants_reset() {
    local n
    for n in $TENANTS; do
        systemctl stop "tenant-$n.scope" 2>/dev/null || true
        systemctl reset-failed "tenant-$n.scope" 2>/dev/null || true
    done
    # The session slices too, with what was set on them at run time (the daemon's profiles: CPU
    # weights outlive the daemon, as profile settings do), so that no run inherits another
    # arm's settings.
    for n in $TENANTS; do
        systemctl stop "agent-$n.slice" 2>/dev/null || true
    done
    systemctl revert $(printf 'agent-%s.slice ' $TENANTS) >/dev/null 2>&1 || true
}

# tenants_mem DIR: "slice_peak=MiB lows_at_peak=MiB" from the samples of tenants_run
tenants_mem() {
    awk '$2 > p { p = $2; l = 0; for (i = 4; i < NF; i++) l += $i } END { printf "slice_peak=%d lows_at_peak=%d", p, l }' "$1/mem.tsv"
}

# tenant_end DIR TENANT: finished | killed | failed | gone (no results: the whole scope was killed)
tenant_end() {
    if [[ -s $1/$2.json ]]; then jq -r .end "$1/$2.json"; else echo gone; fi
}

# ---- the benchmarks (tests/vm/bench) ----

# cmdline_param NAME DEFAULT: agentcgroup.NAME= of the kernel command line (tools/bench sets them)
cmdline_param() {
    local v; v=$(tr ' ' '\n' < /proc/cmdline | sed -n "s/^agentcgroup\.$1=//p" | tail -n 1)
    echo "${v:-$2}"
}

# cmdline_count VAR NAME DEFAULT: sets VAR to the same, a positive whole number, or the
# benchmark fails saying so (not in a $(...): fail would only end the subshell)
cmdline_count() {
    local v; v=$(cmdline_param "$2" "$3")
    [[ $v =~ ^[1-9][0-9]*$ ]] || fail "agentcgroup.$2=$v on the kernel command line: expected a positive whole number"
    printf -v "$1" %s "$v"
}

# bench_result_vm [KEY=VALUE...]: the benchmark's RESULT line of the VM it ran in
bench_result_vm() {
    echo "RESULT vm kernel=$(uname -r) cpus=$(nproc) mem_mib=$(( $(awk '/MemTotal/{print $2}' /proc/meminfo) / 1024 ))" \
        "systemd=$(systemctl --version | awk 'NR==1{print $2}')" "$@"
}

# ---- the tenants benchmarks (tests/vm/bench/2*-*.sh) ----

# tenants_bench_params [MODES]: sets BENCH_RUNS, BENCH_MODES and BENCH_ARMS from the kernel
# command line: agentcgroup.bench_runs=N (default 10), agentcgroup.bench_swap=both|no|zram
# (default both; MODES, when given, are the scenario's only modes and the setting is ignored),
# agentcgroup.bench_arms=ARM,... (default all: alone none static high agentcgroup scx cpu; scx
# left out without sched_ext). With agentcgroup.bench_smoke=1 (tools/bench --smoke), a scenario's
# BENCH_SMOKE_ARMS (ARM,...), when it sets them, take the place of the arms given.
tenants_bench_params() {
    local all=(alone none static high agentcgroup scx cpu) a chosen kept=() arms
    arms=$(cmdline_param bench_arms "$(IFS=,; echo "${all[*]}")")
    [[ $(cmdline_param bench_smoke 0) == 1 && -n ${BENCH_SMOKE_ARMS:-} ]] && arms=$BENCH_SMOKE_ARMS
    cmdline_count BENCH_RUNS bench_runs 10
    if (($#)); then
        BENCH_MODES=("$@")
    else
        case $(cmdline_param bench_swap both) in
            both) BENCH_MODES=(no zram) ;;
            no) BENCH_MODES=(no) ;;
            zram) BENCH_MODES=(zram) ;;
            *) fail "agentcgroup.bench_swap=$(cmdline_param bench_swap both): expected both, no or zram" ;;
        esac
    fi
    IFS=, read -r -a chosen <<<"$arms"
    for a in "${chosen[@]}"; do
        [[ " ${all[*]} " == *" $a "* ]] || fail "agentcgroup.bench_arms: unknown arm $a; expected some of ${all[*]}"
        if [[ $a == scx && ! -e /sys/kernel/sched_ext/state ]]; then
            log "no sched_ext in kernel $(uname -r): leaving out the scx arm"
            continue
        fi
        kept+=("$a")
    done
    BENCH_ARMS=("${kept[@]}")
    # agentcgroup.bench_low_cpu_weight=W: the LOW tenants' profiles (scope and session slice) get
    # CPUWeight=W instead of 20 (the only profiles with 20), e.g. idle.
    local lw; lw=$(cmdline_param bench_low_cpu_weight "")
    if [[ -n $lw ]]; then
        [[ $lw == idle || $lw =~ ^[1-9][0-9]*$ ]] || fail "agentcgroup.bench_low_cpu_weight=$lw: expected 1-10000 or idle"
        TENANT_PROFILES=${TENANT_PROFILES//CPUWeight=20/CPUWeight=$lw}
        TENANT_SESSION_PROFILES=${TENANT_SESSION_PROFILES//CPUWeight=20/CPUWeight=$lw}
    fi
}

# tenants_bench OUT: every mode (no: no swap; zram: 1 GiB of zram, the tenants writing
# incompressible pages; modes in this order, zram last: it stays on), BENCH_RUNS runs of every
# arm, interleaved (the order of the arms turns by one each run), a RUN line and a RUNJSON line
# (its raw data, tools/bench's runs.jsonl) per run, then lib-tenants.py's RESULT and RAW lines.
tenants_bench() {
    local out=$1 mode i k arm d t0 opts
    rm -rf "$out"
    export TENANTS   # for lib-tenants.py
    for mode in "${BENCH_MODES[@]}"; do
        opts=()
        if [[ $mode == zram ]]; then
            zram_swap_on 1G
            opts=(--fill random)
        fi
        log "mode $mode: $(free -m | awk '/^Swap/{print "swap " $2 " MiB"}')"
        for i in $(seq 1 "$BENCH_RUNS"); do
            for k in "${!BENCH_ARMS[@]}"; do
                arm=${BENCH_ARMS[(i + k) % ${#BENCH_ARMS[@]}]}
                d=$out/$mode/$arm/$i
                t0=$SECONDS
                if [[ $mode == zram ]]; then
                    tenants_run "$arm" "$d" "${opts[@]}" --seed "$i" --jitter 0
                else
                    tenants_run "$arm" "$d"
                fi
                python3 /usr/lib/agentcgroup-tests/lib-tenants.py run "$d" "$mode" "$arm" "$i" "$((SECONDS - t0))"
                # A fresh start for the next one: no leftover swap use, settled memory.
                sync; echo 1 > /proc/sys/vm/drop_caches
            done
        done
    done
    python3 /usr/lib/agentcgroup-tests/lib-tenants.py summary "$out" "${BENCH_MODES[*]}" "${BENCH_ARMS[*]}" || fail "summary failed"
}

# tenants_bench_setup CONFIG...: tenants_setup, with the benchmark's RESULT lines of the VM, its
# configuration (runs, modes and CONFIG) and the profiles
tenants_bench_setup() {
    bench_result_vm
    echo "RESULT config runs=$BENCH_RUNS modes=${BENCH_MODES[*]} $*"
    tenants_setup
    echo "RESULT profiles $(grep -v '^[[:space:]]*$' <<<"$TENANT_SESSION_PROFILES$TENANT_PROFILES" | tr '\n' ' ')"
}

# need_vm_mem MB: skips the case unless the VM was booted with MB (run.sh --mem MB; MemTotal is
# some 150 MiB less)
need_vm_mem() {
    local have=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 ))
    ((have >= $1 - 300)) || skip "needs a VM with $1 MB (run.sh --mem $1), has $have MiB"
}
