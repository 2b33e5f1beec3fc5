#!/bin/bash
# A call to org.agentcgroup1 while the daemon is stopped starts it through systemd (bus
# activation), and the call is answered.
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

systemctl stop agentcgroupd.service 2>/dev/null || true
cleanup_add daemon_stop
assert_eq inactive "$(systemctl is-active agentcgroupd.service)"
[[ -f /usr/share/dbus-1/system-services/org.agentcgroup1.service ]] || fail "activation file not installed"
out=$(busctl --timeout=60 call org.agentcgroup1 /org/agentcgroup1 org.agentcgroup1.Manager ListUnits) ||
    fail "the activating call failed: $out"
assert_contains "$out" "a(ssssst)"
# The name is taken before READY=1 (adoption may still run), so the call can be answered while
# systemd still says "activating".
wait_for 30 systemctl is-active --quiet agentcgroupd.service ||
    fail "agentcgroupd is $(systemctl is-active agentcgroupd.service) after activation"
