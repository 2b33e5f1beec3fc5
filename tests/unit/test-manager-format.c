/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <json-c/json.h>

#include "manager-format.h"
#include "terminal-util.h"
#include "strv.h"
#include "tests.h"
#include "test-json.h"

/* What ListUnits() might return, in the daemon's (unsorted) order. */
static const UnitRow rows_in[] = {
        { "tool-42.scope", "scope", "agent-s1.slice", "tool-burst", "", 1234 },
        { "agent-s1.slice", "slice", "agent.slice", "session", "session-slices", 17 },
        { "runtime-s1.scope", "scope", "agent-s1.slice", "interactive", "agent-runtime", 18446744073709551615ULL },
        { "helper.service", "service", "agent-s1.slice", "", "", 0 },
};

static const char *get_str(json_object *o, const char *key) {
        json_object *v;

        /* Present even when null. */
        if (!json_object_object_get_ex(o, key, &v))
                TEST_FAIL("no member \"%s\"", key);
        return v ? json_object_get_string(v) : NULL;
}

TEST(unit_rows_sorted) {
        UnitRow rows[ELEMENTSOF(rows_in)];

        memcpy(rows, rows_in, sizeof rows);
        unit_rows_sort(rows, ELEMENTSOF(rows));
        ASSERT_STREQ(rows[0].unit, "agent-s1.slice");
        ASSERT_STREQ(rows[1].unit, "helper.service");
        ASSERT_STREQ(rows[2].unit, "runtime-s1.scope");
        ASSERT_STREQ(rows[3].unit, "tool-42.scope");
        unit_rows_sort(rows, 0);
}

/* The table and the JSON carry the same data, row by row. */
TEST(unit_rows_json_matches_table) {
        static const char * const keys[] = { "unit", "type", "slice", "profile", "rule", "cgroup_id" };
        _cleanup_(table_freep) Table *t = NULL;
        _cleanup_(json_object_putp) json_object *o = NULL, *shortj = NULL, *pretty = NULL;
        UnitRow rows[ELEMENTSOF(rows_in)];

        memcpy(rows, rows_in, sizeof rows);
        unit_rows_sort(rows, ELEMENTSOF(rows));
        ASSERT_OK(unit_rows_to_table(rows, ELEMENTSOF(rows), &t));
        ASSERT_OK(unit_rows_to_json(rows, ELEMENTSOF(rows), &o));
        shortj = print_and_parse(o, JSON_FORMAT_SHORT);
        pretty = print_and_parse(o, JSON_FORMAT_PRETTY);
        ASSERT_TRUE(json_object_equal(shortj, pretty));

        ASSERT_EQ(table_n_columns(t), ELEMENTSOF(keys));
        ASSERT_STREQ(table_header(t, 5), "CGROUP-ID");
        ASSERT_EQ(table_n_rows(t), ELEMENTSOF(rows));
        ASSERT_EQ(json_object_array_length(shortj), ELEMENTSOF(rows));
        for (size_t i = 0; i < table_n_rows(t); i++) {
                json_object *u = json_object_array_get_idx(shortj, i), *id;

                for (size_t j = 0; j < 5; j++) {
                        const char *s = get_str(u, keys[j]), *expected = s;

                        if (!s)
                                /* null: "-", except a rule of a unit with a profile. */
                                expected = streq(keys[j], "rule") && get_str(u, "profile") ? "(default)" : "-";
                        if (!streq(table_get(t, i, j), expected))
                                TEST_FAIL("row %zu, %s: table \"%s\", JSON %s", i, keys[j], table_get(t, i, j),
                                          strna(s));
                }
                ASSERT_TRUE(json_object_object_get_ex(u, "cgroup_id", &id));
                ASSERT_EQ(json_object_get_type(id), json_type_int);
                ASSERT_U64_EQ(json_object_get_uint64(id), strtoull(table_get(t, i, 5), NULL, 10));
        }

        /* The sorted data itself. */
        ASSERT_STREQ(table_get(t, 0, 4), "session-slices");
        ASSERT_STREQ(table_get(t, 1, 3), "-");
        ASSERT_STREQ(table_get(t, 1, 4), "-");
        ASSERT_STREQ(table_get(t, 2, 5), "18446744073709551615");
        ASSERT_STREQ(table_get(t, 3, 4), "(default)");
        ASSERT_NULL(get_str(json_object_array_get_idx(shortj, 3), "rule"));
        ASSERT_NULL(get_str(json_object_array_get_idx(shortj, 1), "profile"));
        ASSERT_STREQ(get_str(json_object_array_get_idx(shortj, 3), "profile"), "tool-burst");
}

