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

/* MemoryLow= of a profile for a unit: as written; else infinity for an interactive scope or
 * service (what the policy protects: the kernel reclaims from everyone else first) and 0 for
 * other classes and for slices (a slice passes on what the units below it ask for, protect.c;
 * with the kernel's memory_recursiveprot, infinity on a slice would protect all below it
 * alike). UINT64_MAX: infinity. */
uint64_t profile_memory_low(const Profile *p, uint64_t physical_memory, bool slice);
/* Adds the class defaults that are unit properties (MemoryLow=, above) to a profile's set. */
void profile_add_class_defaults(const Profile *p, uint64_t physical_memory, bool slice, UnitPropertySet *set);

/* The properties a profile sets, percentages resolved against physical_memory. */
void profile_to_properties(const Profile *p, uint64_t physical_memory, UnitPropertySet *ret);
bool unit_property_set_equal(const UnitPropertySet *a, const UnitPropertySet *b);
/* "MemoryHigh=512M CPUWeight=100", for logs. */
char *unit_property_set_to_string(const UnitPropertySet *s);
