/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* scope-churn: creates transient scopes through systemd's D-Bus API at a steady rate, each
 * holding a child process that only waits, and kills the child after a lifetime so that the scope
 * stops and is collected: the unit churn of VM case 39. The calls are asynchronous, up to
 * --window scopes starting at once, so that the rate is the target's or PID 1's, not one round
 * trip's. The names span the vendor profiles (conf.d/): tool calls and agent runtimes in session
 * slices, tool calls in a batch session, and runtime-like names outside agent.slice that must
 * stay unmanaged. A scope counts as created when its start job finished "done" (JobRemoved), as
 * removed when systemd unloaded it (UnitRemoved). Prints a JSON summary on stdout; --record
 * writes every scope's name, slice, kind and outcome. See --help. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <search.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "parse-util.h"
#include "unit-name.h"

#define SYSTEMD_DEST "org.freedesktop.systemd1"
#define SYSTEMD_PATH "/org/freedesktop/systemd1"
#define SYSTEMD_MANAGER "org.freedesktop.systemd1.Manager"

#define SCOPES_MAX 1000000u
/* Calls in flight are at most the scopes starting: dbus-daemon allows 128 pending replies per
 * connection on the system bus. */
#define WINDOW_MAX 128u
#define SESSIONS_MAX 100u
#define PREFIX_MAX 32u
#define REASONS_MAX 32u
/* After the settle time, how long leftover children get to be reaped before we give up. */
#define REAP_GRACE_USEC (5 * USEC_PER_SEC)

typedef enum Kind {
        KIND_TOOL,      /* PREFIX-tool-N.scope in agent-PREFIXk.slice: a session's tool call */
        KIND_RUNTIME,   /* runtime-PREFIX-N.scope in agent-PREFIXk.slice: an agent runtime */
        KIND_BATCH,     /* PREFIX-batch-N.scope in agent-batchPREFIX.slice: a batch session's tool call */
        KIND_FREE,      /* runtime-PREFIX-free-N.scope in PREFIXfree.slice: outside agent.slice */
        _KIND_MAX,
} Kind;

static const char * const kind_names[_KIND_MAX] = {
        [KIND_TOOL] = "tool",
        [KIND_RUNTIME] = "runtime",
        [KIND_BATCH] = "batch",
        [KIND_FREE] = "free",
};

typedef enum ScopeState {
        SCOPE_SENT,     /* StartTransientUnit in flight */
        SCOPE_STARTING, /* accepted; its start job has not finished */
        SCOPE_RUNNING,  /* start job done: created */
        SCOPE_FAILED,
} ScopeState;

typedef struct Churn Churn;

typedef struct Scope {
        Churn *churn;
        char *name;
        Kind kind;
        unsigned session;
        ScopeState state;
        pid_t pid;              /* the child until it is reaped, 0 after */
        void *stack;            /* the child's stack, until it is reaped */
        bool killed;            /* we sent it SIGKILL */
        bool removed;           /* UnitRemoved seen */
        char *job_result;       /* JobRemoved seen before the call's reply */
        int reason;             /* index into Churn.reasons when failed */
        uint64_t sent_usec, created_usec;
        uint64_t created_realtime;      /* for matching with journal timestamps */
} Scope;

typedef struct Reason {
        char *name;
        unsigned n;
} Reason;

struct Churn {
        /* options */
        double rate;
        uint64_t duration_usec, lifetime_usec, settle_usec;
        unsigned window, sessions;
        unsigned mix[_KIND_MAX];
        const char *prefix;
        const char *record_path;
        bool progress;

        sd_event *event;
        sd_bus *bus;
        sd_event_source *tick;
        uint64_t tick_usec;

        Scope *scopes;
        size_t n_planned, n_sent;
        int mix_current[_KIND_MAX];     /* smooth weighted round-robin */
        size_t *created_order;          /* scopes in the order they were created: their kill order */
        size_t n_created_order, kill_next;
        void *by_pid;                   /* tsearch() of Scope * by pid, for the children not reaped */

        unsigned in_flight, peak_in_flight, n_starting, peak_pending, children, peak_children;
        size_t n_created, n_failed, n_removed_created, n_died_early;
        size_t sent_by_kind[_KIND_MAX], created_by_kind[_KIND_MAX], failed_by_kind[_KIND_MAX];
        unsigned *per_second;           /* scopes created in each second of the sending window */
        size_t n_seconds;
        Reason reasons[REASONS_MAX];
        size_t n_reasons;

        uint64_t t0, sending_end, deadline, last_progress;
        bool sending_done, stopping, final_kill_done;
        char *fatal;                    /* why the run stopped early, if it did */
};

/* ---- names ---- */

static char *session_slice(const Churn *c, unsigned k) {
        return asprintf_safe("agent-%s%u.slice", c->prefix, k);
}

static char *scope_slice(const Churn *c, const Scope *s) {
        switch (s->kind) {
        case KIND_TOOL:
        case KIND_RUNTIME:
                return session_slice(c, s->session);
        case KIND_BATCH:
                return asprintf_safe("agent-batch%s.slice", c->prefix);
        case KIND_FREE:
                return asprintf_safe("%sfree.slice", c->prefix);
        default:
                return NULL;
        }
}

static char *scope_name(const Churn *c, Kind kind, size_t i) {
        switch (kind) {
        case KIND_TOOL:
                return asprintf_safe("%s-tool-%zu.scope", c->prefix, i);
        case KIND_RUNTIME:
                return asprintf_safe("runtime-%s-%zu.scope", c->prefix, i);
        case KIND_BATCH:
                return asprintf_safe("%s-batch-%zu.scope", c->prefix, i);
        case KIND_FREE:
                return asprintf_safe("runtime-%s-free-%zu.scope", c->prefix, i);
        default:
                return NULL;
        }
}

