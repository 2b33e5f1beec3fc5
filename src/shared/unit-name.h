/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* Unit names as systemd defines them: pure string logic, no bus. */

#define UNIT_NAME_MAX 256

typedef enum UnitType {
        UNIT_TYPE_SLICE,
        UNIT_TYPE_SCOPE,
        UNIT_TYPE_SERVICE,
        UNIT_TYPE_OTHER,
        _UNIT_TYPE_INVALID = -1,
} UnitType;

bool unit_name_is_valid(const char *name);
UnitType unit_name_to_type(const char *name);
const char *unit_type_to_string(UnitType t);
UnitType unit_type_from_string(const char *s);

/* The slices a slice sits in, outermost first, ending with the slice itself; the root slice
 * "-.slice" is left out. "agent-s1-x.slice" gives agent.slice, agent-s1.slice, agent-s1-x.slice.
 * -EINVAL for a name that is not a valid slice name. */
int slice_name_ancestors(const char *slice, char ***ret);
/* The parent a slice gets from its name: "agent-s1.slice" -> "agent.slice", "agent.slice" -> "-.slice". */
int slice_name_parent(const char *slice, char **ret);
