/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <systemd/sd-bus.h>

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

/* A command line (at most 4 words) and what its usage error must say. */
typedef struct UsageCase {
        const char *args[4];
        const char *needle;
} UsageCase;

/* Each case exits with status 2, says needle on stderr and prints nothing. */
static void assert_usage_errors(const UsageCase *cases, size_t n) {
        Run r;

        for (size_t i = 0; i < n; i++) {
                r = run(cases[i].args[0], cases[i].args[1], cases[i].args[2], cases[i].args[3], NULL);
                if (r.status != 2 || !strstr(r.err, cases[i].needle) || !streq(r.out, "")) {
                        dump_text("stdout", r.out);
                        dump_text("stderr", r.err);
                        TEST_FAIL("case %zu: status %d; expected 2 and \"%s\"", i, r.status, cases[i].needle);
                }
                run_done(&r);
        }
}

TEST(usage_errors) {
        char nonexistent[600], root_is_file[600];
        static const UsageCase cases[] = {
                { { NULL },                                 "Missing command; expected one of: verify, cat-config, profiles, rules, list, status, show, reload" },
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
                { { "list", "--root=/" },                   "--root does not apply to 'list': it asks the running agentcgroupd" },
                { { "status", "--no-legend" },              "--no-legend does not apply to 'status'" },
                { { "reload", "--json" },                   "--json does not apply to 'reload'" },
                { { "reload", "now" },                      "'reload' takes no arguments, got 'now'" },
                { { "freeze" },                             "'freeze' needs at least one unit" },
                { { "thaw" },                               "'thaw' needs at least one unit" },
                { { "kill", "--signal=KILL" },              "'kill' needs at least one unit" },
                { { "kill", "--signal=BOGUS", "x.scope" },  "--signal=BOGUS: unknown signal" },
                { { "kill", "-s", "SIGBOGUS", "x.scope" },  "--signal=SIGBOGUS: unknown signal" },
                { { "kill", "--signal=0", "x.scope" },      "--signal=0: unknown signal" },
                { { "kill", "--signal=9x", "x.scope" },     "--signal=9x: unknown signal" },
                { { "kill", "--signal=", "x.scope" },       "--signal=: unknown signal" },
                { { "kill", "x.scope", "--signal" },        "option '--signal' requires an argument" },
                { { "freeze", "--signal=KILL", "x.scope" }, "--signal does not apply to 'freeze'" },
                { { "thaw", "--json", "x.scope" },          "--json does not apply to 'thaw'" },
                { { "freeze", "--root=/", "x.scope" },      "--root does not apply to 'freeze'" },
                { { "show" },                               "'show' needs a unit" },
                { { "show", "a.scope", "b.scope" },         "'show' takes one unit, got 'b.scope' too" },
                { { "show", "--root=/", "x.scope" },        "--root does not apply to 'show'" },
                { { "show", "--no-legend", "x.scope" },     "--no-legend does not apply to 'show'" },
                { { "list", "--property=State" },           "--property does not apply to 'list'" },
                { { "status", "-p", "State" },              "--property does not apply to 'status'" },
                { { "list", "--value" },                    "--value does not apply to 'list'" },
                { { "show", "--value", "--json", "x" },     "--value does not apply with --json" },
                { { "show", "--property=", "x.scope" },     "--property=: expected property names separated by commas" },
                { { "show", "-p", "State,,Id", "x.scope" }, "--property=State,,Id: expected property names" },
                { { "show", "-p", "State," , "x.scope" },   "--property=State,: expected property names" },
                { { "show", "x.scope", "--property" },      "option '--property' requires an argument" },
                { { "set-profile" },                        "'set-profile' needs a unit and a profile" },
                { { "set-profile", "x.scope" },             "'set-profile' needs a unit and a profile" },
                { { "set-profile", "a", "b", "c" },         "'set-profile' takes a unit and a profile, got 'c' too" },
                { { "set-profile", "--json", "a", "b" },    "--json does not apply to 'set-profile'" },
                { { "set-profile", "--root=/", "a", "b" },  "--root does not apply to 'set-profile'" },
                { { "clear-profile" },                      "'clear-profile' needs a unit" },
                { { "clear-profile", "a", "b" },            "'clear-profile' takes one unit, got 'b' too" },
                { { "clear-profile", "-s", "KILL", "a" },   "--signal does not apply to 'clear-profile'" },
                { { "metrics", "x" },                       "'metrics' takes no arguments" },
                { { "metrics", "--json" },                  "--json does not apply to 'metrics'" },
                { { "metrics", "--root=/" },                "--root does not apply to 'metrics'" },
                { { "run" },                                "'run' needs a command." },
                { { "run", "--session=a/b", "true" },       "--session=a/b: the name contains '/'." },
                { { "run", "--tool", "x y", "true" },       "--tool=x y: the name contains a character other than" },
                { { "run", "--profile=../x", "true" },      "--profile=../x: not a profile name" },
                { { "run", "--bogus", "true" },             "unrecognized option '--bogus'" },
        };
        Run r;

        tree_setup();
        assert_usage_errors(cases, ELEMENTSOF(cases));

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
        ASSERT_HAS_LINE(r.out, "  list");
        ASSERT_HAS_LINE(r.out, "  status");
        ASSERT_HAS_LINE(r.out, "  reload");
        ASSERT_HAS_LINE(r.out, "  freeze UNIT...");
        ASSERT_HAS_LINE(r.out, "  thaw UNIT...");
        ASSERT_HAS_LINE(r.out, "  kill UNIT...");
        ASSERT_HAS_LINE(r.out, "  -s --signal=SIG");
        ASSERT_HAS_LINE(r.out, "  show UNIT");
        ASSERT_HAS_LINE(r.out, "  -p --property=NAME,...");
        ASSERT_HAS_LINE(r.out, "     --value");
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

/* ---- commands that ask the daemon ---- */

/* No system bus at all (this host, or a bus address that leads nowhere): said so, status 1. */
TEST(bus_unreachable) {
        static const char * const verbs[] = { "list", "status", "reload" };
        char addr[700];
        Run r;

        tree_setup();
        snprintf(addr, sizeof addr, "unix:path=%s/no-bus-socket", tree_root);
        ASSERT_OK(setenv("DBUS_SYSTEM_BUS_ADDRESS", addr, 1));
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++) {
                r = run(verbs[i], NULL);
                ASSERT_EQ(r.status, 1);
                ASSERT_TEXT_EQ(r.out, "");
                ASSERT_TEXT_EQ(r.err, "cannot connect to the system bus: No such file or directory\n");
                run_done(&r);
        }
        ASSERT_OK(unsetenv("DBUS_SYSTEM_BUS_ADDRESS"));

        /* The default address, as it is here: the development hosts have no system bus. */
        if (access("/run/dbus/system_bus_socket", F_OK) < 0) {
                r = run("list", NULL);
                ASSERT_EQ(r.status, 1);
                ASSERT_TEXT_EQ(r.err, "cannot connect to the system bus: No such file or directory\n");
                run_done(&r);
        } else
                printf("# this host has a system bus: its default address is not tried\n");
        tree_cleanup();
}

