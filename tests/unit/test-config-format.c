/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <json-c/json.h>

#include "config-format.h"
#include "strv.h"
#include "test-helpers.h"
#include "test-json.h"

static const char *conf_text =
        "[Manager]\n"
        "DefaultProfile=tool-burst\n"
        "\n"
        "[Profile:interactive]\n"
        "Class=interactive\n"
        "CPUWeight=1000\n"
        "MemoryLow=256M\n"
        "\n"
        "[Profile:tool-burst]\n"
        "Class=tool-burst\n"
        "MemoryHigh=1536M\n"
        "MemorySwapMax=0\n"
        "TasksMax=infinity\n"
        "\n"
        "[Profile:background]\n"
        "MemoryMin=12.5%\n"
        "MemoryMax=2G\n"
        "TasksMax=512\n"
        "\n"
        "[Match:runtime]\n"
        "Type=scope\n"
        "Unit=runtime.scope runtime-*.scope\n"
        "Description=Say \"hi\" *\n"
        "Description=Agent *\n"
        "Profile=interactive\n"
        "\n"
        "[Match:batch]\n"
        "Slice=agent-batch*.slice\n"
        "User=root 1000\n"
        "Profile=background\n"
        "\n"
        "[Match:catch-all]\n"
        "Profile=tool-burst\n";

static Config *load(void) {
        Config *c = NULL;

        ASSERT_OK(config_new(&c));
        parse_text(c, "/etc/agentcgroup/agentcgroup.conf", conf_text);
        ASSERT_OK(config_finalize(c));
        dump_errors(c);
        ASSERT_EQ(c->n_errors, 0);
        return c;
}

/* A JSON value as the table shows it. */
static char *cell_of(json_object *v, bool quote) {
        _cleanup_strv_free_ char **l = NULL;

        if (!v)
                return strdup("-");
        switch (json_object_get_type(v)) {
        case json_type_string:
                return strdup(json_object_get_string(v));
        case json_type_int:
                return asprintf_safe("%" PRIu64, json_object_get_uint64(v));
        case json_type_array:
                for (size_t i = 0; i < json_object_array_length(v); i++) {
                        const char *s = json_object_get_string(json_object_array_get_idx(v, i));

                        ASSERT_OK(strv_consume(&l, quote ? asprintf_safe("\"%s\"", s) : strdup(s)));
                }
                return l ? strv_join(l, " ") : strdup("-");
        default:
                TEST_FAIL("unexpected JSON type %s", json_type_to_name(json_object_get_type(v)));
        }
}

/* Every column of every row equals the JSON member it maps to; DEFINED is file:line. */
static void assert_same_data(const Table *t, json_object *a, const char * const *keys) {
        ASSERT_EQ(json_object_get_type(a), json_type_array);
        ASSERT_EQ(json_object_array_length(a), table_n_rows(t));
        for (size_t i = 0; i < table_n_rows(t); i++) {
                json_object *o = json_object_array_get_idx(a, i), *file, *line;

                for (size_t j = 0; keys[j]; j++) {
                        _cleanup_(freep) char *cell = NULL;
                        json_object *v = NULL;

                        ASSERT_TRUE(j < table_n_columns(t));
                        if (streq(keys[j], "file:line")) {
                                ASSERT_TRUE(json_object_object_get_ex(o, "file", &file));
                                ASSERT_TRUE(json_object_object_get_ex(o, "line", &line));
                                cell = asprintf_safe("%s:%d", json_object_get_string(file), json_object_get_int(line));
                        } else {
                                /* Present even when null, so consumers need not guess. */
                                if (!json_object_object_get_ex(o, keys[j], &v))
                                        TEST_FAIL("row %zu: no member \"%s\"", i, keys[j]);
                                cell = cell_of(v, streq(keys[j], "descriptions"));
                        }
                        if (!streq(cell, table_get(t, i, j)))
                                TEST_FAIL("row %zu, %s: table \"%s\", JSON \"%s\"", i, table_header(t, j),
                                          table_get(t, i, j), cell);
                }
        }
}

static const char * const profile_keys[] = {
        "name", "class", "cpu_weight", "memory_min", "memory_low", "memory_high", "memory_max",
        "memory_swap_max", "tasks_max", "file:line", NULL,
};

