/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The trace parser (trace.c) on the input as a .trace file, and the queries a replay makes of
 * a parsed trace. */

#include <math.h>

#include "fuzz.h"
#include "trace.h"

static void use_trace(const Trace *t) {
        double start = trace_start_s(t), end = trace_end_s(t), peak = trace_peak_memory_mb(t);
        const double probes[] = { -INFINITY, start - 1, start, (start + end) / 2, end, end + 1, INFINITY, NAN };

        FUZZ_ASSERT(t->n_samples > 0);
        FUZZ_ASSERT(start <= end);
        FUZZ_ASSERT(trace_duration_s(t) >= 0);
        FUZZ_ASSERT(trace_min_memory_mb(t) <= peak);
        (void) trace_peak_cpu_pct(t);
        (void) trace_mean_memory_mb(t);

        for (size_t i = 0; i < ELEMENTSOF(probes); i++) {
                (void) trace_memory_mb_at(t, probes[i]);
                (void) trace_cpu_pct_at(t, probes[i]);
                for (size_t k = 0; k < ELEMENTSOF(probes); k++)
                        (void) trace_memory_peak_mb_in(t, probes[i], probes[k]);
        }
        for (size_t i = 0; i < t->n_tools; i++) {
                FUZZ_ASSERT(t->tools[i].tool);
                FUZZ_ASSERT(t->tools[i].start_s <= t->tools[i].end_s);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(trace_freep) Trace *t = NULL;
        _cleanup_(freep) char *buf = NULL, *error = NULL;
        _cleanup_(fclosep) FILE *f = NULL;
        int r;

        f = fuzz_fmemopen(data, size, &buf);
        if (!f)
                return 0;
        r = trace_parse(f, "fuzz.trace", &t, &error);
        if (r < 0) {
                FUZZ_ASSERT(!t);
                FUZZ_ASSERT(r != -EINVAL || error); /* bad input is always explained */
                return 0;
        }
        FUZZ_ASSERT(!error);
        use_trace(t);
        return 0;
}
