/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config-format.h"
#include "strv.h"
#include "table.h"
#include "top-format.h"

#define NONE SIZE_MAX

static const char * const top_order_table[_TOP_ORDER_MAX] = {
        [TOP_ORDER_UNIT] = "unit",
        [TOP_ORDER_MEMORY] = "memory",
        [TOP_ORDER_CPU] = "cpu",
        [TOP_ORDER_PRESSURE] = "pressure",
};

const char *top_order_to_string(TopOrder o) {
        return o >= 0 && o < _TOP_ORDER_MAX ? top_order_table[o] : NULL;
}

TopOrder top_order_from_string(const char *s) {
        for (TopOrder o = 0; o < _TOP_ORDER_MAX; o++)
                if (streq_ptr(s, top_order_table[o]))
                        return o;
        return _TOP_ORDER_INVALID;
}

TopOrder top_order_from_key(int key) {
        /* The first letter of each order's name. */
        for (TopOrder o = 0; o < _TOP_ORDER_MAX; o++)
                if (key == top_order_table[o][0])
                        return o;
        return _TOP_ORDER_INVALID;
}

double top_cpu_percent(uint64_t usage_before, uint64_t usage_now, uint64_t time_before, uint64_t time_now) {
        if (time_now <= time_before || usage_now < usage_before)
                return NAN;
        return (double) (usage_now - usage_before) * 100.0 / (double) (time_now - time_before);
}

uint64_t top_unit_memory(const TopUnit *u) {
        if (u->sample.has_current)
                return u->sample.current;
        return u->row.state ? u->row.memory_current : UINT64_MAX;
}

bool top_unit_memory_high(const TopUnit *u, uint64_t *ret) {
        if (u->sample.has_high) {
                *ret = u->sample.high;
                return true;
        }
        /* The daemon knows only the memory.high its policy set (UINT64_MAX: it set none). */
        if (u->row.state && u->row.effective_memory_high != UINT64_MAX) {
                *ret = u->row.effective_memory_high;
                return true;
        }
        return false;
}

bool top_unit_memory_max(const TopUnit *u, uint64_t *ret) {
        if (!u->sample.has_max)
                return false;
        *ret = u->sample.max;
        return true;
}

double top_unit_pressure(const TopUnit *u) {
        if (u->sample.has_avg10)
                return u->sample.avg10;
        return u->row.state ? u->row.stall_percent : NAN;
}

/* ---- the order ---- */

typedef struct OrderContext {
        const TopUnit *units;
        TopOrder order;
} OrderContext;

/* Larger first; what is not known (NAN) last. */
static int compare_desc(double a, double b) {
        if (isnan(a) || isnan(b))
                return isnan(a) - isnan(b);
        return a > b ? -1 : a < b ? 1 : 0;
}

static int compare_units(const void *a, const void *b, void *userdata) {
        const OrderContext *c = userdata;
        const TopUnit *x = &c->units[*(const size_t *) a], *y = &c->units[*(const size_t *) b];
        uint64_t mx, my;
        int r = 0;

        switch (c->order) {
        case TOP_ORDER_MEMORY:
                mx = top_unit_memory(x);
                my = top_unit_memory(y);
                r = compare_desc(mx == UINT64_MAX ? NAN : (double) mx, my == UINT64_MAX ? NAN : (double) my);
                break;
        case TOP_ORDER_CPU:
                r = compare_desc(x->cpu_percent, y->cpu_percent);
                break;
        case TOP_ORDER_PRESSURE:
                r = compare_desc(top_unit_pressure(x), top_unit_pressure(y));
                break;
        default:
                break;
        }
        return r != 0 ? r : strcmp(strempty(x->row.unit), strempty(y->row.unit));
}

static int compare_names(const void *a, const void *b, void *userdata) {
        const TopUnit *units = userdata;

        return strcmp(strempty(units[*(const size_t *) a].row.unit), strempty(units[*(const size_t *) b].row.unit));
}

