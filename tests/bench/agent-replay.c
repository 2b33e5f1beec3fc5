/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* agent-replay: plays an agent session's resource trace (.trace) as a real workload. A worker
 * process allocates and frees anonymous memory so that it follows the trace's memory curve and
 * burns CPU to follow its CPU curve; the parent stays small, collects what the worker reports
 * through a pipe and writes the results, so they survive the worker being OOM-killed (the OOM
 * killer picks the largest task, which is the worker).
 *
 * See tests/bench/README.md and --help. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#include "config.h"
#include "macro.h"
#include "parse-util.h"
#include "trace.h"
#include "unit-name.h"

#define EXIT_USAGE 2
#define EXIT_TRACE 1
#define EXIT_NOT_FINISHED 3

/* The CPU threads' duty-cycle period. */
#define CPU_PERIOD_NS (10 * (int64_t) 1000000)
#define CPU_THREADS_MAX 64
/* A tick may take up to this many tick lengths of replay time; a worker stalled for longer
 * (allocating, throttled, frozen) falls behind, which shows in its completion time. */
#define TICK_CATCH_UP 2
#define SLOW_GAP_MS 100.0
/* How long the results wait for tool-call scopes still running when the worker ends. */
#define TOOL_REAP_TIMEOUT_NS (30 * (int64_t) 1000000000)
#define CLAMP01(x) MIN(MAX((x), 0.0), 1.0)

extern char **environ;

typedef enum FillMode {
        FILL_TOUCH,     /* one write per page: charged, but compresses to nothing in zram */
        FILL_RANDOM,    /* every byte: incompressible, for swap experiments */
} FillMode;

typedef struct Options {
        double speed;
        double scale;
        double base_mb;         /* < 0: memory as in the trace */
        double max_mb;          /* < 0: no clamp */
        bool have_seed;
        uint64_t seed;
        double jitter;          /* < 0: default (0.1 with --seed, else 0) */
        unsigned chunk_mb;
        FillMode fill;
        bool cpu;
        unsigned tick_ms;
        bool tool_scopes;
        const char *slice;
        char *label;
        const char *json_path;
        bool progress;
        const char *trace_path;
} Options;

/* What the worker tells the parent, one fixed-size write per event (atomic on a pipe). */
typedef enum RecordType {
        RECORD_TICK,            /* a: replay clock (trace s), b: target MiB, c: held MiB,
                                 * d: ms spent allocating in this tick */
        RECORD_ALLOC,           /* a: latency of one chunk (ms), b: held MiB after it */
        RECORD_TOOL,            /* index: tool call (in start order) whose start was reached */
        RECORD_DONE,            /* the replay reached the end of the trace */
        RECORD_FAILED,          /* index: errno of a failed allocation */
} RecordType;

typedef struct Record {
        uint32_t type;
        uint32_t index;
        int64_t when_ns;        /* CLOCK_MONOTONIC */
        double a, b, c, d;
} Record;

static int64_t now_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * (int64_t) 1000000000 + ts.tv_nsec;
}

static void sleep_until_ns(int64_t t) {
        struct timespec ts = { .tv_sec = t / 1000000000, .tv_nsec = t % 1000000000 };

        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
                ;
}

/* splitmix64: a well-mixed 64-bit hash, enough for jitter and fill patterns. */
static uint64_t mix64(uint64_t x) {
        x += UINT64_C(0x9e3779b97f4a7c15);
        x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
        return x ^ (x >> 31);
}

/* ---- the worker ---------------------------------------------------------------------------- */

static atomic_int cpu_target_centipct;     /* the CPU curve now, in 1/100 % of one core */
static atomic_bool cpu_stop;

/* Thread k of n is busy for (cpu% / 100 - k) of each period, clamped to [0, 1]: together they
 * use cpu% of one core. */
static void *cpu_thread(void *userdata) {
        unsigned k = (unsigned) (uintptr_t) userdata;
        int64_t period_start = now_ns();
        volatile uint64_t spin = 0;

        while (!atomic_load(&cpu_stop)) {
                double duty = atomic_load(&cpu_target_centipct) / 10000.0 - k;
                int64_t busy_until = period_start + (int64_t) (CLAMP01(duty) * CPU_PERIOD_NS), t;

                while (now_ns() < busy_until)
                        spin++;
                period_start += CPU_PERIOD_NS;
                t = now_ns();
                /* Starved of CPU for more than a period: do not try to make up for it. */
                if (period_start < t - CPU_PERIOD_NS)
                        period_start = t;
                sleep_until_ns(period_start);
        }
        return NULL;
}

typedef struct Worker {
        const Options *options;
        const Trace *trace;
        const size_t *tool_order;
        int fd;
        pid_t parent;
        size_t page_size;
        size_t chunk_bytes;
        void **chunks;
        size_t n_chunks;
        size_t chunks_allocated;
        uint64_t fill_state;
        pthread_t cpu_threads[CPU_THREADS_MAX];
        unsigned n_cpu_threads;
} Worker;

static void send_record(Worker *w, RecordType type, uint32_t index, int64_t when, double a, double b, double c,
                        double d) {
        Record rec = { .type = type, .index = index, .when_ns = when, .a = a, .b = b, .c = c, .d = d };
        const char *p = (const char *) &rec;
        size_t left = sizeof rec;

        while (left > 0) {
                ssize_t n = write(w->fd, p, left);

                if (n < 0 && errno == EINTR)
                        continue;
                /* The parent is gone: nobody would see the results. */
                if (n <= 0)
                        _exit(EXIT_FAILURE);
                p += n;
                left -= (size_t) n;
        }
}

static double held_mb(const Worker *w) {
        return (double) w->n_chunks * w->options->chunk_mb;
}

/* --seed: every sample's memory times 1 +- jitter, drawn from the seed and the sample's index,
 * before anything else. The jittered curve is then replayed like any other, so one seed gives
 * one curve whatever the speed and tick length. */
