/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "agentcgroupctl.h"
#include "config.h"
#include "event-format.h"
#include "log.h"
#include "pager.h"
#include "parse-util.h"
#include "strv.h"
#include "terminal-util.h"

const char *arg_root = NULL;
bool arg_effective = false;
JsonFormat arg_json = JSON_FORMAT_OFF;
bool arg_no_pager = false;
bool arg_legend = true;
bool arg_color_stdout = false;
bool arg_color_stderr = false;
int arg_signal = SIGTERM;
char **arg_properties = NULL;
bool arg_value = false;
bool arg_follow = false;
uint64_t arg_lines = 50;
uint64_t arg_since = 0;
uint64_t arg_delay = USEC_PER_SEC;
uint64_t arg_iterations = UINT64_MAX;
bool arg_batch = false;
TopOrder arg_order = TOP_ORDER_UNIT;

/* Options that only some commands take, so that a misplaced one is reported, not ignored. */
typedef enum VerbOption {
        OPT_EFFECTIVE = 1 << 0,
        OPT_JSON      = 1 << 1,
        OPT_NO_LEGEND = 1 << 2,
        OPT_SIGNAL    = 1 << 3,
        OPT_PROPERTY  = 1 << 4,
        OPT_VALUE     = 1 << 5,
        OPT_FOLLOW    = 1 << 6,
        OPT_LINES     = 1 << 7,
        OPT_SINCE     = 1 << 8,
        OPT_DELAY     = 1 << 9,
        OPT_ITERATIONS = 1 << 10,
        OPT_BATCH     = 1 << 11,
        OPT_ORDER     = 1 << 12,
} VerbOption;

static const char * const verb_option_names[] = {
        "--effective", "--json", "--no-legend", "--signal", "--property", "--value",
        "--follow", "--lines", "--since", "--delay", "--iterations", "--batch", "--order",
};
static unsigned arg_given = 0;
static char *arg_root_buf = NULL;
/* -n is --lines= for events and --iterations= for top: read once the command is known. */
static const char *arg_n = NULL;

typedef struct Verb {
        const char *name;
        unsigned min_args;      /* after the command name */
        unsigned max_args;
        unsigned options;       /* VerbOption flags it accepts */
        bool pager;
        bool bus;               /* asks the running daemon: --root does not apply */
        int (*run)(int argc, char *argv[]);
        const char *args;       /* for usage errors, when not units: "a unit and a profile" */
} Verb;

static const Verb verbs[] = {
        { "verify",     0, UINT_MAX, 0,                        false, false, verb_verify },
        { "cat-config", 0, 0,        OPT_EFFECTIVE,            true,  false, verb_cat_config },
        { "profiles",   0, 0,        OPT_JSON | OPT_NO_LEGEND, true,  false, verb_profiles },
        { "rules",      0, 0,        OPT_JSON | OPT_NO_LEGEND, true,  false, verb_rules },
        { "list",       0, 0,        OPT_JSON | OPT_NO_LEGEND, true,  true,  verb_list },
        { "status",     0, 0,        OPT_JSON,                 false, true,  verb_status },
        { "show",       1, 1,        OPT_JSON | OPT_PROPERTY | OPT_VALUE, false, true, verb_show },
        { "reload",     0, 0,        0,                        false, true,  verb_reload },
        { "freeze",     1, UINT_MAX, 0,                        false, true,  verb_freeze },
        { "thaw",       1, UINT_MAX, 0,                        false, true,  verb_thaw },
        { "kill",       1, UINT_MAX, OPT_SIGNAL,               false, true,  verb_kill },
        { "set-profile", 2, 2,       0,                        false, true,  verb_set_profile, "a unit and a profile" },
        { "clear-profile", 1, 1,     0,                        false, true,  verb_clear_profile },
        /* Reads the journal; pages itself unless --follow. */
        { "events",     0, UINT_MAX, OPT_JSON | OPT_FOLLOW | OPT_LINES | OPT_SINCE, false, false, verb_events },
        /* Refreshes until quit, or --iterations; no pager. */
        { "top",        0, 0,        OPT_JSON | OPT_DELAY | OPT_ITERATIONS | OPT_BATCH | OPT_ORDER, false, true, verb_top },
        /* Prometheus text for scripts and scrapers: never paged. */
        { "metrics",    0, 0,        0,                        false, true,  verb_metrics },
};

