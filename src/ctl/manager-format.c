/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "manager-format.h"
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

static const char *rule_cell(const UnitRow *u) {
        if (!isempty(u->rule))
                return u->rule;
        return isempty(u->profile) ? NULL : "(default)";
}

int unit_rows_to_table(const UnitRow *rows, size_t n, Table **ret) {
        static const char * const headers[] = {
                "UNIT", "TYPE", "SLICE", "PROFILE", "RULE", "CGROUP-ID", NULL,
        };
        _cleanup_(table_freep) Table *t = NULL;
        int r;

        r = table_new(&t, headers);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                char id[32];

                snprintf(id, sizeof id, "%" PRIu64, rows[i].cgroup_id);
                r = table_add_row(t, (const char * const[]) {
                        rows[i].unit, rows[i].type, rows[i].slice, rows[i].profile, rule_cell(&rows[i]), id,
                });
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(t);
        return 0;
}

static const char *empty_to_null(const char *s) {
        return isempty(s) ? NULL : s;
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
        if (r >= 0)
                r = json_add_string(o, "rule", empty_to_null(u->rule));
        if (r >= 0)
                r = json_add_uint(o, "cgroup_id", u->cgroup_id);
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
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

void error_lines_print(char * const *lines, FILE *f, bool color) {
        STRV_FOREACH(l, lines)
                fprintf(f, "%s%s%s\n", ansi(color, ANSI_HIGHLIGHT_RED), *l, ansi(color, ANSI_NORMAL));
}
