/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A minimal TAP test runner: TEST(name) { ... } registers a case; ASSERT_* report the file and
 * line, fail the case and move on to the next one. meson reads the TAP output. */

#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"

typedef struct TestCase {
        const char *name;
        void (*func)(void);
} TestCase;

#define TEST(n)                                                                         \
        static void test_##n(void);                                                     \
        static const TestCase test_case_##n                                             \
                __attribute__((used, section("agc_tests"), aligned(sizeof(void *)))) = { #n, test_##n }; \
        static void test_##n(void)

extern const TestCase __start_agc_tests[], __stop_agc_tests[];
extern jmp_buf test_fail_jmp;

#define TEST_FAIL(...)                                                                  \
        do {                                                                            \
                printf("# %s:%d: ", __FILE__, __LINE__);                                \
                printf(__VA_ARGS__);                                                    \
                printf("\n");                                                           \
                longjmp(test_fail_jmp, 1);                                              \
        } while (0)

#define ASSERT_TRUE(x)                                                                  \
        do { if (!(x)) TEST_FAIL("expected true: %s", #x); } while (0)
#define ASSERT_FALSE(x)                                                                 \
        do { if ((x)) TEST_FAIL("expected false: %s", #x); } while (0)
#define ASSERT_OK(x)                                                                    \
        do {                                                                            \
                long long _r = (long long) (x);                                         \
                if (_r < 0) TEST_FAIL("%s failed: %lld (%s)", #x, _r, strerror((int) -_r)); \
        } while (0)
#define ASSERT_ERROR(x, e)                                                              \
        do {                                                                            \
                long long _r = (long long) (x);                                         \
                if (_r != -(e)) TEST_FAIL("%s: expected -%s, got %lld", #x, #e, _r);    \
        } while (0)
#define ASSERT_EQ(a, b)                                                                 \
        do {                                                                            \
                long long _a = (long long) (a), _b = (long long) (b);                   \
                if (_a != _b) TEST_FAIL("%s == %s: %lld != %lld", #a, #b, _a, _b);      \
        } while (0)
#define ASSERT_U64_EQ(a, b)                                                             \
        do {                                                                            \
                uint64_t _a = (a), _b = (b);                                            \
                if (_a != _b) TEST_FAIL("%s == %s: %" PRIu64 " != %" PRIu64, #a, #b, _a, _b); \
        } while (0)
#define ASSERT_STREQ(a, b)                                                              \
        do {                                                                            \
                const char *_a = (a), *_b = (b);                                        \
                if (!_a || !_b || strcmp(_a, _b) != 0)                                  \
                        TEST_FAIL("%s == %s: \"%s\" != \"%s\"", #a, #b, _a ?: "(null)", _b ?: "(null)"); \
        } while (0)
#define ASSERT_NULL(x)                                                                  \
        do { if ((x) != NULL) TEST_FAIL("expected NULL: %s", #x); } while (0)
#define ASSERT_NOT_NULL(x)                                                              \
        do { if ((x) == NULL) TEST_FAIL("expected non-NULL: %s", #x); } while (0)
