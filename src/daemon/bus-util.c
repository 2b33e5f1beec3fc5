/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bus-util.h"

static int read_one(sd_bus_message *m, const BusPropertyMap *p, void *base) {
        char sig[2] = { p->type, 0 };
        void *dst = (uint8_t *) base + p->offset;
        int r;

        r = sd_bus_message_enter_container(m, SD_BUS_TYPE_VARIANT, sig);
        if (r <= 0)
                return r < 0 ? r : -EBADMSG;

        switch (p->type) {
        case 's': {
                const char *s;
                char *copy;

                r = sd_bus_message_read_basic(m, 's', &s);
                if (r < 0)
                        return r;
                copy = strdup(s);
                if (!copy)
                        return -ENOMEM;
                free(*(char **) dst);
                *(char **) dst = copy;
                break;
        }
        case 't':
        case 'b':
        case 'u':
                r = sd_bus_message_read_basic(m, p->type, dst);
                if (r < 0)
                        return r;
                break;
        default:
                return -EINVAL;
        }
        return sd_bus_message_exit_container(m);
}

int bus_read_properties(sd_bus_message *m, const BusPropertyMap *map, void *base) {
        int r;

        r = sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "{sv}");
        if (r < 0)
                return r;

        while ((r = sd_bus_message_enter_container(m, SD_BUS_TYPE_DICT_ENTRY, "sv")) > 0) {
                const BusPropertyMap *found = NULL;
                const char *name, *contents;

                r = sd_bus_message_read_basic(m, 's', &name);
                if (r < 0)
                        return r;
                for (const BusPropertyMap *p = map; p->name; p++)
                        if (streq(p->name, name)) {
                                found = p;
                                break;
                        }

                r = sd_bus_message_peek_type(m, NULL, &contents);
                if (r < 0)
                        return r;
                if (found && contents && strlen(contents) == 1 && contents[0] == found->type)
                        r = read_one(m, found, base);
                else
                        r = sd_bus_message_skip(m, "v");
                if (r < 0)
                        return r;

                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

int bus_error_is_unit_gone(const sd_bus_error *e) {
        return sd_bus_error_has_name(e, "org.freedesktop.systemd1.NoSuchUnit") ||
               sd_bus_error_has_name(e, "org.freedesktop.systemd1.LoadFailed") ||
               sd_bus_error_has_name(e, "org.freedesktop.DBus.Error.UnknownObject") ||
               sd_bus_error_has_name(e, "org.freedesktop.systemd1.UnitInactive");
}

int bus_error_is_timeout(const sd_bus_error *e) {
        return sd_bus_error_has_name(e, SD_BUS_ERROR_TIMEOUT) || sd_bus_error_has_name(e, SD_BUS_ERROR_NO_REPLY);
}

int bus_message_new_start_transient(sd_bus *bus, const char *unit, const char *description, const char *slice,
                                    const uint32_t *pids, size_t n_pids, const UnitPropertySet *props,
                                    sd_bus_message **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &msg, SYSTEMD_BUS_NAME, SYSTEMD_BUS_PATH,
                                           SYSTEMD_MANAGER_INTERFACE, "StartTransientUnit");
        if (r < 0)
                return r;
        r = sd_bus_message_append(msg, "ss", unit, "fail");
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(msg, 'a', "(sv)");
        if (r < 0)
                return r;
        r = sd_bus_message_append(msg, "(sv)", "Description", "s", description);
        if (r >= 0 && slice)
                r = sd_bus_message_append(msg, "(sv)", "Slice", "s", slice);
        if (r >= 0 && n_pids > 0) {
                r = sd_bus_message_open_container(msg, 'r', "sv");
                if (r >= 0)
                        r = sd_bus_message_append(msg, "s", "PIDs");
                if (r >= 0)
                        r = sd_bus_message_open_container(msg, 'v', "au");
                if (r >= 0)
                        r = sd_bus_message_append_array(msg, 'u', pids, n_pids * sizeof(uint32_t));
                if (r >= 0)
                        r = sd_bus_message_close_container(msg);
                if (r >= 0)
                        r = sd_bus_message_close_container(msg);
        }
        /* A scope killed (a tool call by the memory layer) ends "failed": gone all the same,
         * no cgroup or unit left behind. */
        if (r >= 0 && n_pids > 0)
                r = sd_bus_message_append(msg, "(sv)", "CollectMode", "s", "inactive-or-failed");
        for (size_t i = 0; r >= 0 && props && i < props->n; i++)
                r = sd_bus_message_append(msg, "(sv)", props->items[i].name, "t", props->items[i].value);
        if (r < 0)
                return r;
        r = sd_bus_message_close_container(msg);
        if (r >= 0)
                r = sd_bus_message_append(msg, "a(sa(sv))", 0);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(msg);
        return 0;
}