/* Our scope of that name: every name ends in "-<index>.scope". */
static Scope *scope_by_name(Churn *c, const char *name) {
        const char *dash = strrchr(name, '-');
        char *end;
        unsigned long long i;

        if (!dash || !endswith(name, ".scope"))
                return NULL;
        errno = 0;
        i = strtoull(dash + 1, &end, 10);
        if (errno != 0 || end == dash + 1 || !streq(end, ".scope") || i >= c->n_sent)
                return NULL;
        return streq(c->scopes[i].name, name) ? &c->scopes[i] : NULL;
}

static Kind next_kind(Churn *c) {
        int total = 0, best = -1;

        /* Smooth weighted round-robin: the kinds interleave in the proportions of --mix. */
        for (int k = 0; k < _KIND_MAX; k++) {
                c->mix_current[k] += (int) c->mix[k];
                total += (int) c->mix[k];
                if (c->mix[k] > 0 && (best < 0 || c->mix_current[k] > c->mix_current[best]))
                        best = k;
        }
        c->mix_current[best] -= total;
        return (Kind) best;
}

/* ---- outcome bookkeeping ---- */

static int reason_index(Churn *c, const char *name) {
        for (size_t i = 0; i < c->n_reasons; i++)
                if (streq(c->reasons[i].name, name))
                        return (int) i;
        if (c->n_reasons == REASONS_MAX)
                return (int) REASONS_MAX - 1; /* the last one collects the rest */
        c->reasons[c->n_reasons].name = strdup(name);
        if (!c->reasons[c->n_reasons].name)
                return (int) REASONS_MAX - 1;
        return (int) c->n_reasons++;
}

static int pid_compare(const void *a, const void *b) {
        pid_t x = ((const Scope *) a)->pid, y = ((const Scope *) b)->pid;

        return x < y ? -1 : x > y;
}

static void scope_kill(Scope *s) {
        /* Only a child not reaped yet: its pid cannot belong to anyone else. */
        if (s->pid <= 0 || s->killed)
                return;
        if (kill(s->pid, SIGKILL) < 0 && errno != ESRCH)
                fprintf(stderr, "scope-churn: Failed to kill %d (%s): %m\n", (int) s->pid, s->name);
        s->killed = true;
}

static void scope_fail(Scope *s, const char *reason) {
        Churn *c = s->churn;

        if (s->state == SCOPE_STARTING && c->n_starting > 0)
                c->n_starting--;
        s->state = SCOPE_FAILED;
        s->reason = reason_index(c, reason);
        c->reasons[s->reason].n++;
        c->n_failed++;
        c->failed_by_kind[s->kind]++;
        scope_kill(s);
}

static void scope_created(Scope *s) {
        Churn *c = s->churn;
        uint64_t now = now_usec(CLOCK_MONOTONIC);

        if (c->n_starting > 0)
                c->n_starting--;
        s->state = SCOPE_RUNNING;
        s->created_usec = now;
        s->created_realtime = now_usec(CLOCK_REALTIME);
        c->n_created++;
        c->created_by_kind[s->kind]++;
        c->created_order[c->n_created_order++] = (size_t) (s - c->scopes);
        if (now >= c->t0 && (now - c->t0) / USEC_PER_SEC < c->n_seconds)
                c->per_second[(now - c->t0) / USEC_PER_SEC]++;
        if (s->removed)
                c->n_removed_created++;
}

static void scope_job_finished(Scope *s, const char *result) {
        _cleanup_(freep) char *reason = NULL;

        if (streq(result, "done"))
                return scope_created(s);
        reason = asprintf_safe("job-%s", result);
        scope_fail(s, reason ?: "job-failed");
}

static bool error_is_fatal(const sd_bus_error *e) {
        /* Every further call would fail the same way. */
        return sd_bus_error_has_name(e, SD_BUS_ERROR_ACCESS_DENIED) ||
               sd_bus_error_has_name(e, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
               sd_bus_error_has_name(e, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED) ||
               sd_bus_error_has_name(e, SD_BUS_ERROR_UNKNOWN_METHOD);
}

static void churn_stop(Churn *c, const char *why) {
        if (!c->fatal)
                c->fatal = strdup(why);
}

/* ---- the children ---- */

/* fork() copies our page tables and tearing the copy down costs as much again: 1.5 ms and
 * 0.4 ms on the development host, several times that under TCG, where the generator shares the
 * vCPUs with PID 1. A child sharing our memory (CLONE_VM) costs a tenth to make and next to
 * nothing to reap. CLONE_FILES: it holds no copy of the bus socket either. */
#define CHILD_STACK_SIZE (16u * 1024u)

static int child_main(void *userdata) {
        pid_t parent = (pid_t) (intptr_t) userdata;
        sigset_t none;

        /* It shares our TLS too: only calls that write nothing there on success, no locks, no
         * cancellation points (pause() is one), hence the raw ppoll(). */
        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);
        /* A generator that dies leaves no scope behind. */
        (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
                _exit(0);
        for (;;)
                (void) syscall(SYS_ppoll, NULL, 0, NULL, NULL, 0);
        return 0;
}

static int spawn_child(Scope *s) {
        pid_t pid;

        s->stack = malloc(CHILD_STACK_SIZE);
        if (!s->stack)
                return -ENOMEM;
        pid = clone(child_main, (char *) s->stack + CHILD_STACK_SIZE, CLONE_VM | CLONE_FILES | SIGCHLD,
                    (void *) (intptr_t) getpid());
        if (pid < 0) {
                s->stack = mfree(s->stack);
                return -errno;
        }
        s->pid = pid;
        return 0;
}

/* Reaped: its stack is ours again. */
static void scope_reaped(Scope *s) {
        s->pid = 0;
        s->stack = mfree(s->stack);
}

static int on_sigchld(sd_event_source *es, const struct signalfd_siginfo *si, void *userdata) {
        Churn *c = userdata;
        pid_t pid;
        int status;

        while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
                Scope key = { .pid = pid }, **found = tfind(&key, &c->by_pid, pid_compare);
                Scope *s;

                if (!found)
                        continue;
                s = *found;
                tdelete(s, &c->by_pid, pid_compare);
                if (!s->killed)
                        c->n_died_early++;
                scope_reaped(s);
                if (c->children > 0)
                        c->children--;
        }
        return 0;
}

