/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "macro.h"
#include "parse-util.h"
#include "unit-name.h"

/* The configuration model: [Manager] settings, named profiles and ordered match rules, merged
 * from the main file and its drop-ins. Parsing and merging are pure (a FILE* in, a model and a
 * list of errors out); finding the files is conf-files.c's job. A Config is never changed after
 * config_finalize(), so the daemon can keep the last good one while it tries a new one. */

#define PROFILE_NAME_MAX 64

typedef enum ProfileClass {
        PROFILE_CLASS_INTERACTIVE,
        PROFILE_CLASS_TOOL_BURST,
        PROFILE_CLASS_BACKGROUND,
        _PROFILE_CLASS_MAX,
        _PROFILE_CLASS_INVALID = -1,
} ProfileClass;

const char *profile_class_to_string(ProfileClass c);
ProfileClass profile_class_from_string(const char *s);

/* Mode=: enforce carries the decisions out; monitor takes them all the same but only logs and
 * shows them ("would freeze"), so an operator can watch before letting the daemon act. */
typedef enum ActionMode {
        ACTION_MODE_ENFORCE,
        ACTION_MODE_MONITOR,
        _ACTION_MODE_MAX,
        _ACTION_MODE_INVALID = -1,
} ActionMode;

const char *action_mode_to_string(ActionMode m);
ActionMode action_mode_from_string(const char *s);

/* A duration setting that was not given. */
#define USEC_UNSET UINT64_MAX

/* The dynamic memory policy of a profile as written; unset fields take the class defaults
 * (mem-policy.c). Sizes may be percentages of physical memory. */
typedef struct MemoryPolicySpec {
        SizeSpec burst;                 /* MemoryBurst=: allowance above MemoryHigh= ... */
        uint64_t burst_usec;            /* MemoryBurstSec=: ... for this long */
        SizeSpec headroom;              /* MemoryHeadroom=: free memory kept for this unit's bursts */
        SizeSpec floor;                 /* MemoryFloor=: never squeezed below this */
        uint64_t throttle_delay_max_usec; /* ThrottleDelayMaxSec=: bound of the delay curve */
        int freeze;                     /* Freeze=: -1 unset */
        uint64_t freeze_after_usec;     /* FreezeAfterSec= */
        uint64_t freeze_max_usec;       /* FreezeMaxSec= */
        uint64_t freeze_interval_usec;  /* FreezeIntervalSec= */
        int kill;                       /* Kill=: -1 unset */
        uint64_t kill_after_usec;       /* KillAfterSec= */
        int oom_score_adjust;           /* OOMScoreAdjust= */
        bool oom_score_adjust_set;
} MemoryPolicySpec;

/* Every field unset. */
void memory_policy_spec_init(MemoryPolicySpec *m);

typedef struct Profile {
        char *name;
        char *file; /* where the profile was first defined */
        unsigned line;

        ProfileClass class;
        uint64_t cpu_weight;            /* 0: not set; CPU_WEIGHT_IDLE: idle */
        SizeSpec memory_min;
        SizeSpec memory_low;
        SizeSpec memory_high;
        SizeSpec memory_max;
        SizeSpec memory_swap_max;
        uint64_t tasks_max;             /* 0: not set, UINT64_MAX: infinity */
        uint64_t cpu_slice_usec;        /* CPUSliceSec=: the scheduler's time slice; USEC_UNSET */
        uint64_t cpu_burst_usec;        /* CPUBurstSec=: CPU a waking unit may take ahead; USEC_UNSET */
        int cpu_yield;                  /* CPUYield=: idle on the CPU while squeezed; -1 unset */
        int mode;                       /* Mode=: ActionMode, -1 not set (the manager's) */
        MemoryPolicySpec mem;
} Profile;

typedef struct MatchRule {
        char *name;
        char *file;
        unsigned line;

        /* Conditions; NULL means "any". All set conditions must hold; within one, any entry. */
        char **units;           /* globs on the unit name */
        char **slices;          /* globs on any slice the unit sits in */
        char **users;           /* user names or numeric UIDs owning the unit's processes */
        char **descriptions;    /* globs on the unit's Description= */
        UnitType type;          /* _UNIT_TYPE_INVALID: any */

        char *profile;
        char *profile_file;     /* where Profile= was set, for the "no such profile" error */
        unsigned profile_line;
} MatchRule;

