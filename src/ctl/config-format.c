/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "config-format.h"
#include "strv.h"
#include "terminal-util.h"

/* ---- values shared by the table and JSON ---- */

static const char *size_or_null(const SizeSpec *s, char *buf, size_t n) {
        return s->kind == SIZE_UNSET ? NULL : size_spec_to_string(s, buf, n);
}

static const char *cpu_weight_or_null(uint64_t w, char *buf, size_t n) {
        return w == 0 ? NULL : cpu_weight_to_string(w, buf, n);
}

static const char *tasks_max_or_null(uint64_t t, char *buf, size_t n) {
        if (t == 0)
                return NULL;
        if (t == UINT64_MAX)
                return "infinity";
        snprintf(buf, n, "%" PRIu64, t);
        return buf;
}

static char *where(const char *file, unsigned line) {
        return line > 0 ? asprintf_safe("%s:%u", file, line) : strdup(strempty(file));
}

/* ---- tables ---- */

int profiles_to_table(const Config *c, Table **ret) {
        static const char * const headers[] = {
                "PROFILE", "CLASS", "CPUWEIGHT", "MEMMIN", "MEMLOW", "MEMHIGH", "MEMMAX", "SWAPMAX",
                "TASKSMAX", "DEFINED", NULL,
        };
        _cleanup_(table_freep) Table *t = NULL;
        int r;

        r = table_new(&t, headers);
        if (r < 0)
                return r;
        for (size_t i = 0; i < c->n_profiles; i++) {
                const Profile *p = c->profiles[i];
                char cpu[32], tasks[32], mmin[64], mlow[64], mhigh[64], mmax[64], mswap[64];
                _cleanup_(freep) char *defined = where(p->file, p->line);

                if (!defined)
                        return -ENOMEM;
                r = table_add_row(t, (const char * const[]) {
                        p->name,
                        profile_class_to_string(p->class),
                        cpu_weight_or_null(p->cpu_weight, cpu, sizeof cpu),
                        size_or_null(&p->memory_min, mmin, sizeof mmin),
                        size_or_null(&p->memory_low, mlow, sizeof mlow),
                        size_or_null(&p->memory_high, mhigh, sizeof mhigh),
                        size_or_null(&p->memory_max, mmax, sizeof mmax),
                        size_or_null(&p->memory_swap_max, mswap, sizeof mswap),
                        tasks_max_or_null(p->tasks_max, tasks, sizeof tasks),
                        defined,
                });
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(t);
        return 0;
}

/* Descriptions contain blanks: each is quoted so the column stays readable. */
static char *join_quoted(char * const *l) {
        _cleanup_strv_free_ char **q = NULL;

        STRV_FOREACH(s, l)
                if (strv_consume(&q, asprintf_safe("\"%s\"", *s)) < 0)
                        return NULL;
        return strv_join(q, " ");
}

int rules_to_table(const Config *c, Table **ret) {
        static const char * const headers[] = {
                "RULE", "TYPE", "UNIT", "SLICE", "USER", "DESCRIPTION", "PROFILE", "DEFINED", NULL,
        };
        _cleanup_(table_freep) Table *t = NULL;
        int r;

        r = table_new(&t, headers);
        if (r < 0)
                return r;
        for (size_t i = 0; i < c->n_rules; i++) {
                const MatchRule *m = c->rules[i];
                _cleanup_(freep) char *units = strv_join(m->units, " "), *slices = strv_join(m->slices, " "),
                        *users = strv_join(m->users, " "), *descriptions = join_quoted(m->descriptions),
                        *defined = where(m->file, m->line);

                if (!units || !slices || !users || !descriptions || !defined)
                        return -ENOMEM;
                r = table_add_row(t, (const char * const[]) {
                        m->name,
                        unit_type_to_string(m->type),
                        units,
                        slices,
                        users,
                        descriptions,
                        m->profile,
                        defined,
                });
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(t);
        return 0;
}

/* ---- JSON ---- */

/* json_object_object_add() takes ownership of v even on failure; NULL v stores null. */
int json_add(json_object *o, const char *key, json_object *v) {
        return json_object_object_add(o, key, v) < 0 ? -ENOMEM : 0;
}

int json_add_string(json_object *o, const char *key, const char *s) {
        json_object *v = NULL;

        if (s) {
                v = json_object_new_string(s);
                if (!v)
                        return -ENOMEM;
        }
        return json_add(o, key, v);
}

static int json_add_strv(json_object *o, const char *key, char * const *l) {
        json_object *a;

        if (!l)
                return json_add(o, key, NULL);
        a = json_object_new_array();
        if (!a)
                return -ENOMEM;
        STRV_FOREACH(s, l) {
                json_object *v = json_object_new_string(*s);

                if (!v || json_object_array_add(a, v) < 0) {
                        json_object_put(v);
                        json_object_put(a);
                        return -ENOMEM;
                }
        }
        return json_add(o, key, a);
}

int json_add_uint(json_object *o, const char *key, uint64_t u) {
        json_object *v = json_object_new_uint64(u);

        return v ? json_add(o, key, v) : -ENOMEM;
}

static int json_add_size(json_object *o, const char *key, const SizeSpec *s) {
        char buf[64];

        return json_add_string(o, key, size_or_null(s, buf, sizeof buf));
}

static int profile_to_json(const Config *c, const Profile *p, json_object **ret) {
        _cleanup_(json_object_putp) json_object *o = NULL;
        json_object *b;
        int r;

        o = json_object_new_object();
        if (!o)
                return -ENOMEM;
        r = json_add_string(o, "name", p->name);
        if (r >= 0)
                r = json_add_string(o, "class", profile_class_to_string(p->class));
        if (r >= 0)
                r = p->cpu_weight == CPU_WEIGHT_IDLE ? json_add_string(o, "cpu_weight", "idle") :
                    p->cpu_weight > 0 ? json_add_uint(o, "cpu_weight", p->cpu_weight) : json_add(o, "cpu_weight", NULL);
        if (r >= 0)
                r = json_add_size(o, "memory_min", &p->memory_min);
        if (r >= 0)
                r = json_add_size(o, "memory_low", &p->memory_low);
        if (r >= 0)
                r = json_add_size(o, "memory_high", &p->memory_high);
        if (r >= 0)
                r = json_add_size(o, "memory_max", &p->memory_max);
        if (r >= 0)
                r = json_add_size(o, "memory_swap_max", &p->memory_swap_max);
        if (r >= 0) {
                if (p->tasks_max == UINT64_MAX)
                        r = json_add_string(o, "tasks_max", "infinity");
                else if (p->tasks_max > 0)
                        r = json_add_uint(o, "tasks_max", p->tasks_max);
                else
                        r = json_add(o, "tasks_max", NULL);
        }
        if (r >= 0) {
                b = json_object_new_boolean(streq_ptr(c->default_profile, p->name));
                r = b ? json_add(o, "default", b) : -ENOMEM;
        }
        if (r >= 0)
                r = json_add_string(o, "file", p->file);
        if (r >= 0)
                r = json_add_uint(o, "line", p->line);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

static int rule_to_json(const MatchRule *m, json_object **ret) {
        _cleanup_(json_object_putp) json_object *o = NULL;
        int r;

        o = json_object_new_object();
        if (!o)
                return -ENOMEM;
        r = json_add_string(o, "name", m->name);
        if (r >= 0)
                r = json_add_string(o, "type", unit_type_to_string(m->type));
        if (r >= 0)
                r = json_add_strv(o, "units", m->units);
        if (r >= 0)
                r = json_add_strv(o, "slices", m->slices);
        if (r >= 0)
                r = json_add_strv(o, "users", m->users);
        if (r >= 0)
                r = json_add_strv(o, "descriptions", m->descriptions);
        if (r >= 0)
                r = json_add_string(o, "profile", m->profile);
        if (r >= 0)
                r = json_add_string(o, "file", m->file);
        if (r >= 0)
                r = json_add_uint(o, "line", m->line);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

/* Builds a JSON array of n items, each made by item_to_json(c, i). */
static int items_to_json(const Config *c, size_t n, int (*item_to_json)(const Config *c, size_t i, json_object **ret),
                         json_object **ret) {
        _cleanup_(json_object_putp) json_object *a = NULL;
        int r;

        a = json_object_new_array();
        if (!a)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *o;

                r = item_to_json(c, i, &o);
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

static int profile_at_to_json(const Config *c, size_t i, json_object **ret) {
        return profile_to_json(c, c->profiles[i], ret);
}

static int rule_at_to_json(const Config *c, size_t i, json_object **ret) {
        return rule_to_json(c->rules[i], ret);
}

int profiles_to_json(const Config *c, json_object **ret) {
        return items_to_json(c, c->n_profiles, profile_at_to_json, ret);
}

int rules_to_json(const Config *c, json_object **ret) {
        return items_to_json(c, c->n_rules, rule_at_to_json, ret);
}

int json_print(json_object *o, FILE *f, JsonFormat format) {
        /* Paths are the common payload: "/" needs no escaping. */
        int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
                (format == JSON_FORMAT_PRETTY ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN);
        const char *s;

        s = json_object_to_json_string_ext(o, flags);
        if (!s)
                return -ENOMEM;
        fprintf(f, "%s\n", s);
        return ferror(f) ? -EIO : 0;
}

/* ---- errors ---- */

void config_errors_print(const Config *c, FILE *f, bool color) {
        for (size_t i = 0; i < c->n_errors; i++) {
                const ConfigError *e = &c->errors[i];

                fputs(ansi(color, ANSI_HIGHLIGHT_RED), f);
                if (e->line > 0)
                        fprintf(f, "%s:%u: %s", e->file, e->line, e->message);
                else
                        fprintf(f, "%s: %s", e->file, e->message);
                fprintf(f, "%s\n", ansi(color, ANSI_NORMAL));
        }
}
