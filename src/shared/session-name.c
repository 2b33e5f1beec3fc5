/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "session-name.h"
#include "unit-name.h"

static bool name_char_is_valid(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("_.:-", c);
}

static const char *name_invalid_reason(const char *s, size_t max) {
        if (isempty(s))
                return "is empty";
        if (strlen(s) > max)
                return max == SESSION_NAME_MAX ? "is longer than 64 characters" : "is too long";
        if (s[0] == '.' || s[0] == '-')
                return "starts with '.' or '-'";
        for (const char *p = s; *p; p++)
                if (!name_char_is_valid(*p))
                        return *p == '/' ? "contains '/'" : "contains a character other than A-Z a-z 0-9 _ . : -";
        return NULL;
}

const char *session_name_invalid_reason(const char *s) {
        return name_invalid_reason(s, SESSION_NAME_MAX);
}

const char *tool_name_invalid_reason(const char *s) {
        return name_invalid_reason(s, TOOL_NAME_MAX);
}

int session_slice_name(const char *parent, const char *session, char **ret) {
        size_t prefix, n = 0;
        char *s, *p;

        if (session_name_invalid_reason(session) || unit_name_to_type(parent) != UNIT_TYPE_SLICE ||
            streq(parent, "-.slice"))
                return -EINVAL;
        prefix = strlen(parent) - strlen(".slice");
        for (const char *c = session; *c; c++)
                n += *c == '-' ? 4 : 1;
        s = malloc(prefix + 1 + n + strlen(".slice") + 1);
        if (!s)
                return -ENOMEM;
        p = mempcpy(s, parent, prefix);
        *p++ = '-';
        for (const char *c = session; *c; c++)
                p = *c == '-' ? mempcpy(p, "\\x2d", 4) : mempcpy(p, c, 1);
        strcpy(p, ".slice");
        if (!unit_name_is_valid(s)) {
                free(s);
                return -EINVAL;
        }
        *ret = s;
        return 0;
}

int tool_scope_name(const char *tool, uint64_t id, char **ret) {
        char *s;

        if (tool_name_invalid_reason(tool))
                return -EINVAL;
        s = asprintf_safe("tool-%s-%012" PRIx64 ".scope", tool, id & UINT64_C(0xffffffffffff));
        if (!s)
                return -ENOMEM;
        if (!unit_name_is_valid(s)) {
                free(s);
                return -EINVAL;
        }
        *ret = s;
        return 0;
}