TEST(unit_rows_empty) {
        _cleanup_(table_freep) Table *t = NULL;
        _cleanup_(json_object_putp) json_object *o = NULL;

        ASSERT_OK(unit_rows_to_table(NULL, 0, &t));
        ASSERT_EQ(table_n_rows(t), 0);
        ASSERT_OK(unit_rows_to_json(NULL, 0, &o));
        ASSERT_EQ(json_object_array_length(o), 0);
}

TEST(status_and_errors) {
        const ManagerStatus s = { "0.1.0", 3, 2 };
        _cleanup_(json_object_putp) json_object *o = NULL, *parsed = NULL;
        _cleanup_(freep) char *text = NULL;
        size_t size = 0;
        json_object *v;
        FILE *f;

        f = open_memstream(&text, &size);
        ASSERT_OK(manager_status_print(&s, f, false));
        error_lines_print((char *[]) { (char *) "a.conf:3: bad", (char *) "b.conf: gone", NULL }, f, false);
        fclose(f);
        ASSERT_STREQ(text, "Version: 0.1.0\nManagedUnits: 3\nConfigErrors: 2\na.conf:3: bad\nb.conf: gone\n");

        ASSERT_OK(manager_status_to_json(&s, &o));
        parsed = print_and_parse(o, JSON_FORMAT_SHORT);
        ASSERT_STREQ(get_str(parsed, "version"), "0.1.0");
        ASSERT_TRUE(json_object_object_get_ex(parsed, "managed_units", &v));
        ASSERT_EQ(json_object_get_int(v), 3);
        ASSERT_TRUE(json_object_object_get_ex(parsed, "config_errors", &v));
        ASSERT_EQ(json_object_get_int(v), 2);
        ASSERT_FALSE(json_object_object_get_ex(parsed, "scheduler", &v));
}

TEST(status_scheduler) {
        const ManagerStatus on = { "0.2.0", 1, 0, NULL, "enabled", "full", "", 0 };
        const ManagerStatus down = { "0.2.0", 1, 0, NULL, "failed", "off", "stall watchdog (kind 1026, code 0)", 2 };
        _cleanup_(json_object_putp) json_object *o = NULL, *parsed = NULL;
        _cleanup_(freep) char *a = NULL, *b = NULL;
        size_t size = 0;
        json_object *sched, *v;
        FILE *f;

        f = open_memstream(&a, &size);
        ASSERT_OK(manager_status_print(&on, f, false));
        fclose(f);
        ASSERT_STREQ(a, "Version: 0.2.0\nManagedUnits: 1\nConfigErrors: 0\nScheduler: enabled (full)\n");
        f = open_memstream(&b, &size);
        ASSERT_OK(manager_status_print(&down, f, false));
        fclose(f);
        ASSERT_STREQ(b, "Version: 0.2.0\nManagedUnits: 1\nConfigErrors: 0\n"
                        "Scheduler: failed: stall watchdog (kind 1026, code 0), 2 restarts\n");

        ASSERT_OK(manager_status_to_json(&down, &o));
        parsed = print_and_parse(o, JSON_FORMAT_SHORT);
        ASSERT_TRUE(json_object_object_get_ex(parsed, "scheduler", &sched));
        ASSERT_STREQ(get_str(sched, "state"), "failed");
        ASSERT_STREQ(get_str(sched, "reason"), "stall watchdog (kind 1026, code 0)");
        ASSERT_TRUE(json_object_object_get_ex(sched, "restarts", &v));
        ASSERT_EQ(json_object_get_int(v), 2);
}

