/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* Pipes stdout (and stderr, when it is the same terminal) into $PAGER or "less -FRSXMK" when
 * stdout is a terminal, as systemctl does. Does nothing when disabled, when stdout is not a
 * terminal, or when $PAGER is "" or "cat". Decide on colour before calling this. */
int pager_open(bool disabled);
/* Flushes, closes our end and waits for the pager; safe to call without pager_open(). */
void pager_close(void);