static void help(void) {
        printf("%1$s [OPTIONS...] COMMAND ...\n\n"
               "Check and show the configuration of agentcgroupd, the resource manager for\n"
               "AI agent sessions, and ask the running daemon what it manages.\n\n"
               "Configuration commands (need no running daemon):\n"
               "  verify [FILE...]       Check the configuration as agentcgroupd would load it,\n"
               "                         or check FILEs: the first as the main file, the rest\n"
               "                         as its drop-ins\n"
               "  cat-config             Show the configuration files in effect, in the order\n"
               "                         they are read\n"
               "  profiles               List the profiles\n"
               "  rules                  List the match rules in the order they are tried\n\n"
               "Daemon commands (over D-Bus, org.agentcgroup1 on the system bus):\n"
               "  list                   List the managed units with their profile, rule,\n"
               "                         memory state and memory use\n"
               "  status                 Show the daemon's version, managed units,\n"
               "                         configuration errors, mode and scheduler\n"
               "  show UNIT              Show the properties of a managed unit\n"
               "  reload                 Make the daemon re-read its configuration (root)\n"
               "  freeze UNIT...         Freeze the processes of managed units (root)\n"
               "  thaw UNIT...           Thaw frozen managed units (root)\n"
               "  kill UNIT...           Send a signal to the processes of managed units\n"
               "                         (root)\n"
               "  set-profile UNIT PROFILE\n"
               "                         Give a managed unit PROFILE, ahead of the match\n"
               "                         rules, until clear-profile or a daemon restart (root)\n"
               "  clear-profile UNIT     Let the match rules choose the unit's profile again\n"
               "                         (root)\n"
               "  top                    Show the managed units with their memory, pressure,\n"
               "                         CPU share and last action, refreshed (keys: u m c p\n"
               "                         order by unit, memory, CPU, pressure; q quits)\n"
               "  metrics                Print the daemon's metrics in the Prometheus text\n"
               "                         format\n"
               "  run [OPTIONS] CMD...   Run CMD in a tool-call scope with its profile from the\n"
               "                         start (root); see '%1$s run --help'\n\n"
               "Journal commands (the daemon's journal entries, with sd-journal):\n"
               "  events [UNIT...]       Show the daemon's events: profiles applied, memory\n"
               "                         actions (and, in monitor mode, the ones it would\n"
               "                         take), scheduler changes, configurations loaded and\n"
               "                         rejected; only those about UNITs when given\n\n"
               "Options:\n"
               "  -h --help              Show this help\n"
               "     --version           Show the version\n"
               "     --root=PATH         Read the configuration below PATH (not for daemon\n"
               "                         commands); events: the journal below PATH\n"
               "     --effective         cat-config: show the merged result instead\n"
               "     --json[=MODE]       profiles, rules, list, status, show, events, top: print\n"
               "                         JSON; MODE is pretty or short (default: pretty on a\n"
               "                         terminal, else short)\n"
               "     --no-legend         profiles, rules, list: no column headers and summary\n"
               "  -s --signal=SIG        kill: the signal, a name (TERM, SIGKILL) or a number\n"
               "                         (default: TERM)\n"
               "  -p --property=NAME,... show: only these properties\n"
               "     --value             show: only the values, without NAME=\n"
               "  -f --follow            events: then wait for new events, until interrupted\n"
               "  -n --lines=N           events: show the last N events, or all (default: 50)\n"
               "     --since=TIME        events: only events since TIME: 2024-05-01 12:00,\n"
               "                         -1h, 10min ago, today, @EPOCH\n"
               "  -d --delay=TIME        top: refresh every TIME: 2, 0.5, 500ms (default: 1s)\n"
               "  -n --iterations=N      top: exit after N refreshes (default: until quit)\n"
               "  -b --batch             top: print frame after frame, no screen control (also\n"
               "                         when standard output is no terminal, or with --json)\n"
               "  -o --order=ORDER       top: unit, memory, cpu or pressure (default: unit)\n"
               "     --no-pager          Do not pipe the output into a pager\n"
               "\n(root): root, or a member of AdminGroup= in agentcgroup.conf.\n"
               "\nExit status: 0 OK, 1 configuration errors (or a rejected reload) or failure,\n"
               "2 usage error, 3 agentcgroupd not running, 4 permission denied, 5 unit not\n"
               "managed by agentcgroupd.\n"
               "See agentcgroupctl(1) and agentcgroup.conf(5).\n",
               program_invocation_short_name);
}

