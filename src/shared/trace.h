/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdio.h>

#include "macro.h"

/* Resource traces of agent sessions (the .trace format of ../shared/traces), for replay:
 *
 *   # comment
 *   S <t_s> <mem_mb> <cpu_pct>             a sample: memory (MiB) and CPU (% of one core)
 *   T <start_s> <end_s> <tool> [<word>]    a tool call; may start before the first sample
 *
 * Blank lines are ignored. Samples come in non-decreasing time order; between them memory and
 * CPU are interpolated linearly, before the first and after the last they are held. */

typedef struct TraceSample {
        double t_s;
        double mem_mb;
        double cpu_pct;
} TraceSample;

typedef struct TraceTool {
        double start_s;
        double end_s;
        char *tool;
        char *word;     /* first word of a Bash command, or NULL */
} TraceTool;

typedef struct Trace {
        TraceSample *samples;   /* at least one */
        size_t n_samples;
        TraceTool *tools;       /* in file order */
        size_t n_tools;
} Trace;

/* Reads a whole trace from f. path is only used in error messages. On bad input returns
 * -EINVAL and, when ret_error is not NULL, a message "PATH:LINE: what is wrong" (or "PATH: ..."
 * for faults of the whole file) that the caller frees. -ENOMEM and read errors (-EIO) too. */
int trace_parse(FILE *f, const char *path, Trace **ret, char **ret_error);

Trace *trace_free(Trace *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(Trace *, trace_free);

double trace_start_s(const Trace *t);
double trace_end_s(const Trace *t);
/* From the first sample to the last one. */
double trace_duration_s(const Trace *t);

double trace_memory_mb_at(const Trace *t, double t_s);
double trace_cpu_pct_at(const Trace *t, double t_s);
/* The highest memory in (after_s, until_s]: the curve at until_s or a sample in between. A
 * replay whose steps are coarser than the samples uses it so that it never steps over a peak. */
double trace_memory_peak_mb_in(const Trace *t, double after_s, double until_s);

double trace_peak_memory_mb(const Trace *t);
double trace_min_memory_mb(const Trace *t);
double trace_peak_cpu_pct(const Trace *t);
/* Time-weighted over the interpolated curve (the sample value if there is only one sample or
 * all samples share one time). */
double trace_mean_memory_mb(const Trace *t);