/* ---- systemd ---- */

static int start_done(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Scope *s = userdata;
        Churn *c = s->churn;
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        if (c->in_flight > 0)
                c->in_flight--;
        if (s->state != SCOPE_SENT)
                return 0;
        if (e) {
                if (error_is_fatal(e) && !c->fatal) {
                        _cleanup_(freep) char *why = asprintf_safe("StartTransientUnit(%s) failed: %s (%s)",
                                                                   s->name, e->message, e->name);
                        churn_stop(c, why ?: e->name);
                }
                scope_fail(s, e->name);
                return 0;
        }
        s->state = SCOPE_STARTING;
        c->n_starting++;
        if (s->job_result) {
                scope_job_finished(s, s->job_result);
                s->job_result = mfree(s->job_result);
        }
        return 0;
}

static int on_job_removed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Churn *c = userdata;
        const char *job, *unit, *result;
        uint32_t id;
        Scope *s;

        if (sd_bus_message_read(msg, "uoss", &id, &job, &unit, &result) < 0)
                return 0;
        s = scope_by_name(c, unit);
        if (!s)
                return 0;
        if (s->state == SCOPE_STARTING)
                scope_job_finished(s, result);
        else if (s->state == SCOPE_SENT && !s->job_result)
                s->job_result = strdup(result); /* the reply is still on its way */
        return 0;
}

static int on_unit_removed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Churn *c = userdata;
        const char *unit, *path;
        Scope *s;

        if (sd_bus_message_read(msg, "so", &unit, &path) < 0)
                return 0;
        s = scope_by_name(c, unit);
        if (!s || s->removed)
                return 0;
        s->removed = true;
        if (s->state == SCOPE_RUNNING)
                c->n_removed_created++;
        return 0;
}

static int scope_send(Churn *c) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(freep) char *slice = NULL, *description = NULL;
        Scope *s = &c->scopes[c->n_sent];
        int r;

        *s = (Scope) { .churn = c, .kind = next_kind(c), .state = SCOPE_SENT, .reason = -1 };
        s->session = (unsigned) (c->n_sent % c->sessions);
        s->name = scope_name(c, s->kind, c->n_sent);
        slice = scope_slice(c, s);
        description = asprintf_safe("scope-churn %s scope", kind_names[s->kind]);
        if (!s->name || !slice || !description) {
                s->name = mfree(s->name); /* not sent: churn_done() does not see it */
                churn_stop(c, "out of memory");
                return -ENOMEM;
        }
        c->n_sent++;
        c->sent_by_kind[s->kind]++;
        s->sent_usec = now_usec(CLOCK_MONOTONIC);

        r = spawn_child(s);
        if (r < 0) {
                fprintf(stderr, "scope-churn: Failed to start the process for %s: %s\n", s->name, strerror(-r));
                scope_fail(s, "clone-failed");
                return 0;
        }
        if (!tsearch(s, &c->by_pid, pid_compare)) {
                churn_stop(c, "out of memory");
                scope_fail(s, "out-of-memory");
                return -ENOMEM;
        }
        c->children++;
        c->peak_children = MAX(c->peak_children, c->children);

        r = sd_bus_message_new_method_call(c->bus, &m, SYSTEMD_DEST, SYSTEMD_PATH, SYSTEMD_MANAGER,
                                           "StartTransientUnit");
        if (r >= 0)
                r = sd_bus_message_append(m, "ss", s->name, "fail");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "(sv)");
        if (r >= 0)
                r = sd_bus_message_append(m, "(sv)(sv)(sv)(sv)",
                                          "Slice", "s", slice,
                                          "Description", "s", description,
                                          "PIDs", "au", 1, (uint32_t) s->pid,
                                          /* a scope that ends "failed" goes too: no leftovers */
                                          "CollectMode", "s", "inactive-or-failed");
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_append(m, "a(sa(sv))", 0);
        if (r < 0) {
                fprintf(stderr, "scope-churn: Failed to build StartTransientUnit for %s: %s\n", s->name, strerror(-r));
                churn_stop(c, "cannot build StartTransientUnit");
                scope_fail(s, "message-failed");
                return r;
        }
        /* Floating slot: the bus owns it until the reply; s stays put (the array never moves). */
        r = sd_bus_call_async(c->bus, NULL, m, start_done, s, 0);
        if (r < 0) {
                _cleanup_(freep) char *why = asprintf_safe("Failed to send StartTransientUnit(%s): %s", s->name,
                                                           strerror(-r));

                fprintf(stderr, "scope-churn: %s\n", why ?: "Failed to send StartTransientUnit");
                churn_stop(c, why ?: "send failed");
                scope_fail(s, "send-failed");
                return r;
        }
        c->in_flight++;
        c->peak_in_flight = MAX(c->peak_in_flight, c->in_flight);
        return 0;
}

