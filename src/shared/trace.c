/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/types.h>

#include "trace.h"

/* Enough to tell "one too many" from a right count without splitting whole lines. */
#define TRACE_MAX_FIELDS 8

Trace *trace_free(Trace *t) {
        if (!t)
                return NULL;
        for (size_t i = 0; i < t->n_tools; i++) {
                free(t->tools[i].tool);
                free(t->tools[i].word);
        }
        free(t->tools);
        free(t->samples);
        return mfree(t);
}

/* Plain decimal numbers only ("12", "-0.5", "1e3"): strtod() alone would also take "nan",
 * "inf" and hex floats, none of which belong in a trace. */
static bool is_decimal_number(const char *s) {
        bool digits = false;

        if (*s == '+' || *s == '-')
                s++;
        for (; isdigit((unsigned char) *s); s++)
                digits = true;
        if (*s == '.')
                for (s++; isdigit((unsigned char) *s); s++)
                        digits = true;
        if (!digits)
                return false;
        if (*s == 'e' || *s == 'E') {
                s++;
                if (*s == '+' || *s == '-')
                        s++;
                if (!isdigit((unsigned char) *s))
                        return false;
                while (isdigit((unsigned char) *s))
                        s++;
        }
        return *s == '\0';
}

static int parse_number(const char *s, double *ret) {
        double v;

        if (!is_decimal_number(s))
                return -EINVAL;
        errno = 0;
        v = strtod(s, NULL);
        /* Overflow gives HUGE_VAL; underflow to a tiny value is harmless. */
        if (!isfinite(v))
                return -ERANGE;
        *ret = v;
        return 0;
}

typedef struct TraceParser {
        const char *path;
        unsigned line;
        char *error;
        Trace *trace;
        size_t samples_allocated;
        size_t tools_allocated;
} TraceParser;

static _printf_(2, 3) int parser_error(TraceParser *p, const char *fmt, ...) {
        _cleanup_(freep) char *msg = NULL;
        va_list ap;

        va_start(ap, fmt);
        msg = vasprintf_safe(fmt, ap);
        va_end(ap);
        if (!msg)
                return -ENOMEM;

        free(p->error);
        if (p->line > 0)
                p->error = asprintf_safe("%s:%u: %s", p->path, p->line, msg);
        else
                p->error = asprintf_safe("%s: %s", p->path, msg);
        return p->error ? -EINVAL : -ENOMEM;
}

/* Grows *array (of *allocated elements of size each) so that it holds at least need. */
static int grow(void **array, size_t *allocated, size_t need, size_t size) {
        size_t n;
        void *a;

        if (need <= *allocated)
                return 0;
        n = MAX(need, MAX(*allocated * 2, (size_t) 64));
        a = reallocarray(*array, n, size);
        if (!a)
                return -ENOMEM;
        *array = a;
        *allocated = n;
        return 0;
}

static int parse_field(TraceParser *p, const char *what, const char *s, bool allow_negative, double *ret) {
        int r;

        r = parse_number(s, ret);
        if (r == -ERANGE)
                return parser_error(p, "%s '%s' is out of range", what, s);
        if (r < 0)
                return parser_error(p, "%s '%s' is not a number", what, s);
        if (!allow_negative && *ret < 0)
                return parser_error(p, "%s must not be negative: %s", what, s);
        return 0;
}

static int parse_sample(TraceParser *p, char **fields, size_t n) {
        Trace *t = p->trace;
        TraceSample s;
        int r;

        if (n != 4)
                return parser_error(p, "%s fields in S record (expected: S <t_s> <mem_mb> <cpu_pct>)",
                                    n < 4 ? "missing" : "extra");

        r = parse_field(p, "time", fields[1], true, &s.t_s);
        if (r < 0)
                return r;
        r = parse_field(p, "memory", fields[2], false, &s.mem_mb);
        if (r < 0)
                return r;
        r = parse_field(p, "CPU percentage", fields[3], false, &s.cpu_pct);
        if (r < 0)
                return r;
        /* Equal times are allowed (a step); going back in time is not. */
        if (t->n_samples > 0 && s.t_s < t->samples[t->n_samples - 1].t_s)
                return parser_error(p, "sample time %s is before the previous sample's %g",
                                    fields[1], t->samples[t->n_samples - 1].t_s);

        r = grow((void **) &t->samples, &p->samples_allocated, t->n_samples + 1, sizeof(TraceSample));
        if (r < 0)
                return r;
        t->samples[t->n_samples++] = s;
        return 0;
}

