/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "conf.h"
#include "mem-policy.h"
#include "metrics.h"
#include "prom-format.h"

typedef struct TrackedUnit TrackedUnit;
typedef struct MemcgBpf MemcgBpf;
typedef struct SchedBpf SchedBpf;
typedef struct DomainWatch DomainWatch;
typedef struct PendingStart PendingStart;

/* Calls to PID 1 in flight at once. dbus-daemon allows 128 pending replies per connection on
 * the system bus; queries wait in a queue beyond this, and each query may add one apply.
 * PID 1 answers one call at a time anyway, so a deeper pipeline buys nothing. */
#define MANAGER_INFLIGHT_MAX 16

typedef struct Manager {
        sd_event *event;
        sd_bus *bus;

        Config *config;         /* the last good configuration; never one with errors */
        char **config_dirs;
        uint64_t physical_memory;

        void *units;            /* tsearch() tree of TrackedUnit, by name */
        size_t n_units;

        /* Start-up (and resync) bookkeeping: READY=1 goes out once every unit that existed when
         * we listed them has been looked at. */
        unsigned pending_queries;
        bool listing;
        bool ready;

        unsigned n_inflight;    /* calls to PID 1 awaiting a reply */
        TrackedUnit *queue_head, *queue_tail; /* units waiting to be queried */

        uint64_t n_applied;
        uint64_t n_apply_failed;
        uint64_t n_would_apply;         /* monitor mode: profiles logged as "would set" */
        uint64_t n_actions[_MEM_ACTION_MAX][_ACTION_MODE_MAX]; /* memory actions taken, and would-be ones */
        uint64_t n_config_errors; /* of the last load; 0 when it succeeded */
        bool config_fallback;   /* running on the empty configuration: no good one was ever loaded */

        sd_event_source *status_timer;

        /* The dynamic memory layer (memory.c). */
        char *state_dir;                /* $RUNTIME_DIRECTORY or /run/agentcgroup: records of frozen units */
        uint64_t freeze_call_timeout_usec; /* 0: the usual; $AGENTCGROUP_TEST_FREEZE_TIMEOUT_USEC (tests) */
        MemSettings mem_settings;
        sd_event_source *mem_timer;     /* the next evaluation; armed only while something is in progress */
        bool mem_timer_armed;
        uint64_t mem_last_eval_usec;
        uint64_t mem_wake_usec;         /* first kernel event since the last evaluation, 0: none */
        uint64_t mem_evaluations;       /* counters, for the metrics and the stop message */
        uint64_t mem_wakeups[_MEM_WAKE_MAX];
        struct ReclaimHelper *reclaim_helper; /* writes memory.reclaim, in its own scope (reclaim.c) */
        bool reclaim_urgent;            /* a unit stalls while the helper reclaims for it */
        MemcgBpf *bpf;                  /* in-kernel memory observation and hooks (bpf-memcg.c) */
        SchedBpf *sched;                /* the sched_ext scheduler (bpf-sched.c, cpu.c) */
        struct ProtectedSlice **protected; /* slices given MemoryLow= for protected units (protect.c) */
        size_t n_protected;
        sd_event_source *protect_source;
        DomainWatch **domains;          /* watches on the managed slices units count against (memory.c) */
        size_t n_domains;
        sd_event_source *metrics_timer; /* writes MetricsFile= (metrics.c) */
        char *metrics_written;          /* the MetricsFile= last written, removed when it changes or at exit */
        int metrics_error;              /* of the last write, to log a failure once, not every time */
        PromHistogram reaction[_METRICS_OP_MAX]; /* kernel event (or decision) to PID 1's answer */
        PendingStart *pending_starts;   /* StartSession()/StartToolCall() awaiting their start job (dbus-session.c) */
        unsigned n_pending_starts;
        int admin_group_error;          /* of the last lookup of AdminGroup=, to log a failure once, not per call */
} Manager;

int manager_new(Manager **ret, char **config_dirs);
Manager *manager_free(Manager *m);
static inline void manager_freep(Manager **m) {
        manager_free(*m);
}

/* Loads the configuration; with errors the current one stays (or, at start-up, an empty one
 * that manages nothing). Returns the number of errors found, or < 0 when out of memory;
 * ret_errors (optional) gets them as "FILE:LINE: message". */
int manager_load_config(Manager *m, char ***ret_errors);
/* Loads the configuration again and, when it is good, looks at every unit again. ret_errors
 * (optional) gets every error as "FILE:LINE: message". Returns as manager_load_config(). */
int manager_reload(Manager *m, char ***ret_errors);
int manager_start(Manager *m);
int manager_run(Manager *m);

/* Lists systemd's units and looks at each slice, scope and service (start-up, after a systemd
 * reload, after our own reload). */
int manager_resync(Manager *m);
void manager_update_status(Manager *m);
void manager_query_done(Manager *m);
/* A unit's memory state, action or figures changed: tell the bus. */
void manager_unit_changed(TrackedUnit *u);
