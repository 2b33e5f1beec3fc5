/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every value parser of parse-util.h, the name validators of conf.h and the enum lookups the
 * configuration uses, on each line of the input. A plain decimal with a unit must give its exact
 * value (worked out here in 128-bit integers), and what parses must format back to text that
 * parses to the same value. */

#include <inttypes.h>
#include <strings.h>

#include "access.h"
#include "conf.h"
#include "fuzz.h"
#include "log.h"
#include "parse-util.h"
#include "sched-policy.h"

#define UINT128_MAX (~(unsigned __int128) 0)

/* "<digits>[.<digits>]<suffix>" as the exact fraction num/den, for reference values the
 * parsers must hit: "0.0015s" is 1500us, although 0.0015 has no exact binary form. False for
 * anything else, or more digits than fit. */
static bool split_decimal(const char *s, unsigned __int128 *num, unsigned __int128 *den, const char **suffix) {
        size_t n_int = 0, n_frac = 0;

        *num = 0;
        *den = 1;
        for (; *s >= '0' && *s <= '9'; s++, n_int++)
                *num = *num * 10 + (unsigned) (*s - '0');
        if (*s == '.')
                for (s++; *s >= '0' && *s <= '9'; s++, n_frac++) {
                        *num = *num * 10 + (unsigned) (*s - '0');
                        *den *= 10;
                }
        *suffix = s;
        return n_int + n_frac > 0 && n_int <= 19 && n_frac <= 18;
}

/* The reference: num/den units, rounded down (durations and byte sizes). */
static bool reference_value(const char *s, const char *suffix, uint64_t unit, uint64_t *ret) {
        unsigned __int128 num, den, v;
        const char *rest;

        if (!split_decimal(s, &num, &den, &rest) || strcasecmp(rest, suffix) != 0)
                return false;
        /* 37 digits times an hour's microseconds pass 2^128; any such value is far beyond
         * UINT64_MAX, so it has no reference to check (the wrapped product would). */
        if (num > UINT128_MAX / unit)
                return false;
        v = num * unit / den;
        if (v >= UINT64_MAX)
                return false;
        *ret = (uint64_t) v;
        return true;
}

/* The reference of a percentage up to 100%: basis points, rounded to the nearest. */
static bool reference_percent(const char *s, uint64_t *ret) {
        unsigned __int128 num, den;
        const char *rest;

        if (!split_decimal(s, &num, &den, &rest) || !streq(rest, "%") || num > 100 * den)
                return false;
        *ret = (uint64_t) ((num * 200 / den + 1) / 2);
        return true;
}

static void check_size(const char *s) {
        static const struct {
                const char *suffix;
                unsigned shift;
        } units[] = {
                { "K", 10 }, { "KB", 10 }, { "M", 20 }, { "MB", 20 }, { "G", 30 }, { "GB", 30 },
                { "T", 40 }, { "TB", 40 }, { "P", 50 }, { "PB", 50 }, { "E", 60 }, { "EB", 60 },
        };
        SizeSpec spec, again;
        uint64_t expected;
        char buf[64];

        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                if (reference_value(s, units[i].suffix, UINT64_C(1) << units[i].shift, &expected))
                        FUZZ_ASSERT(parse_size_spec(s, &spec) == 0 && spec.kind == SIZE_BYTES &&
                                    spec.value == expected);
        if (reference_percent(s, &expected))
                FUZZ_ASSERT(parse_size_spec(s, &spec) == 0 && spec.kind == SIZE_PERCENT && spec.value == expected);

        if (parse_size_spec(s, &spec) < 0)
                return;
        FUZZ_ASSERT(spec.kind == SIZE_BYTES || spec.kind == SIZE_PERCENT || spec.kind == SIZE_INFINITY);
        if (spec.kind == SIZE_PERCENT)
                FUZZ_ASSERT(spec.value <= 10000);
        (void) size_spec_resolve(&spec, 16ULL << 30);
        (void) size_spec_resolve(&spec, UINT64_MAX);

        size_spec_to_string(&spec, buf, sizeof buf);
        FUZZ_ASSERT(parse_size_spec(buf, &again) == 0);
        FUZZ_ASSERT(again.kind == spec.kind && again.value == spec.value);
}

static void check_duration(const char *s) {
        static const struct {
                const char *suffix;
                uint64_t usec;
        } units[] = {
                { "usec", 1 }, { "us", 1 }, { "msec", 1000 }, { "ms", 1000 }, { "sec", USEC_PER_SEC },
                { "s", USEC_PER_SEC }, { "", USEC_PER_SEC }, { "min", 60 * USEC_PER_SEC },
                { "m", 60 * USEC_PER_SEC }, { "h", 3600 * USEC_PER_SEC },
        };
        uint64_t usec, again, expected;
        char buf[32];

        /* Suffixes are case-sensitive there: compare only the spelling the parser takes. */
        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                if (reference_value(s, units[i].suffix, units[i].usec, &expected) &&
                    endswith(s, units[i].suffix))
                        FUZZ_ASSERT(parse_duration(s, &usec) == 0 && usec == expected);

        if (parse_duration(s, &usec) < 0)
                return;
        snprintf(buf, sizeof buf, "%" PRIu64 "us", usec);
        FUZZ_ASSERT(usec == UINT64_MAX || (parse_duration(buf, &again) == 0 && again == usec));
}

static void check_numbers(const char *s) {
        uint64_t v;
        gid_t gid;

        if (parse_uint64(s, &v) == 0) {
                char buf[32];
                uint64_t again;

                snprintf(buf, sizeof buf, "%" PRIu64, v);
                FUZZ_ASSERT(parse_uint64(buf, &again) == 0 && again == v);
        }
        if (parse_cpu_weight(s, &v) == 0)
                FUZZ_ASSERT((v >= 1 && v <= 10000) || (v == CPU_WEIGHT_IDLE && streq(s, "idle")));
        if (parse_tasks_max(s, &v) == 0)
                FUZZ_ASSERT(v >= 1);
        if (parse_gid(s, &gid) == 0)
                FUZZ_ASSERT(gid != GID_INVALID);
        (void) parse_gid(s, NULL);
}

static void check_names(const char *s) {
        int b = parse_boolean(s);

        FUZZ_ASSERT(b == 0 || b == 1 || b == -EINVAL);

        if (profile_name_is_valid(s))
                FUZZ_ASSERT(strlen(s) <= PROFILE_NAME_MAX);
        if (user_name_is_valid(s))
                FUZZ_ASSERT(strlen(s) <= 32 && s[0] != '-');

        /* The lookups must give back the string they were given. */
        if (profile_class_from_string(s) >= 0)
                FUZZ_ASSERT(streq(profile_class_to_string(profile_class_from_string(s)), s));
        if (action_mode_from_string(s) >= 0)
                FUZZ_ASSERT(streq(action_mode_to_string(action_mode_from_string(s)), s));
        if (sched_mode_from_string(s) >= 0)
                FUZZ_ASSERT(streq(sched_mode_to_string(sched_mode_from_string(s)), s));
        if (log_level_from_string(s) >= 0)
                FUZZ_ASSERT(log_level_to_string(log_level_from_string(s)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_strv_free_ char **lines = NULL;

        lines = fuzz_split_lines(data, size);
        STRV_FOREACH(l, lines) {
                check_size(*l);
                check_duration(*l);
                check_numbers(*l);
                check_names(*l);
        }
        return 0;
}