/* A private bus: a dbus-daemon of our own with a permissive policy, pointed to by
 * $DBUS_SYSTEM_BUS_ADDRESS, so agentcgroupctl takes it for the system bus. */
static pid_t bus_pid = 0;

static void bus_stop(void) {
        (void) unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
        if (bus_pid > 0) {
                (void) kill(bus_pid, SIGTERM);
                (void) waitpid(bus_pid, NULL, 0);
        }
        bus_pid = 0;
}

static bool bus_start(void) {
        char addr[700] = {};
        const char *conf;
        int p[2];
        ssize_t n;

        bus_stop();
        /* A missing bus daemon fails the case: passing it silently would hide that nothing ran. */
        if (access("/usr/bin/dbus-daemon", X_OK) < 0)
                TEST_FAIL("no /usr/bin/dbus-daemon (package dbus-daemon; tools/setup-host installs it)");
        conf = tree_path("/bus.conf");
        tree_write("/bus.conf", "");
        {
                FILE *f = fopen(conf, "we");

                ASSERT_NOT_NULL(f);
                fprintf(f, "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
                           " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
                           "<busconfig><type>session</type><listen>unix:path=%s/bus</listen>\n"
                           "<auth>EXTERNAL</auth><policy context=\"default\">\n"
                           "<allow send_destination=\"*\" eavesdrop=\"true\"/><allow eavesdrop=\"true\"/>\n"
                           "<allow own=\"*\"/></policy></busconfig>\n", tree_root);
                fclose(f);
        }
        ASSERT_OK(pipe2(p, O_CLOEXEC));
        fflush(stdout);
        bus_pid = fork();
        ASSERT_TRUE(bus_pid >= 0);
        if (bus_pid == 0) {
                char cfg[800];

                int log = open(tree_path("/bus.log"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

                /* Not our stdout and stderr: the test runner waits for them to close. */
                (void) prctl(PR_SET_PDEATHSIG, SIGTERM);
                if (dup2(p[1], 3) < 0 || log < 0 || dup2(log, STDOUT_FILENO) < 0 || dup2(log, STDERR_FILENO) < 0)
                        _exit(127);
                snprintf(cfg, sizeof cfg, "--config-file=%s", conf);
                execl("/usr/bin/dbus-daemon", "dbus-daemon", cfg, "--nofork", "--nopidfile",
                      "--print-address=3", (char *) NULL);
                _exit(127);
        }
        close(p[1]);
        n = read(p[0], addr, sizeof addr - 1);
        close(p[0]);
        if (n <= 0)
                TEST_FAIL("dbus-daemon printed no address");
        addr[strcspn(addr, "\n")] = '\0';
        ASSERT_OK(setenv("DBUS_SYSTEM_BUS_ADDRESS", addr, 1));
        return true;
}

/* ---- a stand-in for agentcgroupd: org.agentcgroup1.Manager with canned answers ---- */

/* How the stand-in answers: Reload() accepts, rejects or denies; OLD_API is a daemon from before
 * ListUnitStates() and GetUnit() (UnknownMethod), otherwise like RELOAD_OK. */
typedef enum FakeReload { RELOAD_OK, RELOAD_REJECT, RELOAD_DENY, OLD_API } FakeReload;

static int fake_list_units(sd_bus_message *m, void *userdata, sd_bus_error *e) {
        return sd_bus_reply_method_return(m, "a(ssssst)", 3,
                "tool-42.scope", "scope", "agent-s1.slice", "tool-burst", "", (uint64_t) 4242,
                "agent-s1.slice", "slice", "agent.slice", "session", "session-slices", (uint64_t) 17,
                "odd.service", "service", "agent-s1.slice", "", "", (uint64_t) 99);
}

/* States for two of the three units of ListUnits(), and one it does not list (a unit that
 * came between the calls): odd.service went away in between. */
static int fake_list_unit_states(sd_bus_message *m, void *userdata, sd_bus_error *e) {
        if (*(FakeReload *) userdata == OLD_API)
                return sd_bus_error_set(e, SD_BUS_ERROR_UNKNOWN_METHOD,
                                        "Unknown method ListUnitStates or interface org.agentcgroup1.Manager.");
        return sd_bus_reply_method_return(m, "a(sssttsd)", 3,
                "new.scope", "running", "none", (uint64_t) 1, UINT64_MAX, "", 0.0,
                "tool-42.scope", "throttled", "throttle", (uint64_t) 1610612736, (uint64_t) 1073741824,
                "burst credit used up", 12.34,
                "agent-s1.slice", "running", "none", UINT64_MAX, UINT64_MAX, "", 0.0);
}

#define FAKE_UNIT_PATH "/org/agentcgroup1/unit/tool_2d42_2escope"

/* tool-42.scope has an object; gone.scope is given a path without one (it went away between
 * GetUnit() and GetAll()); bad/name is not a unit name; the rest are not managed. */
static int fake_get_unit(sd_bus_message *m, void *userdata, sd_bus_error *e) {
        const char *unit;
        int r;

        if (*(FakeReload *) userdata == OLD_API)
                return sd_bus_error_set(e, SD_BUS_ERROR_UNKNOWN_METHOD,
                                        "Unknown method GetUnit or interface org.agentcgroup1.Manager.");
        r = sd_bus_message_read(m, "s", &unit);
        if (r < 0)
                return r;
        if (streq(unit, "tool-42.scope"))
                return sd_bus_reply_method_return(m, "o", FAKE_UNIT_PATH);
        if (streq(unit, "gone.scope"))
                return sd_bus_reply_method_return(m, "o", "/org/agentcgroup1/unit/gone_2escope");
        if (streq(unit, "bad/name"))
                return sd_bus_error_setf(e, SD_BUS_ERROR_INVALID_ARGS, "'%s' is not a valid unit name.", unit);
        return sd_bus_error_setf(e, "org.agentcgroup1.Error.UnitNotManaged", "%s is not managed by agentcgroupd.",
                                 unit);
}

static int fake_reload(sd_bus_message *m, void *userdata, sd_bus_error *e) {
        switch (*(FakeReload *) userdata) {
        case RELOAD_REJECT:
                return sd_bus_reply_method_return(m, "as", 2, "/etc/agentcgroup/agentcgroup.conf.d/50-x.conf:3: MemoryMax=big: not a valid size",
                                                  "/etc/agentcgroup/agentcgroup.conf.d/60-y.conf: not a regular file");
        case RELOAD_DENY:
                return sd_bus_error_set(e, SD_BUS_ERROR_ACCESS_DENIED, "Only root may reload the configuration.");
        default:
                return sd_bus_reply_method_return(m, "as", 0);
        }
}

static int fake_get_version(sd_bus *b, const char *path, const char *iface, const char *prop, sd_bus_message *reply,
                            void *userdata, sd_bus_error *e) {
        return sd_bus_message_append(reply, "s", "9.9.9");
}

static int fake_get_u(sd_bus *b, const char *path, const char *iface, const char *prop, sd_bus_message *reply,
                      void *userdata, sd_bus_error *e) {
        return sd_bus_message_append(reply, "u", (uint32_t) (streq(prop, "ManagedUnits") ? 3 : 0));
}

/* freeze, thaw, kill: succeed for ok.scope, UnitNotManaged for other.scope, AccessDenied for
 * denied.scope, systemd's NoSuchUnit for anything else. Each call is appended to /calls in the
 * tree, before the reply, as "METHOD UNIT[ SIGNAL]". */
static int fake_unit_action(sd_bus_message *m, void *userdata, sd_bus_error *e) {
        const char *method = sd_bus_message_get_member(m), *unit;
        int32_t signo = 0;
        FILE *f;
        int r;

        r = streq(method, "KillUnit") ? sd_bus_message_read(m, "si", &unit, &signo) : sd_bus_message_read(m, "s", &unit);
        if (r < 0)
                return r;
        f = fopen(tree_path("/calls"), "ae");
        if (f) {
                if (streq(method, "KillUnit"))
                        fprintf(f, "%s %s %d\n", method, unit, (int) signo);
                else
                        fprintf(f, "%s %s\n", method, unit);
                fclose(f);
        }
        if (streq(unit, "ok.scope"))
                return sd_bus_reply_method_return(m, NULL);
        if (streq(unit, "other.scope"))
                return sd_bus_error_setf(e, "org.agentcgroup1.Error.UnitNotManaged",
                                         "Unit %s is not managed by agentcgroupd.", unit);
        if (streq(unit, "denied.scope"))
                return sd_bus_error_set(e, SD_BUS_ERROR_ACCESS_DENIED, "Only root may freeze, thaw or kill units.");
        return sd_bus_error_setf(e, "org.freedesktop.systemd1.NoSuchUnit", "Unit %s not loaded.", unit);
}

/* set-profile, clear-profile: the units as for freeze; of the profiles only "background"
 * exists. Calls are appended to /calls as "METHOD UNIT[ PROFILE]". */
static int fake_profile_action(sd_bus_message *m, void *userdata, sd_bus_error *e) {
        const char *method = sd_bus_message_get_member(m), *unit, *profile = NULL;
        FILE *f;
        int r;

        r = streq(method, "SetUnitProfile") ? sd_bus_message_read(m, "ss", &unit, &profile)
                                            : sd_bus_message_read(m, "s", &unit);
        if (r < 0)
                return r;
        f = fopen(tree_path("/calls"), "ae");
        if (f) {
                fprintf(f, "%s %s%s%s\n", method, unit, profile ? " " : "", strempty(profile));
                fclose(f);
        }
        if (streq(unit, "denied.scope"))
                return sd_bus_error_set(e, SD_BUS_ERROR_ACCESS_DENIED,
                                        "Setting a unit's profile requires root or membership in group agentadm.");
        if (!streq(unit, "ok.scope"))
                return sd_bus_error_setf(e, "org.agentcgroup1.Error.UnitNotManaged",
                                         "%s is not managed by agentcgroupd.", unit);
        if (profile && !streq(profile, "background"))
                return sd_bus_error_setf(e, "org.agentcgroup1.Error.NoSuchProfile",
                                         "There is no profile %s in the configuration in effect.", profile);
        return sd_bus_reply_method_return(m, NULL);
}

/* Text with the characters a careless printf would trip on. */
#define FAKE_METRICS "# HELP agentcgroup_config_errors Errors.\n# TYPE agentcgroup_config_errors gauge\n" \
        "agentcgroup_config_errors 0\nagentcgroup_unit_info{unit=\"a%sb\\\\.scope\"} 1\n"

static int fake_get_metrics(sd_bus_message *m, void *userdata, sd_bus_error *e) {
        if (*(FakeReload *) userdata == OLD_API)
                return sd_bus_error_set(e, SD_BUS_ERROR_UNKNOWN_METHOD,
                                        "Unknown method GetMetrics or interface org.agentcgroup1.Manager.");
        return sd_bus_reply_method_return(m, "s", FAKE_METRICS);
}

static const sd_bus_vtable fake_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", fake_get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ManagedUnits", "u", fake_get_u, 0, 0),
        SD_BUS_PROPERTY("ConfigErrors", "u", fake_get_u, 0, 0),
        SD_BUS_METHOD("ListUnits", "", "a(ssssst)", fake_list_units, 0),
        SD_BUS_METHOD("ListUnitStates", "", "a(sssttsd)", fake_list_unit_states, 0),
        SD_BUS_METHOD("GetUnit", "s", "o", fake_get_unit, 0),
        SD_BUS_METHOD("Reload", "", "as", fake_reload, 0),
        SD_BUS_METHOD("FreezeUnit", "s", "", fake_unit_action, 0),
        SD_BUS_METHOD("ThawUnit", "s", "", fake_unit_action, 0),
        SD_BUS_METHOD("KillUnit", "si", "", fake_unit_action, 0),
        SD_BUS_METHOD("SetUnitProfile", "ss", "", fake_profile_action, 0),
        SD_BUS_METHOD("ClearUnitProfile", "s", "", fake_profile_action, 0),
        SD_BUS_METHOD("GetMetrics", "", "s", fake_get_metrics, 0),
        SD_BUS_VTABLE_END
};