TEST(status_mode) {
        const ManagerStatus monitor = { "0.3.0", 4, 0, "monitor", "off", "off", "Mode=monitor and Scheduler=auto", 0 };
        const ManagerStatus enforce = { "0.3.0", 4, 0, "enforce", NULL, NULL, NULL, 0 };
        _cleanup_(json_object_putp) json_object *o = NULL, *parsed = NULL;
        _cleanup_(freep) char *a = NULL, *b = NULL, *c = NULL;
        size_t size = 0;
        FILE *f;

        f = open_memstream(&a, &size);
        ASSERT_OK(manager_status_print(&monitor, f, false));
        fclose(f);
        ASSERT_STREQ(a, "Version: 0.3.0\nManagedUnits: 4\nConfigErrors: 0\n"
                        "Mode: monitor (decisions are logged, not carried out)\n"
                        "Scheduler: off: Mode=monitor and Scheduler=auto\n");
        f = open_memstream(&b, &size);
        ASSERT_OK(manager_status_print(&enforce, f, false));
        fclose(f);
        ASSERT_STREQ(b, "Version: 0.3.0\nManagedUnits: 4\nConfigErrors: 0\nMode: enforce\n");
        /* Monitor mode stands out in colour. */
        f = open_memstream(&c, &size);
        ASSERT_OK(manager_status_print(&monitor, f, true));
        fclose(f);
        ASSERT_NOT_NULL(strstr(c, "Mode: " ANSI_HIGHLIGHT_YELLOW "monitor" ANSI_NORMAL));

        ASSERT_OK(manager_status_to_json(&monitor, &o));
        parsed = print_and_parse(o, JSON_FORMAT_SHORT);
        ASSERT_STREQ(get_str(parsed, "mode"), "monitor");
}

/* A profile set at run time: the daemon reports the rule as "(override)"; the table shows it
 * so, the JSON has no rule and says where the profile came from. */
TEST(unit_rows_override) {
        static const UnitRow rows[] = {
                { "agent-s1.slice", "slice", "agent.slice", "session", "session-slices", 17 },
                { "odd.service", "service", "agent-s1.slice", "", "", 99 },
                { "tool-1.scope", "scope", "agent-s1.slice", "background", "(override)", 20 },
                { "tool-2.scope", "scope", "agent-s1.slice", "tool-burst", "", 21 },
        };
        static const char * const sources[] = { "rule", NULL, "override", "default" };
        _cleanup_(table_freep) Table *t = NULL;
        _cleanup_(json_object_putp) json_object *o = NULL, *j = NULL;

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                const char *s = unit_row_source(&rows[i]);

                if (!sources[i] ? s != NULL : !streq_ptr(s, sources[i]))
                        TEST_FAIL("row %zu: source %s, expected %s", i, strna(s), strna(sources[i]));
        }

        ASSERT_OK(unit_rows_to_table(rows, ELEMENTSOF(rows), &t));
        ASSERT_STREQ(table_get(t, 2, 3), "background");
        ASSERT_STREQ(table_get(t, 2, 4), "(override)");
        ASSERT_STREQ(table_get(t, 3, 4), "(default)");

        ASSERT_OK(unit_rows_to_json(rows, ELEMENTSOF(rows), &o));
        j = print_and_parse(o, JSON_FORMAT_SHORT);
        ASSERT_NULL(get_str(json_object_array_get_idx(j, 2), "rule"));
        ASSERT_STREQ(get_str(json_object_array_get_idx(j, 2), "source"), "override");
        ASSERT_STREQ(get_str(json_object_array_get_idx(j, 2), "profile"), "background");
        ASSERT_STREQ(get_str(json_object_array_get_idx(j, 0), "source"), "rule");
        ASSERT_STREQ(get_str(json_object_array_get_idx(j, 0), "rule"), "session-slices");
        ASSERT_STREQ(get_str(json_object_array_get_idx(j, 3), "source"), "default");
        ASSERT_NULL(get_str(json_object_array_get_idx(j, 1), "source"));
}
