/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "manager.h"

#define AGENTCGROUP_BUS_NAME "org.agentcgroup1"
#define AGENTCGROUP_BUS_PATH "/org/agentcgroup1"
#define AGENTCGROUP_MANAGER_INTERFACE "org.agentcgroup1.Manager"

#define BUS_ERROR_UNIT_NOT_MANAGED "org.agentcgroup1.Error.UnitNotManaged"
#define BUS_ERROR_NO_SUCH_PROFILE "org.agentcgroup1.Error.NoSuchProfile"

/* Registers org.agentcgroup1.Manager at /org/agentcgroup1 (see org.agentcgroup1(5) in
 * agentcgroupd(8)). */
int bus_manager_add_objects(Manager *m);
