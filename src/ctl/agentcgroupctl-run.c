/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-id128.h>

#include "agentcgroupctl.h"
#include "cgroup-file.h"
#include "log.h"
#include "match.h"
#include "session-name.h"
#include "shell-args.h"
#include "strv.h"

/* agentcgroupctl run: the command runs in a tool-call scope that has its profile's properties
 * from the start. The daemon starts the scope with this very process in it (StartToolCall()),
 * then the command is exec'd here, so its exit status, signals, standard streams, terminal and
 * environment are the caller's own. Without the daemon it runs in a plain scope started with
 * systemd (or in no scope at all): a missing manager never keeps an agent from working. */

/* The daemon answers within 45 s (its own limit on systemd's start job): waiting longer means
 * it will not, and the tool call may or may not come; the command then runs without one. */
#define RUN_CALL_TIMEOUT_USEC (60 * USEC_PER_SEC)
#define START_RETRIES 20        /* LimitsExceeded: the daemon has 64 starts in flight */
#define SYSTEMD_BUS_NAME "org.freedesktop.systemd1"
#define SYSTEMD_BUS_PATH "/org/freedesktop/systemd1"
#define SYSTEMD_MANAGER_INTERFACE "org.freedesktop.systemd1.Manager"

static const char *arg_profile = NULL;
static const char *arg_session = NULL;
static const char *arg_tool = NULL;
static bool arg_wait = false;
static bool arg_quiet = false;

static void run_help(void) {
        printf("%1$s run [OPTIONS...] [--] COMMAND [ARGUMENT...]\n\n"
               "Run COMMAND in a tool-call scope that has its profile's properties from its\n"
               "first instruction. COMMAND replaces %1$s, so its exit status, signals,\n"
               "standard streams and terminal pass through unchanged.\n\n"
               "  -h --help              Show this help\n"
               "  -p --profile=PROFILE   The profile (default: what the match rules choose)\n"
               "  -S --session=SESSION   Run in the session's slice, started with the session\n"
               "                         profile if it does not run yet (default: $AGENTCGROUP_SESSION,\n"
               "                         else directly in the managed slice)\n"
               "  -t --tool=NAME         Name the tool call (default: COMMAND's file name)\n"
               "  -w --wait              Run COMMAND as a child, then report its run time and\n"
               "                         the scope's memory peak and limit events on stderr\n"
               "  -q --quiet             No warning when agentcgroupd or systemd is missing\n"
               "\nAsks agentcgroupd (root, or a member of AdminGroup=). Without it the command\n"
               "runs in a plain scope started by systemd, or in none, after a warning.\n",
               program_invocation_short_name);
}

