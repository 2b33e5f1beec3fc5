/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "conf.h"
#include "strv.h"
#include "test-helpers.h"

static const char *base_conf =
        "# agentcgroup.conf\n"
        "[Manager]\n"
        "ManagedSlices=agent.slice\n"
        "LogLevel=debug\n"
        "DefaultProfile=background\n"
        "\n"
        "[Profile:interactive]\n"
        "Class=interactive\n"
        "CPUWeight=1000\n"
        "MemoryLow=256M\n"
        "\n"
        "[Profile:background]\n"
        "Class=background\n"
        "CPUWeight=50\n"
        "MemoryHigh=1G\n"
        "MemoryMax=2G\n"
        "TasksMax=512\n"
        "\n"
        "[Match:tools]\n"
        "Unit=tool*.scope\n"
        "Slice=agent-*.slice\n"
        "Profile=background\n";

TEST(parse_basic) {
        _cleanup_(config_freep) Config *c = NULL;
        const Profile *p;

        ASSERT_OK(config_new(&c));
        parse_text(c, "/etc/agentcgroup/agentcgroup.conf", base_conf);
        ASSERT_OK(config_finalize(c));
        ASSERT_EQ(c->n_errors, 0);
        ASSERT_EQ(c->log_level, 7);
        ASSERT_STREQ(c->default_profile, "background");
        ASSERT_EQ(c->n_profiles, 2);
        p = config_find_profile(c, "background");
        ASSERT_NOT_NULL(p);
        ASSERT_EQ(p->class, PROFILE_CLASS_BACKGROUND);
        ASSERT_U64_EQ(p->cpu_weight, 50);
        ASSERT_U64_EQ(p->memory_high.value, 1ULL << 30);
        ASSERT_U64_EQ(p->memory_max.value, 2ULL << 30);
        ASSERT_U64_EQ(p->tasks_max, 512);
        ASSERT_EQ(p->line, 12);
        ASSERT_EQ(c->n_rules, 1);
        ASSERT_STREQ(c->rules[0]->units[0], "tool*.scope");
        ASSERT_STREQ(c->rules[0]->profile, "background");
        ASSERT_EQ(c->rules[0]->profile_line, 22);
}

TEST(dropin_amends_profile_and_rule) {
        _cleanup_(config_freep) Config *c = NULL;
        const Profile *p;

        ASSERT_OK(config_new(&c));
        parse_text(c, "main.conf", base_conf);
        parse_text(c, "50-site.conf",
                   "[Profile:background]\n"
                   "MemoryHigh=512M\n"
                   "[Match:tools]\n"
                   "Unit=build*.scope\n"       /* lists append */
                   "[Match:early]\n"
                   "Unit=zz.scope\n"
                   "Profile=interactive\n");
        parse_text(c, "60-reset.conf",
                   "[Match:tools]\n"
                   "Slice=\n"                  /* an empty assignment resets */
                   "Slice=agent-x.slice\n");
        ASSERT_OK(config_finalize(c));
        ASSERT_EQ(c->n_errors, 0);

        p = config_find_profile(c, "background");
        ASSERT_U64_EQ(p->memory_high.value, 512ULL << 20);   /* overridden */
        ASSERT_U64_EQ(p->memory_max.value, 2ULL << 30);      /* kept */
        ASSERT_STREQ(p->file, "main.conf");                  /* first definition */
        ASSERT_EQ(c->n_rules, 2);
        ASSERT_STREQ(c->rules[0]->name, "tools");            /* order of first definition */
        ASSERT_EQ(strv_length(c->rules[0]->units), 2);
        ASSERT_STREQ(c->rules[0]->units[1], "build*.scope");
        ASSERT_EQ(strv_length(c->rules[0]->slices), 1);
        ASSERT_STREQ(c->rules[0]->slices[0], "agent-x.slice");
        ASSERT_STREQ(c->rules[1]->name, "early");
}

TEST(error_unknown_key_names_file_and_line) {
        _cleanup_(config_freep) Config *c = NULL;

        ASSERT_OK(config_new(&c));
        parse_text(c, "/etc/agentcgroup/agentcgroup.conf.d/10-x.conf",
                   "[Profile:a]\n"
                   "CPUWeight=100\n"
                   "MemoryHihg=1G\n");
        ASSERT_OK(config_finalize(c));
        ASSERT_EQ(c->n_errors, 1);
        ASSERT_HAS_ERROR(c, "/etc/agentcgroup/agentcgroup.conf.d/10-x.conf", 3, "unknown key 'MemoryHihg'");
}

