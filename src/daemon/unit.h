/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>

#include "manager.h"
#include "profile-props.h"
#include "unit-name.h"

#define UNIT_QUERY_RETRIES 3

/* A systemd unit agentcgroupd knows of: what systemd told us about it, whether it is managed,
 * which profile it got, and what we asked systemd to set on it. */

/* systemd's current values of the properties a profile sets, by the names UnitPropertySet uses. */
typedef struct UnitCurrentProperties {
        uint64_t cpu_weight, memory_min, memory_low, memory_high, memory_max, memory_swap_max, tasks_max;
} UnitCurrentProperties;

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
        char *rule;             /* the match rule that chose it, NULL for the default */
        UnitPropertySet applied;
        uint64_t applied_usec;  /* CLOCK_MONOTONIC of the last successful apply, 0 if never */
        unsigned n_apply_failures;

        sd_bus_slot *query_slot;
        sd_bus_slot *apply_slot;
        bool query_again;       /* a newer event arrived while a query was in flight */
        unsigned n_retries;     /* consecutive timeouts of our calls for this unit */
        bool queued;            /* waiting for room to send its query */
        TrackedUnit *queue_prev, *queue_next;
        bool counted_in_startup;
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
/* Classifies with the current facts and configuration, then sets what differs. */
int unit_classify_and_apply(TrackedUnit *u);
/* Whether a unit name is of a type agentcgroupd looks at at all. */
bool unit_name_is_interesting(const char *name);
