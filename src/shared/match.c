/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "glob-util.h"
#include "match.h"
#include "strv.h"

const char *config_session_parent(const Config *c) {
        STRV_FOREACH(s, c ? c->managed_slices : NULL)
                if (!strpbrk(*s, "*?[") && unit_name_to_type(*s) == UNIT_TYPE_SLICE && !streq(*s, "-.slice"))
                        return *s;
        return NULL;
}

/* Slices strictly above the unit, outermost first. */
static char **unit_slice_ancestry(const UnitFacts *u) {
        char **l = NULL;

        if (u->type == UNIT_TYPE_SLICE) {
                char **self = NULL;

                if (slice_name_ancestors(u->name, &self) < 0)
                        return NULL;
                /* drop the slice itself */
                size_t n = strv_length(self);
                if (n > 0)
                        self[n - 1] = mfree(self[n - 1]);
                return self;
        }
        if (!u->slice || slice_name_ancestors(u->slice, &l) < 0)
                return NULL;
        return l;
}

static bool any_fnmatch(char * const *patterns, char * const *names) {
        STRV_FOREACH(n, names)
                if (strv_fnmatch(patterns, *n))
                        return true;
        return false;
}

bool config_unit_is_managed(const Config *c, const UnitFacts *u) {
        _cleanup_strv_free_ char **ancestry = unit_slice_ancestry(u);

        return any_fnmatch(c->managed_slices, ancestry);
}

static bool user_matches(char * const *users, const UnitFacts *u) {
        char uid[32];

        if (u->uid == (uid_t) -1)
                return false;
        snprintf(uid, sizeof uid, "%" PRIu32, (uint32_t) u->uid);
        STRV_FOREACH(w, users)
                if (streq(*w, uid) || streq_ptr(*w, u->user))
                        return true;
        return false;
}

static bool rule_matches(const MatchRule *m, const UnitFacts *u, char * const *ancestry) {
        if (m->type >= 0 && m->type != u->type)
                return false;
        if (m->units && !strv_fnmatch(m->units, u->name))
                return false;
        if (m->slices && !any_fnmatch(m->slices, ancestry))
                return false;
        if (m->users && !user_matches(m->users, u))
                return false;
        if (m->descriptions && !strv_fnmatch(m->descriptions, u->description))
                return false;
        return true;
}

const MatchRule *config_match_rule(const Config *c, const UnitFacts *u) {
        _cleanup_strv_free_ char **ancestry = unit_slice_ancestry(u);

        for (size_t i = 0; i < c->n_rules; i++)
                if (rule_matches(c->rules[i], u, ancestry))
                        return c->rules[i];
        return NULL;
}

const Profile *config_select_profile(const Config *c, const UnitFacts *u, const MatchRule **ret_rule) {
        const MatchRule *m = config_match_rule(c, u);

        if (ret_rule)
                *ret_rule = m;
        if (m)
                return config_find_profile(c, m->profile);
        return c->default_profile ? config_find_profile(c, c->default_profile) : NULL;
}

static const char * const profile_source_names[_PROFILE_SOURCE_MAX] = {
        [PROFILE_SOURCE_NONE] = "",
        [PROFILE_SOURCE_RULE] = "rule",
        [PROFILE_SOURCE_DEFAULT] = "default",
        [PROFILE_SOURCE_OVERRIDE] = "override",
};

const char *profile_source_to_string(ProfileSource s) {
        if (s < 0 || s >= _PROFILE_SOURCE_MAX)
                return NULL;
        return profile_source_names[s];
}

const Profile *config_resolve_profile(const Config *c, const UnitFacts *u, const char *override,
                                      const MatchRule **ret_rule, ProfileSource *ret_source) {
        const MatchRule *m = NULL;
        const Profile *p = override ? config_find_profile(c, override) : NULL;
        ProfileSource source = PROFILE_SOURCE_OVERRIDE;

        if (!p) {
                p = config_select_profile(c, u, &m);
                source = !p ? PROFILE_SOURCE_NONE : m ? PROFILE_SOURCE_RULE : PROFILE_SOURCE_DEFAULT;
        }
        if (ret_rule)
                *ret_rule = m;
        if (ret_source)
                *ret_source = source;
        return p;
}
