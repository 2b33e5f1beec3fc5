/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <syslog.h>
#include <time.h>

#include <json-c/json.h>

#include "event-format.h"
#include "message-ids.h"
#include "strv.h"
#include "terminal-util.h"
#include "tests.h"
#include "test-json.h"

/* 2024-05-01 12:00:00.123456 UTC */
#define T0 UINT64_C(1714564800123456)

static void utc(void) {
        setenv("TZ", "UTC", 1);
        tzset();
}

/* Fields as sd_journal_enumerate_data() gives them: "NAME=value", not NUL-terminated. */
static void add(Event *e, const char *field) {
        size_t n = strlen(field);
        char *copy = malloc(n + 8);

        ASSERT_NOT_NULL(copy);
        memcpy(copy, field, n);
        memset(copy + n, 'X', 8);     /* no terminator right after the field */
        ASSERT_OK(event_add_field(e, copy, n));
        free(copy);
}

/* An entry as the daemon logs a profile being applied (src/daemon/unit.c, log_applied()). */
static void profile_applied(Event *e) {
        static const char * const fields[] = {
                "_PID=412",
                "MESSAGE=runtime-x.scope: Profile interactive applied (agent-runtime): CPUWeight=1000 MemoryLow=268435456",
                "PRIORITY=6",
                "SYSLOG_IDENTIFIER=agentcgroupd",
                "CODE_FILE=../src/daemon/unit.c",
                "AGENTCGROUP_UNIT=runtime-x.scope",
                "MESSAGE_ID=" MESSAGE_ID_PROFILE_APPLIED,
                "AGENTCGROUP_PROFILE=interactive",
                "AGENTCGROUP_RULE=agent-runtime",
                "AGENTCGROUP_PROFILE_SOURCE=rule",
                "AGENTCGROUP_PROPERTIES=CPUWeight=1000 MemoryLow=268435456",
                "AGENTCGROUP_CGROUP_ID=4711",
                "_SYSTEMD_UNIT=agentcgroupd.service",
        };

        for (size_t i = 0; i < ELEMENTSOF(fields); i++)
                add(e, fields[i]);
        e->realtime_usec = T0;
}

static char *print_to_string(const Event *e, bool color) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        ASSERT_NOT_NULL(f);
        ASSERT_OK(event_print(e, f, color));
        fclose(f);
        return text;
}

static const char *get_str(json_object *o, const char *key) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v))
                TEST_FAIL("no member \"%s\"", key);
        return v ? json_object_get_string(v) : NULL;
}

TEST(kinds_and_message_ids) {
        static const struct {
                const char *name, *id;
        } expected[] = {
                { "profile-applied", MESSAGE_ID_PROFILE_APPLIED },
                { "apply-failed",    MESSAGE_ID_PROFILE_APPLY_FAILED },
                { "config-error",    MESSAGE_ID_CONFIG_ERROR },
                { "config-loaded",   MESSAGE_ID_CONFIG_LOADED },
                { "adopted",         MESSAGE_ID_UNIT_ADOPTED },
                { "memory-action",   MESSAGE_ID_MEMORY_ACTION },
                { "memory-leftover", MESSAGE_ID_MEMORY_LEFTOVER },
                { "memory-applied",  MESSAGE_ID_MEMORY_APPLIED },
                { "throttled",       MESSAGE_ID_MEMORY_THROTTLED },
                { "relaxed",         MESSAGE_ID_MEMORY_RELAXED },
                { "frozen",          MESSAGE_ID_UNIT_FROZEN },
                { "thawed",          MESSAGE_ID_UNIT_THAWED },
                { "killed",          MESSAGE_ID_UNIT_KILLED },
                { "oom-killed",      MESSAGE_ID_UNIT_OOM_KILLED },
                { "would-act",       MESSAGE_ID_WOULD_ACT },
                { "scheduler-attached", MESSAGE_ID_SCHEDULER_ATTACHED },
                { "scheduler-ejected",  MESSAGE_ID_SCHEDULER_EJECTED },
        };

        ASSERT_EQ(_EVENT_KIND_MAX, ELEMENTSOF(expected));
        for (EventKind k = 0; k < _EVENT_KIND_MAX; k++) {
                ASSERT_STREQ(event_kind_to_string(k), expected[k].name);
                ASSERT_STREQ(event_kind_to_message_id(k), expected[k].id);
                ASSERT_EQ(event_kind_from_string(expected[k].name), k);
                ASSERT_EQ(event_kind_from_message_id(expected[k].id), k);
                ASSERT_EQ(strlen(expected[k].id), 32);
                /* Distinct, so no entry is shown under two kinds. */
                for (EventKind l = 0; l < k; l++)
                        ASSERT_FALSE(streq(expected[k].id, expected[l].id));
        }
        ASSERT_EQ(event_kind_from_message_id("A077F611F99E4204B90A0F254F483A16"), EVENT_PROFILE_APPLIED);
        ASSERT_EQ(event_kind_from_message_id("a077f611f99e4204b90a0f254f483a1"), _EVENT_KIND_INVALID);
        ASSERT_EQ(event_kind_from_message_id(NULL), _EVENT_KIND_INVALID);
        ASSERT_EQ(event_kind_from_string("frobnicated"), _EVENT_KIND_INVALID);
        ASSERT_EQ(event_kind_from_string(NULL), _EVENT_KIND_INVALID);
        ASSERT_NULL(event_kind_to_string(_EVENT_KIND_MAX));
        ASSERT_NULL(event_kind_to_string(_EVENT_KIND_INVALID));
        ASSERT_NULL(event_kind_to_message_id(_EVENT_KIND_MAX));
}

