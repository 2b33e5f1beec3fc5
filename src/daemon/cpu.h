/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include "conf.h"

typedef struct Manager Manager;
typedef struct TrackedUnit TrackedUnit;

/* The daemon's CPU side: runs the scheduler (bpf-sched.c) as [Manager] Scheduler= says and keeps
 * its per-cgroup policy map in step with the managed units and their profiles. */

int cpu_setup(Manager *m);
void cpu_free(Manager *m);
/* A new configuration is in place (start-up, reload). */
void cpu_config_changed(Manager *m);
/* The unit got profile p (NULL: none, or no longer managed). */
void cpu_unit_apply(TrackedUnit *u, const Profile *p);
void cpu_unit_forget(TrackedUnit *u);
/* The memory side evaluated the unit. Its stall (memory.pressure "some", in 1/10000): the
 * scheduler treats it as thrashing while that is high, for at most valid_usec. Whether it gives
 * way to higher-priority units: with CPUYield= it then runs as CPUWeight=idle. */
void cpu_unit_memory(TrackedUnit *u, uint64_t stall_permyriad, uint64_t valid_usec);
