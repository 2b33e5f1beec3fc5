#!/bin/bash
# Monitor mode, then enforce mode by reload, on the memory ladder of case 25: a LOW unit keeps
# its memory while a HIGH (interactive) unit bursts in the same 700M slice.
#  - Mode=monitor: no property is set on any unit (systemctl show), LOW is never frozen and its
#    memory.high never moved, while the journal has the would-be actions (MESSAGE_ID would-act:
#    apply-profile, throttle, freeze) and no entry of the carried-out kinds; the scheduler stays
#    off with Scheduler=auto.
#  - Reload with Mode=enforce while HIGH still bursts: the profile's properties are set and LOW
#    is throttled and frozen, then thawed when HIGH is done; both finish.
#  - journalctl MESSAGE_ID=<frozen> lists exactly the freezes systemd saw; agentcgroupctl events
#    --json agrees; the metrics file (MetricsFile= in node_exporter's textfile directory) parses
#    with the Python Prometheus client's parser and its action counters match the journal; the
#    file goes when the daemon stops.
# A freeze lasts until RelaxSec= (2 s) after HIGH's last stall, or until HIGH has ended (the
# next look, then ThawUnit through PID 1: ~0.2 s at least): polling FreezerState every 0.1 s
# sees each one.
# timeout: 300
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

python3 -c 'import prometheus_client' 2>/dev/null || fail "python3-prometheus-client is not in the image (tests/vm/image.sh)"
PROM_DIR=/var/lib/prometheus/node-exporter
PROM=$PROM_DIR/agentcgroup.prom
# The unit may write there (ReadWritePaths=-...) when the directory exists at its start.
mkdir -p "$PROM_DIR"
cleanup_add "rm -rf /var/lib/prometheus"

zram_swap_on 1G
profiles='
[Profile:ladder-high]
Class=interactive
CPUWeight=1000
MemoryHeadroom=0
[Profile:ladder-low]
Class=background
CPUWeight=50
FreezeAfterSec=1s
Kill=no
[Match:ladder-high]
Unit=high-*.scope
Profile=ladder-high
[Match:ladder-low]
Unit=low-*.scope
Profile=ladder-low'
manager="[Manager]
MetricsFile=$PROM
MetricsIntervalSec=1s"
dropin_write 50-monitor.conf "$manager
Mode=monitor
$profiles"
systemctl set-property --runtime agent.slice MemoryMax=700M || fail "set MemoryMax on agent.slice"
cleanup_add "systemctl set-property --runtime agent.slice MemoryMax=infinity"
t0=$(date +%s)
daemon_start

assert_contains "$(agentcgroupctl status)" "Mode: monitor"
assert_eq monitor "$(agentcgroupctl status --json | jq -r .mode)" "status --json mode"
assert_eq "off Mode=monitor and Scheduler=auto" \
    "$(agentcgroupctl status --json | jq -r '"\(.scheduler.state) \(.scheduler.reason)"')" "no scheduler in monitor mode"

# LOW: 8 MiB every 0.1 s up to 450 MiB, held 40 s. HIGH: to 500 MiB, held 25 s.
systemd-run --quiet --scope --slice=agent-lowsess.slice -u low-grow bash -c \
    "$(declare -f memhog); memhog 8 450 0.1 40" &
low_pid=$!
cleanup_add "systemctl stop low-grow.scope 2>/dev/null || true"
wait_for 20 systemctl is-active --quiet low-grow.scope || fail "low-grow.scope did not start"
low_cg=/sys/fs/cgroup/agent.slice/agent-lowsess.slice/low-grow.scope
wait_for 30 bash -c "(( \$(cat $low_cg/memory.current) > 200 * 1048576 ))" || fail "LOW did not grow to 200 MiB"
systemd-run --quiet --scope --slice=agent-highsess.slice -u high-burst bash -c \
    "$(declare -f memhog); memhog 25 500 0.05 25" &
high_pid=$!
cleanup_add "systemctl stop high-burst.scope 2>/dev/null || true"

# ---- monitor mode: the would-be freeze shows up; nothing is done ----
would_freeze() {
    journal_json_since AGENTCGROUP_UNIT=low-grow.scope MESSAGE_ID=$MESSAGE_ID_WOULD_ACT AGENTCGROUP_ACTION=freeze |
        grep -q .
}
for _ in $(seq 1 300); do
    [[ $(unit_prop low-grow.scope FreezerState) == running ]] || fail "LOW frozen in monitor mode"
    [[ $(cat $low_cg/memory.high) == max ]] || fail "LOW's memory.high moved in monitor mode: $(cat $low_cg/memory.high)"
    would_freeze && break
    sleep 0.1
done
would_freeze || { journal_since AGENTCGROUP_UNIT=low-grow.scope; fail "no would-be freeze of LOW"; }
msg=$(journal_json_since AGENTCGROUP_UNIT=low-grow.scope MESSAGE_ID=$MESSAGE_ID_WOULD_ACT AGENTCGROUP_ACTION=freeze |
      jq -r .MESSAGE | head -1)