/* The unit object of tool-42.scope, with the daemon's properties in its order. */
typedef struct FakeUnit {
        const char *id, *type, *slice, *cgroup;
        uint64_t cgroup_id;
        const char *profile, *rule, *class, *state;
        uint64_t current, high;
        double stall;
        uint64_t throttles, freezes, thaws, kills, oom_kills, frozen_usec;
        const char *action, *reason;
        uint64_t action_usec;
} FakeUnit;

static const FakeUnit fake_unit = {
        "tool-42.scope", "scope", "agent-s1.slice", "/agent.slice/agent-s1.slice/tool-42.scope", 4242,
        "tool-burst", "", "tool-burst", "throttled",
        1610612736, UINT64_MAX, 12.5,
        3, 1, 1, 0, 0, 61500000,
        "throttle", "burst credit used up", 1700000000000000,
};

static int fake_get_s(sd_bus *b, const char *path, const char *iface, const char *prop, sd_bus_message *reply,
                      void *userdata, sd_bus_error *e) {
        return sd_bus_message_append(reply, "s", *(const char **) userdata);
}

static int fake_get_t(sd_bus *b, const char *path, const char *iface, const char *prop, sd_bus_message *reply,
                      void *userdata, sd_bus_error *e) {
        return sd_bus_message_append(reply, "t", *(const uint64_t *) userdata);
}

static int fake_get_d(sd_bus *b, const char *path, const char *iface, const char *prop, sd_bus_message *reply,
                      void *userdata, sd_bus_error *e) {
        return sd_bus_message_append(reply, "d", *(const double *) userdata);
}

#define FAKE_S(name, field) SD_BUS_PROPERTY(name, "s", fake_get_s, offsetof(FakeUnit, field), 0)
#define FAKE_T(name, field) SD_BUS_PROPERTY(name, "t", fake_get_t, offsetof(FakeUnit, field), 0)

