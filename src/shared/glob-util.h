/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* Shell globs (fnmatch) as match rules use them. Pure. */

/* Non-empty, printable, no '/', brackets closed, no dangling backslash. On failure *reason
 * says why, for the error message. */
bool glob_is_valid(const char *pattern, const char **reason);
bool strv_fnmatch(char * const *patterns, const char *s);