static void jitter_samples(const Options *o, Trace *t) {
        uint64_t base = mix64(o->seed);

        for (size_t i = 0; i < t->n_samples; i++) {
                double u = (double) (mix64(base ^ i) >> 11) / (double) (UINT64_C(1) << 53);

                t->samples[i].mem_mb *= 1 + o->jitter * (2 * u - 1);
        }
}

/* The order of the transformations is documented in --help and README.md. The peak since the
 * previous tick, so that ticks coarser than the samples (high speeds) never skip a peak. */
static double target_mb(const Options *o, const Trace *t, double previous_s, double trace_s) {
        double m = trace_memory_peak_mb_in(t, previous_s, trace_s);

        if (o->base_mb >= 0)
                m = m - trace_min_memory_mb(t) + o->base_mb;
        m *= o->scale;
        if (o->max_mb >= 0)
                m = MIN(m, o->max_mb);
        return MAX(m, 0.0);
}

static void fill_chunk(Worker *w, char *p) {
        if (w->options->fill == FILL_TOUCH) {
                for (size_t off = 0; off < w->chunk_bytes; off += w->page_size)
                        p[off] = (char) (off / w->page_size) | 1;
                return;
        }
        for (size_t off = 0; off + sizeof(uint64_t) <= w->chunk_bytes; off += sizeof(uint64_t)) {
                uint64_t v = mix64(w->fill_state++);

                memcpy(p + off, &v, sizeof v);
        }
}