static const sd_bus_vtable fake_unit_vtable[] = {
        SD_BUS_VTABLE_START(0),
        FAKE_S("Id", id),
        FAKE_S("Type", type),
        FAKE_S("Slice", slice),
        FAKE_S("ControlGroup", cgroup),
        FAKE_T("ControlGroupId", cgroup_id),
        FAKE_S("Profile", profile),
        FAKE_S("Rule", rule),
        FAKE_S("Class", class),
        FAKE_S("State", state),
        FAKE_T("MemoryCurrent", current),
        FAKE_T("EffectiveMemoryHigh", high),
        SD_BUS_PROPERTY("StallPercent", "d", fake_get_d, offsetof(FakeUnit, stall), 0),
        FAKE_T("ThrottleCount", throttles),
        FAKE_T("FreezeCount", freezes),
        FAKE_T("ThawCount", thaws),
        FAKE_T("KillCount", kills),
        FAKE_T("OOMKillCount", oom_kills),
        FAKE_T("FrozenUSec", frozen_usec),
        FAKE_S("LastAction", action),
        FAKE_S("LastReason", reason),
        FAKE_T("LastActionTimestamp", action_usec),
        SD_BUS_VTABLE_END
};

/* Returns the stand-in's pid once it owns org.agentcgroup1. */
static pid_t fake_daemon_start(FakeReload mode) {
        int p[2];
        pid_t pid;
        char c;

        ASSERT_OK(pipe2(p, O_CLOEXEC));
        fflush(stdout);
        pid = fork();
        ASSERT_TRUE(pid >= 0);
        if (pid == 0) {
                static FakeReload m;
                sd_bus *bus = NULL;

                int r;

                (void) prctl(PR_SET_PDEATHSIG, SIGTERM);
                m = mode;
                r = sd_bus_open_system(&bus);
                if (r >= 0)
                        r = sd_bus_add_object_vtable(bus, NULL, "/org/agentcgroup1", "org.agentcgroup1.Manager",
                                                     fake_vtable, &m);
                if (r >= 0 && mode != OLD_API)
                        r = sd_bus_add_object_vtable(bus, NULL, FAKE_UNIT_PATH, "org.agentcgroup1.Unit",
                                                     fake_unit_vtable, (void *) &fake_unit);
                if (r >= 0)
                        r = sd_bus_request_name(bus, "org.agentcgroup1", 0);
                if (r < 0) {
                        fprintf(stderr, "fake agentcgroupd: %s\n", strerror(-r));
                        _exit(1);
                }
                (void) !write(p[1], "x", 1);
                for (;;) {
                        r = sd_bus_process(bus, NULL);
                        if (r < 0)
                                _exit(1);
                        if (r == 0 && sd_bus_wait(bus, UINT64_MAX) < 0)
                                _exit(1);
                }
        }
        close(p[1]);
        ASSERT_EQ(read(p[0], &c, 1), 1);
        close(p[0]);
        return pid;
}

static void fake_daemon_stop(pid_t pid) {
        (void) kill(pid, SIGTERM);
        (void) waitpid(pid, NULL, 0);
}

/* A bus without org.agentcgroup1 on it: status 3 and the reason. */
TEST(bus_daemon_not_running) {
        static const char * const verbs[] = { "list", "status", "reload" };
        Run r;

        tree_setup();
        if (bus_start())
                for (size_t i = 0; i < ELEMENTSOF(verbs); i++) {
                        r = run(verbs[i], NULL);
                        if (r.status != 3 ||
                            !streq(r.err, "agentcgroupd is not running (no org.agentcgroup1 on the system bus)\n") ||
                            !streq(r.out, "")) {
                                dump_text("stderr", r.err);
                                bus_stop();
                                TEST_FAIL("%s: status %d; expected 3", verbs[i], r.status);
                        }
                        run_done(&r);
                }

        r = run("show", "tool-42.scope", NULL);
        ASSERT_EQ(r.status, 3);
        ASSERT_TEXT_EQ(r.out, "");
        ASSERT_TEXT_EQ(r.err, "agentcgroupd is not running (no org.agentcgroup1 on the system bus)\n");
        run_done(&r);

        /* run never keeps the command from running: neither agentcgroupd nor systemd is on
         * this bus, so it runs outside any scope, after saying so, with its own exit status. */
        r = run("run", "--session", "s1", "--", "sh", "-c", "echo ran; exit 3", NULL);
        ASSERT_EQ(r.status, 3);
        ASSERT_TEXT_EQ(r.out, "ran\n");
        ASSERT_TRUE(strstr(r.err, "Cannot ask agentcgroupd: ") != NULL);
        ASSERT_TRUE(strstr(r.err, "the command runs outside any scope.") != NULL);
        run_done(&r);
        r = run("run", "-q", "--", "sh", "-c", "echo quiet", NULL);
        ASSERT_EQ(r.status, 0);
        ASSERT_TEXT_EQ(r.out, "quiet\n");
        ASSERT_TEXT_EQ(r.err, "");
        run_done(&r);

        /* A unit command names each unit, and still tries the others. */
        r = run("freeze", "a.scope", "b.scope", NULL);
        ASSERT_EQ(r.status, 3);
        ASSERT_TEXT_EQ(r.out, "");
        ASSERT_TEXT_EQ(r.err,
                       "freeze a.scope: agentcgroupd is not running (no org.agentcgroup1 on the system bus)\n"
                       "freeze b.scope: agentcgroupd is not running (no org.agentcgroup1 on the system bus)\n");
        run_done(&r);
        bus_stop();
        tree_cleanup();
}

static void check_list_and_status(void) {
        _cleanup_(json_object_putp) json_object *a = NULL, *st = NULL;
        json_object *v;
        Run r;

        r = run("list", NULL);
        ASSERT_EQ(r.status, 0);
        ASSERT_TEXT_EQ(r.err, "");
        ASSERT_TEXT_EQ(r.out,
                       "UNIT            TYPE     SLICE           PROFILE     RULE            CGROUP-ID  STATE      MEMORY  PRESSURE\n"
                       "agent-s1.slice  slice    agent.slice     session     session-slices  17         running    -       0.0%\n"
                       "odd.service     service  agent-s1.slice  -           -               99         -          -       -\n"
                       "tool-42.scope   scope    agent-s1.slice  tool-burst  (default)       4242       throttled  1.5G    12.3%\n"
                       "\n"
                       "3 managed unit(s).\n");
        run_done(&r);

        r = run("list", "--no-legend", NULL);
        ASSERT_EQ(r.status, 0);
        ASSERT_FALSE(has_line(r.out, "UNIT"));
        ASSERT_FALSE(has_line(r.out, "3 managed"));
        ASSERT_HAS_LINE(r.out, "agent-s1.slice  slice ");
        run_done(&r);

        r = run("list", "--json", NULL);
        ASSERT_EQ(r.status, 0);
        a = parse_array(r.out, 3);
        ASSERT_STREQ(member(a, 0, "unit"), "agent-s1.slice");
        ASSERT_STREQ(member(a, 0, "rule"), "session-slices");
        ASSERT_STREQ(member(a, 2, "profile"), "tool-burst");
        ASSERT_NULL(member(a, 2, "rule"));
        ASSERT_NULL(member(a, 1, "profile"));
        ASSERT_STREQ(member(a, 2, "cgroup_id"), "4242");
        ASSERT_STREQ(member(a, 2, "state"), "throttled");
        ASSERT_STREQ(member(a, 2, "last_action"), "throttle");
        ASSERT_STREQ(member(a, 2, "last_reason"), "burst credit used up");
        ASSERT_STREQ(member(a, 2, "memory_current"), "1610612736");
        ASSERT_STREQ(member(a, 2, "effective_memory_high"), "1073741824");
        ASSERT_STREQ(member(a, 2, "stall_percent"), "12.34");
        ASSERT_STREQ(member(a, 0, "stall_percent"), "0.0");
        ASSERT_NULL(member(a, 1, "stall_percent"));
        ASSERT_STREQ(member(a, 0, "state"), "running");
        ASSERT_STREQ(member(a, 0, "last_action"), "none");
        ASSERT_NULL(member(a, 0, "last_reason"));
        ASSERT_NULL(member(a, 0, "memory_current"));
        ASSERT_NULL(member(a, 0, "effective_memory_high"));
        ASSERT_NULL(member(a, 1, "state"));
        ASSERT_NULL(member(a, 1, "memory_current"));
        run_done(&r);

        r = run("status", NULL);
        ASSERT_EQ(r.status, 0);
        ASSERT_TEXT_EQ(r.out, "Version: 9.9.9\nManagedUnits: 3\nConfigErrors: 0\n");
        run_done(&r);
        r = run("status", "--json=short", NULL);
        ASSERT_EQ(r.status, 0);
        st = json_tokener_parse(r.out);
        ASSERT_NOT_NULL(st);
        ASSERT_TRUE(json_object_object_get_ex(st, "managed_units", &v));
        ASSERT_EQ(json_object_get_int(v), 3);
        ASSERT_TRUE(json_object_object_get_ex(st, "version", &v));
        ASSERT_STREQ(json_object_get_string(v), "9.9.9");
        run_done(&r);
}

