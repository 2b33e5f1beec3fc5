/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "agentcgroupctl.h"
#include "log.h"

typedef int (*ToTable)(const Config *c, Table **ret);
typedef int (*ToJson)(const Config *c, json_object **ret);

static int show(const Config *c, ToTable to_table, ToJson to_json) {
        int r;

        if (arg_json != JSON_FORMAT_OFF) {
                _cleanup_(json_object_putp) json_object *o = NULL;

                r = to_json(c, &o);
                if (r < 0)
                        return log_oom();
                r = json_print(o, stdout, arg_json);
        } else {
                _cleanup_(table_freep) Table *t = NULL;

                r = to_table(c, &t);
                if (r < 0)
                        return log_oom();
                r = table_print(t, stdout, arg_legend, arg_color_stdout);
        }
        if (r < 0)
                return log_error_errno(r, "Failed to write the list: %m");
        return 0;
}

/* A configuration with errors is still shown as parsed, so the operator can see what they
 * wrote; the errors follow on stderr and the exit status says the daemon would not use it. */
int verb_profiles(int argc, char *argv[]) {
        _cleanup_(config_freep) Config *c = NULL;
        int r;

        r = ctl_load_config(&c);
        if (r < 0)
                return r;
        r = show(c, profiles_to_table, profiles_to_json);
        if (r < 0)
                return r;
        if (arg_legend && arg_json == JSON_FORMAT_OFF)
                printf("\n%zu profile(s) listed. DefaultProfile=%s\n", c->n_profiles,
                       c->default_profile ?: "(none)");
        return ctl_report_config_errors(c, true);
}

int verb_rules(int argc, char *argv[]) {
        _cleanup_(config_freep) Config *c = NULL;
        int r;

        r = ctl_load_config(&c);
        if (r < 0)
                return r;
        r = show(c, rules_to_table, rules_to_json);
        if (r < 0)
                return r;
        if (arg_legend && arg_json == JSON_FORMAT_OFF) {
                printf("\n%zu rule(s) listed, tried in this order: the first match wins", c->n_rules);
                if (c->default_profile)
                        printf(", else DefaultProfile=%s.\n", c->default_profile);
                else
                        printf("; no DefaultProfile=, so other units are left alone.\n");
        }
        return ctl_report_config_errors(c, true);
}
