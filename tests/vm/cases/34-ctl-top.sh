#!/bin/bash
# agentcgroupctl top: --batch -n 2 prints two frames with every managed unit (the same units as
# list --json), tool calls nested under their session's slice, the limits systemd set, a CPU
# share from the second frame on; --json agrees; --order sorts; bad option values are usage
# errors. In tmux: the screen updates in place, keys change the order, a narrower window
# gets cut lines, q ends it; the terminal's settings and cursor are restored after q, ^C and
# while stopped by ^Z.
# timeout: 360
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

command -v tmux >/dev/null || fail "tmux is not in the image (tests/vm/image.sh)"
export TERM=xterm

# fmt_bytes N: as agentcgroupctl shows memory (format_bytes(): 512.0M, 2.0G; "max" for no limit).
fmt_bytes() {
    [[ $1 == max ]] && { echo max; return; }
    awk -v b="$1" 'BEGIN { s = "KMGTPE"; if (b < 1024) { printf "%dB\n", b; exit }
        i = 1; v = b / 1024; while (v >= 1024 && i < 6) { v /= 1024; i++ } printf "%.1f%s\n", v, substr(s, i, 1) }'
}
list_units() { agentcgroupctl list --json=short | jq -r '.[].unit' | sort; }
# frame_units TEXT K: the unit names of the K-th frame of top --batch, sorted.
frame_units() {
    awk -v k="$2" '/^agentcgroupd /{ f++; u = 0; next } /^UNIT /{ u = 1; next } /^$/{ u = 0; next }
                   u && f == k { print $1 }' <<<"$1" | sort
}
# frame_line TEXT K UNIT: UNIT's line in the K-th frame, leading spaces kept.
frame_line() {
    awk -v k="$2" -v unit="$3" '/^agentcgroupd /{ f++; next } f == k { l = $0; sub(/^ */, "", l); split(l, a, " ");
                                 if (a[1] == unit) print }' <<<"$1"
}

daemon_start
scope_start tool-t1 agent-t1.slice
scope_start runtime-t1 agent-t1.slice
scope_start burn-t2 agent-t2.slice sh -c 'while :; do :; done'
scope_start hog-t3 agent-t3.slice python3 -c 'import time; b = b"x" * (200 << 20); time.sleep(600)'
agentcgroupctl run -q --session tp --tool napper -- sleep 300 &
napper=$!
cleanup_add "kill $napper 2>/dev/null || true; systemctl stop agent-tp.slice 2>/dev/null || true"
wait_prop tool-t1.scope MemoryHigh 2147483648
wait_prop runtime-t1.scope CPUWeight 1000
wait_for 20 sh -c 'agentcgroupctl list --no-legend | grep -q "^tool-napper-.*agent-tp.slice"' ||
    fail "the tool call of session tp is not listed: $(agentcgroupctl list --no-pager)"
wait_for 30 sh -c '[ "$(cat /sys/fs/cgroup/agent.slice/agent-t3.slice/hog-t3.scope/memory.current)" -gt 150000000 ]' ||
    fail "hog-t3.scope did not reach 150 MB"
napper_unit=$(agentcgroupctl list --no-legend | awk '$3 == "agent-tp.slice" { print $1 }')
expected=(agent-t1.slice tool-t1.scope runtime-t1.scope agent-t2.slice burn-t2.scope agent-t3.slice hog-t3.scope
          agent-tp.slice "$napper_unit")

# ---- --batch -n 2: every managed unit, twice ----
# Units of earlier cases may still be going away: the list must be the same before and after.
for _ in 1 2 3; do
    before=$(list_units)
    rc=0; out=$(agentcgroupctl top --batch -n 2 -d 1 2>"$PWD/err") || rc=$?
    after=$(list_units)
    [[ $before == "$after" ]] && break
    log "the managed units changed while top ran; again"
