/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-bus.h>

#include "agentcgroupctl.h"
#include "log.h"
#include "strv.h"
#include "unit-format.h"

/* show UNIT: GetUnit() gives the unit's object, one GetAll() its properties. The daemon owns
 * the list of properties: whatever it reports is shown, in its order. */

/* Logs why a call for show failed; returns the exit status. */
static int show_failed(const char *unit, const char *method, sd_bus_error *e, int r) {
        int status = ctl_bus_error_status(e);

        if (status == EXIT_NOT_RUNNING)
                log_error(NOT_RUNNING_MESSAGE);
        else if (sd_bus_error_has_name(e, SD_BUS_ERROR_UNKNOWN_METHOD))
                log_error("show %s: agentcgroupd has no %s(): is it an older version than agentcgroupctl?", unit,
                          method);
        else if (status == EXIT_ACCESS_DENIED)
                log_error("show %s: access denied: %s", unit, strna(e->message));
        else if (sd_bus_error_has_name(e, SD_BUS_ERROR_UNKNOWN_OBJECT) ||
                 sd_bus_error_has_name(e, SD_BUS_ERROR_UNKNOWN_INTERFACE)) {
                /* Between the two calls the unit went away, or left the managed slices. */
                log_error("show %s: %s is no longer managed by agentcgroupd.", unit, unit);
                status = EXIT_UNIT_NOT_MANAGED;
        } else if (sd_bus_error_is_set(e))
                log_error("show %s: %s", unit, ctl_bus_error_text(e));
        else
                log_error_errno(r, "show %s: %m", unit);
        sd_bus_error_free(e);
        return status;
}

static bool type_is_supported(const char *contents) {
        return contents && strlen(contents) == 1 && strchr("sogbynqiuxtd", contents[0]);
}

/* The value of one a{sv} entry; 0 when its type is not one show knows (it is skipped). */
static int read_value(sd_bus_message *m, UnitProperty *p) {
        const char *contents;
        char type;
        int r;

        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;
        if (!type_is_supported(contents)) {
                r = sd_bus_message_skip(m, "v");
                return r < 0 ? r : 0;
        }
        r = sd_bus_message_enter_container(m, 'v', contents);
        if (r < 0)
                return r;
        p->type = contents[0];
        switch (p->type) {
        case 's':
        case 'o':
        case 'g':
                r = sd_bus_message_read_basic(m, p->type, &p->str);
                break;
        case 'b': {
                int b;

                r = sd_bus_message_read_basic(m, 'b', &b);
                p->u = b != 0;
                break;
        }
        case 'y': {
                uint8_t v;

                r = sd_bus_message_read_basic(m, 'y', &v);
                p->u = v;
                break;
        }
        case 'q': {
                uint16_t v;

                r = sd_bus_message_read_basic(m, 'q', &v);
                p->u = v;
                break;
        }
        case 'u': {
                uint32_t v;

                r = sd_bus_message_read_basic(m, 'u', &v);
                p->u = v;
                break;
        }
        case 't':
                r = sd_bus_message_read_basic(m, 't', &p->u);
                break;
        case 'n': {
                int16_t v;

                r = sd_bus_message_read_basic(m, 'n', &v);
                p->i = v;
                break;
        }
        case 'i': {
                int32_t v;

                r = sd_bus_message_read_basic(m, 'i', &v);
                p->i = v;
                break;
        }
        case 'x':
                r = sd_bus_message_read_basic(m, 'x', &p->i);
                break;
        default: /* 'd' */
                r = sd_bus_message_read_basic(m, 'd', &p->d);
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        return r < 0 ? r : 1;
}

static int read_properties(sd_bus_message *m, UnitProperty **ret, size_t *ret_n) {
        _cleanup_(freep) UnitProperty *props = NULL;
        size_t n = 0;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        for (;;) {
                UnitProperty p = {};
                UnitProperty *a;

                r = sd_bus_message_enter_container(m, 'e', "sv");
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                r = sd_bus_message_read(m, "s", &p.name);
                if (r >= 0)
                        r = read_value(m, &p);
                if (r < 0)
                        return r;
                if (r > 0) {
                        a = reallocarray(props, n + 1, sizeof(UnitProperty));
                        if (!a)
                                return -ENOMEM;
                        props = a;
                        props[n++] = p;
                }
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(props);
        *ret_n = n;
        return 0;
}

int verb_show(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL, *all = NULL;
        _cleanup_(freep) UnitProperty *props = NULL;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        const char *unit = argv[1], *path, *missing;
        size_t n = 0;
        int r;

        r = ctl_bus_connect(&bus);
        if (r != 0)
                return r;

        /* The name as given: the daemon says what is wrong with it. */
        r = ctl_bus_call(bus, AGC_BUS_PATH, AGC_BUS_INTERFACE, "GetUnit", &e, &reply, "s", unit);
        if (r < 0)
                return show_failed(unit, "GetUnit", &e, r);
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return ctl_bus_parse_failed("GetUnit", r);

        r = ctl_bus_call(bus, path, "org.freedesktop.DBus.Properties", "GetAll", &e, &all, "s", AGC_UNIT_INTERFACE);
        if (r < 0)
                return show_failed(unit, "GetAll", &e, r);
        r = read_properties(all, &props, &n);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return ctl_bus_parse_failed("GetAll", r);

        missing = unit_properties_missing(props, n, arg_properties);
        if (missing) {
                log_error("show %s: agentcgroupd reports no property '%s'.", unit, missing);
                return EXIT_FAILURE;
        }

        if (arg_json != JSON_FORMAT_OFF) {
                _cleanup_(json_object_putp) json_object *o = NULL;

                if (unit_properties_to_json(props, n, arg_properties, &o) < 0)
                        return log_oom();
                return ctl_print_json(o);
        }
        r = unit_properties_print(props, n, arg_properties, arg_value, stdout);
        if (r < 0)
                return log_error_errno(r, "Failed to write the properties: %m");
        return 0;
}