/* ---- the clock ---- */

/* Scopes sent and not yet created or failed: awaiting the reply or the start job. */
static size_t pending(const Churn *c) {
        return c->n_sent - c->n_created - c->n_failed;
}

static void send_due(Churn *c, uint64_t now) {
        size_t due;

        if (!c->sending_done && (now - c->t0 >= c->duration_usec || c->stopping || c->fatal)) {
                c->sending_done = true;
                c->sending_end = now;
                c->deadline = now + (c->stopping || c->fatal ? 0 : c->lifetime_usec) + c->settle_usec;
        }
        if (c->sending_done)
                return;
        /* Late calls (the window was full) go out as soon as there is room: the target is a
         * count per second, not a fixed spacing. The window counts start jobs too, not only
         * calls: PID 1 runs its job queue only when no bus message waits (idle priority), so
         * calls kept in flight regardless would hold back every start until they stop. */
        due = (size_t) MIN((double) c->n_planned, floor((double) (now - c->t0) * c->rate / USEC_PER_SEC) + 1);
        while (c->n_sent < due && pending(c) < c->window && !c->fatal)
                if (scope_send(c) < 0)
                        break;
        c->peak_pending = MAX(c->peak_pending, (unsigned) pending(c));
}

static void kill_due(Churn *c, uint64_t now) {
        /* Equal lifetimes: creation order is kill order. */
        while (c->kill_next < c->n_created_order) {
                Scope *s = &c->scopes[c->created_order[c->kill_next]];

                if (!c->stopping && s->created_usec + c->lifetime_usec > now)
                        break;
                scope_kill(s);
                c->kill_next++;
        }
}

static void kill_all(Churn *c) {
        for (size_t i = 0; i < c->n_sent; i++)
                scope_kill(&c->scopes[i]);
}

static void progress(Churn *c, uint64_t now) {
        if (!c->progress || now - c->last_progress < USEC_PER_SEC)
                return;
        c->last_progress = now;
        fprintf(stderr, "scope-churn: %5.1fs sent %zu created %zu failed %zu removed %zu in-flight %u starting %u "
                "children %u\n", (double) (now - c->t0) / USEC_PER_SEC, c->n_sent, c->n_created, c->n_failed,
                c->n_removed_created, c->in_flight, c->n_starting, c->children);
}

static bool finished(Churn *c, uint64_t now) {
        if (!c->sending_done)
                return false;
        if (now >= c->deadline) {
                /* Whatever did not settle is reported as such; no child outlives us. */
                if (!c->final_kill_done) {
                        kill_all(c);
                        c->final_kill_done = true;
                }
                return c->children == 0 || now >= c->deadline + REAP_GRACE_USEC;
        }
        return c->in_flight == 0 && c->n_starting == 0 && c->children == 0 &&
               c->n_removed_created == c->n_created;
}

static int on_tick(sd_event_source *es, uint64_t usec, void *userdata) {
        Churn *c = userdata;
        uint64_t now = now_usec(CLOCK_MONOTONIC);
        int r;

        send_due(c, now);
        kill_due(c, now);
        progress(c, now);
        if (finished(c, now))
                return sd_event_exit(c->event, 0);

        r = sd_event_source_set_time(es, usec + c->tick_usec);
        if (r >= 0)
                r = sd_event_source_set_enabled(es, SD_EVENT_ONESHOT);
        if (r < 0) {
                fprintf(stderr, "scope-churn: Failed to rearm the timer: %s\n", strerror(-r));
                return sd_event_exit(c->event, r);
        }
        return 0;
}

static int on_stop_signal(sd_event_source *es, const struct signalfd_siginfo *si, void *userdata) {
        Churn *c = userdata;
        uint64_t now = now_usec(CLOCK_MONOTONIC);

        if (c->stopping)
                return 0;
        fprintf(stderr, "scope-churn: %s: stopping, killing every child.\n", strsignal((int) si->ssi_signo));
        c->stopping = true;
        kill_all(c);
        send_due(c, now);
        c->deadline = MIN(c->deadline, now + REAP_GRACE_USEC);
        return 0;
}

/* ---- the summary ---- */

static void json_string(FILE *f, const char *s) {
        fputc('"', f);
        for (; *s; s++) {
                unsigned char ch = (unsigned char) *s;

                if (ch == '"' || ch == '\\')
                        fprintf(f, "\\%c", ch);
                else if (ch < 0x20)
                        fprintf(f, "\\u%04x", ch);
                else
                        fputc(ch, f);
        }
        fputc('"', f);
}

static int compare_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return x < y ? -1 : x > y;
}

static double percentile_ms(const uint64_t *sorted, size_t n, double p) {
        size_t i;

        if (n == 0)
                return 0;
        i = (size_t) ceil(p * (double) n);
        return (double) sorted[i == 0 ? 0 : MIN(i, n) - 1] / USEC_PER_MSEC;
}

static const char *scope_outcome(const Churn *c, const Scope *s) {
        switch (s->state) {
        case SCOPE_RUNNING:
                return "created";
        case SCOPE_FAILED:
                return c->reasons[s->reason].name;
        case SCOPE_STARTING:
                return "no-job-result";
        default:
                return "no-reply";
        }
}