static int grow_one_chunk(Worker *w) {
        int64_t t0 = now_ns(), t1;
        char *p;

        if (w->n_chunks == w->chunks_allocated) {
                size_t n = MAX(w->chunks_allocated * 2, (size_t) 256);
                void **a = reallocarray(w->chunks, n, sizeof(void *));

                if (!a)
                        return -ENOMEM;
                w->chunks = a;
                w->chunks_allocated = n;
        }
        p = mmap(NULL, w->chunk_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
                return negative_errno();
        /* Writing is what gets the pages charged; the time it takes is the allocation latency
         * (page faults, reclaim, memory.high throttling). */
        fill_chunk(w, p);
        t1 = now_ns();
        w->chunks[w->n_chunks++] = p;
        send_record(w, RECORD_ALLOC, 0, t1, (t1 - t0) / 1e6, held_mb(w), 0, 0);
        return 0;
}

static int follow_memory(Worker *w, double target) {
        size_t wanted = (size_t) llround(target / w->options->chunk_mb);
        int r;

        while (w->n_chunks < wanted) {
                r = grow_one_chunk(w);
                if (r < 0)
                        return r;
        }
        while (w->n_chunks > wanted) {
                w->n_chunks--;
                munmap(w->chunks[w->n_chunks], w->chunk_bytes);
        }
        return 0;
}

static void start_cpu_threads(Worker *w) {
        double peak = trace_peak_cpu_pct(w->trace);
        unsigned n = (unsigned) MIN(ceil(peak / 100), (double) CPU_THREADS_MAX);

        for (unsigned k = 0; k < n; k++) {
                if (pthread_create(&w->cpu_threads[k], NULL, cpu_thread, (void *) (uintptr_t) k) != 0) {
                        fprintf(stderr, "agent-replay: cannot start CPU thread %u: %m\n", k);
                        break;
                }
                w->n_cpu_threads++;
        }
}

static void stop_cpu_threads(Worker *w) {
        atomic_store(&cpu_stop, true);
        for (unsigned k = 0; k < w->n_cpu_threads; k++)
                pthread_join(w->cpu_threads[k], NULL);
}

static int worker_run(Worker *w) {
        const Options *o = w->options;
        const Trace *t = w->trace;
        int64_t tick_ns = (int64_t) o->tick_ms * 1000000, last, deadline;
        double trace_s = trace_start_s(t), end_s = trace_end_s(t);
        size_t next_tool = 0;

        /* An orphaned worker would go on holding memory. */
        (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != w->parent)
                return EXIT_FAILURE;
        w->page_size = (size_t) sysconf(_SC_PAGESIZE);
        w->chunk_bytes = (size_t) o->chunk_mb << 20;
        w->fill_state = mix64(o->seed);
        if (o->cpu)
                start_cpu_threads(w);

        last = deadline = now_ns();
        for (;;) {
                int64_t tick_start = now_ns(), allocating_ns;
                double previous_s = trace_s;
                int r;

                trace_s += (double) MIN(tick_start - last, TICK_CATCH_UP * tick_ns) / 1e9 * o->speed;
                trace_s = MIN(trace_s, end_s);
                last = tick_start;

                atomic_store(&cpu_target_centipct, (int) lround(trace_cpu_pct_at(t, trace_s) * 100));
                for (; next_tool < t->n_tools && t->tools[w->tool_order[next_tool]].start_s <= trace_s; next_tool++)
                        send_record(w, RECORD_TOOL, (uint32_t) next_tool, tick_start, 0, 0, 0, 0);

                double target = target_mb(o, t, previous_s, trace_s);
                allocating_ns = now_ns();
                r = follow_memory(w, target);
                if (r < 0) {
                        send_record(w, RECORD_FAILED, (uint32_t) -r, now_ns(), trace_s, target, held_mb(w), 0);
                        return EXIT_FAILURE;
                }
                allocating_ns = now_ns() - allocating_ns;
                send_record(w, RECORD_TICK, 0, tick_start, trace_s, target, held_mb(w), allocating_ns / 1e6);
                if (trace_s >= end_s)
                        break;

                /* Behind schedule: go on at once, but do not burst to catch up. */
                int64_t t_done = now_ns();
                deadline = MAX(deadline + tick_ns, t_done);
                sleep_until_ns(deadline);
        }

        send_record(w, RECORD_DONE, 0, now_ns(), trace_s, 0, 0, 0);
        stop_cpu_threads(w);
        return EXIT_SUCCESS;
}

/* ---- the parent ---------------------------------------------------------------------------- */

/* The trace as in the file, before --seed changes it. */
typedef struct TraceSummary {
        size_t samples;
        size_t tool_calls;
        double duration_s;
        double mean_mb;
        double peak_mb;
        double min_mb;
        double peak_cpu_pct;
} TraceSummary;

typedef struct ToolScope {
        pid_t pid;              /* 0 once reaped */
} ToolScope;

typedef struct Results {
        TraceSummary trace;
        int64_t start_ns;
        pid_t worker;

        double *latencies_ms;
        size_t n_latencies;
        size_t latencies_allocated;
        double held_peak_mb;
        double target_peak_mb;

        size_t ticks;
        int64_t last_tick_ns;
        double last_tick_alloc_ms;
        double max_gap_ms;
        double max_gap_at_s;
        double max_other_gap_ms;        /* the gap minus the earlier tick's allocating */
        double max_other_gap_at_s;
        size_t slow_gaps;
        double trace_s;         /* replay clock at the last tick */

        bool done;
        int64_t done_ns;
        int failed_errno;

        int status;
        struct rusage rusage;
        int64_t end_ns;

        ToolScope *tools;
        size_t tools_started;
        size_t tools_failed;
        size_t tools_unfinished;
        char *tool_error;

        int64_t next_progress_ns;
} Results;

static volatile sig_atomic_t worker_for_signals;

/* SIGINT/SIGTERM end the worker, not the parent: the results still get written. */
static void forward_signal(int sig) {
        if (worker_for_signals > 0)
                kill(worker_for_signals, sig);
}

static void options_done(Options *o) {
        free(o->label);
}

static void results_done(Results *res) {
        free(res->latencies_ms);
        free(res->tools);
        free(res->tool_error);
}

static void tool_spawn(const Options *o, const Trace *t, const size_t *order, size_t k, Results *res) {
        const TraceTool *tool = &t->tools[order[k]];
        _cleanup_(freep) char *unit = NULL, *slice = NULL, *description = NULL, *duration = NULL;
        posix_spawn_file_actions_t actions;
        char *argv[16];
        size_t n = 0;
        pid_t pid;
        int r;

        unit = asprintf_safe("--unit=%s-tool-%zu", o->label, k + 1);
        description = asprintf_safe("--description=agent-replay %s tool call %zu: %s%s%s", o->label, k + 1,
                                    tool->tool, tool->word ? " " : "", strempty(tool->word));
        duration = asprintf_safe("%.3f", (tool->end_s - tool->start_s) / o->speed);
        if (o->slice)
                slice = asprintf_safe("--slice=%s", o->slice);
        if (!unit || !description || !duration || (o->slice && !slice)) {
                res->tools_failed++;
                return;
        }
        argv[n++] = (char *) "systemd-run";
        argv[n++] = (char *) "--scope";
        argv[n++] = (char *) "--quiet";
        argv[n++] = unit;
        argv[n++] = description;
        if (slice)
                argv[n++] = slice;
        argv[n++] = (char *) "--";
        argv[n++] = (char *) "sleep";
        argv[n++] = duration;
        argv[n] = NULL;

        /* stdout may carry the JSON (--json -): keep it clean; errors still show on stderr. */
        r = posix_spawn_file_actions_init(&actions);
        if (r == 0)
                r = posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        if (r == 0)
                r = posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        if (r == 0)
                r = posix_spawnp(&pid, "systemd-run", &actions, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&actions);
        if (r != 0) {
                res->tools_failed++;
                if (!res->tool_error)
                        res->tool_error = asprintf_safe("cannot run systemd-run: %s", strerror(r));
                return;
        }
        res->tools[k].pid = pid;
        res->tools_started++;
}

static void tool_account(Results *res, ToolScope *s, int status) {
        s->pid = 0;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return;
        res->tools_failed++;
        if (!res->tool_error)
                res->tool_error = WIFEXITED(status)
                        ? asprintf_safe("systemd-run exited with status %d", WEXITSTATUS(status))
                        : asprintf_safe("systemd-run killed by signal %s", strna(sigabbrev_np(WTERMSIG(status))));
}

/* Collects the tool-call processes that ended; with wait_all, waits for all until until_ns. */
static void tools_reap(Results *res, size_t n_tools, bool wait_all, int64_t until_ns) {
        for (;;) {
                size_t running = 0;

                for (size_t i = 0; i < n_tools; i++) {
                        int status;
                        pid_t p;

                        if (res->tools[i].pid <= 0)
                                continue;
                        p = waitpid(res->tools[i].pid, &status, WNOHANG);
                        if (p == res->tools[i].pid)
                                tool_account(res, &res->tools[i], status);
                        else if (p < 0 && errno == ECHILD)
                                res->tools[i].pid = 0;
                        else
                                running++;
                }
                if (running == 0 || !wait_all)
                        return;
                if (now_ns() >= until_ns) {
                        res->tools_unfinished = running;
                        return;
                }
                (void) poll(NULL, 0, 10);
        }
}

static void print_progress(const Options *o, const Trace *t, const Results *res, const Record *rec) {
        double duration = trace_duration_s(t);

        fprintf(stderr, "agent-replay %s: %6.1f s, trace %5.1f%% (%.1f/%.1f s), target %.0f MiB, held %.0f MiB, %zu allocations\n",
                o->label, (rec->when_ns - res->start_ns) / 1e9,
                duration > 0 ? 100 * (rec->a - trace_start_s(t)) / duration : 100.0,
                rec->a - trace_start_s(t), duration, rec->b, rec->c, res->n_latencies);
}

static int handle_record(const Options *o, const Trace *t, const size_t *order, Results *res, const Record *rec) {
        switch ((RecordType) rec->type) {

        case RECORD_TICK:
                if (res->ticks > 0) {
                        double gap = (rec->when_ns - res->last_tick_ns) / 1e6;
                        double other = gap - res->last_tick_alloc_ms;
                        double at = (res->last_tick_ns - res->start_ns) / 1e9;

                        if (gap > res->max_gap_ms) {
                                res->max_gap_ms = gap;
                                res->max_gap_at_s = at;
                        }
                        if (other > res->max_other_gap_ms) {
                                res->max_other_gap_ms = other;
                                res->max_other_gap_at_s = at;
                        }
                        if (gap > SLOW_GAP_MS)
                                res->slow_gaps++;
                }
                res->ticks++;
                res->last_tick_ns = rec->when_ns;
                res->last_tick_alloc_ms = rec->d;
                res->trace_s = rec->a;
                res->target_peak_mb = MAX(res->target_peak_mb, rec->b);
                if (o->progress && rec->when_ns >= res->next_progress_ns) {
                        print_progress(o, t, res, rec);
                        res->next_progress_ns = rec->when_ns + 1000000000;
                }
                return 0;

        case RECORD_ALLOC:
                if (res->n_latencies == res->latencies_allocated) {
                        size_t n = MAX(res->latencies_allocated * 2, (size_t) 1024);
                        double *a = reallocarray(res->latencies_ms, n, sizeof(double));

                        if (!a)
                                return -ENOMEM;
                        res->latencies_ms = a;
                        res->latencies_allocated = n;
                }
                res->latencies_ms[res->n_latencies++] = rec->a;
                res->held_peak_mb = MAX(res->held_peak_mb, rec->b);
                return 0;

        case RECORD_TOOL:
                if (o->tool_scopes && rec->index < t->n_tools)
                        tool_spawn(o, t, order, rec->index, res);
                tools_reap(res, t->n_tools, false, 0);
                return 0;

        case RECORD_DONE:
                res->done = true;
                res->done_ns = rec->when_ns;
                res->trace_s = rec->a;
                return 0;

        case RECORD_FAILED:
                res->failed_errno = (int) rec->index;
                res->trace_s = rec->a;
                return 0;
        }
        return -EBADMSG;
}

/* Reads the worker's records until it closes the pipe (it exited or was killed). */
static int collect(const Options *o, const Trace *t, const size_t *order, int fd, Results *res) {
        Record rec;
        size_t have = 0;
        int r;

        for (;;) {
                ssize_t n = read(fd, (char *) &rec + have, sizeof rec - have);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return negative_errno();
                if (n == 0)
                        return 0;
                have += (size_t) n;
                if (have < sizeof rec)
                        continue;
                have = 0;
                r = handle_record(o, t, order, res, &rec);
                if (r < 0)
                        return r;
        }
}

/* ---- results ------------------------------------------------------------------------------- */

static int compare_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;

        return (x > y) - (x < y);
}