TEST(error_bad_values) {
        _cleanup_(config_freep) Config *c = NULL;

        ASSERT_OK(config_new(&c));
        parse_text(c, "f.conf",
                   "[Profile:a]\n"
                   "MemoryHigh=lots\n"
                   "MemoryMax=120%\n"
                   "CPUWeight=0\n"
                   "TasksMax=-1\n"
                   "Class=urgent\n"
                   "[Manager]\n"
                   "LogLevel=chatty\n");
        ASSERT_OK(config_finalize(c));
        ASSERT_EQ(c->n_errors, 6);
        ASSERT_HAS_ERROR(c, "f.conf", 2, "MemoryHigh=lots: not a valid size");
        ASSERT_HAS_ERROR(c, "f.conf", 3, "out of range");
        ASSERT_HAS_ERROR(c, "f.conf", 4, "1 to 10000, or 'idle'");
        ASSERT_HAS_ERROR(c, "f.conf", 5, "TasksMax=-1");
        ASSERT_HAS_ERROR(c, "f.conf", 6, "unknown class");
        ASSERT_HAS_ERROR(c, "f.conf", 8, "unknown log level");
        /* A bad value leaves the setting as it was. */
        ASSERT_EQ(config_find_profile(c, "a")->memory_high.kind, SIZE_UNSET);
}

TEST(error_bad_glob) {
        _cleanup_(config_freep) Config *c = NULL;

        ASSERT_OK(config_new(&c));
        parse_text(c, "g.conf",
                   "[Profile:p]\n"
                   "[Match:m]\n"
                   "Unit=tool[0-9.scope good.scope\n"
                   "Slice=agent/x.slice\n"
                   "Unit=a$b.scope\n"
                   "Profile=p\n");
        ASSERT_OK(config_finalize(c));
        ASSERT_EQ(c->n_errors, 3);
        ASSERT_HAS_ERROR(c, "g.conf", 3, "bad glob: unclosed '['");
        ASSERT_HAS_ERROR(c, "g.conf", 4, "bad glob");
        ASSERT_HAS_ERROR(c, "g.conf", 5, "'$' cannot appear");
        /* The whole bad assignment is dropped, not half of it. */
        ASSERT_NULL(c->rules[0]->units);
}

TEST(error_duplicate_profile_in_one_file) {
        _cleanup_(config_freep) Config *c = NULL;

        ASSERT_OK(config_new(&c));
        parse_text(c, "d.conf",
                   "[Profile:a]\n"
                   "CPUWeight=10\n"
                   "\n"
                   "[Profile:a]\n"
                   "CPUWeight=20\n");
        ASSERT_OK(config_finalize(c));
        ASSERT_EQ(c->n_errors, 1);
        ASSERT_HAS_ERROR(c, "d.conf", 4, "duplicate profile 'a' in the same file (first defined at line 1)");

        /* The same name in another file is a drop-in, not a duplicate. */
        _cleanup_(config_freep) Config *c2 = NULL;
        ASSERT_OK(config_new(&c2));
        parse_text(c2, "1.conf", "[Profile:a]\nCPUWeight=10\n");
        parse_text(c2, "2.conf", "[Profile:a]\nCPUWeight=20\n");
        ASSERT_OK(config_finalize(c2));
        ASSERT_EQ(c2->n_errors, 0);
        ASSERT_U64_EQ(config_find_profile(c2, "a")->cpu_weight, 20);
}

TEST(error_missing_profile_reference) {
        _cleanup_(config_freep) Config *c = NULL;

        ASSERT_OK(config_new(&c));
        parse_text(c, "main.conf",
                   "[Manager]\n"
                   "DefaultProfile=nope\n"
                   "[Profile:real]\n"
                   "[Match:m]\n"
                   "Unit=*.scope\n");
        parse_text(c, "20-ref.conf",
                   "\n"
                   "[Match:m]\n"
                   "Profile=ghost\n"
                   "[Match:incomplete]\n"
                   "Unit=x.scope\n");
        ASSERT_OK(config_finalize(c));
        ASSERT_EQ(c->n_errors, 3);
        ASSERT_HAS_ERROR(c, "20-ref.conf", 3, "Profile=ghost in [Match:m]: no such profile");
        ASSERT_HAS_ERROR(c, "main.conf", 2, "DefaultProfile=nope: no such profile");
        ASSERT_HAS_ERROR(c, "20-ref.conf", 4, "[Match:incomplete] has no Profile=");
}

