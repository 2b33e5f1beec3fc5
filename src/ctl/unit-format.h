/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

/* The properties of a unit object (org.agentcgroup1.Unit) as "agentcgroupctl show" prints them:
 * NAME=VALUE lines like systemctl show, or one JSON object. Pure: properties in, text out. */

/* One property as GetAll() returns it. Strings are borrowed (from the reply). */
typedef struct UnitProperty {
        const char *name;
        char type;              /* its D-Bus type: 's', 'o', 'g', 'b', 'y', 'n', 'q', 'i', 'u', 'x', 't', 'd' */
        const char *str;        /* 's', 'o', 'g' */
        uint64_t u;             /* 'b', 'y', 'q', 'u', 't' */
        int64_t i;              /* 'n', 'i', 'x' */
        double d;               /* 'd' */
} UnitProperty;

/* The first name of filter (NULL: all) that is not among the properties, or NULL. */
const char *unit_properties_missing(const UnitProperty *props, size_t n, char * const *filter);

/* The value as shown: numbers in decimal, UINT64_MAX as "[not set]", *Timestamp as a local
 * date ("" for 0), *USec as a time span ("1min 30s"), booleans as yes/no. */
char *unit_property_format(const UnitProperty *p, char *buf, size_t size);

/* NAME=VALUE per property in the order given, only those in filter (NULL: all); with
 * value_only just VALUE. */
int unit_properties_print(const UnitProperty *props, size_t n, char * const *filter, bool value_only, FILE *f);

/* One object, members named like the properties: strings ("" is null), numbers (UINT64_MAX
 * and a 0 *Timestamp are null), booleans. */
int unit_properties_to_json(const UnitProperty *props, size_t n, char * const *filter, json_object **ret);