/* Nearest rank: the smallest sample with at least p% of all samples at or below it. */
static double percentile_sorted(const double *sorted, size_t n, double p) {
        size_t rank;

        if (n == 0)
                return NAN;
        rank = (size_t) ceil(p / 100 * (double) n);
        return sorted[MIN(MAX(rank, (size_t) 1), n) - 1];
}

/* With a fixed number of decimals (as given, for options: decimals < 0), never "nan". */
static struct json_object *json_number(double v, int decimals) {
        char buf[64];

        /* JSON has no NaN or infinity. */
        if (!isfinite(v))
                return NULL;
        if (decimals < 0)
                snprintf(buf, sizeof buf, "%.10g", v);
        else
                snprintf(buf, sizeof buf, "%.*f", decimals, v);
        return json_object_new_double_s(v, buf);
}

#define JSON_ADD(obj, key, value) json_object_object_add((obj), (key), (value))

static struct json_object *json_options(const Options *o) {
        struct json_object *j = json_object_new_object();

        JSON_ADD(j, "speed", json_number(o->speed, -1));
        JSON_ADD(j, "scale", json_number(o->scale, -1));
        JSON_ADD(j, "base_mb", o->base_mb >= 0 ? json_number(o->base_mb, -1) : NULL);
        JSON_ADD(j, "max_mb", o->max_mb >= 0 ? json_number(o->max_mb, -1) : NULL);
        JSON_ADD(j, "seed", o->have_seed ? json_object_new_uint64(o->seed) : NULL);
        JSON_ADD(j, "jitter", json_number(o->jitter, -1));
        JSON_ADD(j, "chunk_mb", json_object_new_int((int) o->chunk_mb));
        JSON_ADD(j, "fill", json_object_new_string(o->fill == FILL_TOUCH ? "touch" : "random"));
        JSON_ADD(j, "cpu", json_object_new_boolean(o->cpu));
        JSON_ADD(j, "tick_ms", json_object_new_int((int) o->tick_ms));
        JSON_ADD(j, "tool_scopes", json_object_new_boolean(o->tool_scopes));
        JSON_ADD(j, "slice", o->slice ? json_object_new_string(o->slice) : NULL);
        return j;
}

static struct json_object *json_trace_summary(const TraceSummary *summary) {
        struct json_object *j = json_object_new_object();

        JSON_ADD(j, "samples", json_object_new_uint64(summary->samples));
        JSON_ADD(j, "tool_calls", json_object_new_uint64(summary->tool_calls));
        JSON_ADD(j, "duration_s", json_number(summary->duration_s, 3));
        JSON_ADD(j, "mean_mb", json_number(summary->mean_mb, 1));
        JSON_ADD(j, "peak_mb", json_number(summary->peak_mb, 1));
        JSON_ADD(j, "min_mb", json_number(summary->min_mb, 1));
        JSON_ADD(j, "peak_cpu_pct", json_number(summary->peak_cpu_pct, 1));
        return j;
}

static struct json_object *json_alloc(const Results *res, const double *sorted, bool with_samples) {
        struct json_object *j = json_object_new_object(), *list;
        size_t n = res->n_latencies;
        double total = 0;

