/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bpf-sched.h"
#include "config.h"
#include "log.h"
#include "manager.h"
#include "metrics.h"
#include "prom-format.h"
#include "sched-policy.h"
#include "unit.h"

/* From a millisecond to the 10 s a thaw may take under load. */
static const double reaction_bounds[] = {
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};

static const char * const op_names[_METRICS_OP_MAX] = {
        [METRICS_OP_KILL] = "kill",
        [METRICS_OP_THAW] = "thaw",
        [METRICS_OP_FREEZE] = "freeze",
        [METRICS_OP_MEMORY_HIGH] = "memory_high",
};

static const char * const wake_names[_MEM_WAKE_MAX] = {
        [MEM_WAKE_UNIT_EVENTS] = "unit_events",
        [MEM_WAKE_UNIT_PRESSURE] = "unit_pressure",
        [MEM_WAKE_DOMAIN_EVENTS] = "domain_events",
        [MEM_WAKE_DOMAIN_PRESSURE] = "domain_pressure",
};

/* The actions the memory policy takes, by the names the journal's AGENTCGROUP_ACTION= uses. */
static const MemAction counted_actions[] = {
        MEM_ACTION_THROTTLE, MEM_ACTION_RELAX, MEM_ACTION_FREEZE, MEM_ACTION_THAW, MEM_ACTION_KILL,
        MEM_ACTION_OOM_KILLED,
};

int metrics_setup(Manager *m) {
        for (size_t i = 0; i < _METRICS_OP_MAX; i++)
                prom_histogram_init(&m->reaction[i], reaction_bounds, ELEMENTSOF(reaction_bounds));
        return 0;
}

/* Stale numbers are worse than none: node_exporter would go on exporting them. */
static void remove_written(Manager *m) {
        if (m->metrics_written && unlink(m->metrics_written) < 0 && errno != ENOENT)
                log_warning_errno(negative_errno(), "Failed to remove the metrics file %s: %m", m->metrics_written);
        m->metrics_written = mfree(m->metrics_written);
}

void metrics_free(Manager *m) {
        m->metrics_timer = sd_event_source_disable_unref(m->metrics_timer);
        remove_written(m);
}

void metrics_observe_reaction(Manager *m, MetricsOp op, uint64_t usec) {
        if (op < _METRICS_OP_MAX)
                prom_histogram_observe(&m->reaction[op], (double) usec / USEC_PER_SEC);
}

/* ---- which series a unit counts in ---- */

static bool per_tool_call(const Manager *m) {
        return m->config && m->config->metrics_per_tool_call > 0;
}

/* The topmost managed slice above u, or u itself: a session's tool calls are summed into the
 * session. Bounded: slices nest at most a few levels, a loop in bad data ends too. */
static TrackedUnit *series_owner(Manager *m, TrackedUnit *u) {
        TrackedUnit *top = u;

        if (per_tool_call(m))
                return u;
        for (unsigned depth = 0; depth < 16 && top->slice; depth++) {
                TrackedUnit *parent = manager_get_unit(m, top->slice);

                if (!parent || parent == top || !parent->managed)
                        break;
                top = parent;
        }
        return top;
}

/* The unit's counts, never lower than reported before: the policy takes back the count of an
 * action PID 1 refused, and forgets everything when the unit loses its profile, but a
 * Prometheus counter must not go down. */
static void counts_of(TrackedUnit *u, UnitCounts *ret) {
        SchedStats st = {};
        UnitCounts *hw = &u->counted;

        if (u->cgroup_id > 0 && sched_bpf_read_stats(u->manager->sched, u->cgroup_id, &st) >= 0)
                hw->sched_cpu_ns = MAX(hw->sched_cpu_ns, st.cpu_ns);
        hw->throttled = MAX(hw->throttled, u->mem.n_throttled);
        hw->frozen = MAX(hw->frozen, u->mem.n_frozen);
        hw->thawed = MAX(hw->thawed, u->mem.n_thawed);
        hw->killed = MAX(hw->killed, u->mem.n_killed);
        hw->oom_kills = MAX(hw->oom_kills, u->mem.n_oom_kills);
        hw->frozen_usec = MAX(hw->frozen_usec, u->mem.frozen_total_usec);
        *ret = *hw;
}

static void counts_add(UnitCounts *a, const UnitCounts *b) {
        a->throttled += b->throttled;
        a->frozen += b->frozen;
        a->thawed += b->thawed;
        a->killed += b->killed;
        a->oom_kills += b->oom_kills;
        a->frozen_usec += b->frozen_usec;
        a->sched_cpu_ns += b->sched_cpu_ns;
}