/* Against a stand-in for agentcgroupd: what each command prints, and its status. */
TEST(bus_list_status_reload) {
        pid_t fake;
        Run r;

        tree_setup();
        if (!bus_start()) {
                tree_cleanup();
                return;
        }

        fake = fake_daemon_start(RELOAD_OK);
        check_list_and_status();
        r = run("reload", NULL);
        ASSERT_EQ(r.status, 0);
        ASSERT_TEXT_EQ(r.out, "Configuration reloaded.\n");
        ASSERT_TEXT_EQ(r.err, "");
        run_done(&r);
        /* metrics: the daemon's text, byte for byte. */
        r = run("metrics", NULL);
        ASSERT_TEXT_EQ(r.err, "");
        ASSERT_TEXT_EQ(r.out, FAKE_METRICS);
        ASSERT_EQ(r.status, 0);
        run_done(&r);
        fake_daemon_stop(fake);

        fake = fake_daemon_start(RELOAD_REJECT);
        r = run("reload", NULL);
        ASSERT_EQ(r.status, 1);
        ASSERT_TEXT_EQ(r.out, "");
        ASSERT_TEXT_EQ(r.err,
                       "/etc/agentcgroup/agentcgroup.conf.d/50-x.conf:3: MemoryMax=big: not a valid size\n"
                       "/etc/agentcgroup/agentcgroup.conf.d/60-y.conf: not a regular file\n"
                       "Configuration rejected: 2 error(s); the previous configuration stays in effect.\n");
        run_done(&r);
        fake_daemon_stop(fake);

        fake = fake_daemon_start(RELOAD_DENY);
        r = run("reload", NULL);
        ASSERT_EQ(r.status, 4);
        ASSERT_TEXT_EQ(r.err, "reload: access denied: Only root may reload the configuration.\n");
        run_done(&r);
        fake_daemon_stop(fake);

        bus_stop();
        tree_cleanup();
}

/* show: every property of the unit object, in the daemon's order, systemctl show style. */
TEST(bus_show) {
        _cleanup_(json_object_putp) json_object *o = NULL, *two = NULL;
        json_object *v;
        pid_t fake;
        Run r;

        tree_setup();
        if (!bus_start()) {
                tree_cleanup();
                return;
        }
        fake = fake_daemon_start(RELOAD_OK);
        /* Timestamps are local time. */
        ASSERT_OK(setenv("TZ", "UTC", 1));

        r = run("show", "tool-42.scope", NULL);
        ASSERT_TEXT_EQ(r.err, "");
        ASSERT_TEXT_EQ(r.out,
                       "Id=tool-42.scope\n"
                       "Type=scope\n"
                       "Slice=agent-s1.slice\n"
                       "ControlGroup=/agent.slice/agent-s1.slice/tool-42.scope\n"
                       "ControlGroupId=4242\n"
                       "Profile=tool-burst\n"
                       "Rule=\n"
                       "Class=tool-burst\n"
                       "State=throttled\n"
                       "MemoryCurrent=1610612736\n"
                       "EffectiveMemoryHigh=[not set]\n"
                       "StallPercent=12.5\n"
                       "ThrottleCount=3\n"
                       "FreezeCount=1\n"
                       "ThawCount=1\n"
                       "KillCount=0\n"
                       "OOMKillCount=0\n"
                       "FrozenUSec=1min 1s 500ms\n"
                       "LastAction=throttle\n"
                       "LastReason=burst credit used up\n"
                       "LastActionTimestamp=Tue 2023-11-14 22:13:20 UTC\n");
        ASSERT_EQ(r.status, 0);
        run_done(&r);

        /* -p: repeatable, comma-separated, printed in the daemon's order; --value: values only. */
        r = run("show", "-p", "LastReason,MemoryCurrent", "tool-42.scope", "--property=State", NULL);
        ASSERT_TEXT_EQ(r.err, "");
        ASSERT_TEXT_EQ(r.out, "State=throttled\nMemoryCurrent=1610612736\nLastReason=burst credit used up\n");
        ASSERT_EQ(r.status, 0);
        run_done(&r);
        r = run("show", "--value", "-p", "State", "tool-42.scope", NULL);
        ASSERT_TEXT_EQ(r.out, "throttled\n");
        ASSERT_EQ(r.status, 0);
        run_done(&r);

        r = run("show", "--json=short", "tool-42.scope", NULL);
        ASSERT_EQ(r.status, 0);
        o = json_tokener_parse(r.out);
        ASSERT_NOT_NULL(o);
        ASSERT_EQ(json_object_object_length(o), 21);
        ASSERT_TRUE(json_object_object_get_ex(o, "Id", &v));
        ASSERT_STREQ(json_object_get_string(v), "tool-42.scope");
        ASSERT_TRUE(json_object_object_get_ex(o, "MemoryCurrent", &v));
        ASSERT_EQ(json_object_get_type(v), json_type_int);
        ASSERT_U64_EQ(json_object_get_uint64(v), 1610612736);
        /* Not set, and empty strings: null. */
        ASSERT_TRUE(json_object_object_get_ex(o, "EffectiveMemoryHigh", &v));
        ASSERT_NULL(v);
        ASSERT_TRUE(json_object_object_get_ex(o, "Rule", &v));
        ASSERT_NULL(v);
        ASSERT_TRUE(json_object_object_get_ex(o, "StallPercent", &v));
        ASSERT_EQ(json_object_get_type(v), json_type_double);
        ASSERT_TRUE(json_object_get_double(v) == 12.5);
        ASSERT_TRUE(json_object_object_get_ex(o, "LastActionTimestamp", &v));
        ASSERT_U64_EQ(json_object_get_uint64(v), 1700000000000000);
        ASSERT_TRUE(json_object_object_get_ex(o, "FrozenUSec", &v));
        ASSERT_U64_EQ(json_object_get_uint64(v), 61500000);
        run_done(&r);
        r = run("show", "--json=short", "-p", "State,Id", "tool-42.scope", NULL);
        ASSERT_EQ(r.status, 0);
        two = json_tokener_parse(r.out);
        ASSERT_NOT_NULL(two);
        ASSERT_EQ(json_object_object_length(two), 2);
        ASSERT_TRUE(json_object_object_get_ex(two, "State", &v));
        ASSERT_STREQ(json_object_get_string(v), "throttled");
        run_done(&r);

        /* Failures, each with the unit named and its exit status. */
        r = run("show", "other.scope", NULL);
        ASSERT_TEXT_EQ(r.err, "show other.scope: other.scope is not managed by agentcgroupd.\n");
        ASSERT_TEXT_EQ(r.out, "");
        ASSERT_EQ(r.status, 5);
        run_done(&r);
        r = run("show", "gone.scope", NULL);
        ASSERT_TEXT_EQ(r.err, "show gone.scope: gone.scope is no longer managed by agentcgroupd.\n");
        ASSERT_EQ(r.status, 5);
        run_done(&r);
        r = run("show", "bad/name", NULL);
        ASSERT_TEXT_EQ(r.err, "show bad/name: 'bad/name' is not a valid unit name.\n");
        ASSERT_EQ(r.status, 1);
        run_done(&r);
        r = run("show", "-p", "State,Bogus", "tool-42.scope", NULL);
        ASSERT_TEXT_EQ(r.err, "show tool-42.scope: agentcgroupd reports no property 'Bogus'.\n");
        ASSERT_TEXT_EQ(r.out, "");
        ASSERT_EQ(r.status, 1);
        run_done(&r);

        ASSERT_OK(unsetenv("TZ"));
        fake_daemon_stop(fake);
        bus_stop();
        tree_cleanup();
}