static int parse_run_argv(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help",    no_argument,       NULL, 'h' },
                { "profile", required_argument, NULL, 'p' },
                { "session", required_argument, NULL, 'S' },
                { "tool",    required_argument, NULL, 't' },
                { "wait",    no_argument,       NULL, 'w' },
                { "quiet",   no_argument,       NULL, 'q' },
                {}
        };
        const char *reason;
        int c;

        /* "+": options end at COMMAND, whose own options are its own. */
        optind = 0;
        while ((c = getopt_long(argc, argv, "+hp:S:t:wq", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        run_help();
                        return 0;
                case 'p':
                        arg_profile = optarg;
                        break;
                case 'S':
                        arg_session = optarg;
                        break;
                case 't':
                        arg_tool = optarg;
                        break;
                case 'w':
                        arg_wait = true;
                        break;
                case 'q':
                        arg_quiet = true;
                        break;
                case '?':
                        log_error("See '%s run --help'.", program_invocation_short_name);
                        return -EINVAL;
                default:
                        abort();
                }

        if (optind >= argc) {
                log_error("'run' needs a command. See '%s run --help'.", program_invocation_short_name);
                return -EINVAL;
        }
        if (!arg_session)
                arg_session = getenv("AGENTCGROUP_SESSION");
        if (isempty(arg_session))
                arg_session = NULL;
        if (arg_session && (reason = session_name_invalid_reason(arg_session))) {
                log_error("--session=%.64s%s: the name %s.", arg_session, strlen(arg_session) > 64 ? "..." : "", reason);
                return -EINVAL;
        }
        if (arg_tool && (reason = tool_name_invalid_reason(arg_tool))) {
                log_error("--tool=%.64s%s: the name %s.", arg_tool, strlen(arg_tool) > 64 ? "..." : "", reason);
                return -EINVAL;
        }
        if (arg_profile && !profile_name_is_valid(arg_profile)) {
                log_error("--profile=%.64s%s: not a profile name (1-%d characters from A-Z a-z 0-9 - _ .).",
                          arg_profile, strlen(arg_profile) > 64 ? "..." : "", PROFILE_NAME_MAX);
                return -EINVAL;
        }
        return 1;
}

/* COMMAND's file name when it is a valid tool name ("/usr/bin/pytest" -> "pytest"), else "call". */
static const char *default_tool(const char *command) {
        const char *base = strrchr(command, '/');

        base = base ? base + 1 : command;
        return tool_name_invalid_reason(base) ? "call" : base;
}

/* Errors that mean "no agentcgroupd to ask" rather than "agentcgroupd said no". */
static bool daemon_unavailable(const sd_bus_error *e) {
        return sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER,
                                      SD_BUS_ERROR_DISCONNECTED, SD_BUS_ERROR_UNKNOWN_METHOD) ||
               strncmp(strempty(e->name), "org.freedesktop.DBus.Error.Spawn.", 33) == 0 ||
               strncmp(strempty(e->name), "org.freedesktop.systemd1.", 25) == 0;
}

/* Errors after which the daemon may still start the scope with this process: asking systemd
 * for a second one would race it. */
static bool start_unknown(const sd_bus_error *e) {
        return sd_bus_error_has_names(e, SD_BUS_ERROR_NO_REPLY, SD_BUS_ERROR_TIMEOUT,
                                      "org.agentcgroup1.Error.StartTimedOut");
}

/* Asks agentcgroupd. 1 with *ret_unit set: in the scope; 0: no daemon; -EAGAIN: the outcome is
 * not known, no scope to be asked for; < 0 otherwise: refused, logged, *ret_status is the exit
 * status. */
static int start_with_daemon(sd_bus *bus, const char *tool, char **ret_unit, int *ret_status) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        uint32_t pid = (uint32_t) getpid();
        const char *unit;
        int r;

        for (unsigned i = 0;; i++) {
                /* A message goes out once: a new one for each try. */
                msg = sd_bus_message_unref(msg);
                r = sd_bus_message_new_method_call(bus, &msg, AGC_BUS_NAME, AGC_BUS_PATH, AGC_BUS_INTERFACE,
                                                   "StartToolCall");
                if (r >= 0)
                        r = sd_bus_message_append(msg, "sss", strempty(arg_session), tool, strempty(arg_profile));
                if (r >= 0)
                        r = sd_bus_message_append_array(msg, 'u', &pid, sizeof(pid));
                if (r < 0)
                        return log_error_errno(r, "Failed to build the StartToolCall() call: %m");
                r = sd_bus_call(bus, msg, RUN_CALL_TIMEOUT_USEC, &e, &reply);
                if (r >= 0 || !sd_bus_error_has_name(&e, SD_BUS_ERROR_LIMITS_EXCEEDED) || i >= START_RETRIES)
                        break;
                /* A burst of tool calls: wait our turn (up to ~10 s in all). */
                sd_bus_error_free(&e);
                (void) usleep((useconds_t) (50000 + 25000 * i));
        }
        if (r < 0) {
                if (start_unknown(&e)) {
                        if (!arg_quiet)
                                log_warning("agentcgroupd did not start the tool call in time (%s); the command runs "
                                            "without its profile.", ctl_bus_error_text(&e));
                        return -EAGAIN;
                }
                if (daemon_unavailable(&e) || !sd_bus_error_is_set(&e)) {
                        if (!arg_quiet)
                                log_warning("Cannot ask agentcgroupd: %s; the command runs without its profile.",
                                            sd_bus_error_is_set(&e) ? ctl_bus_error_text(&e) : strerror(-r));
                        return 0;
                }
                log_error("Cannot start the tool call: %s", ctl_bus_error_text(&e));
                *ret_status = ctl_bus_error_status(&e);
                return -EPERM;
        }
        r = sd_bus_message_read(reply, "s", &unit);
        if (r < 0)
                return ctl_bus_parse_failed("StartToolCall", r);
        *ret_unit = strdup(unit);
        return *ret_unit ? 1 : log_oom();
}