done
log "$out"
assert_eq 0 "$rc" "top --batch -n 2 exit status ($(cat "$PWD/err"))"
assert_eq "" "$(cat "$PWD/err")" "top --batch stderr"
assert_eq 2 "$(grep -c '^agentcgroupd ' <<<"$out")" "frames"
# Each frame has one under its title; one more between the frames.
assert_eq 3 "$(grep -c '^$' <<<"$out")" "empty lines"
assert_eq "" "$(awk '/^agentcgroupd /{ n++ } n == 2 { exit } { l = $0 } END { print l }' <<<"$out")" \
    "the line before the second frame"
for u in "${expected[@]}"; do
    grep -qx "$u" <<<"$before" || fail "list lacks $u: $before"
done
for k in 1 2; do
    assert_eq "$before" "$(frame_units "$out" $k)" "units of frame $k against list --json"
done
# The title: the daemon's version and the counts of what is listed.
title=$(grep -m1 '^agentcgroupd ' <<<"$out")
version=$(busctl get-property "${mgr[@]}" Version | sed 's/^s "\(.*\)"$/\1/')
[[ $title =~ ^agentcgroupd\ $version\ \ Units:\ $(wc -l <<<"$before")\ \ Slices:\ [0-9]+\ \ Scopes:\ [0-9]+.*\ \ Order:\ unit\ \ [0-2][0-9]:[0-5][0-9]:[0-6][0-9]$ ]] ||
    fail "title: $title"
