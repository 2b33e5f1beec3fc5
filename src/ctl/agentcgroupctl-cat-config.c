/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "agentcgroupctl.h"
#include "conf-files.h"
#include "log.h"
#include "strv.h"
#include "terminal-util.h"

/* The file's bytes as they are, ending in a newline so that the next header starts a line. */
static int cat_file(const char *path) {
        _cleanup_(fclosep) FILE *f = NULL;
        char buf[4096];
        struct stat st;
        size_t n;
        int last = '\n';

        f = fopen(path, "re");
        if (!f)
                return log_error_errno(negative_errno(), "%s: cannot open: %m", path);
        if (fstat(fileno(f), &st) == 0 && !S_ISREG(st.st_mode))
                return log_error_errno(-EISDIR, "%s: not a regular file", path);
        while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
                fwrite(buf, 1, n, stdout);
                last = buf[n - 1];
        }
        if (ferror(f))
                return log_error_errno(-EIO, "%s: read error", path);
        if (last != '\n')
                putchar('\n');
        return 0;
}

static int cat_files(void) {
        _cleanup_strv_free_ char **dirs = NULL;
        _cleanup_(config_freep) Config *errors = NULL;
        ConfigFile *files = NULL;
        size_t n = 0;
        bool failed = false;
        int r;

        r = config_search_dirs(arg_root, &dirs);
        if (r < 0)
                return log_oom();
        r = config_new(&errors);
        if (r < 0)
                return log_oom();
        r = config_files_list_all(dirs, errors, &files, &n);
        if (r < 0)
                return log_oom();

        for (size_t i = 0; i < n; i++) {
                const ConfigFile *f = &files[i];

                /* A blank line between names; a name's overridden files lead to its winner. */
                if (i > 0 && files[i - 1].state != CONFIG_FILE_OVERRIDDEN)
                        putchar('\n');
                switch (f->state) {
                case CONFIG_FILE_OVERRIDDEN:
                        printf("%s# %s (overridden by %s)%s\n", ansi(arg_color_stdout, ANSI_GREY),
                               f->path, f->overridden_by, ansi(arg_color_stdout, ANSI_NORMAL));
                        break;
                case CONFIG_FILE_MASKED:
                        printf("%s# %s (masked)%s\n", ansi(arg_color_stdout, ANSI_GREY),
                               f->path, ansi(arg_color_stdout, ANSI_NORMAL));
                        break;
                case CONFIG_FILE_READ:
                        printf("%s# %s%s\n", ansi(arg_color_stdout, ANSI_HIGHLIGHT_BLUE),
                               f->path, ansi(arg_color_stdout, ANSI_NORMAL));
                        fflush(stdout);
                        if (cat_file(f->path) < 0)
                                failed = true;
                        break;
                }
        }
        config_file_array_free(files, n);

        /* Drop-in directories that could not be read. */
        r = ctl_report_config_errors(errors, true);
        return failed ? EXIT_CONFIG_ERRORS : r;
}

static int cat_effective(void) {
        _cleanup_(config_freep) Config *c = NULL;
        int r;

        r = ctl_load_config(&c);
        if (r < 0)
                return r;
        r = config_dump(c, stdout);
        if (r < 0)
                return log_error_errno(r, "Failed to write the configuration: %m");
        return ctl_report_config_errors(c, true);
}

int verb_cat_config(int argc, char *argv[]) {
        return arg_effective ? cat_effective() : cat_files();
}
