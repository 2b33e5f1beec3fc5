#!/bin/bash
# agentcgroupctl events: the daemon's journal entries of documented kinds, read back with
# sd-journal. New scopes show their profile-applied events (text and --json); the JSON agrees
# with journalctl (MESSAGE_ID= and AGENTCGROUP_UNIT=, and all kinds together); UNIT arguments,
# --lines and --since restrict the output; --follow prints the event of a scope started after it
# and exits 0 on SIGTERM and SIGINT; bad arguments are usage errors with a clear message.
# timeout: 300
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

APPLIED=a077f611f99e4204b90a0f254f483a16
ALL_IDS=(a077f611f99e4204b90a0f254f483a16 74790339dc814f118bd72472ed8fb6d9 f41434c0673f4a5b898818726eaf0c2d
         2f7e188466d54d9a9b94e77129de5a5d 837de19825074e7d84c2875996b0378c 5c8e3db3390e46829501c4f08b6c5698
         bef6ef34148446708275b97a95a8d54e fa7c081282ba42e69b8e9bd9181c9de7 271b1a5b45614a64a53b37d4f78576ac
         92f6ebc962b64a74bc4f4360bcf98c5d abe16c0aebee407493ec91e542b3452f 11cf1b0eff1542b5b254d7e3b8a8048b
         4901effcb0a142169b7799df285603d8 ae0c5136f8cf480283be435e6fcac53e eb63bc5e3a5f4995a93f5fde50ce9589
         38a7389855d840c0bbf07736509456fa e67ba8d7797d4339b9cf65ce6d67d83c)
TIME_RE='[A-Z][a-z][a-z] [0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]'

# has_event UNIT KIND TEXT: agentcgroupctl events shows a line of UNIT's KIND containing TEXT.
has_event() {
    agentcgroupctl events --no-pager -n all "$1" | grep -q "^$TIME_RE $1 $2: .*$3"
}
# The profile-applied events of UNIT as journalctl has them: [timestamp, message] per entry.
journal_applied() {
    journalctl --no-pager -q -o json MESSAGE_ID=$APPLIED AGENTCGROUP_UNIT="$1" |
        jq -s -c 'map([(.__REALTIME_TIMESTAMP | tonumber), .MESSAGE])'
}
ctl_applied() {
    agentcgroupctl events --json=short -n all "$1" |
        jq -s -c 'map(select(.kind == "profile-applied") | [.timestamp, .message])'
}

t0=$(date +%s)
daemon_start
scope_start runtime-ev1 agent-ev.slice
scope_start tool-ev2 agent-ev.slice
wait_prop runtime-ev1.scope CPUWeight 1000
wait_prop tool-ev2.scope MemoryHigh 2147483648

# ---- text: one line per event, the unit, the kind, the message without the unit again ----
wait_for 20 has_event runtime-ev1.scope profile-applied 'Profile interactive applied (agent-runtime): ' ||
    fail "no profile-applied line for runtime-ev1.scope: $(agentcgroupctl events --no-pager | tail -5)"
wait_for 20 has_event tool-ev2.scope profile-applied 'Profile tool-burst applied (default profile): ' ||
    fail "no profile-applied line for tool-ev2.scope"
text=$(agentcgroupctl events --no-pager --since="@$t0")
log "$text"
grep -q "^$TIME_RE runtime-ev1.scope profile-applied: Profile interactive applied (agent-runtime): .*CPUWeight=1000" <<<"$text" ||
    fail "events since the start lacks runtime-ev1.scope's profile-applied line"
grep -q "^$TIME_RE agent-ev.slice profile-applied: Profile session applied (session-slices): " <<<"$text" ||
    fail "events since the start lacks agent-ev.slice's profile-applied line"
# The daemon's own event at start: no unit ("-").
grep -q "^$TIME_RE - config-loaded: Loaded configuration: [0-9]* file(s), " <<<"$text" ||
    fail "events since the start lacks the config-loaded line"
# Every line is an event of a known kind, in journalctl's short time format.
bad=$(grep -v "^$TIME_RE [^ ]* \(profile-applied\|apply-failed\|config-error\|config-loaded\|adopted\|memory-action\|memory-leftover\|memory-applied\|throttled\|relaxed\|frozen\|thawed\|killed\|oom-killed\|would-act\|scheduler-attached\|scheduler-ejected\): " <<<"$text") &&
    fail "lines not of the form TIME UNIT KIND: MESSAGE: $bad"
# The default is the last 50 events.
(( $(agentcgroupctl events --no-pager | wc -l) <= 50 )) || fail "more than 50 lines without --lines"