# Tool calls under their session's slice, which comes first.
frame1=$(awk '/^agentcgroupd /{ f++ } f == 1' <<<"$out")
for pair in agent-t1.slice:tool-t1.scope agent-t1.slice:runtime-t1.scope agent-t2.slice:burn-t2.scope \
            agent-tp.slice:"$napper_unit"; do
    slice=${pair%%:*} unit=${pair#*:}
    grep -q "^  $unit " <<<"$frame1" || fail "$unit is not indented under a slice: $(grep " $unit " <<<"$frame1")"
    # The last line at depth 0 above the unit is its slice.
    parent=$(awk -v unit="$unit" '/^[a-z]/{ p = $1 } $1 == unit { print p; exit }' <<<"$frame1")
    assert_eq "$slice" "$parent" "the slice $unit is nested under"
done
# Columns: UNIT PROFILE STATE MEM HIGH MAX PSI CPU% LAST ACTION.
grep -q '^UNIT  *PROFILE  *STATE  *MEM  *HIGH  *MAX  *PSI  *CPU%  *LAST ACTION$' <<<"$out" || fail "no column headers"
read -r _ profile state mem high max psi cpu _ <<<"$(frame_line "$out" 1 tool-t1.scope)"
assert_eq "tool-burst running 2.0G max" "$profile $state $high $max" "tool-t1.scope's profile, state, HIGH, MAX"
[[ $mem =~ ^[0-9.]+[BKMG]$ && $psi =~ ^[0-9]+\.[0-9][0-9]$ ]] || fail "tool-t1.scope MEM '$mem' PSI '$psi'"
assert_eq "-" "$cpu" "CPU% in the first frame"
read -r _ profile _ _ high max _ <<<"$(frame_line "$out" 1 agent-t1.slice)"
assert_eq "session" "$profile" "agent-t1.slice's profile"
assert_eq "$(fmt_bytes "$(cgroup_read agent-t1.slice memory.max)")" "$max" "agent-t1.slice's MAX against memory.max"
read -r _ _ _ mem _ <<<"$(frame_line "$out" 2 hog-t3.scope)"
[[ $mem =~ ^(1[5-9][0-9]|2[0-9][0-9])\.[0-9]M$ ]] || fail "hog-t3.scope MEM is '$mem', expected about 200M"
# The CPU share in the second frame: the busy loop takes a good part of a CPU, the sleeper none.
read -r _ _ _ _ _ _ _ cpu _ <<<"$(frame_line "$out" 2 burn-t2.scope)"
awk -v c="$cpu" 'BEGIN { exit !(c ~ /^[0-9]+\.[0-9]$/ && c >= 10) }' || fail "burn-t2.scope CPU% in frame 2: '$cpu'"
read -r _ _ _ _ _ _ _ cpu _ <<<"$(frame_line "$out" 2 tool-t1.scope)"
awk -v c="$cpu" 'BEGIN { exit !(c ~ /^[0-9]+\.[0-9]$/ && c < 5) }' || fail "tool-t1.scope CPU% in frame 2: '$cpu'"

# ---- --json: an object per frame, the same units ----
json=$(agentcgroupctl top --json=short -n 2 -d 0.5) || fail "top --json failed"
assert_eq 2 "$(wc -l <<<"$json")" "JSON frames"
jq -e . <<<"$json" >/dev/null || fail "top --json does not parse: $json"
assert_eq "$(list_units)" "$(head -n1 <<<"$json" | jq -r '.units[].unit' | sort)" "JSON units against list --json"
assert_eq "agent-t1.slice 1 2147483648" \
    "$(head -n1 <<<"$json" | jq -r '.units[] | select(.unit == "tool-t1.scope") | "\(.parent) \(.depth) \(.memory_high)"')" \
    "tool-t1.scope's parent, depth and memory_high in JSON"
assert_eq "" "$(head -n1 <<<"$json" | jq -r '.units[] | select(.cpu_percent != null) | .unit')" \
    "units with a CPU share in the first JSON frame"
tail -n1 <<<"$json" | jq -e '.units[] | select(.unit == "burn-t2.scope") | .cpu_percent >= 10' >/dev/null ||
    fail "burn-t2.scope's cpu_percent in frame 2: $(tail -n1 <<<"$json" | jq -c '.units[] | select(.unit == "burn-t2.scope")')"
[[ $(tail -n1 <<<"$json" | jq '.timestamp - ('"$(head -n1 <<<"$json")"' | .timestamp)') -ge 500000 ]] ||
    fail "the JSON frames are less than --delay apart"

# The busy loop would slow everything down from here on (TCG runs both vCPUs on one thread).
systemctl stop burn-t2.scope
expected=(agent-t1.slice tool-t1.scope runtime-t1.scope agent-t2.slice agent-t3.slice hog-t3.scope agent-tp.slice
          "$napper_unit")

# ---- --order=memory: the 200 MB slice before the other test slices, its scope first in it ----
out=$(agentcgroupctl top --batch -n 1 --order=memory) || fail "top --order=memory failed"
roots=$(awk '/^UNIT /{ u = 1; next } u && /^[a-z]/ { print $1 }' <<<"$out" | grep -E '^agent-t[123p]\.slice$' | head -n1)
assert_eq agent-t3.slice "$roots" "the first of the test slices by memory"
assert_eq hog-t3.scope "$(awk '$1 == "agent-t3.slice" { getline; print $1 }' <<<"$out")" "the first unit in agent-t3.slice"
grep -q 'Order: memory' <<<"$out" || fail "the title does not say the order"

# ---- usage errors ----
for bad in "--delay=0:--delay=0: expected a time of at least 100ms" "-d -1:--delay=-1: expected" \
           "-d soon:--delay=soon: expected" "-n 0:--iterations=0: expected a number of refreshes of at least 1" \
           "--order=size:--order=size: unknown order; expected unit, memory, cpu or pressure" \
           "--lines=3:--lines does not apply to 'top'"; do
    # shellcheck disable=SC2086
    rc=0; err=$(agentcgroupctl top --batch ${bad%%:*} 2>&1 >/dev/null) || rc=$?
    assert_eq 2 "$rc" "exit status of top ${bad%%:*}"
    assert_contains "$err" "${bad#*:}" "message of top ${bad%%:*}"
done

# ---- in tmux: the screen updates, keys, a narrower window, q ----
pane() { tmux capture-pane -p -J -t "$1"; }
cursor_visible() { [[ $(tmux display-message -p -t "$1" '#{cursor_flag}') == 1 ]]; }
has_header() { pane "$1" | grep -q '^UNIT  *PROFILE'; }
clock() { pane "$1" | sed -n '1s/.*  \([0-2][0-9]:[0-5][0-9]:[0-6][0-9]\)$/\1/p'; }
cleanup_add "tmux kill-server 2>/dev/null || true"

tmux new-session -d -s top34 -x 160 -y 40 "agentcgroupctl top -d 1; echo \$? > '$PWD/top34.rc'" ||
    fail "tmux new-session failed"
wait_for 20 has_header top34 || fail "no frame in the tmux pane: $(pane top34)"
cap1=$(pane top34)
c1=$(clock top34)
[[ -n $c1 ]] || fail "no clock in the title: $(head -n1 <<<"$cap1")"
wait_for 10 sh -c "[ \"\$(tmux capture-pane -p -t top34 | sed -n '1s/.*  //p')\" != '$c1' ]" ||
    fail "the screen did not update within 10 s: $(pane top34)"
cap2=$(pane top34)
log "tmux, 160x40:"$'\n'"$cap2"
[[ $cap1 != "$cap2" ]] || fail "the two captures are the same"
for u in "${expected[@]}"; do
    grep -q "^ *$u " <<<"$cap2" || fail "$u is not on the screen: $cap2"
done
grep -q '^Keys: u m c p order' <<<"$cap2" || fail "no keys line: $cap2"
# Drawn in place: one title on the screen, no frame scrolled into the history.
assert_eq 1 "$(grep -c '^agentcgroupd ' <<<"$cap2")" "titles on the screen"
assert_eq 0 "$(tmux display-message -p -t top34 '#{history_size}')" "lines scrolled into the history"
cursor_visible top34 && fail "the cursor is visible while top runs"

tmux send-keys -t top34 m
wait_for 5 sh -c "tmux capture-pane -p -t top34 | grep -q 'Order: memory'" || fail "m did not order by memory: $(pane top34)"
first=$(pane top34 | awk '/^UNIT /{ u = 1; next } u && /^[a-z]/ { print $1 }' | grep -E '^agent-t[123p]\.slice$' | head -n1)
assert_eq agent-t3.slice "$first" "the first of the test slices on the screen after m"
tmux send-keys -t top34 u
wait_for 5 sh -c "tmux capture-pane -p -t top34 | grep -q 'Order: unit'" || fail "u did not order by unit: $(pane top34)"

# A narrower window: redrawn at once (SIGWINCH), each line cut to 69 columns (the last one
# stays empty). A line that was not cut would wrap: its rest would be a row of its own, not a
# unit's (capture-pane -J cannot tell: tmux keeps the wrap marks of its own reflow).
# narrow_ok WIDTH: the rows are the title, the keys, the headers and a unit each, none wider.
narrow_ok() {
    tmux capture-pane -p -t top34 | awk -v w="$1" -v min="${#expected[@]}" '
        length($0) >= w { bad = 1 }
        NR == 1 { bad = bad || !/^agentcgroupd / } NR == 2 { bad = bad || !/^Keys: / }
        NR == 3 { bad = bad || !/^UNIT  *PROFILE/ }
        NR > 3 && NF { bad = bad || !/^(  )*[a-z][^ ]*\.(slice|scope|service)( |$)/; n++ }
        END { exit bad || n < min }'
}
tmux resize-window -t top34 -x 70 -y 20 || fail "tmux resize-window failed"
wait_for 5 narrow_ok 70 || fail "not redrawn for 70 columns: $(pane top34)"
# A refresh later, still so.
sleep 1.5
narrow_ok 70 || fail "not drawn for 70 columns after a refresh: $(pane top34)"
narrow=$(tmux capture-pane -p -t top34)
log "tmux, 70x20:"$'\n'"$narrow"
(( $(wc -l <<<"$narrow") <= 20 )) || fail "more lines than the window has"

tmux send-keys -t top34 q
wait_for 10 sh -c '! tmux has-session -t top34 2>/dev/null' || fail "q did not end top: $(pane top34)"
assert_eq 0 "$(cat "$PWD/top34.rc")" "exit status after q"

# ---- in a shell in tmux: the terminal as it was after q, ^C and ^Z ----
tmux new-session -d -s sh34 -x 160 -y 40 "bash --norc --noprofile" || fail "tmux new-session (bash) failed"
d=$PWD
tmux send-keys -t sh34 "stty -g > $d/stty.before" Enter
wait_for 5 test -s "$d/stty.before" || fail "stty -g did not run in the tmux shell"
for how in q C-c; do
    tmux send-keys -t sh34 "clear; agentcgroupctl top -d 1; echo rc=\$? > $d/rc.$how; stty -g > $d/stty.$how" Enter
    wait_for 20 has_header sh34 || fail "no frame in the tmux shell ($how): $(pane sh34)"
    cursor_visible sh34 && fail "the cursor is visible while top runs ($how)"
    tmux send-keys -t sh34 "$how"
    wait_for 10 test -s "$d/stty.$how" || fail "top did not end on $how: $(pane sh34)"
    assert_eq rc=0 "$(cat "$d/rc.$how")" "exit status after $how"
    assert_eq "$(cat "$d/stty.before")" "$(cat "$d/stty.$how")" "the terminal's settings after $how"
    cursor_visible sh34 || fail "the cursor is hidden after $how"
done
# ^Z: the shell gets the terminal as it was; fg gives the view back, redrawn. (bash goes on with
# the rest of a command line when its job stops: top alone, its status asked after it ends.)
running() { [[ $(tmux display-message -p -t sh34 '#{pane_current_command}') == "$1" ]]; }
tmux send-keys -t sh34 "clear; agentcgroupctl top -d 1" Enter
wait_for 20 has_header sh34 || fail "no frame in the tmux shell (^Z): $(pane sh34)"
tmux send-keys -t sh34 C-z
wait_for 10 sh -c "tmux capture-pane -p -t sh34 | grep -q 'Stopped'" || fail "^Z did not stop top: $(pane sh34)"
wait_for 5 running bash || fail "the shell is not in the foreground after ^Z"
tmux send-keys -t sh34 "stty -g > $d/stty.stopped" Enter
wait_for 5 test -s "$d/stty.stopped" || fail "stty -g did not run while top was stopped"
assert_eq "$(cat "$d/stty.before")" "$(cat "$d/stty.stopped")" "the terminal's settings while top is stopped"
cursor_visible sh34 || fail "the cursor is hidden while top is stopped"
tmux send-keys -t sh34 "clear; fg" Enter
wait_for 10 has_header sh34 || fail "fg did not redraw top: $(pane sh34)"
wait_for 5 sh -c '[ "$(tmux display-message -p -t sh34 "#{cursor_flag}")" = 0 ]' ||
    fail "the cursor is visible after fg"
tmux send-keys -t sh34 q
wait_for 10 running bash || fail "q did not end top after fg: $(pane sh34)"
tmux send-keys -t sh34 "echo rc=\$? > $d/rc.fg; stty -g > $d/stty.fg" Enter
wait_for 5 test -s "$d/stty.fg" || fail "the shell did not take the command after top"
assert_eq rc=0 "$(cat "$d/rc.fg")" "exit status after ^Z, fg, q"
assert_eq "$(cat "$d/stty.before")" "$(cat "$d/stty.fg")" "the terminal's settings after ^Z, fg, q"
cursor_visible sh34 || fail "the cursor is hidden after ^Z, fg, q"
assert_daemon_healthy