typedef struct JobWait {
        const char *job;
        char *result;
} JobWait;

static int on_job_removed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        JobWait *w = userdata;
        const char *job, *unit, *result;
        uint32_t id;

        if (sd_bus_message_read(msg, "uoss", &id, &job, &unit, &result) >= 0 && w->job && streq(job, w->job))
                w->result = strdup(result);
        return 0;
}

/* No daemon: a plain scope from systemd itself, in the session's slice (without its profile).
 * 1 with *ret_unit: in the scope; 0: not in one (warned). */
static int start_plain_scope(sd_bus *bus, const char *tool, char **ret_unit) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *match = NULL;
        _cleanup_(freep) char *scope = NULL, *slice = NULL;
        _cleanup_(config_freep) Config *c = NULL;
        uint32_t pid = (uint32_t) getpid();
        JobWait w = {};
        const char *parent;
        sd_id128_t id;
        uint64_t deadline;
        int r;

        /* Where the daemon would put it, by the configuration it would load. */
        parent = ctl_load_config(&c) >= 0 && c->n_errors == 0 ? config_session_parent(c) : NULL;
        parent = parent ?: "agent.slice";
        r = arg_session ? session_slice_name(parent, arg_session, &slice) : 0;
        if (r >= 0 && !arg_session)
                slice = strdup(parent);
        if (r >= 0 && !slice)
                r = -ENOMEM;
        if (r >= 0)
                r = sd_id128_randomize(&id);
        if (r >= 0)
                r = tool_scope_name(tool, id.qwords[0], &scope);
        if (r < 0)
                goto fail;

        r = sd_bus_match_signal(bus, &match, SYSTEMD_BUS_NAME, SYSTEMD_BUS_PATH, SYSTEMD_MANAGER_INTERFACE,
                                "JobRemoved", on_job_removed, &w);
        if (r >= 0)
                r = sd_bus_message_new_method_call(bus, &msg, SYSTEMD_BUS_NAME, SYSTEMD_BUS_PATH,
                                                   SYSTEMD_MANAGER_INTERFACE, "StartTransientUnit");
        if (r >= 0)
                r = sd_bus_message_append(msg, "ss", scope, "fail");
        if (r >= 0)
                r = sd_bus_message_append(msg, "a(sv)", 4, "Description", "s", "Tool call (agentcgroupd not running)",
                                          "Slice", "s", slice, "PIDs", "au", 1, pid,
                                          "CollectMode", "s", "inactive-or-failed");
        if (r >= 0)
                r = sd_bus_message_append(msg, "a(sa(sv))", 0);
        if (r < 0)
                goto fail;
        r = sd_bus_call(bus, msg, RUN_CALL_TIMEOUT_USEC, &e, &reply);
        if (r < 0)
                goto fail;
        r = sd_bus_message_read(reply, "o", &w.job);
        if (r < 0)
                goto fail;
        deadline = (uint64_t) time(NULL) + RUN_CALL_TIMEOUT_USEC / USEC_PER_SEC;
        while (!w.result && (uint64_t) time(NULL) < deadline) {
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        goto fail;
                if (r == 0 && (r = sd_bus_wait(bus, USEC_PER_SEC)) < 0)
                        goto fail;
        }
        if (!w.result || !streq(w.result, "done")) {
                if (!arg_quiet)
                        log_warning("systemd did not start %s (%s); the command runs outside any scope.", scope,
                                    w.result ?: "no answer");
                free(w.result);
                return 0;
        }
        free(w.result);
        if (!arg_quiet)
                log_warning("Running in %s without a profile.", scope);
        *ret_unit = TAKE_PTR(scope);
        return 1;

