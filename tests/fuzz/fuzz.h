/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the fuzz targets share. Each target is one LLVMFuzzerTestOneInput(), linked either with
 * libFuzzer (-Dfuzzer=true) or with fuzz-main.c, which runs it over the committed corpus. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "macro.h"
#include "strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A check the code under test must pass whatever the input: abort() so that libFuzzer keeps the
 * input as a crash and fuzz-main reports the file. */
#define FUZZ_ASSERT(x)                                                                  \
        do {                                                                            \
                if (!(x)) {                                                             \
                        fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #x); \
                        abort();                                                        \
                }                                                                       \
        } while (0)

/* A private, NUL-terminated copy of the input: the parsers take C strings or a FILE*, and
 * libFuzzer's buffer is read-only and exactly size bytes long. */
static inline char *fuzz_strndup(const uint8_t *data, size_t size) {
        char *s = malloc(size + 1);

        if (!s)
                return NULL;
        memcpy(s, data, size);
        s[size] = '\0';
        return s;
}

/* A stream reading the input as it is, NUL bytes included (fmemopen() wants a writable
 * buffer). Free *buf after fclose(). */
static inline FILE *fuzz_fmemopen(const uint8_t *data, size_t size, char **buf) {
        *buf = fuzz_strndup(data, size);
        if (!*buf)
                return NULL;
        return fmemopen(*buf, size, "r");
}

/* The input's lines (split on '\n'; a NUL inside a line ends its C string early), or NULL when
 * out of memory. */
static inline char **fuzz_split_lines(const uint8_t *data, size_t size) {
        _cleanup_strv_free_ char **l = NULL;
        size_t n = 1, k = 0, start = 0;

        for (size_t i = 0; i < size; i++)
                n += data[i] == '\n';
        l = calloc(n + 1, sizeof(char *));
        if (!l)
                return NULL;
        for (size_t i = 0; i <= size; i++)
                if (i == size || data[i] == '\n') {
                        l[k] = fuzz_strndup(data + start, i - start);
                        if (!l[k++])
                                return NULL;
                        start = i + 1;
                }
        return TAKE_PTR(l);
}