static int write_record(const Churn *c) {
        _cleanup_(fclosep) FILE *f = NULL;

        f = fopen(c->record_path, "we");
        if (!f) {
                fprintf(stderr, "scope-churn: Failed to open %s: %m\n", c->record_path);
                return -errno;
        }
        for (size_t i = 0; i < c->n_sent; i++) {
                const Scope *s = &c->scopes[i];
                _cleanup_(freep) char *slice = scope_slice(c, s);
                const char *outcome = scope_outcome(c, s);

                fprintf(f, "%s\t%s\t%s\t%s%s\t%s\t%" PRIu64 "\n", s->name, strna(slice), kind_names[s->kind],
                        s->state == SCOPE_RUNNING ? "" : "failed:", outcome, s->removed ? "removed" : "present",
                        s->created_realtime);
        }
        if (fflush(f) != 0 || ferror(f)) {
                fprintf(stderr, "scope-churn: Failed to write %s: %m\n", c->record_path);
                return -EIO;
        }
        return 0;
}

static void print_summary(Churn *c, uint64_t end) {
        double duration_s = (double) c->duration_usec / USEC_PER_SEC, window_s;
        size_t in_window = 0, n_lat = 0, not_removed = 0, unresolved = 0;
        unsigned min = UINT_MAX, max = 0;
        _cleanup_(freep) uint64_t *lat = calloc(c->n_created + 1, sizeof(uint64_t));
        FILE *f = stdout;

        /* The rate over the sending window: what PID 1 kept up with while we asked. */
        window_s = (double) (c->sending_end - c->t0) / USEC_PER_SEC;
        for (size_t i = 0; i < c->n_sent; i++) {
                const Scope *s = &c->scopes[i];

                if (s->state == SCOPE_RUNNING) {
                        if (s->created_usec - c->t0 <= c->sending_end - c->t0)
                                in_window++;
                        if (lat)
                                lat[n_lat++] = s->created_usec - s->sent_usec;
                        if (!s->removed)
                                not_removed++;
                } else if (s->state != SCOPE_FAILED)
                        unresolved++;
        }
        if (lat)
                qsort(lat, n_lat, sizeof(uint64_t), compare_u64);
        /* The first second holds the first round trip: it is left out of the minimum. */
        for (size_t i = 1; i < c->n_seconds && (double) (i + 1) <= window_s + 1e-9; i++) {
                min = MIN(min, c->per_second[i]);
                max = MAX(max, c->per_second[i]);
        }

        fprintf(f, "{\n");
        fprintf(f, "  \"target_rate\": %g,\n  \"duration_s\": %g,\n  \"lifetime_s\": %g,\n  \"window\": %u,\n",
                c->rate, duration_s, (double) c->lifetime_usec / USEC_PER_SEC, c->window);
        fprintf(f, "  \"prefix\": ");
        json_string(f, c->prefix);
        fprintf(f, ",\n  \"requested\": %zu,\n  \"sent\": %zu,\n  \"not_sent\": %zu,\n", c->n_planned, c->n_sent,
                c->n_planned - c->n_sent);
        fprintf(f, "  \"created\": %zu,\n  \"failed\": %zu,\n  \"unresolved\": %zu,\n", c->n_created, c->n_failed,
                unresolved);
        fprintf(f, "  \"failures\": {");
        for (size_t i = 0; i < c->n_reasons; i++) {
                fprintf(f, "%s", i > 0 ? ", " : "");
                json_string(f, c->reasons[i].name);
                fprintf(f, ": %u", c->reasons[i].n);
        }
        fprintf(f, "},\n");
        fprintf(f, "  \"removed\": %zu,\n  \"not_removed\": %zu,\n  \"children_died_early\": %zu,\n",
                c->n_removed_created, not_removed, c->n_died_early);
        fprintf(f, "  \"by_kind\": {");
        for (int k = 0; k < _KIND_MAX; k++)
                fprintf(f, "%s\"%s\": {\"sent\": %zu, \"created\": %zu, \"failed\": %zu}", k > 0 ? ", " : "",
                        kind_names[k], c->sent_by_kind[k], c->created_by_kind[k], c->failed_by_kind[k]);
        fprintf(f, "},\n");
        fprintf(f, "  \"created_in_window\": %zu,\n  \"window_s\": %.3f,\n  \"achieved_rate\": %.2f,\n", in_window,
                window_s, window_s > 0 ? (double) in_window / window_s : 0.0);
        fprintf(f, "  \"per_second_min\": %u,\n  \"per_second_max\": %u,\n  \"per_second\": [",
                min == UINT_MAX ? 0 : min, max);
        for (size_t i = 0; i < c->n_seconds; i++)
                fprintf(f, "%s%u", i > 0 ? ", " : "", c->per_second[i]);
        fprintf(f, "],\n");
        fprintf(f, "  \"start_ms\": {\"p50\": %.1f, \"p90\": %.1f, \"p99\": %.1f, \"max\": %.1f},\n",
                percentile_ms(lat, n_lat, 0.5), percentile_ms(lat, n_lat, 0.9), percentile_ms(lat, n_lat, 0.99),
                percentile_ms(lat, n_lat, 1.0));
        fprintf(f, "  \"peak_in_flight\": %u,\n  \"peak_starting\": %u,\n  \"peak_children\": %u,\n"
                "  \"elapsed_s\": %.3f,\n", c->peak_in_flight, c->peak_pending, c->peak_children,
                (double) (end - c->t0) / USEC_PER_SEC);
        fprintf(f, "  \"interrupted\": %s,\n  \"fatal\": ", c->stopping ? "true" : "false");
        if (c->fatal)
                json_string(f, c->fatal);
        else
                fprintf(f, "null");
        fprintf(f, "\n}\n");
        fflush(f);
}

