/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "manager-format.h"
#include "match.h"
#include "strv.h"
#include "terminal-util.h"

static int unit_row_compare(const void *a, const void *b) {
        const UnitRow *x = a, *y = b;

        return strcmp(strempty(x->unit), strempty(y->unit));
}

void unit_rows_sort(UnitRow *rows, size_t n) {
        if (n > 1)
                qsort(rows, n, sizeof(UnitRow), unit_row_compare);
}

UnitRow *unit_rows_find(UnitRow *rows, size_t n, const char *unit) {
        UnitRow key = { .unit = unit };

        return n > 0 ? bsearch(&key, rows, n, sizeof(UnitRow), unit_row_compare) : NULL;
}

char *format_bytes(char *buf, size_t size, uint64_t bytes) {
        static const char suffixes[] = "KMGTPE";
        uint64_t scale = 1024;
        size_t i = 0;

        if (bytes < 1024) {
                snprintf(buf, size, "%" PRIu64 "B", bytes);
                return buf;
        }
        /* The largest suffix that leaves at least 1; bytes / 1024^6 < 16, so E is the end. */
        while (i + 1 < sizeof(suffixes) - 1 && bytes / scale >= 1024) {
                scale *= 1024;
                i++;
        }
        snprintf(buf, size, "%.1f%c", (double) bytes / (double) scale, suffixes[i]);
        return buf;
}

const char *unit_row_source(const UnitRow *u) {
        if (isempty(u->profile))
                return NULL;
        if (streq_ptr(u->rule, RULE_OVERRIDE))
                return profile_source_to_string(PROFILE_SOURCE_OVERRIDE);
        return profile_source_to_string(isempty(u->rule) ? PROFILE_SOURCE_DEFAULT : PROFILE_SOURCE_RULE);
}

static const char *rule_cell(const UnitRow *u) {
        if (!isempty(u->rule))
                return u->rule;
        return isempty(u->profile) ? NULL : "(default)";
}

static const char *memory_cell(const UnitRow *u, char *buf, size_t size) {
        if (!u->state || u->memory_current == UINT64_MAX)
                return NULL;
        return format_bytes(buf, size, u->memory_current);
}

static const char *pressure_cell(const UnitRow *u, char *buf, size_t size) {
        if (!u->state)
                return NULL;
        snprintf(buf, size, "%.1f%%", u->stall_percent);
        return buf;
}

static int rows_to_table(const UnitRow *rows, size_t n, bool states, Table **ret) {
        static const char * const headers[] = {
                "UNIT", "TYPE", "SLICE", "PROFILE", "RULE", "CGROUP-ID", NULL, NULL, NULL, NULL,
        };
        static const char * const headers_with_states[] = {
                "UNIT", "TYPE", "SLICE", "PROFILE", "RULE", "CGROUP-ID", "STATE", "MEMORY", "PRESSURE", NULL,
        };
        _cleanup_(table_freep) Table *t = NULL;
        int r;

        /* The new columns go last, so scripts that pick columns by number keep working. */
        r = table_new(&t, states ? headers_with_states : headers);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                char id[32], mem[32], pressure[32];

                snprintf(id, sizeof id, "%" PRIu64, rows[i].cgroup_id);
                r = table_add_row(t, (const char * const[]) {
                        rows[i].unit, rows[i].type, rows[i].slice, rows[i].profile, rule_cell(&rows[i]), id,
                        rows[i].state, memory_cell(&rows[i], mem, sizeof mem),
                        pressure_cell(&rows[i], pressure, sizeof pressure),
                });
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(t);
        return 0;
}

int unit_rows_to_table(const UnitRow *rows, size_t n, Table **ret) {
        return rows_to_table(rows, n, false, ret);
}

int unit_rows_to_table_with_states(const UnitRow *rows, size_t n, Table **ret) {
        return rows_to_table(rows, n, true, ret);
}

static const char *empty_to_null(const char *s) {
        return isempty(s) ? NULL : s;
}

static int json_add_uint_or_null(json_object *o, const char *key, uint64_t u) {
        return u == UINT64_MAX ? json_add(o, key, NULL) : json_add_uint(o, key, u);
}

