/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "conf-files.h"
#include "macro.h"
#include "strv.h"

int config_search_dirs(const char *root, char ***ret) {
        static const char * const dirs[] = {
                "/usr/lib/agentcgroup", "/usr/local/lib/agentcgroup", "/run/agentcgroup", "/etc/agentcgroup",
        };
        _cleanup_strv_free_ char **l = NULL;
        int r;

        size_t n = root ? strlen(root) : 0;

        while (n > 0 && root[n - 1] == '/') /* "/x/" and "/" join without doubled slashes */
                n--;
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                r = strv_consume(&l, asprintf_safe("%.*s%s", (int) n, root ? root : "", dirs[i]));
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static bool path_is_masked(const char *path) {
        struct stat st;

        return stat(path, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3);
}

static bool has_conf_suffix(const char *name) {
        return strlen(name) > 5 && endswith(name, ".conf") && name[0] != '.';
}

int config_files_list(char * const *dirs, Config *errors, char ***ret) {
        _cleanup_strv_free_ char **result = NULL;
        ConfigFile *files = NULL;
        size_t n = 0;
        int r;

        /* One walk of the search path decides every file's fate; this is its READ part. */
        r = config_files_list_all(dirs, errors, &files, &n);
        if (r < 0)
                return r;
        result = calloc(1, sizeof(char *));
        if (!result)
                r = -ENOMEM;
        for (size_t i = 0; r >= 0 && i < n; i++)
                if (files[i].state == CONFIG_FILE_READ)
                        r = strv_extend(&result, files[i].path);
        config_file_array_free(files, n);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(result);
        return 0;
}

ConfigFile *config_file_array_free(ConfigFile *files, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(files[i].path);
                free(files[i].overridden_by);
        }
        free(files);
        return NULL;
}

typedef struct Candidate {
        const char *name;       /* NULL: the main file, which sorts first */
        size_t dir;             /* index in the search path: higher wins */
        char *path;
} Candidate;

static int candidate_cmp(const void *a, const void *b) {
        const Candidate *x = a, *y = b;
        int r;

        if (!x->name != !y->name)
                return x->name ? 1 : -1;
        r = x->name ? strcmp(x->name, y->name) : 0;
        if (r != 0)
                return r;
        return x->dir < y->dir ? -1 : x->dir > y->dir;
}

static bool candidate_same_name(const Candidate *x, const Candidate *y) {
        return x->name ? y->name && streq(x->name, y->name) : !y->name;
}

static int candidate_add(Candidate **c, size_t *n, size_t dir, char *path, bool main_file) {
        Candidate *a;

        if (!path)
                return -ENOMEM;
        a = reallocarray(*c, *n + 1, sizeof(Candidate));
        if (!a) {
                free(path);
                return -ENOMEM;
        }
        a[*n] = (Candidate) {
                .name = main_file ? NULL : strrchr(path, '/') + 1,
                .dir = dir,
                .path = path,
        };
        (*n)++;
        *c = a;
        return 0;
}

static void candidates_free(Candidate **c, size_t *n) {
        for (size_t i = 0; i < *n; i++)
                free((*c)[i].path);
        *c = mfree(*c);
        *n = 0;
}

int config_files_list_all(char * const *dirs, Config *errors, ConfigFile **ret, size_t *ret_n) {
        Candidate *cand = NULL;
        ConfigFile *files = NULL;
        size_t n = 0, k = 0;
        int r;

        /* The one walk of the search path: config_files_list() keeps the READ entries. */
        for (size_t i = 0; dirs && dirs[i]; i++) {
                _cleanup_(freep) char *m = NULL, *dd = NULL;
                _cleanup_(closedirp) DIR *dir = NULL;
                struct dirent *de;
                struct stat st;

                m = asprintf_safe("%s/%s", dirs[i], CONFIG_MAIN_FILE);
                dd = asprintf_safe("%s/%s", dirs[i], CONFIG_DROPIN_DIR);
                if (!m || !dd) {
                        r = -ENOMEM;
                        goto fail;
                }
                /* lstat: a dangling symlink is still this directory's main file, and reading it
                 * then fails loudly instead of a lower file being used silently. */
                if (lstat(m, &st) == 0) {
                        r = candidate_add(&cand, &n, i, TAKE_PTR(m), true);
                        if (r < 0)
                                goto fail;
                }

                dir = opendir(dd);
                if (!dir) {
                        if (errno != ENOENT && errors)
                                config_add_error(errors, dd, 0, "cannot open drop-in directory: %m");
                        continue;
                }
                while ((errno = 0, de = readdir(dir))) {
                        if (!has_conf_suffix(de->d_name))
                                continue;
                        r = candidate_add(&cand, &n, i, asprintf_safe("%s/%s", dd, de->d_name), false);
                        if (r < 0)
                                goto fail;
                }
                if (errno != 0 && errors)
                        config_add_error(errors, dd, 0, "cannot read drop-in directory: %m");
        }

        if (n > 0)
                qsort(cand, n, sizeof(Candidate), candidate_cmp);
        files = calloc(MAX(n, 1u), sizeof(ConfigFile));
        if (!files) {
                r = -ENOMEM;
                goto fail;
        }
        /* Each run of one name is ordered by directory: its last entry decides. */
        for (size_t i = 0; i < n; i++) {
                size_t last = i;

                while (last + 1 < n && candidate_same_name(&cand[i], &cand[last + 1]))
                        last++;
                for (size_t j = i; j <= last; j++) {
                        files[k].path = TAKE_PTR(cand[j].path);
                        if (j < last) {
                                files[k].state = CONFIG_FILE_OVERRIDDEN;
                                files[k].overridden_by = strdup(cand[last].path);
                                if (!files[k].overridden_by) {
                                        k++;
                                        r = -ENOMEM;
                                        goto fail;
                                }
                        } else
                                files[k].state = path_is_masked(files[k].path) ? CONFIG_FILE_MASKED : CONFIG_FILE_READ;
                        k++;
                }
                i = last;
        }

        candidates_free(&cand, &n);
        *ret = files;
        *ret_n = k;
        return 0;

fail:
        candidates_free(&cand, &n);
        config_file_array_free(files, k);
        return r;
}

int config_parse_path(Config *c, const char *path) {
        _cleanup_(fclosep) FILE *f = NULL;
        struct stat st;

        f = fopen(path, "re");
        if (!f)
                return config_add_error(c, path, 0, "cannot open: %m");
        if (fstat(fileno(f), &st) == 0 && !S_ISREG(st.st_mode))
                return config_add_error(c, path, 0, "not a regular file");
        return config_parse_file(c, path, f);
}

int config_load(char * const *dirs, Config **ret) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_strv_free_ char **files = NULL;
        int r;

        r = config_new(&c);
        if (r < 0)
                return r;
        r = config_files_list(dirs, c, &files);
        if (r < 0)
                return r;

        STRV_FOREACH(p, files) {
                r = config_parse_path(c, *p);
                if (r < 0)
                        return r;
        }

        r = config_finalize(c);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}
