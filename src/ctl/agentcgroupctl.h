/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-bus.h>

#include "conf.h"
#include "config-format.h"
#include "manager-format.h"
#include "top-format.h"

/* Exit statuses (see agentcgroupctl(1)). Verbs return one of these, or a negative errno after
 * logging what failed (EXIT_FAILURE). */
#define EXIT_CONFIG_ERRORS 1
#define EXIT_USAGE 2
#define EXIT_NOT_RUNNING 3      /* no org.agentcgroup1 on the system bus */
#define EXIT_ACCESS_DENIED 4    /* the daemon (or the bus policy) refused: root or AdminGroup= only */
#define EXIT_UNIT_NOT_MANAGED 5 /* show, freeze, thaw, kill, set-profile, clear-profile: agentcgroupd
                                 * does not manage the unit */

/* The command line, set by parse_argv() in agentcgroupctl.c. */
extern const char *arg_root;
extern bool arg_effective;
extern JsonFormat arg_json;
extern bool arg_no_pager;
extern bool arg_legend;
extern bool arg_color_stdout;
extern bool arg_color_stderr;
extern int arg_signal;          /* kill: SIGTERM unless --signal= */
extern char **arg_properties;   /* show: --property= names, NULL: all */
extern bool arg_value;          /* show: --value */
extern bool arg_follow;         /* events: --follow */
extern uint64_t arg_lines;      /* events: --lines=, UINT64_MAX: all */
extern uint64_t arg_since;      /* events: --since=, microseconds since the epoch; 0: not given */
extern uint64_t arg_delay;      /* top: --delay=, microseconds */
extern uint64_t arg_iterations; /* top: --iterations= (-n), UINT64_MAX: until quit */
extern bool arg_batch;          /* top: --batch */
extern TopOrder arg_order;      /* top: --order= */

/* argv[0] is the verb's own name. */
int verb_verify(int argc, char *argv[]);
int verb_cat_config(int argc, char *argv[]);
int verb_profiles(int argc, char *argv[]);
int verb_rules(int argc, char *argv[]);
/* agentcgroupctl-bus.c: ask the running agentcgroupd over D-Bus. */
int verb_list(int argc, char *argv[]);
int verb_status(int argc, char *argv[]);
int verb_reload(int argc, char *argv[]);
int verb_metrics(int argc, char *argv[]);
int verb_freeze(int argc, char *argv[]);
int verb_thaw(int argc, char *argv[]);
int verb_kill(int argc, char *argv[]);
int verb_set_profile(int argc, char *argv[]);
int verb_clear_profile(int argc, char *argv[]);
/* agentcgroupctl-run.c: "run" parses its own options (argv[0] is "run"); returns the exit
 * status, or does not return (COMMAND replaced the process). */
int run_main(int argc, char *argv[]);
/* agentcgroup-shell (this program under that name): argv as a shell gets it. */
int shell_main(int argc, char *argv[]);
/* agentcgroupctl-show.c */
int verb_show(int argc, char *argv[]);
/* agentcgroupctl-events.c: the daemon's journal entries, with sd-journal. */
int verb_events(int argc, char *argv[]);
/* agentcgroupctl-top.c: the live view of the managed units. */
int verb_top(int argc, char *argv[]);

/* The daemon's D-Bus API, and helpers for the commands that use it (agentcgroupctl-bus.c). */
#define AGC_BUS_NAME "org.agentcgroup1"
#define AGC_BUS_PATH "/org/agentcgroup1"
#define AGC_BUS_INTERFACE "org.agentcgroup1.Manager"
#define AGC_UNIT_INTERFACE "org.agentcgroup1.Unit"
#define AGC_ERROR_UNIT_NOT_MANAGED "org.agentcgroup1.Error.UnitNotManaged"
#define NOT_RUNNING_MESSAGE "agentcgroupd is not running (no " AGC_BUS_NAME " on the system bus)"

/* 0, or the exit status after saying why there is no system bus. */
int ctl_bus_connect(sd_bus **ret);
/* A call to the daemon's object at path; sd_bus_call()'s result, nothing logged. types and the
 * arguments after it are the call's (types may be NULL). */
int ctl_bus_call(sd_bus *bus, const char *path, const char *interface, const char *method, sd_bus_error *error,
                 sd_bus_message **reply, const char *types, ...);
/* The exit status for a failed call (see EXIT STATUS in agentcgroupctl(1)). */
int ctl_bus_error_status(const sd_bus_error *e);
/* What the daemon (or the bus, or sd-bus) said: its message, else the error's name. */
const char *ctl_bus_error_text(const sd_bus_error *e);
/* Turns a failed call into the exit status, after saying what went wrong ("VERB: ..." for
 * access denied and units not managed). */
int ctl_bus_call_failed(const char *verb, const char *method, const sd_bus_error *e, int r);
/* ListUnits() and ListUnitStates(): the managed units sorted by name, with their states when
 * the daemon has ListUnitStates(). The strings stay in *ret_units and *ret_states. 0, or the
 * exit status (or a negative errno) after logging. */
int ctl_list_unit_rows(sd_bus *bus, const char *verb, UnitRow **ret_rows, size_t *ret_n,
                       sd_bus_message **ret_units, sd_bus_message **ret_states);
/* Logs an unreadable reply; returns r. */
int ctl_bus_parse_failed(const char *method, int r);
/* Prints o as --json asked; 0 or a logged negative errno. */
int ctl_print_json(json_object *o);

/* Loads the configuration below arg_root as agentcgroupd does (config_search_dirs() and
 * config_load()). Errors in the configuration are in (*ret)->errors; < 0 only if out of memory,
 * logged. */
int ctl_load_config(Config **ret);
/* Blocks the signals (a 0-terminated list) for sd-event, which takes them from a signalfd.
 * 0, or a logged negative errno. */
int ctl_block_signals(const int *signals);

/* Prints the configuration's errors and a summary on stderr. Returns EXIT_CONFIG_ERRORS if it
 * has any, else 0. installed: c is what agentcgroupd loads, not files named by the user. */
int ctl_report_config_errors(const Config *c, bool installed);
