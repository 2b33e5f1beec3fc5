/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sys/stat.h>

#include "conf-files.h"
#include "strv.h"
#include "test-helpers.h"

static char root[] = "/tmp/agentcgroup-test-XXXXXX";

static void write_file(const char *rel, const char *text) {
        char path[512], dir[512];
        FILE *f;

        snprintf(path, sizeof path, "%s%s", root, rel);
        snprintf(dir, sizeof dir, "%s", path);
        for (char *p = dir + strlen(root) + 1; (p = strchr(p, '/')); p++) {
                *p = '\0';
                mkdir(dir, 0755);
                *p = '/';
        }
        f = fopen(path, "we");
        ASSERT_NOT_NULL(f);
        fputs(text, f);
        fclose(f);
}

static void mask(const char *rel) {
        char path[512];

        snprintf(path, sizeof path, "%s%s", root, rel);
        unlink(path);
        ASSERT_OK(symlink("/dev/null", path));
}

static void setup_tree(void) {
        strcpy(root, "/tmp/agentcgroup-test-XXXXXX");
        ASSERT_NOT_NULL(mkdtemp(root));
        write_file("/usr/lib/agentcgroup/agentcgroup.conf",
                   "[Manager]\nDefaultProfile=vendor\n[Profile:vendor]\nCPUWeight=10\n[Profile:site]\n");
        write_file("/etc/agentcgroup/agentcgroup.conf", "[Manager]\nDefaultProfile=site\n[Profile:site]\nCPUWeight=30\n");
        write_file("/usr/lib/agentcgroup/agentcgroup.conf.d/10-a.conf", "[Profile:vendor]\nCPUWeight=11\n");
        write_file("/usr/lib/agentcgroup/agentcgroup.conf.d/20-b.conf", "[Profile:vendor]\nCPUWeight=12\n");
        write_file("/usr/lib/agentcgroup/agentcgroup.conf.d/30-c.conf", "[Profile:vendor]\nCPUWeight=13\n");
        write_file("/run/agentcgroup/agentcgroup.conf.d/20-b.conf", "[Profile:vendor]\nCPUWeight=22\n");
        write_file("/etc/agentcgroup/agentcgroup.conf.d/15-e.conf", "[Profile:vendor]\nMemoryHigh=1G\n");
        write_file("/etc/agentcgroup/agentcgroup.conf.d/README", "not a drop-in\n");
        write_file("/etc/agentcgroup/agentcgroup.conf.d/.hidden.conf", "garbage\n");
}

static void cleanup_tree(void) {
        char cmd[600];

        snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
        ASSERT_EQ(system(cmd), 0);
}

static char *rel(const char *path) {
        return (char *) path + strlen(root);
}

TEST(precedence_and_order) {
        _cleanup_strv_free_ char **dirs = NULL, **files = NULL;
        _cleanup_(config_freep) Config *c = NULL;

        setup_tree();
        ASSERT_OK(config_search_dirs(root, &dirs));
        ASSERT_OK(config_files_list(dirs, NULL, &files));
        ASSERT_EQ(strv_length(files), 5);
        /* The main file from /etc replaces the vendor one entirely. */
        ASSERT_STREQ(rel(files[0]), "/etc/agentcgroup/agentcgroup.conf");
        /* Drop-ins by name across all directories; /run's 20-b.conf replaces /usr/lib's. */
        ASSERT_STREQ(rel(files[1]), "/usr/lib/agentcgroup/agentcgroup.conf.d/10-a.conf");
        ASSERT_STREQ(rel(files[2]), "/etc/agentcgroup/agentcgroup.conf.d/15-e.conf");
        ASSERT_STREQ(rel(files[3]), "/run/agentcgroup/agentcgroup.conf.d/20-b.conf");
        ASSERT_STREQ(rel(files[4]), "/usr/lib/agentcgroup/agentcgroup.conf.d/30-c.conf");

        ASSERT_OK(config_load(dirs, &c));
        dump_errors(c);
        ASSERT_EQ(c->n_errors, 0);
        ASSERT_STREQ(c->default_profile, "site");
        ASSERT_U64_EQ(config_find_profile(c, "site")->cpu_weight, 30);
        /* vendor is defined by drop-ins only now: the last one (30-c) wins, 15-e adds a key. */
        ASSERT_U64_EQ(config_find_profile(c, "vendor")->cpu_weight, 13);
        ASSERT_U64_EQ(config_find_profile(c, "vendor")->memory_high.value, 1ULL << 30);
        cleanup_tree();
}