/* ---- command line ---- */

static void help(void) {
        printf("scope-churn [OPTIONS]\n"
               "\n"
               "Creates transient scopes through systemd's D-Bus API (StartTransientUnit) at a steady\n"
               "rate, each holding a child process that only waits, and kills that process after the\n"
               "lifetime so that the scope stops and systemd unloads it. Needs systemd as PID 1 and the\n"
               "right to create units on the system bus (root).\n"
               "\n"
               "Options:\n"
               "  --rate N         scopes per second to ask for (default 100)\n"
               "  --duration T     how long to ask, e.g. 60, 90s, 2min (default 60s)\n"
               "  --lifetime T     how long each scope's process lives once its start job is done\n"
               "                   (default 5s; 0 kills it at once)\n"
               "  --settle T       how long to wait, beyond the lifetime after the last call went out,\n"
               "                   for the last replies and for systemd to unload the scopes (default 60s)\n"
               "  --prefix P       name prefix, letters, digits and '_', at most %u (default churn)\n"
               "  --window N       scopes starting at once at most, 1 to %u (default 8): calls awaiting\n"
               "                   their reply or their start job\n"
               "  --sessions N     session slices the tool and runtime scopes spread over (default 4)\n"
               "  --mix SPEC       proportions of the kinds of scope, e.g. tool=5,runtime=2,batch=2,free=1\n"
               "                   (the default); a kind left out is not made\n"
               "  --record FILE    write a line per scope sent: NAME SLICE KIND OUTCOME REMOVED CREATED,\n"
               "                   tab separated; OUTCOME is created or failed:REASON, REMOVED removed or\n"
               "                   present, CREATED when its start job was done (CLOCK_REALTIME, us; 0: never)\n"
               "  --progress       a line of counts on stderr every second\n"
               "  -h, --help       show this help\n"
               "\n"
               "Kinds (N is the scope's sequence number, k = N mod SESSIONS), and the vendor profile\n"
               "(conf.d/) each is meant to get:\n"
               "  tool     P-tool-N.scope in agent-Pk.slice                tool-burst (default profile)\n"
               "  runtime  runtime-P-N.scope in agent-Pk.slice             interactive\n"
               "  batch    P-batch-N.scope in agent-batchP.slice           background\n"
               "  free     runtime-P-free-N.scope in Pfree.slice           none (outside agent.slice)\n"
               "The session slices themselves get the session profile.\n"
               "\n"
               "Up to --window scopes are starting at once; a call the window holds back goes out as\n"
               "soon as there is room, so the rate asked for is kept when PID 1 can answer it. Start\n"
               "jobs count against the window because PID 1 runs its job queue only while no bus\n"
               "message waits: calls kept in flight regardless would hold back every start until\n"
               "they stop. A scope is created when its start job finished \"done\", removed when\n"
               "systemd unloaded it.\n"
               "\n"
               "The JSON summary on stdout: requested (rate x duration), sent, created, failed with\n"
               "failures by reason (a D-Bus error name, or job-RESULT), removed, created_in_window and\n"
               "achieved_rate (scopes created while sending, per second), per_second (created in each\n"
               "second), per_second_min/max (the first second, which holds the first round trip, left\n"
               "out), start_ms (call sent to start job done: p50, p90, p99, max).\n"
               "\n"
               "Exit status: 0 every scope sent was created and removed, 1 a system error, or the run\n"
               "stopped early (SIGINT/SIGTERM, access denied; the summary is printed all the same), 2 bad\n"
               "command line, 3 some scopes failed or were not removed in time (the summary says which).\n",
               PREFIX_MAX, WINDOW_MAX);
}

static _printf_(1, 2) int usage_error(const char *fmt, ...) {
        va_list ap;

        fputs("scope-churn: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputs("\nTry 'scope-churn --help'.\n", stderr);
        return -EINVAL;
}

static int parse_unsigned_arg(const char *option, const char *value, unsigned min, unsigned max, unsigned *ret) {
        uint64_t v;

        if (parse_uint64(value, &v) < 0 || v < min || v > max)
                return usage_error("%s: invalid value '%s' (expected a whole number from %u to %u)", option,
                                   value, min, max);
        *ret = (unsigned) v;
        return 0;
}

static int parse_duration_arg(const char *option, const char *value, uint64_t min, uint64_t max, uint64_t *ret) {
        uint64_t v;

        if (parse_duration(value, &v) < 0 || v < min || v > max)
                return usage_error("%s: invalid value '%s' (expected a time from %gs to %gs, e.g. 60, 1.5s, 2min)",
                                   option, value, (double) min / USEC_PER_SEC, (double) max / USEC_PER_SEC);
        *ret = v;
        return 0;
}

static int parse_mix(const char *spec, unsigned mix[static _KIND_MAX]) {
        _cleanup_(freep) char *copy = strdup(spec);
        unsigned total = 0;
        char *save = NULL;

        if (!copy)
                return -ENOMEM;
        memset(mix, 0, sizeof(unsigned) * _KIND_MAX);
        for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
                char *eq = strchr(item, '=');
                int k;

                if (!eq)
                        return usage_error("--mix: '%s' is not KIND=WEIGHT (kinds: tool, runtime, batch, free)", item);
                *eq = '\0';
                for (k = 0; k < _KIND_MAX; k++)
                        if (streq(item, kind_names[k]))
                                break;
                if (k == _KIND_MAX)
                        return usage_error("--mix: unknown kind '%s' (kinds: tool, runtime, batch, free)", item);
                if (parse_unsigned_arg("--mix", eq + 1, 0, 1000, &mix[k]) < 0)
                        return -EINVAL;
                total += mix[k];
        }
        if (total == 0)
                return usage_error("--mix: '%s' makes no scope at all (give some kind a weight above 0)", spec);
        return 0;
}

