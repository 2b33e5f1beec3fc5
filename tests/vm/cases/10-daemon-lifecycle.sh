#!/bin/bash
# agentcgroupd starts as a Type=notify service, reports its status, reloads and stops cleanly.
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

/usr/libexec/agentcgroup/agentcgroupd --help | grep -q -- '--log-level' || fail "--help lacks --log-level"
/usr/libexec/agentcgroup/agentcgroupd --bogus 2>/dev/null && fail "an unknown option was accepted"

daemon_start
assert_daemon_healthy
status=$(unit_prop agentcgroupd.service StatusText)
log "status: $status"
assert_contains "$status" "Managing"
journal_since | grep -q "Loaded configuration: 5 file(s), 5 profile(s), 4 match rule(s)." ||
    { journal_since; fail "no 'Loaded configuration' entry with the vendor files"; }
assert_eq 1 "$(journal_since MESSAGE_ID=2f7e188466d54d9a9b94e77129de5a5d | wc -l)" \
    "config-loaded entries with their MESSAGE_ID"

# Watchdog and notify are wired: WatchdogUSec set, the service's main PID is ours.
assert_eq 3min "$(unit_prop agentcgroupd.service WatchdogUSec)"

daemon_reload
assert_daemon_healthy
journal_since | grep -q "Reloading configuration (D-Bus request)" || fail "reload not logged"
kill -HUP "$(unit_prop agentcgroupd.service MainPID)"
wait_for 10 bash -c "journalctl -q -o cat -u agentcgroupd.service -n 5 | grep -q 'Reloading configuration (SIGHUP)'" || fail "SIGHUP did not reload"

systemctl stop agentcgroupd.service
assert_eq inactive "$(systemctl is-active agentcgroupd.service)"
journal_since | grep -q "exiting" || fail "no clean exit logged"
assert_eq 0 "$(journal_since -p warning | wc -l)" "warnings logged"
