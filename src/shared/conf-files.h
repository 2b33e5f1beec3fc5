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

/* What became of a file found in the search path (for "agentcgroupctl cat-config"). */
typedef enum ConfigFileState {
        CONFIG_FILE_READ,       /* in effect: config_load() reads it */
        CONFIG_FILE_MASKED,     /* a link to /dev/null: nothing of that name is read */
        CONFIG_FILE_OVERRIDDEN, /* a file of the same name in a later directory takes its place */
} ConfigFileState;

typedef struct ConfigFile {
        char *path;
        ConfigFileState state;
        char *overridden_by;    /* CONFIG_FILE_OVERRIDDEN: the path taking its place (may be a mask) */
} ConfigFile;

ConfigFile *config_file_array_free(ConfigFile *files, size_t n);

/* Every file config_files_list() looks at, with its fate: the main file's candidates, then each
 * drop-in name in the order read; within one name, lowest priority first, the one that decides
 * last. The READ entries, in order, are exactly config_files_list()'s result. */
int config_files_list_all(char * const *dirs, Config *errors, ConfigFile **ret, size_t *ret_n);

/* Opens and parses one file into c as config_load() does for each file it reads: a file that
 * cannot be opened or is not a regular file is recorded as an error in c. Returns < 0 only
 * when out of memory. */
int config_parse_path(Config *c, const char *path);

/* Lists, reads and parses everything, then finalizes. The result may carry errors; the caller
 * decides whether to use it. Returns < 0 only when out of memory. */
int config_load(char * const *dirs, Config **ret);
