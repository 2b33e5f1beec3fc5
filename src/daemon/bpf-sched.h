/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "macro.h"
#include "sched-policy.h"

/* The CPU side in the kernel: loads bpf/agentcgroup_sched.bpf.o as the sched_ext scheduler in the
 * configured mode, checks that the kernel really enabled it, hears through a ring buffer when the
 * kernel ejects it (an error, the stall watchdog, SysRq-S), says why, and loads it again after a
 * back-off when the configuration asks for that. Nothing here is fatal to the daemon: without the
 * scheduler the kernel's fair class runs everything. See bpf/README.md. */

typedef enum SchedState {
        SCHED_STATE_OFF,        /* not wanted (Scheduler=off), or no sched_ext in the kernel */
        SCHED_STATE_ENABLED,    /* attached and the kernel says enabled */
        SCHED_STATE_EJECTED,    /* the kernel dropped it; a restart is due */
        SCHED_STATE_FAILED,     /* it could not load, or was ejected with no restart left */
        SCHED_STATE_LOADING,    /* the kernel's verifier is checking it (the daemon serves meanwhile) */
        _SCHED_STATE_MAX,
} SchedState;

const char *sched_state_to_string(SchedState s);

typedef struct SchedStats {
        uint64_t cpu_ns;        /* CPU time under the scheduler */
        uint64_t boosts;        /* wake-ups that preempted a less interactive task */
        uint64_t penalties;     /* times it began thrashing on memory */
        uint64_t penalized_ns;  /* CPU time run while penalized */
} SchedStats;

typedef struct SchedBpf SchedBpf;

/* on_change runs after every state change (attached: the caller should push the policies of
 * its units again, they live in the scheduler's maps). */
int sched_bpf_new(SchedBpf **ret, sd_event *event, const char *bpf_dir,
                  void (*on_change)(SchedBpf *s, void *userdata), void *userdata);
/* Detaches: the kernel moves every task back to the fair class. */
SchedBpf *sched_bpf_free(SchedBpf *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(SchedBpf *, sched_bpf_free);

/* Applies the [Manager] settings (start-up and reload): loads, reloads in another mode, or
 * detaches. A reload also resets the restart budget and tries a failed scheduler again. why_off
 * (NULL: "Scheduler=off") is the reason shown when mode is off. */
int sched_bpf_configure(SchedBpf *s, SchedMode mode, const char *why_off, uint64_t restart_usec, unsigned restart_max);

SchedState sched_bpf_state(const SchedBpf *s);
/* The mode in effect (off unless enabled). */
SchedMode sched_bpf_mode(const SchedBpf *s);
/* Why it is not enabled, or the last exit; NULL when nothing happened yet. */
const char *sched_bpf_reason(const SchedBpf *s);
unsigned sched_bpf_restarts(const SchedBpf *s);
/* Whether managed units' tasks must be switched to SCHED_EXT (partial mode, enabled). */
bool sched_bpf_needs_switch(const SchedBpf *s);

int sched_bpf_set_policy(SchedBpf *s, uint64_t cgroup_id, const SchedPolicy *p);
int sched_bpf_remove_policy(SchedBpf *s, uint64_t cgroup_id);
/* -ENOENT when the cgroup has not run under the scheduler. */
int sched_bpf_read_stats(SchedBpf *s, uint64_t cgroup_id, SchedStats *ret);

/* Partial mode: puts every thread of the cgroup (systemd's ControlGroup path) that runs in the
 * fair class under SCHED_EXT; children inherit it. Passes repeat until one finds no thread left
 * to switch, which closes the race with threads forked by a thread not yet switched. Returns the
 * number switched, or < 0. */
int sched_switch_cgroup(const char *control_group);
/* The same for every thread of one process (/proc/PID/task). */
int sched_switch_process(pid_t pid);