typedef struct Tree {
        size_t *first_child, *next_sibling;     /* NONE: none */
        bool *shown;
        TopLine *lines;
        size_t n_lines;
} Tree;

static void tree_emit(Tree *t, size_t i, unsigned depth) {
        t->shown[i] = true;
        t->lines[t->n_lines++] = (TopLine) { .index = i, .depth = depth };
        for (size_t c = t->first_child[i]; c != NONE; c = t->next_sibling[c])
                if (!t->shown[c])
                        tree_emit(t, c, depth + 1);
}

int top_units_order(const TopUnit *units, size_t n, TopOrder order, TopLine **ret) {
        _cleanup_(freep) size_t *sorted = NULL, *by_name = NULL, *parent = NULL, *first = NULL, *last = NULL,
                                *next = NULL;
        _cleanup_(freep) bool *shown = NULL;
        _cleanup_(freep) TopLine *lines = NULL;
        OrderContext c = { .units = units, .order = order };
        Tree t;

        sorted = calloc(n + 1, sizeof(size_t));
        by_name = calloc(n + 1, sizeof(size_t));
        parent = calloc(n + 1, sizeof(size_t));
        first = calloc(n + 1, sizeof(size_t));
        last = calloc(n + 1, sizeof(size_t));
        next = calloc(n + 1, sizeof(size_t));
        shown = calloc(n + 1, sizeof(bool));
        lines = calloc(n + 1, sizeof(TopLine));
        if (!sorted || !by_name || !parent || !first || !last || !next || !shown || !lines)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                sorted[i] = by_name[i] = i;
                first[i] = last[i] = next[i] = NONE;
        }
        qsort_r(sorted, n, sizeof(size_t), compare_units, &c);
        qsort_r(by_name, n, sizeof(size_t), compare_names, (void *) units);

        /* The parent: the unit named as the slice it sits in, if it is one of them. */
        for (size_t i = 0; i < n; i++) {
                size_t lo = 0, hi = n;

                parent[i] = NONE;
                if (isempty(units[i].row.slice))
                        continue;
                while (lo < hi) {
                        size_t mid = lo + (hi - lo) / 2;
                        int r = strcmp(strempty(units[by_name[mid]].row.unit), units[i].row.slice);

                        if (r == 0) {
                                if (by_name[mid] != i)
                                        parent[i] = by_name[mid];
                                break;
                        }
                        if (r < 0)
                                lo = mid + 1;
                        else
                                hi = mid;
                }
        }
        /* Each parent's children, in the order. */
        for (size_t k = 0; k < n; k++) {
                size_t i = sorted[k], p = parent[i];

                if (p == NONE)
                        continue;
                if (last[p] == NONE)
                        first[p] = i;
                else
                        next[last[p]] = i;
                last[p] = i;
        }

        t = (Tree) { .first_child = first, .next_sibling = next, .shown = shown, .lines = lines };
        for (size_t k = 0; k < n; k++)
                if (parent[sorted[k]] == NONE)
                        tree_emit(&t, sorted[k], 0);
        /* Slices that are each other's parent cannot come from systemd; shown all the same. */
        for (size_t k = 0; k < n; k++)
                if (!shown[sorted[k]])
                        tree_emit(&t, sorted[k], 0);

        *ret = TAKE_PTR(lines);
        return 0;
}

/* ---- the frame ---- */

static const char *bytes_cell(bool known, uint64_t v, char *buf, size_t size) {
        if (!known)
                return NULL;
        if (v == UINT64_MAX)
                return "max";
        return format_bytes(buf, size, v);
}

static const char *percent_cell(double v, int decimals, char *buf, size_t size) {
        if (isnan(v))
                return NULL;
        snprintf(buf, size, "%.*f", decimals, v);
        return buf;
}