typedef struct ConfigError {
        char *file;
        unsigned line;          /* 0: the file as a whole */
        char *message;
} ConfigError;

typedef struct Config {
        /* [Manager] */
        char **managed_slices;  /* globs: units strictly below a matching slice are managed */
        bool managed_slices_default; /* still the built-in agent.slice, which an assignment replaces */
        int log_level;          /* -1: not set */
        char *default_profile;  /* for managed units no rule matches; NULL: leave them alone */
        char *default_profile_file;
        unsigned default_profile_line;
        uint64_t pressure_threshold;    /* PressureThreshold=, basis points of stall time; UINT64_MAX unset */
        uint64_t relax_usec;            /* RelaxSec=; USEC_UNSET */
        uint64_t evaluate_usec;         /* EvaluateSec=; USEC_UNSET */
        int scheduler_mode;     /* Scheduler=: SchedMode, -1 not set (auto) */
        uint64_t scheduler_restart_usec; /* SchedulerRestartSec=; USEC_UNSET */
        uint64_t scheduler_restart_max;  /* SchedulerRestartMax=; UINT64_MAX unset */
        char *admin_group;      /* AdminGroup=: a group name or GID whose members may change things
                                 * over D-Bus besides root; NULL: root only */
        int mode;               /* Mode=: ActionMode, -1 not set (enforce) */
        char *metrics_file;     /* MetricsFile=: absolute path of the Prometheus textfile; NULL: none */
        uint64_t metrics_interval_usec; /* MetricsIntervalSec=: at most one write per this; USEC_UNSET */
        int metrics_per_tool_call; /* MetricsPerToolCall=: -1 not set (no: summed per session) */

        Profile **profiles;
        size_t n_profiles;
        MatchRule **rules;      /* in order of first definition: first match wins */
        size_t n_rules;

        char **files;           /* parsed, in order */
        ConfigError *errors;
        size_t n_errors;

        /* Parser state for the file being read. */
        char *cur_file;
        unsigned cur_line;
        char *cur_section;
        char **cur_file_sections; /* "kind:name" seen in this file, to catch duplicates */
        unsigned *cur_file_section_lines;
} Config;

int config_new(Config **ret);
Config *config_free(Config *c);
static inline void config_freep(Config **c) {
        config_free(*c);
}

/* Parses one file's contents into c, recording errors with path and line. Returns 0 unless out
 * of memory: bad content is reported through c->errors, never as a return value. */
int config_parse_file(Config *c, const char *path, FILE *f);
/* Cross-file checks (referenced profiles exist, rules are complete). Call once after all files. */
int config_finalize(Config *c);
/* Records an error not tied to a line (unreadable file, bad directory entry). */
int config_add_error(Config *c, const char *file, unsigned line, const char *fmt, ...) _printf_(4, 5);

const Profile *config_find_profile(const Config *c, const char *name);
/* The mode units with profile p (NULL: none) are handled in: the profile's Mode=, else the
 * manager's, else enforce. */
ActionMode config_profile_mode(const Config *c, const Profile *p);
/* MetricsIntervalSec= with its default filled in. */
#define METRICS_INTERVAL_DEFAULT_USEC (15 * USEC_PER_SEC)
#define METRICS_INTERVAL_MIN_USEC (1 * USEC_PER_SEC)
#define METRICS_INTERVAL_MAX_USEC (3600 * USEC_PER_SEC)
bool profile_name_is_valid(const char *name);
/* A user or group name as useradd/groupadd take it (1-32 characters from A-Z a-z 0-9 . _ -, not
 * starting with '-'), or a numeric ID. */
bool user_name_is_valid(const char *name);

/* Renders the effective configuration in the INI syntax it was read from (for cat-config style
 * output and for tests that compare a merge result). */
int config_dump(const Config *c, FILE *f);
