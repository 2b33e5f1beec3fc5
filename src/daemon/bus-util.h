/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <systemd/sd-bus.h>

#include "macro.h"
#include "profile-props.h"

#define SYSTEMD_BUS_NAME "org.freedesktop.systemd1"
#define SYSTEMD_BUS_PATH "/org/freedesktop/systemd1"
#define SYSTEMD_MANAGER_INTERFACE "org.freedesktop.systemd1.Manager"

#define _cleanup_bus_message_ _cleanup_(sd_bus_message_unrefp)
#define _cleanup_bus_error_ _cleanup_(sd_bus_error_free)

/* One property to pick out of an a{sv} (GetAll reply). Types handled: 's' (char *, strdup'd,
 * replacing what was there), 't' (uint64_t), 'b' (int), 'u' (uint32_t). Others are skipped. */
typedef struct BusPropertyMap {
        const char *name;
        char type;
        size_t offset;
} BusPropertyMap;

/* Reads an a{sv} at the message's read position into the struct at base. Unknown properties
 * and ones of another type than expected are skipped. */
int bus_read_properties(sd_bus_message *m, const BusPropertyMap *map, void *base);

/* True for errors that mean "that unit is gone" (a unit removed while we talked about it). */
int bus_error_is_unit_gone(const sd_bus_error *e);
/* True when a call got no answer in time (the peer is busy, not refusing). */
int bus_error_is_timeout(const sd_bus_error *e);

/* StartTransientUnit(unit, "fail", properties, no auxiliary units). slice and pids are for
 * scopes (which are collected even when they end failed); a NULL props sets no resource
 * properties (each is a 't'). */
int bus_message_new_start_transient(sd_bus *bus, const char *unit, const char *description, const char *slice,
                                    const uint32_t *pids, size_t n_pids, const UnitPropertySet *props,
                                    sd_bus_message **ret);
