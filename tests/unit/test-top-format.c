/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <time.h>

#include <json-c/json.h>

#include "cgroup-file.h"
#include "strv.h"
#include "test-json.h"
#include "tests.h"
#include "top-format.h"

#define G (UINT64_C(1) << 30)
#define M (UINT64_C(1) << 20)

/* ---- cgroupfs files ---- */

TEST(cgroup_text_key) {
        static const char cpu_stat[] = "usage_usec 123456\nuser_usec 100000\nsystem_usec 23456\n"
                                       "nr_periods 0\nusage_usec_extra 9\n";
        uint64_t v = 0;

        ASSERT_OK(cgroup_text_key(cpu_stat, "usage_usec", &v));
        ASSERT_U64_EQ(v, 123456);
        ASSERT_OK(cgroup_text_key(cpu_stat, "system_usec", &v));
        ASSERT_U64_EQ(v, 23456);
        /* A key is a whole word: "usage" is not "usage_usec". */
        ASSERT_ERROR(cgroup_text_key(cpu_stat, "usage", &v), ENOENT);
        ASSERT_ERROR(cgroup_text_key(cpu_stat, "throttled_usec", &v), ENOENT);
        ASSERT_ERROR(cgroup_text_key("usage_usec lots\n", "usage_usec", &v), EINVAL);
        ASSERT_ERROR(cgroup_text_key("usage_usec 12 3\n", "usage_usec", &v), EINVAL);
        ASSERT_ERROR(cgroup_text_key("", "usage_usec", &v), ENOENT);
        /* The last line without a newline. */
        ASSERT_OK(cgroup_text_key("high 0\nmax 7", "max", &v));
        ASSERT_U64_EQ(v, 7);
}

TEST(cgroup_text_value) {
        uint64_t v = 0;

        ASSERT_OK(cgroup_text_value("1610612736\n", &v));
        ASSERT_U64_EQ(v, 1610612736);
        ASSERT_OK(cgroup_text_value("0", &v));
        ASSERT_U64_EQ(v, 0);
        ASSERT_OK(cgroup_text_value("max\n", &v));
        ASSERT_U64_EQ(v, UINT64_MAX);
        ASSERT_ERROR(cgroup_text_value("maximum\n", &v), EINVAL);
        ASSERT_ERROR(cgroup_text_value("", &v), EINVAL);
        ASSERT_ERROR(cgroup_text_value("\n", &v), EINVAL);
        ASSERT_ERROR(cgroup_text_value("-1\n", &v), EINVAL);
        ASSERT_ERROR(cgroup_text_value("12 34\n", &v), EINVAL);
        ASSERT_ERROR(cgroup_text_value("12\n34\n", &v), EINVAL);
}

TEST(cgroup_text_pressure) {
        double v = -1;

        ASSERT_OK(cgroup_text_pressure_some_avg10("some avg10=11.80 avg60=3.00 avg300=0.50 total=123456\n"
                                                  "full avg10=2.00 avg60=0.00 avg300=0.00 total=100\n", &v));
        ASSERT_TRUE(fabs(v - 11.8) < 1e-9);
        ASSERT_OK(cgroup_text_pressure_some_avg10("some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", &v));
        ASSERT_TRUE(v == 0.0);
        ASSERT_OK(cgroup_text_pressure_some_avg10("some avg10=100.00", &v));
        ASSERT_TRUE(v == 100.0);
        /* Only the "some" line, and only its avg10. */
        ASSERT_ERROR(cgroup_text_pressure_some_avg10("full avg10=2.00 avg60=0.00 avg300=0.00 total=100\n", &v), EINVAL);
        ASSERT_ERROR(cgroup_text_pressure_some_avg10("some avg60=1.00 total=1\nfull avg10=2.00\n", &v), EINVAL);
        ASSERT_ERROR(cgroup_text_pressure_some_avg10("some avg10=x avg60=0.00\n", &v), EINVAL);
        ASSERT_ERROR(cgroup_text_pressure_some_avg10("some avg10=-1.00 avg60=0.00\n", &v), EINVAL);
        ASSERT_ERROR(cgroup_text_pressure_some_avg10("some avg10=1.5x avg60=0.00\n", &v), EINVAL);
        ASSERT_ERROR(cgroup_text_pressure_some_avg10("", &v), EINVAL);
}

