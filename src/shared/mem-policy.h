/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"

/* The dynamic memory policy: burst credit, the delay curve, protection of higher-priority units
 * by squeezing lower-priority ones, and the escalation ladder RUNNING -> THROTTLED -> FROZEN ->
 * thawed or KILLED. Pure: the daemon reads the cgroups, fills MemUnit inputs, calls
 * mem_policy_evaluate() and carries out the decisions through systemd. Times are CLOCK_MONOTONIC
 * microseconds. */

typedef enum MemState {
        MEM_STATE_RUNNING,
        MEM_STATE_THROTTLED,
        MEM_STATE_FROZEN,
        MEM_STATE_KILLED,
        _MEM_STATE_MAX,
        _MEM_STATE_INVALID = -1,
} MemState;

typedef enum MemAction {
        MEM_ACTION_NONE,
        MEM_ACTION_THROTTLE,    /* memory.high lowered (burst credit used up, or squeezed) */
        MEM_ACTION_RELAX,       /* memory.high back towards the profile's */
        MEM_ACTION_FREEZE,
        MEM_ACTION_THAW,
        MEM_ACTION_KILL,
        MEM_ACTION_OOM_KILLED,  /* the kernel's OOM killer ended a process of the unit */
        _MEM_ACTION_MAX,
        _MEM_ACTION_INVALID = -1,
} MemAction;

const char *mem_state_to_string(MemState s);
MemState mem_state_from_string(const char *s);
const char *mem_action_to_string(MemAction a);

/* The kernel's memory.high throttling: about 64 * f^2 seconds of sleep per 64-page batch, where
 * f = (usage - high) / high, capped at 2 s; sleeps of 10 ms or less are skipped. */
#define MEM_KERNEL_DELAY_MAX_USEC (2 * USEC_PER_SEC)
#define MEM_KERNEL_DELAY_MIN_USEC (10 * USEC_PER_MSEC)

/* MemoryHeadroom= not set for an interactive profile: 1/4 of the domain's budget is kept free
 * while lower-priority units could give it. Moving memory out (to swap) takes time; done while
 * the interactive unit still has room, it costs the interactive unit nothing. */
#define MEM_HEADROOM_AUTO UINT64_MAX
#define MEM_HEADROOM_AUTO_SHARE 4

/* The steepest memory growth the daemon expects between two looks at a domain: the agent
 * traces burst at up to 1.5 GiB/s. Sets how often it looks while headroom is wanted. */
#define MEM_GROWTH_BYTES_PER_SEC (1536ULL << 20)

/* A profile's memory policy with class defaults filled in and sizes in bytes. */
typedef struct MemParams {
        ProfileClass class;
        unsigned priority;              /* interactive 2, tool-burst 1, background 0 */
        uint64_t high;                  /* MemoryHigh= in bytes; UINT64_MAX: none */
        uint64_t low;                   /* MemoryLow= (profile_memory_low(), of a scope or service) */
        uint64_t burst;
        uint64_t burst_usec;
        uint64_t headroom;              /* MEM_HEADROOM_AUTO: MEM_HEADROOM_AUTO_SHARE of the domain */
        uint64_t floor;
        uint64_t throttle_delay_max_usec;
        bool freeze;
        uint64_t freeze_after_usec;
        uint64_t freeze_max_usec;
        uint64_t freeze_interval_usec;
        bool kill;
        uint64_t kill_after_usec;
        int oom_score_adjust;
} MemParams;

void mem_params_from_profile(const Profile *p, uint64_t physical_memory, MemParams *ret);

/* [Manager] settings of the dynamic layer, defaults filled in. */
typedef struct MemSettings {
        uint64_t pressure_threshold;    /* basis points of stall time that count as stalling */
        uint64_t relax_usec;            /* calm this long before relaxing or thawing */
        uint64_t evaluate_usec;         /* evaluation period while anything is in progress */
} MemSettings;

void mem_settings_from_config(const Config *c, MemSettings *ret);

/* One reading of a unit's cgroup. Counters are the kernel's cumulative ones. */
typedef struct MemSample {
        bool valid;
        uint64_t current;               /* memory.current */
        uint64_t events_high, events_max, events_oom, events_oom_kill; /* memory.events */
        uint64_t pressure_some_usec;    /* memory.pressure "some" total */
} MemSample;

typedef struct MemDecision {
        MemAction action;               /* MEM_ACTION_NONE: nothing to do */
        bool set_high;                  /* change memory.high to high */
        uint64_t high;                  /* UINT64_MAX: back to the profile's own value */
        uint64_t reclaim;               /* bytes to reclaim through memory.reclaim (swap only) */
        bool freeze, thaw, kill;
        char reason[320];
} MemDecision;

