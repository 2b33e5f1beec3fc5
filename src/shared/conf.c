/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "access.h"
#include "conf.h"
#include "glob-util.h"
#include "log.h"
#include "sched-policy.h"
#include "strv.h"

static const char * const profile_class_names[_PROFILE_CLASS_MAX] = {
        [PROFILE_CLASS_INTERACTIVE] = "interactive",
        [PROFILE_CLASS_TOOL_BURST] = "tool-burst",
        [PROFILE_CLASS_BACKGROUND] = "background",
};

const char *profile_class_to_string(ProfileClass c) {
        if (c < 0 || c >= _PROFILE_CLASS_MAX)
                return NULL;
        return profile_class_names[c];
}

ProfileClass profile_class_from_string(const char *s) {
        for (int i = 0; i < _PROFILE_CLASS_MAX; i++)
                if (streq_ptr(s, profile_class_names[i]))
                        return (ProfileClass) i;
        return _PROFILE_CLASS_INVALID;
}

static const char * const action_mode_names[_ACTION_MODE_MAX] = {
        [ACTION_MODE_ENFORCE] = "enforce",
        [ACTION_MODE_MONITOR] = "monitor",
};

const char *action_mode_to_string(ActionMode m) {
        if (m < 0 || m >= _ACTION_MODE_MAX)
                return NULL;
        return action_mode_names[m];
}

ActionMode action_mode_from_string(const char *s) {
        for (int i = 0; i < _ACTION_MODE_MAX; i++)
                if (streq_ptr(s, action_mode_names[i]))
                        return (ActionMode) i;
        return _ACTION_MODE_INVALID;
}

ActionMode config_profile_mode(const Config *c, const Profile *p) {
        if (p && p->mode >= 0)
                return p->mode;
        return c->mode >= 0 ? c->mode : ACTION_MODE_ENFORCE;
}

bool profile_name_is_valid(const char *name) {
        size_t n;

        if (isempty(name))
                return false;
        n = strlen(name);
        if (n > PROFILE_NAME_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isalnum((unsigned char) name[i]) && !strchr("-_.", name[i]))
                        return false;
        return true;
}

void memory_policy_spec_init(MemoryPolicySpec *m) {
        *m = (MemoryPolicySpec) {
                .burst_usec = USEC_UNSET,
                .throttle_delay_max_usec = USEC_UNSET,
                .freeze = -1,
                .freeze_after_usec = USEC_UNSET,
                .freeze_max_usec = USEC_UNSET,
                .freeze_interval_usec = USEC_UNSET,
                .kill = -1,
                .kill_after_usec = USEC_UNSET,
        };
}

static Profile *profile_free(Profile *p) {
        if (!p)
                return NULL;
        free(p->name);
        free(p->file);
        free(p);
        return NULL;
}

static MatchRule *match_rule_free(MatchRule *m) {
        if (!m)
                return NULL;
        free(m->name);
        free(m->file);
        strv_free(m->units);
        strv_free(m->slices);
        strv_free(m->users);
        strv_free(m->descriptions);
        free(m->profile);
        free(m->profile_file);
        free(m);
        return NULL;
}

int config_new(Config **ret) {
        _cleanup_(config_freep) Config *c = NULL;
        int r;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->log_level = -1;
        c->pressure_threshold = UINT64_MAX;
        c->relax_usec = c->evaluate_usec = USEC_UNSET;
        c->scheduler_mode = -1;
        c->scheduler_restart_usec = USEC_UNSET;
        c->scheduler_restart_max = UINT64_MAX;
        c->mode = -1;
        c->metrics_interval_usec = USEC_UNSET;
        c->metrics_per_tool_call = -1;
        r = strv_extend(&c->managed_slices, "agent.slice");
        if (r < 0)
                return r;
        c->managed_slices_default = true;
        *ret = TAKE_PTR(c);
        return 0;
}

static void config_reset_file_state(Config *c) {
        c->cur_file = mfree(c->cur_file);
        c->cur_section = mfree(c->cur_section);
        c->cur_file_sections = strv_free(c->cur_file_sections);
        c->cur_file_section_lines = mfree(c->cur_file_section_lines);
        c->cur_line = 0;
}

Config *config_free(Config *c) {
        if (!c)
                return NULL;
        strv_free(c->managed_slices);
        free(c->default_profile);
        free(c->default_profile_file);
        free(c->admin_group);
        free(c->metrics_file);
        for (size_t i = 0; i < c->n_profiles; i++)
                profile_free(c->profiles[i]);
        free(c->profiles);
        for (size_t i = 0; i < c->n_rules; i++)
                match_rule_free(c->rules[i]);
        free(c->rules);
        strv_free(c->files);
        for (size_t i = 0; i < c->n_errors; i++) {
                free(c->errors[i].file);
                free(c->errors[i].message);
        }
        free(c->errors);
        config_reset_file_state(c);
        free(c);
        return NULL;
}