/* ---- values ---- */

TEST(order_names_and_keys) {
        for (TopOrder o = 0; o < _TOP_ORDER_MAX; o++) {
                const char *s = top_order_to_string(o);

                ASSERT_NOT_NULL(s);
                ASSERT_EQ(top_order_from_string(s), o);
                ASSERT_EQ(top_order_from_key(s[0]), o);
        }
        ASSERT_EQ(top_order_from_string("memory"), TOP_ORDER_MEMORY);
        ASSERT_EQ(top_order_from_key('p'), TOP_ORDER_PRESSURE);
        ASSERT_EQ(top_order_from_key('c'), TOP_ORDER_CPU);
        ASSERT_EQ(top_order_from_key('u'), TOP_ORDER_UNIT);
        ASSERT_TRUE(top_order_from_string("Memory") < 0);
        ASSERT_TRUE(top_order_from_string("") < 0);
        ASSERT_TRUE(top_order_from_string(NULL) < 0);
        ASSERT_TRUE(top_order_from_key('q') < 0);
        ASSERT_TRUE(top_order_from_key('M') < 0);
        ASSERT_NULL(top_order_to_string(_TOP_ORDER_MAX));
}

TEST(cpu_percent) {
        /* Half a second of CPU in a second; two CPUs busy; idle. */
        ASSERT_TRUE(fabs(top_cpu_percent(1000, 501000, 5000000, 6000000) - 50.0) < 1e-9);
        ASSERT_TRUE(fabs(top_cpu_percent(0, 4000000, 0, 2000000) - 200.0) < 1e-9);
        ASSERT_TRUE(top_cpu_percent(7, 7, 0, 1000000) == 0.0);
        /* No time passed, or the counter went back (a new cgroup): not known. */
        ASSERT_TRUE(isnan(top_cpu_percent(0, 100, 5, 5)));
        ASSERT_TRUE(isnan(top_cpu_percent(0, 100, 6, 5)));
        ASSERT_TRUE(isnan(top_cpu_percent(200, 100, 0, 1000000)));
}

/* cgroupfs first; the daemon's values when the cgroup could not be read; nothing without either. */
TEST(values_fall_back_to_the_daemon) {
        TopUnit u = {
                .row = { "t.scope", "scope", "agent-s1.slice", "tool-burst", "", 1, "throttled", "throttle", "why",
                         100 * M, 80 * M, 12.5 },
                .cpu_percent = NAN,
        };
        uint64_t v = 0;

        ASSERT_U64_EQ(top_unit_memory(&u), 100 * M);
        ASSERT_TRUE(top_unit_memory_high(&u, &v));
        ASSERT_U64_EQ(v, 80 * M);
        ASSERT_FALSE(top_unit_memory_max(&u, &v));
        ASSERT_TRUE(top_unit_pressure(&u) == 12.5);

        u.sample = (TopSample) { .has_current = true, .current = 90 * M, .has_high = true, .high = UINT64_MAX,
                                 .has_max = true, .max = G, .has_avg10 = true, .avg10 = 3.25 };
        ASSERT_U64_EQ(top_unit_memory(&u), 90 * M);
        ASSERT_TRUE(top_unit_memory_high(&u, &v));
        ASSERT_U64_EQ(v, UINT64_MAX);
        ASSERT_TRUE(top_unit_memory_max(&u, &v));
        ASSERT_U64_EQ(v, G);
        ASSERT_TRUE(top_unit_pressure(&u) == 3.25);

        /* The daemon set no memory.high of its own, and has not sampled the unit yet. */
        u.sample = (TopSample) {};
        u.row.effective_memory_high = UINT64_MAX;
        u.row.memory_current = UINT64_MAX;
        ASSERT_FALSE(top_unit_memory_high(&u, &v));
        ASSERT_U64_EQ(top_unit_memory(&u), UINT64_MAX);

        /* No state at all (a daemon without ListUnitStates()). */
        u.row = (UnitRow) { "t.scope", "scope", "agent-s1.slice", "tool-burst", "", 1 };
        ASSERT_U64_EQ(top_unit_memory(&u), UINT64_MAX);
        ASSERT_FALSE(top_unit_memory_high(&u, &v));
        ASSERT_TRUE(isnan(top_unit_pressure(&u)));
}

