/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"

/* The CPU scheduler's policy, without I/O: which mode to run, what a profile asks of the
 * scheduler, and when to try again after the kernel ejected it. bpf-sched.c does the loading. */

typedef enum SchedMode {
        SCHED_MODE_AUTO,        /* full where the kernel has sched_ext, else off */
        SCHED_MODE_FULL,        /* every task on the BPF scheduler */
        SCHED_MODE_PARTIAL,     /* only managed units' tasks (SCHED_EXT), the rest stays fair */
        SCHED_MODE_OFF,
        _SCHED_MODE_MAX,
        _SCHED_MODE_INVALID = -1,
} SchedMode;

const char *sched_mode_to_string(SchedMode m);
SchedMode sched_mode_from_string(const char *s);
/* The mode to run: auto means full. Partial is not the safe default it looks like: the kernel
 * runs SCHED_EXT tasks only when no fair-class task wants the CPU, so under load from unmanaged
 * services the agent units would starve (and the stall watchdog eject the scheduler). In full
 * mode host services keep their cgroup share, and any scheduler error returns every task to the
 * fair class. Anything needs a kernel with sched_ext. */
SchedMode sched_mode_resolve(SchedMode configured, bool kernel_has_sched_ext);

#define SCHED_RESTART_USEC_DEFAULT (10ULL * 1000000ULL)
#define SCHED_RESTART_USEC_CAP     (300ULL * 1000000ULL)
#define SCHED_RESTART_MAX_DEFAULT  5U

/* Delay before attempt n (0-based) to load again: base doubled per attempt, capped at 5 min. */
uint64_t sched_restart_delay(uint64_t base_usec, unsigned attempt);

/* The kernel's exit kinds (enum scx_exit_kind). */
enum {
        SCHED_EXIT_UNREG       = 64,    /* detached by us */
        SCHED_EXIT_UNREG_BPF   = 65,    /* the program asked to exit */
        SCHED_EXIT_UNREG_KERN  = 66,
        SCHED_EXIT_SYSRQ       = 67,    /* an operator pressed SysRq-S */
        SCHED_EXIT_ERROR       = 1024,  /* 1024 and above: errors, the stall watchdog among them */
        SCHED_EXIT_ERROR_STALL = 1026,
};

const char *sched_exit_kind_to_string(uint32_t kind);

/* Whether to load again after an exit of this kind: errors are retried while attempts remain
 * (restart_usec 0 means never); our own detach and an operator's SysRq-S are not. */
bool sched_exit_wants_restart(uint32_t kind, uint64_t restart_usec, unsigned attempts, unsigned max_attempts);
/* Whether the exit uses up one of the attempts: not when the kernel unregistered it for its own
 * reasons (CPU hot-plug, suspend), which says nothing about the scheduler. */
bool sched_exit_counts(uint32_t kind);

/* What a profile asks of the scheduler (the map value of bpf/sched-abi.h, in user-space types). */
typedef struct SchedPolicy {
        uint32_t class;
        uint32_t weight_pct;
        uint64_t slice_ns;
        uint64_t burst_ns;
        uint32_t pressure_permille;
        uint64_t pressure_expires_ns;   /* CLOCK_MONOTONIC */
        bool idle;                      /* CPUWeight=idle (SCHED_POLICY_IDLE) */
        bool yield;                     /* CPUYield=: idle while squeezed (user space only) */
} SchedPolicy;

#define SCHED_SLICE_USEC_MIN 500ULL
#define SCHED_SLICE_USEC_MAX (100ULL * 1000ULL)
/* Well below the scheduler's stall watchdog (10 s): others wait at most this much for a burst. */
#define SCHED_BURST_USEC_MAX (1000000ULL)

/* The class defaults, overridden by CPUSliceSec= and CPUBurstSec=: interactive units get short
 * slices and a burst credit, background units long slices and none. CPUWeight=idle marks the
 * policy idle: the kernel tells sched_ext a cgroup's cpu.weight but not its cpu.idle. */
void sched_policy_from_profile(const Profile *p, SchedPolicy *ret);

/* While the memory policy squeezes the unit on behalf of a higher-priority one
 * (mem_unit_gives_way()), a policy with CPUYield= (the default of background units) runs it as
 * CPUWeight=idle: the unit it gives way to needs the CPU to use the memory it gets, and a
 * background task that merely weighs less still finishes its slice before that unit's waking
 * task runs. Returns whether the unit yields now. */
bool sched_policy_apply_squeeze(SchedPolicy *p, bool squeezed);