int config_add_error(Config *c, const char *file, unsigned line, const char *fmt, ...) {
        ConfigError *e;
        va_list ap;
        char *msg;

        va_start(ap, fmt);
        msg = vasprintf_safe(fmt, ap);
        va_end(ap);
        if (!msg)
                return -ENOMEM;

        e = reallocarray(c->errors, c->n_errors + 1, sizeof(ConfigError));
        if (!e) {
                free(msg);
                return -ENOMEM;
        }
        c->errors = e;
        c->errors[c->n_errors] = (ConfigError) {
                .file = strdup(strempty(file)),
                .line = line,
                .message = msg,
        };
        if (!c->errors[c->n_errors].file) {
                free(msg);
                return -ENOMEM;
        }
        c->n_errors++;
        return 0;
}

#define parse_error(c, ...) config_add_error((c), (c)->cur_file, (c)->cur_line, __VA_ARGS__)

const Profile *config_find_profile(const Config *c, const char *name) {
        for (size_t i = 0; i < c->n_profiles; i++)
                if (streq_ptr(c->profiles[i]->name, name))
                        return c->profiles[i];
        return NULL;
}

static Profile *config_find_profile_mutable(Config *c, const char *name) {
        return (Profile *) config_find_profile(c, name);
}

static MatchRule *config_find_rule(Config *c, const char *name) {
        for (size_t i = 0; i < c->n_rules; i++)
                if (streq(c->rules[i]->name, name))
                        return c->rules[i];
        return NULL;
}

/* ---- value parsers: each gets the key, the value and where to store it ---- */

typedef int (*ConfigParser)(Config *c, const char *key, const char *value, void *data);

static int config_parse_size(Config *c, const char *key, const char *value, void *data) {
        SizeSpec *s = data;
        int r;

        r = parse_size_spec(value, s);
        if (r < 0)
                return parse_error(c, "%s=%s: %s; expected bytes with an optional K, M, G or T suffix, "
                                   "a percentage of physical memory, or 'infinity'",
                                   key, value, r == -ERANGE ? "value out of range" : "not a valid size");
        return 0;
}

static int config_parse_cpu_weight_key(Config *c, const char *key, const char *value, void *data) {
        if (parse_cpu_weight(value, data) < 0)
                return parse_error(c, "%s=%s: expected a whole number from 1 to 10000, or 'idle'", key, value);
        return 0;
}

static int config_parse_tasks_max_key(Config *c, const char *key, const char *value, void *data) {
        if (parse_tasks_max(value, data) < 0)
                return parse_error(c, "%s=%s: expected a positive whole number or 'infinity'", key, value);
        return 0;
}

static int config_parse_duration_key(Config *c, const char *key, const char *value, void *data) {
        if (parse_duration(value, data) < 0)
                return parse_error(c, "%s=%s: expected a duration such as 500ms, 2s or 1min", key, value);
        return 0;
}

static int config_parse_tristate(Config *c, const char *key, const char *value, void *data) {
        int *b = data, v;

        v = parse_boolean(value);
        if (v < 0)
                return parse_error(c, "%s=%s: expected yes or no", key, value);
        *b = v;
        return 0;
}

static int config_parse_oom_score_adjust(Config *c, const char *key, const char *value, void *data) {
        MemoryPolicySpec *m = data;
        char *end;
        long v;

        errno = 0;
        v = strtol(value, &end, 10);
        if (isempty(value) || *end || errno != 0 || v < -1000 || v > 1000)
                return parse_error(c, "%s=%s: expected a whole number from -1000 to 1000", key, value);
        m->oom_score_adjust = (int) v;
        m->oom_score_adjust_set = true;
        return 0;
}

/* A share of time, "10%" or "2.5%", stored in basis points. */
static int config_parse_percent_key(Config *c, const char *key, const char *value, void *data) {
        SizeSpec s;

        if (isempty(value) || value[strlen(value) - 1] != '%' || parse_size_spec(value, &s) < 0 || s.kind != SIZE_PERCENT || s.value > 10000)
                return parse_error(c, "%s=%s: expected a percentage from 0%% to 100%%", key, value);
        *(uint64_t *) data = s.value;
        return 0;
}

static int config_parse_class(Config *c, const char *key, const char *value, void *data) {
        ProfileClass *class = data, v;

        v = profile_class_from_string(value);
        if (v < 0)
                return parse_error(c, "%s=%s: unknown class; expected interactive, tool-burst or background",
                                   key, value);
        *class = v;
        return 0;
}

static int config_parse_scheduler_mode(Config *c, const char *key, const char *value, void *data) {
        int *mode = data;
        SchedMode v;

        v = sched_mode_from_string(value);
        if (v < 0)
                return parse_error(c, "%s=%s: expected auto, full, partial or off", key, value);
        *mode = v;
        return 0;
}

static int config_parse_action_mode(Config *c, const char *key, const char *value, void *data) {
        int *mode = data;
        ActionMode v;

        v = action_mode_from_string(value);
        if (v < 0)
                return parse_error(c, "%s=%s: expected enforce or monitor", key, value);
        *mode = v;
        return 0;
}

