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

/* The slice sessions are started in (StartSession(), agentcgroupctl run): the first
 * ManagedSlices= entry that names one slice rather than a glob; NULL when there is none. */
const char *config_session_parent(const Config *c);

/* The first rule whose conditions all hold, or NULL. */
const MatchRule *config_match_rule(const Config *c, const UnitFacts *u);

/* The profile for a managed unit: the first matching rule's, else DefaultProfile=, else NULL. */
const Profile *config_select_profile(const Config *c, const UnitFacts *u, const MatchRule **ret_rule);

/* Where a unit's profile came from. */
typedef enum ProfileSource {
        PROFILE_SOURCE_NONE,            /* no profile */
        PROFILE_SOURCE_RULE,            /* a [Match:] rule */
        PROFILE_SOURCE_DEFAULT,         /* DefaultProfile= */
        PROFILE_SOURCE_OVERRIDE,        /* set at run time (SetUnitProfile()) */
        _PROFILE_SOURCE_MAX,
} ProfileSource;

/* "", "rule", "default", "override". */
const char *profile_source_to_string(ProfileSource s);

/* What the daemon reports as a unit's rule when its profile is an override. Rule names are
 * valid profile names, which cannot contain parentheses, so it is never a real rule's name. */
#define RULE_OVERRIDE "(override)"

/* As config_select_profile(), unless override names a profile of c: then that one, with
 * *ret_rule NULL. An override c does not have is ignored (*ret_source then says where the
 * profile came from instead; the caller drops the override). */
const Profile *config_resolve_profile(const Config *c, const UnitFacts *u, const char *override,
                                      const MatchRule **ret_rule, ProfileSource *ret_source);
