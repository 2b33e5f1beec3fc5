/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What agentcgroup_sched.bpf.c and the daemon (src/daemon/bpf-sched.c) exchange through maps.
 * Both sides include this file: the BPF side after vmlinux.h, user space after <linux/types.h>. */

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Map "sched_policy": key = cgroup v2 id (systemd's ControlGroupId), written by the daemon for
 * every managed unit. A cgroup without an entry uses its nearest ancestor's, up to
 * SCHED_POLICY_DEPTH levels up; none at all: unmanaged, default slice, no boost. */
struct sched_policy {
	__u32 class;            /* ProfileClass: 0 interactive, 1 tool-burst, 2 background */
	__u32 weight_pct;       /* multiplies cpu.weight for this cgroup; 0: 100 */
	__u64 slice_ns;         /* time slice; 0: SCHED_DEFAULT_SLICE_NS */
	__u64 burst_ns;         /* CPU a waking unit may take ahead of its fair share (refills
	                         * while it sleeps); 0: one slice */
	__u32 pressure_permille; /* memory stall (memory.pressure "some") the daemon measured;
	                          * >= SCHED_THRASH_PERMILLE counts as thrashing ... */
	__u32 flags;            /* SCHED_POLICY_* */
	__u64 pressure_expires_ns; /* ... until this CLOCK_MONOTONIC time: the daemon measures only
	                            * while something happens, so an old figure must not linger */
};

/* flags */
#define SCHED_POLICY_IDLE         1u          /* CPUWeight=idle: weighs 1 whatever its cpu.weight
	                                       * (sched_ext is not told about cpu.idle), and any
	                                       * other unit's wake-up may preempt it */

#define SCHED_POLICY_DEPTH        8
#define SCHED_DEFAULT_SLICE_NS    5000000ULL  /* 5 ms for unmanaged tasks */
#define SCHED_MIN_SLICE_NS        500000ULL
#define SCHED_THRASH_PERMILLE     100         /* 10% of the time stalled on memory */
#define SCHED_THRASH_WEIGHT_PCT   25          /* a thrashing unit keeps a quarter of its weight */
#define SCHED_THRASH_HOLD_NS      2500000000ULL /* a throttle episode counts for 2.5 s (one
	                                        * penalty sleep lasts up to 2 s, and its end is
	                                        * what the throttle map records) */
#define SCHED_SHARE_FLOOR_SHIFT   8           /* no cgroup gets less than 1/256 of the CPU's
	                                       * vtime rate: keeps the stall watchdog quiet */

/* Map "sched_stats": key = cgroup v2 id, one entry per cgroup that ran (removed when the cgroup
 * goes away). Counters only grow. */
struct sched_stats {
	__u64 cpu_ns;           /* CPU time run under this scheduler */
	__u64 boosts;           /* wake-ups that preempted a less interactive task */
	__u64 penalties;        /* times it began thrashing (weight and slice cut) */
	__u64 penalized_ns;     /* CPU time run while penalized */
};

/* Map "sched_ctl", one entry (key 0): knobs the daemon sets at run time. */
struct sched_ctl {
	__u32 inject_error;     /* debug: non-zero makes the next dispatch fail with scx_bpf_error() */
	__u32 pad;
};

/* Ring buffer "sched_events": one record when the scheduler exits (the kernel ejected it, the
 * daemon detached it, or an error), so the daemon learns it without polling. */
#define SCHED_EXIT_REASON_LEN 128
#define SCHED_EXIT_MSG_LEN    256
struct sched_exit_event {
	__u32 kind;             /* enum scx_exit_kind: 64 unregistered, 67 SysRq, 1024+ errors */
	__s32 exit_cpu;
	__s64 exit_code;
	char reason[SCHED_EXIT_REASON_LEN];
	char msg[SCHED_EXIT_MSG_LEN];
};
