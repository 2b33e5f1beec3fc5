/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "manager.h"

/* The dynamic memory layer's I/O: per managed unit an inotify watch on memory.events and a PSI
 * trigger on memory.pressure wake the loop; an evaluation reads the cgroups, runs the pure policy
 * (mem-policy.c) per domain (the tree below one managed slice) and carries out its decisions
 * through systemd (SetUnitProperties, FreezeUnit, ThawUnit, KillUnit), memory.reclaim and
 * oom_score_adj. A timer runs only while something is in progress. */

/* Start-up, once the bus is up: thaws what a previous instance left frozen. */
int memory_setup(Manager *m);
/* Clean stop: thaws every unit the daemon froze and puts back the profile's memory.high where
 * the policy had moved it. Synchronous. */
void memory_shutdown(Manager *m);
/* Frees the domains' watches (at exit). */
void memory_free(Manager *m);
/* Settings of a new configuration. */
void memory_config_changed(Manager *m);

/* Starts (or updates, after a reload) watching a managed unit that has profile p. */
int memory_watch_unit(TrackedUnit *u, const Profile *p);
/* The unit's profile now says mode (Mode=; before memory_watch_unit()). Leaving enforce mode
 * undoes what the policy did (thaws, puts back memory.high); either way the policy starts over
 * from RUNNING, so entering enforce mode acts on what it sees next. */
void memory_set_mode(TrackedUnit *u, ActionMode mode);
/* Stops watching: gone (the unit was removed) drops its frozen record; otherwise (no longer
 * managed) a unit the policy froze is thawed. Its policy state starts over. */
void memory_unwatch_unit(TrackedUnit *u, bool gone);
/* Closes what watches the unit and nothing else (the record is freed at exit). */
void memory_release_unit(TrackedUnit *u);

/* The helper's answer to reclaim_request(): error 0 or a negative errno, and how long it took. */
void memory_reclaim_done(Manager *m, const char *unit, int error, uint64_t bytes, uint64_t took_usec);
/* The helper died with requests in flight: none of them will be answered. */
void memory_reclaim_lost(Manager *m);

/* The cgroup path of the unit's domain: the topmost slice it sits in that ManagedSlices= names,
 * whose limit its memory counts against; "/" when there is none. */
char *memory_domain_root(Manager *m, const char *cgroup);

/* The memory.high the unit should have now: the policy's when it moved it, else the profile's
 * (with its burst allowance). UINT64_MAX: infinity. */
uint64_t memory_desired_high(const TrackedUnit *u, uint64_t profile_high);
