/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include "config-format.h"
#include "table.h"

/* What the running agentcgroupd reports on D-Bus (org.agentcgroup1.Manager), as agentcgroupctl
 * shows it. Pure: rows in, a table or JSON out, so it is tested without a bus. */

/* One element of ListUnits() → a(ssssst). Empty strings stand for "none"; the strings are
 * borrowed (from the D-Bus reply, or the test's literals). */
typedef struct UnitRow {
        const char *unit;
        const char *type;       /* "slice", "scope", "service" */
        const char *slice;      /* parent slice */
        const char *profile;    /* "": none */
        const char *rule;       /* "": the default profile (or none) */
        uint64_t cgroup_id;
} UnitRow;

/* By unit name, as listed. */
void unit_rows_sort(UnitRow *rows, size_t n);

/* Columns UNIT TYPE SLICE PROFILE RULE CGROUP-ID, in the order given. An empty field is "-";
 * an empty rule with a profile set is "(default)": DefaultProfile= applied. */
int unit_rows_to_table(const UnitRow *rows, size_t n, Table **ret);
/* An array of objects {unit, type, slice, profile, rule, cgroup_id} in the order given; empty
 * strings are null, cgroup_id a number. */
int unit_rows_to_json(const UnitRow *rows, size_t n, json_object **ret);

/* The properties Version, ManagedUnits and ConfigErrors. */
typedef struct ManagerStatus {
        const char *version;
        uint32_t managed_units;
        uint32_t config_errors;
} ManagerStatus;

/* "Version: ...", "ManagedUnits: N", "ConfigErrors: N", one per line; errors red with colour
 * when there are any. */
int manager_status_print(const ManagerStatus *s, FILE *f, bool color);
/* {version, managed_units, config_errors}. */
int manager_status_to_json(const ManagerStatus *s, json_object **ret);

/* Each string on its own line, red with colour (the errors Reload() returns). */
void error_lines_print(char * const *lines, FILE *f, bool color);
