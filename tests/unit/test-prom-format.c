/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <float.h>
#include <math.h>

#include "prom-format.h"
#include "tests.h"

/* Output goes to a memory stream; capture_end() closes it and returns what was written. */
typedef struct Capture {
        FILE *f;
        char *buf;
        size_t size;
} Capture;

static FILE *capture_begin(Capture *c) {
        *c = (Capture) {};
        c->f = open_memstream(&c->buf, &c->size);
        ASSERT_NOT_NULL(c->f);
        return c->f;
}

static const char *capture_end(Capture *c) {
        ASSERT_EQ(fclose(c->f), 0);
        c->f = NULL;
        return c->buf;
}

static void capture_done(Capture *c) {
        if (c->f)
                fclose(c->f);
        free(c->buf);
}

TEST(names) {
        ASSERT_TRUE(prom_metric_name_is_valid("agentcgroup_units"));
        ASSERT_TRUE(prom_metric_name_is_valid("a:b"));
        ASSERT_TRUE(prom_metric_name_is_valid(":x"));
        ASSERT_TRUE(prom_metric_name_is_valid("_x9"));
        ASSERT_TRUE(prom_metric_name_is_valid("__x"));
        ASSERT_FALSE(prom_metric_name_is_valid(NULL));
        ASSERT_FALSE(prom_metric_name_is_valid(""));
        ASSERT_FALSE(prom_metric_name_is_valid("1abc"));
        ASSERT_FALSE(prom_metric_name_is_valid("a-b"));
        ASSERT_FALSE(prom_metric_name_is_valid("a b"));
        ASSERT_FALSE(prom_metric_name_is_valid("caf\xc3\xa9"));

        ASSERT_TRUE(prom_label_name_is_valid("profile"));
        ASSERT_TRUE(prom_label_name_is_valid("_x"));
        ASSERT_TRUE(prom_label_name_is_valid("A_1"));
        ASSERT_FALSE(prom_label_name_is_valid(NULL));
        ASSERT_FALSE(prom_label_name_is_valid(""));
        ASSERT_FALSE(prom_label_name_is_valid("1abc"));
        ASSERT_FALSE(prom_label_name_is_valid("a-b"));
        ASSERT_FALSE(prom_label_name_is_valid("a:b"));
        ASSERT_FALSE(prom_label_name_is_valid("__x"));
        ASSERT_FALSE(prom_label_name_is_valid("__"));
}

TEST(family) {
        Capture c;
        FILE *f = capture_begin(&c);

        ASSERT_OK(prom_family(f, "agentcgroup_oom_kills_total", PROM_COUNTER,
                              "OOM kills.\nPer \"profile\", C:\\path"));
        ASSERT_OK(prom_family(f, "g", PROM_GAUGE, NULL));
        ASSERT_OK(prom_family(f, "h", PROM_HISTOGRAM, ""));
        ASSERT_ERROR(prom_family(f, "1x", PROM_GAUGE, "x"), EINVAL);
        ASSERT_ERROR(prom_family(f, "x", _PROM_TYPE_MAX, "x"), EINVAL);
        ASSERT_STREQ(capture_end(&c),
                     "# HELP agentcgroup_oom_kills_total OOM kills.\\nPer \"profile\", C:\\\\path\n"
                     "# TYPE agentcgroup_oom_kills_total counter\n"
                     "# TYPE g gauge\n"
                     "# HELP h \n"
                     "# TYPE h histogram\n");
        capture_done(&c);

        ASSERT_STREQ(prom_type_to_string(PROM_GAUGE), "gauge");
        ASSERT_NULL(prom_type_to_string(_PROM_TYPE_MAX));
        ASSERT_NULL(prom_type_to_string(-1));
}

TEST(samples) {
        Capture c;
        FILE *f = capture_begin(&c);

        ASSERT_OK(prom_sample_u64(f, "up", NULL, 1));
        ASSERT_OK(prom_sample_u64(f, "up", (char *[]) { NULL }, 0));
        ASSERT_OK(prom_sample_u64(f, "bytes", (char *[]) { "profile", "default", NULL }, UINT64_MAX));
        ASSERT_OK(prom_sample_u64(f, "ns:bytes", (char *[]) { "profile", "default", "unit", "a.service", NULL }, 42));
        /* Escapes, an empty value, and UTF-8 passed through. */
        ASSERT_OK(prom_sample_u64(f, "x", (char *[]) { "a", "back\\slash \"quoted\"\nnext", "b", "", "c", "caf\xc3\xa9", NULL }, 7));
        ASSERT_STREQ(capture_end(&c),
                     "up 1\n"
                     "up 0\n"
                     "bytes{profile=\"default\"} 18446744073709551615\n"
                     "ns:bytes{profile=\"default\",unit=\"a.service\"} 42\n"
                     "x{a=\"back\\\\slash \\\"quoted\\\"\\nnext\",b=\"\",c=\"caf\xc3\xa9\"} 7\n");
        capture_done(&c);
}

