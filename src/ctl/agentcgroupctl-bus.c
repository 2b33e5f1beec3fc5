/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-bus.h>

#include "agentcgroupctl.h"
#include "log.h"
#include "manager-format.h"
#include "strv.h"

/* The commands that ask the running agentcgroupd, over its D-Bus API on the system bus. */

int ctl_bus_connect(sd_bus **ret) {
        int r;

        /* $DBUS_SYSTEM_BUS_ADDRESS, else /run/dbus/system_bus_socket. */
        r = sd_bus_open_system(ret);
        if (r < 0) {
                log_error_errno(r, "cannot connect to the system bus: %m");
                return EXIT_FAILURE;
        }
        return 0;
}

int ctl_bus_error_status(const sd_bus_error *e) {
        if (sd_bus_error_has_name(e, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
            sd_bus_error_has_name(e, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                return EXIT_NOT_RUNNING;
        if (sd_bus_error_has_name(e, SD_BUS_ERROR_ACCESS_DENIED))
                return EXIT_ACCESS_DENIED;
        if (sd_bus_error_has_name(e, AGC_ERROR_UNIT_NOT_MANAGED))
                return EXIT_UNIT_NOT_MANAGED;
        return EXIT_FAILURE;
}

const char *ctl_bus_error_text(const sd_bus_error *e) {
        return !isempty(e->message) ? e->message : e->name;
}

int ctl_bus_call_failed(const char *verb, const char *method, const sd_bus_error *e, int r) {
        int status = ctl_bus_error_status(e);

        switch (status) {
        case EXIT_NOT_RUNNING:
                log_error(NOT_RUNNING_MESSAGE);
                break;
        case EXIT_ACCESS_DENIED:
                /* The daemon's message says who may: root, or also AdminGroup=. */
                log_error("%s: access denied: %s", verb, strna(e->message));
                break;
        case EXIT_UNIT_NOT_MANAGED:
                log_error("%s: %s", verb, ctl_bus_error_text(e));
                break;
        default:
                if (sd_bus_error_is_set(e))
                        log_error("Failed to call %s(): %s", method, strna(e->message));
                else
                        log_error_errno(r, "Failed to call %s(): %m", method);
        }
        return status;
}

static int bus_call_va(sd_bus *bus, const char *path, const char *interface, const char *method,
                       sd_bus_error *error, sd_bus_message **reply, const char *types, va_list ap) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, AGC_BUS_NAME, path, interface, method);
        if (r >= 0 && types)
                r = sd_bus_message_appendv(m, types, ap);
        if (r < 0)
                return r;
        return sd_bus_call(bus, m, 0, error, reply);
}

int ctl_bus_call(sd_bus *bus, const char *path, const char *interface, const char *method, sd_bus_error *error,
                 sd_bus_message **reply, const char *types, ...) {
        va_list ap;
        int r;

        va_start(ap, types);
        r = bus_call_va(bus, path, interface, method, error, reply, types, ap);
        va_end(ap);
        return r;
}

/* A call to the manager object on bus: 0, or the exit status after logging. */
static int call(sd_bus *bus, const char *verb, const char *interface, const char *method, sd_bus_message **reply,
                const char *types, ...) {
        sd_bus_error e = SD_BUS_ERROR_NULL;
        va_list ap;
        int r;

        va_start(ap, types);
        r = bus_call_va(bus, AGC_BUS_PATH, interface, method, &e, reply, types, ap);
        va_end(ap);
        if (r < 0) {
                r = ctl_bus_call_failed(verb, method, &e, r);
                sd_bus_error_free(&e);
                return r;
        }
        return 0;
}

int ctl_bus_parse_failed(const char *method, int r) {
        return log_error_errno(r, "Failed to parse the reply to %s(): %m", method);
}

int ctl_print_json(json_object *o) {
        int r = json_print(o, stdout, arg_json);

        return r < 0 ? log_error_errno(r, "Failed to write the output: %m") : 0;
}

static int read_units(sd_bus_message *reply, UnitRow **ret, size_t *ret_n) {
        _cleanup_(freep) UnitRow *rows = NULL;
        size_t n = 0;
        int r;

        r = sd_bus_message_enter_container(reply, 'a', "(ssssst)");
        if (r < 0)
                return ctl_bus_parse_failed("ListUnits", r);
        for (;;) {
                UnitRow u = {};
                UnitRow *a;

                r = sd_bus_message_read(reply, "(ssssst)", &u.unit, &u.type, &u.slice, &u.profile, &u.rule,
                                        &u.cgroup_id);
                if (r < 0)
                        return ctl_bus_parse_failed("ListUnits", r);
                if (r == 0)
                        break;
                a = reallocarray(rows, n + 1, sizeof(UnitRow));
                if (!a)
                        return log_oom();
                rows = a;
                rows[n++] = u;
        }
        r = sd_bus_message_exit_container(reply);
        if (r < 0)
                return ctl_bus_parse_failed("ListUnits", r);
        *ret = TAKE_PTR(rows);
        *ret_n = n;
        return 0;
}

/* Adds what ListUnitStates() says to the rows (sorted by name). A daemon older than this tool
 * does not have it: the rows keep no state, shown as "-". The strings stay in *ret_reply. */
static int read_unit_states(sd_bus *bus, const char *verb, UnitRow *rows, size_t n, sd_bus_message **ret_reply) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        r = ctl_bus_call(bus, AGC_BUS_PATH, AGC_BUS_INTERFACE, "ListUnitStates", &e, &reply, NULL);
        if (r < 0) {
                if (sd_bus_error_has_name(&e, SD_BUS_ERROR_UNKNOWN_METHOD)) {
                        log_debug("agentcgroupd has no ListUnitStates(): %s", ctl_bus_error_text(&e));
                        r = 0;
                } else
                        r = ctl_bus_call_failed(verb, "ListUnitStates", &e, r);
                sd_bus_error_free(&e);
                return r;
        }

        r = sd_bus_message_enter_container(reply, 'a', "(sssttsd)");
        if (r < 0)
                return ctl_bus_parse_failed("ListUnitStates", r);
        for (;;) {
                const char *unit, *state, *action, *reason;
                uint64_t current, high;
                double stall;
                UnitRow *u;

                r = sd_bus_message_read(reply, "(sssttsd)", &unit, &state, &action, &current, &high, &reason, &stall);
                if (r < 0)
                        return ctl_bus_parse_failed("ListUnitStates", r);
                if (r == 0)
                        break;
                /* A unit that came between the two calls is not listed; one that went keeps "-". */
                u = unit_rows_find(rows, n, unit);
                if (!u)
                        continue;
                u->state = state;
                u->last_action = action;
                u->last_reason = reason;
                u->memory_current = current;
                u->effective_memory_high = high;
                u->stall_percent = stall;
        }
        r = sd_bus_message_exit_container(reply);
        if (r < 0)
                return ctl_bus_parse_failed("ListUnitStates", r);
        *ret_reply = TAKE_PTR(reply);
        return 0;
}

