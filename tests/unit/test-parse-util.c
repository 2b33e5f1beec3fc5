/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "parse-util.h"
#include "tests.h"

TEST(size_bytes_and_units) {
        SizeSpec s;

        ASSERT_OK(parse_size_spec("4096", &s));
        ASSERT_EQ(s.kind, SIZE_BYTES);
        ASSERT_U64_EQ(s.value, 4096);
        ASSERT_OK(parse_size_spec("512M", &s));
        ASSERT_U64_EQ(s.value, 512ULL << 20);
        ASSERT_OK(parse_size_spec("1.5G", &s));
        ASSERT_U64_EQ(s.value, 3ULL << 29);
        ASSERT_OK(parse_size_spec("2k", &s));
        ASSERT_U64_EQ(s.value, 2048);
        ASSERT_OK(parse_size_spec("1GB", &s));
        ASSERT_U64_EQ(s.value, 1ULL << 30);
        ASSERT_OK(parse_size_spec("0", &s));
        ASSERT_U64_EQ(s.value, 0);
}

TEST(size_infinity_and_percent) {
        SizeSpec s;

        ASSERT_OK(parse_size_spec("infinity", &s));
        ASSERT_EQ(s.kind, SIZE_INFINITY);
        ASSERT_U64_EQ(size_spec_resolve(&s, 1000), UINT64_MAX);
        ASSERT_OK(parse_size_spec("25%", &s));
        ASSERT_EQ(s.kind, SIZE_PERCENT);
        ASSERT_U64_EQ(s.value, 2500);
        ASSERT_U64_EQ(size_spec_resolve(&s, 8ULL << 30), 2ULL << 30);
        ASSERT_OK(parse_size_spec("12.5%", &s));
        ASSERT_U64_EQ(size_spec_resolve(&s, 800), 100);
}

TEST(size_rejects_garbage) {
        SizeSpec s;

        ASSERT_ERROR(parse_size_spec("", &s), EINVAL);
        ASSERT_ERROR(parse_size_spec("M", &s), EINVAL);
        ASSERT_ERROR(parse_size_spec("12Q", &s), EINVAL);
        ASSERT_ERROR(parse_size_spec("-5M", &s), EINVAL);
        ASSERT_ERROR(parse_size_spec("5 M", &s), EINVAL);
        ASSERT_ERROR(parse_size_spec("1.5", &s), EINVAL);
        ASSERT_ERROR(parse_size_spec("101%", &s), ERANGE);
        ASSERT_ERROR(parse_size_spec("99999999E", &s), ERANGE);
        ASSERT_ERROR(parse_size_spec("12MM", &s), EINVAL);
}

TEST(size_to_string_round_trips) {
        const char *inputs[] = { "512M", "1G", "3000", "25%", "12.50%", "infinity", "1536M" };
        char buf[64];

        for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
                SizeSpec a, b;

                ASSERT_OK(parse_size_spec(inputs[i], &a));
                ASSERT_OK(parse_size_spec(size_spec_to_string(&a, buf, sizeof buf), &b));
                ASSERT_EQ(a.kind, b.kind);
                ASSERT_U64_EQ(a.value, b.value);
        }
        SizeSpec g = { SIZE_BYTES, 1ULL << 30 };
        ASSERT_STREQ(size_spec_to_string(&g, buf, sizeof buf), "1G");
}

TEST(cpu_weight_and_tasks) {
        uint64_t v;

        ASSERT_OK(parse_cpu_weight("1", &v));
        ASSERT_OK(parse_cpu_weight("10000", &v));
        ASSERT_U64_EQ(v, 10000);
        ASSERT_ERROR(parse_cpu_weight("0", &v), ERANGE);
        ASSERT_ERROR(parse_cpu_weight("10001", &v), ERANGE);
        ASSERT_ERROR(parse_cpu_weight("abc", &v), EINVAL);
        ASSERT_ERROR(parse_cpu_weight("", &v), EINVAL);
        ASSERT_OK(parse_tasks_max("infinity", &v));
        ASSERT_U64_EQ(v, UINT64_MAX);
        ASSERT_OK(parse_tasks_max("512", &v));
        ASSERT_U64_EQ(v, 512);
        ASSERT_ERROR(parse_tasks_max("0", &v), ERANGE);
}

TEST(booleans) {
        ASSERT_EQ(parse_boolean("yes"), 1);
        ASSERT_EQ(parse_boolean("ON"), 1);
        ASSERT_EQ(parse_boolean("0"), 0);
        ASSERT_EQ(parse_boolean("false"), 0);
        ASSERT_ERROR(parse_boolean("maybe"), EINVAL);
}

TEST(durations) {
        uint64_t u;

        ASSERT_OK(parse_duration("500ms", &u));
        ASSERT_U64_EQ(u, 500000);
        ASSERT_OK(parse_duration("2", &u));
        ASSERT_U64_EQ(u, 2000000);
        ASSERT_OK(parse_duration("1min 30s", &u));
        ASSERT_U64_EQ(u, 90000000);
        ASSERT_OK(parse_duration("1.5s", &u));
        ASSERT_U64_EQ(u, 1500000);
        ASSERT_OK(parse_duration("250us", &u));
        ASSERT_U64_EQ(u, 250);
        ASSERT_ERROR(parse_duration("5 parsecs", &u), EINVAL);
        ASSERT_ERROR(parse_duration("", &u), EINVAL);
}

TEST(decimals_are_exact) {
        uint64_t u;
        SizeSpec s;

        /* None of these fractions has an exact binary form; none may lose a unit to that. */
        ASSERT_OK(parse_duration("1.36", &u));
        ASSERT_U64_EQ(u, 1360000);
        ASSERT_OK(parse_duration("0.0015s", &u));
        ASSERT_U64_EQ(u, 1500);
        ASSERT_OK(parse_duration("0.001ms", &u));
        ASSERT_U64_EQ(u, 1);
        ASSERT_OK(parse_duration("8.470054s 0.1min", &u));
        ASSERT_U64_EQ(u, 14470054);
        ASSERT_OK(parse_size_spec("0.001953125M", &s));
        ASSERT_U64_EQ(s.value, 2048);
        ASSERT_OK(parse_size_spec("12.345%", &s));
        ASSERT_U64_EQ(s.value, 1235);
        ASSERT_OK(parse_size_spec("99.995%", &s));
        ASSERT_U64_EQ(s.value, 10000);
        ASSERT_ERROR(parse_size_spec("1.5B", &s), EINVAL);    /* fractional bytes */
        ASSERT_ERROR(parse_size_spec("100.0001%", &s), ERANGE);

        /* UINT64_MAX is infinity's, whatever the spelling that reaches it. */
        ASSERT_OK(parse_duration("18446744073709551614us", &u));
        ASSERT_U64_EQ(u, UINT64_MAX - 1);
        ASSERT_ERROR(parse_duration("18446744073709551615us", &u), ERANGE);
        ASSERT_ERROR(parse_duration("18446744073709551614us 1us", &u), ERANGE);
        ASSERT_ERROR(parse_duration("99999999999999999999h 5 parsecs", &u), EINVAL);
        ASSERT_ERROR(parse_size_spec("16E", &s), ERANGE);
}
