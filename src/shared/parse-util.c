/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
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

/* A non-negative decimal with an optional fraction: "12", "1.5". Returns the end. */
static int parse_decimal(const char *s, long double *ret, const char **end) {
        const char *p = s;
        long double v = 0, scale = 1;
        bool any = false;

        for (; isdigit((unsigned char) *p); p++, any = true)
                v = v * 10 + (*p - '0');
        if (*p == '.') {
                p++;
                for (; isdigit((unsigned char) *p); p++, any = true) {
                        scale /= 10;
                        v += (*p - '0') * scale;
                }
        }
        if (!any)
                return -EINVAL;
        *ret = v;
        *end = p;
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
        long double v;
        unsigned shift = 0;
        int r;

        if (isempty(s))
                return -EINVAL;
        if (streq(s, "infinity")) {
                *ret = (SizeSpec) { .kind = SIZE_INFINITY, .value = UINT64_MAX };
                return 0;
        }

        r = parse_decimal(s, &v, &end);
        if (r < 0)
                return r;

        if (streq(end, "%")) {
                if (v > 100)
                        return -ERANGE;
                *ret = (SizeSpec) { .kind = SIZE_PERCENT, .value = (uint64_t) llroundl(v * 100) };
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
        } else if (v != floorl(v))
                return -EINVAL; /* fractional bytes make no sense */

        v = v * (long double) (1ULL << shift);
        if (v >= 18446744073709551615.0L)
                return -ERANGE;
        *ret = (SizeSpec) { .kind = SIZE_BYTES, .value = (uint64_t) v };
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

int parse_cpu_weight(const char *s, uint64_t *ret) {
        uint64_t v;
        int r;

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
        long double total = 0;
        bool any = false;

        if (isempty(s))
                return -EINVAL;
        if (streq(s, "infinity")) {
                *ret_usec = UINT64_MAX;
                return 0;
        }

        for (;;) {
                const char *end;
                long double v;
                bool found = false;
                int r;

                p += strspn(p, " \t");
                if (*p == '\0')
                        break;
                r = parse_decimal(p, &v, &end);
                if (r < 0)
                        return r;
                p = end;
                for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                        size_t k = strlen(units[i].suffix);
                        if (strneq(p, units[i].suffix, k) && (p[k] == '\0' || p[k] == ' ' || isdigit((unsigned char) p[k]))) {
                                total += v * units[i].usec;
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
        if (total >= 18446744073709551615.0L)
                return -ERANGE;
        *ret_usec = (uint64_t) total;
        return 0;
}