TEST(bad_samples) {
        Capture c;
        FILE *f = capture_begin(&c);

        ASSERT_ERROR(prom_sample_u64(f, "x", (char *[]) { "profile", NULL }, 1), EINVAL);
        ASSERT_ERROR(prom_sample_u64(f, "x", (char *[]) { "a", "1", "b", NULL }, 1), EINVAL);
        ASSERT_ERROR(prom_sample_u64(f, "x", (char *[]) { "a-b", "1", NULL }, 1), EINVAL);
        ASSERT_ERROR(prom_sample_u64(f, "x", (char *[]) { "__name__", "y", NULL }, 1), EINVAL);
        ASSERT_ERROR(prom_sample_u64(f, "x", (char *[]) { "a", "1", "b", "2", "a", "3", NULL }, 1), EINVAL);
        ASSERT_ERROR(prom_sample_u64(f, "", NULL, 1), EINVAL);
        ASSERT_ERROR(prom_sample_u64(f, NULL, NULL, 1), EINVAL);
        ASSERT_ERROR(prom_sample_double(f, "a-b", NULL, 1), EINVAL);
        ASSERT_ERROR(prom_sample_double(f, "x", (char *[]) { "a", NULL }, 1), EINVAL);
        /* Refused before writing: no half lines. */
        ASSERT_STREQ(capture_end(&c), "");
        capture_done(&c);
}

static void assert_double(double v, const char *expected) {
        char buf[PROM_DOUBLE_STRLEN];

        ASSERT_STREQ(prom_format_double(v, buf), expected);
        if (isfinite(v))
                ASSERT_TRUE(strtod(buf, NULL) == v);
}

TEST(doubles) {
        assert_double(INFINITY, "+Inf");
        assert_double(-INFINITY, "-Inf");
        assert_double(NAN, "NaN");
        assert_double(0, "0");
        assert_double(-0.0, "0");
        assert_double(1, "1");
        assert_double(-1.5, "-1.5");
        assert_double(0.25, "0.25");
        assert_double(0.005, "0.005");
        assert_double(0.1, "0.1");
        assert_double(2.5, "2.5");
        assert_double(100, "100");
        assert_double(0.1 + 0.2, "0.30000000000000004");
        assert_double(1.0 / 3, "0.3333333333333333");
        /* Go's thresholds for the exponent form: below 1e-4, from 1e6 on. */
        assert_double(0.0001, "0.0001");
        assert_double(0.00012, "0.00012");
        assert_double(1e-06, "1e-06");
        assert_double(1.5e-05, "1.5e-05");
        assert_double(999999, "999999");
        assert_double(123456.5, "123456.5");
        assert_double(1e6, "1e+06");
        assert_double(1234567, "1.234567e+06");
        assert_double(1e21, "1e+21");
        assert_double(-2.5e100, "-2.5e+100");
        assert_double(DBL_MAX, "1.7976931348623157e+308");
        assert_double(DBL_MIN, "2.2250738585072014e-308");
        assert_double(-DBL_MIN, "-2.2250738585072014e-308");
        assert_double(5e-324, "5e-324");
        assert_double(9007199254740993.0, "9.007199254740992e+15");

        Capture c;
        FILE *f = capture_begin(&c);

        ASSERT_OK(prom_sample_double(f, "ratio", (char *[]) { "profile", "p", NULL }, 0.25));
        ASSERT_OK(prom_sample_double(f, "ratio", NULL, INFINITY));
        ASSERT_OK(prom_sample_double(f, "ratio", NULL, -INFINITY));
        ASSERT_OK(prom_sample_double(f, "ratio", NULL, NAN));
        ASSERT_OK(prom_sample_double(f, "ratio", NULL, 1e-06));
        ASSERT_STREQ(capture_end(&c),
                     "ratio{profile=\"p\"} 0.25\n"
                     "ratio +Inf\n"
                     "ratio -Inf\n"
                     "ratio NaN\n"
                     "ratio 1e-06\n");
        capture_done(&c);
}

