/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "manager.h"

/* MemoryLow= on the slices between protected units and their domain, so that the kernel honours
 * the units' own protection (protect.c). */

/* Reads the records of slices a previous instance raised. */
int protect_setup(Manager *m);
/* Recomputes what each slice needs, soon (from the event loop) or now. */
void protect_schedule(Manager *m);
void protect_update(Manager *m);
/* Puts back every slice's own MemoryLow=, synchronously. */
void protect_shutdown(Manager *m);
void protect_free(Manager *m);
