/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "conf.h"
#include "tests.h"

/* Parses text as if it were the file at path. */
static inline void parse_text(Config *c, const char *path, const char *text) {
        FILE *f = fmemopen((void *) text, strlen(text), "r");

        ASSERT_NOT_NULL(f);
        ASSERT_OK(config_parse_file(c, path, f));
        fclose(f);
}

/* True when some recorded error is at file:line and contains needle. */
static inline bool has_error(const Config *c, const char *file, unsigned line, const char *needle) {
        for (size_t i = 0; i < c->n_errors; i++)
                if (strcmp(c->errors[i].file, file) == 0 && c->errors[i].line == line &&
                    strstr(c->errors[i].message, needle))
                        return true;
        return false;
}

static inline void dump_errors(const Config *c) {
        for (size_t i = 0; i < c->n_errors; i++)
                printf("# error: %s:%u: %s\n", c->errors[i].file, c->errors[i].line, c->errors[i].message);
}

#define ASSERT_HAS_ERROR(c, file, line, needle)                                          \
        do {                                                                             \
                if (!has_error((c), (file), (line), (needle))) {                         \
                        dump_errors(c);                                                  \
                        TEST_FAIL("no error at %s:%u containing \"%s\"", (file), (unsigned) (line), (needle)); \
                }                                                                        \
        } while (0)