/* An absolute, normalized file path (no "." or ".." components, no "//", no trailing '/'):
 * node_exporter's textfile collector reads *.prom files from one directory. Empty: none. */
static int config_parse_metrics_file(Config *c, const char *key, const char *value, void *data) {
        char **path = data;

        if (isempty(value)) {
                *path = mfree(*path);
                return 0;
        }
        if (value[0] != '/' || strlen(value) >= PATH_MAX || strstr(value, "//") || strstr(value, "/./") ||
            strstr(value, "/../") || endswith(value, "/") || endswith(value, "/.") || endswith(value, "/.."))
                return parse_error(c, "%s=%s: expected an absolute, normalized file path", key, value);
        if (!endswith(value, ".prom"))
                return parse_error(c, "%s=%s: the file name must end in .prom (node_exporter's textfile collector "
                                   "reads only those)", key, value);
        if (!free_and_replace_str(path, strdup(value)))
                return -ENOMEM;
        return 0;
}

static int config_parse_metrics_interval(Config *c, const char *key, const char *value, void *data) {
        uint64_t *usec = data, v;

        if (parse_duration(value, &v) < 0 || v < METRICS_INTERVAL_MIN_USEC || v > METRICS_INTERVAL_MAX_USEC)
                return parse_error(c, "%s=%s: expected a duration from 1s to 1h, such as 15s or 1min", key, value);
        *usec = v;
        return 0;
}

static int config_parse_restart_max(Config *c, const char *key, const char *value, void *data) {
        uint64_t *max = data, v;

        if (parse_uint64(value, &v) < 0 || v > 1000)
                return parse_error(c, "%s=%s: expected a number of attempts from 0 to 1000", key, value);
        *max = v;
        return 0;
}

static int config_parse_duration_range(Config *c, const char *key, const char *value, uint64_t *ret,
                                       uint64_t min, uint64_t max, const char *range) {
        uint64_t v;

        if (parse_duration(value, &v) < 0)
                return parse_error(c, "%s=%s: expected a duration such as 500ms, 2s or 1min", key, value);
        if (v < min || v > max)
                return parse_error(c, "%s=%s: out of range (%s)", key, value, range);
        *ret = v;
        return 0;
}

static int config_parse_cpu_slice(Config *c, const char *key, const char *value, void *data) {
        return config_parse_duration_range(c, key, value, data, SCHED_SLICE_USEC_MIN, SCHED_SLICE_USEC_MAX,
                                           "500us to 100ms");
}

static int config_parse_cpu_burst(Config *c, const char *key, const char *value, void *data) {
        return config_parse_duration_range(c, key, value, data, 0, SCHED_BURST_USEC_MAX, "0 to 1s");
}

static int config_parse_log_level(Config *c, const char *key, const char *value, void *data) {
        int *level = data, v;

        v = log_level_from_string(value);
        if (v < 0)
                return parse_error(c, "%s=%s: unknown log level; expected debug, info, notice, warning or err",
                                   key, value);
        *level = v;
        return 0;
}

static int config_parse_profile_ref(Config *c, const char *key, const char *value, char **name,
                                    char **file, unsigned *line) {
        if (!profile_name_is_valid(value))
                return parse_error(c, "%s=%s: not a valid profile name (1-%d characters from A-Z a-z 0-9 - _ .)",
                                   key, value, PROFILE_NAME_MAX);
        if (!free_and_replace_str(name, strdup(value)) || !free_and_replace_str(file, strdup(c->cur_file)))
                return -ENOMEM;
        *line = c->cur_line;
        return 0;
}

static int config_parse_default_profile(Config *c, const char *key, const char *value, void *data) {
        if (isempty(value)) {
                c->default_profile = mfree(c->default_profile);
                return 0;
        }
        return config_parse_profile_ref(c, key, value, &c->default_profile, &c->default_profile_file,
                                        &c->default_profile_line);
}

bool user_name_is_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > 32 || s[0] == '-')
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isalnum((unsigned char) s[i]) && !strchr("._-", s[i]))
                        return false;
        return true;
}

/* List settings follow systemd: each assignment appends, an empty one resets. */
static int config_parse_list(Config *c, const char *key, const char *value, char ***list, bool words,
                             bool (*check)(Config *, const char *, const char *)) {
        _cleanup_strv_free_ char **l = NULL;
        int r;

        if (isempty(value)) {
                *list = strv_free(*list);
                return 0;
        }
        if (words)
                r = strv_split_whitespace(value, &l);
        else
                r = strv_extend(&l, value);
        if (r < 0)
                return r;
        STRV_FOREACH(w, l)
                if (!check(c, key, *w))
                        return 0; /* check() recorded the error; the assignment is dropped as a whole */
        STRV_FOREACH(w, l) {
                r = strv_extend(list, *w);
                if (r < 0)
                        return r;
        }
        if (!*list) /* "Unit= " with only blanks: an empty, but set, list */
                *list = calloc(1, sizeof(char *));
        return *list ? 0 : -ENOMEM;
}

