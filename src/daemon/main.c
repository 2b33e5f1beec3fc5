/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <systemd/sd-daemon.h>

#include "config.h"
#include "conf-files.h"
#include "log.h"
#include "manager.h"
#include "strv.h"

static const char *arg_root = NULL;
static LogTarget arg_log_target = LOG_TARGET_AUTO;
static int arg_log_level = -1;

static void help(void) {
        printf("%s [OPTIONS...]\n\n"
               "Resource manager for AI agent sessions: gives every agent slice and scope\n"
               "below the managed slices a profile and enforces it through systemd.\n\n"
               "  -h --help               Show this help\n"
               "     --version            Show the version\n"
               "     --root=PATH          Read the configuration below PATH (for testing)\n"
               "     --log-level=LEVEL    debug, info, notice, warning or err (overrides LogLevel=)\n"
               "     --log-target=TARGET  auto, journal or console\n"
               "\nSee agentcgroupd(8) and agentcgroup.conf(5).\n",
               program_invocation_short_name);
}

static int parse_argv(int argc, char *argv[]) {
        enum { ARG_VERSION = 0x100, ARG_ROOT, ARG_LOG_LEVEL, ARG_LOG_TARGET };
        static const struct option options[] = {
                { "help",       no_argument,       NULL, 'h' },
                { "version",    no_argument,       NULL, ARG_VERSION },
                { "root",       required_argument, NULL, ARG_ROOT },
                { "log-level",  required_argument, NULL, ARG_LOG_LEVEL },
                { "log-target", required_argument, NULL, ARG_LOG_TARGET },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("agentcgroupd %s\n", PACKAGE_VERSION);
                        return 0;
                case ARG_ROOT:
                        arg_root = optarg;
                        break;
                case ARG_LOG_LEVEL:
                        arg_log_level = log_level_from_string(optarg);
                        if (arg_log_level < 0) {
                                log_error("--log-level=%s: unknown level; expected debug, info, notice, warning or err", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_LOG_TARGET:
                        if (streq(optarg, "auto"))
                                arg_log_target = LOG_TARGET_AUTO;
                        else if (streq(optarg, "journal"))
                                arg_log_target = LOG_TARGET_JOURNAL;
                        else if (streq(optarg, "console"))
                                arg_log_target = LOG_TARGET_CONSOLE;
                        else {
                                log_error("--log-target=%s: expected auto, journal or console", optarg);
                                return -EINVAL;
                        }
                        break;
                case '?':
                        return -EINVAL;
                default:
                        abort();
                }
        if (optind < argc) {
                log_error("%s takes no positional arguments.", program_invocation_short_name);
                return -EINVAL;
        }
        return 1;
}

int main(int argc, char *argv[]) {
        _cleanup_(manager_freep) Manager *m = NULL;
        _cleanup_strv_free_ char **dirs = NULL;
        int r;

        log_setup("agentcgroupd", LOG_TARGET_AUTO);
        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        log_setup("agentcgroupd", arg_log_target);

        r = config_search_dirs(arg_root, &dirs);
        if (r < 0)
                return log_oom(), EXIT_FAILURE;
        r = manager_new(&m, dirs);
        if (r < 0) {
                log_error_errno(r, "Failed to set up: %m");
                return EXIT_FAILURE;
        }
        r = manager_load_config(m, NULL);
        if (r < 0)
                return EXIT_FAILURE;
        /* The command line wins over LogLevel=. */
        if (arg_log_level >= 0)
                log_set_max_level(arg_log_level);

        r = manager_start(m);
        if (r < 0)
                goto finish;
        r = manager_run(m);
        if (r < 0)
                log_error_errno(r, "Event loop failed: %m");

finish:
        (void) sd_notify(false, "STOPPING=1");
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
