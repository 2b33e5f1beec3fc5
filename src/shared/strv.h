/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* NULL-terminated string vectors, the shape sd-bus and systemd use for string lists. */

char **strv_free(char **l);
static inline void strv_freep(char ***l) {
        strv_free(*l);
}
#define _cleanup_strv_free_ __attribute__((cleanup(strv_freep)))

size_t strv_length(char * const *l);
bool strv_contains(char * const *l, const char *s);
/* Appends a copy of s. Returns 0 or -ENOMEM. */
int strv_extend(char ***l, const char *s);
/* Appends s itself, taking ownership even on failure. */
int strv_consume(char ***l, char *s);
char **strv_copy(char * const *l);
bool strv_equal(char * const *a, char * const *b);
/* Splits on runs of whitespace; never returns empty words. */
int strv_split_whitespace(const char *s, char ***ret);
/* Joins with sep; an empty or NULL list gives "". */
char *strv_join(char * const *l, const char *sep);

#define STRV_FOREACH(s, l) for (char * const *s = (l); s && *s; s++)