TEST(error_syntax) {
        _cleanup_(config_freep) Config *c = NULL;

        ASSERT_OK(config_new(&c));
        parse_text(c, "s.conf",
                   "CPUWeight=5\n"                 /* 1: outside a section */
                   "[Profile:a]\n"
                   "this is not a setting\n"       /* 3 */
                   "[Profile:b\n"                  /* 4: unterminated */
                   "CPUWeight=7\n"                 /* must not land in [Profile:a] */
                   "[Bogus]\n"                     /* 6 */
                   "Whatever=1\n"                  /* ignored: its section was reported */
                   "[Profile:bad name]\n"          /* 8 */
                   "[Profile:c]\n"
                   "Class: interactive\n"          /* 10: no colon syntax */
                   "=5\n");                        /* 11 */
        ASSERT_OK(config_finalize(c));
        ASSERT_EQ(c->n_errors, 7);
        ASSERT_HAS_ERROR(c, "s.conf", 1, "outside of any section");
        ASSERT_HAS_ERROR(c, "s.conf", 3, "syntax error");
        ASSERT_HAS_ERROR(c, "s.conf", 4, "section header");
        ASSERT_HAS_ERROR(c, "s.conf", 6, "unknown section [Bogus]");
        ASSERT_HAS_ERROR(c, "s.conf", 8, "not a valid profile name");
        ASSERT_HAS_ERROR(c, "s.conf", 10, "syntax error");
        ASSERT_HAS_ERROR(c, "s.conf", 11, "syntax error");
        ASSERT_U64_EQ(config_find_profile(c, "a")->cpu_weight, 0);
        ASSERT_NULL(config_find_profile(c, "b"));
}

TEST(error_long_line_and_nul) {
        _cleanup_(config_freep) Config *c = NULL;
        char text[6000];

        memset(text, 0, sizeof text);
        strcpy(text, "[Profile:a]\nMemoryHigh=");
        memset(text + strlen(text), '1', 5000);
        strcat(text, "\nCPUWeight=3\n");
        ASSERT_OK(config_new(&c));
        parse_text(c, "l.conf", text);
        ASSERT_OK(config_finalize(c));
        ASSERT_EQ(c->n_errors, 1);
        ASSERT_HAS_ERROR(c, "l.conf", 2, "line too long");
        ASSERT_U64_EQ(config_find_profile(c, "a")->cpu_weight, 3);

        _cleanup_(config_freep) Config *c2 = NULL;
        static const char with_nul[] = "[Profile:a]\nCPU\0Weight=3\n";
        FILE *f = fmemopen((void *) with_nul, sizeof with_nul - 1, "r");
        ASSERT_OK(config_new(&c2));
        ASSERT_OK(config_parse_file(c2, "n.conf", f));
        fclose(f);
        ASSERT_HAS_ERROR(c2, "n.conf", 2, "NUL byte");
}

TEST(unset_class_defaults_to_background) {
        _cleanup_(config_freep) Config *c = NULL;

        ASSERT_OK(config_new(&c));
        parse_text(c, "x.conf", "[Profile:plain]\n");
        ASSERT_OK(config_finalize(c));
        ASSERT_EQ(c->n_errors, 0);
        ASSERT_EQ(config_find_profile(c, "plain")->class, PROFILE_CLASS_BACKGROUND);
}

TEST(dump_round_trips) {
        _cleanup_(config_freep) Config *a = NULL, *b = NULL;
        char *buf1 = NULL, *buf2 = NULL;
        size_t n1 = 0, n2 = 0;
        FILE *f;

        ASSERT_OK(config_new(&a));
        parse_text(a, "main.conf", base_conf);
        ASSERT_OK(config_finalize(a));
        f = open_memstream(&buf1, &n1);
        ASSERT_OK(config_dump(a, f));
        fclose(f);

        ASSERT_OK(config_new(&b));
        parse_text(b, "main.conf", buf1);
        ASSERT_OK(config_finalize(b));
        ASSERT_EQ(b->n_errors, 0);
        f = open_memstream(&buf2, &n2);
        ASSERT_OK(config_dump(b, f));
        fclose(f);
        ASSERT_TRUE(strstr(buf1, "[Profile:background]\nClass=background\nCPUWeight=50\nMemoryHigh=1G\n"));
        /* Same settings after a second pass (comments with line numbers differ). */
        ASSERT_EQ(a->n_profiles, b->n_profiles);
        ASSERT_U64_EQ(config_find_profile(b, "background")->memory_max.value, 2ULL << 30);
        ASSERT_STREQ(b->rules[0]->slices[0], "agent-*.slice");
        free(buf1);
        free(buf2);
}