TEST(masking) {
        _cleanup_strv_free_ char **dirs = NULL, **files = NULL;
        _cleanup_(config_freep) Config *c = NULL;

        setup_tree();
        /* Masking 30-c.conf in /etc hides the vendor file of that name. */
        mask("/etc/agentcgroup/agentcgroup.conf.d/30-c.conf");
        /* Masking the main file in /etc hides every main file. */
        mask("/etc/agentcgroup/agentcgroup.conf");
        ASSERT_OK(config_search_dirs(root, &dirs));
        ASSERT_OK(config_files_list(dirs, NULL, &files));
        ASSERT_EQ(strv_length(files), 3);
        ASSERT_STREQ(rel(files[0]), "/usr/lib/agentcgroup/agentcgroup.conf.d/10-a.conf");
        ASSERT_STREQ(rel(files[2]), "/run/agentcgroup/agentcgroup.conf.d/20-b.conf");

        ASSERT_OK(config_load(dirs, &c));
        /* No main file: the vendor profile comes from drop-ins, "site" is never defined. */
        ASSERT_U64_EQ(config_find_profile(c, "vendor")->cpu_weight, 22);
        ASSERT_NULL(config_find_profile(c, "site"));
        ASSERT_NULL(c->default_profile);
        cleanup_tree();
}

TEST(errors_carry_paths) {
        _cleanup_strv_free_ char **dirs = NULL;
        _cleanup_(config_freep) Config *c = NULL;
        char path[512];

        setup_tree();
        write_file("/run/agentcgroup/agentcgroup.conf.d/40-bad.conf", "[Profile:vendor]\n\nMemoryMax=big\n");
        snprintf(path, sizeof path, "%s/etc/agentcgroup/agentcgroup.conf.d/50-dir.conf", root);
        ASSERT_OK(mkdir(path, 0755));
        ASSERT_OK(config_search_dirs(root, &dirs));
        ASSERT_OK(config_load(dirs, &c));
        snprintf(path, sizeof path, "%s/run/agentcgroup/agentcgroup.conf.d/40-bad.conf", root);
        ASSERT_HAS_ERROR(c, path, 3, "MemoryMax=big");
        snprintf(path, sizeof path, "%s/etc/agentcgroup/agentcgroup.conf.d/50-dir.conf", root);
        ASSERT_EQ(c->n_errors, 2);
        ASSERT_TRUE(strcmp(c->errors[1].file, path) == 0 || strcmp(c->errors[0].file, path) == 0);
        cleanup_tree();
}

TEST(empty_tree) {
        _cleanup_strv_free_ char **dirs = NULL, **files = NULL;
        _cleanup_(config_freep) Config *c = NULL;

        ASSERT_OK(config_search_dirs("/nonexistent-agentcgroup-root", &dirs));
        ASSERT_OK(config_files_list(dirs, NULL, &files));
        ASSERT_EQ(strv_length(files), 0);
        ASSERT_OK(config_load(dirs, &c));
        ASSERT_EQ(c->n_errors, 0);
        ASSERT_STREQ(c->managed_slices[0], "agent.slice");
}

TEST(dangling_main_file_is_an_error) {
        _cleanup_strv_free_ char **dirs = NULL;
        _cleanup_(config_freep) Config *c = NULL;
        char path[512];

        setup_tree();
        snprintf(path, sizeof path, "%s/etc/agentcgroup/agentcgroup.conf", root);
        unlink(path);
        ASSERT_OK(symlink("/nonexistent/agentcgroup.conf", path));
        ASSERT_OK(config_search_dirs(root, &dirs));
        ASSERT_OK(config_load(dirs, &c));
        /* Not silently replaced by the vendor main file. */
        ASSERT_HAS_ERROR(c, path, 0, "cannot open");
        cleanup_tree();
}

TEST(root_with_trailing_slash) {
        _cleanup_strv_free_ char **dirs = NULL;

        ASSERT_OK(config_search_dirs("/x/", &dirs));
        ASSERT_STREQ(dirs[0], "/x/usr/lib/agentcgroup");
        dirs = strv_free(dirs);
        ASSERT_OK(config_search_dirs("/", &dirs));
        ASSERT_STREQ(dirs[3], "/etc/agentcgroup");
}