static bool check_glob(Config *c, const char *key, const char *w) {
        const char *why;

        if (!glob_is_valid(w, &why)) {
                parse_error(c, "%s=%s: bad glob: %s", key, w, why);
                return false;
        }
        return true;
}

static bool check_unit_glob(Config *c, const char *key, const char *w) {
        if (!check_glob(c, key, w))
                return false;
        for (const char *p = w; *p; p++)
                if (!isalnum((unsigned char) *p) && !strchr(":-_.\\@*?[]!^", *p)) {
                        parse_error(c, "%s=%s: bad glob: '%c' cannot appear in a unit name", key, w, *p);
                        return false;
                }
        return true;
}

static bool check_user(Config *c, const char *key, const char *w) {
        if (!user_name_is_valid(w)) {
                parse_error(c, "%s=%s: not a valid user name or UID", key, w);
                return false;
        }
        return true;
}

static int config_parse_unit_globs(Config *c, const char *key, const char *value, void *data) {
        return config_parse_list(c, key, value, data, true, check_unit_glob);
}

/* The built-in default is what applies when nothing is said: the first assignment replaces it,
 * as "Default: agent.slice" reads, instead of managing agent.slice as well. */
static int config_parse_managed_slices(Config *c, const char *key, const char *value, void *data) {
        if (c->managed_slices_default) {
                c->managed_slices = strv_free(c->managed_slices);
                c->managed_slices_default = false;
        }
        return config_parse_unit_globs(c, key, value, data);
}

static int config_parse_description_glob(Config *c, const char *key, const char *value, void *data) {
        return config_parse_list(c, key, value, data, false, check_glob);
}

static int config_parse_users(Config *c, const char *key, const char *value, void *data) {
        return config_parse_list(c, key, value, data, true, check_user);
}

/* A single group, by name or GID. Whether it exists is the daemon's to find out when a caller
 * asks: groups may be created after the configuration was written. */
static int config_parse_admin_group(Config *c, const char *key, const char *value, void *data) {
        char **group = data;

        if (isempty(value)) {
                *group = mfree(*group);
                return 0;
        }
        if (value[0] >= '0' && value[0] <= '9' && strspn(value, "0123456789") == strlen(value)) {
                if (parse_gid(value, NULL) < 0)
                        return parse_error(c, "%s=%s: GID out of range (0 to 4294967294)", key, value);
        } else if (!user_name_is_valid(value))
                return parse_error(c, "%s=%s: not a valid group name or GID (one group: 1-32 characters from "
                                   "A-Z a-z 0-9 . _ -, not starting with '-')", key, value);
        if (!free_and_replace_str(group, strdup(value)))
                return -ENOMEM;
        return 0;
}

static int config_parse_unit_type(Config *c, const char *key, const char *value, void *data) {
        UnitType *t = data, v;

        if (isempty(value)) {
                *t = _UNIT_TYPE_INVALID;
                return 0;
        }
        v = unit_type_from_string(value);
        if (v < 0)
                return parse_error(c, "%s=%s: expected slice, scope or service", key, value);
        *t = v;
        return 0;
}

static int config_parse_rule_profile(Config *c, const char *key, const char *value, void *data) {
        MatchRule *m = data;

        return config_parse_profile_ref(c, key, value, &m->profile, &m->profile_file, &m->profile_line);
}

typedef struct ConfigItem {
        const char *key;
        ConfigParser parse;
        size_t offset;  /* into the section's object; SIZE_MAX: the object itself */
} ConfigItem;

static const ConfigItem manager_items[] = {
        { "ManagedSlices",  config_parse_managed_slices,   offsetof(Config, managed_slices) },
        { "LogLevel",       config_parse_log_level,        offsetof(Config, log_level) },
        { "DefaultProfile", config_parse_default_profile,  SIZE_MAX },
        { "PressureThreshold", config_parse_percent_key,   offsetof(Config, pressure_threshold) },
        { "RelaxSec",       config_parse_duration_key,     offsetof(Config, relax_usec) },
        { "EvaluateSec",    config_parse_duration_key,     offsetof(Config, evaluate_usec) },
        { "AdminGroup",     config_parse_admin_group,      offsetof(Config, admin_group) },
        { "Scheduler",      config_parse_scheduler_mode,   offsetof(Config, scheduler_mode) },
        { "SchedulerRestartSec", config_parse_duration_key, offsetof(Config, scheduler_restart_usec) },
        { "SchedulerRestartMax", config_parse_restart_max, offsetof(Config, scheduler_restart_max) },
        { "Mode",           config_parse_action_mode,      offsetof(Config, mode) },
        { "MetricsFile",    config_parse_metrics_file,     offsetof(Config, metrics_file) },
        { "MetricsIntervalSec", config_parse_metrics_interval, offsetof(Config, metrics_interval_usec) },
        { "MetricsPerToolCall", config_parse_tristate,     offsetof(Config, metrics_per_tool_call) },
        {}
};