TEST(dump_keeps_emptied_managed_slices) {
        _cleanup_(config_freep) Config *a = NULL, *b = NULL;
        char *buf = NULL;
        size_t n = 0;
        FILE *f;

        ASSERT_OK(config_new(&a));
        parse_text(a, "main.conf", "[Manager]\nManagedSlices=\n");
        ASSERT_OK(config_finalize(a));
        ASSERT_NULL(a->managed_slices);
        f = open_memstream(&buf, &n);
        ASSERT_OK(config_dump(a, f));
        fclose(f);
        ASSERT_OK(config_new(&b));
        parse_text(b, "dump.conf", buf);
        ASSERT_OK(config_finalize(b));
        ASSERT_NULL(b->managed_slices); /* still "manage nothing", not the default agent.slice */
        free(buf);
}

TEST(admin_group) {
        _cleanup_(config_freep) Config *c = NULL, *d = NULL, *bad = NULL;
        _cleanup_(freep) char *dump = NULL;
        size_t size = 0;
        FILE *f;

        ASSERT_OK(config_new(&c));
        ASSERT_NULL(c->admin_group);
        parse_text(c, "main.conf", "[Manager]\nAdminGroup=agent-admins\n");
        ASSERT_OK(config_finalize(c));
        ASSERT_EQ(c->n_errors, 0);
        ASSERT_STREQ(c->admin_group, "agent-admins");
        /* The effective configuration keeps it. */
        f = open_memstream(&dump, &size);
        ASSERT_NOT_NULL(f);
        ASSERT_OK(config_dump(c, f));
        fclose(f);
        ASSERT_NOT_NULL(strstr(dump, "\nAdminGroup=agent-admins\n"));

        /* A later file replaces it, a numeric GID is a group too, empty resets to root only. */
        ASSERT_OK(config_new(&d));
        parse_text(d, "main.conf", "[Manager]\nAdminGroup=wheel\n");
        parse_text(d, "50-a.conf", "[Manager]\nAdminGroup=4242\n");
        ASSERT_STREQ(d->admin_group, "4242");
        parse_text(d, "60-b.conf", "[Manager]\nAdminGroup=\n");
        ASSERT_NULL(d->admin_group);
        ASSERT_OK(config_finalize(d));
        ASSERT_EQ(d->n_errors, 0);

        /* Bad values name file and line and leave the setting as it was. */
        ASSERT_OK(config_new(&bad));
        parse_text(bad, "g.conf",
                   "[Manager]\n"
                   "AdminGroup=ops\n"
                   "AdminGroup=two groups\n"
                   "AdminGroup=-dash\n"
                   "AdminGroup=4294967295\n"
                   "AdminGroup=99999999999\n"
                   "AdminGroup=a/b\n"
                   "AdminGroup=abcdefghijabcdefghijabcdefghijabc\n");
        ASSERT_OK(config_finalize(bad));
        ASSERT_EQ(bad->n_errors, 6);
        ASSERT_HAS_ERROR(bad, "g.conf", 3, "AdminGroup=two groups: not a valid group name or GID");
        ASSERT_HAS_ERROR(bad, "g.conf", 4, "AdminGroup=-dash: not a valid group name");
        ASSERT_HAS_ERROR(bad, "g.conf", 5, "AdminGroup=4294967295: GID out of range");
        ASSERT_HAS_ERROR(bad, "g.conf", 6, "AdminGroup=99999999999: GID out of range");
        ASSERT_HAS_ERROR(bad, "g.conf", 7, "AdminGroup=a/b: not a valid group name");
        ASSERT_HAS_ERROR(bad, "g.conf", 8, "not a valid group name");
        ASSERT_STREQ(bad->admin_group, "ops");
}