void metrics_unit_retired(TrackedUnit *u) {
        TrackedUnit *owner = series_owner(u->manager, u);
        UnitCounts c;

        if (owner != u) { /* else its series goes with it */
                counts_of(u, &c);
                counts_add(&c, &u->retired);
                counts_add(&owner->retired, &c);
        }
        /* Should it come back, it starts a new series or joins one afresh. */
        u->counted = u->retired = (UnitCounts) {};
}

typedef struct Series {
        TrackedUnit *owner;
        unsigned members;
        unsigned by_state[_MEM_STATE_MAX];
        uint64_t memory_current;
        bool memory_known;
        uint64_t stall_permyriad;       /* the highest of its members */
        UnitCounts counts;
} Series;

typedef struct Collect {
        Manager *manager;
        TrackedUnit **units;            /* managed ones */
        size_t n_units;
        Series *series;
        size_t n_series;
        /* Units by profile and state. */
        struct {
                const char *profile, *state;
                uint64_t n;
        } *groups;
        size_t n_groups;
        int error;
} Collect;

static void collect_unit(TrackedUnit *u, void *userdata) {
        Collect *c = userdata;

        if (u->managed)
                c->units[c->n_units++] = u;
        u->metrics_series = SIZE_MAX;
}

static int count_group(Collect *c, const char *profile, const char *state) {
        for (size_t i = 0; i < c->n_groups; i++)
                if (streq(c->groups[i].profile, profile) && streq(c->groups[i].state, state)) {
                        c->groups[i].n++;
                        return 0;
                }
        /* n_groups < n_units + 1: the array was made big enough. */
        c->groups[c->n_groups].profile = profile;
        c->groups[c->n_groups].state = state;
        c->groups[c->n_groups].n = 1;
        c->n_groups++;
        return 0;
}

static int collect(Manager *m, Collect *c) {
        *c = (Collect) { .manager = m };
        if (m->n_units == 0)
                return 0;
        c->units = calloc(m->n_units, sizeof(TrackedUnit *));
        c->series = calloc(m->n_units, sizeof(Series));
        c->groups = calloc(m->n_units, sizeof(*c->groups));
        if (!c->units || !c->series || !c->groups)
                return -ENOMEM;
        manager_foreach_unit(m, collect_unit, c);

        for (size_t i = 0; i < c->n_units; i++) {
                TrackedUnit *u = c->units[i], *owner = series_owner(m, u);
                UnitCounts counts;
                Series *s;

                (void) count_group(c, strempty(u->profile), strempty(unit_state_to_string(u)));
                if (owner->metrics_series == SIZE_MAX) {
                        owner->metrics_series = c->n_series++;
                        c->series[owner->metrics_series] = (Series) { .owner = owner, .counts = owner->retired };
                }
                s = &c->series[owner->metrics_series];
                /* A slice's memory is its children's, and the policy does not watch slices. */
                if (u->type != UNIT_TYPE_SLICE || owner == u) {
                        s->members += u->type != UNIT_TYPE_SLICE;
                        if (u->mem.state >= 0 && u->mem.state < _MEM_STATE_MAX && u->type != UNIT_TYPE_SLICE)
                                s->by_state[u->mem.state]++;
                }
                if (u->mem.sample.valid) {
                        s->memory_current += u->mem.sample.current;
                        s->memory_known = true;
                }
                s->stall_permyriad = MAX(s->stall_permyriad, u->mem.stall_permyriad);
                counts_of(u, &counts);
                counts_add(&s->counts, &counts);
        }
        return 0;
}

static void collect_done(Collect *c) {
        free(c->units);
        free(c->series);
        free(c->groups);
}

/* ---- writing ---- */

#define LABELS(...) ((char *[]) { __VA_ARGS__, NULL })