int ctl_list_unit_rows(sd_bus *bus, const char *verb, UnitRow **ret_rows, size_t *ret_n,
                       sd_bus_message **ret_units, sd_bus_message **ret_states) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL, *states = NULL;
        _cleanup_(freep) UnitRow *rows = NULL;
        size_t n = 0;
        int r;

        r = call(bus, verb, AGC_BUS_INTERFACE, "ListUnits", &reply, NULL);
        if (r != 0)
                return r;
        r = read_units(reply, &rows, &n);
        if (r < 0)
                return r;
        unit_rows_sort(rows, n);
        r = read_unit_states(bus, verb, rows, n, &states);
        if (r != 0)
                return r;
        *ret_rows = TAKE_PTR(rows);
        *ret_n = n;
        *ret_units = TAKE_PTR(reply);
        *ret_states = TAKE_PTR(states);
        return 0;
}

int verb_list(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL, *states = NULL;
        _cleanup_(freep) UnitRow *rows = NULL;
        size_t n = 0;
        int r;

        r = ctl_bus_connect(&bus);
        if (r != 0)
                return r;
        r = ctl_list_unit_rows(bus, "list", &rows, &n, &reply, &states);
        if (r != 0)
                return r;

        if (arg_json != JSON_FORMAT_OFF) {
                _cleanup_(json_object_putp) json_object *o = NULL;

                if (unit_rows_to_json(rows, n, &o) < 0)
                        return log_oom();
                return ctl_print_json(o);
        }

        _cleanup_(table_freep) Table *t = NULL;

        if (unit_rows_to_table_with_states(rows, n, &t) < 0)
                return log_oom();
        r = table_print(t, stdout, arg_legend, arg_color_stdout);
        if (r < 0)
                return log_error_errno(r, "Failed to write the list: %m");
        if (arg_legend)
                printf("%s%zu managed unit(s).\n", n > 0 ? "\n" : "", n);
        return 0;
}

