/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "match.h"
#include "profile-props.h"
#include "test-helpers.h"

static Config *load(const char *text) {
        Config *c = NULL;

        if (config_new(&c) < 0)
                return NULL;
        parse_text(c, "m.conf", text);
        if (config_finalize(c) < 0 || c->n_errors > 0) {
                dump_errors(c);
                config_free(c);
                return NULL;
        }
        return c;
}

static const char *rules =
        "[Manager]\n"
        "ManagedSlices=agent.slice\n"
        "DefaultProfile=tool\n"
        "[Profile:session]\nCPUWeight=100\nMemoryMax=4G\n"
        "[Profile:interactive]\nClass=interactive\nCPUWeight=1000\n"
        "[Profile:tool]\nClass=tool-burst\nMemoryHigh=1G\n"
        "[Profile:alice]\nCPUWeight=7\n"
        "[Profile:desc]\nCPUWeight=8\n"
        "[Match:sessions]\nType=slice\nSlice=agent.slice\nProfile=session\n"
        "[Match:vip]\nSlice=agent-vip*.slice\nProfile=interactive\n"
        "[Match:alice]\nUser=alice 4242\nProfile=alice\n"
        "[Match:desc]\nDescription=pytest run *\nProfile=desc\n";

static UnitFacts scope(const char *name, const char *slice) {
        return (UnitFacts) { .name = name, .type = UNIT_TYPE_SCOPE, .slice = slice, .uid = (uid_t) -1 };
}

TEST(managed_is_strictly_below_managed_slices) {
        _cleanup_(config_freep) Config *c = load(rules);
        UnitFacts u;

        ASSERT_NOT_NULL(c);
        u = scope("tool1.scope", "agent-s1.slice");
        ASSERT_TRUE(config_unit_is_managed(c, &u));
        u = scope("tool1.scope", "agent.slice");
        ASSERT_TRUE(config_unit_is_managed(c, &u));
        u = scope("session-3.scope", "user-1000.slice");
        ASSERT_FALSE(config_unit_is_managed(c, &u));
        u = scope("weird.scope", NULL);
        ASSERT_FALSE(config_unit_is_managed(c, &u));
        u = (UnitFacts) { .name = "agent-s1.slice", .type = UNIT_TYPE_SLICE, .slice = "agent.slice", .uid = (uid_t) -1 };
        ASSERT_TRUE(config_unit_is_managed(c, &u));
        u = (UnitFacts) { .name = "agent.slice", .type = UNIT_TYPE_SLICE, .slice = "-.slice", .uid = (uid_t) -1 };
        ASSERT_FALSE(config_unit_is_managed(c, &u));
        /* "agentx" is not below "agent": dashes separate levels, prefixes do not. */
        u = (UnitFacts) { .name = "agentx-s1.slice", .type = UNIT_TYPE_SLICE, .uid = (uid_t) -1 };
        ASSERT_FALSE(config_unit_is_managed(c, &u));
}

TEST(first_match_wins_and_default) {
        _cleanup_(config_freep) Config *c = load(rules);
        const MatchRule *m;
        const Profile *p;
        UnitFacts u;

        ASSERT_NOT_NULL(c);
        u = (UnitFacts) { .name = "agent-s1.slice", .type = UNIT_TYPE_SLICE, .uid = (uid_t) -1 };
        p = config_select_profile(c, &u, &m);
        ASSERT_STREQ(p->name, "session");
        ASSERT_STREQ(m->name, "sessions");

        /* A slice two levels down is not directly in agent.slice, but Slice= matches any level. */
        u = (UnitFacts) { .name = "agent-vip-x.slice", .type = UNIT_TYPE_SLICE, .uid = (uid_t) -1 };
        ASSERT_STREQ(config_select_profile(c, &u, NULL)->name, "session");

        u = scope("t.scope", "agent-vip1.slice");
        ASSERT_STREQ(config_select_profile(c, &u, NULL)->name, "interactive");

        u = scope("t.scope", "agent-s1.slice");
        p = config_select_profile(c, &u, &m);
        ASSERT_NULL(m);
        ASSERT_STREQ(p->name, "tool");
}

