/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fnmatch.h>

#include "glob-util.h"
#include "macro.h"
#include "strv.h"

bool glob_is_valid(const char *pattern, const char **reason) {
        const char *why = NULL;

        if (isempty(pattern))
                why = "empty pattern";
        else
                for (const char *p = pattern; *p && !why; p++) {
                        unsigned char c = (unsigned char) *p;

                        if (c < 0x20 || c == 0x7f)
                                why = "control character in pattern";
                        else if (c == '/')
                                why = "'/' cannot appear in a unit name";
                        else if (c == '\\') {
                                if (p[1] == '\0')
                                        why = "pattern ends in a lone backslash";
                                else
                                        p++;
                        } else if (c == '[') {
                                const char *q = p + 1;

                                /* "[]...]" and "[!]...]": a leading ']' is literal. */
                                if (*q == '!' || *q == '^')
                                        q++;
                                if (*q == ']')
                                        q++;
                                q = strchr(q, ']');
                                if (!q)
                                        why = "unclosed '[' in pattern";
                                else
                                        p = q;
                        }
                }

        if (reason)
                *reason = why;
        return !why;
}

bool strv_fnmatch(char * const *patterns, const char *s) {
        if (!s)
                return false;
        STRV_FOREACH(p, patterns)
                if (fnmatch(*p, s, 0) == 0)
                        return true;
        return false;
}