int verb_status(int argc, char *argv[]) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        ManagerStatus s = {};
        unsigned seen = 0;
        int r;

        r = ctl_bus_connect(&bus);
        if (r != 0)
                return r;
        r = call(bus, "status", "org.freedesktop.DBus.Properties", "GetAll", &reply, "s", AGC_BUS_INTERFACE);
        if (r != 0)
                return r;

        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        while (r >= 0) {
                const char *name;

                r = sd_bus_message_enter_container(reply, 'e', "sv");
                if (r <= 0)
                        break;
                r = sd_bus_message_read(reply, "s", &name);
                if (r < 0)
                        break;
                if (streq(name, "Version")) {
                        r = sd_bus_message_read(reply, "v", "s", &s.version);
                        seen |= 1;
                } else if (streq(name, "ManagedUnits")) {
                        r = sd_bus_message_read(reply, "v", "u", &s.managed_units);
                        seen |= 2;
                } else if (streq(name, "ConfigErrors")) {
                        r = sd_bus_message_read(reply, "v", "u", &s.config_errors);
                        seen |= 4;
                } else if (streq(name, "Mode"))
                        r = sd_bus_message_read(reply, "v", "s", &s.mode);
                else if (streq(name, "SchedulerState"))
                        r = sd_bus_message_read(reply, "v", "s", &s.scheduler_state);
                else if (streq(name, "SchedulerMode"))
                        r = sd_bus_message_read(reply, "v", "s", &s.scheduler_mode);
                else if (streq(name, "SchedulerReason"))
                        r = sd_bus_message_read(reply, "v", "s", &s.scheduler_reason);
                else if (streq(name, "SchedulerRestarts"))
                        r = sd_bus_message_read(reply, "v", "u", &s.scheduler_restarts);
                else
                        r = sd_bus_message_skip(reply, "v");
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        if (r < 0)
                return ctl_bus_parse_failed("GetAll", r);
        if (seen != 7) {
                log_error("agentcgroupd did not report %s: is it an older version than agentcgroupctl?",
                          !(seen & 1) ? "Version" : !(seen & 2) ? "ManagedUnits" : "ConfigErrors");
                return EXIT_FAILURE;
        }

        if (arg_json != JSON_FORMAT_OFF) {
                _cleanup_(json_object_putp) json_object *o = NULL;

                if (manager_status_to_json(&s, &o) < 0)
                        return log_oom();
                return ctl_print_json(o);
        }
        r = manager_status_print(&s, stdout, arg_color_stdout);
        if (r < 0)
                return log_error_errno(r, "Failed to write the status: %m");
        return 0;
}

int verb_reload(int argc, char *argv[]) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_strv_free_ char **errors = NULL;
        int r;

        r = ctl_bus_connect(&bus);
        if (r != 0)
                return r;
        r = call(bus, "reload", AGC_BUS_INTERFACE, "Reload", &reply, NULL);
        if (r != 0)
                return r;
        r = sd_bus_message_read_strv(reply, &errors);
        if (r < 0)
                return ctl_bus_parse_failed("Reload", r);

        if (strv_length(errors) > 0) {
                error_lines_print(errors, stderr, arg_color_stderr);
                log_error("Configuration rejected: %zu error(s); the previous configuration stays in effect.",
                          strv_length(errors));
                return EXIT_CONFIG_ERRORS;
        }
        printf("Configuration reloaded.\n");
        return 0;
}