/* A daemon from before ListUnitStates() and GetUnit(): list still works, without states; show
 * says why it cannot. */
TEST(bus_old_daemon) {
        _cleanup_(json_object_putp) json_object *a = NULL;
        pid_t fake;
        Run r;

        tree_setup();
        if (!bus_start()) {
                tree_cleanup();
                return;
        }
        fake = fake_daemon_start(OLD_API);

        r = run("list", NULL);
        ASSERT_TEXT_EQ(r.err, "");
        ASSERT_TEXT_EQ(r.out,
                       "UNIT            TYPE     SLICE           PROFILE     RULE            CGROUP-ID  STATE  MEMORY  PRESSURE\n"
                       "agent-s1.slice  slice    agent.slice     session     session-slices  17         -      -       -\n"
                       "odd.service     service  agent-s1.slice  -           -               99         -      -       -\n"
                       "tool-42.scope   scope    agent-s1.slice  tool-burst  (default)       4242       -      -       -\n"
                       "\n"
                       "3 managed unit(s).\n");
        ASSERT_EQ(r.status, 0);
        run_done(&r);
        r = run("list", "--json=short", NULL);
        ASSERT_EQ(r.status, 0);
        a = parse_array(r.out, 3);
        ASSERT_STREQ(member(a, 2, "profile"), "tool-burst");
        ASSERT_NULL(member(a, 2, "state"));
        ASSERT_NULL(member(a, 2, "memory_current"));
        run_done(&r);

        r = run("metrics", NULL);
        ASSERT_NOT_NULL(strstr(r.err, "GetMetrics"));
        ASSERT_TEXT_EQ(r.out, "");
        ASSERT_EQ(r.status, 1);
        run_done(&r);

        r = run("show", "tool-42.scope", NULL);
        ASSERT_TEXT_EQ(r.err, "show tool-42.scope: agentcgroupd has no GetUnit(): is it an older version than agentcgroupctl?\n");
        ASSERT_TEXT_EQ(r.out, "");
        ASSERT_EQ(r.status, 1);
        run_done(&r);

        fake_daemon_stop(fake);
        bus_stop();
        tree_cleanup();
}

/* Runs agentcgroupctl with the arguments and checks its status, stderr (stdout stays empty) and
 * the calls the stand-in received. */
#define CHECK_UNIT_RUN(status_, err_, calls_, ...)                                      \
        do {                                                                            \
                _cleanup_(freep) char *_calls = NULL;                                   \
                Run _r;                                                                 \
                                                                                        \
                tree_write("/calls", "");                                               \
                _r = run(__VA_ARGS__, NULL);                                            \
                _calls = read_all(tree_path("/calls"));                                 \
                ASSERT_TEXT_EQ(_r.err, (err_));                                         \
                ASSERT_TEXT_EQ(_r.out, "");                                             \
                ASSERT_TEXT_EQ(_calls, (calls_));                                       \
                ASSERT_EQ(_r.status, (status_));                                        \
                run_done(&_r);                                                          \
        } while (0)

TEST(bus_freeze_thaw_kill) {
        pid_t fake;

        tree_setup();
        if (!bus_start()) {
                tree_cleanup();
                return;
        }
        fake = fake_daemon_start(RELOAD_OK);

        CHECK_UNIT_RUN(0, "", "FreezeUnit ok.scope\n", "freeze", "ok.scope");
        CHECK_UNIT_RUN(0, "", "ThawUnit ok.scope\n", "thaw", "ok.scope");
        CHECK_UNIT_RUN(0, "", "FreezeUnit ok.scope\nFreezeUnit ok.scope\n", "freeze", "ok.scope", "ok.scope");

        /* Each status, with the unit named. */
        CHECK_UNIT_RUN(5, "freeze other.scope: Unit other.scope is not managed by agentcgroupd.\n",
                       "FreezeUnit other.scope\n", "freeze", "other.scope");
        CHECK_UNIT_RUN(4, "thaw denied.scope: access denied: Only root may freeze, thaw or kill units.\n",
                       "ThawUnit denied.scope\n", "thaw", "denied.scope");
        CHECK_UNIT_RUN(1, "kill gone.scope: Unit gone.scope not loaded.\n",
                       "KillUnit gone.scope 15\n", "kill", "gone.scope");
        /* No type suffix: passed on as given. */
        CHECK_UNIT_RUN(1, "freeze tool-42: Unit tool-42 not loaded.\n", "FreezeUnit tool-42\n", "freeze", "tool-42");

        /* After a failure the other units are still tried; the first failure gives the status. */
        CHECK_UNIT_RUN(5,
                       "freeze other.scope: Unit other.scope is not managed by agentcgroupd.\n"
                       "freeze denied.scope: access denied: Only root may freeze, thaw or kill units.\n",
                       "FreezeUnit other.scope\nFreezeUnit ok.scope\nFreezeUnit denied.scope\n",
                       "freeze", "other.scope", "ok.scope", "denied.scope");
        CHECK_UNIT_RUN(4,
                       "kill denied.scope: access denied: Only root may freeze, thaw or kill units.\n"
                       "kill other.scope: Unit other.scope is not managed by agentcgroupd.\n",
                       "KillUnit ok.scope 15\nKillUnit denied.scope 15\nKillUnit other.scope 15\n",
                       "kill", "ok.scope", "denied.scope", "other.scope");

        /* The signal: TERM by default, by name with or without SIG, in any case, or by number. */
        CHECK_UNIT_RUN(0, "", "KillUnit ok.scope 9\n", "kill", "--signal=KILL", "ok.scope");
        CHECK_UNIT_RUN(0, "", "KillUnit ok.scope 9\n", "kill", "--signal=SIGKILL", "ok.scope");
        CHECK_UNIT_RUN(0, "", "KillUnit ok.scope 9\n", "kill", "--signal=9", "ok.scope");
        CHECK_UNIT_RUN(0, "", "KillUnit ok.scope 9\n", "kill", "-s", "kill", "ok.scope");
        CHECK_UNIT_RUN(0, "", "KillUnit ok.scope 1\n", "kill", "ok.scope", "--signal", "sighup");
        CHECK_UNIT_RUN(0, "", "KillUnit ok.scope 10\n", "kill", "--signal=USR1", "ok.scope");
        CHECK_UNIT_RUN(0, "", "KillUnit ok.scope 34\n", "kill", "--signal=34", "ok.scope");
        /* A bad signal is a usage error: nothing is sent. */
        CHECK_UNIT_RUN(2, "--signal=BOGUS: unknown signal; expected a name such as TERM, SIGKILL or a number from 1 to 64.\n",
                       "", "kill", "--signal=BOGUS", "ok.scope");
        CHECK_UNIT_RUN(2, "'kill' needs at least one unit. See 'agentcgroupctl --help'.\n", "", "kill");
        CHECK_UNIT_RUN(2, "'freeze' needs at least one unit. See 'agentcgroupctl --help'.\n", "", "freeze");

        fake_daemon_stop(fake);
        bus_stop();
        tree_cleanup();
}

