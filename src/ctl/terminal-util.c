/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <unistd.h>

#include "macro.h"
#include "terminal-util.h"

bool colors_enabled_for_fd(int fd) {
        const char *term = getenv("TERM");

        /* NO_COLOR counts when set to anything but the empty string. */
        if (!isempty(getenv("NO_COLOR")))
                return false;
        if (streq_ptr(term, "dumb"))
                return false;
        return isatty(fd) > 0;
}
