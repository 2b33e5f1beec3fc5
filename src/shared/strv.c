/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "strv.h"

char **strv_free(char **l) {
        STRV_FOREACH(s, l)
                free(*s);
        free(l);
        return NULL;
}

size_t strv_length(char * const *l) {
        size_t n = 0;
        STRV_FOREACH(s, l)
                n++;
        return n;
}

bool strv_contains(char * const *l, const char *s) {
        STRV_FOREACH(i, l)
                if (streq(*i, s))
                        return true;
        return false;
}

int strv_consume(char ***l, char *s) {
        size_t n = strv_length(*l);
        char **c;

        if (!s)
                return -ENOMEM;
        c = realloc(*l, sizeof(char *) * (n + 2));
        if (!c) {
                free(s);
                return -ENOMEM;
        }
        c[n] = s;
        c[n + 1] = NULL;
        *l = c;
        return 0;
}

int strv_extend(char ***l, const char *s) {
        return strv_consume(l, strdup(s));
}

char **strv_copy(char * const *l) {
        char **c = calloc(strv_length(l) + 1, sizeof(char *));
        size_t i = 0;

        if (!c)
                return NULL;
        STRV_FOREACH(s, l) {
                c[i] = strdup(*s);
                if (!c[i])
                        return strv_free(c);
                i++;
        }
        return c;
}

bool strv_equal(char * const *a, char * const *b) {
        size_t i = 0;

        if (strv_length(a) != strv_length(b))
                return false;
        STRV_FOREACH(s, a) {
                if (!streq(*s, b[i]))
                        return false;
                i++;
        }
        return true;
}

int strv_split_whitespace(const char *s, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        const char *p = s;

        /* An empty list is an allocated empty vector, so callers can tell it from "unset". */
        l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;

        for (;;) {
                size_t n;
                int r;

                p += strspn(p, " \t\n\r");
                if (*p == '\0')
                        break;
                n = strcspn(p, " \t\n\r");
                r = strv_consume(&l, strndup(p, n));
                if (r < 0)
                        return r;
                p += n;
        }

        *ret = TAKE_PTR(l);
        return 0;
}

char *strv_join(char * const *l, const char *sep) {
        size_t n = 1, k = strlen(sep);
        char *r, *e;

        STRV_FOREACH(s, l)
                n += strlen(*s) + k;
        r = e = malloc(n);
        if (!r)
                return NULL;
        *e = '\0';
        STRV_FOREACH(s, l) {
                if (s != l)
                        e = stpcpy(e, sep);
                e = stpcpy(e, *s);
        }
        return r;
}