        for (size_t i = 0; i < n; i++)
                total += res->latencies_ms[i];
        JSON_ADD(j, "count", json_object_new_uint64(n));
        JSON_ADD(j, "p50_ms", json_number(percentile_sorted(sorted, n, 50), 3));
        JSON_ADD(j, "p95_ms", json_number(percentile_sorted(sorted, n, 95), 3));
        JSON_ADD(j, "p99_ms", json_number(percentile_sorted(sorted, n, 99), 3));
        JSON_ADD(j, "max_ms", json_number(n > 0 ? sorted[n - 1] : NAN, 3));
        JSON_ADD(j, "mean_ms", json_number(n > 0 ? total / (double) n : NAN, 3));
        JSON_ADD(j, "total_ms", json_number(total, 3));
        if (!with_samples)
                return j;
        /* In the order they happened. */
        list = json_object_new_array_ext((int) n);
        for (size_t i = 0; i < n; i++)
                json_object_array_add(list, json_number(res->latencies_ms[i], 3));
        JSON_ADD(j, "samples_ms", list);
        return j;
}

static struct json_object *json_results(const Options *o, const Trace *t, const Results *res,
                                        const double *sorted, bool with_samples) {
        struct json_object *j = json_object_new_object(), *stall, *memory, *tools;
        double duration = trace_duration_s(t), nominal = duration / o->speed;
        double wall = (res->end_ns - res->start_ns) / 1e9;
        const char *end;

        if (WIFEXITED(res->status) && WEXITSTATUS(res->status) == 0 && res->done)
                end = "finished";
        else if (WIFSIGNALED(res->status))
                end = "killed";
        else
                end = "failed";

        JSON_ADD(j, "label", json_object_new_string(o->label));
        JSON_ADD(j, "trace", json_object_new_string(o->trace_path));
        JSON_ADD(j, "version", json_object_new_string(PACKAGE_VERSION));
        JSON_ADD(j, "options", json_options(o));
        JSON_ADD(j, "trace_summary", json_trace_summary(&res->trace));

        JSON_ADD(j, "end", json_object_new_string(end));
        JSON_ADD(j, "exit_code", WIFEXITED(res->status) ? json_object_new_int(WEXITSTATUS(res->status)) : NULL);
        JSON_ADD(j, "signal", WIFSIGNALED(res->status) ? json_object_new_int(WTERMSIG(res->status)) : NULL);
        JSON_ADD(j, "signal_name", WIFSIGNALED(res->status) && sigabbrev_np(WTERMSIG(res->status))
                 ? json_object_new_string(sigabbrev_np(WTERMSIG(res->status))) : NULL);
        if (res->failed_errno > 0) {
                char error[256];

                snprintf(error, sizeof error, "allocation failed: %s", strerror(res->failed_errno));
                JSON_ADD(j, "error", json_object_new_string(error));
        } else
                JSON_ADD(j, "error", NULL);
        JSON_ADD(j, "worker_pid", json_object_new_int(res->worker));

        JSON_ADD(j, "wall_s", json_number(wall, 3));
        JSON_ADD(j, "completion_s", res->done ? json_number((res->done_ns - res->start_ns) / 1e9, 3) : NULL);
        JSON_ADD(j, "nominal_s", json_number(nominal, 3));
        JSON_ADD(j, "slowdown", res->done && nominal > 0
                 ? json_number((res->done_ns - res->start_ns) / 1e9 / nominal, 3) : NULL);
        JSON_ADD(j, "replayed_s", json_number(res->ticks > 0 ? res->trace_s - trace_start_s(t) : 0, 3));
        JSON_ADD(j, "progress", json_number(res->ticks > 0 && duration > 0
                                            ? (res->trace_s - trace_start_s(t)) / duration
                                            : (res->done ? 1.0 : 0.0), 4));
        /* ru_maxrss is in KiB; wait4() reports it even for a killed worker. */
        JSON_ADD(j, "peak_rss_mb", json_number(res->rusage.ru_maxrss / 1024.0, 1));

        memory = json_object_new_object();
        JSON_ADD(memory, "target_peak_mb", json_number(res->target_peak_mb, 1));
        JSON_ADD(memory, "held_peak_mb", json_number(res->held_peak_mb, 1));
        JSON_ADD(j, "memory", memory);

        stall = json_object_new_object();
        JSON_ADD(stall, "ticks", json_object_new_uint64(res->ticks));
        JSON_ADD(stall, "max_gap_ms", json_number(res->max_gap_ms, 3));
        JSON_ADD(stall, "max_gap_at_s", res->ticks > 1 ? json_number(res->max_gap_at_s, 3) : NULL);
        JSON_ADD(stall, "max_gap_not_allocating_ms", json_number(res->max_other_gap_ms, 3));
        JSON_ADD(stall, "max_gap_not_allocating_at_s", res->ticks > 1 ? json_number(res->max_other_gap_at_s, 3) : NULL);
        JSON_ADD(stall, "gaps_over_100ms", json_object_new_uint64(res->slow_gaps));
        JSON_ADD(stall, "last_tick_to_end_ms", res->ticks > 0
                 ? json_number((res->end_ns - res->last_tick_ns) / 1e6, 3) : NULL);
        JSON_ADD(j, "stall", stall);

        tools = json_object_new_object();
        JSON_ADD(tools, "calls", json_object_new_uint64(t->n_tools));
        JSON_ADD(tools, "started", json_object_new_uint64(res->tools_started));
        JSON_ADD(tools, "failed", json_object_new_uint64(res->tools_failed));
        JSON_ADD(tools, "unfinished", json_object_new_uint64(res->tools_unfinished));
        JSON_ADD(tools, "first_error", res->tool_error ? json_object_new_string(res->tool_error) : NULL);
        JSON_ADD(j, "tools", tools);

        JSON_ADD(j, "alloc", json_alloc(res, sorted, with_samples));
        return j;
}