typedef struct MemUnit {
        /* Inputs, set by the caller before each evaluation. */
        const char *name;
        MemParams params;
        MemSample sample;

        /* Kept between evaluations; zero-initialise. */
        MemState state;
        MemSample prev;
        uint64_t last_eval_usec;
        uint64_t win_usec, win_pressure_usec; /* start of the current stall window */
        uint64_t stall_permyriad;       /* stall share over the last window, basis points */
        bool stalling;
        uint64_t burst_used_usec;       /* time spent above MemoryHigh= in the current burst */
        uint64_t effective_high;        /* what the policy has in force; 0 or UINT64_MAX: the profile's */
        uint64_t squeeze_since;         /* start of the current squeeze episode, 0: none */
        uint64_t urgent_since;          /* a higher-priority unit has been stalling since, 0: not */
        uint64_t urgent_last_usec;      /* ... and was last seen stalling at */
        uint64_t calm_since;            /* the reason to squeeze went away at, 0: not calm */
        uint64_t frozen_since;
        uint64_t killed_since;
        uint64_t last_thaw_usec;
        uint64_t squeeze_bytes;         /* this evaluation's share of the domain's deficit */
        char cause[256];                /* why it was last squeezed, for the freeze and kill reasons */

        uint64_t n_throttled, n_frozen, n_thawed, n_killed, n_oom_kills;
        uint64_t frozen_total_usec;

        /* Outputs of the last evaluation. */
        MemDecision decision;
} MemUnit;

/* A set of units sharing one memory budget (the managed slice tree). */
typedef struct MemDomain {
        uint64_t limit;                 /* memory.max of its root, or physical memory */
        uint64_t current;               /* memory.current of its root */
        uint64_t available;             /* the host's MemAvailable; UINT64_MAX: unknown */
        bool swap;                      /* swap space is free to take reclaimed memory */
        uint64_t swap_free;             /* bytes of it; meaningful when swap is true */
} MemDomain;

/* The delay curve: the memory.high that makes the kernel throttle a unit using `current` bytes,
 * `overage` of them above its soft limit, by a bounded delay: the kernel's own quadratic curve up
 * to the profile's ThrottleDelayMaxSec=. Returns current when no delay is due. */
uint64_t mem_throttle_high(const MemParams *p, uint64_t current, uint64_t soft);

/* A kill of the policy's own frees its unit's memory and swap a little later; until then, or for
 * this long at most, no other unit of the domain is killed. */
#define MEM_KILL_SETTLE_USEC (2 * USEC_PER_SEC)

/* Evaluates the units of one domain at time now and fills each unit's decision. Kills one unit
 * at a time: of the units due to be killed, the lowest priority and then the largest, and none
 * while an earlier kill has not freed its unit (MEM_KILL_SETTLE_USEC at most): what one kill
 * frees may spare the others. Returns true
 * while anything is in progress (a squeeze, a burst, a freeze, calm not yet long enough): the
 * caller evaluates again after settings->evaluate_usec, otherwise only on kernel events. */
bool mem_policy_evaluate(MemUnit **units, size_t n, const MemDomain *domain, const MemSettings *settings,
                         uint64_t now);

/* Memory growth raises no kernel event below a unit's memory.high: while some unit wants
 * headroom that lower-priority units could give, the domain is looked at again before its free
 * memory above that headroom could be used up at MEM_GROWTH_BYTES_PER_SEC. Returns the delay,
 * at least settings->evaluate_usec; USEC_UNSET when nothing wants headroom. */
uint64_t mem_policy_next_check(MemUnit **units, size_t n, const MemDomain *domain, const MemSettings *settings);

/* Whether a kernel event of the unit's own (memory.events) tells the policy something new. Not
 * while it is THROTTLED or FROZEN: then the memory.high in force is the policy's, the kernel
 * reports crossing it up to 100 times a second, and mem_policy_evaluate() looks at the unit every
 * settings->evaluate_usec anyway. Its pressure trigger and its domain's events still wake. */
bool mem_unit_wants_events(const MemUnit *u);

/* Whether the unit gives way on behalf of a higher-priority unit that stalls now (squeezed while
 * urgency lasts, or frozen for it): its memory.reclaim then saves that unit's time, not its own. */
bool mem_unit_squeezed_for_staller(const MemUnit *u);

/* Whether the unit gives way to higher-priority units now: squeezed (from the first look that
 * wants its memory until RelaxSec= of calm) or frozen, and not killed. */
bool mem_unit_gives_way(const MemUnit *u);

/* Forgets the escalation (state, burst, squeeze, freeze timers, memory.high in force) but not the
 * samples, the stall window or the counters: the policy starts over from RUNNING on what it sees
 * next. For a change of Mode= (monitor mode carried nothing out, so there is nothing to build on;
 * enforce mode's actions are undone when leaving it), and after a kill monitor mode only logged. */
void mem_unit_restart(MemUnit *u, uint64_t now);

/* Undoes the state change of an action that could not be carried out (a failed FreezeUnit
 * leaves the unit THROTTLED). Returns true when the state changed. */
bool mem_unit_action_failed(MemUnit *u, MemAction a, uint64_t now);