log "monitor: $msg"
assert_contains "$msg" "would freeze (monitor mode): "
assert_contains "$msg" "high-burst.scope (interactive) stalled"
would=$(journal_json_since MESSAGE_ID=$MESSAGE_ID_WOULD_ACT AGENTCGROUP_UNIT=low-grow.scope |
        jq -r .AGENTCGROUP_ACTION | tr '\n' ' ')
log "LOW's would-be actions: $would"
assert_contains "$would" "apply-profile"
assert_contains "$would" "throttle"
assert_contains "$(journal_json_since MESSAGE_ID=$MESSAGE_ID_WOULD_ACT AGENTCGROUP_UNIT=low-grow.scope \
                   AGENTCGROUP_ACTION=apply-profile | jq -r .MESSAGE | head -1)" "CPUWeight=50"
[[ $(daemon_unit_state low-grow.scope) == would-* ]] ||
    fail "daemon's State of LOW in monitor mode: $(daemon_unit_state low-grow.scope)"
assert_eq monitor "$(agentcgroupctl show --value -p Mode low-grow.scope)" "LOW's Mode"
# Nothing was set: the profiles' properties are not on the units.
for u in low-grow.scope high-burst.scope agent-lowsess.slice; do
    w=$(unit_prop "$u" CPUWeight)
    [[ $w != 50 && $w != 1000 ]] || fail "$u has CPUWeight=$w in monitor mode"
done
# Interactive scopes get MemoryLow=infinity, their slices a share of it (protect.c): not here.
assert_eq 0 "$(unit_prop high-burst.scope MemoryLow)" "HIGH's MemoryLow in monitor mode"
assert_eq 0 "$(unit_prop agent-highsess.slice MemoryLow)" "HIGH's slice's MemoryLow in monitor mode"
[[ $(unit_prop low-grow.scope FreezerState) == running ]] || fail "LOW frozen in monitor mode"
# The kernel's own OOM kills (the slice is not protected in monitor mode) are not the daemon's.
carried=$(journal_json_since | jq -c --arg ids "${MESSAGE_IDS_MEMORY_ACTIONS[*]}" --arg oom $MESSAGE_ID_UNIT_OOM_KILLED \
          'select(.MESSAGE_ID != $oom and (.MESSAGE_ID as $m | $ids | split(" ") | index($m)))')
assert_eq "" "$carried" "carried-out memory actions in monitor mode"
[[ -e /run/agentcgroup/frozen/low-grow.scope ]] && fail "a frozen record in monitor mode"
kill -0 "$high_pid" 2>/dev/null || fail "HIGH finished before the switch (the case needs it bursting)"

# ---- enforce mode by reload, HIGH still bursting ----
dropin_write 50-monitor.conf "$manager
Mode=enforce
$profiles"
agentcgroupctl reload || fail "reload to enforce mode"
assert_contains "$(agentcgroupctl status)" "Mode: enforce"
wait_prop low-grow.scope CPUWeight 50 20
wait_prop high-burst.scope CPUWeight 1000 20
freezes_seen=0 last=running
for _ in $(seq 1 600); do
    st=$(unit_prop low-grow.scope FreezerState)
    [[ $st == frozen && $last != frozen ]] && freezes_seen=$((freezes_seen + 1))
    last=$st
    kill -0 "$high_pid" 2>/dev/null || (( freezes_seen == 0 )) || [[ $st == frozen ]] || break
    sleep 0.1
done
(( freezes_seen > 0 )) || { journal_since AGENTCGROUP_UNIT=low-grow.scope; fail "LOW never frozen in enforce mode"; }
rc=0; wait "$high_pid" || rc=$?
assert_eq 0 "$rc" "HIGH's exit status"
wait_for 30 _prop_is low-grow.scope FreezerState running ||
    { journal_since AGENTCGROUP_UNIT=low-grow.scope | tail -n 40; fail "LOW not thawed after HIGH ended"; }
rc=0; wait "$low_pid" || rc=$?
assert_eq 0 "$rc" "LOW's exit status (it must finish)"

# ---- the trail: exactly the freezes that happened ----
sleep 2   # one more metrics write after the last action
journalctl --flush
frozen=$(journal_json_since MESSAGE_ID=$MESSAGE_ID_UNIT_FROZEN)
log "freezes in the journal: $(jq -r '"\(.AGENTCGROUP_UNIT) \(.AGENTCGROUP_MODE)"' <<<"$frozen" | tr '\n' ';')"
assert_eq "$freezes_seen" "$(jq -r .AGENTCGROUP_UNIT <<<"$frozen" | grep -c .)" "frozen entries vs freezes systemd showed"
assert_eq low-grow.scope "$(jq -r .AGENTCGROUP_UNIT <<<"$frozen" | sort -u)" "frozen units"
assert_eq enforce "$(jq -r .AGENTCGROUP_MODE <<<"$frozen" | sort -u)" "frozen entries' mode"
# By MESSAGE_ID, as an operator types it (earlier cases ran other daemons on this boot).
inv=$(unit_prop agentcgroupd.service InvocationID)
assert_eq "$freezes_seen" "$(journalctl --no-pager -q -o json MESSAGE_ID=$MESSAGE_ID_UNIT_FROZEN \
    _SYSTEMD_INVOCATION_ID="$inv" | grep -c .)" "journalctl MESSAGE_ID=<frozen> _SYSTEMD_INVOCATION_ID=<daemon's>"