# ---- --json: parses, and agrees with journalctl for the unit ----
json=$(agentcgroupctl events --json=short -n all runtime-ev1.scope)
jq -e . <<<"$json" >/dev/null || fail "events --json does not parse: $json"
assert_eq "$(journal_applied runtime-ev1.scope)" "$(ctl_applied runtime-ev1.scope)" \
    "runtime-ev1.scope's profile-applied entries, journalctl against events --json"
n=$(jq -s 'map(select(.kind == "profile-applied")) | length' <<<"$json")
(( n >= 1 )) || fail "no profile-applied object for runtime-ev1.scope"
assert_eq "$(journalctl --no-pager -q -o json MESSAGE_ID=$APPLIED AGENTCGROUP_UNIT=runtime-ev1.scope | wc -l)" "$n" \
    "count of runtime-ev1.scope's profile-applied entries"
assert_eq "$(journal_applied tool-ev2.scope)" "$(ctl_applied tool-ev2.scope)" "tool-ev2.scope's entries"
last=$(jq -s -c 'map(select(.kind == "profile-applied")) | last' <<<"$json")
log "json: $last"
assert_eq '{"unit":"runtime-ev1.scope","message_id":"'$APPLIED'","priority":6,"profile":"interactive","rule":"agent-runtime","profile_source":"rule"}' \
    "$(jq -c '{unit, message_id, priority, profile, rule, profile_source}' <<<"$last")" "profile-applied object"
assert_eq "$(unit_prop runtime-ev1.scope ControlGroupId)" "$(jq -r .cgroup_id <<<"$last")" "cgroup_id against systemd"
assert_contains "$(jq -r .properties <<<"$last")" "CPUWeight=1000"
assert_contains "$(jq -r .message <<<"$last")" "runtime-ev1.scope: Profile interactive applied"
# time is the timestamp in ISO 8601, UTC.
assert_eq "$(jq -r '.timestamp / 1000000 | floor | todate' <<<"$last")" "$(jq -r '.time | sub("\\.[0-9]+Z$"; "Z")' <<<"$last")" \
    "time and timestamp"
[[ $(jq -r .time <<<"$last") =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z$ ]] ||
    fail "time is not ISO 8601 with microseconds: $(jq -r .time <<<"$last")"
# The daemon's own events: unit null, CONFIG_FILES= as config_files.
loaded=$(agentcgroupctl events --json=short --since="@$t0" | jq -s -c 'map(select(.kind == "config-loaded")) | last')
assert_eq null "$(jq -c .unit <<<"$loaded")" "config-loaded unit"
assert_contains "$(jq -r .config_files <<<"$loaded")" "/usr/lib/agentcgroup/agentcgroup.conf"
# Every kind together, up to the newest event shown: the same entries as journalctl has for the
# MESSAGE_IDs of agentcgroupd.service (new entries may come meanwhile, so up to a cut-off).
all=$(agentcgroupctl events --json=short -n all)
cut=$(jq -s 'map(.timestamp) | max' <<<"$all")
matches=(_SYSTEMD_UNIT=agentcgroupd.service)
for id in "${ALL_IDS[@]}"; do matches+=("MESSAGE_ID=$id"); done
want=$(journalctl --no-pager -q -o json "${matches[@]}" |
    jq -s -c "map(select((.__REALTIME_TIMESTAMP | tonumber) <= $cut) | [(.__REALTIME_TIMESTAMP | tonumber), .MESSAGE_ID, .MESSAGE])")
got=$(jq -s -c "map(select(.timestamp <= $cut) | [.timestamp, .message_id, .message])" <<<"$all")
assert_eq "$want" "$got" "all events against journalctl"
log "$(jq length <<<"$got") events in the journal, the same as journalctl's"

# ---- UNIT arguments restrict the output; --lines, --since ----
only=$(agentcgroupctl events --no-pager -n all tool-ev2.scope)
[[ -n $only ]] || fail "no events for tool-ev2.scope"
other=$(awk '$4 != "tool-ev2.scope"' <<<"$only")
[[ -z $other && $only != *runtime-ev1* ]] || fail "events tool-ev2.scope shows other units: $other"
two=$(agentcgroupctl events --json=short -n all tool-ev2.scope runtime-ev1.scope | jq -r .unit | sort -u | paste -sd ' ')
assert_eq "runtime-ev1.scope tool-ev2.scope" "$two" "units of events with two UNITs"
assert_eq "" "$(agentcgroupctl events --no-pager -n all nosuch.scope)" "events of a unit without events"
assert_eq 1 "$(agentcgroupctl events --no-pager -n 1 runtime-ev1.scope | wc -l)" "-n 1"
assert_eq "$(agentcgroupctl events --no-pager -n all runtime-ev1.scope | tail -n 1)" \
    "$(agentcgroupctl events --no-pager --lines=1 runtime-ev1.scope)" "--lines=1 is the newest"
