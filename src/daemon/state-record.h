/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <dirent.h>
#include <stdbool.h>

#include "manager.h"

/* Records that outlive the daemon: one file per unit under a kind's directory in the runtime
 * state directory (frozen/: units it froze, protected/: slices whose MemoryLow= it raised).
 * RuntimeDirectoryPreserve=yes keeps them, so a restarted daemon undoes what a dead one did. */

/* The record's path, with the kind's directory created first; NULL when out of memory. */
char *state_record_prepare(Manager *m, const char *kind, const char *unit);
/* Whether the unit has a record of that kind. */
bool state_record_exists(Manager *m, const char *kind, const char *unit);
/* Removes the record, if any; a failure is logged. */
void state_record_remove(Manager *m, const char *kind, const char *unit);
/* The kind's directory, for reading the records: 1 with *ret_dir open, 0 when there is none
 * yet, or a negative errno, logged. *ret_path is set in every case but out of memory. */
int state_record_open_dir(Manager *m, const char *kind, char **ret_path, DIR **ret_dir);
