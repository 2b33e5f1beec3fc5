/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>
#include <systemd/sd-bus.h>

#include "manager.h"

#define AGENTCGROUP_BUS_NAME "org.agentcgroup1"
#define AGENTCGROUP_BUS_PATH "/org/agentcgroup1"
#define AGENTCGROUP_MANAGER_INTERFACE "org.agentcgroup1.Manager"

#define BUS_ERROR_UNIT_NOT_MANAGED "org.agentcgroup1.Error.UnitNotManaged"
#define BUS_ERROR_NO_SUCH_PROFILE "org.agentcgroup1.Error.NoSuchProfile"

/* Registers org.agentcgroup1.Manager at /org/agentcgroup1 (see org.agentcgroup1(5) in
 * agentcgroupd(8)). */
int bus_manager_add_objects(Manager *m);
/* The scheduler's state changed: PropertiesChanged for SchedulerMode, SchedulerState, ... */
void bus_manager_send_scheduler_changed(Manager *m);

/* For the methods of the manager object (dbus-manager.c, dbus-session.c). Each returns 0, or a
 * negative errno with error set to what the caller is told. */

/* Root or a member of AdminGroup=, from the caller's credentials as the bus reports them.
 * ret_euid (optional) gets the caller's EUID. what starts the refusal ("Reloading ..."). */
int bus_check_admin(Manager *m, sd_bus_message *msg, const char *what, uid_t *ret_euid, sd_bus_error *error);
/* InvalidArgs for a name that is not a unit name; at most 64 characters of it are echoed. */
int bus_check_unit_name(const char *unit, sd_bus_error *error);
/* A valid unit name the daemon manages, else InvalidArgs or UnitNotManaged. */
int bus_get_managed_unit(Manager *m, const char *name, TrackedUnit **ret, sd_bus_error *error);
/* InvalidArgs for a name that is not a profile name; NoSuchProfile for one the configuration
 * in effect lacks. */
int bus_check_profile_name(const char *profile, sd_bus_error *error);
int bus_check_profile_exists(Manager *m, const char *profile, sd_bus_error *error);
/* Sends systemd's method (FreezeUnit, ThawUnit, KillUnit with signo > 0 to "all", ...) for
 * unit and answers call with systemd's answer when it comes. Returns 1 (the call is answered
 * later) or < 0. */
int bus_forward_to_systemd(Manager *m, sd_bus_message *call, const char *method, const char *unit, int signo);
