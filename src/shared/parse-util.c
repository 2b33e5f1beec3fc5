/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "parse-util.h"

int parse_uint64(const char *s, uint64_t *ret) {
        unsigned long long v;
        char *end;

        if (isempty(s) || !isdigit((unsigned char) s[0]))
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno == ERANGE)
                return -ERANGE;
        if (*end != '\0')
                return -EINVAL;
        *ret = v;
        return 0;
}

/* A non-negative decimal with an optional fraction, "12" or "1.5", kept exact: in binary floating
 * point "0.0015s" came out as 1499us and "1.36s" as 1359999us. */
typedef struct Decimal {
        uint64_t whole;
        uint64_t frac;          /* the fraction's digits ... */
        uint64_t frac_den;      /* ... over 10^their number */
        bool overflow;          /* whole does not fit */
} Decimal;

/* Returns the end. */
static int parse_decimal(const char *s, Decimal *ret, const char **end) {
        Decimal d = { .frac_den = 1 };
        const char *p = s;
        bool any = false;

        for (; isdigit((unsigned char) *p); p++, any = true) {
                unsigned digit = *p - '0';

                if (d.whole > (UINT64_MAX - digit) / 10)
                        d.overflow = true;
                else
                        d.whole = d.whole * 10 + digit;
        }
        if (*p == '.')
                /* Digits past the 19th are dropped: together they are worth less than one unit of
                 * any result (a byte of an exabyte, a microsecond of an hour). */
                for (p++; isdigit((unsigned char) *p); p++, any = true)
                        if (d.frac_den <= UINT64_MAX / 10) {
                                d.frac = d.frac * 10 + (unsigned) (*p - '0');
                                d.frac_den *= 10;
                        }
        if (!any)
                return -EINVAL;
        *ret = d;
        *end = p;
        return 0;
}

/* d times unit, rounded down; -ERANGE from UINT64_MAX (infinity) up. */
static int decimal_scale(const Decimal *d, uint64_t unit, uint64_t *ret) {
        unsigned __int128 v;

        if (d->overflow)
                return -ERANGE;
        v = (unsigned __int128) d->whole * unit + (unsigned __int128) d->frac * unit / d->frac_den;
        if (v >= UINT64_MAX)
                return -ERANGE;
        *ret = (uint64_t) v;
        return 0;
}

int parse_size_spec(const char *s, SizeSpec *ret) {
        static const struct {
                char suffix;
                unsigned shift;
        } units[] = {
                { 'K', 10 }, { 'M', 20 }, { 'G', 30 }, { 'T', 40 }, { 'P', 50 }, { 'E', 60 },
        };
        const char *end;
        Decimal d;
        uint64_t v;
        unsigned shift = 0;
        int r;

        if (isempty(s))
                return -EINVAL;
        if (streq(s, "infinity")) {
                *ret = (SizeSpec) { .kind = SIZE_INFINITY, .value = UINT64_MAX };
                return 0;
        }

        r = parse_decimal(s, &d, &end);
        if (r < 0)
                return r;

        if (streq(end, "%")) {
                if (d.overflow || d.whole > 100 || (d.whole == 100 && d.frac > 0))
                        return -ERANGE;
                /* Basis points, rounded to the nearest: half of twice as many, rounded up. */
                r = decimal_scale(&d, 200, &v);
                if (r < 0)
                        return r;
                *ret = (SizeSpec) { .kind = SIZE_PERCENT, .value = (v + 1) / 2 };
                return 0;
        }

        if (*end != '\0') {
                char c = (char) toupper((unsigned char) *end);
                bool found = false;

                for (size_t i = 0; i < ELEMENTSOF(units); i++)
                        if (units[i].suffix == c) {
                                shift = units[i].shift;
                                found = true;
                        }
                if (!found && c != 'B')
                        return -EINVAL;
                end++;
                if (found && (*end == 'B' || *end == 'b'))
                        end++;
                if (*end != '\0')
                        return -EINVAL;
        }
        if (shift == 0 && d.frac > 0)
                return -EINVAL; /* fractional bytes make no sense */

        r = decimal_scale(&d, UINT64_C(1) << shift, &v);
        if (r < 0)
                return r;
        *ret = (SizeSpec) { .kind = SIZE_BYTES, .value = v };
        return 0;
}

uint64_t size_spec_resolve(const SizeSpec *spec, uint64_t physical_memory) {
        switch (spec->kind) {
        case SIZE_BYTES:
                return spec->value;
        case SIZE_PERCENT:
                return (uint64_t) ((long double) physical_memory * spec->value / 10000);
        case SIZE_INFINITY:
        case SIZE_UNSET:
        default:
                return UINT64_MAX;
        }
}