static int write_results(const Options *o, const Trace *t, const Results *res, FILE *json_file) {
        _cleanup_(freep) double *sorted = NULL;
        struct json_object *j;
        int r = 0;

        sorted = malloc(MAX(res->n_latencies, (size_t) 1) * sizeof(double));
        if (!sorted)
                return -ENOMEM;
        if (res->n_latencies > 0)
                memcpy(sorted, res->latencies_ms, res->n_latencies * sizeof(double));
        qsort(sorted, res->n_latencies, sizeof(double), compare_double);

        if (json_file) {
                j = json_results(o, t, res, sorted, true);
                fputs(json_object_to_json_string_ext(j, JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE),
                      json_file);
                fputc('\n', json_file);
                json_object_put(j);
                if (fflush(json_file) != 0 || ferror(json_file))
                        r = negative_errno();
        }

        /* The human summary: on stdout unless the JSON goes there. */
        if (!o->json_path || !streq(o->json_path, "-")) {
                j = json_results(o, t, res, sorted, false);
                printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                                 JSON_C_TO_STRING_NOSLASHESCAPE));
                json_object_put(j);
        }
        return r;
}

/* ---- command line -------------------------------------------------------------------------- */

static void help(void) {
        printf("agent-replay [OPTIONS] TRACE\n"
               "\n"
               "Replays an agent session's resource trace (.trace): a worker process allocates and\n"
               "frees anonymous memory to follow the trace's memory curve and burns CPU to follow its\n"
               "CPU curve. Reports allocation latency, completion time, peak RSS and how the worker\n"
               "ended (\"finished\", \"killed\" by a signal, e.g. the OOM killer, or \"failed\").\n"
               "\n"
               "Options:\n"
               "  --speed F        time compression: 50 plays the trace 50x faster (default 1)\n"
               "  --scale F        multiply the memory by F (default 1)\n"
               "  --base-mb N      replay the memory minus the trace's minimum plus N MiB\n"
               "                   (default: the memory as in the trace)\n"
               "  --max-mb N       never hold more than N MiB\n"
               "  --seed N         jitter the memory curve, deterministically from N\n"
               "  --jitter F       jitter amplitude, a fraction of the memory (default 0.1 with --seed)\n"
               "  --chunk-mb N     allocation unit in MiB (default 4)\n"
               "  --fill MODE      touch: write one byte per page (default); random: fill whole pages\n"
               "                   with incompressible data (for zram/zswap experiments)\n"
               "  --cpu, --no-cpu  follow the CPU curve with busy threads, duty cycle per 10 ms (default on)\n"
               "  --tick-ms N      update the memory target every N ms of real time (default 10)\n"
               "  --tool-scopes    run each tool call as 'systemd-run --scope ... sleep DURATION/SPEED'\n"
               "                   named LABEL-tool-N.scope, at the trace's pace\n"
               "  --slice SLICE    slice for those scopes (with --tool-scopes)\n"
               "  --label NAME     name in the results and the scope names (default: from TRACE's name)\n"
               "  --json FILE      write the results with every allocation's latency as JSON to FILE,\n"
               "                   '-' for stdout; stdout gets them without that list otherwise\n"
               "  --progress       print progress on stderr once a second\n"
               "  -h, --help       show this help\n"
               "  --version        show the version\n"
               "\n"
               "How it plays: with --seed, each sample's memory is first multiplied by 1 +- JITTER\n"
               "(uniform, from N and the sample's index). Every tick the replay clock moves on by the\n"
               "real time since the last tick times SPEED, but by at most %d ticks' worth: a worker\n"
               "that stalls (allocating, throttled, frozen) finishes later instead of skipping part\n"
               "of the trace. Memory target m: the trace's highest memory since the previous tick (so\n"
               "no peak is stepped over); with --base-mb, m - trace minimum + N; times SCALE; at most\n"
               "MAX-MB; held in whole chunks (m / CHUNK-MB, rounded).\n"
               "\n"
               "Exit status: 0 finished, 1 bad trace, output or system error, 2 bad command line,\n"
               "3 the worker was killed or failed (the results are written all the same).\n",
               TICK_CATCH_UP);
}