static const char * const rule_keys[] = {
        "name", "type", "units", "slices", "users", "descriptions", "profile", "file:line", NULL,
};

TEST(profiles_json_matches_table) {
        _cleanup_(config_freep) Config *c = load();
        _cleanup_(table_freep) Table *t = NULL;
        _cleanup_(json_object_putp) json_object *o = NULL, *shortj = NULL, *pretty = NULL;
        json_object *p, *v;

        ASSERT_OK(profiles_to_table(c, &t));
        ASSERT_OK(profiles_to_json(c, &o));
        ASSERT_EQ(table_n_columns(t), ELEMENTSOF(profile_keys) - 1);
        shortj = print_and_parse(o, JSON_FORMAT_SHORT);
        pretty = print_and_parse(o, JSON_FORMAT_PRETTY);
        ASSERT_TRUE(json_object_equal(shortj, pretty));
        assert_same_data(t, shortj, profile_keys);

        /* And it is the configuration's data, typed. */
        ASSERT_EQ(table_n_rows(t), 3);
        p = json_object_array_get_idx(shortj, 0);
        ASSERT_TRUE(json_object_object_get_ex(p, "cpu_weight", &v));
        ASSERT_EQ(json_object_get_type(v), json_type_int);
        ASSERT_EQ(json_object_get_int(v), 1000);
        ASSERT_TRUE(json_object_object_get_ex(p, "memory_min", &v));
        ASSERT_NULL(v);
        ASSERT_TRUE(json_object_object_get_ex(p, "default", &v));
        ASSERT_FALSE(json_object_get_boolean(v));
        p = json_object_array_get_idx(shortj, 1);
        ASSERT_TRUE(json_object_object_get_ex(p, "tasks_max", &v));
        ASSERT_STREQ(json_object_get_string(v), "infinity");
        ASSERT_TRUE(json_object_object_get_ex(p, "memory_high", &v));
        ASSERT_STREQ(json_object_get_string(v), "1536M");
        ASSERT_TRUE(json_object_object_get_ex(p, "memory_swap_max", &v));
        ASSERT_STREQ(json_object_get_string(v), "0");
        ASSERT_TRUE(json_object_object_get_ex(p, "default", &v));
        ASSERT_TRUE(json_object_get_boolean(v));
        p = json_object_array_get_idx(shortj, 2);
        /* Class= unset: the cautious default config_finalize() gives. */
        ASSERT_TRUE(json_object_object_get_ex(p, "class", &v));
        ASSERT_STREQ(json_object_get_string(v), "background");
        ASSERT_TRUE(json_object_object_get_ex(p, "memory_min", &v));
        ASSERT_STREQ(json_object_get_string(v), "12.50%");
        ASSERT_TRUE(json_object_object_get_ex(p, "tasks_max", &v));
        ASSERT_EQ(json_object_get_int(v), 512);
        ASSERT_TRUE(json_object_object_get_ex(p, "line", &v));
        ASSERT_EQ(json_object_get_int(v), 15);
        ASSERT_STREQ(table_get(t, 2, 9), "/etc/agentcgroup/agentcgroup.conf:15");
}

