/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs a fuzz target without libFuzzer on the files and directories given as arguments, so that
 * the committed corpora run as regression tests: TAP, one case per input file. Each input runs
 * in a child of its own, so that a crash (or a sanitizer's abort) fails that case and names the
 * file instead of ending the run. */

#include <dirent.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "fuzz.h"
#include "strv.h"

static int add_path(char ***files, const char *path) {
        struct dirent **entries = NULL;
        struct stat st;
        int n, r = 0;

        if (stat(path, &st) < 0)
                return negative_errno();
        if (!S_ISDIR(st.st_mode))
                return strv_extend(files, path);

        /* Sorted, so that the case numbers stay the same from run to run. */
        n = scandir(path, &entries, NULL, alphasort);
        if (n < 0)
                return negative_errno();
        for (int i = 0; i < n; i++) {
                if (r >= 0 && entries[i]->d_name[0] != '.')
                        r = strv_consume(files, asprintf_safe("%s/%s", path, entries[i]->d_name));
                free(entries[i]);
        }
        free(entries);
        return r;
}

static int read_file(const char *path, uint8_t **ret, size_t *ret_size) {
        _cleanup_(fclosep) FILE *f = NULL;
        _cleanup_(freep) uint8_t *buf = NULL;
        size_t size = 0, allocated = 0;

        f = fopen(path, "re");
        if (!f)
                return negative_errno();
        for (;;) {
                size_t k;

                if (size == allocated) {
                        uint8_t *b = realloc(buf, allocated = MAX(allocated * 2, (size_t) 4096));
                        if (!b)
                                return -ENOMEM;
                        buf = b;
                }
                k = fread(buf + size, 1, allocated - size, f);
                size += k;
                if (k == 0)
                        break;
        }
        if (ferror(f))
                return -EIO;
        *ret = TAKE_PTR(buf);
        *ret_size = size;
        return 0;
}

/* 0 when the target ran to its end on the file, else a description of what happened. */
static const char *run_one(const char *path, char *why, size_t n) {
        int status;
        pid_t pid;

        fflush(stdout);
        pid = fork();
        if (pid < 0) {
                snprintf(why, n, "fork: %m");
                return why;
        }
        if (pid == 0) {
                _cleanup_(freep) uint8_t *data = NULL;
                size_t size;

                if (read_file(path, &data, &size) < 0)
                        _exit(2);
                LLVMFuzzerTestOneInput(data, size);
                data = mfree(data);
                exit(0); /* exit(), not _exit(): LeakSanitizer checks at exit */
        }
        if (waitpid(pid, &status, 0) < 0) {
                snprintf(why, n, "waitpid: %m");
                return why;
        }
        if (WIFSIGNALED(status))
                snprintf(why, n, "killed by signal %d", WTERMSIG(status));
        else if (WEXITSTATUS(status) == 2)
                snprintf(why, n, "cannot read the file");
        else if (WEXITSTATUS(status) != 0)
                snprintf(why, n, "exit status %d", WEXITSTATUS(status));
        else
                return NULL;
        return why;
}

int main(int argc, char *argv[]) {
        _cleanup_strv_free_ char **files = NULL;
        size_t i = 0, failed = 0;
        int r;

        if (argc < 2) {
                fprintf(stderr, "usage: %s FILE|DIRECTORY...\n", argv[0]);
                return 2;
        }
        for (int k = 1; k < argc; k++) {
                r = add_path(&files, argv[k]);
                if (r < 0) {
                        fprintf(stderr, "%s: %s\n", argv[k], strerror(-r));
                        return 2;
                }
        }

        printf("1..%zu\n", strv_length(files));
        STRV_FOREACH(f, files) {
                char why[128];
                const char *error = run_one(*f, why, sizeof why);

                i++;
                if (error) {
                        printf("not ok %zu - %s # %s\n", i, *f, error);
                        failed++;
                } else
                        printf("ok %zu - %s\n", i, *f);
        }
        return failed ? 1 : 0;
}