assert_eq "" "$(agentcgroupctl events --no-pager -n 0)" "-n 0"
assert_eq "" "$(agentcgroupctl events --no-pager -n all --since=@$(( $(date +%s) + 3600 )))" "--since in the future"
assert_contains "$(agentcgroupctl events --no-pager --since=-1h runtime-ev1.scope)" "runtime-ev1.scope profile-applied"

# ---- --follow: new events as they come ----
# -n 1 first: once that line is out, the follower stands at the end of the journal and
# misses nothing that comes after.
timeout 120 agentcgroupctl events --follow --json=short -n 1 runtime-ev1.scope tool-ev3.scope > follow1.out 2> follow1.err &
f1=$!
cleanup_add "kill $f1 2>/dev/null || true"
timeout 120 agentcgroupctl events -f --lines=1 tool-ev2.scope tool-ev4.scope > follow2.out 2> follow2.err &
f2=$!
cleanup_add "kill $f2 2>/dev/null || true"
wait_for 30 test -s follow1.out || fail "events --follow printed nothing: $(cat follow1.err)"
wait_for 30 test -s follow2.out || fail "events -f printed nothing: $(cat follow2.err)"
assert_eq runtime-ev1.scope "$(jq -r .unit follow1.out)" "the one event before following"
assert_eq 1 "$(grep -c 'tool-ev2.scope profile-applied' follow2.out)" "the one line before following"

scope_start tool-ev3 agent-ev.slice
scope_start tool-ev4 agent-ev.slice
scope_start tool-ev5 agent-ev.slice
wait_for 30 grep -q '"unit":"tool-ev3.scope"' follow1.out ||
    fail "events --follow did not print tool-ev3.scope's event: $(cat follow1.out follow1.err)"
jq -e 'select(.unit == "tool-ev3.scope") | select(.kind == "profile-applied" and .profile == "tool-burst")' follow1.out >/dev/null ||
    fail "tool-ev3.scope's followed event is not its profile-applied: $(cat follow1.out)"
wait_for 30 grep -q "^$TIME_RE tool-ev4.scope profile-applied: Profile tool-burst applied" follow2.out ||
    fail "events -f did not print tool-ev4.scope's event: $(cat follow2.out follow2.err)"
# tool-ev5.scope's event is in the journal, but not for followers of other units.
wait_for 20 has_event tool-ev5.scope profile-applied 'Profile tool-burst applied' || fail "no event for tool-ev5.scope"
sleep 1
! grep -q tool-ev5 follow1.out follow2.out || fail "a follower of other units printed tool-ev5.scope's event"
grep -q '"unit":"tool-ev4.scope"' follow1.out && fail "follower 1 printed tool-ev4.scope's event"

# SIGTERM and SIGINT end it with status 0 (timeout passes them on and exits with its status).
kill -TERM "$f1"
rc=0; wait "$f1" || rc=$?
assert_eq 0 "$rc" "events --follow after SIGTERM"
kill -INT "$f2"
rc=0; wait "$f2" || rc=$?
assert_eq 0 "$rc" "events -f after SIGINT"
assert_eq "" "$(cat follow1.err follow2.err)" "the followers' standard error"

# ---- bad arguments: usage errors (status 2), clear messages, nothing on standard output ----
check_usage() {   # EXPECTED-STDERR-PREFIX ARGS...
    local want=$1 rc=0 out err; shift
    out=$(agentcgroupctl "$@" 2>stderr.txt) || rc=$?
    err=$(cat stderr.txt)
    assert_eq 2 "$rc" "exit status of agentcgroupctl $*"
    assert_eq "" "$out" "standard output of agentcgroupctl $*"
    [[ $err == "$want"* ]] || fail "agentcgroupctl $*: expected '$want...', got '$err'"
}
check_usage "agentcgroupctl: unrecognized option '--bogus'" events --bogus
check_usage "events: 'bad/unit' is not a valid unit name; expected a full name such as tool-42.scope or agent-s1.slice." \
    events bad/unit
check_usage "events: 'runtime-ev1' is not a valid unit name" events runtime-ev1
check_usage "--lines=many: expected a number of events or 'all'." events --lines=many
check_usage "--since=someday: expected a time such as" events --since=someday
check_usage "--follow does not apply to 'list'." list --follow

# Without access to the system journal (not root, not in systemd-journal or adm): nothing.
rc=0; out=$(setpriv --reuid=65534 --regid=65534 --clear-groups agentcgroupctl events --no-pager -n all runtime-ev1.scope 2>&1) || rc=$?
assert_eq 0 "$rc" "events as nobody"
assert_eq "" "$out" "events as nobody"
assert_daemon_healthy
