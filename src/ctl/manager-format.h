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

/* One element of ListUnits() → a(ssssst), with the unit's element of ListUnitStates() →
 * a(sssttsd) when there is one. Empty strings stand for "none"; the strings are borrowed (from
 * the D-Bus replies, or the test's literals). */
typedef struct UnitRow {
        const char *unit;
        const char *type;       /* "slice", "scope", "service" */
        const char *slice;      /* parent slice */
        const char *profile;    /* "": none */
        const char *rule;       /* "": the default profile (or none); "(override)": set-profile */
        uint64_t cgroup_id;

        /* From ListUnitStates(). state NULL: not known (a daemon without that method, or a unit
         * that went away between the calls); the other fields are then unset too. */
        const char *state;              /* "running", "throttled", "frozen", "killed" */
        const char *last_action;        /* "none", "throttle", ... */
        const char *last_reason;        /* "": none */
        uint64_t memory_current;        /* UINT64_MAX: not known */
        uint64_t effective_memory_high; /* UINT64_MAX: the profile's MemoryHigh= applies */
        double stall_percent;           /* memory.pressure "some" over the last interval */
} UnitRow;

/* By unit name, as listed. */
void unit_rows_sort(UnitRow *rows, size_t n);
/* The row of unit in rows sorted by unit_rows_sort(), or NULL. */
UnitRow *unit_rows_find(UnitRow *rows, size_t n, const char *unit);

/* Where the row's profile came from: "rule", "default" (DefaultProfile=), "override"
 * (set-profile), or NULL without a profile. */
const char *unit_row_source(const UnitRow *u);

/* Columns UNIT TYPE SLICE PROFILE RULE CGROUP-ID, in the order given. An empty field is "-";
 * an empty rule with a profile set is "(default)": DefaultProfile= applied; an override shows
 * as "(override)", as the daemon reports it. */
int unit_rows_to_table(const UnitRow *rows, size_t n, Table **ret);
/* The same, followed by STATE and MEMORY (memory.current as 1.5G, 512.0M, ...); "-" for a row
 * without state. This is what "agentcgroupctl list" prints. */
int unit_rows_to_table_with_states(const UnitRow *rows, size_t n, Table **ret);
/* An array of objects {unit, type, slice, profile, rule, source, cgroup_id, state,
 * last_action, last_reason, memory_current, effective_memory_high} in the order given; empty
 * strings are null (and so is the rule of an override), numbers are numbers, UINT64_MAX and
 * everything a row without state lacks is null. */
int unit_rows_to_json(const UnitRow *rows, size_t n, json_object **ret);

/* Bytes with a binary suffix and one decimal, as systemctl status shows memory: "100B",
 * "4.0K", "1.5G". */
char *format_bytes(char *buf, size_t size, uint64_t bytes);

/* The properties Version, ManagedUnits, ConfigErrors and, from daemons that have them, the
 * Scheduler* ones (NULL when absent). */
typedef struct ManagerStatus {
        const char *version;
        uint32_t managed_units;
        uint32_t config_errors;
        const char *mode;               /* [Manager] Mode=: "enforce", "monitor"; NULL: not reported */
        const char *scheduler_state;    /* "enabled", "off", "ejected", "failed" */
        const char *scheduler_mode;     /* "full", "partial", "off" */
        const char *scheduler_reason;   /* "": none */
        uint32_t scheduler_restarts;
} ManagerStatus;

/* "Version: ...", "ManagedUnits: N", "ConfigErrors: N", "Mode: ..." (monitor in yellow with
 * colour), one per line; errors red with colour when there are any. Then "Scheduler: enabled (full)" or "Scheduler: failed: REASON" (red
 * when ejected or failed), with ", N restarts" when there were any. */
int manager_status_print(const ManagerStatus *s, FILE *f, bool color);
/* {version, managed_units, config_errors, mode, scheduler: {state, mode, reason, restarts}}; no
 * mode or scheduler key when the daemon did not report one, a null reason when there is none. */
int manager_status_to_json(const ManagerStatus *s, json_object **ret);

/* Each string on its own line, red with colour (the errors Reload() returns). */
void error_lines_print(char * const *lines, FILE *f, bool color);