static const ConfigItem profile_items[] = {
        { "Class",          config_parse_class,            offsetof(Profile, class) },
        { "CPUWeight",      config_parse_cpu_weight_key,   offsetof(Profile, cpu_weight) },
        { "MemoryMin",      config_parse_size,             offsetof(Profile, memory_min) },
        { "MemoryLow",      config_parse_size,             offsetof(Profile, memory_low) },
        { "MemoryHigh",     config_parse_size,             offsetof(Profile, memory_high) },
        { "MemoryMax",      config_parse_size,             offsetof(Profile, memory_max) },
        { "MemorySwapMax",  config_parse_size,             offsetof(Profile, memory_swap_max) },
        { "TasksMax",       config_parse_tasks_max_key,    offsetof(Profile, tasks_max) },
        { "CPUSliceSec",    config_parse_cpu_slice,        offsetof(Profile, cpu_slice_usec) },
        { "CPUBurstSec",    config_parse_cpu_burst,        offsetof(Profile, cpu_burst_usec) },
        { "CPUYield",       config_parse_tristate,         offsetof(Profile, cpu_yield) },
        { "Mode",           config_parse_action_mode,      offsetof(Profile, mode) },
        { "MemoryBurst",    config_parse_size,             offsetof(Profile, mem.burst) },
        { "MemoryBurstSec", config_parse_duration_key,     offsetof(Profile, mem.burst_usec) },
        { "MemoryHeadroom", config_parse_size,             offsetof(Profile, mem.headroom) },
        { "MemoryFloor",    config_parse_size,             offsetof(Profile, mem.floor) },
        { "ThrottleDelayMaxSec", config_parse_duration_key, offsetof(Profile, mem.throttle_delay_max_usec) },
        { "Freeze",         config_parse_tristate,         offsetof(Profile, mem.freeze) },
        { "FreezeAfterSec", config_parse_duration_key,     offsetof(Profile, mem.freeze_after_usec) },
        { "FreezeMaxSec",   config_parse_duration_key,     offsetof(Profile, mem.freeze_max_usec) },
        { "FreezeIntervalSec", config_parse_duration_key,  offsetof(Profile, mem.freeze_interval_usec) },
        { "Kill",           config_parse_tristate,         offsetof(Profile, mem.kill) },
        { "KillAfterSec",   config_parse_duration_key,     offsetof(Profile, mem.kill_after_usec) },
        { "OOMScoreAdjust", config_parse_oom_score_adjust, offsetof(Profile, mem) },
        {}
};

static const ConfigItem match_items[] = {
        { "Unit",           config_parse_unit_globs,       offsetof(MatchRule, units) },
        { "Slice",          config_parse_unit_globs,       offsetof(MatchRule, slices) },
        { "User",           config_parse_users,            offsetof(MatchRule, users) },
        { "Description",    config_parse_description_glob, offsetof(MatchRule, descriptions) },
        { "Type",           config_parse_unit_type,        offsetof(MatchRule, type) },
        { "Profile",        config_parse_rule_profile,     SIZE_MAX },
        {}
};

/* ---- sections ---- */

typedef enum SectionKind {
        SECTION_NONE,
        SECTION_MANAGER,
        SECTION_PROFILE,
        SECTION_MATCH,
        SECTION_UNKNOWN,
} SectionKind;

static SectionKind section_kind(const char *section, const char **ret_name) {
        const char *colon;

        *ret_name = NULL;
        if (!section)
                return SECTION_NONE;
        if (streq(section, "Manager"))
                return SECTION_MANAGER;
        colon = strchr(section, ':');
        if (!colon)
                return SECTION_UNKNOWN;
        *ret_name = colon + 1;
        if ((size_t) (colon - section) == strlen("Profile") && strneq(section, "Profile", colon - section))
                return SECTION_PROFILE;
        if ((size_t) (colon - section) == strlen("Match") && strneq(section, "Match", colon - section))
                return SECTION_MATCH;
        return SECTION_UNKNOWN;
}

static int append_ptr(void ***array, size_t *n, void *p) {
        void **a = reallocarray(*array, *n + 1, sizeof(void *));

        if (!a)
                return -ENOMEM;
        a[(*n)++] = p;
        *array = a;
        return 0;
}

/* Called by the line reader on each "[...]" header, so that empty sections still define their
 * profile or rule, and so that a name repeated within one file is caught. */
