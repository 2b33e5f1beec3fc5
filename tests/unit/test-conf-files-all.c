/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "conf-files.h"
#include "strv.h"
#include "test-helpers.h"
#include "test-tree.h"

/* config_files_list_all() must agree with config_files_list(), the daemon's list: its READ
 * entries, in order, are that list. */
static void assert_agrees(char * const *dirs, ConfigFile *files, size_t n) {
        _cleanup_strv_free_ char **list = NULL;
        size_t k = 0;

        ASSERT_OK(config_files_list(dirs, NULL, &list));
        for (size_t i = 0; i < n; i++) {
                if (files[i].state != CONFIG_FILE_READ)
                        continue;
                ASSERT_TRUE(k < strv_length(list));
                ASSERT_STREQ(files[i].path, list[k]);
                k++;
        }
        ASSERT_EQ(k, strv_length(list));
}

static ConfigFile *find(ConfigFile *files, size_t n, const char *rel) {
        for (size_t i = 0; i < n; i++)
                if (streq(files[i].path, tree_path(rel)))
                        return &files[i];
        TEST_FAIL("%s not listed", rel);
}

static void setup_layered_tree(void) {
        tree_setup();
        tree_write_vendor();
        tree_write(ETC_MAIN, "[Manager]\nDefaultProfile=session\n");
        tree_write(RUN_DROPINS "/30-tool-burst.conf", "[Profile:tool-burst]\nCPUWeight=5\n");
        tree_write(ETC_DROPINS "/30-tool-burst.conf", "[Profile:tool-burst]\nCPUWeight=6\n");
        tree_mask(ETC_DROPINS "/40-background.conf");
        tree_write(ETC_DROPINS "/15-site.conf", "[Profile:site]\n");
        tree_write(ETC_DROPINS "/README", "not a drop-in\n");
        tree_write(ETC_DROPINS "/.hidden.conf", "garbage\n");
}

TEST(states_and_order) {
        _cleanup_strv_free_ char **dirs = NULL;
        ConfigFile *files = NULL, *f;
        size_t n = 0;

        setup_layered_tree();
        ASSERT_OK(config_search_dirs(tree_root, &dirs));
        ASSERT_OK(config_files_list_all(dirs, NULL, &files, &n));
        /* 2 main files, 10, 15, 20, three 30s, two 40s. */
        ASSERT_EQ(n, 10);
        assert_agrees(dirs, files, n);

        /* The main file first, the one that decides last. */
        ASSERT_STREQ(files[0].path, tree_path(VENDOR_MAIN));
        ASSERT_EQ(files[0].state, CONFIG_FILE_OVERRIDDEN);
        ASSERT_STREQ(files[0].overridden_by, tree_path(ETC_MAIN));
        ASSERT_STREQ(files[1].path, tree_path(ETC_MAIN));
        ASSERT_EQ(files[1].state, CONFIG_FILE_READ);
        ASSERT_NULL(files[1].overridden_by);

        /* Then by name; within a name, by directory. */
        ASSERT_STREQ(files[2].path, tree_path(VENDOR_DROPINS "/10-session.conf"));
        ASSERT_STREQ(files[3].path, tree_path(ETC_DROPINS "/15-site.conf"));
        ASSERT_STREQ(files[4].path, tree_path(VENDOR_DROPINS "/20-interactive.conf"));
        ASSERT_STREQ(files[5].path, tree_path(VENDOR_DROPINS "/30-tool-burst.conf"));
        ASSERT_STREQ(files[6].path, tree_path(RUN_DROPINS "/30-tool-burst.conf"));
        ASSERT_STREQ(files[7].path, tree_path(ETC_DROPINS "/30-tool-burst.conf"));
        ASSERT_EQ(files[5].state, CONFIG_FILE_OVERRIDDEN);
        ASSERT_EQ(files[6].state, CONFIG_FILE_OVERRIDDEN);
        ASSERT_STREQ(files[5].overridden_by, tree_path(ETC_DROPINS "/30-tool-burst.conf"));
        ASSERT_STREQ(files[6].overridden_by, tree_path(ETC_DROPINS "/30-tool-burst.conf"));
        ASSERT_EQ(files[7].state, CONFIG_FILE_READ);

        /* A mask hides the vendor file and is itself not read. */
        f = &files[8];
        ASSERT_STREQ(f->path, tree_path(VENDOR_DROPINS "/40-background.conf"));
        ASSERT_EQ(f->state, CONFIG_FILE_OVERRIDDEN);
        ASSERT_STREQ(f->overridden_by, tree_path(ETC_DROPINS "/40-background.conf"));
        ASSERT_STREQ(files[9].path, tree_path(ETC_DROPINS "/40-background.conf"));
        ASSERT_EQ(files[9].state, CONFIG_FILE_MASKED);

        config_file_array_free(files, n);
        tree_cleanup();
}

