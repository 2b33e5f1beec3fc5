/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdarg.h>
#include <sys/wait.h>

#include <json-c/json.h>

#include "conf-files.h"
#include "config-format.h"
#include "config.h"
#include "strv.h"
#include "test-helpers.h"
#include "test-tree.h"

/* Runs the built agentcgroupctl (meson passes its path in $AGENTCGROUPCTL) on temporary trees
 * and checks what a user sees: exit status, stdout, stderr. */

typedef struct Run {
        int status;
        char *out;
        char *err;
} Run;

static void run_done(Run *r) {
        free(r->out);
        free(r->err);
}

static char *read_all(const char *path) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = fopen(path, "re"), *m = open_memstream(&text, &size);
        char buf[4096];
        size_t n;

        ASSERT_NOT_NULL(f);
        ASSERT_NOT_NULL(m);
        while ((n = fread(buf, 1, sizeof buf, f)) > 0)
                fwrite(buf, 1, n, m);
        fclose(f);
        fclose(m);
        return text;
}

/* Arguments end with NULL. */
static Run run(const char *arg, ...) {
        const char *exe = getenv("AGENTCGROUPCTL");
        const char *argv[32] = { "agentcgroupctl" };
        char out[600], err[600];
        size_t n = 1;
        va_list ap;
        int status;
        pid_t pid;

        if (!exe)
                TEST_FAIL("$AGENTCGROUPCTL is not set; run this test through meson");
        va_start(ap, arg);
        for (const char *a = arg; a; a = va_arg(ap, const char *)) {
                ASSERT_TRUE(n + 1 < ELEMENTSOF(argv));
                argv[n++] = a;
        }
        va_end(ap);

        snprintf(out, sizeof out, "%s/.stdout", tree_root);
        snprintf(err, sizeof err, "%s/.stderr", tree_root);
        fflush(stdout);
        pid = fork();
        ASSERT_TRUE(pid >= 0);
        if (pid == 0) {
                int o = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
                int e = open(err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

                if (o < 0 || e < 0 || dup2(o, STDOUT_FILENO) < 0 || dup2(e, STDERR_FILENO) < 0)
                        _exit(127);
                execv(exe, (char **) argv);
                _exit(127);
        }
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFEXITED(status));
        return (Run) {
                .status = WEXITSTATUS(status),
                .out = read_all(out),
                .err = read_all(err),
        };
}

static const char *root_arg(void) {
        static char buf[600];

        snprintf(buf, sizeof buf, "--root=%s", tree_root);
        return buf;
}

/* True when some line of text starts with prefix. */
static bool has_line(const char *text, const char *prefix) {
        for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
                if (strneq(p, prefix, strlen(prefix)))
                        return true;
        return false;
}

/* Multi-line text as TAP comments. */
static void dump_text(const char *label, const char *text) {
        printf("# %s:\n", label);
        for (const char *p = text; p && *p; ) {
                size_t n = strcspn(p, "\n");

                printf("#   %.*s\n", (int) n, p);
                p += n + (p[n] == '\n');
        }
}

#define ASSERT_HAS_LINE(text, prefix)                                                   \
        do {                                                                            \
                if (!has_line((text), (prefix))) {                                      \
                        dump_text("text", (text));                                      \
                        TEST_FAIL("no line starting with \"%s\"", (prefix));           \
                }                                                                       \
        } while (0)

