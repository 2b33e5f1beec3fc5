/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _noreturn_ __attribute__((noreturn))
#define _pure_ __attribute__((pure))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define streq(a, b) (strcmp((a), (b)) == 0)
#define strneq(a, b, n) (strncmp((a), (b), (n)) == 0)
#define isempty(s) (!(s) || (s)[0] == '\0')
#define streq_ptr(a, b) ((a) && (b) && streq((a), (b)))
#define strna(s) ((s) ?: "n/a")
#define strempty(s) ((s) ?: "")

/* Whether s ends in suffix. */
static inline bool endswith(const char *s, const char *suffix) {
        size_t n = strlen(s), k = strlen(suffix);

        return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* Define a cleanup helper freeing *p with func when *p is non-NULL. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)                 \
        static inline void func##p(type *p) {                   \
                if (*p)                                         \
                        func(*p);                               \
        }

static inline void freep(void *p) {
        free(*(void **) p);
}

static inline void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}

static inline void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

static inline void closep(int *fd) {
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}

/* Closes fd if open; returns -1 to assign back: fd = safe_close(fd). */
static inline int safe_close(int fd) {
        if (fd >= 0) {
                int saved = errno;
                close(fd);
                errno = saved;
        }
        return -1;
}

/* Removes leading and trailing whitespace in place. */
static inline char *strstrip(char *s) {
        size_t n;

        s += strspn(s, " \t\n\r");
        n = strlen(s);
        while (n > 0 && strchr(" \t\n\r", s[n - 1]))
                s[--n] = 0;
        return s;
}

/* Hand over ownership: returns the value and clears the variable so cleanup does nothing. */
#define TAKE_PTR(p)                             \
        ({                                      \
                __typeof__(p) _p_ = (p);        \
                (p) = NULL;                     \
                _p_;                            \
        })

#define TAKE_FD(fd)                             \
        ({                                      \
                int _fd_ = (fd);                \
                (fd) = -1;                      \
                _fd_;                           \
        })

static inline char *free_and_replace_str(char **dst, char *src) {
        free(*dst);
        *dst = src;
        return src;
}

/* Negative errno from the current errno, never 0 (some libc calls fail without setting it). */
static inline int negative_errno(void) {
        return errno > 0 ? -errno : -EIO;
}

#define USEC_PER_SEC ((uint64_t) 1000000ULL)
#define USEC_PER_MSEC ((uint64_t) 1000ULL)
#define NSEC_PER_USEC ((uint64_t) 1000ULL)

#include <time.h>

/* The clock's time in microseconds. */
static inline uint64_t now_usec(clockid_t clock) {
        struct timespec ts;

        (void) clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / NSEC_PER_USEC;
}

#include <stdarg.h>

/* vasprintf() and asprintf() returning the string or NULL, so they compose with
 * strv_consume() and friends, and printf-like functions need no va_list dance of their own. */
static inline _printf_(1, 0) char *vasprintf_safe(const char *fmt, va_list ap) {
        char *s = NULL;

        return vasprintf(&s, fmt, ap) < 0 ? NULL : s;
}

static inline _printf_(1, 2) char *asprintf_safe(const char *fmt, ...) {
        char *s;
        va_list ap;

        va_start(ap, fmt);
        s = vasprintf_safe(fmt, ap);
        va_end(ap);
        return s;
}

static inline void *mfree(void *p) {
        free(p);
        return NULL;
}