fail:
        if (!arg_quiet)
                log_warning("Cannot start a scope with systemd either: %s; the command runs outside any scope.",
                            sd_bus_error_is_set(&e) ? ctl_bus_error_text(&e) : strerror(-r));
        return 0;
}

/* "key value" of a flat-keyed cgroup file (memory.events), UINT64_MAX when absent. */
static uint64_t cgroup_key(const char *dir, const char *file, const char *key) {
        uint64_t v;

        return cgroup_read_key(dir, file, key, &v) < 0 ? UINT64_MAX : v;
}

/* A cgroup file of one number (memory.peak), UINT64_MAX when it cannot be read. */
static uint64_t cgroup_value(const char *dir, const char *file) {
        uint64_t v;

        return cgroup_read_value(dir, file, &v) < 0 ? UINT64_MAX : v;
}

/* This process's cgroup directory (cgroup v2), NULL if unknown. */
static char *own_cgroup_dir(void) {
        _cleanup_(fclosep) FILE *f = fopen("/proc/self/cgroup", "re");
        _cleanup_(freep) char *line = NULL;
        size_t n = 0;
        ssize_t l;

        while (f && (l = getline(&line, &n, f)) > 0)
                if (strncmp(line, "0::", 3) == 0) {
                        line[l - 1] = line[l - 1] == '\n' ? '\0' : line[l - 1];
                        return asprintf_safe(CGROUP_FS_ROOT "%s", line + 3);
                }
        return NULL;
}

static volatile pid_t waited_child = 0;

/* SIGTERM and SIGHUP meant for us (a runtime ending the tool call by our PID) go on to the
 * child, as timeout(1) passes them on: the command decides, and we still report. */
static void forward_signal(int sig) {
        if (waited_child > 0)
                (void) kill(waited_child, sig);
}