TEST(mode) {
        _cleanup_(config_freep) Config *c = NULL, *bad = NULL;
        _cleanup_(freep) char *dump = NULL;
        size_t size = 0;
        FILE *f;

        /* Nothing said: enforce, for the manager and every profile. */
        ASSERT_OK(config_new(&c));
        ASSERT_EQ(config_profile_mode(c, NULL), ACTION_MODE_ENFORCE);
        parse_text(c, "main.conf", base_conf);
        ASSERT_EQ(config_profile_mode(c, config_find_profile(c, "background")), ACTION_MODE_ENFORCE);

        /* A drop-in turns monitor mode on for all; a profile of its own says enforce. */
        parse_text(c, "50-monitor.conf", "[Manager]\nMode=monitor\n\n[Profile:interactive]\nMode=enforce\n");
        ASSERT_OK(config_finalize(c));
        ASSERT_EQ(c->n_errors, 0);
        ASSERT_EQ(config_profile_mode(c, NULL), ACTION_MODE_MONITOR);
        ASSERT_EQ(config_profile_mode(c, config_find_profile(c, "background")), ACTION_MODE_MONITOR);
        ASSERT_EQ(config_profile_mode(c, config_find_profile(c, "interactive")), ACTION_MODE_ENFORCE);
        f = open_memstream(&dump, &size);
        ASSERT_OK(config_dump(c, f));
        fclose(f);
        ASSERT_NOT_NULL(strstr(dump, "\nMode=monitor\n"));
        ASSERT_NOT_NULL(strstr(dump, "[Profile:interactive]\nClass=interactive\nCPUWeight=1000\nMemoryLow=256M\nMode=enforce\n"));

        ASSERT_STREQ(action_mode_to_string(ACTION_MODE_MONITOR), "monitor");
        ASSERT_EQ(action_mode_from_string("enforce"), ACTION_MODE_ENFORCE);
        ASSERT_EQ(action_mode_from_string("Monitor"), _ACTION_MODE_INVALID);

        ASSERT_OK(config_new(&bad));
        parse_text(bad, "m.conf", "[Manager]\nMode=watch\n\n[Profile:p]\nMode=\n");
        ASSERT_OK(config_finalize(bad));
        ASSERT_EQ(bad->n_errors, 2);
        ASSERT_HAS_ERROR(bad, "m.conf", 2, "Mode=watch: expected enforce or monitor");
        ASSERT_HAS_ERROR(bad, "m.conf", 5, "Mode=: expected enforce or monitor");
        ASSERT_EQ(config_profile_mode(bad, NULL), ACTION_MODE_ENFORCE);
}

TEST(metrics_settings) {
        _cleanup_(config_freep) Config *c = NULL, *bad = NULL;
        _cleanup_(freep) char *dump = NULL;
        size_t size = 0;
        FILE *f;

        ASSERT_OK(config_new(&c));
        ASSERT_NULL(c->metrics_file);
        ASSERT_EQ(c->metrics_interval_usec, USEC_UNSET);
        ASSERT_EQ(c->metrics_per_tool_call, -1);
        parse_text(c, "main.conf",
                   "[Manager]\n"
                   "MetricsFile=/var/lib/prometheus/node-exporter/agentcgroup.prom\n"
                   "MetricsIntervalSec=30s\n"
                   "MetricsPerToolCall=yes\n");
        ASSERT_OK(config_finalize(c));
        ASSERT_EQ(c->n_errors, 0);
        ASSERT_STREQ(c->metrics_file, "/var/lib/prometheus/node-exporter/agentcgroup.prom");
        ASSERT_EQ(c->metrics_interval_usec, 30 * USEC_PER_SEC);
        ASSERT_EQ(c->metrics_per_tool_call, 1);
        f = open_memstream(&dump, &size);
        ASSERT_OK(config_dump(c, f));
        fclose(f);
        ASSERT_NOT_NULL(strstr(dump, "\nMetricsFile=/var/lib/prometheus/node-exporter/agentcgroup.prom\n"
                                     "MetricsIntervalSec=30s\nMetricsPerToolCall=yes\n"));
        /* Empty turns the file off again. */
        parse_text(c, "60-off.conf", "[Manager]\nMetricsFile=\n");
        ASSERT_NULL(c->metrics_file);

        ASSERT_OK(config_new(&bad));
        parse_text(bad, "x.conf",
                   "[Manager]\n"
                   "MetricsFile=relative.prom\n"
                   "MetricsFile=/a/../b.prom\n"
                   "MetricsFile=/a//b.prom\n"
                   "MetricsFile=/a/b.txt\n"
                   "MetricsFile=/run/x/\n"
                   "MetricsIntervalSec=500ms\n"
                   "MetricsIntervalSec=often\n"
                   "MetricsIntervalSec=infinity\n"
                   "MetricsPerToolCall=maybe\n");
        ASSERT_OK(config_finalize(bad));
        ASSERT_EQ(bad->n_errors, 9);
        ASSERT_HAS_ERROR(bad, "x.conf", 2, "MetricsFile=relative.prom: expected an absolute, normalized file path");
        ASSERT_HAS_ERROR(bad, "x.conf", 3, "expected an absolute, normalized file path");
        ASSERT_HAS_ERROR(bad, "x.conf", 4, "expected an absolute, normalized file path");
        ASSERT_HAS_ERROR(bad, "x.conf", 5, "MetricsFile=/a/b.txt: the file name must end in .prom");
        ASSERT_HAS_ERROR(bad, "x.conf", 6, "expected an absolute, normalized file path");
        ASSERT_HAS_ERROR(bad, "x.conf", 7, "MetricsIntervalSec=500ms: expected a duration from 1s to 1h");
        ASSERT_HAS_ERROR(bad, "x.conf", 8, "MetricsIntervalSec=often");
        ASSERT_HAS_ERROR(bad, "x.conf", 9, "MetricsIntervalSec=infinity: expected a duration from 1s to 1h");
        ASSERT_HAS_ERROR(bad, "x.conf", 10, "MetricsPerToolCall=maybe: expected yes or no");
        ASSERT_NULL(bad->metrics_file);
}

