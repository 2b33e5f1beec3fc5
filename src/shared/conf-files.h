/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "conf.h"

/* Finding and reading the configuration files: the I/O edge of the config model. */

#define CONFIG_MAIN_FILE "agentcgroup.conf"
#define CONFIG_DROPIN_DIR "agentcgroup.conf.d"

/* The search path, lowest priority first. With root != NULL every directory is taken below it
 * (for tests and for "verify --root"). */
int config_search_dirs(const char *root, char ***ret);

/* The files to read, in order: the main file from the highest-priority directory that has it,
 * then every "*.conf" drop-in by file name, a name in a later directory replacing the same name
 * in an earlier one; a file that is (or links to) /dev/null masks that name. Problems with
 * directories are recorded in errors. */
int config_files_list(char * const *dirs, Config *errors, char ***ret);

/* Lists, reads and parses everything, then finalizes. The result may carry errors; the caller
 * decides whether to use it. Returns < 0 only when out of memory. */
int config_load(char * const *dirs, Config **ret);
