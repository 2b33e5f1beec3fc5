/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <libgen.h>
#include <math.h>
#include <stdbool.h>

#include "tests.h"
#include "trace.h"

#define ASSERT_NEAR(a, b)                                                               \
        do {                                                                            \
                double _a = (a), _b = (b);                                              \
                if (!(fabs(_a - _b) <= 1e-9 * MAX(1.0, fabs(_b))))                      \
                        TEST_FAIL("%s == %s: %.12g != %.12g", #a, #b, _a, _b);          \
        } while (0)

/* Parses n bytes of text as the file "test.trace". */
static int parse_bytes(const char *text, size_t n, Trace **ret, char **ret_error) {
        _cleanup_(fclosep) FILE *f = NULL;

        /* fmemopen() refuses a zero size. */
        f = n > 0 ? fmemopen((void *) text, n, "r") : fopen("/dev/null", "re");
        ASSERT_NOT_NULL(f);
        return trace_parse(f, "test.trace", ret, ret_error);
}

static Trace *parse_ok(const char *text) {
        _cleanup_(freep) char *error = NULL;
        Trace *t = NULL;
        int r;

        r = parse_bytes(text, strlen(text), &t, &error);
        if (r < 0)
                TEST_FAIL("parse failed: %d: %s", r, strna(error));
        ASSERT_NULL(error);
        ASSERT_NOT_NULL(t);
        return t;
}

TEST(parse_good) {
        _cleanup_(trace_freep) Trace *t = NULL;

        t = parse_ok("# agent resource trace v1\n"
                     "\n"
                     "T -1.5 -0.25 Bash git\n"
                     "S 0.000 11.97 101.63\n"
                     "   \t\n"
                     "  # indented comment\n"
                     "S 1.050 185.20 64.88\r\n"
                     "T 0.5 0.5 Read\n"
                     "S\t2.098\t181.5\t45.75\n"
                     "T 1.0 3.25 Bash pytest\n"
                     "T 5 9 TodoWrite\n"
                     "S 3.148 1e3 0");
        ASSERT_EQ(t->n_samples, 4);
        ASSERT_NEAR(t->samples[0].t_s, 0);
        ASSERT_NEAR(t->samples[0].mem_mb, 11.97);
        ASSERT_NEAR(t->samples[0].cpu_pct, 101.63);
        ASSERT_NEAR(t->samples[1].mem_mb, 185.2);
        ASSERT_NEAR(t->samples[2].t_s, 2.098);
        ASSERT_NEAR(t->samples[3].mem_mb, 1000);
        ASSERT_NEAR(t->samples[3].cpu_pct, 0);

        ASSERT_EQ(t->n_tools, 4);
        ASSERT_NEAR(t->tools[0].start_s, -1.5);
        ASSERT_NEAR(t->tools[0].end_s, -0.25);
        ASSERT_STREQ(t->tools[0].tool, "Bash");
        ASSERT_STREQ(t->tools[0].word, "git");
        ASSERT_STREQ(t->tools[1].tool, "Read");
        ASSERT_NULL(t->tools[1].word);
        ASSERT_NEAR(t->tools[1].end_s, 0.5);
        ASSERT_STREQ(t->tools[2].word, "pytest");
        /* After the last sample is fine too. */
        ASSERT_NEAR(t->tools[3].start_s, 5);

        ASSERT_NEAR(trace_start_s(t), 0);
        ASSERT_NEAR(trace_end_s(t), 3.148);
        ASSERT_NEAR(trace_duration_s(t), 3.148);
        ASSERT_NEAR(trace_peak_memory_mb(t), 1000);
        ASSERT_NEAR(trace_min_memory_mb(t), 11.97);
        ASSERT_NEAR(trace_peak_cpu_pct(t), 101.63);
}

TEST(error_string_optional) {
        Trace *t = NULL;

        ASSERT_ERROR(parse_bytes("X\n", 2, &t, NULL), EINVAL);
        ASSERT_NULL(t);
}

static void assert_parse_error(const char *text, size_t n, const char *expected) {
        _cleanup_(freep) char *error = NULL;
        Trace *t = NULL;
        int r;

        r = parse_bytes(text, n, &t, &error);
        if (r != -EINVAL)
                TEST_FAIL("\"%s\": expected -EINVAL, got %d", text, r);
        ASSERT_NULL(t);
        ASSERT_NOT_NULL(error);
        /* The whole message, so the line number and the wording are both checked. */
        if (!streq(error, expected))
                TEST_FAIL("\"%s\": error \"%s\", expected \"%s\"", text, error, expected);
}

#define ASSERT_PARSE_ERROR(text, expected) assert_parse_error((text), strlen(text), (expected))

TEST(errors_with_line_numbers) {
        ASSERT_PARSE_ERROR("X 1 2 3\n",
                           "test.trace:1: unknown record type 'X' (expected S, T or a # comment)");
        ASSERT_PARSE_ERROR("# c\nS 0 1 1\n\ns 1 2 3\n",
                           "test.trace:4: unknown record type 's' (expected S, T or a # comment)");
        ASSERT_PARSE_ERROR("S0 1 2 3\n",
                           "test.trace:1: unknown record type 'S0' (expected S, T or a # comment)");

        ASSERT_PARSE_ERROR("S 0 1\n",
                           "test.trace:1: missing fields in S record (expected: S <t_s> <mem_mb> <cpu_pct>)");
        ASSERT_PARSE_ERROR("S\n",
                           "test.trace:1: missing fields in S record (expected: S <t_s> <mem_mb> <cpu_pct>)");
        ASSERT_PARSE_ERROR("S 0 1 2\nS 1 1 2 # note\n",
                           "test.trace:2: extra fields in S record (expected: S <t_s> <mem_mb> <cpu_pct>)");
        ASSERT_PARSE_ERROR("S 0 1 2\nS 1 1 2 3 4 5 6 7 8 9 10\n",
                           "test.trace:2: extra fields in S record (expected: S <t_s> <mem_mb> <cpu_pct>)");
        ASSERT_PARSE_ERROR("S 0 1 2\nT 0 1\n",
                           "test.trace:2: missing fields in T record (expected: T <start_s> <end_s> <tool> [<word>])");
        ASSERT_PARSE_ERROR("S 0 1 2\nT 0 1 Bash git status\n",
                           "test.trace:2: extra fields in T record (expected: T <start_s> <end_s> <tool> [<word>])");

        ASSERT_PARSE_ERROR("S 0 abc 1\n", "test.trace:1: memory 'abc' is not a number");
        ASSERT_PARSE_ERROR("S 0 12MB 1\n", "test.trace:1: memory '12MB' is not a number");
        ASSERT_PARSE_ERROR("S 0 0x10 1\n", "test.trace:1: memory '0x10' is not a number");
        ASSERT_PARSE_ERROR("S 0 nan 1\n", "test.trace:1: memory 'nan' is not a number");
        ASSERT_PARSE_ERROR("S 0 NaN 1\n", "test.trace:1: memory 'NaN' is not a number");
        ASSERT_PARSE_ERROR("S 0 inf 1\n", "test.trace:1: memory 'inf' is not a number");
        ASSERT_PARSE_ERROR("S 0 . 1\n", "test.trace:1: memory '.' is not a number");
        ASSERT_PARSE_ERROR("S 0 1e 1\n", "test.trace:1: memory '1e' is not a number");
        ASSERT_PARSE_ERROR("S 0 1e999 1\n", "test.trace:1: memory '1e999' is out of range");
        ASSERT_PARSE_ERROR("S 0 -5 1\n", "test.trace:1: memory must not be negative: -5");
        ASSERT_PARSE_ERROR("S 0 -0.5 1\n", "test.trace:1: memory must not be negative: -0.5");
        ASSERT_PARSE_ERROR("S nan 1 1\n", "test.trace:1: time 'nan' is not a number");
        ASSERT_PARSE_ERROR("S 0 1 x\n", "test.trace:1: CPU percentage 'x' is not a number");
        ASSERT_PARSE_ERROR("S 0 1 -3\n", "test.trace:1: CPU percentage must not be negative: -3");

        ASSERT_PARSE_ERROR("S 0 1 1\nS 2 1 1\n\nS 1.5 1 1\n",
                           "test.trace:4: sample time 1.5 is before the previous sample's 2");
        ASSERT_PARSE_ERROR("S 0 1 1\nT 5 4 Bash\n",
                           "test.trace:2: tool call ends (4) before it starts (5)");
        ASSERT_PARSE_ERROR("S 0 1 1\nT -1 -2 Read\n",
                           "test.trace:2: tool call ends (-2) before it starts (-1)");
        ASSERT_PARSE_ERROR("T 0 x Bash\n", "test.trace:1: end time 'x' is not a number");
        ASSERT_PARSE_ERROR("T NaN 1 Bash\n", "test.trace:1: start time 'NaN' is not a number");

        ASSERT_PARSE_ERROR("", "test.trace: no samples (S records)");
        ASSERT_PARSE_ERROR("# only a comment\n\n", "test.trace: no samples (S records)");
        ASSERT_PARSE_ERROR("T 0 1 Bash\n", "test.trace: no samples (S records)");

        /* The first error wins: the rest of the file is not read. */
        ASSERT_PARSE_ERROR("S 0 1 1\nQ\nS -1 1 1\n",
                           "test.trace:2: unknown record type 'Q' (expected S, T or a # comment)");

        static const char binary[] = "S 0 1 1\nS 1 2\0 2\n";
        assert_parse_error(binary, sizeof binary - 1, "test.trace:2: NUL byte in line (not a text file?)");
}

TEST(interpolation) {
        _cleanup_(trace_freep) Trace *t = NULL;

        /* A step at t=10 (two samples with one time), held before 0 and after 20. */
        t = parse_ok("S 0 100 50\n"
                     "S 10 200 150\n"
                     "S 10 300 0\n"
                     "S 20 300 100\n");
        ASSERT_NEAR(trace_memory_mb_at(t, -5), 100);
        ASSERT_NEAR(trace_memory_mb_at(t, 0), 100);
        ASSERT_NEAR(trace_memory_mb_at(t, 2.5), 125);
        ASSERT_NEAR(trace_memory_mb_at(t, 5), 150);
        ASSERT_NEAR(trace_memory_mb_at(t, 9.99), 199.9);
        /* At the step the later sample counts. */
        ASSERT_NEAR(trace_memory_mb_at(t, 10), 300);
        ASSERT_NEAR(trace_memory_mb_at(t, 15), 300);
        ASSERT_NEAR(trace_memory_mb_at(t, 20), 300);
        ASSERT_NEAR(trace_memory_mb_at(t, 1e9), 300);
        ASSERT_NEAR(trace_memory_mb_at(t, NAN), 100);

        ASSERT_NEAR(trace_cpu_pct_at(t, -1), 50);
        ASSERT_NEAR(trace_cpu_pct_at(t, 5), 100);
        ASSERT_NEAR(trace_cpu_pct_at(t, 10), 0);
        ASSERT_NEAR(trace_cpu_pct_at(t, 12.5), 25);
        ASSERT_NEAR(trace_cpu_pct_at(t, 30), 100);

        ASSERT_NEAR(trace_duration_s(t), 20);
        ASSERT_NEAR(trace_peak_memory_mb(t), 300);
        ASSERT_NEAR(trace_min_memory_mb(t), 100);
        ASSERT_NEAR(trace_peak_cpu_pct(t), 150);
        /* (10 s * 150 + 10 s * 300) / 20 s. */
        ASSERT_NEAR(trace_mean_memory_mb(t), 225);
}

TEST(peak_in_interval) {
        _cleanup_(trace_freep) Trace *t = NULL;

        t = parse_ok("S 0 100 0\nS 1 900 0\nS 2 100 0\nS 3 100 0\nS 3 700 0\nS 4 200 0\n");
        /* A step over the spike at 1 s still sees it. */
        ASSERT_NEAR(trace_memory_peak_mb_in(t, 0.5, 1.5), 900);
        ASSERT_NEAR(trace_memory_peak_mb_in(t, 0, 2), 900);
        ASSERT_NEAR(trace_memory_peak_mb_in(t, -10, 10), 900);
        /* The interval is open at its start: the spike was the previous step's, and on a
         * falling curve the end is the highest point. */
        ASSERT_NEAR(trace_memory_peak_mb_in(t, 1, 2), 100);
        ASSERT_NEAR(trace_memory_peak_mb_in(t, 1, 1.5), 500);
        ASSERT_NEAR(trace_memory_peak_mb_in(t, 0.25, 0.5), 500);
        ASSERT_NEAR(trace_memory_peak_mb_in(t, 1.5, 2.5), 100);
        /* Both samples of a step count. */
        ASSERT_NEAR(trace_memory_peak_mb_in(t, 2.5, 3), 700);
        ASSERT_NEAR(trace_memory_peak_mb_in(t, 3.5, 3.75), 325);
        /* Empty or reversed intervals: the curve at the end. */
        ASSERT_NEAR(trace_memory_peak_mb_in(t, 1, 1), 900);
        ASSERT_NEAR(trace_memory_peak_mb_in(t, 2, 0.5), 500);
        ASSERT_NEAR(trace_memory_peak_mb_in(t, -5, -1), 100);
        ASSERT_NEAR(trace_memory_peak_mb_in(t, 5, 9), 200);
}

TEST(interpolation_uneven_and_late_start) {
        _cleanup_(trace_freep) Trace *t = NULL;

        t = parse_ok("S 3 0 0\nS 4 40 0\nS 8 0 400\n");
        ASSERT_NEAR(trace_start_s(t), 3);
        ASSERT_NEAR(trace_duration_s(t), 5);
        ASSERT_NEAR(trace_memory_mb_at(t, 0), 0);
        ASSERT_NEAR(trace_memory_mb_at(t, 3.5), 20);
        ASSERT_NEAR(trace_memory_mb_at(t, 4), 40);
        ASSERT_NEAR(trace_memory_mb_at(t, 7), 10);
        ASSERT_NEAR(trace_cpu_pct_at(t, 6), 200);
        /* (1 s * 20 + 4 s * 20) / 5 s. */
        ASSERT_NEAR(trace_mean_memory_mb(t), 20);
}

TEST(single_sample) {
        _cleanup_(trace_freep) Trace *t = NULL;

        t = parse_ok("S 0 42 7\n");
        ASSERT_NEAR(trace_duration_s(t), 0);
        ASSERT_NEAR(trace_memory_mb_at(t, -1), 42);
        ASSERT_NEAR(trace_memory_mb_at(t, 100), 42);
        ASSERT_NEAR(trace_cpu_pct_at(t, 0), 7);
        ASSERT_NEAR(trace_mean_memory_mb(t), 42);

        /* Several samples at one time: no division by zero anywhere. */
        trace_free(TAKE_PTR(t));
        t = parse_ok("S 1 10 0\nS 1 30 0\n");
        ASSERT_NEAR(trace_memory_mb_at(t, 0), 10);
        ASSERT_NEAR(trace_memory_mb_at(t, 1), 30);
        ASSERT_NEAR(trace_mean_memory_mb(t), 30);
}

/* The traces that ship beside the checkout (../shared/traces), or AGENTCGROUP_TRACES_DIR. meson
 * runs the tests in the build directory and compiles with source paths relative to it, so the
 * directory is found from __FILE__. */
static char *traces_dir(void) {
        _cleanup_(freep) char *file = strdup(__FILE__);
        const char *env = getenv("AGENTCGROUP_TRACES_DIR");

        if (env)
                return strdup(env);
        ASSERT_NOT_NULL(file);
        /* tests/unit/test-trace.c -> the checkout -> its parent. */
        return asprintf_safe("%s/../../../shared/traces", dirname(file));
}

static bool has_suffix(const char *s, const char *suffix) {
        size_t n = strlen(s), k = strlen(suffix);

        return n >= k && streq(s + n - k, suffix);
}

static void check_shipped_trace(const char *path) {
        _cleanup_(trace_freep) Trace *t = NULL;
        _cleanup_(freep) char *error = NULL;
        _cleanup_(fclosep) FILE *f = NULL;
        int r;

        f = fopen(path, "re");
        if (!f)
                TEST_FAIL("%s: %s", path, strerror(errno));
        r = trace_parse(f, path, &t, &error);
        if (r < 0)
                TEST_FAIL("%s", error ?: strerror(-r));

        ASSERT_TRUE(trace_duration_s(t) > 0);
        ASSERT_TRUE(trace_min_memory_mb(t) <= trace_mean_memory_mb(t));
        ASSERT_TRUE(trace_mean_memory_mb(t) <= trace_peak_memory_mb(t));
        for (size_t i = 0; i < t->n_samples; i += 7)
                if (i + 1 == t->n_samples || t->samples[i + 1].t_s > t->samples[i].t_s)
                        ASSERT_NEAR(trace_memory_mb_at(t, t->samples[i].t_s), t->samples[i].mem_mb);

        /* The README's numbers for the seed experiments' HIGH tenant. */
        if (has_suffix(path, "/haiku__pre-commit__pre-commit-2524.trace")) {
                printf("# %s: %zu samples, %.1f s, mean %.1f MiB, peak %.1f MiB\n", path, t->n_samples,
                       trace_duration_s(t), trace_mean_memory_mb(t), trace_peak_memory_mb(t));
                ASSERT_TRUE(trace_mean_memory_mb(t) > 280 && trace_mean_memory_mb(t) < 330);
                ASSERT_TRUE(trace_peak_memory_mb(t) > 1800 && trace_peak_memory_mb(t) < 2000);
        }
}

/* TAP skip: the runner prints a case's name after the case returns, so this case owns a
 * writable name and appends "# SKIP reason" to it when there is nothing to check. */
static char all_traces_name[512] = "all_shipped_traces";
static void test_all_shipped_traces(void);
static const TestCase test_case_all_shipped_traces
        __attribute__((used, section("agc_tests"), aligned(sizeof(void *)))) = {
                all_traces_name, test_all_shipped_traces
        };

static void test_all_shipped_traces(void) {
        _cleanup_(closedirp) DIR *d = NULL;
        _cleanup_(freep) char *dir = traces_dir();
        struct dirent *de;
        size_t n = 0;

        ASSERT_NOT_NULL(dir);
        d = opendir(dir);
        if (!d && !getenv("AGENTCGROUP_TRACES_DIR")) {
                snprintf(all_traces_name, sizeof all_traces_name,
                         "all_shipped_traces # SKIP no trace directory %s (%s)", dir, strerror(errno));
                return;
        }
        if (!d)
                TEST_FAIL("AGENTCGROUP_TRACES_DIR=%s: %s", dir, strerror(errno));

        while ((de = readdir(d))) {
                _cleanup_(freep) char *path = NULL;

                if (de->d_name[0] == '.' || !has_suffix(de->d_name, ".trace"))
                        continue;
                path = asprintf_safe("%s/%s", dir, de->d_name);
                ASSERT_NOT_NULL(path);
                check_shipped_trace(path);
                n++;
        }
        printf("# %zu traces parsed from %s\n", n, dir);
        if (n == 0)
                TEST_FAIL("no .trace files in %s", dir);
}
