/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>

#include "manager.h"
#include "match.h"
#include "mem-policy.h"
#include "profile-props.h"
#include "unit-name.h"

#define UNIT_QUERY_RETRIES 3

/* A systemd unit agentcgroupd knows of: what systemd told us about it, whether it is managed,
 * which profile it got, and what we asked systemd to set on it. */

/* systemd's current values of the properties a profile sets, by the names UnitPropertySet uses. */
typedef struct UnitCurrentProperties {
        uint64_t cpu_weight, memory_min, memory_low, memory_high, memory_max, memory_swap_max, tasks_max;
} UnitCurrentProperties;

/* A call to PID 1 carrying out a memory action. */
typedef struct MemCall {
        sd_bus_slot *slot;
        unsigned op;                    /* MEM_OP_* (memory.c) */
        uint64_t woke_usec, decided_usec; /* of the decision it carries out (mem_ops_*) */
} MemCall;

/* What a unit's metrics series counts (metrics.c). */
typedef struct UnitCounts {
        uint64_t throttled, frozen, thawed, killed, oom_kills;
        uint64_t frozen_usec;
        uint64_t sched_cpu_ns;
} UnitCounts;

struct TrackedUnit {
        Manager *manager;
        char *name;
        char *path;             /* systemd's object path */
        UnitType type;

        /* From systemd (GetAll). */
        char *id;
        char *description;
        char *active_state;
        char *load_state;
        char *slice;
        char *control_group;
        uint64_t cgroup_id;
        UnitCurrentProperties current;
        uid_t uid;

        bool managed;
        char *profile;          /* selected profile, NULL if none */
        uint32_t sched_pressure_permille;  /* last memory stall told to the CPU scheduler (cpu.c) */
        uint64_t sched_pressure_expires_ns;
        uint64_t sched_policy_cgroup_id;   /* the cgroup id its scheduler policy is stored under */
        bool cpu_yielding;                 /* the scheduler runs it as idle while it gives way (CPUYield=) */
        char *rule;             /* the match rule that chose it, NULL for the default and an override */
        ProfileSource profile_source;
        /* SetUnitProfile(): the profile asked for at run time, ahead of the rules; NULL: none.
         * Kept across reloads while the profile exists, never written anywhere. */
        char *profile_override;
        sd_bus_message *profile_call;   /* Set/ClearUnitProfile() answered once the profile is in place */
        ActionMode mode;        /* of its profile (config_profile_mode()); enforce until it has one */
        UnitPropertySet applied;
        UnitPropertySet monitored; /* monitor mode: the properties last logged as "would set" */
        uint64_t applied_usec;  /* CLOCK_MONOTONIC of the last successful apply, 0 if never */
        unsigned n_apply_failures;

        sd_bus_slot *query_slot;
        sd_bus_slot *apply_slot;
        bool query_again;       /* a newer event arrived while a query was in flight */
        unsigned n_retries;     /* consecutive timeouts of our calls for this unit */
        bool queued;            /* waiting for room to send its query */
        TrackedUnit *queue_prev, *queue_next;
        bool counted_in_startup;

        /* The dynamic memory layer (memory.c). mem holds the policy's state and counters; the
         * decision's reason is copied to last_reason when it is carried out. */
        MemUnit mem;
        MemAction last_action;          /* MEM_ACTION_NONE: none yet */
        char *last_reason;
        uint64_t last_action_realtime;  /* CLOCK_REALTIME usec of the last action, 0: none */
        int cgroup_fd;                  /* the unit's cgroup directory, -1 while not watched */
        int pressure_fd;                /* memory.pressure with a PSI trigger, -1: none */
        sd_event_source *events_source; /* inotify on memory.events.local, while wanted */
        bool events_watch_failed;       /* logged once */
        sd_event_source *pressure_source;
        unsigned mem_ops;               /* MEM_OP_* still to send */
        /* For the reaction time of the actions: the kernel event that woke the evaluation that
         * asked for the pending ops (0: a timer did), and when it decided. */
        uint64_t mem_ops_woke_usec, mem_ops_decided_usec;
        MemCall mem_state_call;         /* FreezeUnit/ThawUnit/KillUnit in flight, one at a time */
        MemCall mem_high_call;          /* SetUnitProperties(MemoryHigh=) in flight, one at a time */
        unsigned thaw_retries;
        bool thaw_retry_due;            /* a ThawUnit failed: again at the next evaluation */
        uint64_t pending_high;          /* memory.high for the next MEM_OP_HIGH; UINT64_MAX: the profile's */
        bool reclaiming;                /* a memory.reclaim write is running in the worker */
        bool high_after_reclaim;        /* memory.high held at current use until it is done */
        unsigned reclaim_rounds;        /* ... and how many rounds the worker took so far */
        uint64_t oom_adjust_usec;       /* last oom_score_adj pass over its processes */
        UnitCounts counted;             /* its own counts as the metrics last reported them (metrics.c) */
        UnitCounts retired;             /* of units summed into its series that are gone (metrics.c) */
        size_t metrics_series;          /* scratch of metrics_write() */
        sd_event_source *end_timer;     /* EndSession()/EndToolCall(): the grace period (dbus-session.c) */
        bool end_sent;                  /* its grace period is over, SIGKILL and StopUnit() sent */
};

TrackedUnit *manager_get_unit(Manager *m, const char *name);
/* Finds or creates the record (idempotent: UnitNew can arrive twice). path may be NULL. */
int manager_track_unit(Manager *m, const char *name, const char *path, TrackedUnit **ret);
void manager_untrack_unit(Manager *m, const char *name);
/* Calls f for every tracked unit. */
void manager_foreach_unit(Manager *m, void (*f)(TrackedUnit *u, void *userdata), void *userdata);
void manager_free_units(Manager *m);

/* Asks systemd for the unit's properties, then classifies and applies (asynchronously). */
int unit_query(TrackedUnit *u);
/* Classifies with the current facts, configuration and override, then sets what differs. */
int unit_classify_and_apply(TrackedUnit *u);
/* The unit's rule as the bus shows it: RULE_OVERRIDE for an override, NULL for the default
 * profile or none. */
const char *unit_rule_to_string(const TrackedUnit *u);
/* Calls to PID 1 for u, counted against MANAGER_INFLIGHT_MAX like every other: send with a
 * handler whose userdata is given to unit_call_reply(), which returns the unit (NULL when the
 * call was orphaned because the unit went away) and clears the slot which() points to.
 * timeout_usec 0: the daemon's usual timeout for calls to PID 1. */
int unit_call_send(TrackedUnit *u, sd_bus_message *msg, sd_bus_message_handler_t callback, uint64_t timeout_usec,
                   sd_bus_slot **ret_slot);
TrackedUnit *unit_call_reply(void *userdata, sd_bus_slot **(*which)(TrackedUnit *u));
void unit_call_orphan(sd_bus_slot **slot);

/* Active, activating or reloading, as systemd last told us. */
bool unit_is_running(const TrackedUnit *u);
/* The name of uid for the match rules, when some rule matches on users; NULL otherwise (also
 * when uid has no name). */
char *unit_user_name(const Config *c, uid_t uid);

/* The memory state as the bus shows it: the policy's state; in monitor mode, one other than
 * running reads "would-throttled", "would-frozen" or "would-killed" (the unit is not). */
const char *unit_state_to_string(const TrackedUnit *u);

/* Whether a unit name is of a type agentcgroupd looks at at all. */
bool unit_name_is_interesting(const char *name);