/* --wait: COMMAND as a child; its status becomes ours (a signal death is repeated on us). */
static int run_and_wait(char **command, const char *unit) {
        _cleanup_(freep) char *dir = own_cgroup_dir();
        uint64_t start = now_usec(CLOCK_MONOTONIC), peak, high, max, oom_kill;
        struct sigaction ignore = { .sa_handler = SIG_IGN }, forward = { .sa_handler = forward_signal },
                         old_int, old_quit, old_term, old_hup;
        struct rlimit no_core = {};
        int status, r;
        pid_t pid;

        /* The terminal signals the whole foreground group: the child decides what they do. */
        sigaction(SIGINT, &ignore, &old_int);
        sigaction(SIGQUIT, &ignore, &old_quit);
        sigaction(SIGTERM, &forward, &old_term);
        sigaction(SIGHUP, &forward, &old_hup);
        pid = fork();
        if (pid < 0)
                return log_error_errno(negative_errno(), "Failed to fork: %m");
        if (pid == 0) {
                sigaction(SIGINT, &old_int, NULL);
                sigaction(SIGQUIT, &old_quit, NULL);
                sigaction(SIGTERM, &old_term, NULL);
                sigaction(SIGHUP, &old_hup, NULL);
                execvp(command[0], command);
                r = negative_errno();
                log_error_errno(r, "Failed to run %s: %m", command[0]);
                _exit(r == -ENOENT ? 127 : 126);
        }
        waited_child = pid;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return log_error_errno(negative_errno(), "Failed to wait for %s: %m", command[0]);
        waited_child = 0;

        peak = dir ? cgroup_value(dir, "memory.peak") : UINT64_MAX;
        high = dir ? cgroup_key(dir, "memory.events", "high") : UINT64_MAX;
        max = dir ? cgroup_key(dir, "memory.events", "max") : UINT64_MAX;
        oom_kill = dir ? cgroup_key(dir, "memory.events", "oom_kill") : UINT64_MAX;
        if (WIFSIGNALED(status))
                fprintf(stderr, "%s: killed by signal %s", command[0], strsignal(WTERMSIG(status)));
        else
                fprintf(stderr, "%s: exit status %d", command[0], WEXITSTATUS(status));
        fprintf(stderr, "; ran %.3f s in %s", (now_usec(CLOCK_MONOTONIC) - start) / 1e6, unit ?: "no scope");
        if (peak != UINT64_MAX)
                fprintf(stderr, "; memory peak %.1f MiB", peak / 1048576.0);
        if (high != UINT64_MAX)
                fprintf(stderr, "; memory.events high %" PRIu64 " max %" PRIu64 " oom_kill %" PRIu64, high,
                        max == UINT64_MAX ? 0 : max, oom_kill == UINT64_MAX ? 0 : oom_kill);
        fputc('\n', stderr);

        if (WIFSIGNALED(status)) {
                sigaction(SIGINT, &old_int, NULL);
                sigaction(SIGQUIT, &old_quit, NULL);
                sigaction(SIGTERM, &old_term, NULL);
                sigaction(SIGHUP, &old_hup, NULL);
                signal(WTERMSIG(status), SIG_DFL);
                /* The child's SIGSEGV or SIGABRT is the child's: no core of ours. */
                (void) setrlimit(RLIMIT_CORE, &no_core);
                fflush(NULL);
                raise(WTERMSIG(status));
                return 128 + WTERMSIG(status); /* a signal that does not kill */
        }
        return WEXITSTATUS(status);
}

/* Puts this process in a tool call: the daemon's (*ret_unit), else a plain scope from systemd,
 * else none (*ret_unit NULL), after a warning. < 0 with *ret_status when the daemon refused. */
static int enter_tool_call(const char *tool, char **ret_unit, int *ret_status) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        *ret_unit = NULL;
        r = sd_bus_open_system(&bus);
        if (r < 0) {
                if (!arg_quiet)
                        log_warning_errno(r, "Cannot connect to the system bus: %m; the command runs outside any scope.");
                return 0;
        }
        r = start_with_daemon(bus, tool, ret_unit, ret_status);
        if (r == -EAGAIN)
                return 0;
        if (r < 0)
                return r;
        if (r == 0)
                (void) start_plain_scope(bus, tool, ret_unit);
        return 0;
}

int run_main(int argc, char *argv[]) {
        _cleanup_(freep) char *unit = NULL;
        char **command;
        const char *tool;
        int r, status = EXIT_FAILURE;

        r = parse_run_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_USAGE : EXIT_SUCCESS;
        command = argv + optind;
        tool = arg_tool ?: default_tool(command[0]);

        r = enter_tool_call(tool, &unit, &status);
        if (r < 0)
                return status;
        if (unit && setenv("AGENTCGROUP_UNIT", unit, 1) < 0)
                return log_oom();
        if (arg_session && setenv("AGENTCGROUP_SESSION", arg_session, 1) < 0)
                return log_oom();
        if (arg_wait)
                return run_and_wait(command, unit);

        fflush(NULL);
        execvp(command[0], command);
        r = negative_errno();
        log_error_errno(r, "Failed to run %s: %m", command[0]);
        return r == -ENOENT ? 127 : 126;
}