TEST(masked_main_and_odd_entries) {
        _cleanup_strv_free_ char **dirs = NULL;
        ConfigFile *files = NULL;
        size_t n = 0;

        setup_layered_tree();
        tree_mask(ETC_MAIN);
        /* A mask below a real file is only overridden. */
        tree_mask(VENDOR_DROPINS "/15-site.conf");
        /* Dangling links are listed like files (and fail to open when read): a main file too, so
         * it is never silently replaced by a lower one. Here /etc's mask hides it anyway. */
        tree_symlink("/nonexistent", RUN_DROPINS "/50-dangling.conf");
        tree_symlink("/nonexistent", "/run/agentcgroup/agentcgroup.conf");
        /* A directory with a drop-in's name is listed (and rejected when read). */
        tree_mkdirs(ETC_DROPINS "/60-dir.conf");

        ASSERT_OK(config_search_dirs(tree_root, &dirs));
        ASSERT_OK(config_files_list_all(dirs, NULL, &files, &n));
        assert_agrees(dirs, files, n);
        ASSERT_EQ(find(files, n, ETC_MAIN)->state, CONFIG_FILE_MASKED);
        ASSERT_EQ(find(files, n, VENDOR_MAIN)->state, CONFIG_FILE_OVERRIDDEN);
        ASSERT_EQ(find(files, n, VENDOR_DROPINS "/15-site.conf")->state, CONFIG_FILE_OVERRIDDEN);
        ASSERT_EQ(find(files, n, ETC_DROPINS "/15-site.conf")->state, CONFIG_FILE_READ);
        ASSERT_EQ(find(files, n, RUN_DROPINS "/50-dangling.conf")->state, CONFIG_FILE_READ);
        ASSERT_EQ(find(files, n, ETC_DROPINS "/60-dir.conf")->state, CONFIG_FILE_READ);
        ASSERT_EQ(find(files, n, "/run/agentcgroup/agentcgroup.conf")->state, CONFIG_FILE_OVERRIDDEN);

        config_file_array_free(files, n);
        tree_cleanup();
}

TEST(unreadable_dropin_dir) {
        _cleanup_strv_free_ char **dirs = NULL;
        _cleanup_(config_freep) Config *errors = NULL;
        ConfigFile *files = NULL;
        size_t n = 0;

        tree_setup();
        tree_write_vendor();
        /* Not a directory: opendir() fails with ENOTDIR, which is reported like the daemon does. */
        tree_write(RUN_DROPINS, "a file\n");
        ASSERT_OK(config_new(&errors));
        ASSERT_OK(config_search_dirs(tree_root, &dirs));
        ASSERT_OK(config_files_list_all(dirs, errors, &files, &n));
        assert_agrees(dirs, files, n);
        ASSERT_HAS_ERROR(errors, tree_path(RUN_DROPINS), 0, "cannot open drop-in directory");
        ASSERT_EQ(errors->n_errors, 1);
        config_file_array_free(files, n);
        tree_cleanup();
}

TEST(empty) {
        _cleanup_strv_free_ char **dirs = NULL;
        ConfigFile *files = NULL;
        size_t n = 1;

        ASSERT_OK(config_search_dirs("/nonexistent-agentcgroup-root", &dirs));
        ASSERT_OK(config_files_list_all(dirs, NULL, &files, &n));
        ASSERT_EQ(n, 0);
        ASSERT_NOT_NULL(files);
        config_file_array_free(files, n);
}

TEST(parse_path) {
        _cleanup_(config_freep) Config *c = NULL;

        tree_setup();
        tree_write_vendor();
        tree_mkdirs("/dir.conf");
        ASSERT_OK(config_new(&c));
        ASSERT_OK(config_parse_path(c, tree_path(VENDOR_DROPINS "/30-tool-burst.conf")));
        ASSERT_OK(config_parse_path(c, tree_path("/missing.conf")));
        ASSERT_OK(config_parse_path(c, tree_path("/dir.conf")));
        ASSERT_OK(config_finalize(c));
        ASSERT_HAS_ERROR(c, tree_path("/missing.conf"), 0, "cannot open: No such file or directory");
        ASSERT_HAS_ERROR(c, tree_path("/dir.conf"), 0, "not a regular file");
        ASSERT_EQ(c->n_errors, 2);
        /* Only files actually parsed count as read. */
        ASSERT_EQ(strv_length(c->files), 1);
        ASSERT_U64_EQ(config_find_profile(c, "tool-burst")->cpu_weight, 100);
        tree_cleanup();
}
