/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <inttypes.h>
#include <math.h>

#include "macro.h"
#include "prom-format.h"

#define LETTERS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGITS "0123456789"

/* Explicit character sets rather than isalpha(): the format is ASCII whatever the locale. */
static bool name_is_valid(const char *name, const char *first, const char *rest) {
        return !isempty(name) && strchr(first, name[0]) && name[strspn(name, rest)] == '\0';
}

bool prom_metric_name_is_valid(const char *name) {
        return name_is_valid(name, LETTERS "_:", LETTERS DIGITS "_:");
}

bool prom_label_name_is_valid(const char *name) {
        return name_is_valid(name, LETTERS "_", LETTERS DIGITS "_") && !strneq(name, "__", 2);
}

static const char *const prom_type_table[_PROM_TYPE_MAX] = {
        [PROM_COUNTER] = "counter",
        [PROM_GAUGE] = "gauge",
        [PROM_HISTOGRAM] = "histogram",
};

const char *prom_type_to_string(PromType t) {
        return t >= 0 && t < _PROM_TYPE_MAX ? prom_type_table[t] : NULL;
}

/* HELP text escapes backslash and newline; label values also the double quote. */
static void write_escaped(FILE *f, const char *s, bool quote) {
        for (; *s; s++)
                switch (*s) {
                case '\\':
                        fputs("\\\\", f);
                        break;
                case '\n':
                        fputs("\\n", f);
                        break;
                case '"':
                        fputs(quote ? "\\\"" : "\"", f);
                        break;
                default:
                        fputc(*s, f);
                }
}

static int finish(FILE *f) {
        return ferror(f) ? -EIO : 0;
}

int prom_family(FILE *f, const char *name, PromType type, const char *help) {
        const char *t = prom_type_to_string(type);

        if (!prom_metric_name_is_valid(name) || !t)
                return -EINVAL;

        if (help) {
                fprintf(f, "# HELP %s ", name);
                write_escaped(f, help, false);
                fputc('\n', f);
        }
        fprintf(f, "# TYPE %s %s\n", name, t);
        return finish(f);
}

/* Checked before anything is written, so that bad input leaves no half line behind. reserved:
 * a name the caller adds itself ("le"), or NULL. */
static int labels_check(char * const *labels, const char *reserved) {
        for (char * const *l = labels; l && *l; l += 2) {
                if (!l[1] || !prom_label_name_is_valid(l[0]) || streq_ptr(l[0], reserved))
                        return -EINVAL;
                for (char * const *p = labels; p < l; p += 2)
                        if (streq(p[0], l[0]))
                                return -EINVAL;
        }
        return 0;
}

/* Writes "name suffix{labels,le="le"} ", the line up to its value. */
static void write_series(FILE *f, const char *name, const char *suffix, char * const *labels, const char *le) {
        bool has_labels = labels && labels[0];

        fputs(name, f);
        fputs(suffix, f);
        if (has_labels || le)
                fputc('{', f);
        for (char * const *l = labels; l && *l; l += 2) {
                fprintf(f, "%s%s=\"", l == labels ? "" : ",", l[0]);
                write_escaped(f, l[1], true);
                fputc('"', f);
        }
        if (le)
                fprintf(f, "%sle=\"%s\"", has_labels ? "," : "", le);
        if (has_labels || le)
                fputc('}', f);
        fputc(' ', f);
}

static int sample_begin(FILE *f, const char *name, char * const *labels) {
        int r;

        if (!prom_metric_name_is_valid(name))
                return -EINVAL;
        r = labels_check(labels, NULL);
        if (r < 0)
                return r;

        write_series(f, name, "", labels, NULL);
        return 0;
}

int prom_sample_u64(FILE *f, const char *name, char * const *labels, uint64_t value) {
        int r;

        r = sample_begin(f, name, labels);
        if (r < 0)
                return r;
        fprintf(f, "%" PRIu64 "\n", value);
        return finish(f);
}

int prom_sample_double(FILE *f, const char *name, char * const *labels, double value) {
        char buf[PROM_DOUBLE_STRLEN];
        int r;

        r = sample_begin(f, name, labels);
        if (r < 0)
                return r;
        fprintf(f, "%s\n", prom_format_double(value, buf));
        return finish(f);
}

const char *prom_format_double(double v, char buf[static PROM_DOUBLE_STRLEN]) {
        int digits, exp;

        if (isnan(v))
                return strcpy(buf, "NaN");
        if (isinf(v))
                return strcpy(buf, v > 0 ? "+Inf" : "-Inf");
        if (v == 0)
                return strcpy(buf, "0");

        /* printf rounds correctly but has no "shortest" mode: take the fewest significant
         * digits that strtod() reads back as v. 17 always do. */
        for (digits = 1;; digits++) {
                snprintf(buf, PROM_DOUBLE_STRLEN, "%.*e", digits - 1, v);
                if (digits == 17 || strtod(buf, NULL) == v)
                        break;
        }

        /* Go switches to the exponent form outside [1e-4, 1e6), whatever the digits. */
        exp = atoi(strchr(buf, 'e') + 1);
        if (exp >= -4 && exp < 6)
                snprintf(buf, PROM_DOUBLE_STRLEN, "%.*f", MAX(digits - 1 - exp, 0), v);
        return buf;
}

void prom_histogram_init(PromHistogram *h, const double *bounds, size_t n_bounds) {
        assert(h);
        assert(n_bounds <= PROM_HISTOGRAM_BUCKETS_MAX);
        for (size_t i = 0; i < n_bounds; i++)
                assert(isfinite(bounds[i]) && (i == 0 || bounds[i - 1] < bounds[i]));

        *h = (PromHistogram) {
                .bounds = bounds,
                .n_bounds = n_bounds,
        };
}

void prom_histogram_observe(PromHistogram *h, double value) {
        size_t i = 0;

        /* Negated so that NaN, which compares false, ends up in +Inf as with the Go client. */
        while (i < h->n_bounds && !(value <= h->bounds[i]))
                i++;
        h->counts[i]++;
        h->sum += value;
        h->count++;
}

int prom_histogram_write(FILE *f, const char *name, char * const *labels, const PromHistogram *h) {
        char buf[PROM_DOUBLE_STRLEN];
        uint64_t cumulative = 0;
        int r;

        if (!prom_metric_name_is_valid(name))
                return -EINVAL;
        r = labels_check(labels, "le");
        if (r < 0)
                return r;

        for (size_t i = 0; i <= h->n_bounds; i++) {
                cumulative += h->counts[i];
                write_series(f, name, "_bucket", labels,
                             i < h->n_bounds ? prom_format_double(h->bounds[i], buf) : "+Inf");
                fprintf(f, "%" PRIu64 "\n", cumulative);
        }
        write_series(f, name, "_sum", labels, NULL);
        fprintf(f, "%s\n", prom_format_double(h->sum, buf));
        write_series(f, name, "_count", labels, NULL);
        fprintf(f, "%" PRIu64 "\n", h->count);
        return finish(f);
}
