/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "tests.h"

jmp_buf test_fail_jmp;

int main(int argc, char *argv[]) {
        const char *only = argc > 1 ? argv[1] : NULL;
        size_t n = 0;
        volatile size_t i = 0, failed = 0;

        for (const TestCase *t = __start_agc_tests; t < __stop_agc_tests; t++)
                if (!only || strcmp(only, t->name) == 0)
                        n++;
        printf("1..%zu\n", n);
        for (const TestCase *t = __start_agc_tests; t < __stop_agc_tests; t++) {
                if (only && strcmp(only, t->name) != 0)
                        continue;
                i++;
                fflush(stdout);
                if (setjmp(test_fail_jmp) == 0) {
                        t->func();
                        printf("ok %zu - %s\n", (size_t) i, t->name);
                } else {
                        printf("not ok %zu - %s\n", (size_t) i, t->name);
                        failed++;
                }
        }
        return failed ? 1 : 0;
}
