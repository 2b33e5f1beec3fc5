/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include "manager.h"

/* memory.reclaim on behalf of the memory policy, written by a helper process.
 *
 * The kernel compresses (zram) or writes out what a memory.reclaim write frees on the writer's
 * CPU time. Written from the daemon's own cgroup, that time would weigh as much as all of
 * system.slice, which at the top of the tree competes with all of agent.slice: squeezing a
 * background session would take CPU from the very session it makes room for. So the daemon
 * forks a helper when it first needs one and has systemd move it into a scope of its own at
 * the top of the tree, RECLAIM_SCOPE, with a CPUWeight= a tenth of a slice's default: it gets
 * the CPU nobody else wants and a little more. Should systemd refuse the scope, the helper still
 * works from the daemon's cgroup (logged).
 *
 * The helper writes each request on its own thread, so that a slow reclaim does not hold up the
 * next unit's, and dies with the daemon (PR_SET_PDEATHSIG, and the end of its socket). */

#define RECLAIM_SCOPE "agentcgroupd-reclaim.scope"
#define RECLAIM_CPU_WEIGHT 10
/* While a higher-priority unit stalls, the helper reclaims what is squeezed for it, work that
 * unit would otherwise do itself in direct reclaim: then the scope weighs as much as a top-level
 * slice by default (agent.slice as a whole), one SetUnitProperties() each way. */
#define RECLAIM_CPU_WEIGHT_URGENT 100

typedef struct ReclaimHelper ReclaimHelper;

/* Asks for bytes to be reclaimed from the cgroup (a path below the cgroup root) of unit; the
 * answer goes to memory_reclaim_done(). Starts the helper if none runs. 0, or a negative errno
 * (logged by the caller): nothing was asked then. */
int reclaim_request(Manager *m, const char *unit, const char *cgroup, uint64_t bytes);

/* Whether a higher-priority unit stalls while the helper reclaims for it: sets the scope's
 * CPUWeight= (through systemd, one call at a time) when it changes. Remembered for a helper
 * started later. */
void reclaim_set_urgent(Manager *m, bool urgent);

/* Stops the helper (what it is writing is abandoned) and frees it. */
ReclaimHelper *reclaim_helper_free(ReclaimHelper *h);

/* The helper's PID, 0 when none runs. */
pid_t reclaim_helper_pid(const ReclaimHelper *h);