static int write_daemon(Manager *m, FILE *f, const Collect *c) {
        ActionMode mode = m->config ? config_profile_mode(m->config, NULL) : ACTION_MODE_ENFORCE;
        SchedState sched = sched_bpf_state(m->sched);
        int r = 0;

        r = r ?: prom_family(f, "agentcgroup_build_info", PROM_GAUGE, "The running agentcgroupd's version.");
        r = r ?: prom_sample_u64(f, "agentcgroup_build_info", LABELS("version", PACKAGE_VERSION), 1);

        r = r ?: prom_family(f, "agentcgroup_mode", PROM_GAUGE,
                             "1 for the [Manager] Mode= in effect: enforce, or monitor (decisions logged, not carried out).");
        for (ActionMode i = 0; i < _ACTION_MODE_MAX; i++)
                r = r ?: prom_sample_u64(f, "agentcgroup_mode", LABELS("mode", (char *) action_mode_to_string(i)), i == mode);

        r = r ?: prom_family(f, "agentcgroup_config_errors", PROM_GAUGE,
                             "Errors in the configuration last loaded; the previous good one stays in effect.");
        r = r ?: prom_sample_u64(f, "agentcgroup_config_errors", NULL, m->n_config_errors);

        r = r ?: prom_family(f, "agentcgroup_units", PROM_GAUGE, "Managed units by profile and memory state.");
        for (size_t i = 0; i < c->n_groups; i++)
                r = r ?: prom_sample_u64(f, "agentcgroup_units",
                                         LABELS("profile", (char *) c->groups[i].profile, "state", (char *) c->groups[i].state),
                                         c->groups[i].n);

        r = r ?: prom_family(f, "agentcgroup_profile_applications_total", PROM_COUNTER,
                             "Profiles set on units through systemd (applied, failed), or only logged in monitor mode (would).");
        r = r ?: prom_sample_u64(f, "agentcgroup_profile_applications_total", LABELS("result", "applied"), m->n_applied);
        r = r ?: prom_sample_u64(f, "agentcgroup_profile_applications_total", LABELS("result", "failed"), m->n_apply_failed);
        r = r ?: prom_sample_u64(f, "agentcgroup_profile_applications_total", LABELS("result", "would"), m->n_would_apply);

        r = r ?: prom_family(f, "agentcgroup_memory_actions_total", PROM_COUNTER,
                             "Memory policy actions, as logged: carried out (mode=enforce, and the kernel's OOM kills) "
                             "or only logged (mode=monitor).");
        for (size_t i = 0; i < ELEMENTSOF(counted_actions); i++)
                for (ActionMode k = 0; k < _ACTION_MODE_MAX; k++) {
                        MemAction a = counted_actions[i];

                        if (a == MEM_ACTION_OOM_KILLED && k == ACTION_MODE_MONITOR)
                                continue; /* the kernel's, never a would-be action */
                        r = r ?: prom_sample_u64(f, "agentcgroup_memory_actions_total",
                                                 LABELS("action", (char *) mem_action_to_string(a),
                                                        "mode", (char *) action_mode_to_string(k)),
                                                 m->n_actions[a][k]);
                }

        r = r ?: prom_family(f, "agentcgroup_memory_evaluations_total", PROM_COUNTER,
                             "Looks of the memory policy at the managed units, on kernel events and on its timer.");
        r = r ?: prom_sample_u64(f, "agentcgroup_memory_evaluations_total", NULL, m->mem_evaluations);
        r = r ?: prom_family(f, "agentcgroup_memory_wakeups_total", PROM_COUNTER,
                             "Kernel events that woke the memory policy, by source.");
        for (MemWakeSource w = 0; w < _MEM_WAKE_MAX; w++)
                r = r ?: prom_sample_u64(f, "agentcgroup_memory_wakeups_total", LABELS("source", (char *) wake_names[w]),
                                         m->mem_wakeups[w]);

        r = r ?: prom_family(f, "agentcgroup_reaction_seconds", PROM_HISTOGRAM,
                             "From the kernel event (or, on a timer, the decision) to systemd's answer to the call "
                             "carrying out the action.");
        for (MetricsOp op = 0; op < _METRICS_OP_MAX; op++)
                r = r ?: prom_histogram_write(f, "agentcgroup_reaction_seconds", LABELS("op", (char *) op_names[op]),
                                              &m->reaction[op]);

        r = r ?: prom_family(f, "agentcgroup_scheduler_state", PROM_GAUGE,
                             "1 for the state of the sched_ext scheduler: enabled, off, ejected, failed or loading.");
        for (SchedState s = 0; s < _SCHED_STATE_MAX; s++)
                r = r ?: prom_sample_u64(f, "agentcgroup_scheduler_state",
                                         LABELS("state", (char *) sched_state_to_string(s)), s == sched);
        r = r ?: prom_family(f, "agentcgroup_scheduler_restarts", PROM_GAUGE,
                             "Times the scheduler was loaded again after the kernel ejected it, since the last reload.");
        r = r ?: prom_sample_u64(f, "agentcgroup_scheduler_restarts", NULL, sched_bpf_restarts(m->sched));
        return r;
}