static int parse_tool(TraceParser *p, char **fields, size_t n) {
        Trace *t = p->trace;
        TraceTool tool = {};
        int r;

        if (n < 4 || n > 5)
                return parser_error(p, "%s fields in T record (expected: T <start_s> <end_s> <tool> [<word>])",
                                    n < 4 ? "missing" : "extra");

        /* Tool calls may start before the first sample: negative times are fine. */
        r = parse_field(p, "start time", fields[1], true, &tool.start_s);
        if (r < 0)
                return r;
        r = parse_field(p, "end time", fields[2], true, &tool.end_s);
        if (r < 0)
                return r;
        if (tool.end_s < tool.start_s)
                return parser_error(p, "tool call ends (%s) before it starts (%s)", fields[2], fields[1]);

        r = grow((void **) &t->tools, &p->tools_allocated, t->n_tools + 1, sizeof(TraceTool));
        if (r < 0)
                return r;
        tool.tool = strdup(fields[3]);
        tool.word = n == 5 ? strdup(fields[4]) : NULL;
        if (!tool.tool || (n == 5 && !tool.word)) {
                free(tool.tool);
                free(tool.word);
                return -ENOMEM;
        }
        t->tools[t->n_tools++] = tool;
        return 0;
}

static int parse_line(TraceParser *p, char *line) {
        char *fields[TRACE_MAX_FIELDS], *saveptr = NULL;
        size_t n = 0;

        for (char *w = strtok_r(line, " \t\r\n\v\f", &saveptr); w && n < ELEMENTSOF(fields);
             w = strtok_r(NULL, " \t\r\n\v\f", &saveptr))
                fields[n++] = w;

        if (n == 0 || fields[0][0] == '#')
                return 0;
        if (streq(fields[0], "S"))
                return parse_sample(p, fields, n);
        if (streq(fields[0], "T"))
                return parse_tool(p, fields, n);
        return parser_error(p, "unknown record type '%s' (expected S, T or a # comment)", fields[0]);
}

int trace_parse(FILE *f, const char *path, Trace **ret, char **ret_error) {
        _cleanup_(freep) char *line = NULL;
        _cleanup_(trace_freep) Trace *t = NULL;
        TraceParser p = { .path = path ?: "(trace)" };
        size_t allocated = 0;
        int r = 0;

        t = calloc(1, sizeof(Trace));
        if (!t)
                return -ENOMEM;
        p.trace = t;

        for (;;) {
                ssize_t n;

                errno = 0;
                n = getline(&line, &allocated, f);
                if (n < 0) {
                        if (ferror(f))
                                r = errno > 0 ? -errno : -EIO;
                        break;
                }
                p.line++;
                /* A NUL would silently cut the line short: a binary file, most likely. */
                if (strlen(line) != (size_t) n) {
                        r = parser_error(&p, "NUL byte in line (not a text file?)");
                        break;
                }
                r = parse_line(&p, line);
                if (r < 0)
                        break;
        }
        if (r == 0 && t->n_samples == 0) {
                p.line = 0;
                r = parser_error(&p, "no samples (S records)");
        }
        if (r < 0) {
                if (ret_error)
                        *ret_error = TAKE_PTR(p.error);
                free(p.error);
                return r;
        }

        *ret = TAKE_PTR(t);
        if (ret_error)
                *ret_error = NULL;
        return 0;
}

double trace_start_s(const Trace *t) {
        return t->samples[0].t_s;
}