static const char *action_cell(const UnitRow *u, char *buf, size_t size) {
        if (!u->state || isempty(u->last_action) || streq(u->last_action, "none"))
                return NULL;
        if (isempty(u->last_reason))
                return u->last_action;
        snprintf(buf, size, "%s: %s", u->last_action, u->last_reason);
        return buf;
}

static int add_unit_row(Table *t, const TopUnit *u, unsigned depth) {
        char name[512], mem[32], high[32], max[32], psi[32], cpu[32], action[1024];
        uint64_t h = 0, m = 0;
        bool has_h = top_unit_memory_high(u, &h), has_m = top_unit_memory_max(u, &m);

        snprintf(name, sizeof name, "%*s%s", (int) MIN(depth, 32u) * 2, "", strempty(u->row.unit));
        return table_add_row(t, (const char * const[]) {
                name, u->row.profile, u->row.state,
                bytes_cell(top_unit_memory(u) != UINT64_MAX, top_unit_memory(u), mem, sizeof mem),
                bytes_cell(has_h, h, high, sizeof high),
                bytes_cell(has_m, m, max, sizeof max),
                percent_cell(top_unit_pressure(u), 2, psi, sizeof psi),
                percent_cell(u->cpu_percent, 1, cpu, sizeof cpu),
                action_cell(&u->row, action, sizeof action),
        });
}

static void format_title(const TopFrame *f, char *buf, size_t size) {
        size_t slices = 0, scopes = 0, other = 0, throttled = 0, frozen = 0, killed = 0;
        time_t sec = (time_t) (f->realtime_usec / USEC_PER_SEC);
        char clock[16] = "", others[32] = "";
        struct tm tm;

        for (size_t i = 0; i < f->n_units; i++) {
                const UnitRow *u = &f->units[i].row;

                if (streq_ptr(u->type, "slice"))
                        slices++;
                else if (streq_ptr(u->type, "scope"))
                        scopes++;
                else
                        other++;
                throttled += streq_ptr(u->state, "throttled");
                frozen += streq_ptr(u->state, "frozen");
                killed += streq_ptr(u->state, "killed");
        }
        if (localtime_r(&sec, &tm))
                strftime(clock, sizeof clock, "%H:%M:%S", &tm);
        if (other > 0)
                snprintf(others, sizeof others, "  Other: %zu", other);
        snprintf(buf, size,
                 "agentcgroupd %s  Units: %zu  Slices: %zu  Scopes: %zu%s  Throttled: %zu  Frozen: %zu  Killed: %zu  "
                 "Order: %s  %s",
                 strempty(f->version), f->n_units, slices, scopes, others, throttled, frozen, killed,
                 strna(top_order_to_string(f->order)), clock);
}

int top_frame_format(const TopFrame *f, const TopLine *lines, char ***ret_lines) {
        static const char * const headers[] = {
                "UNIT", "PROFILE", "STATE", "MEM", "HIGH", "MAX", "PSI", "CPU%", "LAST ACTION", NULL,
        };
        _cleanup_(table_freep) Table *t = NULL;
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_(freep) char *text = NULL;
        char title[512];
        size_t size = 0;
        FILE *m;
        int r;

        r = table_new(&t, headers);
        if (r < 0)
                return r;
        for (size_t i = 0; i < f->n_units; i++) {
                r = add_unit_row(t, &f->units[lines[i].index], lines[i].depth);
                if (r < 0)
                        return r;
        }

        m = open_memstream(&text, &size);
        if (!m)
                return -ENOMEM;
        r = table_print(t, m, true, false);
        if (fclose(m) != 0 || r < 0)
                return -ENOMEM;

        format_title(f, title, sizeof title);
        if (strv_extend(&l, title) < 0 || strv_extend(&l, "") < 0)
                return -ENOMEM;
        for (const char *p = text; *p; ) {
                size_t n = strcspn(p, "\n");

                if (strv_consume(&l, strndup(p, n)) < 0)
                        return -ENOMEM;
                p += n + (p[n] == '\n');
        }
        *ret_lines = TAKE_PTR(l);
        return 0;
}