#define ASSERT_TEXT_EQ(a, b)                                                            \
        do {                                                                            \
                const char *_a = (a), *_b = (b);                                        \
                if (!streq(_a, _b)) {                                                   \
                        dump_text(#a, _a);                                              \
                        dump_text(#b, _b);                                              \
                        TEST_FAIL("%s != %s", #a, #b);                                  \
                }                                                                       \
        } while (0)

TEST(verify_good_tree) {
        Run r;

        tree_setup();
        tree_write_vendor();
        r = run("verify", root_arg(), NULL);
        ASSERT_TEXT_EQ(r.err, "");
        ASSERT_TEXT_EQ(r.out, "5 file(s), 4 profile(s), 3 match rule(s): OK\n");
        ASSERT_EQ(r.status, 0);
        run_done(&r);

        /* Nothing installed: an empty configuration is valid. */
        tree_cleanup();
        tree_setup();
        r = run("verify", root_arg(), NULL);
        ASSERT_TEXT_EQ(r.out, "0 file(s), 0 profile(s), 0 match rule(s): OK\n");
        ASSERT_EQ(r.status, 0);
        run_done(&r);
        tree_cleanup();
}

TEST(verify_bad_dropin) {
        char line[700];
        Run r;

        tree_setup();
        tree_write_vendor();
        tree_write(ETC_DROPINS "/50-bad.conf", "[Profile:x]\n\nMemoryMax=big\n[Match:m]\nProfile=nope\n");
        r = run("verify", root_arg(), NULL);
        ASSERT_EQ(r.status, 1);
        ASSERT_TEXT_EQ(r.out, "");
        snprintf(line, sizeof line, "%s:3: MemoryMax=big: not a valid size", tree_path(ETC_DROPINS "/50-bad.conf"));
        ASSERT_HAS_LINE(r.err, line);
        snprintf(line, sizeof line, "%s:5: Profile=nope in [Match:m]: no such profile", tree_path(ETC_DROPINS "/50-bad.conf"));
        ASSERT_HAS_LINE(r.err, line);
        ASSERT_HAS_LINE(r.err, "2 error(s): agentcgroupd would reject this configuration");
        run_done(&r);
        tree_cleanup();
}

/* verify prints exactly the errors the daemon's loader records, in its order: one line each,
 * then the summary. */
TEST(verify_reports_what_the_daemon_would) {
        _cleanup_strv_free_ char **dirs = NULL;
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(freep) char *expected = NULL;
        size_t size = 0;
        FILE *f;
        Run r;

        tree_setup();
        tree_write_vendor();
        tree_write(ETC_DROPINS "/50-many.conf",
                   "Stray=1\n"
                   "[Frobnicate]\n"
                   "[Profile:bad name]\n"
                   "[Profile:p]\n"
                   "Class=urgent\n"
                   "CPUWeight=0\n"
                   "TasksMax=-1\n"
                   "[Profile:p]\n"
                   "[Match:m\n"
                   "[Match:g]\n"
                   "Unit=tool/*.scope\n"
                   "User=-x\n"
                   "Type=socket\n"
                   "just words\n"
                   "[Manager]\n"
                   "LogLevel=loud\n"
                   "DefaultProfile=nowhere\n");
        tree_mkdirs(RUN_DROPINS "/60-dir.conf");
        tree_symlink("/nonexistent", RUN_DROPINS "/70-dangling.conf");

        ASSERT_OK(config_search_dirs(tree_root, &dirs));
        ASSERT_OK(config_load(dirs, &c));
        ASSERT_TRUE(c->n_errors >= 15);
        f = open_memstream(&expected, &size);
        for (size_t i = 0; i < c->n_errors; i++)
                if (c->errors[i].line > 0)
                        fprintf(f, "%s:%u: %s\n", c->errors[i].file, c->errors[i].line, c->errors[i].message);
                else
                        fprintf(f, "%s: %s\n", c->errors[i].file, c->errors[i].message);
        fprintf(f, "%zu error(s): agentcgroupd would reject this configuration and keep the previous one.\n",
                c->n_errors);
        fclose(f);

        r = run("verify", root_arg(), NULL);
        ASSERT_EQ(r.status, 1);
        ASSERT_TEXT_EQ(r.err, expected);
        ASSERT_TEXT_EQ(r.out, "");
        run_done(&r);
        tree_cleanup();
}

TEST(verify_files) {
        char line[700];
        Run r;

        tree_setup();
        tree_write_vendor();
        tree_write("/new/50-site.conf", "[Profile:tool-burst]\nMemoryHigh=1536M\n[Match:ci]\nSlice=agent-ci-*.slice\nProfile=ci\n");
        tree_write("/new/51-ci.conf", "[Profile:ci]\nClass=background\nMemoryMax=25%\n");

        /* A drop-in alone: its references to vendor profiles are not satisfied. */
        r = run("verify", tree_path("/new/50-site.conf"), NULL);
        ASSERT_EQ(r.status, 1);
        snprintf(line, sizeof line, "%s:5: Profile=ci in [Match:ci]: no such profile", tree_path("/new/50-site.conf"));
        ASSERT_HAS_LINE(r.err, line);
        ASSERT_HAS_LINE(r.err, "1 error(s): agentcgroupd would reject a configuration made of these files.");
        run_done(&r);

        /* With the vendor files first, in the daemon's order. */
        r = run("verify", tree_path(VENDOR_MAIN), tree_path(VENDOR_DROPINS "/10-session.conf"),
                tree_path(VENDOR_DROPINS "/20-interactive.conf"), tree_path(VENDOR_DROPINS "/30-tool-burst.conf"),
                tree_path(VENDOR_DROPINS "/40-background.conf"), tree_path("/new/50-site.conf"),
                tree_path("/new/51-ci.conf"), NULL);
        ASSERT_TEXT_EQ(r.err, "");
        ASSERT_TEXT_EQ(r.out, "7 file(s), 5 profile(s), 4 match rule(s): OK\n");
        ASSERT_EQ(r.status, 0);
        run_done(&r);

        /* Missing and non-regular files are named. */
        tree_mkdirs("/new/dir.conf");
        r = run("verify", tree_path("/new/51-ci.conf"), tree_path("/new/missing.conf"), tree_path("/new/dir.conf"), NULL);
        ASSERT_EQ(r.status, 1);
        snprintf(line, sizeof line, "%s: cannot open: No such file or directory", tree_path("/new/missing.conf"));
        ASSERT_HAS_LINE(r.err, line);
        snprintf(line, sizeof line, "%s: not a regular file", tree_path("/new/dir.conf"));
        ASSERT_HAS_LINE(r.err, line);
        run_done(&r);
        tree_cleanup();
}

TEST(usage_errors) {
        char nonexistent[600], root_is_file[600];
        static const struct {
                const char *args[4];
                const char *needle;
        } cases[] = {
                { { NULL },                                 "Missing command; expected one of: verify, cat-config, profiles, rules" },
                { { "frobnicate" },                         "Unknown command 'frobnicate'" },
                { { "verify", "--bogus" },                  "unrecognized option '--bogus'" },
                { { "verify", "-x" },                       "invalid option -- 'x'" },
                { { "verify", "--root" },                   "option '--root' requires an argument" },
                { { "verify", "--root=" },                  "--root= needs a path" },
                { { "profiles", "extra" },                  "'profiles' takes no arguments, got 'extra'" },
                { { "cat-config", "a", "b" },               "'cat-config' takes no arguments, got 'a'" },
                { { "verify", "--json" },                   "--json does not apply to 'verify'" },
                { { "cat-config", "--json" },               "--json does not apply to 'cat-config'" },
                { { "profiles", "--effective" },            "--effective does not apply to 'profiles'" },
                { { "cat-config", "--no-legend" },          "--no-legend does not apply to 'cat-config'" },
                { { "rules", "--json=xml" },                "--json=xml: unknown format; expected pretty or short" },
                { { "--root=/", "verify", "x.conf" },       "--root does not apply to 'verify FILE...'" },
        };
        Run r;

        tree_setup();
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                r = run(cases[i].args[0], cases[i].args[1], cases[i].args[2], cases[i].args[3], NULL);
                if (r.status != 2 || !strstr(r.err, cases[i].needle) || !streq(r.out, "")) {
                        dump_text("stdout", r.out);
                        dump_text("stderr", r.err);
                        TEST_FAIL("case %zu: status %d; expected 2 and \"%s\"", i, r.status, cases[i].needle);
                }
                run_done(&r);
        }

        /* A --root that is not there, or not a directory, is named. */
        snprintf(nonexistent, sizeof nonexistent, "--root=%s/nonexistent", tree_root);
        r = run("profiles", nonexistent, NULL);
        ASSERT_EQ(r.status, 2);
        ASSERT_HAS_LINE(r.err, nonexistent);
        ASSERT_NOT_NULL(strstr(r.err, "No such file or directory"));
        run_done(&r);
        tree_write("/file", "x\n");
        snprintf(root_is_file, sizeof root_is_file, "--root=%s/file", tree_root);
        r = run("verify", root_is_file, NULL);
        ASSERT_EQ(r.status, 2);
        ASSERT_HAS_LINE(r.err, root_is_file);
        ASSERT_NOT_NULL(strstr(r.err, "not a directory"));
        run_done(&r);
        tree_cleanup();
}

TEST(help_and_version) {
        Run r;

        tree_setup();
        r = run("--help", NULL);
        ASSERT_EQ(r.status, 0);
        ASSERT_TEXT_EQ(r.err, "");
        ASSERT_HAS_LINE(r.out, "  verify [FILE...]");
        ASSERT_HAS_LINE(r.out, "  cat-config");
        ASSERT_HAS_LINE(r.out, "  profiles");
        ASSERT_HAS_LINE(r.out, "  rules");
        ASSERT_HAS_LINE(r.out, "     --no-pager");
        run_done(&r);

        /* Anywhere on the line, as with systemctl. */
        r = run("verify", "-h", NULL);
        ASSERT_EQ(r.status, 0);
        ASSERT_HAS_LINE(r.out, "  verify [FILE...]");
        run_done(&r);

        r = run("--version", NULL);
        ASSERT_EQ(r.status, 0);
        ASSERT_TEXT_EQ(r.out, "agentcgroupctl " PACKAGE_VERSION "\n");
        run_done(&r);
        tree_cleanup();
}

TEST(cat_config) {
        _cleanup_(freep) char *expected = NULL;
        size_t size = 0;
        FILE *f;
        Run r;

        tree_setup();
        tree_write(VENDOR_MAIN, "[Manager]\nDefaultProfile=a\n");
        tree_write(ETC_MAIN, "# site\n[Manager]\nDefaultProfile=b");      /* no final newline */
        tree_write(VENDOR_DROPINS "/10-a.conf", "[Profile:a]\nCPUWeight=10\n");
        tree_write(VENDOR_DROPINS "/20-b.conf", "[Profile:b]\n");
        tree_write(RUN_DROPINS "/20-b.conf", "[Profile:b]\nCPUWeight=22\n");
        tree_write(VENDOR_DROPINS "/30-c.conf", "[Profile:c]\n");
        tree_mask(ETC_DROPINS "/30-c.conf");
        tree_mask(ETC_DROPINS "/40-d.conf");

        f = open_memstream(&expected, &size);
        fprintf(f, "# %s (overridden by %s)\n", tree_path(VENDOR_MAIN), tree_path(ETC_MAIN));
        fprintf(f, "# %s\n# site\n[Manager]\nDefaultProfile=b\n", tree_path(ETC_MAIN));
        fprintf(f, "\n# %s\n[Profile:a]\nCPUWeight=10\n", tree_path(VENDOR_DROPINS "/10-a.conf"));
        fprintf(f, "\n# %s (overridden by %s)\n", tree_path(VENDOR_DROPINS "/20-b.conf"), tree_path(RUN_DROPINS "/20-b.conf"));
        fprintf(f, "# %s\n[Profile:b]\nCPUWeight=22\n", tree_path(RUN_DROPINS "/20-b.conf"));
        fprintf(f, "\n# %s (overridden by %s)\n", tree_path(VENDOR_DROPINS "/30-c.conf"), tree_path(ETC_DROPINS "/30-c.conf"));
        fprintf(f, "# %s (masked)\n", tree_path(ETC_DROPINS "/30-c.conf"));
        fprintf(f, "\n# %s (masked)\n", tree_path(ETC_DROPINS "/40-d.conf"));
        fclose(f);

        r = run("cat-config", root_arg(), NULL);
        ASSERT_TEXT_EQ(r.err, "");
        ASSERT_TEXT_EQ(r.out, expected);
        ASSERT_EQ(r.status, 0);
        run_done(&r);

        /* A drop-in that cannot be read is named and fails the command. */
        tree_mkdirs(ETC_DROPINS "/50-dir.conf");
        r = run("cat-config", root_arg(), NULL);
        ASSERT_EQ(r.status, 1);
        ASSERT_NOT_NULL(strstr(r.err, "50-dir.conf: not a regular file"));
        run_done(&r);
        tree_cleanup();
}

TEST(cat_config_effective) {
        _cleanup_strv_free_ char **dirs = NULL;
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(freep) char *expected = NULL;
        size_t size = 0;
        FILE *f;
        Run r;

        tree_setup();
        tree_write_vendor();
        tree_write(ETC_DROPINS "/50-site.conf", "[Profile:tool-burst]\nMemoryHigh=1536M\n");
        ASSERT_OK(config_search_dirs(tree_root, &dirs));
        ASSERT_OK(config_load(dirs, &c));
        f = open_memstream(&expected, &size);
        ASSERT_OK(config_dump(c, f));
        fclose(f);
        ASSERT_NOT_NULL(strstr(expected, "MemoryHigh=1536M"));

        r = run("cat-config", "--effective", root_arg(), NULL);
        ASSERT_TEXT_EQ(r.err, "");
        ASSERT_TEXT_EQ(r.out, expected);
        ASSERT_EQ(r.status, 0);
        run_done(&r);
        tree_cleanup();
}

static json_object *parse_array(const char *text, size_t n) {
        json_object *o = json_tokener_parse(text);

        if (!o || json_object_get_type(o) != json_type_array) {
                dump_text("text", text);
                TEST_FAIL("not a JSON array");
        }
        ASSERT_EQ(json_object_array_length(o), n);
        return o;
}

static const char *member(json_object *a, size_t i, const char *key) {
        json_object *v;

        ASSERT_TRUE(json_object_object_get_ex(json_object_array_get_idx(a, i), key, &v));
        return json_object_get_string(v);
}

TEST(profiles_and_rules) {
        _cleanup_(json_object_putp) json_object *shortj = NULL, *pretty = NULL, *rules = NULL;
        Run r;

        tree_setup();
        tree_write_vendor();

        r = run("profiles", "--json", root_arg(), NULL);
        ASSERT_EQ(r.status, 0);
        /* Not a terminal: one line. */
        ASSERT_TRUE(strchr(r.out, '\n') == r.out + strlen(r.out) - 1);
        shortj = parse_array(r.out, 4);
        run_done(&r);
        r = run("profiles", "--json=pretty", root_arg(), NULL);
        ASSERT_EQ(r.status, 0);
        pretty = parse_array(r.out, 4);
        ASSERT_TRUE(json_object_equal(shortj, pretty));
        ASSERT_STREQ(member(shortj, 0, "name"), "session");
        ASSERT_STREQ(member(shortj, 3, "name"), "background");
        ASSERT_STREQ(member(shortj, 3, "file"), tree_path(VENDOR_DROPINS "/40-background.conf"));
        run_done(&r);

        r = run("profiles", "--no-legend", root_arg(), NULL);
        ASSERT_EQ(r.status, 0);
        ASSERT_HAS_LINE(r.out, "session      interactive  100 ");
        ASSERT_HAS_LINE(r.out, "tool-burst   tool-burst   100 ");
        ASSERT_FALSE(has_line(r.out, "PROFILE"));
        run_done(&r);

        r = run("profiles", root_arg(), NULL);
        ASSERT_HAS_LINE(r.out, "PROFILE ");
        ASSERT_HAS_LINE(r.out, "4 profile(s) listed. DefaultProfile=tool-burst");
        run_done(&r);

        r = run("rules", "--json=short", root_arg(), NULL);
        ASSERT_EQ(r.status, 0);
        rules = parse_array(r.out, 3);
        ASSERT_STREQ(member(rules, 0, "name"), "session-slices");
        ASSERT_STREQ(member(rules, 1, "name"), "agent-runtime");
        ASSERT_STREQ(member(rules, 2, "profile"), "background");
        run_done(&r);

        r = run("rules", root_arg(), NULL);
        ASSERT_EQ(r.status, 0);
        ASSERT_HAS_LINE(r.out, "RULE ");
        ASSERT_HAS_LINE(r.out, "3 rule(s) listed, tried in this order: the first match wins, else DefaultProfile=tool-burst.");
        run_done(&r);

        /* A configuration with errors is shown as parsed, with its errors and status 1. */
        tree_write(ETC_DROPINS "/50-bad.conf", "[Profile:x]\nCPUWeight=lots\n");
        r = run("profiles", "--json", root_arg(), NULL);
        ASSERT_EQ(r.status, 1);
        json_object_put(parse_array(r.out, 5));
        ASSERT_NOT_NULL(strstr(r.err, "50-bad.conf:2: CPUWeight=lots"));
        run_done(&r);
        tree_cleanup();
}
