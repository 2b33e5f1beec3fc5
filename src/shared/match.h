/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "conf.h"

/* Which units are managed and which profile each gets. Pure: the caller gathers the facts. */

typedef struct UnitFacts {
        const char *name;
        UnitType type;
        const char *slice;       /* the slice the unit sits in (for a slice: its parent) */
        const char *description;
        uid_t uid;               /* owner of the unit's processes; (uid_t) -1 if unknown */
        const char *user;        /* that uid's name, if it has one */
} UnitFacts;

/* True when the unit sits strictly below a slice matching ManagedSlices=. A managed root itself
 * is not managed: its own unit file configures it. */
bool config_unit_is_managed(const Config *c, const UnitFacts *u);

/* The first rule whose conditions all hold, or NULL. */
const MatchRule *config_match_rule(const Config *c, const UnitFacts *u);

/* The profile for a managed unit: the first matching rule's, else DefaultProfile=, else NULL. */
const Profile *config_select_profile(const Config *c, const UnitFacts *u, const MatchRule **ret_rule);