/* set-profile and clear-profile: one call, its status, the unit named in every error. */
TEST(bus_set_clear_profile) {
        pid_t fake;

        tree_setup();
        if (!bus_start()) {
                tree_cleanup();
                return;
        }
        fake = fake_daemon_start(RELOAD_OK);

        CHECK_UNIT_RUN(0, "", "SetUnitProfile ok.scope background\n", "set-profile", "ok.scope", "background");
        CHECK_UNIT_RUN(0, "", "ClearUnitProfile ok.scope\n", "clear-profile", "ok.scope");
        CHECK_UNIT_RUN(1, "set-profile ok.scope: There is no profile nope in the configuration in effect.\n",
                       "SetUnitProfile ok.scope nope\n", "set-profile", "ok.scope", "nope");
        CHECK_UNIT_RUN(5, "set-profile other.scope: other.scope is not managed by agentcgroupd.\n",
                       "SetUnitProfile other.scope background\n", "set-profile", "other.scope", "background");
        CHECK_UNIT_RUN(5, "clear-profile other.scope: other.scope is not managed by agentcgroupd.\n",
                       "ClearUnitProfile other.scope\n", "clear-profile", "other.scope");
        CHECK_UNIT_RUN(4, "set-profile denied.scope: access denied: Setting a unit's profile requires root or "
                          "membership in group agentadm.\n",
                       "SetUnitProfile denied.scope background\n", "set-profile", "denied.scope", "background");
        CHECK_UNIT_RUN(4, "clear-profile denied.scope: access denied: Setting a unit's profile requires root or "
                          "membership in group agentadm.\n",
                       "ClearUnitProfile denied.scope\n", "clear-profile", "denied.scope");
        /* Usage errors send nothing. */
        CHECK_UNIT_RUN(2, "'set-profile' needs a unit and a profile. See 'agentcgroupctl --help'.\n", "",
                       "set-profile", "ok.scope");
        fake_daemon_stop(fake);

        /* Nothing on the bus: status 3, the unit named. */
        CHECK_UNIT_RUN(3, "set-profile ok.scope: agentcgroupd is not running (no org.agentcgroup1 on the system bus)\n",
                       "", "set-profile", "ok.scope", "background");
        bus_stop();
        tree_cleanup();
}

/* events: bad arguments are usage errors found before the journal is read; a journal with no
 * entries (a tree without journal files, through --root) shows nothing and succeeds. */
TEST(events_usage_and_empty_journal) {
        static const UsageCase cases[] = {
                { { "events", "bad/name" },               "events: 'bad/name' is not a valid unit name; expected a full name such as tool-42.scope" },
                { { "events", "ok.scope", "runtime-x" },  "events: 'runtime-x' is not a valid unit name" },
                { { "events", "--lines=x" },              "--lines=x: expected a number of events or 'all'" },
                { { "events", "-n", "-1" },               "--lines=-1: expected a number of events or 'all'" },
                { { "events", "--lines=" },               "--lines=: expected a number of events or 'all'" },
                { { "events", "--since=bogus" },          "--since=bogus: expected a time such as" },
                { { "events", "--since=1h" },             "--since=1h: expected a time such as" },
                { { "events", "--json=xml" },             "--json=xml: unknown format" },
                { { "events", "--no-legend" },            "--no-legend does not apply to 'events'" },
                { { "events", "--signal=KILL" },          "--signal does not apply to 'events'" },
                { { "list", "--follow" },                 "--follow does not apply to 'list'" },
                { { "show", "-n", "5", "x.scope" },       "--lines does not apply to 'show'" },
                { { "status", "--since=today" },          "--since does not apply to 'status'" },
                { { "events", "-f", "--bogus" },          "unrecognized option '--bogus'" },
        };
        Run r;

        tree_setup();
        assert_usage_errors(cases, ELEMENTSOF(cases));

        r = run("events", root_arg(), "--no-pager", NULL);
        ASSERT_EQ(r.status, 0);
        ASSERT_TEXT_EQ(r.out, "");
        ASSERT_TEXT_EQ(r.err, "");
        run_done(&r);
        r = run("events", root_arg(), "--json=short", "-n", "all", "--since=-1h", "tool-1.scope", NULL);
        ASSERT_EQ(r.status, 0);
        ASSERT_TEXT_EQ(r.out, "");
        ASSERT_TEXT_EQ(r.err, "");
        run_done(&r);
        tree_cleanup();
}

/* top: bad option values are usage errors that name the option; -n is --iterations= for top and
 * --lines= for events. */