static _printf_(1, 2) int usage_error(const char *fmt, ...) {
        va_list ap;

        fputs("agent-replay: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputs("\nTry 'agent-replay --help'.\n", stderr);
        return -EINVAL;
}

/* A finite number in [min, max], or above min when min_exclusive. */
static int parse_number_arg(const char *option, const char *value, double min, bool min_exclusive, double max,
                            double *ret) {
        char *end;
        double v;

        errno = 0;
        v = strtod(value, &end);
        if (isempty(value) || *end != '\0' || errno != 0 || !isfinite(v) ||
            (min_exclusive ? v <= min : v < min) || v > max) {
                if (isinf(max))
                        return usage_error("%s: invalid value '%s' (expected a number %s %g)", option, value,
                                           min_exclusive ? ">" : ">=", min);
                return usage_error("%s: invalid value '%s' (expected a number from %g to %g)", option, value,
                                   min, max);
        }
        *ret = v;
        return 0;
}

static int parse_unsigned_arg(const char *option, const char *value, unsigned min, unsigned max, unsigned *ret) {
        uint64_t v;

        if (parse_uint64(value, &v) < 0 || v < min || v > max)
                return usage_error("%s: invalid value '%s' (expected a whole number from %u to %u)", option,
                                   value, min, max);
        *ret = (unsigned) v;
        return 0;
}

/* The trace's file name without ".trace", with what unit names cannot hold replaced. */
static char *default_label(const char *path) {
        const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        size_t n = strlen(base);
        char *label;

        if (n > 6 && streq(base + n - 6, ".trace"))
                n -= 6;
        label = strndup(n > 0 ? base : "replay", n > 0 ? n : 6);
        if (!label)
                return NULL;
        for (char *p = label; *p; p++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_.-", *p))
                        *p = '_';
        return label;
}

static bool label_is_valid(const char *label) {
        _cleanup_(freep) char *unit = asprintf_safe("%s-tool-999999.scope", label);

        return unit && unit_name_is_valid(unit);
}

static int parse_argv(int argc, char *argv[], Options *o) {
        enum {
                ARG_SPEED = 0x100, ARG_SCALE, ARG_BASE_MB, ARG_MAX_MB, ARG_SEED, ARG_JITTER, ARG_CHUNK_MB,
                ARG_FILL, ARG_CPU, ARG_NO_CPU, ARG_TICK_MS, ARG_TOOL_SCOPES, ARG_SLICE, ARG_LABEL, ARG_JSON,
                ARG_PROGRESS, ARG_VERSION,
        };
        static const struct option options[] = {
                { "speed", required_argument, NULL, ARG_SPEED },
                { "scale", required_argument, NULL, ARG_SCALE },
                { "base-mb", required_argument, NULL, ARG_BASE_MB },
                { "max-mb", required_argument, NULL, ARG_MAX_MB },
                { "seed", required_argument, NULL, ARG_SEED },
                { "jitter", required_argument, NULL, ARG_JITTER },
                { "chunk-mb", required_argument, NULL, ARG_CHUNK_MB },
                { "fill", required_argument, NULL, ARG_FILL },
                { "cpu", no_argument, NULL, ARG_CPU },
                { "no-cpu", no_argument, NULL, ARG_NO_CPU },
                { "tick-ms", required_argument, NULL, ARG_TICK_MS },
                { "tool-scopes", no_argument, NULL, ARG_TOOL_SCOPES },
                { "slice", required_argument, NULL, ARG_SLICE },
                { "label", required_argument, NULL, ARG_LABEL },
                { "json", required_argument, NULL, ARG_JSON },
                { "progress", no_argument, NULL, ARG_PROGRESS },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {}
        };
        const char *label = NULL;
        int c, r = 0;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("agent-replay %s\n", PACKAGE_VERSION);
                        return 0;
                case ARG_SPEED:
                        r = parse_number_arg("--speed", optarg, 0, true, INFINITY, &o->speed);
                        break;
                case ARG_SCALE:
                        r = parse_number_arg("--scale", optarg, 0, false, INFINITY, &o->scale);
                        break;
                case ARG_BASE_MB:
                        r = parse_number_arg("--base-mb", optarg, 0, false, INFINITY, &o->base_mb);
                        break;
                case ARG_MAX_MB:
                        r = parse_number_arg("--max-mb", optarg, 0, false, INFINITY, &o->max_mb);
                        break;
                case ARG_SEED:
                        if (parse_uint64(optarg, &o->seed) < 0)
                                return usage_error("--seed: invalid value '%s' (expected a whole number >= 0)", optarg);
                        o->have_seed = true;
                        break;
                case ARG_JITTER:
                        r = parse_number_arg("--jitter", optarg, 0, false, 1, &o->jitter);
                        break;
                case ARG_CHUNK_MB:
                        r = parse_unsigned_arg("--chunk-mb", optarg, 1, 1024, &o->chunk_mb);
                        break;
                case ARG_FILL:
                        if (streq(optarg, "touch"))
                                o->fill = FILL_TOUCH;
                        else if (streq(optarg, "random"))
                                o->fill = FILL_RANDOM;
                        else
                                return usage_error("--fill: invalid value '%s' (expected touch or random)", optarg);
                        break;
                case ARG_CPU:
                        o->cpu = true;
                        break;
                case ARG_NO_CPU:
                        o->cpu = false;
                        break;
                case ARG_TICK_MS:
                        r = parse_unsigned_arg("--tick-ms", optarg, 1, 10000, &o->tick_ms);
                        break;
                case ARG_TOOL_SCOPES:
                        o->tool_scopes = true;
                        break;
                case ARG_SLICE:
                        if (!unit_name_is_valid(optarg) || unit_name_to_type(optarg) != UNIT_TYPE_SLICE)
                                return usage_error("--slice: '%s' is not a slice name (like agent-s1.slice)", optarg);
                        o->slice = optarg;
                        break;
                case ARG_LABEL:
                        label = optarg;
                        break;
                case ARG_JSON:
                        if (isempty(optarg))
                                return usage_error("--json: expected a file name or '-'");
                        o->json_path = optarg;
                        break;
                case ARG_PROGRESS:
                        o->progress = true;
                        break;
                case '?':
                        /* getopt_long() said what was wrong. */
                        fputs("Try 'agent-replay --help'.\n", stderr);
                        return -EINVAL;
                default:
                        return -EINVAL;
                }
                if (r < 0)
                        return r;
        }

        if (optind >= argc)
                return usage_error("no TRACE file given");
        if (argc - optind > 1)
                return usage_error("one TRACE file only, got '%s' too", argv[optind + 1]);
        o->trace_path = argv[optind];
        if (o->slice && !o->tool_scopes)
                return usage_error("--slice: only used with --tool-scopes");
        if (o->jitter > 0 && !o->have_seed)
                return usage_error("--jitter: needs --seed");
        if (o->jitter < 0)
                o->jitter = o->have_seed ? 0.1 : 0;

        if (label) {
                if (isempty(label) || !label_is_valid(label))
                        return usage_error("--label: '%s' cannot be part of a unit name (letters, digits, ':', '_', '.', '-')",
                                           label);
                o->label = strdup(label);
        } else
                o->label = default_label(o->trace_path);
        if (!o->label)
                return -ENOMEM;
        return 1;
}

static int load_trace(const char *path, Trace **ret) {
        _cleanup_(fclosep) FILE *f = NULL;
        _cleanup_(freep) char *error = NULL;
        int r;

        f = fopen(path, "re");
        if (!f) {
                fprintf(stderr, "agent-replay: %s: %m\n", path);
                return -errno;
        }
        r = trace_parse(f, path, ret, &error);
        if (r < 0) {
                if (error)
                        fprintf(stderr, "agent-replay: %s\n", error);
                else
                        fprintf(stderr, "agent-replay: %s: %s\n", path, strerror(-r));
        }
        return r;
}

