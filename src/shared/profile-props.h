/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "macro.h"

/* A profile's static part as the systemd unit properties that carry it. All of them are D-Bus
 * type 't' in SetUnitProperties(). Pure. */

#define UNIT_PROPERTIES_MAX 8

typedef struct UnitProperty {
        const char *name;       /* static string: "MemoryHigh", ... */
        uint64_t value;         /* UINT64_MAX: infinity */
} UnitProperty;

typedef struct UnitPropertySet {
        UnitProperty items[UNIT_PROPERTIES_MAX];
        size_t n;
} UnitPropertySet;

/* The properties a profile sets, percentages resolved against physical_memory. */
void profile_to_properties(const Profile *p, uint64_t physical_memory, UnitPropertySet *ret);
bool unit_property_set_equal(const UnitPropertySet *a, const UnitPropertySet *b);
/* "MemoryHigh=512M CPUWeight=100", for logs. */
char *unit_property_set_to_string(const UnitPropertySet *s);
