/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The Prometheus text exposition format (0.0.4), written to a stream the caller owns. No other
 * I/O and no allocations. Functions return 0, -EINVAL for bad input (before writing anything) or
 * -EIO when ferror(f) is set afterwards; a buffered stream may only report a failed write at
 * the caller's fflush() or fclose(), which it must check too.
 *
 * labels arguments: NULL, or a NULL-terminated array of alternating names and values,
 * (char *[]) { "profile", "default", "unit", "x.service", NULL }. Names must be valid and not
 * repeated; values are any NUL-terminated bytes (UTF-8 from unit names), escaped as needed. */

/* [a-zA-Z_:][a-zA-Z0-9_:]* */
bool prom_metric_name_is_valid(const char *name);
/* [a-zA-Z_][a-zA-Z0-9_]*, and not starting with "__" (reserved for Prometheus itself). */
bool prom_label_name_is_valid(const char *name);

typedef enum PromType {
        PROM_COUNTER,
        PROM_GAUGE,
        PROM_HISTOGRAM,
        _PROM_TYPE_MAX,
} PromType;

/* "counter", "gauge", "histogram"; NULL when out of range. */
const char *prom_type_to_string(PromType t);

/* "# HELP name help" (help with backslash and newline escaped; no HELP line when help is NULL)
 * and "# TYPE name type". -EINVAL on a bad name or type. */
int prom_family(FILE *f, const char *name, PromType type, const char *help);

/* One sample line: name{k1="v1",k2="v2"} value, no braces without labels. Label values have
 * backslash, double quote and newline escaped. -EINVAL on a bad metric or label name, a
 * repeated label name, or an odd labels array. */
int prom_sample_u64(FILE *f, const char *name, char * const *labels, uint64_t value);
int prom_sample_double(FILE *f, const char *name, char * const *labels, double value);

/* Enough for any double: "-2.2250738585072014e-308" is the longest. */
#define PROM_DOUBLE_STRLEN 32

/* Formats v as the Go client libraries do (strconv 'g', -1): the fewest digits that read back
 * as v, in exponent form below 1e-4 or from 1e+06 on: "0.005", "2.5", "100", "1e-06",
 * "1.5e+07". 0 and -0 give "0"; the special values "+Inf", "-Inf", "NaN". Returns buf.
 * Differs from Go only for some powers of two far from 1 (2^-24, 2^89, ...), where it takes a
 * 17th digit Go finds it can do without; the value is exact either way. Assumes the "C"
 * LC_NUMERIC locale. */
const char *prom_format_double(double v, char buf[static PROM_DOUBLE_STRLEN]);

#define PROM_HISTOGRAM_BUCKETS_MAX 24

/* A histogram with fixed upper bounds. Counts are kept per bucket and made cumulative when
 * written. */
typedef struct PromHistogram {
        const double *bounds;   /* ascending, finite upper bounds, without +Inf; not copied */
        size_t n_bounds;
        uint64_t counts[PROM_HISTOGRAM_BUCKETS_MAX + 1]; /* the last: above every bound */
        double sum;
        uint64_t count;
} PromHistogram;

/* Empties h. Asserts n_bounds <= PROM_HISTOGRAM_BUCKETS_MAX and bounds ascending and finite. */
void prom_histogram_init(PromHistogram *h, const double *bounds, size_t n_bounds);
/* Counts value in the first bucket whose bound is >= value (Prometheus' "le"); above every
 * bound, or NaN, in the +Inf bucket. */
void prom_histogram_observe(PromHistogram *h, double value);
/* name_bucket{labels...,le="bound"} cumulative counts for each bound and le="+Inf", then
 * name_sum and name_count, all with labels. -EINVAL also when labels contain "le". */
int prom_histogram_write(FILE *f, const char *name, char * const *labels, const PromHistogram *h);