static int json_add_bytes(json_object *o, const char *key, bool known, uint64_t v) {
        if (!known)
                return json_add(o, key, NULL);
        if (v == UINT64_MAX)
                return json_add_string(o, key, "max");
        return json_add_uint(o, key, v);
}

static int json_add_double(json_object *o, const char *key, double v) {
        json_object *d;

        if (isnan(v))
                return json_add(o, key, NULL);
        d = json_object_new_double(v);
        return d ? json_add(o, key, d) : -ENOMEM;
}

static const char *empty_to_null(const char *s) {
        return isempty(s) ? NULL : s;
}

static int unit_to_json(const TopUnit *u, const char *parent, unsigned depth, json_object **ret) {
        _cleanup_(json_object_putp) json_object *o = NULL;
        uint64_t high = 0, max = 0;
        bool has_high = top_unit_memory_high(u, &high), has_max = top_unit_memory_max(u, &max);
        int r;

        o = json_object_new_object();
        if (!o)
                return -ENOMEM;
        r = json_add_string(o, "unit", empty_to_null(u->row.unit));
        if (r >= 0)
                r = json_add_string(o, "type", empty_to_null(u->row.type));
        if (r >= 0)
                r = json_add_string(o, "slice", empty_to_null(u->row.slice));
        if (r >= 0)
                r = json_add_string(o, "parent", parent);
        if (r >= 0)
                r = json_add_uint(o, "depth", depth);
        if (r >= 0)
                r = json_add_string(o, "profile", empty_to_null(u->row.profile));
        if (r >= 0)
                r = json_add_string(o, "state", empty_to_null(u->row.state));
        if (r >= 0)
                r = json_add_bytes(o, "memory_current", top_unit_memory(u) != UINT64_MAX, top_unit_memory(u));
        if (r >= 0)
                r = json_add_bytes(o, "memory_high", has_high, high);
        if (r >= 0)
                r = json_add_bytes(o, "memory_max", has_max, max);
        if (r >= 0)
                r = json_add_double(o, "memory_pressure", u->sample.has_avg10 ? u->sample.avg10 : NAN);
        if (r >= 0)
                r = json_add_double(o, "stall_percent", u->row.state ? u->row.stall_percent : NAN);
        if (r >= 0)
                r = json_add_double(o, "cpu_percent", u->cpu_percent);
        if (r >= 0)
                r = json_add_string(o, "last_action", u->row.state ? empty_to_null(u->row.last_action) : NULL);
        if (r >= 0)
                r = json_add_string(o, "last_reason", u->row.state ? empty_to_null(u->row.last_reason) : NULL);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

int top_frame_to_json(const TopFrame *f, const TopLine *lines, json_object **ret) {
        _cleanup_(json_object_putp) json_object *o = NULL, *a = NULL;
        int r;

        o = json_object_new_object();
        a = json_object_new_array();
        if (!o || !a)
                return -ENOMEM;
        for (size_t i = 0; i < f->n_units; i++) {
                const TopUnit *u = &f->units[lines[i].index];
                json_object *j;

                /* Below the top of the tree, a unit is nested under its slice. */
                r = unit_to_json(u, lines[i].depth > 0 ? u->row.slice : NULL, lines[i].depth, &j);
                if (r < 0)
                        return r;
                if (json_object_array_add(a, j) < 0) {
                        json_object_put(j);
                        return -ENOMEM;
                }
        }
        r = json_add_uint(o, "timestamp", f->realtime_usec);
        if (r >= 0)
                r = json_add_string(o, "version", empty_to_null(f->version));
        if (r >= 0)
                r = json_add_string(o, "order", top_order_to_string(f->order));
        if (r >= 0)
                r = json_add(o, "units", TAKE_PTR(a));
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}