static int write_units(FILE *f, const Collect *c) {
        static const char * const state_names[_MEM_STATE_MAX] = {
                [MEM_STATE_RUNNING] = "running",
                [MEM_STATE_THROTTLED] = "throttled",
                [MEM_STATE_FROZEN] = "frozen",
                [MEM_STATE_KILLED] = "killed",
        };
        int r = 0;

        r = r ?: prom_family(f, "agentcgroup_unit_info", PROM_GAUGE,
                             "1 per series: a managed unit, or a session slice with its tool calls summed in.");
        for (size_t i = 0; i < c->n_series; i++) {
                const TrackedUnit *u = c->series[i].owner;
                const Profile *p = u->profile && u->manager->config ? config_find_profile(u->manager->config, u->profile) : NULL;

                r = r ?: prom_sample_u64(f, "agentcgroup_unit_info",
                                         LABELS("unit", u->name, "profile", (char *) strempty(u->profile),
                                                "class", (char *) (p ? strempty(profile_class_to_string(p->class)) : ""),
                                                "mode", (char *) action_mode_to_string(u->mode)),
                                         1);
        }

        r = r ?: prom_family(f, "agentcgroup_unit_members", PROM_GAUGE,
                             "Scopes and services counted in the series, by memory state (the policy's: in monitor "
                             "mode what it would have done).");
        for (size_t i = 0; i < c->n_series; i++)
                for (MemState s = 0; s < _MEM_STATE_MAX; s++)
                        r = r ?: prom_sample_u64(f, "agentcgroup_unit_members",
                                                 LABELS("unit", c->series[i].owner->name, "state", (char *) state_names[s]),
                                                 c->series[i].by_state[s]);

        r = r ?: prom_family(f, "agentcgroup_unit_memory_current_bytes", PROM_GAUGE,
                             "memory.current of the series' scopes and services at the last evaluation.");
        for (size_t i = 0; i < c->n_series; i++)
                if (c->series[i].memory_known)
                        r = r ?: prom_sample_u64(f, "agentcgroup_unit_memory_current_bytes",
                                                 LABELS("unit", c->series[i].owner->name), c->series[i].memory_current);

        r = r ?: prom_family(f, "agentcgroup_unit_memory_high_bytes", PROM_GAUGE,
                             "The memory.high the policy has in force on the unit, when it moved it below the profile's.");
        for (size_t i = 0; i < c->n_series; i++) {
                const TrackedUnit *u = c->series[i].owner;

                if (u->mem.effective_high != 0 && u->mem.effective_high != UINT64_MAX && u->mode == ACTION_MODE_ENFORCE)
                        r = r ?: prom_sample_u64(f, "agentcgroup_unit_memory_high_bytes", LABELS("unit", u->name),
                                                 u->mem.effective_high);
        }

        r = r ?: prom_family(f, "agentcgroup_unit_memory_stall_ratio", PROM_GAUGE,
                             "Share of the last window some task stalled on memory (PSI \"some\"), the highest of the series.");
        for (size_t i = 0; i < c->n_series; i++)
                r = r ?: prom_sample_double(f, "agentcgroup_unit_memory_stall_ratio", LABELS("unit", c->series[i].owner->name),
                                            c->series[i].stall_permyriad / 10000.0);

        r = r ?: prom_family(f, "agentcgroup_unit_memory_actions_total", PROM_COUNTER,
                             "Memory policy escalations of the series' units (in monitor mode the ones it would have "
                             "taken), and the kernel's OOM kills in them.");
        for (size_t i = 0; i < c->n_series; i++) {
                const Series *s = &c->series[i];
                const struct {
                        const char *action;
                        uint64_t n;
                } v[] = {
                        { "throttle", s->counts.throttled },
                        { "freeze", s->counts.frozen },
                        { "thaw", s->counts.thawed },
                        { "kill", s->counts.killed },
                        { "oom-killed", s->counts.oom_kills },
                };

                for (size_t k = 0; k < ELEMENTSOF(v); k++)
                        r = r ?: prom_sample_u64(f, "agentcgroup_unit_memory_actions_total",
                                                 LABELS("unit", s->owner->name, "action", (char *) v[k].action), v[k].n);
        }

        r = r ?: prom_family(f, "agentcgroup_unit_frozen_seconds_total", PROM_COUNTER,
                             "Time the series' units spent frozen by the policy.");
        for (size_t i = 0; i < c->n_series; i++)
                r = r ?: prom_sample_double(f, "agentcgroup_unit_frozen_seconds_total",
                                            LABELS("unit", c->series[i].owner->name),
                                            (double) c->series[i].counts.frozen_usec / USEC_PER_SEC);

        r = r ?: prom_family(f, "agentcgroup_unit_sched_cpu_seconds_total", PROM_COUNTER,
                             "CPU time the series' units ran under agentcgroup's sched_ext scheduler.");
        for (size_t i = 0; i < c->n_series; i++)
                r = r ?: prom_sample_double(f, "agentcgroup_unit_sched_cpu_seconds_total",
                                            LABELS("unit", c->series[i].owner->name),
                                            (double) c->series[i].counts.sched_cpu_ns / 1e9);
        return r;
}