TEST(histogram) {
        static const double bounds[] = { 0.25, 0.5, 1, 2.5 };
        PromHistogram h;
        Capture c;
        FILE *f;

        prom_histogram_init(&h, bounds, ELEMENTSOF(bounds));
        /* On a bound counts in that bucket (le); above every bound in +Inf. */
        prom_histogram_observe(&h, 0.125);
        prom_histogram_observe(&h, 0.25);
        prom_histogram_observe(&h, 0.5);
        prom_histogram_observe(&h, 2.5);
        prom_histogram_observe(&h, 2.625);
        prom_histogram_observe(&h, 10);
        ASSERT_U64_EQ(h.counts[0], 2);
        ASSERT_U64_EQ(h.counts[1], 1);
        ASSERT_U64_EQ(h.counts[2], 0);
        ASSERT_U64_EQ(h.counts[3], 1);
        ASSERT_U64_EQ(h.counts[4], 2);
        ASSERT_U64_EQ(h.count, 6);
        ASSERT_TRUE(h.sum == 16);

        f = capture_begin(&c);
        ASSERT_OK(prom_family(f, "agentcgroup_reclaim_seconds", PROM_HISTOGRAM, "Time to reclaim."));
        ASSERT_OK(prom_histogram_write(f, "agentcgroup_reclaim_seconds",
                                       (char *[]) { "profile", "default", "kind", "\"x\"", NULL }, &h));
        ASSERT_STREQ(capture_end(&c),
                     "# HELP agentcgroup_reclaim_seconds Time to reclaim.\n"
                     "# TYPE agentcgroup_reclaim_seconds histogram\n"
                     "agentcgroup_reclaim_seconds_bucket{profile=\"default\",kind=\"\\\"x\\\"\",le=\"0.25\"} 2\n"
                     "agentcgroup_reclaim_seconds_bucket{profile=\"default\",kind=\"\\\"x\\\"\",le=\"0.5\"} 3\n"
                     "agentcgroup_reclaim_seconds_bucket{profile=\"default\",kind=\"\\\"x\\\"\",le=\"1\"} 3\n"
                     "agentcgroup_reclaim_seconds_bucket{profile=\"default\",kind=\"\\\"x\\\"\",le=\"2.5\"} 4\n"
                     "agentcgroup_reclaim_seconds_bucket{profile=\"default\",kind=\"\\\"x\\\"\",le=\"+Inf\"} 6\n"
                     "agentcgroup_reclaim_seconds_sum{profile=\"default\",kind=\"\\\"x\\\"\"} 16\n"
                     "agentcgroup_reclaim_seconds_count{profile=\"default\",kind=\"\\\"x\\\"\"} 6\n");
        capture_done(&c);
}

TEST(histogram_edges) {
        static const double bounds[] = { 0.005, 0.1, 1, 1e6 };
        PromHistogram h;
        Capture c;
        FILE *f;

        /* Bounds spelled as the Go client spells them, and no braces but le's. */
        prom_histogram_init(&h, bounds, ELEMENTSOF(bounds));
        f = capture_begin(&c);
        ASSERT_OK(prom_histogram_write(f, "lat", NULL, &h));
        ASSERT_STREQ(capture_end(&c),
                     "lat_bucket{le=\"0.005\"} 0\n"
                     "lat_bucket{le=\"0.1\"} 0\n"
                     "lat_bucket{le=\"1\"} 0\n"
                     "lat_bucket{le=\"1e+06\"} 0\n"
                     "lat_bucket{le=\"+Inf\"} 0\n"
                     "lat_sum 0\n"
                     "lat_count 0\n");
        capture_done(&c);

        /* NaN is above every bound, as with the Go client. */
        prom_histogram_observe(&h, NAN);
        ASSERT_U64_EQ(h.counts[ELEMENTSOF(bounds)], 1);
        ASSERT_TRUE(isnan(h.sum));

        /* No bounds at all: just +Inf. */
        prom_histogram_init(&h, NULL, 0);
        prom_histogram_observe(&h, -3);
        f = capture_begin(&c);
        ASSERT_OK(prom_histogram_write(f, "n", (char *[]) { "a", "b", NULL }, &h));
        ASSERT_STREQ(capture_end(&c),
                     "n_bucket{a=\"b\",le=\"+Inf\"} 1\n"
                     "n_sum{a=\"b\"} -3\n"
                     "n_count{a=\"b\"} 1\n");
        capture_done(&c);

        /* The caller's labels cannot carry le, nor be odd or bad. */
        f = capture_begin(&c);
        ASSERT_ERROR(prom_histogram_write(f, "n", (char *[]) { "le", "1", NULL }, &h), EINVAL);
        ASSERT_ERROR(prom_histogram_write(f, "n", (char *[]) { "a", "b", "le", "1", NULL }, &h), EINVAL);
        ASSERT_ERROR(prom_histogram_write(f, "n", (char *[]) { "a", NULL }, &h), EINVAL);
        ASSERT_ERROR(prom_histogram_write(f, "n-1", NULL, &h), EINVAL);
        ASSERT_STREQ(capture_end(&c), "");
        capture_done(&c);
}

TEST(write_error) {
        char buf[64] = "";
        PromHistogram h;
        FILE *f;

        /* A read-only stream: every write fails and sets the error flag. */
        f = fmemopen(buf, sizeof(buf), "r");
        ASSERT_NOT_NULL(f);
        prom_histogram_init(&h, NULL, 0);
        ASSERT_ERROR(prom_family(f, "x", PROM_GAUGE, "help"), EIO);
        ASSERT_ERROR(prom_sample_u64(f, "x", NULL, 1), EIO);
        ASSERT_ERROR(prom_sample_double(f, "x", NULL, 1), EIO);
        ASSERT_ERROR(prom_histogram_write(f, "x", NULL, &h), EIO);
        /* Bad input still says so first. */
        ASSERT_ERROR(prom_sample_u64(f, "1x", NULL, 1), EINVAL);
        fclose(f);
}
