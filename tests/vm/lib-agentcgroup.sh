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

daemon_start() {   # start agentcgroupd and wait for READY=1 (systemctl start returns then)
    journal_mark
    if ! systemctl start agentcgroupd.service; then
        journalctl -u agentcgroupd.service -n 50 --no-pager
        fail "agentcgroupd did not start"
    fi
    cleanup_add daemon_stop
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