/* ---- order and frame ---- */

/* Two sessions, one with a runtime and a tool call, one frozen with what the daemon knows
 * only; a scope directly in agent.slice (its parent is not managed) without any state. */
static const TopUnit units[] = {
        { .row = { "tool-42.scope", "scope", "agent-s1.slice", "tool-burst", "", 42, "throttled", "throttle",
                   "burst credit used up", 1536 * M, UINT64_MAX, 30.0 },
          .sample = { true, true, true, true, true, 1536 * M, G, 3 * G, 11.8, 5000000 },
          .cpu_percent = 95.25 },
        { .row = { "agent-s1.slice", "slice", "agent.slice", "session", "session-slices", 17, "running", "none", "",
                   2 * G, UINT64_MAX, 0.0 },
          .sample = { true, true, true, true, true, 2 * G, UINT64_MAX, UINT64_MAX, 0.0, 9000000 },
          .cpu_percent = 96.5 },
        { .row = { "runtime-s1.scope", "scope", "agent-s1.slice", "interactive", "agent-runtime", 18, "running",
                   "none", "", 512 * M, UINT64_MAX, 0.0 },
          .sample = { true, true, true, true, true, 512 * M, UINT64_MAX, UINT64_MAX, 0.0, 100 },
          .cpu_percent = 1.0 },
        { .row = { "loose.scope", "scope", "agent.slice", "tool-burst", "", 50 },
          .cpu_percent = NAN },
        { .row = { "agent-s2.slice", "slice", "agent.slice", "session", "session-slices", 19, "frozen", "freeze", "",
                   100 * M, UINT64_MAX, 2.5 },
          .cpu_percent = NAN },
};

static void assert_order(TopOrder order, const char * const *names, const unsigned *depths) {
        _cleanup_(freep) TopLine *lines = NULL;

        ASSERT_OK(top_units_order(units, ELEMENTSOF(units), order, &lines));
        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                if (!streq(units[lines[i].index].row.unit, names[i]) || lines[i].depth != depths[i])
                        TEST_FAIL("order %s, line %zu: %s at depth %u, expected %s at %u", top_order_to_string(order),
                                  i, units[lines[i].index].row.unit, lines[i].depth, names[i], depths[i]);
}

/* Each tool call under its session; the siblings of each level by the order, then by name;
 * what is not known last. */
TEST(tree_order) {
        static const unsigned depths[] = { 0, 1, 1, 0, 0 };
        static const unsigned depths_pressure[] = { 0, 0, 1, 1, 0 };

        assert_order(TOP_ORDER_UNIT,
                     (const char * const[]) { "agent-s1.slice", "runtime-s1.scope", "tool-42.scope", "agent-s2.slice",
                                              "loose.scope" }, depths);
        /* agent-s2.slice by the daemon's memory.current; loose.scope has none. */
        assert_order(TOP_ORDER_MEMORY,
                     (const char * const[]) { "agent-s1.slice", "tool-42.scope", "runtime-s1.scope", "agent-s2.slice",
                                              "loose.scope" }, depths);
        assert_order(TOP_ORDER_CPU,
                     (const char * const[]) { "agent-s1.slice", "tool-42.scope", "runtime-s1.scope", "agent-s2.slice",
                                              "loose.scope" }, depths);
        /* agent-s2.slice by the daemon's StallPercent (2.5) before agent-s1.slice's avg10 (0). */
        assert_order(TOP_ORDER_PRESSURE,
                     (const char * const[]) { "agent-s2.slice", "agent-s1.slice", "tool-42.scope", "runtime-s1.scope",
                                              "loose.scope" }, depths_pressure);
}