TEST(add_field_keeps_what_events_show) {
        _cleanup_(event_done) Event e = EVENT_INIT;

        profile_applied(&e);
        ASSERT_EQ(e.kind, EVENT_PROFILE_APPLIED);
        ASSERT_EQ(e.priority, LOG_INFO);
        ASSERT_STREQ(e.message_id, MESSAGE_ID_PROFILE_APPLIED);
        ASSERT_STREQ(e.unit, "runtime-x.scope");
        ASSERT_STREQ(e.message, "runtime-x.scope: Profile interactive applied (agent-runtime): CPUWeight=1000 MemoryLow=268435456");
        /* The AGENTCGROUP_* fields but the unit, in order; nothing of journald's or the rest. */
        ASSERT_EQ(strv_length(e.fields), 5);
        ASSERT_STREQ(e.fields[0], "AGENTCGROUP_PROFILE=interactive");
        ASSERT_STREQ(e.fields[3], "AGENTCGROUP_PROPERTIES=CPUWeight=1000 MemoryLow=268435456");
        ASSERT_STREQ(e.fields[4], "AGENTCGROUP_CGROUP_ID=4711");

        /* The first value of a field given twice wins; malformed fields are ignored. */
        add(&e, "MESSAGE=second");
        add(&e, "AGENTCGROUP_PROFILE=other");
        add(&e, "AGENTCGROUP_UNIT=other.scope");
        add(&e, "PRIORITY=3");
        add(&e, "MESSAGE_ID=" MESSAGE_ID_CONFIG_ERROR);
        add(&e, "=value");
        add(&e, "NOEQUALS");
        add(&e, "AGENTCGROUP_=x");
        add(&e, "CONFIG_=x");
        ASSERT_STREQ(e.message, "runtime-x.scope: Profile interactive applied (agent-runtime): CPUWeight=1000 MemoryLow=268435456");
        ASSERT_STREQ(e.unit, "runtime-x.scope");
        ASSERT_EQ(e.priority, LOG_INFO);
        ASSERT_EQ(e.kind, EVENT_PROFILE_APPLIED);
        ASSERT_EQ(strv_length(e.fields), 5);
        ASSERT_STREQ(e.fields[0], "AGENTCGROUP_PROFILE=interactive");

        event_done(&e);
        ASSERT_NULL(e.message);
        ASSERT_NULL(e.fields);
        ASSERT_EQ(e.kind, _EVENT_KIND_INVALID);
        ASSERT_EQ(e.priority, -1);

        /* A configuration error: no unit, CONFIG_* kept, a priority out of range ignored. */
        add(&e, "MESSAGE_ID=" MESSAGE_ID_CONFIG_ERROR);
        add(&e, "CONFIG_FILE=/etc/agentcgroup/agentcgroup.conf.d/90-bad.conf");
        add(&e, "CONFIG_LINE=2");
        add(&e, "PRIORITY=12");
        add(&e, "MESSAGE=");
        ASSERT_EQ(e.kind, EVENT_CONFIG_ERROR);
        ASSERT_NULL(e.unit);
        ASSERT_EQ(e.priority, -1);
        ASSERT_STREQ(e.message, "");
        ASSERT_EQ(strv_length(e.fields), 2);
}