TEST(managed_slices_default_is_replaced) {
        _cleanup_(config_freep) Config *c = NULL, *d = NULL;

        /* Not said: the default. */
        ASSERT_OK(config_new(&c));
        ASSERT_EQ(strv_length(c->managed_slices), 1);
        ASSERT_STREQ(c->managed_slices[0], "agent.slice");

        /* The first assignment replaces the default (the vendor file's own agent.slice is not
         * listed twice, and team.slice alone makes team.slice the sessions' parent); later ones
         * append, across files. */
        parse_text(c, "main.conf", "[Manager]\nManagedSlices=team.slice\n");
        ASSERT_EQ(strv_length(c->managed_slices), 1);
        ASSERT_STREQ(c->managed_slices[0], "team.slice");
        parse_text(c, "50-more.conf", "[Manager]\nManagedSlices=agent.slice\n");
        ASSERT_EQ(strv_length(c->managed_slices), 2);
        ASSERT_STREQ(c->managed_slices[1], "agent.slice");

        ASSERT_OK(config_new(&d));
        parse_text(d, "main.conf", "[Manager]\nManagedSlices=agent.slice\n");
        ASSERT_EQ(strv_length(d->managed_slices), 1);
}

TEST(section_headers_as_read) {
        _cleanup_(config_freep) Config *c = NULL;
        char text[512];
        const char *long_name = "a-profile-name-longer-than-the-49-characters-inih-keeps";

        /* Blanks inside the brackets, and names beyond what inih keeps of a section name (the
         * first would go to the second, which is its prefix there): each key lands in its own
         * section, without errors. */
        snprintf(text, sizeof text,
                 "[Profile:a]\nCPUWeight=5\n"
                 "[ Profile:b ]\nCPUWeight=7\n"
                 "[Profile:%.41s]\nCPUWeight=8\n"
                 "[Profile:%s]\nCPUWeight=9\n", long_name, long_name);
        ASSERT_OK(config_new(&c));
        parse_text(c, "h.conf", text);
        ASSERT_OK(config_finalize(c));
        dump_errors(c);
        ASSERT_EQ(c->n_errors, 0);
        ASSERT_U64_EQ(config_find_profile(c, "a")->cpu_weight, 5);
        ASSERT_U64_EQ(config_find_profile(c, "b")->cpu_weight, 7);
        ASSERT_EQ(strlen(c->profiles[2]->name), 41);
        ASSERT_U64_EQ(c->profiles[2]->cpu_weight, 8);
        ASSERT_U64_EQ(config_find_profile(c, long_name)->cpu_weight, 9);
}
