/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "manager.h"

#define AGENTCGROUP_UNIT_INTERFACE "org.agentcgroup1.Unit"
#define AGENTCGROUP_UNIT_PATH_PREFIX "/org/agentcgroup1/unit"

/* One object per managed unit, org.agentcgroup1.Unit at
 * /org/agentcgroup1/unit/<the unit name, sd_bus_path_encode()d> (see agentcgroupd(8)). The
 * objects are looked up on demand from the tracked units: a unit has one exactly while it is
 * tracked and managed, so nothing is registered or removed per unit. */

/* Registers the object tree (a fallback vtable and a node enumerator) at start-up. */
int bus_unit_add_objects(Manager *m);

/* The object path of a unit, or NULL when out of memory. */
char *bus_unit_path(const char *name);

/* PropertiesChanged with every property but Id, as they are now. Call after the memory layer
 * changed the unit's state, figures, counters or last action, and after a new profile. No-op
 * when the unit is not managed or the bus is not connected. */
void bus_unit_send_changed(TrackedUnit *u);

/* org.agentcgroup1.Manager.UnitStateChanged(unit, path, state, action, reason): after an action
 * was carried out (last_action, last_reason set) or the state changed. Same no-op rules. */
void bus_unit_send_state_changed(TrackedUnit *u);