TEST(json_names) {
        static const struct {
                const char *field, *name;
        } cases[] = {
                { "AGENTCGROUP_PROFILE", "profile" },
                { "AGENTCGROUP_PROFILE_SOURCE", "profile_source" },
                { "AGENTCGROUP_KERNEL_THROTTLE_MS", "kernel_throttle_ms" },
                { "CONFIG_FILE", "config_file" },
                { "AGENTCGROUP_", "agentcgroup_" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(freep) char *n = event_field_json_name(cases[i].field, strlen(cases[i].field));

                ASSERT_STREQ(n, cases[i].name);
        }
        /* Only the name part counts. */
        _cleanup_(freep) char *n = event_field_json_name("AGENTCGROUP_RULE=x", strlen("AGENTCGROUP_RULE"));
        ASSERT_STREQ(n, "rule");
}

TEST(line) {
        _cleanup_(event_done) Event e = EVENT_INIT;
        _cleanup_(freep) char *plain = NULL, *colored = NULL, *daemon = NULL, *escaped = NULL, *bare = NULL;

        utc();
        profile_applied(&e);
        plain = print_to_string(&e, false);
        /* The unit is not repeated from the message. */
        ASSERT_STREQ(plain, "May 01 12:00:00 runtime-x.scope profile-applied: Profile interactive applied "
                            "(agent-runtime): CPUWeight=1000 MemoryLow=268435456\n");
        ASSERT_STREQ(event_message_body(&e), "Profile interactive applied (agent-runtime): CPUWeight=1000 MemoryLow=268435456");
        /* Info is not coloured. */
        colored = print_to_string(&e, true);
        ASSERT_STREQ(colored, plain);
        event_done(&e);

        /* The daemon's own entry: "-" for the unit; an error in red. */
        add(&e, "MESSAGE_ID=" MESSAGE_ID_CONFIG_ERROR);
        add(&e, "PRIORITY=3");
        add(&e, "MESSAGE=/etc/agentcgroup/agentcgroup.conf.d/90-bad.conf:2: CPUWeight=0: out of range");
        e.realtime_usec = T0 + 3600 * USEC_PER_SEC;
        daemon = print_to_string(&e, false);
        ASSERT_STREQ(daemon, "May 01 13:00:00 - config-error: /etc/agentcgroup/agentcgroup.conf.d/90-bad.conf:2: "
                             "CPUWeight=0: out of range\n");
        free(daemon);
        daemon = print_to_string(&e, true);
        ASSERT_STREQ(daemon, "May 01 13:00:00 - " ANSI_HIGHLIGHT_RED "config-error: /etc/agentcgroup/agentcgroup.conf.d/"
                             "90-bad.conf:2: CPUWeight=0: out of range" ANSI_NORMAL "\n");
        event_done(&e);

        /* Control characters from the journal do not reach the terminal; a message that does
         * not start with the unit is shown whole; an unknown kind is "unknown". */
        add(&e, "AGENTCGROUP_UNIT=tool-1.scope");
        add(&e, "MESSAGE=other.scope: a\nb\x1b[31mc\td");
        add(&e, "PRIORITY=4");
        e.realtime_usec = T0;
        escaped = print_to_string(&e, false);
        ASSERT_STREQ(escaped, "May 01 12:00:00 tool-1.scope unknown: other.scope: a\\nb\\x1b[31mc\\td\n");
        event_done(&e);

        /* Nothing but a time. */
        bare = print_to_string(&e, true);
        ASSERT_STREQ(bare, "Jan 01 00:00:00 - unknown: \n");
}

TEST(json) {
        _cleanup_(event_done) Event e = EVENT_INIT;
        _cleanup_(json_object_putp) json_object *o = NULL, *shortj = NULL, *pretty = NULL, *o2 = NULL, *p2 = NULL;
        json_object *v;

        profile_applied(&e);
        ASSERT_OK(event_to_json(&e, &o));
        shortj = print_and_parse(o, JSON_FORMAT_SHORT);
        pretty = print_and_parse(o, JSON_FORMAT_PRETTY);
        ASSERT_TRUE(json_object_equal(shortj, pretty));

        ASSERT_TRUE(json_object_object_get_ex(shortj, "timestamp", &v));
        ASSERT_TRUE(json_object_is_type(v, json_type_int));
        ASSERT_U64_EQ(json_object_get_uint64(v), T0);
        ASSERT_STREQ(get_str(shortj, "time"), "2024-05-01T12:00:00.123456Z");
        ASSERT_STREQ(get_str(shortj, "unit"), "runtime-x.scope");
        ASSERT_STREQ(get_str(shortj, "kind"), "profile-applied");
        ASSERT_STREQ(get_str(shortj, "message_id"), MESSAGE_ID_PROFILE_APPLIED);
        ASSERT_TRUE(json_object_object_get_ex(shortj, "priority", &v));
        ASSERT_EQ(json_object_get_int(v), LOG_INFO);
        /* The message as logged, as journalctl -o json has it. */
        ASSERT_STREQ(get_str(shortj, "message"), e.message);
        ASSERT_STREQ(get_str(shortj, "profile"), "interactive");
        ASSERT_STREQ(get_str(shortj, "rule"), "agent-runtime");
        ASSERT_STREQ(get_str(shortj, "profile_source"), "rule");
        ASSERT_STREQ(get_str(shortj, "properties"), "CPUWeight=1000 MemoryLow=268435456");
        /* Journal fields are strings, numbers too. */
        ASSERT_STREQ(get_str(shortj, "cgroup_id"), "4711");
        ASSERT_EQ(json_object_object_length(shortj), 12);
        event_done(&e);

        /* The daemon's own entry: unit null; no priority: null; a field that would clash with a
         * member keeps its full name. */
        add(&e, "MESSAGE_ID=" MESSAGE_ID_CONFIG_LOADED);
        add(&e, "MESSAGE=Loaded configuration: 3 file(s), 4 profile(s), 5 match rule(s).");
        add(&e, "CONFIG_FILES=/usr/lib/agentcgroup/agentcgroup.conf /etc/agentcgroup/agentcgroup.conf");
        add(&e, "AGENTCGROUP_KIND=clash");
        e.realtime_usec = T0;
        ASSERT_OK(event_to_json(&e, &o2));
        p2 = print_and_parse(o2, JSON_FORMAT_SHORT);
        ASSERT_NULL(get_str(p2, "unit"));
        ASSERT_NULL(get_str(p2, "priority"));
        ASSERT_STREQ(get_str(p2, "kind"), "config-loaded");
        ASSERT_STREQ(get_str(p2, "config_files"), "/usr/lib/agentcgroup/agentcgroup.conf /etc/agentcgroup/agentcgroup.conf");
        ASSERT_STREQ(get_str(p2, "agentcgroup_kind"), "clash");
}

TEST(iso8601) {
        char buf[64];

        ASSERT_STREQ(format_timestamp_iso8601(buf, sizeof buf, 0), "1970-01-01T00:00:00.000000Z");
        ASSERT_STREQ(format_timestamp_iso8601(buf, sizeof buf, T0), "2024-05-01T12:00:00.123456Z");
        ASSERT_STREQ(format_timestamp_iso8601(buf, sizeof buf, UINT64_C(1714564800000001)), "2024-05-01T12:00:00.000001Z");
}

TEST(since) {
        /* 2024-05-01 15:30:00 UTC */
        const uint64_t now = UINT64_C(1714577400) * USEC_PER_SEC;
        static const struct {
                const char *s;
                uint64_t want;
        } good[] = {
                { "now",                  UINT64_C(1714577400) * USEC_PER_SEC },
                { "today",                UINT64_C(1714521600) * USEC_PER_SEC },
                { "yesterday",            UINT64_C(1714435200) * USEC_PER_SEC },
                { "@1714564800",          UINT64_C(1714564800) * USEC_PER_SEC },
                { "@0",                   0 },
                { "-1h",                  UINT64_C(1714573800) * USEC_PER_SEC },
                { "-10min",               UINT64_C(1714576800) * USEC_PER_SEC },
                { "-1h 30min",            UINT64_C(1714572000) * USEC_PER_SEC },
                { "10min ago",            UINT64_C(1714576800) * USEC_PER_SEC },
                { "90s ago",              UINT64_C(1714577310) * USEC_PER_SEC },
                { "-1000000h",            0 },
                { "2024-05-01 12:00:00",  UINT64_C(1714564800) * USEC_PER_SEC },
                { "2024-05-01T12:00:30",  UINT64_C(1714564830) * USEC_PER_SEC },
                { "2024-05-01 12:00",     UINT64_C(1714564800) * USEC_PER_SEC },
                { "2024-05-01T12:01",     UINT64_C(1714564860) * USEC_PER_SEC },
                { "2024-05-01",           UINT64_C(1714521600) * USEC_PER_SEC },
        };
        static const char * const bad[] = {
                "", "bogus", "-", "-infinity", "infinity ago", " ago", "@", "@x", "@-1", "@1.5",
                "@99999999999999999999", "2024-13-01", "2024-05-01 12:00 extra", " 2024-05-01",
                "2024-05-01 25:00", "1h", "Today", "-1x",
        };
        uint64_t t;

        utc();
        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                t = 1;
                if (parse_since(good[i].s, now, &t) < 0)
                        TEST_FAIL("parse_since(\"%s\") failed", good[i].s);
                if (t != good[i].want)
                        TEST_FAIL("parse_since(\"%s\"): %" PRIu64 " != %" PRIu64, good[i].s, t, good[i].want);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (parse_since(bad[i], now, &t) >= 0)
                        TEST_FAIL("parse_since(\"%s\") succeeded: %" PRIu64, bad[i], t);
        ASSERT_ERROR(parse_since(NULL, now, &t), EINVAL);

        /* Local time: the same wall clock an hour earlier in UTC+1. */
        setenv("TZ", "XXX-1", 1);
        tzset();
        ASSERT_OK(parse_since("2024-05-01 12:00", now, &t));
        ASSERT_U64_EQ(t, UINT64_C(1714561200) * USEC_PER_SEC);
        utc();
}
