#!/bin/bash
# agentcgroupctl verify, on the installed configuration, finds exactly the errors the daemon
# reports for the same files; the installed man pages render without warnings.
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

out=$(agentcgroupctl verify) || fail "verify rejects the vendor configuration: $out"
assert_contains "$out" "5 file(s), 5 profile(s), 4 match rule(s): OK"

daemon_start
dropin_write 90-bad.conf $'[Profile:tool-burst]\nMemoryHigh=lots\n[Match:m]\nUnit=a[b.scope\nProfile=ghost\n[Nope]'
rc=0
verify_err=$(agentcgroupctl verify 2>&1 >/dev/null) || rc=$?
assert_eq 1 "$rc" "verify exit status with errors"
journal_mark
systemctl reload agentcgroupd.service
wait_for 10 bash -c "journalctl -q -o cat -u agentcgroupd.service -n 20 | grep -q 'keeping the previous configuration'" ||
    fail "the daemon did not report the bad drop-in"
daemon_errors=$(journal_since MESSAGE_ID=f41434c0673f4a5b898818726eaf0c2d | sort)
ctl_errors=$(grep -E '^/.*:[0-9]+: ' <<<"$verify_err" | sort)
log "daemon: $daemon_errors"
assert_eq 4 "$(wc -l <<<"$daemon_errors")" "daemon errors"
assert_eq "$daemon_errors" "$ctl_errors" "verify and the daemon report the same errors"
assert_daemon_healthy

for page in /usr/share/man/man8/agentcgroupd.8 /usr/share/man/man5/agentcgroup.conf.5 /usr/share/man/man1/agentcgroupctl.1 \
        /usr/share/man/man1/agentcgroup-shell.1; do
    [[ -f $page ]] || fail "$page not installed"
    warnings=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
    [[ -z $warnings ]] || fail "man $page: $warnings"
done