static int unit_row_to_json(const UnitRow *u, json_object **ret) {
        _cleanup_(json_object_putp) json_object *o = NULL;
        int r;

        o = json_object_new_object();
        if (!o)
                return -ENOMEM;
        r = json_add_string(o, "unit", empty_to_null(u->unit));
        if (r >= 0)
                r = json_add_string(o, "type", empty_to_null(u->type));
        if (r >= 0)
                r = json_add_string(o, "slice", empty_to_null(u->slice));
        if (r >= 0)
                r = json_add_string(o, "profile", empty_to_null(u->profile));
        /* "(override)" is no rule's name: null, and "source" says where the profile came from. */
        if (r >= 0)
                r = json_add_string(o, "rule", streq_ptr(u->rule, RULE_OVERRIDE) ? NULL : empty_to_null(u->rule));
        if (r >= 0)
                r = json_add_string(o, "source", unit_row_source(u));
        if (r >= 0)
                r = json_add_uint(o, "cgroup_id", u->cgroup_id);
        if (r >= 0)
                r = json_add_string(o, "state", empty_to_null(u->state));
        if (r >= 0)
                r = json_add_string(o, "last_action", u->state ? empty_to_null(u->last_action) : NULL);
        if (r >= 0)
                r = json_add_string(o, "last_reason", u->state ? empty_to_null(u->last_reason) : NULL);
        if (r >= 0)
                r = json_add_uint_or_null(o, "memory_current", u->state ? u->memory_current : UINT64_MAX);
        if (r >= 0)
                r = json_add_uint_or_null(o, "effective_memory_high", u->state ? u->effective_memory_high : UINT64_MAX);
        if (r >= 0)
                r = json_add(o, "stall_percent", u->state ? json_object_new_double(u->stall_percent) : NULL);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

int unit_rows_to_json(const UnitRow *rows, size_t n, json_object **ret) {
        _cleanup_(json_object_putp) json_object *a = NULL;
        int r;

        a = json_object_new_array();
        if (!a)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *o;

                r = unit_row_to_json(&rows[i], &o);
                if (r < 0)
                        return r;
                if (json_object_array_add(a, o) < 0) {
                        json_object_put(o);
                        return -ENOMEM;
                }
        }
        *ret = TAKE_PTR(a);
        return 0;
}

int manager_status_print(const ManagerStatus *s, FILE *f, bool color) {
        bool bad = s->config_errors > 0;

        fprintf(f, "Version: %s\n", strempty(s->version));
        fprintf(f, "ManagedUnits: %" PRIu32 "\n", s->managed_units);
        fprintf(f, "ConfigErrors: %s%" PRIu32 "%s\n", ansi(color && bad, ANSI_HIGHLIGHT_RED), s->config_errors,
                ansi(color && bad, ANSI_NORMAL));
        if (s->mode) {
                bool monitor = streq(s->mode, "monitor");

                fprintf(f, "Mode: %s%s%s%s\n", ansi(color && monitor, ANSI_HIGHLIGHT_YELLOW), s->mode,
                        ansi(color && monitor, ANSI_NORMAL), monitor ? " (decisions are logged, not carried out)" : "");
        }
        if (s->scheduler_state) {
                bool enabled = streq(s->scheduler_state, "enabled");
                bool down = streq(s->scheduler_state, "ejected") || streq(s->scheduler_state, "failed");

                fprintf(f, "Scheduler: %s%s%s", ansi(color && down, ANSI_HIGHLIGHT_RED), s->scheduler_state,
                        ansi(color && down, ANSI_NORMAL));
                if (enabled && !isempty(s->scheduler_mode))
                        fprintf(f, " (%s)", s->scheduler_mode);
                else if (!isempty(s->scheduler_reason))
                        fprintf(f, ": %s", s->scheduler_reason);
                if (s->scheduler_restarts > 0)
                        fprintf(f, ", %" PRIu32 " restart%s", s->scheduler_restarts, s->scheduler_restarts == 1 ? "" : "s");
                fputc('\n', f);
        }
        return ferror(f) ? -EIO : 0;
}

int manager_status_to_json(const ManagerStatus *s, json_object **ret) {
        _cleanup_(json_object_putp) json_object *o = NULL;
        int r;

        o = json_object_new_object();
        if (!o)
                return -ENOMEM;
        r = json_add_string(o, "version", s->version);
        if (r >= 0)
                r = json_add_uint(o, "managed_units", s->managed_units);
        if (r >= 0)
                r = json_add_uint(o, "config_errors", s->config_errors);
        if (r >= 0 && s->mode)
                r = json_add_string(o, "mode", s->mode);
        if (r >= 0 && s->scheduler_state) {
                json_object *sched = json_object_new_object();

                if (!sched)
                        return -ENOMEM;
                if (json_object_object_add(o, "scheduler", sched) < 0) {
                        json_object_put(sched);
                        return -ENOMEM;
                }
                r = json_add_string(sched, "state", s->scheduler_state);
                if (r >= 0)
                        r = json_add_string(sched, "mode", s->scheduler_mode);
                if (r >= 0)
                        r = json_add_string(sched, "reason", isempty(s->scheduler_reason) ? NULL : s->scheduler_reason);
                if (r >= 0)
                        r = json_add_uint(sched, "restarts", s->scheduler_restarts);
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

void error_lines_print(char * const *lines, FILE *f, bool color) {
        STRV_FOREACH(l, lines)
                fprintf(f, "%s%s%s\n", ansi(color, ANSI_HIGHLIGHT_RED), *l, ansi(color, ANSI_NORMAL));
}