static int config_begin_section(Config *c, const char *section) {
        const char *name;
        SectionKind kind;
        size_t n;
        int r;

        if (!free_and_replace_str(&c->cur_section, strdup(section)))
                return -ENOMEM;

        kind = section_kind(section, &name);
        if (kind == SECTION_UNKNOWN) {
                return parse_error(c, "unknown section [%s]; expected [Manager], [Profile:NAME] or [Match:NAME]",
                                   section);
        }
        if (kind == SECTION_MANAGER)
                return 0;

        if (!profile_name_is_valid(name))
                return parse_error(c, "[%s]: not a valid %s name (1-%d characters from A-Z a-z 0-9 - _ .)",
                                   section, kind == SECTION_PROFILE ? "profile" : "rule", PROFILE_NAME_MAX);

        n = strv_length(c->cur_file_sections);
        for (size_t i = 0; i < n; i++)
                if (streq(c->cur_file_sections[i], section))
                        return parse_error(c, "duplicate %s '%s' in the same file (first defined at line %u)",
                                           kind == SECTION_PROFILE ? "profile" : "match rule", name,
                                           c->cur_file_section_lines[i]);
        r = strv_extend(&c->cur_file_sections, section);
        if (r < 0)
                return r;
        unsigned *lines = reallocarray(c->cur_file_section_lines, n + 1, sizeof(unsigned));
        if (!lines)
                return -ENOMEM;
        lines[n] = c->cur_line;
        c->cur_file_section_lines = lines;

        /* A later file naming an existing profile or rule amends it (drop-in semantics). */
        if (kind == SECTION_PROFILE) {
                Profile *p;

                if (config_find_profile(c, name))
                        return 0;
                p = calloc(1, sizeof(*p));
                if (!p)
                        return -ENOMEM;
                p->class = _PROFILE_CLASS_INVALID;
                p->cpu_slice_usec = p->cpu_burst_usec = USEC_UNSET;
                p->mode = -1;
                p->cpu_yield = -1;
                memory_policy_spec_init(&p->mem);
                p->name = strdup(name);
                p->file = strdup(c->cur_file);
                p->line = c->cur_line;
                if (!p->name || !p->file || append_ptr((void ***) &c->profiles, &c->n_profiles, p) < 0) {
                        profile_free(p);
                        return -ENOMEM;
                }
        } else {
                MatchRule *m;

                if (config_find_rule(c, name))
                        return 0;
                m = calloc(1, sizeof(*m));
                if (!m)
                        return -ENOMEM;
                m->type = _UNIT_TYPE_INVALID;
                m->name = strdup(name);
                m->file = strdup(c->cur_file);
                m->line = c->cur_line;
                if (!m->name || !m->file || append_ptr((void ***) &c->rules, &c->n_rules, m) < 0) {
                        match_rule_free(m);
                        return -ENOMEM;
                }
        }
        return 0;
}

static int config_assign(Config *c, const char *section, const char *key, const char *value) {
        const ConfigItem *items;
        const char *name;
        void *object;

        switch (section_kind(section, &name)) {
        case SECTION_NONE:
                return parse_error(c, "%s= outside of any section", key);
        case SECTION_UNKNOWN:
                return 0; /* the section header was reported already */
        case SECTION_MANAGER:
                items = manager_items;
                object = c;
                break;
        case SECTION_PROFILE:
                items = profile_items;
                object = config_find_profile_mutable(c, name);
                break;
        case SECTION_MATCH:
                items = match_items;
                object = config_find_rule(c, name);
                break;
        default:
                return -EINVAL;
        }
        if (!object)
                return 0; /* invalid section name, reported at the header */

        for (const ConfigItem *i = items; i->key; i++)
                if (streq(i->key, key))
                        return i->parse(c, key, value,
                                        i->offset == SIZE_MAX ? object : (uint8_t *) object + i->offset);

        return parse_error(c, "unknown key '%s' in section [%s]", key, section);
}

/* ---- reading: inih does the syntax; this reader counts lines and sees section headers ---- */

#define INVALID_SECTION "#invalid"
#define CONFIG_LINE_MAX 4096

typedef struct LineReader {
        Config *config;
        FILE *f;
        char *buf;
        size_t size;
        int error;
} LineReader;

static char *config_read_line(char *str, int num, void *stream) {
        LineReader *lr = stream;
        Config *c = lr->config;
        ssize_t n;
        char *s;
        int r;

        n = getline(&lr->buf, &lr->size, lr->f);
        if (n < 0)
                return NULL;
        c->cur_line++;

        /* Anything inih should not see (bad syntax we report ourselves) becomes a blank line. */
        if ((size_t) n != strlen(lr->buf)) {
                r = parse_error(c, "line contains a NUL byte");
                goto blank;
        }
        if (n >= num - 1) {
                r = parse_error(c, "line too long (at most %d characters)", num - 3);
                goto blank;
        }

        s = strstrip(lr->buf);
        if (s[0] == '\0' || s[0] == '#' || s[0] == ';') {
                /* blank or comment: pass through */
        } else if (s[0] == '[') {
                char *end = strrchr(s, ']');

                if (!end || end[1] != '\0') {
                        r = parse_error(c, "syntax error: section header must be '[Name]' alone on its line");
                        if (r < 0)
                                goto fail;
                        /* Keys after it must not land in the previous section: give inih a
                         * section that config_assign() ignores (it was reported here). */
                        if (!free_and_replace_str(&c->cur_section, strdup(INVALID_SECTION)))
                                goto fail;
                        snprintf(str, (size_t) num, "[%s]\n", INVALID_SECTION);
                        return str;
                }
                *end = '\0';
                s = strstrip(s + 1);
                r = config_begin_section(c, s);
                if (r < 0)
                        goto fail;
                /* inih gets the header as begun here: stripping the blanks inside the brackets
                 * has cut the line short. */
                snprintf(str, (size_t) num, "[%s]\n", s);
                return str;
        } else {
                const char *eq = strchr(s, '='), *colon = strchr(s, ':');

                if (!eq || (colon && colon < eq) || eq == s) {
                        r = parse_error(c, "syntax error: expected 'Key=Value', '[Section]' or a comment");
                        goto blank;
                }
        }

        memcpy(str, lr->buf, (size_t) n + 1);
        return str;

blank:
        if (r < 0)
                goto fail;
        snprintf(str, (size_t) num, "\n");
        return str;
fail:
        lr->error = r < 0 ? r : -ENOMEM;
        return NULL;
}