static bool prefix_is_valid(const char *p) {
        size_t n = strlen(p);

        return n > 0 && n <= PREFIX_MAX &&
               strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == n;
}

/* 1: go on, 0: done (--help), < 0: bad command line. */
static int parse_argv(int argc, char *argv[], Churn *c) {
        enum {
                ARG_RATE = 0x100, ARG_DURATION, ARG_LIFETIME, ARG_SETTLE, ARG_PREFIX, ARG_WINDOW, ARG_SESSIONS,
                ARG_MIX, ARG_RECORD, ARG_PROGRESS,
        };
        static const struct option options[] = {
                { "rate", required_argument, NULL, ARG_RATE },
                { "duration", required_argument, NULL, ARG_DURATION },
                { "lifetime", required_argument, NULL, ARG_LIFETIME },
                { "settle", required_argument, NULL, ARG_SETTLE },
                { "prefix", required_argument, NULL, ARG_PREFIX },
                { "window", required_argument, NULL, ARG_WINDOW },
                { "sessions", required_argument, NULL, ARG_SESSIONS },
                { "mix", required_argument, NULL, ARG_MIX },
                { "record", required_argument, NULL, ARG_RECORD },
                { "progress", no_argument, NULL, ARG_PROGRESS },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        double planned;
        int opt, r = 0;

        while ((opt = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                switch (opt) {
                case 'h':
                        help();
                        return 0;
                case ARG_RATE: {
                        char *end;

                        errno = 0;
                        c->rate = strtod(optarg, &end);
                        if (isempty(optarg) || *end != '\0' || errno != 0 || !isfinite(c->rate) || c->rate <= 0 ||
                            c->rate > 10000)
                                return usage_error("--rate: invalid value '%s' (expected scopes per second, "
                                                   "above 0 and at most 10000)", optarg);
                        break;
                }
                case ARG_DURATION:
                        r = parse_duration_arg("--duration", optarg, USEC_PER_MSEC, 24 * 3600 * USEC_PER_SEC,
                                               &c->duration_usec);
                        break;
                case ARG_LIFETIME:
                        r = parse_duration_arg("--lifetime", optarg, 0, 3600 * USEC_PER_SEC, &c->lifetime_usec);
                        break;
                case ARG_SETTLE:
                        r = parse_duration_arg("--settle", optarg, 0, 3600 * USEC_PER_SEC, &c->settle_usec);
                        break;
                case ARG_PREFIX:
                        if (!prefix_is_valid(optarg))
                                return usage_error("--prefix: invalid value '%s' (1 to %u letters, digits or '_': "
                                                   "it goes into unit and slice names)", optarg, PREFIX_MAX);
                        c->prefix = optarg;
                        break;
                case ARG_WINDOW:
                        r = parse_unsigned_arg("--window", optarg, 1, WINDOW_MAX, &c->window);
                        break;
                case ARG_SESSIONS:
                        r = parse_unsigned_arg("--sessions", optarg, 1, SESSIONS_MAX, &c->sessions);
                        break;
                case ARG_MIX:
                        r = parse_mix(optarg, c->mix);
                        break;
                case ARG_RECORD:
                        if (isempty(optarg))
                                return usage_error("--record: expected a file name");
                        c->record_path = optarg;
                        break;
                case ARG_PROGRESS:
                        c->progress = true;
                        break;
                case '?':
                        /* getopt_long() said what was wrong. */
                        fputs("Try 'scope-churn --help'.\n", stderr);
                        return -EINVAL;
                default:
                        return -EINVAL;
                }
                if (r < 0)
                        return r;
        }
        if (optind < argc)
                return usage_error("unexpected argument '%s' (everything is an option)", argv[optind]);

        planned = round(c->rate * (double) c->duration_usec / USEC_PER_SEC);
        if (planned < 1)
                return usage_error("--rate %g for %gs asks for no scope at all", c->rate,
                                   (double) c->duration_usec / USEC_PER_SEC);
        if (planned > SCOPES_MAX)
                return usage_error("--rate %g for %gs asks for %.0f scopes, more than %u", c->rate,
                                   (double) c->duration_usec / USEC_PER_SEC, planned, SCOPES_MAX);
        c->n_planned = (size_t) planned;
        return 1;
}

/* ---- main ---- */

static void free_nothing(void *p) {
}

static void churn_done(Churn *c) {
        for (size_t i = 0; i < c->n_sent; i++) {
                free(c->scopes[i].name);
                free(c->scopes[i].job_result);
        }
        for (size_t i = 0; i < c->n_reasons; i++)
                free(c->reasons[i].name);
        tdestroy(c->by_pid, free_nothing); /* the nodes point into c->scopes */
        free(c->scopes);
        free(c->created_order);
        free(c->per_second);
        free(c->fatal);
        sd_event_source_unref(c->tick);
        sd_bus_flush_close_unref(c->bus);
        sd_event_unref(c->event);
}

static int setup(Churn *c) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        sigset_t mask;
        int r;

        c->scopes = calloc(c->n_planned, sizeof(Scope));
        c->created_order = calloc(c->n_planned, sizeof(size_t));
        c->n_seconds = (size_t) ((c->duration_usec + USEC_PER_SEC - 1) / USEC_PER_SEC);
        c->per_second = calloc(c->n_seconds, sizeof(unsigned));
        if (!c->scopes || !c->created_order || !c->per_second) {
                fprintf(stderr, "scope-churn: Out of memory for %zu scopes.\n", c->n_planned);
                return -ENOMEM;
        }

        /* The cheap check first: without systemd as PID 1 there is nobody to make scopes. */
        if (sd_booted() <= 0) {
                fprintf(stderr, "scope-churn: systemd is not the init system here (no /run/systemd/system): "
                        "there is no service manager to create scopes. Run it where systemd is PID 1, e.g. "
                        "in the VM test bed (tests/vm).\n");
                return -EHOSTDOWN;
        }

        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0) {
                r = -errno;
                fprintf(stderr, "scope-churn: Failed to block signals: %s\n", strerror(-r));
                return r;
        }
        r = sd_event_default(&c->event);
        if (r < 0) {
                fprintf(stderr, "scope-churn: Failed to create the event loop: %s\n", strerror(-r));
                return r;
        }
        if ((r = sd_event_add_signal(c->event, NULL, SIGCHLD, on_sigchld, c)) < 0 ||
            (r = sd_event_add_signal(c->event, NULL, SIGINT, on_stop_signal, c)) < 0 ||
            (r = sd_event_add_signal(c->event, NULL, SIGTERM, on_stop_signal, c)) < 0) {
                fprintf(stderr, "scope-churn: Failed to watch signals: %s\n", strerror(-r));
                return r;
        }

        r = sd_bus_open_system(&c->bus);
        if (r < 0) {
                fprintf(stderr, "scope-churn: Failed to connect to the system bus: %s (is dbus running?)\n",
                        strerror(-r));
                return r;
        }
        r = sd_bus_attach_event(c->bus, c->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0) {
                fprintf(stderr, "scope-churn: Failed to attach the bus to the event loop: %s\n", strerror(-r));
                return r;
        }
        /* Matches before Subscribe: no job of ours can end unseen. */
        r = sd_bus_match_signal(c->bus, NULL, SYSTEMD_DEST, SYSTEMD_PATH, SYSTEMD_MANAGER, "JobRemoved",
                                on_job_removed, c);
        if (r >= 0)
                r = sd_bus_match_signal(c->bus, NULL, SYSTEMD_DEST, SYSTEMD_PATH, SYSTEMD_MANAGER, "UnitRemoved",
                                        on_unit_removed, c);
        if (r < 0) {
                fprintf(stderr, "scope-churn: Failed to add a match for systemd's signals: %s\n", strerror(-r));
                return r;
        }
        /* PID 1 sends JobRemoved and UnitRemoved only while somebody subscribed. */
        r = sd_bus_call_method(c->bus, SYSTEMD_DEST, SYSTEMD_PATH, SYSTEMD_MANAGER, "Subscribe", &error, NULL, NULL);
        if (r < 0) {
                fprintf(stderr, "scope-churn: Failed to subscribe to systemd's signals: %s\n",
                        error.message ?: strerror(-r));
                return r;
        }

        c->tick_usec = (uint64_t) MIN(10000.0, MAX(1000.0, USEC_PER_SEC / c->rate / 2));
        c->t0 = c->last_progress = now_usec(CLOCK_MONOTONIC);
        r = sd_event_add_time(c->event, &c->tick, CLOCK_MONOTONIC, c->t0, 1, on_tick, c);
        if (r < 0) {
                fprintf(stderr, "scope-churn: Failed to add the timer: %s\n", strerror(-r));
                return r;
        }
        return 0;
}