TEST(rules_json_matches_table) {
        _cleanup_(config_freep) Config *c = load();
        _cleanup_(table_freep) Table *t = NULL;
        _cleanup_(json_object_putp) json_object *o = NULL, *parsed = NULL;
        json_object *r, *v;

        ASSERT_OK(rules_to_table(c, &t));
        ASSERT_OK(rules_to_json(c, &o));
        ASSERT_EQ(table_n_columns(t), ELEMENTSOF(rule_keys) - 1);
        parsed = print_and_parse(o, JSON_FORMAT_PRETTY);
        assert_same_data(t, parsed, rule_keys);

        /* In the order they are tried. */
        ASSERT_EQ(table_n_rows(t), 3);
        ASSERT_STREQ(table_get(t, 0, 0), "runtime");
        ASSERT_STREQ(table_get(t, 1, 0), "batch");
        ASSERT_STREQ(table_get(t, 2, 0), "catch-all");
        r = json_object_array_get_idx(parsed, 0);
        ASSERT_TRUE(json_object_object_get_ex(r, "descriptions", &v));
        ASSERT_EQ(json_object_array_length(v), 2);
        ASSERT_STREQ(json_object_get_string(json_object_array_get_idx(v, 0)), "Say \"hi\" *");
        ASSERT_STREQ(table_get(t, 0, 5), "\"Say \"hi\" *\" \"Agent *\"");
        ASSERT_TRUE(json_object_object_get_ex(r, "units", &v));
        ASSERT_EQ(json_object_array_length(v), 2);
        /* A rule without conditions: null everywhere, "-" in the table. */
        r = json_object_array_get_idx(parsed, 2);
        ASSERT_TRUE(json_object_object_get_ex(r, "type", &v));
        ASSERT_NULL(v);
        ASSERT_TRUE(json_object_object_get_ex(r, "units", &v));
        ASSERT_NULL(v);
        ASSERT_STREQ(table_get(t, 2, 1), "-");
        ASSERT_STREQ(table_get(t, 2, 2), "-");
}

TEST(empty_config) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(table_freep) Table *t = NULL;
        _cleanup_(json_object_putp) json_object *o = NULL, *parsed = NULL;

        ASSERT_OK(config_new(&c));
        ASSERT_OK(config_finalize(c));
        ASSERT_OK(profiles_to_table(c, &t));
        ASSERT_EQ(table_n_rows(t), 0);
        ASSERT_OK(rules_to_json(c, &o));
        parsed = print_and_parse(o, JSON_FORMAT_SHORT);
        ASSERT_EQ(json_object_array_length(parsed), 0);
}

static char *print_table(const Table *t, bool header, bool color) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        ASSERT_NOT_NULL(f);
        ASSERT_OK(table_print(t, f, header, color));
        fclose(f);
        return text;
}

TEST(table_layout) {
        _cleanup_(table_freep) Table *t = NULL;
        _cleanup_(freep) char *plain = NULL, *bare = NULL, *colored = NULL;

        ASSERT_OK(table_new(&t, (const char * const[]) { "NAME", "VALUE", "WHERE", NULL }));
        ASSERT_OK(table_add_row(t, (const char * const[]) { "a-long-name", NULL, "x" }));
        ASSERT_OK(table_add_row(t, (const char * const[]) { "b", "", "y:1" }));
        ASSERT_STREQ(table_get(t, 0, 1), "-");
        ASSERT_STREQ(table_get(t, 1, 1), "-");
        ASSERT_NULL(table_get(t, 2, 0));

        plain = print_table(t, true, false);
        ASSERT_STREQ(plain,
                     "NAME         VALUE  WHERE\n"
                     "a-long-name  -      x\n"
                     "b            -      y:1\n");
        bare = print_table(t, false, false);
        ASSERT_STREQ(bare,
                     "a-long-name  -  x\n"
                     "b            -  y:1\n");
        colored = print_table(t, true, true);
        ASSERT_STREQ(colored,
                     "\x1b[1mNAME         VALUE  WHERE\x1b[0m\n"
                     "a-long-name  -      x\n"
                     "b            -      y:1\n");
}

TEST(errors_format) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(freep) char *text = NULL, *colored = NULL;
        size_t size = 0;
        FILE *f;

        ASSERT_OK(config_new(&c));
        ASSERT_OK(config_add_error(c, "/etc/a.conf", 3, "MemoryMax=big: not a valid size"));
        ASSERT_OK(config_add_error(c, "/etc/b.conf", 0, "cannot open: %s", "Permission denied"));
        f = open_memstream(&text, &size);
        config_errors_print(c, f, false);
        fclose(f);
        ASSERT_STREQ(text,
                     "/etc/a.conf:3: MemoryMax=big: not a valid size\n"
                     "/etc/b.conf: cannot open: Permission denied\n");
        f = open_memstream(&colored, &size);
        config_errors_print(c, f, true);
        fclose(f);
        ASSERT_TRUE(strneq(colored, "\x1b[0;1;31m/etc/a.conf:3: ", strlen("\x1b[0;1;31m/etc/a.conf:3: ")));
        ASSERT_NOT_NULL(strstr(colored, "not a valid size\x1b[0m\n"));
}