int verb_metrics(int argc, char *argv[]) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const char *text;
        int r;

        r = ctl_bus_connect(&bus);
        if (r != 0)
                return r;
        r = call(bus, "metrics", AGC_BUS_INTERFACE, "GetMetrics", &reply, NULL);
        if (r != 0)
                return r;
        r = sd_bus_message_read(reply, "s", &text);
        if (r < 0)
                return ctl_bus_parse_failed("GetMetrics", r);
        fputs(text, stdout);
        return fflush(stdout) == 0 ? 0 : EXIT_FAILURE;
}

/* Reports a failed call about one unit as "VERB UNIT: message"; returns the exit status. */
static int unit_call_failed(const char *verb, const char *unit, sd_bus_error *e, int r) {
        int s = ctl_bus_error_status(e);

        if (s == EXIT_NOT_RUNNING)
                log_error("%s %s: " NOT_RUNNING_MESSAGE, verb, unit);
        else if (s == EXIT_ACCESS_DENIED)
                log_error("%s %s: access denied: %s", verb, unit, strna(e->message));
        else if (sd_bus_error_is_set(e))
                log_error("%s %s: %s", verb, unit, ctl_bus_error_text(e));
        else
                log_error_errno(r, "%s %s: %m", verb, unit);
        sd_bus_error_free(e);
        return s;
}

/* freeze, thaw, kill: one call per unit, in the order given. A failure is reported as
 * "VERB UNIT: message" and the other units are still tried; the status is the first failure's. */
static int unit_action(const char *verb, const char *method, int argc, char *argv[], bool with_signal) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int status = 0, r;

        r = ctl_bus_connect(&bus);
        if (r != 0)
                return r;

        for (int i = 1; i < argc; i++) {
                sd_bus_error e = SD_BUS_ERROR_NULL;
                int s;

                /* The unit name as given: the daemon says what is wrong with it. */
                r = with_signal ? ctl_bus_call(bus, AGC_BUS_PATH, AGC_BUS_INTERFACE, method, &e, NULL, "si", argv[i],
                                               (int32_t) arg_signal)
                                : ctl_bus_call(bus, AGC_BUS_PATH, AGC_BUS_INTERFACE, method, &e, NULL, "s", argv[i]);
                if (r >= 0)
                        continue;

                s = unit_call_failed(verb, argv[i], &e, r);
                if (status == 0)
                        status = s;
        }
        return status;
}

int verb_freeze(int argc, char *argv[]) {
        return unit_action("freeze", "FreezeUnit", argc, argv, false);
}

int verb_thaw(int argc, char *argv[]) {
        return unit_action("thaw", "ThawUnit", argc, argv, false);
}

int verb_kill(int argc, char *argv[]) {
        return unit_action("kill", "KillUnit", argc, argv, true);
}

/* set-profile UNIT PROFILE, clear-profile UNIT: the daemon answers once systemd has the
 * profile's properties, so they are in place when the command returns. The names go as
 * given: the daemon says what is wrong with them. */
static int profile_call(const char *verb, const char *method, const char *unit, const char *profile) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        r = ctl_bus_connect(&bus);
        if (r != 0)
                return r;
        r = profile ? ctl_bus_call(bus, AGC_BUS_PATH, AGC_BUS_INTERFACE, method, &e, NULL, "ss", unit, profile)
                    : ctl_bus_call(bus, AGC_BUS_PATH, AGC_BUS_INTERFACE, method, &e, NULL, "s", unit);
        if (r < 0)
                return unit_call_failed(verb, unit, &e, r);
        return 0;
}

int verb_set_profile(int argc, char *argv[]) {
        return profile_call("set-profile", "SetUnitProfile", argv[1], argv[2]);
}

int verb_clear_profile(int argc, char *argv[]) {
        return profile_call("clear-profile", "ClearUnitProfile", argv[1], NULL);
}