/* Whatever is left after the loop: no child outlives the generator. */
static void reap_all(Churn *c) {
        for (size_t i = 0; i < c->n_sent; i++) {
                Scope *s = &c->scopes[i];

                if (s->pid <= 0)
                        continue;
                scope_kill(s);
                while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
                        ;
                tdelete(s, &c->by_pid, pid_compare);
                scope_reaped(s);
        }
        c->children = 0;
}

int main(int argc, char *argv[]) {
        Churn c = {
                .rate = 100,
                .duration_usec = 60 * USEC_PER_SEC,
                .lifetime_usec = 5 * USEC_PER_SEC,
                .settle_usec = 60 * USEC_PER_SEC,
                /* Keeps PID 1 busy: under TCG it takes ~80 ms per scope, eight waiting saturate
                 * it (a deeper window measured the same rate, with longer waits). */
                .window = 8,
                .sessions = 4,
                .mix = { [KIND_TOOL] = 5, [KIND_RUNTIME] = 2, [KIND_BATCH] = 2, [KIND_FREE] = 1 },
                .prefix = "churn",
        };
        int r, status;

        r = parse_argv(argc, argv, &c);
        if (r <= 0)
                return r < 0 ? 2 : 0;

        r = setup(&c);
        if (r < 0) {
                churn_done(&c);
                return 1;
        }
        r = sd_event_loop(c.event);
        if (r < 0) {
                fprintf(stderr, "scope-churn: Event loop failed: %s\n", strerror(-r));
                churn_stop(&c, "event loop failed");
        }
        reap_all(&c);

        if (c.record_path && write_record(&c) < 0)
                churn_stop(&c, "cannot write the record");
        print_summary(&c, now_usec(CLOCK_MONOTONIC));
        if (c.fatal)
                fprintf(stderr, "scope-churn: %s\n", c.fatal);

        if (c.fatal || c.stopping)
                status = 1;
        else if (c.n_failed > 0 || c.n_created != c.n_sent || c.n_removed_created != c.n_created)
                status = 3;
        else
                status = 0;
        churn_done(&c);
        return status;
}