static const struct {
        const char *name;
        int number;
} signal_names[] = {
        { "HUP", SIGHUP },       { "INT", SIGINT },       { "QUIT", SIGQUIT },   { "ILL", SIGILL },
        { "TRAP", SIGTRAP },     { "ABRT", SIGABRT },     { "IOT", SIGIOT },     { "BUS", SIGBUS },
        { "FPE", SIGFPE },       { "KILL", SIGKILL },     { "USR1", SIGUSR1 },   { "SEGV", SIGSEGV },
        { "USR2", SIGUSR2 },     { "PIPE", SIGPIPE },     { "ALRM", SIGALRM },   { "TERM", SIGTERM },
        { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },     { "CONT", SIGCONT },   { "STOP", SIGSTOP },
        { "TSTP", SIGTSTP },     { "TTIN", SIGTTIN },     { "TTOU", SIGTTOU },   { "URG", SIGURG },
        { "XCPU", SIGXCPU },     { "XFSZ", SIGXFSZ },     { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
        { "WINCH", SIGWINCH },   { "IO", SIGIO },         { "POLL", SIGPOLL },   { "PWR", SIGPWR },
        { "SYS", SIGSYS },
};

/* A signal as a number (1 to SIGRTMAX) or a name with or without "SIG", in any case: TERM,
 * SIGKILL, 9. Returns the number, or -EINVAL. */
static int signal_from_string(const char *s) {
        const char *name = s;
        char *end;
        long n;

        if (isempty(s))
                return -EINVAL;
        if (s[0] >= '0' && s[0] <= '9') {
                errno = 0;
                n = strtol(s, &end, 10);
                if (errno != 0 || *end != '\0' || n < 1 || n > SIGRTMAX)
                        return -EINVAL;
                return (int) n;
        }
        if (strncasecmp(name, "SIG", 3) == 0)
                name += 3;
        for (size_t i = 0; i < ELEMENTSOF(signal_names); i++)
                if (strcasecmp(name, signal_names[i].name) == 0)
                        return signal_names[i].number;
        return -EINVAL;
}

/* --property=NAME[,NAME...], repeatable as with systemctl show. */
static int add_properties(const char *list) {
        for (const char *p = list;; p++) {
                size_t n = strcspn(p, ",");
                _cleanup_(freep) char *name = strndup(p, n);

                if (!name)
                        return log_oom();
                if (n == 0) {
                        log_error("--property=%s: expected property names separated by commas.", list);
                        return -EINVAL;
                }
                if (!strv_contains(arg_properties, name) && strv_consume(&arg_properties, TAKE_PTR(name)) < 0)
                        return log_oom();
                p += n;
                if (*p == '\0')
                        return 0;
        }
}

/* Shorter refreshes would keep the daemon busy answering. */
#define TOP_DELAY_MIN_USEC (100 * USEC_PER_MSEC)

static int parse_lines(const char *s) {
        if (streq(s, "all"))
                arg_lines = UINT64_MAX;
        else if (parse_uint64(s, &arg_lines) < 0 || arg_lines == UINT64_MAX) {
                log_error("--lines=%s: expected a number of events or 'all'.", s);
                return -EINVAL;
        }
        arg_given |= OPT_LINES;
        return 0;
}

static int parse_iterations(const char *s) {
        if (parse_uint64(s, &arg_iterations) < 0 || arg_iterations == 0 || arg_iterations == UINT64_MAX) {
                log_error("--iterations=%s: expected a number of refreshes of at least 1.", s);
                return -EINVAL;
        }
        arg_given |= OPT_ITERATIONS;
        return 0;
}

static int parse_argv(int argc, char *argv[]) {
        enum {
                ARG_VERSION = 0x100,
                ARG_ROOT,
                ARG_EFFECTIVE,
                ARG_JSON,
                ARG_NO_PAGER,
                ARG_NO_LEGEND,
                ARG_SIGNAL,
                ARG_VALUE,
                ARG_SINCE,
                ARG_LINES,
                ARG_ITERATIONS,
        };
        static const struct option options[] = {
                { "help",      no_argument,       NULL, 'h' },
                { "version",   no_argument,       NULL, ARG_VERSION },
                { "root",      required_argument, NULL, ARG_ROOT },
                { "effective", no_argument,       NULL, ARG_EFFECTIVE },
                { "json",      optional_argument, NULL, ARG_JSON },
                { "no-pager",  no_argument,       NULL, ARG_NO_PAGER },
                { "no-legend", no_argument,       NULL, ARG_NO_LEGEND },
                { "signal",    required_argument, NULL, 's' },
                { "property",  required_argument, NULL, 'p' },
                { "value",     no_argument,       NULL, ARG_VALUE },
                { "follow",    no_argument,       NULL, 'f' },
                { "lines",     required_argument, NULL, ARG_LINES },
                { "since",     required_argument, NULL, ARG_SINCE },
                { "delay",     required_argument, NULL, 'd' },
                { "iterations", required_argument, NULL, ARG_ITERATIONS },
                { "batch",     no_argument,       NULL, 'b' },
                { "order",     required_argument, NULL, 'o' },
                {}
        };
        int c, r;

        while ((c = getopt_long(argc, argv, "hs:p:fn:d:bo:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("agentcgroupctl %s\n", PACKAGE_VERSION);
                        return 0;
                case ARG_ROOT:
                        if (isempty(optarg)) {
                                log_error("--root= needs a path.");
                                return -EINVAL;
                        }
                        if (!free_and_replace_str(&arg_root_buf, strdup(optarg)))
                                return log_oom();
                        /* "/srv/root/" would give "/srv/root//etc/..." in every path shown. */
                        for (size_t n = strlen(arg_root_buf); n > 1 && arg_root_buf[n - 1] == '/'; n--)
                                arg_root_buf[n - 1] = '\0';
                        arg_root = arg_root_buf;
                        break;
                case ARG_EFFECTIVE:
                        arg_effective = true;
                        arg_given |= OPT_EFFECTIVE;
                        break;
                case ARG_JSON:
                        if (!optarg)
                                /* Decided in main(), once we know where stdout goes. */
                                arg_json = _JSON_FORMAT_AUTO;
                        else if (streq(optarg, "pretty"))
                                arg_json = JSON_FORMAT_PRETTY;
                        else if (streq(optarg, "short"))
                                arg_json = JSON_FORMAT_SHORT;
                        else {
                                log_error("--json=%s: unknown format; expected pretty or short.", optarg);
                                return -EINVAL;
                        }
                        arg_given |= OPT_JSON;
                        break;
                case ARG_NO_PAGER:
                        arg_no_pager = true;
                        break;
                case ARG_NO_LEGEND:
                        arg_legend = false;
                        arg_given |= OPT_NO_LEGEND;
                        break;
                case 's':
                        arg_signal = signal_from_string(optarg);
                        if (arg_signal < 0) {
                                log_error("--signal=%s: unknown signal; expected a name such as TERM, SIGKILL "
                                          "or a number from 1 to %d.", optarg, SIGRTMAX);
                                return -EINVAL;
                        }
                        arg_given |= OPT_SIGNAL;
                        break;
                case 'p':
                        r = add_properties(optarg);
                        if (r < 0)
                                return r;
                        arg_given |= OPT_PROPERTY;
                        break;
                case ARG_VALUE:
                        arg_value = true;
                        arg_given |= OPT_VALUE;
                        break;
                case 'f':
                        arg_follow = true;
                        arg_given |= OPT_FOLLOW;
                        break;
                case 'n':
                        arg_n = optarg;
                        break;
                case ARG_LINES:
                        r = parse_lines(optarg);
                        if (r < 0)
                                return r;
                        break;
                case ARG_ITERATIONS:
                        r = parse_iterations(optarg);
                        if (r < 0)
                                return r;
                        break;
                case 'd':
                        if (parse_duration(optarg, &arg_delay) < 0 || arg_delay == UINT64_MAX ||
                            arg_delay < TOP_DELAY_MIN_USEC) {
                                log_error("--delay=%s: expected a time of at least 100ms, such as 1, 0.5, 2s "
                                          "or 500ms.", optarg);
                                return -EINVAL;
                        }
                        arg_given |= OPT_DELAY;
                        break;
                case 'b':
                        arg_batch = true;
                        arg_given |= OPT_BATCH;
                        break;
                case 'o':
                        arg_order = top_order_from_string(optarg);
                        if (arg_order < 0) {
                                log_error("--order=%s: unknown order; expected unit, memory, cpu or pressure.",
                                          optarg);
                                return -EINVAL;
                        }
                        arg_given |= OPT_ORDER;
                        break;
                case ARG_SINCE: {
                        struct timespec ts;

                        if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
                                return log_error_errno(negative_errno(), "Failed to read the clock: %m");
                        r = parse_since(optarg, (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000,
                                        &arg_since);
                        if (r < 0) {
                                log_error("--since=%s: expected a time such as '2024-05-01 12:00', '-1h', "
                                          "'10min ago', 'today' or '@1714564800'.", optarg);
                                return -EINVAL;
                        }
                        arg_given |= OPT_SINCE;
                        break;
                }
                case '?':
                        /* getopt_long() said which option and what is wrong with it. */
                        log_error("See '%s --help'.", program_invocation_short_name);
                        return -EINVAL;
                default:
                        abort();
                }
        return 1;
}

static int check_root(void) {
        struct stat st;

        if (!arg_root)
                return 0;
        if (stat(arg_root, &st) < 0)
                return log_error_errno(negative_errno(), "--root=%s: %m", arg_root);
        if (!S_ISDIR(st.st_mode))
                return log_error_errno(-ENOTDIR, "--root=%s: not a directory", arg_root);
        return 0;
}

static void log_verb_names(const char *prefix) {
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_(freep) char *j = NULL;

        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (strv_extend(&names, verbs[i].name) < 0)
                        return (void) log_oom();
        j = strv_join(names, ", ");
        log_error("%s; expected one of: %s. See '%s --help'.", prefix, strempty(j), program_invocation_short_name);
}

/* Validates the command and its arguments against the options given: every usage error is
 * found before anything is read or printed. */
static int find_verb(int argc, char *argv[], const Verb **ret) {
        const Verb *v = NULL;
        unsigned misplaced;

        if (argc <= 0) {
                log_verb_names("Missing command");
                return -EINVAL;
        }
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verbs[i].name, argv[0]))
                        v = &verbs[i];
        if (!v) {
                _cleanup_(freep) char *prefix = asprintf_safe("Unknown command '%s'", argv[0]);

                log_verb_names(prefix ?: "Unknown command");
                return -EINVAL;
        }
        if ((unsigned) argc - 1 < v->min_args) {
                if (v->args)
                        log_error("'%s' needs %s. See '%s --help'.", v->name, v->args, program_invocation_short_name);
                else
                        log_error("'%s' needs %s unit. See '%s --help'.", v->name,
                                  v->max_args == 1 ? "a" : "at least one", program_invocation_short_name);
                return -EINVAL;
        }
        if ((unsigned) argc - 1 > v->max_args) {
                if (v->max_args == 0)
                        log_error("'%s' takes no arguments, got '%s'.", v->name, argv[1]);
                else
                        log_error("'%s' takes %s, got '%s' too.", v->name, v->args ?: "one unit",
                                  argv[v->max_args + 1]);
                return -EINVAL;
        }
        /* -n: what the command takes, else --lines, whose misplacement is then reported. */
        if (arg_n) {
                int r = (v->options & OPT_ITERATIONS) ? parse_iterations(arg_n) : parse_lines(arg_n);

                if (r < 0)
                        return r;
        }
        misplaced = arg_given & ~v->options;
        for (size_t i = 0; i < ELEMENTSOF(verb_option_names); i++)
                if (misplaced & (1u << i)) {
                        log_error("%s does not apply to '%s'. See '%s --help'.",
                                  verb_option_names[i], v->name, program_invocation_short_name);
                        return -EINVAL;
                }
        if (arg_value && arg_json != JSON_FORMAT_OFF) {
                log_error("--value does not apply with --json.");
                return -EINVAL;
        }
        if (v->bus && arg_root) {
                log_error("--root does not apply to '%s': it asks the running agentcgroupd.", v->name);
                return -EINVAL;
        }
        if (streq(v->name, "verify") && argc > 1 && arg_root) {
                log_error("--root does not apply to 'verify FILE...': the files are read as named.");
                return -EINVAL;
        }
        *ret = v;
        return 0;
}

/* Returns the exit status. */
static int run(int argc, char *argv[]) {
        const Verb *v;
        int r;

        /* "-agentcgroup-shell": started as a login shell. */
        if (streq(program_invocation_short_name, "agentcgroup-shell") ||
            streq(program_invocation_short_name, "-agentcgroup-shell")) {
                log_setup("agentcgroup-shell", LOG_TARGET_CONSOLE);
                r = shell_main(argc, argv);
                return r < 0 ? EXIT_FAILURE : r;
        }
        log_setup("agentcgroupctl", LOG_TARGET_CONSOLE);
        /* Options after "run" belong to it, and those after its COMMAND to COMMAND. */
        if (argc > 1 && streq(argv[1], "run")) {
                r = run_main(argc - 1, argv + 1);
                return r < 0 ? EXIT_FAILURE : r;
        }

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_USAGE : EXIT_SUCCESS;
        r = find_verb(argc - optind, argv + optind, &v);
        if (r >= 0)
                r = check_root();
        if (r < 0)
                return EXIT_USAGE;

        /* Before the pager takes stdout: colour and the JSON layout follow the terminal. */
        arg_color_stdout = colors_enabled_for_fd(STDOUT_FILENO);
        arg_color_stderr = colors_enabled_for_fd(STDERR_FILENO);
        if (arg_json == _JSON_FORMAT_AUTO)
                arg_json = isatty(STDOUT_FILENO) > 0 ? JSON_FORMAT_PRETTY : JSON_FORMAT_SHORT;
        if (v->pager)
                (void) pager_open(arg_no_pager);

        r = v->run(argc - optind, argv + optind);
        if (r < 0)
                r = EXIT_FAILURE;
        /* A full disk or a closed pipe must not pass for success. */
        if (fflush(stdout) != 0 || ferror(stdout)) {
                log_error_errno(negative_errno(), "Failed to write to standard output: %m");
                r = EXIT_FAILURE;
        }

        pager_close();
        return r;
}

int main(int argc, char *argv[]) {
        int r;

        r = run(argc, argv);
        free(arg_root_buf);
        strv_free(arg_properties);
        return r;
}