static int config_ini_handler(void *user, const char *section, const char *name, const char *value) {
        LineReader *lr = user;
        int r;

        if (lr->error < 0)
                return 1;
        /* The section as the reader saw it begin, not inih's copy: that keeps only 49 characters
         * of a name (a longer profile's keys would go to the wrong profile or nowhere) and ends
         * at the first ']'. */
        section = lr->config->cur_section;
        r = config_assign(lr->config, isempty(section) ? NULL : section, name, value);
        if (r < 0)
                lr->error = r;
        return 1; /* errors are ours to report, with their own line */
}

int config_parse_file(Config *c, const char *path, FILE *f) {
        LineReader lr = { .config = c, .f = f };
        int r;

        /* systemd-style files: comments only at the start of a line, no continuation lines. */
        ini_allow_inline_comments = false;
        ini_allow_multiline = false;
        ini_stop_on_first_error = false;
        /* Long Description= globs need more than inih's 200-byte stack buffer. */
        ini_use_stack = false;
        ini_max_line = CONFIG_LINE_MAX;

        config_reset_file_state(c);
        c->cur_file = strdup(path);
        if (!c->cur_file)
                return -ENOMEM;
        r = strv_extend(&c->files, path);
        if (r < 0)
                return r;

        r = ini_parse_stream(config_read_line, &lr, config_ini_handler, &lr);
        free(lr.buf);
        if (lr.error < 0)
                return lr.error;
        if (ferror(f))
                config_add_error(c, path, 0, "read error");
        else if (r > 0)
                /* The reader filters what inih rejects; this is a safety net, not the usual path. */
                config_add_error(c, path, (unsigned) r, "syntax error");
        else if (r < 0)
                return -ENOMEM;
        config_reset_file_state(c);
        return 0;
}

int config_finalize(Config *c) {
        int r;

        for (size_t i = 0; i < c->n_rules; i++) {
                MatchRule *m = c->rules[i];

                if (!m->profile)
                        r = config_add_error(c, m->file, m->line, "[Match:%s] has no Profile=", m->name);
                else if (!config_find_profile(c, m->profile))
                        r = config_add_error(c, m->profile_file, m->profile_line,
                                             "Profile=%s in [Match:%s]: no such profile", m->profile, m->name);
                else
                        r = 0;
                if (r < 0)
                        return r;
        }

        if (c->default_profile && !config_find_profile(c, c->default_profile)) {
                r = config_add_error(c, c->default_profile_file, c->default_profile_line,
                                     "DefaultProfile=%s: no such profile", c->default_profile);
                if (r < 0)
                        return r;
        }

        for (size_t i = 0; i < c->n_profiles; i++) {
                Profile *p = c->profiles[i];

                if (p->class < 0)
                        p->class = PROFILE_CLASS_BACKGROUND; /* the cautious default */
        }
        return 0;
}

/* ---- dump ---- */

static void dump_size(FILE *f, const char *key, const SizeSpec *s) {
        char buf[64];

        if (s->kind != SIZE_UNSET)
                fprintf(f, "%s=%s\n", key, size_spec_to_string(s, buf, sizeof buf));
}

static void dump_duration(FILE *f, const char *key, uint64_t usec) {
        if (usec == USEC_UNSET)
                return;
        if (usec % USEC_PER_SEC == 0)
                fprintf(f, "%s=%" PRIu64 "s\n", key, usec / USEC_PER_SEC);
        else if (usec % USEC_PER_MSEC == 0)
                fprintf(f, "%s=%" PRIu64 "ms\n", key, usec / USEC_PER_MSEC);
        else
                fprintf(f, "%s=%" PRIu64 "us\n", key, usec);
}

static void dump_tristate(FILE *f, const char *key, int b) {
        if (b >= 0)
                fprintf(f, "%s=%s\n", key, b ? "yes" : "no");
}

static void dump_list(FILE *f, const char *key, char * const *l, bool one_per_line) {
        _cleanup_(freep) char *j = NULL;

        if (!l)
                return;
        if (one_per_line) {
                STRV_FOREACH(s, l)
                        fprintf(f, "%s=%s\n", key, *s);
                return;
        }
        j = strv_join(l, " ");
        if (j)
                fprintf(f, "%s=%s\n", key, j);
}