double trace_end_s(const Trace *t) {
        return t->samples[t->n_samples - 1].t_s;
}

double trace_duration_s(const Trace *t) {
        return trace_end_s(t) - trace_start_s(t);
}

/* The last sample at or before t_s (0 before the first). */
static size_t sample_index_at(const Trace *t, double t_s) {
        size_t lo = 0, hi = t->n_samples;

        /* Invariant: samples[lo].t_s <= t_s (or lo == 0), samples[hi].t_s > t_s (or hi == n). */
        while (hi - lo > 1) {
                size_t mid = lo + (hi - lo) / 2;

                if (t->samples[mid].t_s <= t_s)
                        lo = mid;
                else
                        hi = mid;
        }
        return lo;
}

/* Where t_s falls: between samples[*ret_i] and the next one, *ret_frac of the way. Held
 * constant (fraction 0) before the first and after the last sample. */
static void segment_at(const Trace *t, double t_s, size_t *ret_i, double *ret_frac) {
        const TraceSample *a, *b;
        size_t i;

        *ret_frac = 0;
        if (isnan(t_s) || t_s < trace_start_s(t)) {
                *ret_i = 0;
                return;
        }
        i = sample_index_at(t, t_s);
        *ret_i = i;
        if (i + 1 >= t->n_samples)
                return;
        /* b->t_s > t_s >= a->t_s here, so the division is safe even with equal sample times. */
        a = &t->samples[i];
        b = &t->samples[i + 1];
        *ret_frac = (t_s - a->t_s) / (b->t_s - a->t_s);
}

static double lerp(double a, double b, double frac) {
        return a + (b - a) * frac;
}

double trace_memory_mb_at(const Trace *t, double t_s) {
        double frac;
        size_t i;

        segment_at(t, t_s, &i, &frac);
        return lerp(t->samples[i].mem_mb, t->samples[MIN(i + 1, t->n_samples - 1)].mem_mb, frac);
}

double trace_cpu_pct_at(const Trace *t, double t_s) {
        double frac;
        size_t i;

        segment_at(t, t_s, &i, &frac);
        return lerp(t->samples[i].cpu_pct, t->samples[MIN(i + 1, t->n_samples - 1)].cpu_pct, frac);
}

double trace_memory_peak_mb_in(const Trace *t, double after_s, double until_s) {
        double m = trace_memory_mb_at(t, until_s);
        size_t i;

        if (!(until_s > after_s))
                return m;
        /* The first sample after after_s. */
        i = after_s < trace_start_s(t) ? 0 : sample_index_at(t, after_s) + 1;
        for (; i < t->n_samples && t->samples[i].t_s <= until_s; i++)
                m = MAX(m, t->samples[i].mem_mb);
        return m;
}

double trace_peak_memory_mb(const Trace *t) {
        double m = t->samples[0].mem_mb;

        for (size_t i = 1; i < t->n_samples; i++)
                m = MAX(m, t->samples[i].mem_mb);
        return m;
}

double trace_min_memory_mb(const Trace *t) {
        double m = t->samples[0].mem_mb;

        for (size_t i = 1; i < t->n_samples; i++)
                m = MIN(m, t->samples[i].mem_mb);
        return m;
}

double trace_peak_cpu_pct(const Trace *t) {
        double m = t->samples[0].cpu_pct;

        for (size_t i = 1; i < t->n_samples; i++)
                m = MAX(m, t->samples[i].cpu_pct);
        return m;
}

double trace_mean_memory_mb(const Trace *t) {
        double area = 0, duration = trace_duration_s(t);

        if (duration <= 0)
                return t->samples[t->n_samples - 1].mem_mb;
        /* The integral of the piecewise linear curve: trapezoids. */
        for (size_t i = 1; i < t->n_samples; i++)
                area += (t->samples[i].t_s - t->samples[i - 1].t_s) *
                        (t->samples[i].mem_mb + t->samples[i - 1].mem_mb) / 2;
        return area / duration;
}