TEST(user_and_description) {
        _cleanup_(config_freep) Config *c = load(rules);
        UnitFacts u;

        ASSERT_NOT_NULL(c);
        u = scope("t.scope", "agent-s1.slice");
        u.uid = 1001;
        u.user = "alice";
        ASSERT_STREQ(config_select_profile(c, &u, NULL)->name, "alice");
        u.uid = 4242;
        u.user = NULL;
        ASSERT_STREQ(config_select_profile(c, &u, NULL)->name, "alice");
        u.uid = 1002;
        u.user = "bob";
        ASSERT_STREQ(config_select_profile(c, &u, NULL)->name, "tool");

        u = scope("t.scope", "agent-s1.slice");
        u.description = "pytest run tests/unit";
        ASSERT_STREQ(config_select_profile(c, &u, NULL)->name, "desc");
        u.description = "pip install";
        ASSERT_STREQ(config_select_profile(c, &u, NULL)->name, "tool");
}

TEST(all_conditions_must_hold) {
        _cleanup_(config_freep) Config *c = load(
                "[Profile:a]\n[Profile:b]\n"
                "[Match:both]\nUnit=build-*.scope\nSlice=agent-ci.slice\nProfile=a\n"
                "[Match:any-of-list]\nUnit=x.scope y.scope\nProfile=b\n");
        UnitFacts u;

        ASSERT_NOT_NULL(c);
        u = scope("build-1.scope", "agent-ci.slice");
        ASSERT_STREQ(config_select_profile(c, &u, NULL)->name, "a");
        u = scope("build-1.scope", "agent-dev.slice");
        ASSERT_NULL(config_select_profile(c, &u, NULL));
        u = scope("y.scope", "agent-dev.slice");
        ASSERT_STREQ(config_select_profile(c, &u, NULL)->name, "b");
}

TEST(profile_properties) {
        _cleanup_(config_freep) Config *c = load(
                "[Profile:p]\nCPUWeight=300\nMemoryLow=10%\nMemoryHigh=512M\nMemoryMax=infinity\n"
                "MemorySwapMax=0\nTasksMax=64\n[Profile:empty]\n");
        UnitPropertySet s, t;
        _cleanup_(freep) char *text = NULL;

        ASSERT_NOT_NULL(c);
        profile_to_properties(config_find_profile(c, "p"), 10ULL << 30, &s);
        ASSERT_EQ(s.n, 6);
        text = unit_property_set_to_string(&s);
        ASSERT_STREQ(text, "CPUWeight=300 MemoryLow=1073741824 MemoryHigh=536870912 MemoryMax=infinity "
                           "MemorySwapMax=0 TasksMax=64");
        profile_to_properties(config_find_profile(c, "p"), 10ULL << 30, &t);
        ASSERT_TRUE(unit_property_set_equal(&s, &t));
        profile_to_properties(config_find_profile(c, "empty"), 10ULL << 30, &t);
        ASSERT_EQ(t.n, 0);
        ASSERT_FALSE(unit_property_set_equal(&s, &t));
}

/* CPUWeight=idle: kept apart from the numbers, sent to systemd as 0 (its bus value for
 * cpu.idle), written back as "idle" by the config dump and in the journal and on D-Bus. */
TEST(cpu_weight_idle) {
        _cleanup_(config_freep) Config *c = load("[Profile:bg]\nCPUWeight=idle\n");
        _cleanup_(freep) char *text = NULL, *dump = NULL;
        UnitPropertySet s;
        size_t size = 0;
        FILE *f;

        ASSERT_NOT_NULL(c);
        ASSERT_U64_EQ(config_find_profile(c, "bg")->cpu_weight, CPU_WEIGHT_IDLE);
        profile_to_properties(config_find_profile(c, "bg"), 10ULL << 30, &s);
        text = unit_property_set_to_string(&s);
        ASSERT_EQ(s.n, 1);
        ASSERT_U64_EQ(s.items[0].value, CPU_WEIGHT_BUS_IDLE);
        ASSERT_STREQ(text, "CPUWeight=idle");
        f = open_memstream(&dump, &size);
        ASSERT_NOT_NULL(f);
        ASSERT_OK(config_dump(c, f));
        fclose(f);
        ASSERT_NOT_NULL(strstr(dump, "\nCPUWeight=idle\n"));
}