int config_dump(const Config *c, FILE *f) {
        fprintf(f, "[Manager]\n");
        if (c->managed_slices)
                dump_list(f, "ManagedSlices", c->managed_slices, false);
        else
                fprintf(f, "ManagedSlices=\n"); /* emptied: manage nothing, not the default */
        if (c->log_level >= 0)
                fprintf(f, "LogLevel=%s\n", log_level_to_string(c->log_level));
        if (c->default_profile)
                fprintf(f, "DefaultProfile=%s\n", c->default_profile);
        if (c->pressure_threshold != UINT64_MAX)
                fprintf(f, "PressureThreshold=%" PRIu64 ".%02" PRIu64 "%%\n",
                        c->pressure_threshold / 100, c->pressure_threshold % 100);
        dump_duration(f, "RelaxSec", c->relax_usec);
        dump_duration(f, "EvaluateSec", c->evaluate_usec);
        if (c->admin_group)
                fprintf(f, "AdminGroup=%s\n", c->admin_group);
        if (c->scheduler_mode >= 0)
                fprintf(f, "Scheduler=%s\n", sched_mode_to_string(c->scheduler_mode));
        dump_duration(f, "SchedulerRestartSec", c->scheduler_restart_usec);
        if (c->scheduler_restart_max != UINT64_MAX)
                fprintf(f, "SchedulerRestartMax=%" PRIu64 "\n", c->scheduler_restart_max);
        if (c->mode >= 0)
                fprintf(f, "Mode=%s\n", action_mode_to_string(c->mode));
        if (c->metrics_file)
                fprintf(f, "MetricsFile=%s\n", c->metrics_file);
        dump_duration(f, "MetricsIntervalSec", c->metrics_interval_usec);
        dump_tristate(f, "MetricsPerToolCall", c->metrics_per_tool_call);

        for (size_t i = 0; i < c->n_profiles; i++) {
                const Profile *p = c->profiles[i];

                fprintf(f, "\n# %s:%u\n[Profile:%s]\n", p->file, p->line, p->name);
                if (p->class >= 0)
                        fprintf(f, "Class=%s\n", profile_class_to_string(p->class));
                if (p->cpu_weight > 0) {
                        char w[32];

                        fprintf(f, "CPUWeight=%s\n", cpu_weight_to_string(p->cpu_weight, w, sizeof w));
                }
                dump_size(f, "MemoryMin", &p->memory_min);
                dump_size(f, "MemoryLow", &p->memory_low);
                dump_size(f, "MemoryHigh", &p->memory_high);
                dump_size(f, "MemoryMax", &p->memory_max);
                dump_size(f, "MemorySwapMax", &p->memory_swap_max);
                if (p->tasks_max == UINT64_MAX)
                        fprintf(f, "TasksMax=infinity\n");
                else if (p->tasks_max > 0)
                        fprintf(f, "TasksMax=%" PRIu64 "\n", p->tasks_max);
                dump_duration(f, "CPUSliceSec", p->cpu_slice_usec);
                dump_duration(f, "CPUBurstSec", p->cpu_burst_usec);
                dump_tristate(f, "CPUYield", p->cpu_yield);
                if (p->mode >= 0)
                        fprintf(f, "Mode=%s\n", action_mode_to_string(p->mode));
                dump_size(f, "MemoryBurst", &p->mem.burst);
                dump_duration(f, "MemoryBurstSec", p->mem.burst_usec);
                dump_size(f, "MemoryHeadroom", &p->mem.headroom);
                dump_size(f, "MemoryFloor", &p->mem.floor);
                dump_duration(f, "ThrottleDelayMaxSec", p->mem.throttle_delay_max_usec);
                dump_tristate(f, "Freeze", p->mem.freeze);
                dump_duration(f, "FreezeAfterSec", p->mem.freeze_after_usec);
                dump_duration(f, "FreezeMaxSec", p->mem.freeze_max_usec);
                dump_duration(f, "FreezeIntervalSec", p->mem.freeze_interval_usec);
                dump_tristate(f, "Kill", p->mem.kill);
                dump_duration(f, "KillAfterSec", p->mem.kill_after_usec);
                if (p->mem.oom_score_adjust_set)
                        fprintf(f, "OOMScoreAdjust=%d\n", p->mem.oom_score_adjust);
        }

        for (size_t i = 0; i < c->n_rules; i++) {
                const MatchRule *m = c->rules[i];

                fprintf(f, "\n# %s:%u\n[Match:%s]\n", m->file, m->line, m->name);
                dump_list(f, "Unit", m->units, false);
                dump_list(f, "Slice", m->slices, false);
                dump_list(f, "User", m->users, false);
                dump_list(f, "Description", m->descriptions, true);
                if (m->type >= 0)
                        fprintf(f, "Type=%s\n", unit_type_to_string(m->type));
                if (m->profile)
                        fprintf(f, "Profile=%s\n", m->profile);
        }
        return ferror(f) ? -EIO : 0;
}
