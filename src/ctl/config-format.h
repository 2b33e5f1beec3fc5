/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include <json-c/json.h>

#include "conf.h"
#include "table.h"

/* The loaded configuration as agentcgroupctl shows it: profiles and rules as a table and as
 * JSON (the same fields, so either output carries the same data), and the error list. Pure:
 * a Config in, text or objects out. */

typedef enum JsonFormat {
        JSON_FORMAT_OFF,
        JSON_FORMAT_SHORT,      /* one line */
        JSON_FORMAT_PRETTY,     /* indented */
        _JSON_FORMAT_AUTO,      /* command line only: pretty on a terminal, else short */
} JsonFormat;

/* Columns PROFILE CLASS CPUWEIGHT MEMMIN MEMLOW MEMHIGH MEMMAX SWAPMAX TASKSMAX DEFINED. */
int profiles_to_table(const Config *c, Table **ret);
/* Columns RULE TYPE UNIT SLICE USER DESCRIPTION PROFILE DEFINED, in the order rules are tried. */
int rules_to_table(const Config *c, Table **ret);

/* An array of objects, one per profile: name, class, cpu_weight (a number or "idle"), memory_min, memory_low,
 * memory_high, memory_max, memory_swap_max (strings as in the configuration), tasks_max (a
 * number or "infinity"), default (whether it is DefaultProfile=), file, line. Unset: null. */
int profiles_to_json(const Config *c, json_object **ret);
/* An array of objects in the order rules are tried: name, type, units, slices, users,
 * descriptions (arrays; null: any), profile, file, line. */
int rules_to_json(const Config *c, json_object **ret);

static inline void json_object_putp(json_object **o) {
        if (*o)
                json_object_put(*o);
}

int json_print(json_object *o, FILE *f, JsonFormat format);

/* Members of an object; they return -ENOMEM or 0. json_add() takes ownership of v even on
 * failure, and a NULL v (or s) stores null. */
int json_add(json_object *o, const char *key, json_object *v);
int json_add_string(json_object *o, const char *key, const char *s);
int json_add_uint(json_object *o, const char *key, uint64_t u);

/* Every error as "FILE:LINE: message" ("FILE: message" when it concerns the whole file), red
 * with colour. */
void config_errors_print(const Config *c, FILE *f, bool color);
