/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The name checks the D-Bus methods run on their arguments before anything else (unit names in
 * bus_check_unit_name(), session and tool names in dbus-session.c, and the unit names made from
 * them), slice name arithmetic, and match rule globs: the first line of the input is a glob, the
 * second a name to match it against; every line goes through the name functions. */

#include "conf.h"
#include "fuzz.h"
#include "glob-util.h"
#include "session-name.h"
#include "unit-name.h"

static bool is_slice(const char *s) {
        return unit_name_to_type(s) == UNIT_TYPE_SLICE;
}

static void check_unit_name(const char *s) {
        _cleanup_strv_free_ char **ancestors = NULL;
        _cleanup_(freep) char *parent = NULL;
        UnitType t = unit_name_to_type(s);

        FUZZ_ASSERT(unit_name_is_valid(s) == (t >= 0));
        if (t >= 0)
                FUZZ_ASSERT(strlen(s) < UNIT_NAME_MAX);
        if (t >= 0 && t != UNIT_TYPE_OTHER)
                FUZZ_ASSERT(unit_type_from_string(unit_type_to_string(t)) == t);
        (void) unit_type_from_string(s);

        if (slice_name_parent(s, &parent) == 0) {
                FUZZ_ASSERT(is_slice(s));
                FUZZ_ASSERT(is_slice(parent));
                FUZZ_ASSERT(streq(parent, "-.slice") || strlen(parent) < strlen(s));
        }
        /* The ancestors are the chain of parents, outermost first, ending with the slice. */
        if (slice_name_ancestors(s, &ancestors) == 0) {
                size_t n = strv_length(ancestors);

                FUZZ_ASSERT(is_slice(s));
                FUZZ_ASSERT(n == 0 ? streq(s, "-.slice") : streq(ancestors[n - 1], s));
                for (size_t i = 0; i < n; i++) {
                        _cleanup_(freep) char *p = NULL;

                        FUZZ_ASSERT(slice_name_parent(ancestors[i], &p) == 0);
                        FUZZ_ASSERT(streq(p, i == 0 ? "-.slice" : ancestors[i - 1]));
                }
        } else
                FUZZ_ASSERT(!parent);
}

static void check_session_name(const char *parent, const char *s) {
        _cleanup_(freep) char *slice = NULL, *slice_parent = NULL, *scope = NULL;
        const char *reason = session_name_invalid_reason(s);
        int r;

        r = session_slice_name(parent, s, &slice);
        if (r == 0) {
                FUZZ_ASSERT(!reason);
                FUZZ_ASSERT(is_slice(slice));
                /* The session's slice sits right below the parent, whatever the session name
                 * (its dashes are escaped). */
                if (slice_name_parent(parent, &slice_parent) == 0) {
                        _cleanup_(freep) char *p = NULL;

                        FUZZ_ASSERT(slice_name_parent(slice, &p) == 0);
                        FUZZ_ASSERT(streq(p, parent));
                }
        } else
                FUZZ_ASSERT(r == -EINVAL);
        /* A valid session name always makes a slice name, unless escaping its dashes makes that
         * longer than systemd allows. */
        if (!reason && streq(parent, "agent.slice")) {
                size_t n = strlen("agent-") + strlen(s) + strlen(".slice");

                for (const char *c = s; *c; c++)
                        n += *c == '-' ? 3 : 0;
                FUZZ_ASSERT((r == 0) == (n < UNIT_NAME_MAX));
        }

        reason = tool_name_invalid_reason(s);
        r = tool_scope_name(s, (uint64_t) strlen(s) * UINT64_C(0x9e3779b97f4a7c15), &scope);
        FUZZ_ASSERT(!reason == (r == 0));
        if (r == 0)
                FUZZ_ASSERT(unit_name_to_type(scope) == UNIT_TYPE_SCOPE);
}

static void check_glob(const char *pattern, const char *name) {
        char *patterns[] = { (char *) pattern, NULL };
        const char *why = NULL;
        bool valid = glob_is_valid(pattern, &why);

        FUZZ_ASSERT(valid == !why);
        if (!valid)
                return;
        (void) strv_fnmatch(patterns, name);
        /* A pattern without special characters matches itself. */
        if (!strpbrk(pattern, "*?[\\"))
                FUZZ_ASSERT(strv_fnmatch(patterns, pattern));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_strv_free_ char **lines = NULL;
        size_t n;

        lines = fuzz_split_lines(data, size);
        n = strv_length(lines);
        if (n == 0)
                return 0;

        check_glob(lines[0], n > 1 ? lines[1] : "");
        STRV_FOREACH(l, lines) {
                check_unit_name(*l);
                (void) profile_name_is_valid(*l);
                check_session_name("agent.slice", *l);
                /* The first line as the parent slice, as [Manager] ManagedSlices= could give. */
                check_session_name(lines[0], *l);
        }
        return 0;
}