/* A run-time override beats the rules and DefaultProfile= while its profile exists; a profile
 * that is gone (after a reload) is ignored and the rules choose. */
TEST(override_resolves_ahead_of_rules) {
        _cleanup_(config_freep) Config *c = load(rules);
        const MatchRule *m = (const MatchRule *) 1;
        ProfileSource source = _PROFILE_SOURCE_MAX;
        const Profile *p;
        UnitFacts u;

        ASSERT_NOT_NULL(c);
        u = scope("t.scope", "agent-vip1.slice");
        p = config_resolve_profile(c, &u, "alice", &m, &source);
        ASSERT_STREQ(p->name, "alice");
        ASSERT_NULL(m);
        ASSERT_EQ(source, PROFILE_SOURCE_OVERRIDE);

        /* No override: the first rule, as config_select_profile(). */
        p = config_resolve_profile(c, &u, NULL, &m, &source);
        ASSERT_STREQ(p->name, "interactive");
        ASSERT_STREQ(m->name, "vip");
        ASSERT_EQ(source, PROFILE_SOURCE_RULE);

        /* The override's profile is not in this configuration. */
        p = config_resolve_profile(c, &u, "gone", &m, &source);
        ASSERT_STREQ(p->name, "interactive");
        ASSERT_STREQ(m->name, "vip");
        ASSERT_EQ(source, PROFILE_SOURCE_RULE);

        /* No rule matches: DefaultProfile=, or the override over it. */
        u = scope("t.scope", "agent-s1.slice");
        p = config_resolve_profile(c, &u, NULL, &m, &source);
        ASSERT_STREQ(p->name, "tool");
        ASSERT_NULL(m);
        ASSERT_EQ(source, PROFILE_SOURCE_DEFAULT);
        p = config_resolve_profile(c, &u, "session", NULL, &source);
        ASSERT_STREQ(p->name, "session");
        ASSERT_EQ(source, PROFILE_SOURCE_OVERRIDE);

        ASSERT_STREQ(profile_source_to_string(PROFILE_SOURCE_NONE), "");
        ASSERT_STREQ(profile_source_to_string(PROFILE_SOURCE_OVERRIDE), "override");
        ASSERT_NULL(profile_source_to_string(_PROFILE_SOURCE_MAX));
        /* The override marker can never be a rule's name. */
        ASSERT_FALSE(profile_name_is_valid(RULE_OVERRIDE));
}

TEST(override_without_rules) {
        _cleanup_(config_freep) Config *c = load("[Profile:only]\nCPUWeight=5\n");
        ProfileSource source;
        UnitFacts u;

        ASSERT_NOT_NULL(c);
        u = scope("t.scope", "agent-s1.slice");
        ASSERT_NULL(config_resolve_profile(c, &u, NULL, NULL, &source));
        ASSERT_EQ(source, PROFILE_SOURCE_NONE);
        ASSERT_NULL(config_resolve_profile(c, &u, "nope", NULL, &source));
        ASSERT_EQ(source, PROFILE_SOURCE_NONE);
        ASSERT_STREQ(config_resolve_profile(c, &u, "only", NULL, &source)->name, "only");
        ASSERT_EQ(source, PROFILE_SOURCE_OVERRIDE);
}

TEST(session_parent_is_first_single_slice) {
        _cleanup_(config_freep) Config *c = load(rules);
        _cleanup_(config_freep) Config *globs = load("[Manager]\nManagedSlices=\nManagedSlices=agent*.slice team.slice other.slice\n");
        _cleanup_(config_freep) Config *none = load("[Manager]\nManagedSlices=\nManagedSlices=agent-*.slice\n");

        ASSERT_NOT_NULL(c);
        ASSERT_STREQ(config_session_parent(c), "agent.slice");
        ASSERT_NOT_NULL(globs);
        ASSERT_STREQ(config_session_parent(globs), "team.slice");
        ASSERT_NOT_NULL(none);
        ASSERT_NULL(config_session_parent(none));
        ASSERT_NULL(config_session_parent(NULL));
}