TEST(tree_odd_inputs) {
        /* A slice in itself, two slices in each other, a deeper chain: every unit once. */
        static const TopUnit odd[] = {
                { .row = { "self.slice", "slice", "self.slice" }, .cpu_percent = NAN },
                { .row = { "a.slice", "slice", "b.slice" }, .cpu_percent = NAN },
                { .row = { "b.slice", "slice", "a.slice" }, .cpu_percent = NAN },
                { .row = { "c-d-e.slice", "slice", "c-d.slice" }, .cpu_percent = NAN },
                { .row = { "c-d.slice", "slice", "c.slice" }, .cpu_percent = NAN },
                { .row = { "c.slice", "slice", "" }, .cpu_percent = NAN },
                { .row = { "x.scope", "scope", "c-d-e.slice" }, .cpu_percent = NAN },
        };
        static const char * const names[] = { "c.slice", "c-d.slice", "c-d-e.slice", "x.scope", "self.slice",
                                              "a.slice", "b.slice" };
        static const unsigned depths[] = { 0, 1, 2, 3, 0, 0, 1 };
        _cleanup_(freep) TopLine *lines = NULL, *none = NULL;

        ASSERT_OK(top_units_order(odd, ELEMENTSOF(odd), TOP_ORDER_UNIT, &lines));
        for (size_t i = 0; i < ELEMENTSOF(odd); i++)
                if (!streq(odd[lines[i].index].row.unit, names[i]) || lines[i].depth != depths[i])
                        TEST_FAIL("line %zu: %s at depth %u, expected %s at %u", i, odd[lines[i].index].row.unit,
                                  lines[i].depth, names[i], depths[i]);

        ASSERT_OK(top_units_order(NULL, 0, TOP_ORDER_MEMORY, &none));
        ASSERT_NOT_NULL(none);
}

static void frame_text(const TopFrame *f, char ***ret) {
        _cleanup_(freep) TopLine *lines = NULL;

        ASSERT_OK(top_units_order(f->units, f->n_units, f->order, &lines));
        ASSERT_OK(top_frame_format(f, lines, ret));
}

TEST(frame_text) {
        static const char * const expected[] = {
                "agentcgroupd 1.2.3  Units: 5  Slices: 2  Scopes: 3  Throttled: 1  Frozen: 1  Killed: 0  Order: memory  01:02:03",
                "",
                "UNIT                PROFILE      STATE      MEM     HIGH  MAX   PSI    CPU%  LAST ACTION",
                "agent-s1.slice      session      running    2.0G    max   max   0.00   96.5  -",
                "  tool-42.scope     tool-burst   throttled  1.5G    1.0G  3.0G  11.80  95.2  throttle: burst credit used up",
                "  runtime-s1.scope  interactive  running    512.0M  max   max   0.00   1.0   -",
                "agent-s2.slice      session      frozen     100.0M  -     -     2.50   -     freeze",
                "loose.scope         tool-burst   -          -       -     -     -      -     -",
                NULL,
        };
        TopFrame f = {
                .version = "1.2.3",
                .realtime_usec = (3600 + 2 * 60 + 3) * USEC_PER_SEC + 999999,
                .order = TOP_ORDER_MEMORY,
                .units = units,
                .n_units = ELEMENTSOF(units),
        };
        _cleanup_strv_free_ char **text = NULL, **empty = NULL;

        ASSERT_OK(setenv("TZ", "UTC", 1));
        tzset();
        frame_text(&f, &text);
        for (size_t i = 0; expected[i] || text[i]; i++)
                if (!expected[i] || !text[i] || !streq(text[i], expected[i]))
                        TEST_FAIL("line %zu:\n#   got      \"%s\"\n#   expected \"%s\"", i, strna(text[i]),
                                  strna(expected[i]));

        /* No units: the title and the headers. */
        f = (TopFrame) { .version = "1.2.3", .order = TOP_ORDER_UNIT };
        frame_text(&f, &empty);
        ASSERT_EQ(strv_length(empty), TOP_FRAME_HEADER_LINES);
        ASSERT_STREQ(empty[0], "agentcgroupd 1.2.3  Units: 0  Slices: 0  Scopes: 0  Throttled: 0  Frozen: 0  Killed: 0  "
                               "Order: unit  00:00:00");
        ASSERT_STREQ(empty[2], "UNIT  PROFILE  STATE  MEM  HIGH  MAX  PSI  CPU%  LAST ACTION");
}

static json_object *member(json_object *o, const char *key) {
        json_object *v = NULL;

        if (!json_object_object_get_ex(o, key, &v))
                TEST_FAIL("no member \"%s\"", key);
        return v;
}

static const char *member_str(json_object *o, const char *key) {
        json_object *v = member(o, key);

        return v ? json_object_get_string(v) : NULL;
}