/* Tool calls in the order the replay reaches them. */
static int compare_tool_start(const void *a, const void *b, void *userdata) {
        const Trace *t = userdata;
        size_t i = *(const size_t *) a, j = *(const size_t *) b;
        double x = t->tools[i].start_s, y = t->tools[j].start_s;

        return x < y ? -1 : x > y ? 1 : (i > j) - (i < j);
}

static size_t *tools_in_start_order(const Trace *t) {
        size_t *order = malloc(MAX(t->n_tools, (size_t) 1) * sizeof(size_t));

        if (!order)
                return NULL;
        for (size_t i = 0; i < t->n_tools; i++)
                order[i] = i;
        qsort_r(order, t->n_tools, sizeof(size_t), compare_tool_start, (void *) t);
        return order;
}

/* Forks the worker; SIGINT and SIGTERM reach the parent from here on, which hands them on. */
static pid_t start_worker(const Options *o, const Trace *t, const size_t *order, int *ret_fd) {
        struct sigaction sa = { .sa_handler = forward_signal };
        pid_t pid, parent = getpid();
        sigset_t mask, saved;
        int fds[2];

        if (pipe2(fds, O_CLOEXEC) < 0)
                return negative_errno();
        /* Room for a burst of records while the parent is not scheduled. */
        (void) fcntl(fds[0], F_SETPIPE_SZ, 1 << 20);

        /* Blocked until worker_for_signals is set, so that no signal falls in between. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigprocmask(SIG_BLOCK, &mask, &saved);
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);

        fflush(NULL);
        pid = fork();
        if (pid == 0) {
                Worker w = { .options = o, .trace = t, .tool_order = order, .fd = fds[1], .parent = parent };

                close(fds[0]);
                signal(SIGINT, SIG_DFL);
                signal(SIGTERM, SIG_DFL);
                sigprocmask(SIG_SETMASK, &saved, NULL);
                _exit(worker_run(&w));
        }
        if (pid < 0) {
                int r = negative_errno();

                close(fds[0]);
                close(fds[1]);
                sigprocmask(SIG_SETMASK, &saved, NULL);
                return r;
        }
        worker_for_signals = pid;
        sigprocmask(SIG_SETMASK, &saved, NULL);
        close(fds[1]);
        *ret_fd = fds[0];
        return pid;
}

int main(int argc, char *argv[]) {
        _cleanup_(options_done) Options o = {
                .speed = 1, .scale = 1, .base_mb = -1, .max_mb = -1, .jitter = -1,
                .chunk_mb = 4, .fill = FILL_TOUCH, .cpu = true, .tick_ms = 10,
        };
        _cleanup_(trace_freep) Trace *t = NULL;
        _cleanup_(freep) size_t *order = NULL;
        _cleanup_(fclosep) FILE *json_file = NULL;
        _cleanup_(closep) int fd = -1;
        _cleanup_(results_done) Results res = {};
        bool output_failed = false;
        int r;

        r = parse_argv(argc, argv, &o);
        if (r <= 0)
                return r < 0 ? EXIT_USAGE : EXIT_SUCCESS;

        if (load_trace(o.trace_path, &t) < 0)
                return EXIT_TRACE;
        /* Open the output first: a typo should not cost a whole replay. */
        if (o.json_path && !streq(o.json_path, "-")) {
                json_file = fopen(o.json_path, "we");
                if (!json_file) {
                        fprintf(stderr, "agent-replay: --json: cannot open '%s': %m\n", o.json_path);
                        return EXIT_USAGE;
                }
        }
        res.trace = (TraceSummary) {
                .samples = t->n_samples,
                .tool_calls = t->n_tools,
                .duration_s = trace_duration_s(t),
                .mean_mb = trace_mean_memory_mb(t),
                .peak_mb = trace_peak_memory_mb(t),
                .min_mb = trace_min_memory_mb(t),
                .peak_cpu_pct = trace_peak_cpu_pct(t),
        };
        if (o.jitter > 0)
                jitter_samples(&o, t);
        order = tools_in_start_order(t);
        res.tools = calloc(MAX(t->n_tools, (size_t) 1), sizeof(ToolScope));
        if (!order || !res.tools) {
                fprintf(stderr, "agent-replay: out of memory\n");
                return EXIT_FAILURE;
        }

        res.start_ns = now_ns();
        res.next_progress_ns = res.start_ns;
        res.worker = start_worker(&o, t, order, &fd);
        if (res.worker < 0) {
                fprintf(stderr, "agent-replay: cannot start the worker: %s\n", strerror(-res.worker));
                return EXIT_FAILURE;
        }

        r = collect(&o, t, order, fd, &res);
        if (r < 0) {
                /* Without its records the run means nothing: end it. */
                fprintf(stderr, "agent-replay: reading the worker's records: %s\n", strerror(-r));
                kill(res.worker, SIGKILL);
        }
        while (wait4(res.worker, &res.status, 0, &res.rusage) < 0)
                if (errno != EINTR) {
                        fprintf(stderr, "agent-replay: waiting for the worker: %m\n");
                        return EXIT_FAILURE;
                }
        res.end_ns = now_ns();
        worker_for_signals = 0;
        tools_reap(&res, t->n_tools, true, res.end_ns + TOOL_REAP_TIMEOUT_NS);

        if (o.json_path && streq(o.json_path, "-")) {
                json_file = fdopen(dup(STDOUT_FILENO), "w");
                if (!json_file) {
                        fprintf(stderr, "agent-replay: --json: cannot write to stdout: %m\n");
                        output_failed = true;
                }
        }
        r = write_results(&o, t, &res, json_file);
        if (r < 0) {
                fprintf(stderr, "agent-replay: cannot write the results: %s\n", strerror(-r));
                output_failed = true;
        } else if (json_file && fclose(TAKE_PTR(json_file)) != 0) {
                fprintf(stderr, "agent-replay: --json: cannot write '%s': %m\n", o.json_path);
                output_failed = true;
        }

        if (output_failed)
                return EXIT_TRACE;
        return res.done && WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0 ? EXIT_SUCCESS : EXIT_NOT_FINISHED;
}
