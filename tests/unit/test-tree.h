/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/stat.h>

#include "tests.h"

/* A configuration tree below a fresh temporary root, as --root and config_search_dirs() see
 * it. One tree at a time: tree_setup() makes it, tree_cleanup() removes it. */

static char tree_root[] = "/tmp/agentcgroup-test-XXXXXX";

/* root + rel, in one of rotating buffers so that one call can take several (up to 16). */
static inline const char *tree_path(const char *rel) {
        static char bufs[16][512];
        static unsigned next;
        char *b = bufs[next++ % ELEMENTSOF(bufs)];

        snprintf(b, sizeof bufs[0], "%s%s", tree_root, rel);
        return b;
}

static inline void tree_mkdirs(const char *rel) {
        _cleanup_(freep) char *dir = asprintf_safe("%s%s/", tree_root, rel);

        ASSERT_NOT_NULL(dir);
        for (char *p = dir + strlen(tree_root) + 1; (p = strchr(p, '/')); p++) {
                *p = '\0';
                mkdir(dir, 0755);
                *p = '/';
        }
}

static inline void tree_parent_dirs(const char *rel) {
        _cleanup_(freep) char *parent = strdup(rel);

        ASSERT_NOT_NULL(parent);
        *strrchr(parent, '/') = '\0';
        tree_mkdirs(parent);
}

static inline void tree_write(const char *rel, const char *text) {
        FILE *f;

        tree_parent_dirs(rel);
        f = fopen(tree_path(rel), "we");
        ASSERT_NOT_NULL(f);
        fputs(text, f);
        fclose(f);
}

static inline void tree_symlink(const char *target, const char *rel) {
        tree_parent_dirs(rel);
        unlink(tree_path(rel));
        ASSERT_OK(symlink(target, tree_path(rel)));
}

static inline void tree_mask(const char *rel) {
        tree_symlink("/dev/null", rel);
}

static inline void tree_setup(void) {
        strcpy(tree_root, "/tmp/agentcgroup-test-XXXXXX");
        ASSERT_NOT_NULL(mkdtemp(tree_root));
}

static inline void tree_cleanup(void) {
        char cmd[600];

        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tree_root);
        ASSERT_EQ(system(cmd), 0);
}

/* The vendor configuration as conf.d/ ships it, trimmed to what the tests look at. */
#define VENDOR_MAIN "/usr/lib/agentcgroup/agentcgroup.conf"
#define VENDOR_DROPINS "/usr/lib/agentcgroup/agentcgroup.conf.d"
#define ETC_MAIN "/etc/agentcgroup/agentcgroup.conf"
#define ETC_DROPINS "/etc/agentcgroup/agentcgroup.conf.d"
#define RUN_DROPINS "/run/agentcgroup/agentcgroup.conf.d"

static inline void tree_write_vendor(void) {
        tree_write(VENDOR_MAIN,
                   "[Manager]\n"
                   "ManagedSlices=agent.slice\n"
                   "DefaultProfile=tool-burst\n");
        tree_write(VENDOR_DROPINS "/10-session.conf",
                   "[Profile:session]\n"
                   "Class=interactive\n"
                   "CPUWeight=100\n"
                   "TasksMax=4096\n"
                   "\n"
                   "[Match:session-slices]\n"
                   "Type=slice\n"
                   "Slice=agent.slice\n"
                   "Profile=session\n");
        tree_write(VENDOR_DROPINS "/20-interactive.conf",
                   "[Profile:interactive]\n"
                   "Class=interactive\n"
                   "CPUWeight=1000\n"
                   "MemoryLow=256M\n"
                   "\n"
                   "[Match:agent-runtime]\n"
                   "Type=scope\n"
                   "Unit=runtime.scope runtime-*.scope\n"
                   "Description=Agent *\n"
                   "Description=Runtime for *\n"
                   "Profile=interactive\n");
        tree_write(VENDOR_DROPINS "/30-tool-burst.conf",
                   "[Profile:tool-burst]\n"
                   "Class=tool-burst\n"
                   "CPUWeight=100\n"
                   "MemoryHigh=2G\n"
                   "MemorySwapMax=0\n"
                   "TasksMax=infinity\n");
        tree_write(VENDOR_DROPINS "/40-background.conf",
                   "[Profile:background]\n"
                   "Class=background\n"
                   "CPUWeight=20\n"
                   "MemoryMin=12.5%\n"
                   "MemoryHigh=1G\n"
                   "MemoryMax=2G\n"
                   "TasksMax=1024\n"
                   "\n"
                   "[Match:batch-sessions]\n"
                   "Type=scope\n"
                   "Slice=agent-batch*.slice\n"
                   "User=root 1000\n"
                   "Profile=background\n");
}