TEST(frame_json) {
        TopFrame f = {
                .version = "1.2.3",
                .realtime_usec = 1700000000123456,
                .order = TOP_ORDER_UNIT,
                .units = units,
                .n_units = ELEMENTSOF(units),
        };
        _cleanup_(json_object_putp) json_object *o = NULL, *j = NULL, *pretty = NULL;
        _cleanup_(freep) TopLine *lines = NULL;
        json_object *a, *u;

        ASSERT_OK(top_units_order(units, ELEMENTSOF(units), f.order, &lines));
        ASSERT_OK(top_frame_to_json(&f, lines, &o));
        j = print_and_parse(o, JSON_FORMAT_SHORT);
        pretty = print_and_parse(o, JSON_FORMAT_PRETTY);
        ASSERT_TRUE(json_object_equal(j, pretty));

        ASSERT_U64_EQ(json_object_get_uint64(member(j, "timestamp")), 1700000000123456);
        ASSERT_STREQ(member_str(j, "version"), "1.2.3");
        ASSERT_STREQ(member_str(j, "order"), "unit");
        a = member(j, "units");
        ASSERT_EQ(json_object_array_length(a), ELEMENTSOF(units));

        /* In the order of the lines; the parent is the unit it is nested under. */
        u = json_object_array_get_idx(a, 0);
        ASSERT_STREQ(member_str(u, "unit"), "agent-s1.slice");
        ASSERT_NULL(member(u, "parent"));
        ASSERT_EQ(json_object_get_int(member(u, "depth")), 0);
        ASSERT_STREQ(member_str(u, "memory_high"), "max");
        ASSERT_STREQ(member_str(u, "memory_max"), "max");
        ASSERT_NULL(member(u, "last_reason"));
        ASSERT_STREQ(member_str(u, "last_action"), "none");

        u = json_object_array_get_idx(a, 2);
        ASSERT_STREQ(member_str(u, "unit"), "tool-42.scope");
        ASSERT_STREQ(member_str(u, "parent"), "agent-s1.slice");
        ASSERT_EQ(json_object_get_int(member(u, "depth")), 1);
        ASSERT_STREQ(member_str(u, "type"), "scope");
        ASSERT_STREQ(member_str(u, "profile"), "tool-burst");
        ASSERT_STREQ(member_str(u, "state"), "throttled");
        ASSERT_EQ(json_object_get_type(member(u, "memory_current")), json_type_int);
        ASSERT_U64_EQ(json_object_get_uint64(member(u, "memory_current")), 1536 * M);
        ASSERT_U64_EQ(json_object_get_uint64(member(u, "memory_high")), G);
        ASSERT_U64_EQ(json_object_get_uint64(member(u, "memory_max")), 3 * G);
        ASSERT_TRUE(fabs(json_object_get_double(member(u, "memory_pressure")) - 11.8) < 1e-9);
        ASSERT_TRUE(fabs(json_object_get_double(member(u, "stall_percent")) - 30.0) < 1e-9);
        ASSERT_TRUE(fabs(json_object_get_double(member(u, "cpu_percent")) - 95.25) < 1e-9);
        ASSERT_STREQ(member_str(u, "last_action"), "throttle");
        ASSERT_STREQ(member_str(u, "last_reason"), "burst credit used up");

        /* What the daemon knows only. */
        u = json_object_array_get_idx(a, 3);
        ASSERT_STREQ(member_str(u, "unit"), "agent-s2.slice");
        ASSERT_U64_EQ(json_object_get_uint64(member(u, "memory_current")), 100 * M);
        ASSERT_NULL(member(u, "memory_high"));
        ASSERT_NULL(member(u, "memory_max"));
        ASSERT_NULL(member(u, "memory_pressure"));
        ASSERT_TRUE(fabs(json_object_get_double(member(u, "stall_percent")) - 2.5) < 1e-9);
        ASSERT_NULL(member(u, "cpu_percent"));

        /* Nothing known. */
        u = json_object_array_get_idx(a, 4);
        ASSERT_STREQ(member_str(u, "unit"), "loose.scope");
        ASSERT_NULL(member(u, "parent"));
        ASSERT_NULL(member(u, "state"));
        ASSERT_NULL(member(u, "memory_current"));
        ASSERT_NULL(member(u, "stall_percent"));
        ASSERT_NULL(member(u, "last_action"));
}