int metrics_write(Manager *m, FILE *f) {
        Collect c;
        int r;

        r = collect(m, &c);
        if (r >= 0)
                r = write_daemon(m, f, &c);
        if (r >= 0)
                r = write_units(f, &c);
        collect_done(&c);
        if (r >= 0 && fflush(f) != 0)
                r = negative_errno();
        return r;
}

/* ---- MetricsFile= ---- */

static int write_file(Manager *m, const char *path) {
        _cleanup_(freep) char *tmp = asprintf_safe("%s.XXXXXX", path);
        _cleanup_(fclosep) FILE *f = NULL;
        int fd, r;

        if (!tmp)
                return -ENOMEM;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        f = fdopen(fd, "w");
        if (!f) {
                r = negative_errno();
                close(fd);
                goto fail;
        }
        /* node_exporter runs as its own user. */
        if (fchmod(fd, 0644) < 0) {
                r = negative_errno();
                goto fail;
        }
        r = metrics_write(m, f);
        if (r < 0)
                goto fail;
        if (fclose(TAKE_PTR(f)) != 0) {
                r = negative_errno();
                goto fail;
        }
        if (rename(tmp, path) < 0) {
                r = negative_errno();
                goto fail;
        }
        return 0;
fail:
        (void) unlink(tmp);
        return r;
}

static int on_metrics_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        const char *path = m->config ? m->config->metrics_file : NULL;
        uint64_t interval = m->config && m->config->metrics_interval_usec != USEC_UNSET ?
                            m->config->metrics_interval_usec : METRICS_INTERVAL_DEFAULT_USEC;
        int r;

        if (!path)
                return 0;
        r = write_file(m, path);
        if (r >= 0 && !streq_ptr(m->metrics_written, path))
                (void) free_and_replace_str(&m->metrics_written, strdup(path));
        if (r < 0 && r != m->metrics_error)
                log_warning_errno(r, "Failed to write the metrics to %s: %m (logged once until it changes)", path);
        else if (r >= 0 && m->metrics_error < 0)
                log_info("Writing the metrics to %s again.", path);
        m->metrics_error = r < 0 ? r : 0;
        (void) sd_event_source_set_time_relative(s, interval);
        (void) sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        return 0;
}

void metrics_config_changed(Manager *m) {
        const char *path = m->config ? m->config->metrics_file : NULL;
        int r;

        if (!streq_ptr(m->metrics_written, path))
                remove_written(m);
        if (!path) {
                m->metrics_timer = sd_event_source_disable_unref(m->metrics_timer);
                return;
        }
        m->metrics_error = 0;
        if (!m->metrics_timer) {
                r = sd_event_add_time_relative(m->event, &m->metrics_timer, CLOCK_MONOTONIC, 0, 0,
                                               on_metrics_timer, m);
                if (r < 0) {
                        log_warning_errno(r, "Failed to set up the metrics file writer: %m");
                        return;
                }
        } else
                (void) sd_event_source_set_time_relative(m->metrics_timer, 0);
        /* A one-shot: each write arms the next. */
        (void) sd_event_source_set_enabled(m->metrics_timer, SD_EVENT_ONESHOT);
        log_info("Writing metrics to %s every %" PRIu64 " ms.", path,
                 (m->config->metrics_interval_usec != USEC_UNSET ? m->config->metrics_interval_usec
                                                                 : METRICS_INTERVAL_DEFAULT_USEC) / USEC_PER_MSEC);
}