const char *size_spec_to_string(const SizeSpec *spec, char *buf, size_t n) {
        static const char suffixes[] = "KMGTPE";
        uint64_t v;

        switch (spec->kind) {
        case SIZE_UNSET:
                snprintf(buf, n, "unset");
                break;
        case SIZE_INFINITY:
                snprintf(buf, n, "infinity");
                break;
        case SIZE_PERCENT:
                if (spec->value % 100 == 0)
                        snprintf(buf, n, "%" PRIu64 "%%", spec->value / 100);
                else
                        snprintf(buf, n, "%" PRIu64 ".%02" PRIu64 "%%", spec->value / 100, spec->value % 100);
                break;
        case SIZE_BYTES:
                v = spec->value;
                /* Largest unit that divides exactly, so the text parses back to the same number. */
                for (int i = 5; i >= 0; i--) {
                        uint64_t u = 1ULL << (10 * (i + 1));
                        if (v != 0 && v % u == 0) {
                                snprintf(buf, n, "%" PRIu64 "%c", v / u, suffixes[i]);
                                return buf;
                        }
                }
                snprintf(buf, n, "%" PRIu64, v);
                break;
        }
        return buf;
}

const char *cpu_weight_to_string(uint64_t w, char *buf, size_t n) {
        if (w == CPU_WEIGHT_IDLE)
                return "idle";
        snprintf(buf, n, "%" PRIu64, w);
        return buf;
}

int parse_cpu_weight(const char *s, uint64_t *ret) {
        uint64_t v;
        int r;

        if (streq_ptr(s, "idle")) {
                *ret = CPU_WEIGHT_IDLE;
                return 0;
        }
        r = parse_uint64(s, &v);
        if (r < 0)
                return r;
        if (v < 1 || v > 10000)
                return -ERANGE;
        *ret = v;
        return 0;
}

int parse_tasks_max(const char *s, uint64_t *ret) {
        uint64_t v;
        int r;

        if (streq_ptr(s, "infinity")) {
                *ret = UINT64_MAX;
                return 0;
        }
        r = parse_uint64(s, &v);
        if (r < 0)
                return r;
        if (v < 1 || v == UINT64_MAX)
                return -ERANGE;
        *ret = v;
        return 0;
}

int parse_boolean(const char *s) {
        static const char * const yes[] = { "1", "yes", "y", "true", "t", "on" };
        static const char * const no[] = { "0", "no", "n", "false", "f", "off" };

        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcasecmp(s, yes[i]) == 0)
                        return 1;
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcasecmp(s, no[i]) == 0)
                        return 0;
        return -EINVAL;
}

int parse_duration(const char *s, uint64_t *ret_usec) {
        static const struct {
                const char *suffix;
                uint64_t usec;
        } units[] = {
                /* Longer suffixes first so "ms" is not read as "m" + "s". */
                { "usec", 1 }, { "msec", 1000 }, { "sec", USEC_PER_SEC }, { "min", 60 * USEC_PER_SEC },
                { "us", 1 }, { "ms", 1000 }, { "s", USEC_PER_SEC }, { "m", 60 * USEC_PER_SEC },
                { "h", 3600 * USEC_PER_SEC }, { "", USEC_PER_SEC },
        };
        const char *p = s;
        uint64_t total = 0;
        bool any = false, overflow = false;

        if (isempty(s))
                return -EINVAL;
        if (streq(s, "infinity")) {
                *ret_usec = UINT64_MAX;
                return 0;
        }

        for (;;) {
                const char *end;
                Decimal d;
                bool found = false;
                int r;

                p += strspn(p, " \t");
                if (*p == '\0')
                        break;
                r = parse_decimal(p, &d, &end);
                if (r < 0)
                        return r;
                p = end;
                for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                        size_t k = strlen(units[i].suffix);
                        if (strneq(p, units[i].suffix, k) && (p[k] == '\0' || p[k] == ' ' || isdigit((unsigned char) p[k]))) {
                                uint64_t v;

                                /* Out of range is reported only if the rest is valid. */
                                if (decimal_scale(&d, units[i].usec, &v) < 0 || v >= UINT64_MAX - total)
                                        overflow = true;
                                else
                                        total += v;
                                p += k;
                                found = true;
                                break;
                        }
                }
                if (!found)
                        return -EINVAL;
                any = true;
        }
        if (!any)
                return -EINVAL;
        if (overflow)
                return -ERANGE;
        *ret_usec = total;
        return 0;
}
