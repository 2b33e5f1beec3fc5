/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "strv.h"
#include "unit-name.h"

static const char * const unit_type_names[] = {
        [UNIT_TYPE_SLICE] = "slice",
        [UNIT_TYPE_SCOPE] = "scope",
        [UNIT_TYPE_SERVICE] = "service",
};

const char *unit_type_to_string(UnitType t) {
        if (t < 0 || (size_t) t >= ELEMENTSOF(unit_type_names))
                return NULL;
        return unit_type_names[t];
}

UnitType unit_type_from_string(const char *s) {
        for (size_t i = 0; i < ELEMENTSOF(unit_type_names); i++)
                if (streq_ptr(s, unit_type_names[i]))
                        return (UnitType) i;
        return _UNIT_TYPE_INVALID;
}

static bool unit_char_is_valid(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               strchr(":-_.\\@", c);
}

bool unit_name_is_valid(const char *name) {
        static const char * const suffixes[] = {
                ".service", ".socket", ".target", ".device", ".mount", ".automount", ".swap",
                ".timer", ".path", ".slice", ".scope",
        };
        const char *dot;
        size_t n;

        if (isempty(name))
                return false;
        n = strlen(name);
        if (n >= UNIT_NAME_MAX)
                return false;
        for (const char *p = name; *p; p++)
                if (!unit_char_is_valid(*p))
                        return false;
        dot = strrchr(name, '.');
        if (!dot || dot == name)
                return false;
        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++)
                if (streq(dot, suffixes[i]))
                        return true;
        return false;
}

UnitType unit_name_to_type(const char *name) {
        const char *dot;

        if (!unit_name_is_valid(name))
                return _UNIT_TYPE_INVALID;
        dot = strrchr(name, '.');
        for (size_t i = 0; i < ELEMENTSOF(unit_type_names); i++)
                if (streq(dot + 1, unit_type_names[i]))
                        return (UnitType) i;
        return UNIT_TYPE_OTHER;
}

static bool slice_name_is_valid(const char *name) {
        size_t n;

        if (streq_ptr(name, "-.slice"))
                return true;
        if (unit_name_to_type(name) != UNIT_TYPE_SLICE)
                return false;
        n = strlen(name) - strlen(".slice");
        /* Dashes separate levels: none leading, trailing or doubled, and no templates. */
        return !(n == 0 || name[0] == '-' || name[n - 1] == '-' || strstr(name, "--") || strchr(name, '@'));
}

int slice_name_parent(const char *slice, char **ret) {
        const char *dash;
        char *p;

        if (!slice_name_is_valid(slice) || streq(slice, "-.slice"))
                return -EINVAL;
        dash = strrchr(slice, '-');
        if (!dash)
                p = strdup("-.slice");
        else
                p = asprintf_safe("%.*s.slice", (int) (dash - slice), slice);
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

int slice_name_ancestors(const char *slice, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        size_t n;
        int r;

        if (!slice_name_is_valid(slice))
                return -EINVAL;
        l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        if (streq(slice, "-.slice")) {
                *ret = TAKE_PTR(l);
                return 0;
        }

        n = strlen(slice) - strlen(".slice");
        for (size_t i = 0; i <= n; i++)
                if (i == n || slice[i] == '-') {
                        r = strv_consume(&l, asprintf_safe("%.*s.slice", (int) i, slice));
                        if (r < 0)
                                return r;
                }
        *ret = TAKE_PTR(l);
        return 0;
}
