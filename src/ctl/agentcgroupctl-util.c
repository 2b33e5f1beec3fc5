/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <stdio.h>

#include "agentcgroupctl.h"
#include "conf-files.h"
#include "log.h"
#include "strv.h"

int ctl_load_config(Config **ret) {
        _cleanup_strv_free_ char **dirs = NULL;
        int r;

        /* Exactly the daemon's calls (src/daemon/main.c, manager_load_config()), so that what is
         * shown and checked here is what agentcgroupd would load. */
        r = config_search_dirs(arg_root, &dirs);
        if (r < 0)
                return log_oom();
        r = config_load(dirs, ret);
        if (r < 0)
                return log_error_errno(r, "Failed to load the configuration: %m");
        return 0;
}

int ctl_report_config_errors(const Config *c, bool installed) {
        if (c->n_errors == 0)
                return 0;
        fflush(stdout);
        config_errors_print(c, stderr, arg_color_stderr);
        if (installed)
                log_error("%zu error(s): agentcgroupd would reject this configuration and keep the previous one.",
                          c->n_errors);
        else
                log_error("%zu error(s): agentcgroupd would reject a configuration made of these files.",
                          c->n_errors);
        return EXIT_CONFIG_ERRORS;
}

int ctl_block_signals(const int *signals) {
        sigset_t mask;

        sigemptyset(&mask);
        for (const int *s = signals; *s != 0; s++)
                sigaddset(&mask, *s);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_error_errno(negative_errno(), "Failed to block signals: %m");
        return 0;
}
