/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* Colour for a terminal only, and never when NO_COLOR is set (https://no-color.org) or the
 * terminal is "dumb". Decide before a pager takes over stdout. */
bool colors_enabled_for_fd(int fd);

#define ANSI_NORMAL         "\x1b[0m"
#define ANSI_BOLD           "\x1b[1m"
#define ANSI_HIGHLIGHT_RED  "\x1b[0;1;31m"
#define ANSI_HIGHLIGHT_YELLOW "\x1b[0;1;33m"
#define ANSI_HIGHLIGHT_BLUE "\x1b[0;1;34m"
#define ANSI_GREY           "\x1b[0;38;5;245m"

/* The sequence when colour is on, else "", so format strings need no branches. */
static inline const char *ansi(bool color, const char *seq) {
        return color ? seq : "";
}
