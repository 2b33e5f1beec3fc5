/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>

#include "access.h"
#include "agentcgroupctl.h"
#include "conf-files.h"
#include "log.h"
#include "strv.h"

/* Files named on the command line: the first as the main file, the rest as its drop-ins in
 * that order, read by the daemon's own per-file reader. */
static int load_files(char * const *files, Config **ret) {
        _cleanup_(config_freep) Config *c = NULL;
        int r;

        r = config_new(&c);
        if (r < 0)
                return log_oom();
        STRV_FOREACH(f, files) {
                r = config_parse_path(c, *f);
                if (r < 0)
                        return log_oom();
        }
        r = config_finalize(c);
        if (r < 0)
                return log_oom();
        *ret = TAKE_PTR(c);
        return 0;
}

int verb_verify(int argc, char *argv[]) {
        _cleanup_(config_freep) Config *c = NULL;
        int r;

        if (argc > 1)
                r = load_files(argv + 1, &c);
        else
                r = ctl_load_config(&c);
        if (r < 0)
                return r;

        r = ctl_report_config_errors(c, argc <= 1);
        if (r != 0)
                return r;
        printf("%zu file(s), %zu profile(s), %zu match rule(s): OK\n",
               strv_length(c->files), c->n_profiles, c->n_rules);
        /* Not an error: the daemon looks the group up when asked, so it may be created later.
         * Only this system's groups can be asked, so not with --root or files. */
        if (argc <= 1 && !arg_root && c->admin_group) {
                gid_t gid;

                r = group_resolve(c->admin_group, &gid);
                if (r == -ENOENT)
                        log_warning("AdminGroup=%s: no such group on this system; until there is, only root may "
                                    "change things through agentcgroupd.", c->admin_group);
                else if (r < 0)
                        log_warning_errno(r, "AdminGroup=%s: cannot look the group up: %m", c->admin_group);
        }
        return 0;
}
