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

#define AGC_BUS_NAME "org.agentcgroup1"
#define AGC_BUS_PATH "/org/agentcgroup1"
#define AGC_BUS_INTERFACE "org.agentcgroup1.Manager"

static int bus_connect(sd_bus **ret) {
        int r;

        /* $DBUS_SYSTEM_BUS_ADDRESS, else /run/dbus/system_bus_socket. */
        r = sd_bus_open_system(ret);
        if (r < 0) {
                log_error_errno(r, "cannot connect to the system bus: %m");
                return EXIT_FAILURE;
        }
        return 0;
}

#define AGC_ERROR_UNIT_NOT_MANAGED "org.agentcgroup1.Error.UnitNotManaged"

#define NOT_RUNNING_MESSAGE "agentcgroupd is not running (no " AGC_BUS_NAME " on the system bus)"

/* The exit status for a failed call: see EXIT STATUS in agentcgroupctl(1). */
static int bus_error_status(const sd_bus_error *e) {
        if (sd_bus_error_has_name(e, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
            sd_bus_error_has_name(e, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                return EXIT_NOT_RUNNING;
        if (sd_bus_error_has_name(e, SD_BUS_ERROR_ACCESS_DENIED))
                return EXIT_ACCESS_DENIED;
        if (sd_bus_error_has_name(e, AGC_ERROR_UNIT_NOT_MANAGED))
                return EXIT_UNIT_NOT_MANAGED;
        return EXIT_FAILURE;
}

/* What the daemon (or the bus, or sd-bus) said: its message, else the error's name. */
static const char *bus_error_text(const sd_bus_error *e) {
        return !isempty(e->message) ? e->message : e->name;
}

/* Turns a failed call into the exit status, after saying what went wrong. */
static int bus_call_failed(const char *verb, const char *method, const sd_bus_error *e, int r) {
        int status = bus_error_status(e);

        switch (status) {
        case EXIT_NOT_RUNNING:
                log_error(NOT_RUNNING_MESSAGE);
                break;
        case EXIT_ACCESS_DENIED:
                if (streq(verb, "reload"))
                        log_error("reload needs root: %s", strna(e->message));
                else
                        log_error("%s: access denied: %s", verb, strna(e->message));
                break;
        case EXIT_UNIT_NOT_MANAGED:
                log_error("%s: %s", verb, bus_error_text(e));
                break;
        default:
                if (sd_bus_error_is_set(e))
                        log_error("Failed to call %s(): %s", method, strna(e->message));
                else
                        log_error_errno(r, "Failed to call %s(): %m", method);
        }
        return status;
}

/* 0, or the exit status after logging. */
static int call(const char *verb, const char *interface, const char *method, sd_bus_message **reply,
                const char *types, ...) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        va_list ap;
        int r;

        r = bus_connect(&bus);
        if (r != 0)
                return r;
        r = sd_bus_message_new_method_call(bus, &m, AGC_BUS_NAME, AGC_BUS_PATH, interface, method);
        if (r >= 0 && types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
        }
        if (r < 0)
                return log_error_errno(r, "Failed to build the %s() call: %m", method);
        r = sd_bus_call(bus, m, 0, &e, reply);
        if (r < 0) {
                r = bus_call_failed(verb, method, &e, r);
                sd_bus_error_free(&e);
                return r;
        }
        return 0;
}

static int bus_parse_failed(const char *method, int r) {
        return log_error_errno(r, "Failed to parse the reply to %s(): %m", method);
}

static int print_json(json_object *o) {
        int r = json_print(o, stdout, arg_json);

        return r < 0 ? log_error_errno(r, "Failed to write the output: %m") : 0;
}

int verb_list(int argc, char *argv[]) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(freep) UnitRow *rows = NULL;
        size_t n = 0;
        int r;

        r = call("list", AGC_BUS_INTERFACE, "ListUnits", &reply, NULL);
        if (r != 0)
                return r;

        r = sd_bus_message_enter_container(reply, 'a', "(ssssst)");
        if (r < 0)
                return bus_parse_failed("ListUnits", r);
        for (;;) {
                UnitRow u = {};
                UnitRow *a;

                r = sd_bus_message_read(reply, "(ssssst)", &u.unit, &u.type, &u.slice, &u.profile, &u.rule,
                                        &u.cgroup_id);
                if (r < 0)
                        return bus_parse_failed("ListUnits", r);
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
                return bus_parse_failed("ListUnits", r);

        unit_rows_sort(rows, n);
        if (arg_json != JSON_FORMAT_OFF) {
                _cleanup_(json_object_putp) json_object *o = NULL;

                if (unit_rows_to_json(rows, n, &o) < 0)
                        return log_oom();
                return print_json(o);
        }

        _cleanup_(table_freep) Table *t = NULL;

        if (unit_rows_to_table(rows, n, &t) < 0)
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
        ManagerStatus s = {};
        unsigned seen = 0;
        int r;

        r = call("status", "org.freedesktop.DBus.Properties", "GetAll", &reply, "s", AGC_BUS_INTERFACE);
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
                } else
                        r = sd_bus_message_skip(reply, "v");
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        if (r < 0)
                return bus_parse_failed("GetAll", r);
        if (seen != 7) {
                log_error("agentcgroupd did not report %s: is it an older version than agentcgroupctl?",
                          !(seen & 1) ? "Version" : !(seen & 2) ? "ManagedUnits" : "ConfigErrors");
                return EXIT_FAILURE;
        }

        if (arg_json != JSON_FORMAT_OFF) {
                _cleanup_(json_object_putp) json_object *o = NULL;

                if (manager_status_to_json(&s, &o) < 0)
                        return log_oom();
                return print_json(o);
        }
        r = manager_status_print(&s, stdout, arg_color_stdout);
        if (r < 0)
                return log_error_errno(r, "Failed to write the status: %m");
        return 0;
}

int verb_reload(int argc, char *argv[]) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_strv_free_ char **errors = NULL;
        int r;

        r = call("reload", AGC_BUS_INTERFACE, "Reload", &reply, NULL);
        if (r != 0)
                return r;
        r = sd_bus_message_read_strv(reply, &errors);
        if (r < 0)
                return bus_parse_failed("Reload", r);

        if (strv_length(errors) > 0) {
                error_lines_print(errors, stderr, arg_color_stderr);
                log_error("Configuration rejected: %zu error(s); the previous configuration stays in effect.",
                          strv_length(errors));
                return EXIT_CONFIG_ERRORS;
        }
        printf("Configuration reloaded.\n");
        return 0;
}