/* True when this process is in the tool-call scope $AGENTCGROUP_TOOL_CALL names, which the
 * wrapper sets for its commands: a shell started inside a tool call stays in it. (Not
 * $AGENTCGROUP_UNIT: an agent runtime started with "agentcgroupctl run" has that, and its
 * shell's commands are tool calls of their own.) */
static bool in_tool_call(void) {
        _cleanup_(freep) char *dir = NULL;
        const char *unit = getenv("AGENTCGROUP_TOOL_CALL"), *last;

        if (isempty(unit))
                return false;
        dir = own_cgroup_dir();
        if (!dir)
                return false;
        last = strrchr(dir, '/');
        return last && streq(last + 1, unit);
}

/* agentcgroup-shell, the same program under another name: an agent runtime's shell. Each
 * command string (sh -c, bash -lc ...) becomes a tool call in $AGENTCGROUP_SESSION's slice,
 * then $AGENTCGROUP_SHELL (default /bin/bash) runs with the arguments as given. Interactive
 * shells, scripts, and shells inside a tool call run as they are. */
int shell_main(int argc, char *argv[]) {
        _cleanup_(freep) char *unit = NULL;
        const char *shell = getenv("AGENTCGROUP_SHELL"), *command, *reason;
        _cleanup_(freep) char *login_name = NULL;
        char tool[TOOL_NAME_MAX + 1];
        struct stat st, self;
        int r, status = EXIT_FAILURE;

        shell = isempty(shell) ? "/bin/bash" : shell;
        command = shell_command_string(argc, argv);
        if (command && !in_tool_call()) {
                arg_session = getenv("AGENTCGROUP_SESSION");
                arg_profile = getenv("AGENTCGROUP_TOOL_PROFILE");
                arg_quiet = streq_ptr(getenv("AGENTCGROUP_QUIET"), "1");
                if (isempty(arg_session))
                        arg_session = NULL;
                if (isempty(arg_profile))
                        arg_profile = NULL;
                if (arg_session && (reason = session_name_invalid_reason(arg_session))) {
                        log_error("AGENTCGROUP_SESSION=%.64s%s: the name %s.", arg_session,
                                  strlen(arg_session) > 64 ? "..." : "", reason);
                        return EXIT_USAGE;
                }
                if (arg_profile && !profile_name_is_valid(arg_profile)) {
                        log_error("AGENTCGROUP_TOOL_PROFILE=%.64s%s: not a profile name.", arg_profile,
                                  strlen(arg_profile) > 64 ? "..." : "");
                        return EXIT_USAGE;
                }
                (void) shell_tool_name(command, tool, sizeof tool);
                r = enter_tool_call(tool, &unit, &status);
                if (r < 0)
                        return status;
                if (unit && (setenv("AGENTCGROUP_UNIT", unit, 1) < 0 || setenv("AGENTCGROUP_TOOL_CALL", unit, 1) < 0))
                        return log_oom();
        }

        /* $AGENTCGROUP_SHELL copied from a $SHELL that is this wrapper would exec us forever. */
        if (stat(shell, &st) >= 0 && stat("/proc/self/exe", &self) >= 0 && st.st_dev == self.st_dev &&
            st.st_ino == self.st_ino) {
                log_error("AGENTCGROUP_SHELL=%s is agentcgroup-shell itself; set it to a shell such as /bin/bash.",
                          shell);
                return EXIT_USAGE;
        }
        /* A login shell ("-agentcgroup-shell" from login(1) or su -) execs one: "-bash". */
        if (argv[0][0] == '-') {
                const char *base = strrchr(shell, '/');

                login_name = asprintf_safe("-%s", base ? base + 1 : shell);
                if (!login_name)
                        return log_oom();
        }
        argv[0] = login_name ?: (char *) shell;
        fflush(NULL);
        execv(shell, argv);
        r = negative_errno();
        log_error_errno(r, "Failed to run the shell %s: %m", shell);
        return r == -ENOENT ? 127 : 126;
}