ev=$(agentcgroupctl events --json=short -n all --since="@$t0" low-grow.scope)
jq -e . <<<"$ev" >/dev/null || fail "events --json does not parse"
assert_eq "$freezes_seen" "$(jq -s 'map(select(.kind == "frozen")) | length' <<<"$ev")" "events --json: frozen"
assert_eq "$(journal_json_since MESSAGE_ID=$MESSAGE_ID_WOULD_ACT AGENTCGROUP_UNIT=low-grow.scope | grep -c .)" \
    "$(jq -s 'map(select(.kind == "would-act")) | length' <<<"$ev")" "events --json: would-act"
assert_eq "$(journal_json_since MESSAGE_ID=$MESSAGE_ID_MEMORY_THROTTLED AGENTCGROUP_UNIT=low-grow.scope | grep -c .)" \
    "$(jq -s 'map(select(.kind == "throttled")) | length' <<<"$ev")" "events --json: throttled"
jq -s -e 'map(select(.kind == "frozen"))[0] | .mode == "enforce" and (.memory_current | tonumber) > 0' <<<"$ev" >/dev/null ||
    fail "events --json: a frozen event lacks the inputs: $(jq -s -c 'map(select(.kind == "frozen"))[0]' <<<"$ev")"

# ---- metrics: the file parses; its counters are the journal's ----
[[ -s $PROM ]] || fail "no metrics file $PROM"
assert_eq 644 "$(stat -c %a "$PROM")" "metrics file mode"
ls "$PROM_DIR" | grep -v '^agentcgroup.prom$' && fail "temporary files left in $PROM_DIR"
counts=$(python3 - "$PROM" <<'EOF'
import sys
from prometheus_client.parser import text_string_to_metric_families
want = {}
families = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1]).read())}
for name in ("agentcgroup_mode", "agentcgroup_units", "agentcgroup_memory_actions", "agentcgroup_reaction_seconds",
             "agentcgroup_unit_info", "agentcgroup_unit_memory_actions", "agentcgroup_scheduler_state"):
    if name not in families:
        sys.exit("metrics: no family %s (have %s)" % (name, sorted(families)))
assert families["agentcgroup_memory_actions"].type == "counter"
assert families["agentcgroup_reaction_seconds"].type == "histogram"
for s in families["agentcgroup_memory_actions"].samples:
    if s.name.endswith("_total"):
        print("%s/%s %d" % (s.labels["action"], s.labels["mode"], s.value))
for s in families["agentcgroup_mode"].samples:
    if s.value == 1:
        print("mode %s" % s.labels["mode"])
hist = [s for s in families["agentcgroup_reaction_seconds"].samples
        if s.name.endswith("_count") and s.labels["op"] == "freeze"]
print("reactions/freeze %d" % hist[0].value)
EOF
) || fail "metrics do not parse: $counts"
log "metrics: $(tr '\n' ';' <<<"$counts")"
metric() { awk -v k="$1" '$1 == k { print $2 }' <<<"$counts"; }
assert_eq enforce "$(metric mode)" "agentcgroup_mode"
for action in throttle freeze thaw; do
    id=$(case $action in throttle) echo $MESSAGE_ID_MEMORY_THROTTLED;; freeze) echo $MESSAGE_ID_UNIT_FROZEN;;
         thaw) echo $MESSAGE_ID_UNIT_THAWED;; esac)
    assert_eq "$(journal_json_since MESSAGE_ID=$id | grep -c .)" "$(metric "$action/enforce")" "metric $action/enforce vs journal"
    assert_eq "$(journal_json_since MESSAGE_ID=$MESSAGE_ID_WOULD_ACT AGENTCGROUP_ACTION=$action | grep -c .)" \
        "$(metric "$action/monitor")" "metric $action/monitor vs journal"
done
assert_eq "$freezes_seen" "$(metric reactions/freeze)" "reaction-time observations of freezes"
# agentcgroupctl metrics prints the same families.
agentcgroupctl metrics | python3 -c 'import sys
from prometheus_client.parser import text_string_to_metric_families
names = {f.name for f in text_string_to_metric_families(sys.stdin.read())}
sys.exit(0 if "agentcgroup_unit_members" in names else "no agentcgroup_unit_members: %s" % sorted(names))' ||
    fail "agentcgroupctl metrics"
assert_daemon_healthy
daemon_stop
[[ -e $PROM ]] && fail "the metrics file outlived the daemon"
true