TEST(top_usage) {
        static const UsageCase cases[] = {
                { { "top", "--delay=0" },                 "--delay=0: expected a time of at least 100ms, such as 1, 0.5, 2s or 500ms." },
                { { "top", "-d", "-1" },                  "--delay=-1: expected a time of at least 100ms" },
                { { "top", "-d", "soon" },                "--delay=soon: expected a time of at least 100ms" },
                { { "top", "--delay=50ms" },              "--delay=50ms: expected a time of at least 100ms" },
                { { "top", "--delay=infinity" },          "--delay=infinity: expected a time of at least 100ms" },
                { { "top", "--delay=" },                  "--delay=: expected a time of at least 100ms" },
                { { "top", "-n", "0" },                   "--iterations=0: expected a number of refreshes of at least 1." },
                { { "top", "-n", "all" },                 "--iterations=all: expected a number of refreshes of at least 1." },
                { { "top", "--iterations=-2" },           "--iterations=-2: expected a number of refreshes of at least 1." },
                { { "top", "--iterations=2x" },           "--iterations=2x: expected a number of refreshes" },
                { { "top", "--order=size" },              "--order=size: unknown order; expected unit, memory, cpu or pressure." },
                { { "top", "-o", "" },                    "--order=: unknown order" },
                { { "top", "extra" },                     "'top' takes no arguments, got 'extra'" },
                { { "top", "--lines=5" },                 "--lines does not apply to 'top'" },
                { { "top", "--follow" },                  "--follow does not apply to 'top'" },
                { { "top", "--no-legend" },               "--no-legend does not apply to 'top'" },
                { { "top", "--root=/" },                  "--root does not apply to 'top': it asks the running agentcgroupd" },
                { { "top", "--delay" },                   "option '--delay' requires an argument" },
                { { "list", "--batch" },                  "--batch does not apply to 'list'" },
                { { "list", "-o", "memory" },             "--order does not apply to 'list'" },
                { { "status", "-d", "2" },                "--delay does not apply to 'status'" },
                { { "events", "--iterations=2" },         "--iterations does not apply to 'events'" },
                { { "events", "-n", "x" },                "--lines=x: expected a number of events or 'all'" },
        };

        tree_setup();
        assert_usage_errors(cases, ELEMENTSOF(cases));
        tree_cleanup();
}

/* The lines of a frame of "top --batch" from its column headers on. */
static const char *frame_units(const char *frame) {
        const char *p = strstr(frame, "\nUNIT ");

        return p ? strchr(p + 1, '\n') + 1 : NULL;
}

/* top against the stand-in: frames of every unit, the tool call under its session's slice;
 * without cgroups to read (this host has none of the stand-in's), what the daemon says. */
TEST(bus_top) {
        static const char title[] = "agentcgroupd 9.9.9  Units: 3  Slices: 1  Scopes: 1  Other: 1  Throttled: 1  "
                                    "Frozen: 0  Killed: 0  Order: ";
        static const char units_by_name[] =
                "agent-s1.slice   session     running    -     -     -    0.00   -     -\n"
                "  odd.service    -           -          -     -     -    -      -     -\n"
                "  tool-42.scope  tool-burst  throttled  1.5G  1.0G  -    12.34  -     throttle: burst credit used up\n";
        static const char units_by_memory[] =
                "agent-s1.slice   session     running    -     -     -    0.00   -     -\n"
                "  tool-42.scope  tool-burst  throttled  1.5G  1.0G  -    12.34  -     throttle: burst credit used up\n"
                "  odd.service    -           -          -     -     -    -      -     -\n";
        _cleanup_(json_object_putp) json_object *first = NULL, *second = NULL;
        const char *second_frame, *nl;
        json_object *v, *u;
        pid_t fake;
        Run r;

        tree_setup();
        if (access("/sys/fs/cgroup/agent.slice/agent-s1.slice/tool-42.scope", F_OK) >= 0)
                TEST_FAIL("this host has the stand-in's cgroup: its values would be read");
        if (!bus_start()) {
                tree_cleanup();
                return;
        }

        /* Nothing owns the name: status 3 before any frame. */
        r = run("top", "--batch", "-n", "1", NULL);
        ASSERT_EQ(r.status, 3);
        ASSERT_TEXT_EQ(r.out, "");
        ASSERT_TEXT_EQ(r.err, "agentcgroupd is not running (no org.agentcgroup1 on the system bus)\n");
        run_done(&r);

        fake = fake_daemon_start(RELOAD_OK);
        r = run("top", "--batch", "-n", "2", "--delay=0.1", NULL);
        ASSERT_EQ(r.status, 0);
        ASSERT_TEXT_EQ(r.err, "");
        /* Two frames, an empty line between them, each with its title, headers and units. */
        ASSERT_TRUE(strneq(r.out, title, strlen(title)));
        ASSERT_TRUE(strneq(r.out + strlen(title), "unit  ", 6));
        second_frame = strstr(r.out, "\n\nagentcgroupd ");
        ASSERT_NOT_NULL(second_frame);
        second_frame += 2;
        ASSERT_NULL(strstr(second_frame, "\n\nagentcgroupd "));
        ASSERT_HAS_LINE(r.out, "UNIT             PROFILE     STATE      MEM   HIGH  MAX  PSI    CPU%  LAST ACTION");
        ASSERT_TRUE(strneq(frame_units(r.out), units_by_name, strlen(units_by_name)));
        ASSERT_STREQ(frame_units(second_frame), units_by_name);
        run_done(&r);

        r = run("top", "--order=memory", "-n", "1", NULL);
        ASSERT_EQ(r.status, 0);
        ASSERT_TEXT_EQ(r.err, "");
        ASSERT_TRUE(strneq(r.out + strlen(title), "memory  ", 8));
        ASSERT_STREQ(frame_units(r.out), units_by_memory);
        run_done(&r);

        /* --json: one object per frame, a line each with short; the frames --delay apart. */
        r = run("top", "--json=short", "-n", "2", "-d", "200ms", NULL);
        ASSERT_EQ(r.status, 0);
        ASSERT_TEXT_EQ(r.err, "");
        nl = strchr(r.out, '\n');
        ASSERT_NOT_NULL(nl);
        ASSERT_EQ(strchr(nl + 1, '\n') - (nl + 1), (long) strlen(nl + 1) - 1);
        first = json_tokener_parse(r.out);
        second = json_tokener_parse(nl + 1);
        ASSERT_NOT_NULL(first);
        ASSERT_NOT_NULL(second);
        ASSERT_TRUE(json_object_object_get_ex(first, "version", &v));
        ASSERT_STREQ(json_object_get_string(v), "9.9.9");
        ASSERT_TRUE(json_object_object_get_ex(second, "units", &v));
        ASSERT_EQ(json_object_array_length(v), 3);
        u = json_object_array_get_idx(v, 2);
        ASSERT_STREQ(member(v, 2, "unit"), "tool-42.scope");
        ASSERT_STREQ(member(v, 2, "parent"), "agent-s1.slice");
        ASSERT_STREQ(member(v, 2, "memory_current"), "1610612736");
        ASSERT_STREQ(member(v, 2, "memory_high"), "1073741824");
        ASSERT_NULL(member(v, 2, "memory_max"));
        ASSERT_NULL(member(v, 2, "cpu_percent"));
        ASSERT_STREQ(member(v, 2, "last_reason"), "burst credit used up");
        ASSERT_TRUE(json_object_object_get_ex(u, "stall_percent", &u));
        ASSERT_TRUE(json_object_get_double(u) == 12.34);
        {
                json_object *t1, *t2;

                ASSERT_TRUE(json_object_object_get_ex(first, "timestamp", &t1));
                ASSERT_TRUE(json_object_object_get_ex(second, "timestamp", &t2));
                ASSERT_TRUE(json_object_get_uint64(t2) >= json_object_get_uint64(t1) + 200000);
        }
        run_done(&r);

        fake_daemon_stop(fake);
        bus_stop();
        tree_cleanup();
}