/* freeze, thaw, kill: one call per unit, in the order given. A failure is reported as
 * "VERB UNIT: message" and the other units are still tried; the status is the first failure's. */
static int unit_action(const char *verb, const char *method, int argc, char *argv[], bool with_signal) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int status = 0, r;

        r = bus_connect(&bus);
        if (r != 0)
                return r;

        for (int i = 1; i < argc; i++) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
                sd_bus_error e = SD_BUS_ERROR_NULL;
                int s;

                /* The unit name as given: the daemon says what is wrong with it. */
                r = sd_bus_message_new_method_call(bus, &m, AGC_BUS_NAME, AGC_BUS_PATH, AGC_BUS_INTERFACE, method);
                if (r >= 0)
                        r = with_signal ? sd_bus_message_append(m, "si", argv[i], (int32_t) arg_signal)
                                        : sd_bus_message_append(m, "s", argv[i]);
                if (r >= 0)
                        r = sd_bus_call(bus, m, 0, &e, NULL);
                if (r >= 0)
                        continue;

                s = bus_error_status(&e);
                if (s == EXIT_NOT_RUNNING)
                        log_error("%s %s: " NOT_RUNNING_MESSAGE, verb, argv[i]);
                else if (s == EXIT_ACCESS_DENIED)
                        log_error("%s %s: access denied: %s", verb, argv[i], strna(e.message));
                else if (sd_bus_error_is_set(&e))
                        log_error("%s %s: %s", verb, argv[i], bus_error_text(&e));
                else
                        log_error_errno(r, "%s %s: %m", verb, argv[i]);
                sd_bus_error_free(&e);
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
