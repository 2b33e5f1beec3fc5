/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <alloca.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mem-policy.h"
#include "profile-props.h"

static const char * const mem_state_names[_MEM_STATE_MAX] = {
        [MEM_STATE_RUNNING] = "running",
        [MEM_STATE_THROTTLED] = "throttled",
        [MEM_STATE_FROZEN] = "frozen",
        [MEM_STATE_KILLED] = "killed",
};

static const char * const mem_action_names[_MEM_ACTION_MAX] = {
        [MEM_ACTION_NONE] = "none",
        [MEM_ACTION_THROTTLE] = "throttle",
        [MEM_ACTION_RELAX] = "relax",
        [MEM_ACTION_FREEZE] = "freeze",
        [MEM_ACTION_THAW] = "thaw",
        [MEM_ACTION_KILL] = "kill",
        [MEM_ACTION_OOM_KILLED] = "oom-killed",
};

const char *mem_state_to_string(MemState s) {
        return s >= 0 && s < _MEM_STATE_MAX ? mem_state_names[s] : NULL;
}

MemState mem_state_from_string(const char *s) {
        for (int i = 0; i < _MEM_STATE_MAX; i++)
                if (streq_ptr(s, mem_state_names[i]))
                        return (MemState) i;
        return _MEM_STATE_INVALID;
}

const char *mem_action_to_string(MemAction a) {
        return a >= 0 && a < _MEM_ACTION_MAX ? mem_action_names[a] : NULL;
}

/* Defaults by class. Interactive units are the ones protected: never frozen or killed, barely
 * throttled, last in the kernel's OOM order. Background units give way first. */
static const MemParams class_defaults[_PROFILE_CLASS_MAX] = {
        [PROFILE_CLASS_INTERACTIVE] = {
                .priority = 2,
                .headroom = MEM_HEADROOM_AUTO,
                .burst_usec = 5 * USEC_PER_SEC,
                .floor = 64ULL << 20,
                .throttle_delay_max_usec = 50 * USEC_PER_MSEC,
                .freeze = false,
                .freeze_after_usec = 1 * USEC_PER_SEC,
                .freeze_max_usec = 10 * USEC_PER_SEC,
                .freeze_interval_usec = 10 * USEC_PER_SEC,
                .kill = false,
                .kill_after_usec = 10 * USEC_PER_SEC,
                .oom_score_adjust = -500,
        },
        [PROFILE_CLASS_TOOL_BURST] = {
                .priority = 1,
                .burst_usec = 5 * USEC_PER_SEC,
                .floor = 32ULL << 20,
                .throttle_delay_max_usec = 250 * USEC_PER_MSEC,
                .freeze = true,
                .freeze_after_usec = 1 * USEC_PER_SEC,
                .freeze_max_usec = 30 * USEC_PER_SEC,
                .freeze_interval_usec = 5 * USEC_PER_SEC,
                .kill = false,
                .kill_after_usec = 10 * USEC_PER_SEC,
                .oom_score_adjust = 300,
        },
        [PROFILE_CLASS_BACKGROUND] = {
                .priority = 0,
                .burst_usec = 2 * USEC_PER_SEC,
                .floor = 16ULL << 20,
                .throttle_delay_max_usec = 1 * USEC_PER_SEC,
                .freeze = true,
                .freeze_after_usec = 500 * USEC_PER_MSEC,
                .freeze_max_usec = 60 * USEC_PER_SEC,
                .freeze_interval_usec = 5 * USEC_PER_SEC,
                .kill = true,
                .kill_after_usec = 5 * USEC_PER_SEC,
                .oom_score_adjust = 800,
        },
};

static uint64_t or_default(uint64_t v, uint64_t def) {
        return v == USEC_UNSET ? def : v;
}

static uint64_t size_or_default(const SizeSpec *s, uint64_t physical_memory, uint64_t def) {
        return s->kind == SIZE_UNSET ? def : size_spec_resolve(s, physical_memory);
}

void mem_params_from_profile(const Profile *p, uint64_t physical_memory, MemParams *ret) {
        ProfileClass class = p->class >= 0 && p->class < _PROFILE_CLASS_MAX ? p->class : PROFILE_CLASS_BACKGROUND;
        const MemParams *d = &class_defaults[class];
        const MemoryPolicySpec *m = &p->mem;

        *ret = *d;
        ret->class = class;
        ret->high = size_or_default(&p->memory_high, physical_memory, UINT64_MAX);
        ret->low = profile_memory_low(p, physical_memory, false);
        ret->burst = size_or_default(&m->burst, physical_memory, 0);
        if (ret->burst == UINT64_MAX)
                ret->burst = UINT64_MAX / 2; /* "infinity": no limit to the burst, without overflow */
        ret->burst_usec = or_default(m->burst_usec, d->burst_usec);
        ret->headroom = size_or_default(&m->headroom, physical_memory, d->headroom);
        if (m->headroom.kind != SIZE_UNSET && ret->headroom == MEM_HEADROOM_AUTO)
                ret->headroom = UINT64_MAX - 1; /* "infinity" as written: all of the domain */
        ret->floor = size_or_default(&m->floor, physical_memory, d->floor);
        ret->throttle_delay_max_usec = MIN(or_default(m->throttle_delay_max_usec, d->throttle_delay_max_usec),
                                           MEM_KERNEL_DELAY_MAX_USEC);
        ret->freeze = m->freeze >= 0 ? m->freeze : d->freeze;
        ret->freeze_after_usec = or_default(m->freeze_after_usec, d->freeze_after_usec);
        ret->freeze_max_usec = or_default(m->freeze_max_usec, d->freeze_max_usec);
        ret->freeze_interval_usec = or_default(m->freeze_interval_usec, d->freeze_interval_usec);
        ret->kill = m->kill >= 0 ? m->kill : d->kill;
        ret->kill_after_usec = or_default(m->kill_after_usec, d->kill_after_usec);
        ret->oom_score_adjust = m->oom_score_adjust_set ? m->oom_score_adjust : d->oom_score_adjust;

        /* The top class is what the policy protects; it never gives way to anyone. */
        if (class == PROFILE_CLASS_INTERACTIVE)
                ret->kill = false;
}

void mem_settings_from_config(const Config *c, MemSettings *ret) {
        *ret = (MemSettings) {
                .pressure_threshold = c && c->pressure_threshold != UINT64_MAX ? c->pressure_threshold : 1000,
                .relax_usec = c ? or_default(c->relax_usec, 2 * USEC_PER_SEC) : 2 * USEC_PER_SEC,
                .evaluate_usec = c ? or_default(c->evaluate_usec, 100 * USEC_PER_MSEC) : 100 * USEC_PER_MSEC,
        };
        if (ret->evaluate_usec < 10 * USEC_PER_MSEC) /* the kernel's own event rate limit */
                ret->evaluate_usec = 10 * USEC_PER_MSEC;
}

uint64_t mem_throttle_high(const MemParams *p, uint64_t current, uint64_t soft) {
        double f_max, f, over;

        if (soft == UINT64_MAX || current <= soft || p->throttle_delay_max_usec <= MEM_KERNEL_DELAY_MIN_USEC)
                return current;
        /* Kernel: delay = 64 s * f^2 per batch. The bound gives f_max = sqrt(delay_max / 64 s). */
        f_max = sqrt((double) p->throttle_delay_max_usec / (64.0 * USEC_PER_SEC));
        over = (double) (current - soft) / (double) soft;
        if (over <= f_max)
                return soft; /* within the bound: the kernel's own curve, exactly the soft limit */
        f = f_max;
        return MAX((uint64_t) ((double) current / (1.0 + f)), soft);
}

static uint64_t sub0(uint64_t a, uint64_t b) {
        return a > b ? a - b : 0;
}

static void fmt_size(char *buf, size_t n, uint64_t bytes) {
        if (bytes == UINT64_MAX)
                snprintf(buf, n, "infinity");
        else if (bytes >= (10ULL << 30))
                snprintf(buf, n, "%" PRIu64 "G", bytes >> 30);
        else
                snprintf(buf, n, "%" PRIu64 "M", (bytes + (1 << 19)) >> 20);
}

#define SZ(b) ({ char *_s = alloca(24); fmt_size(_s, 24, (b)); _s; })

/* Stall share over windows of at least one evaluation period: events can wake the loop every
 * 10 ms, and a share over 10 ms is noise. Between windows the last share stands. */
static void unit_observe(MemUnit *u, const MemSettings *s, uint64_t now) {
        const MemSample *b = &u->sample;

        if (!b->valid) {
                u->stall_permyriad = 0;
                u->stalling = false;
                u->win_usec = 0;
                return;
        }
        if (u->win_usec == 0 || b->pressure_some_usec < u->win_pressure_usec) {
                u->win_usec = now;
                u->win_pressure_usec = b->pressure_some_usec;
                return;
        }
        if (now - u->win_usec < s->evaluate_usec)
                return;
        u->stall_permyriad = MIN((b->pressure_some_usec - u->win_pressure_usec) * 10000 / (now - u->win_usec), 10000);
        u->win_usec = now;
        u->win_pressure_usec = b->pressure_some_usec;
        /* Stalled on its own limit (the memory.high it is above) is not a reason to squeeze others. */
        u->stalling = u->stall_permyriad >= s->pressure_threshold &&
                (u->params.high == UINT64_MAX || b->current <= u->params.high);
}

/* Whether the unit is allowed above its soft limit right now: burst credit. Time above the limit
 * uses credit; time below refills it at the same rate. */
static uint64_t unit_own_high(MemUnit *u, uint64_t dt) {
        const MemParams *p = &u->params;
        uint64_t cur = u->sample.current;

        if (p->high == UINT64_MAX)
                return UINT64_MAX;
        if (cur > p->high) {
                u->burst_used_usec = MIN(u->burst_used_usec + dt, p->burst_usec);
                if (p->burst > 0 && u->burst_used_usec < p->burst_usec)
                        return p->high + p->burst;
                return mem_throttle_high(p, cur, p->high);
        }
        u->burst_used_usec = sub0(u->burst_used_usec, dt);
        return p->burst > 0 ? p->high + p->burst : p->high;
}

static uint64_t profile_high_with_burst(const MemParams *p) {
        if (p->high == UINT64_MAX)
                return UINT64_MAX;
        return p->high + p->burst;
}

static uint64_t headroom_of(const MemUnit *u, const MemDomain *d) {
        if (u->params.headroom == MEM_HEADROOM_AUTO)
                return d->limit / MEM_HEADROOM_AUTO_SHARE;
        return MIN(u->params.headroom, d->limit);
}

static uint64_t domain_free(const MemDomain *d) {
        uint64_t free_bytes = sub0(d->limit, d->current);

        if (d->available != UINT64_MAX)
                free_bytes = MIN(free_bytes, d->available);
        return free_bytes;
}

/* Splits the domain's deficit among the units that must give way, lowest priority first, each
 * class in proportion to what its units can give above their floors. Sets squeeze_bytes and
 * urgent_since, and the cause of each unit squeezed. */
static void domain_squeeze(MemUnit **units, size_t n, const MemDomain *d, const MemSettings *s, uint64_t now) {
        uint64_t free_bytes, covered = 0;
        unsigned maxprio = 0;

        free_bytes = domain_free(d);

        for (size_t i = 0; i < n; i++) {
                units[i]->squeeze_bytes = 0;
                /* Killed units neither ask for memory nor give it. */
                if (units[i]->state != MEM_STATE_KILLED)
                        maxprio = MAX(maxprio, units[i]->params.priority);
        }
        /* Stalls come and go within a burst: urgency lasts until none was seen for RelaxSec=, and
         * ends at once when no higher-priority unit is left (the staller's unit is gone). */
        for (size_t i = 0; i < n; i++) {
                MemUnit *u = units[i];

                if (u->urgent_since != 0 &&
                    (u->params.priority >= maxprio || now - u->urgent_last_usec >= s->relax_usec))
                        u->urgent_since = u->urgent_last_usec = 0;
        }

        for (unsigned prio = 0; prio < maxprio; prio++) {
                uint64_t want = 0, headroom = 0, give = 0, need, take;
                const MemUnit *staller = NULL;
                char cause[sizeof units[0]->cause];

                /* What the units above this priority ask for: their headroom, and relief when
                 * they stall (a step of 1/16 of the budget per evaluation). */
                for (size_t i = 0; i < n; i++) {
                        const MemUnit *u = units[i];

                        if (u->params.priority <= prio || u->state == MEM_STATE_KILLED)
                                continue;
                        /* Bursts of several units at once are rare: the largest wish counts. */
                        headroom = MAX(headroom, headroom_of(u, d));
                        if (u->stalling && (!staller || u->stall_permyriad > staller->stall_permyriad))
                                staller = u;
                }
                want = sub0(headroom, free_bytes);
                if (staller)
                        want = MAX(want, MAX(d->limit / 16, 16ULL << 20));

                for (size_t i = 0; i < n; i++) {
                        MemUnit *u = units[i];

                        if (u->params.priority != prio || u->state == MEM_STATE_KILLED)
                                continue;
                        if (staller) {
                                if (u->urgent_since == 0)
                                        u->urgent_since = now;
                                u->urgent_last_usec = now;
                        }
                        give += sub0(u->sample.current, u->params.floor);
                }

                need = sub0(want, covered);
                take = MIN(need, give);
                covered += take;
                if (take == 0)
                        continue;

                /* Why this priority gives way, kept by each unit for its throttle, freeze and
                 * kill reasons: the staller or the headroom wish of the units above it. */
                if (staller)
                        snprintf(cause, sizeof cause, "%s (%s) stalled %" PRIu64 ".%02" PRIu64 "%% on memory; "
                                 "%s free of %s",
                                 staller->name, profile_class_to_string(staller->params.class),
                                 staller->stall_permyriad / 100, staller->stall_permyriad % 100,
                                 SZ(free_bytes), SZ(d->limit));
                else
                        snprintf(cause, sizeof cause, "%s free of %s, higher-priority units want %s of headroom",
                                 SZ(free_bytes), SZ(d->limit), SZ(headroom));
                for (size_t i = 0; i < n; i++) {
                        MemUnit *u = units[i];
                        uint64_t can;

                        if (u->params.priority != prio || u->state == MEM_STATE_KILLED)
                                continue;
                        can = sub0(u->sample.current, u->params.floor);
                        u->squeeze_bytes = (uint64_t) ((double) take * (double) can / (double) give);
                        if (u->squeeze_bytes > 0)
                                memcpy(u->cause, cause, sizeof cause);
                }
        }
}

/* With room in swap for what a unit holds, freezing and reclaiming it frees the memory: a kill
 * would free nothing more, only end work that cannot be rebuilt. */
static bool swap_takes(const MemDomain *d, const MemUnit *u) {
        return d->swap && d->swap_free >= sub0(u->sample.current, u->params.floor);
}

static void decide(MemUnit *u, MemAction a, const char *fmt, ...) _printf_(3, 4);
static void decide(MemUnit *u, MemAction a, const char *fmt, ...) {
        va_list ap;

        u->decision.action = a;
        va_start(ap, fmt);
        vsnprintf(u->decision.reason, sizeof u->decision.reason, fmt, ap);
        va_end(ap);
}

static void set_high(MemUnit *u, uint64_t high) {
        uint64_t cur = u->effective_high == 0 ? UINT64_MAX : u->effective_high;

        if (high == cur)
                return;
        /* Small moves are not worth a call to PID 1: 1/32 of the value, while still squeezing. */
        if (high != UINT64_MAX && cur != UINT64_MAX && high < cur && cur - high < cur / 32)
                return;
        u->decision.set_high = true;
        u->decision.high = high;
        u->effective_high = high;
}

static void enter(MemUnit *u, MemState s, uint64_t now) {
        if (u->state == s)
                return;
        if (u->state == MEM_STATE_FROZEN)
                u->frozen_total_usec += now - u->frozen_since;
        switch (s) {
        case MEM_STATE_THROTTLED:
                if (u->state == MEM_STATE_RUNNING)
                        u->n_throttled++;
                break;
        case MEM_STATE_FROZEN:
                u->n_frozen++;
                u->frozen_since = now;
                break;
        case MEM_STATE_KILLED:
                u->n_killed++;
                u->killed_since = now;
                break;
        default:
                break;
        }
        if (u->state == MEM_STATE_FROZEN && s != MEM_STATE_KILLED) {
                u->n_thawed++;
                u->last_thaw_usec = now;
        }
        u->state = s;
}

/* A unit due to be killed: killed if this evaluation may kill (kill_wanted is NULL), else noted
 * in *kill_wanted (see mem_policy_evaluate()) and left as it is. */
static bool kill_allowed(bool *kill_wanted) {
        if (kill_wanted)
                *kill_wanted = true;
        return !kill_wanted;
}

static void unit_evaluate(MemUnit *u, const MemDomain *d, const MemSettings *s, bool *kill_wanted, uint64_t now) {
        const MemParams *p = &u->params;
        uint64_t dt = u->last_eval_usec > 0 && now > u->last_eval_usec ? now - u->last_eval_usec : 0;
        uint64_t cur = u->sample.current, own_high, target;
        bool need = u->squeeze_bytes > 0, urgent = u->urgent_since > 0;

        own_high = unit_own_high(u, dt);

        /* The kernel ended a process of the unit: finish the job for the whole unit when the
         * profile allows kills (memory.oom.group semantics), else report it. */
        if (u->prev.valid && u->sample.events_oom_kill > u->prev.events_oom_kill) {
                u->n_oom_kills += u->sample.events_oom_kill - u->prev.events_oom_kill;
                if (p->kill) {
                        u->decision.kill = true;
                        enter(u, MEM_STATE_KILLED, now);
                        decide(u, MEM_ACTION_KILL, "the kernel's OOM killer ended a process of the unit "
                               "(OOMScoreAdjust=%d, class %s); stopping the rest of it (Kill=yes)",
                               p->oom_score_adjust, profile_class_to_string(p->class));
                } else
                        decide(u, MEM_ACTION_OOM_KILLED, "the kernel's OOM killer ended a process of the unit "
                               "(OOMScoreAdjust=%d, class %s); Kill=no, the rest keeps running",
                               p->oom_score_adjust, profile_class_to_string(p->class));
                if (u->state == MEM_STATE_KILLED)
                        return;
        }

        if (need) {
                u->calm_since = 0;
                if (u->squeeze_since == 0)
                        u->squeeze_since = now;
        } else if (u->squeeze_since != 0) {
                if (u->calm_since == 0)
                        u->calm_since = now;
                if (now - u->calm_since >= s->relax_usec)
                        u->squeeze_since = u->calm_since = 0;
        }

        if (u->state == MEM_STATE_FROZEN) {
                uint64_t frozen_for = now - u->frozen_since;

                if (urgent && need && p->kill && frozen_for >= p->kill_after_usec && !swap_takes(d, u) &&
                    kill_allowed(kill_wanted)) {
                        u->decision.kill = true;
                        enter(u, MEM_STATE_KILLED, now);
                        decide(u, MEM_ACTION_KILL, "frozen for %" PRIu64 " ms and higher-priority units still "
                               "stall: %s; %s; killed (Kill=yes, KillAfterSec=%" PRIu64 "ms)",
                               frozen_for / USEC_PER_MSEC, u->cause,
                               d->swap ? "swap cannot take what it holds" : "no swap to take what it holds",
                               p->kill_after_usec / USEC_PER_MSEC);
                        return;
                }
                /* A freeze is for units that stall: thawed once none has for RelaxSec= (or none
                 * is left), even while the domain is still short of the headroom they want (the
                 * unit then stays squeezed); or when the freeze budget is spent. */
                if (!urgent || frozen_for >= p->freeze_max_usec) {
                        u->decision.thaw = true;
                        enter(u, MEM_STATE_THROTTLED, now);
                        if (frozen_for < p->freeze_max_usec && !need)
                                decide(u, MEM_ACTION_THAW, "no higher-priority unit stalled for %" PRIu64 " ms, "
                                       "no memory shortage; thawed after %" PRIu64 " ms frozen",
                                       s->relax_usec / USEC_PER_MSEC, frozen_for / USEC_PER_MSEC);
                        else if (frozen_for < p->freeze_max_usec)
                                decide(u, MEM_ACTION_THAW, "no higher-priority unit stalled for %" PRIu64 " ms; "
                                       "thawed after %" PRIu64 " ms frozen, still squeezed: %s",
                                       s->relax_usec / USEC_PER_MSEC, frozen_for / USEC_PER_MSEC, u->cause);
                        else
                                decide(u, MEM_ACTION_THAW, "frozen for FreezeMaxSec=%" PRIu64 "ms, the most one "
                                       "freeze may last; thawed while %s", p->freeze_max_usec / USEC_PER_MSEC,
                                       u->cause);
                        /* Fall through: a thawed unit stays squeezed until calm. */
                } else {
                        /* Frozen and still needed: what it holds can only go to swap. */
                        if (d->swap && need)
                                u->decision.reclaim = MIN(u->squeeze_bytes, sub0(cur, p->floor));
                        return;
                }
        }

        target = own_high;
        if (u->squeeze_since != 0) {
                /* Squeezed: memory.high down by the unit's share of the deficit; while calm but
                 * not yet long enough, hold where it is (hysteresis). */
                uint64_t squeezed = need ? MAX(sub0(cur, u->squeeze_bytes), p->floor)
                                         : (u->effective_high == 0 ? UINT64_MAX : u->effective_high);
                target = MIN(target, squeezed);
                if (d->swap && need)
                        u->decision.reclaim = MIN(u->squeeze_bytes, sub0(cur, p->floor));
        }

        /* Escalation needs the units above to stall (urgency) and to want its memory now: a
         * moment's calm within a burst only postpones it. */
        if (urgent && need && p->freeze && u->state != MEM_STATE_FROZEN && !u->decision.thaw &&
            now - u->urgent_since >= p->freeze_after_usec &&
            (u->last_thaw_usec == 0 || now - u->last_thaw_usec >= p->freeze_interval_usec)) {
                u->decision.freeze = true;
                set_high(u, target);
                enter(u, MEM_STATE_FROZEN, now);
                if (d->swap)
                        u->decision.reclaim = sub0(cur, p->floor);
                decide(u, MEM_ACTION_FREEZE, "squeezed for %" PRIu64 " ms and higher-priority units still stall: "
                       "%s; frozen (FreezeAfterSec=%" PRIu64 "ms)%s",
                       (now - u->urgent_since) / USEC_PER_MSEC, u->cause, p->freeze_after_usec / USEC_PER_MSEC,
                       d->swap ? ", its memory reclaimed to swap" : "");
                return;
        }

        if (urgent && need && !p->freeze && p->kill && now - u->urgent_since >= p->kill_after_usec &&
            !swap_takes(d, u) && kill_allowed(kill_wanted)) {
                u->decision.kill = true;
                enter(u, MEM_STATE_KILLED, now);
                decide(u, MEM_ACTION_KILL, "squeezed for %" PRIu64 " ms and higher-priority units still stall: %s; "
                       "killed (Freeze=no, Kill=yes)", (now - u->urgent_since) / USEC_PER_MSEC, u->cause);
                return;
        }

        if (target == profile_high_with_burst(p) || (target == UINT64_MAX && p->high == UINT64_MAX))
                target = UINT64_MAX; /* the profile's own value */

        if (target != UINT64_MAX && (target < cur || u->squeeze_since != 0)) {
                bool was = u->state == MEM_STATE_THROTTLED;

                set_high(u, target);
                enter(u, MEM_STATE_THROTTLED, now);
                if (u->decision.action == MEM_ACTION_NONE && (u->decision.set_high || !was)) {
                        if (need)
                                decide(u, MEM_ACTION_THROTTLE, "squeezed by %s to MemoryHigh=%s: %s",
                                       SZ(u->squeeze_bytes), SZ(target), u->cause);
                        else if (u->squeeze_since != 0)
                                decide(u, MEM_ACTION_THROTTLE, "held at MemoryHigh=%s until calm for %" PRIu64 " ms",
                                       SZ(target), s->relax_usec / USEC_PER_MSEC);
                        else
                                decide(u, MEM_ACTION_THROTTLE, "%s above MemoryHigh=%s for longer than its burst "
                                       "credit (MemoryBurst=%s, %" PRIu64 " ms); MemoryHigh=%s bounds the delay "
                                       "to %" PRIu64 " ms per batch",
                                       SZ(cur - p->high), SZ(p->high), SZ(p->burst),
                                       p->burst_usec / USEC_PER_MSEC, SZ(target),
                                       p->throttle_delay_max_usec / USEC_PER_MSEC);
                }
                return;
        }

        /* Nothing holds it below its use: back to the profile (or the burst allowance). */
        set_high(u, target);
        if (u->state == MEM_STATE_THROTTLED && !u->decision.thaw) {
                enter(u, MEM_STATE_RUNNING, now);
                if (u->cause[0])
                        decide(u, MEM_ACTION_RELAX, "memory.high back to %s: no shortage for %" PRIu64 " ms",
                               target == UINT64_MAX ? "the profile's" : SZ(target), s->relax_usec / USEC_PER_MSEC);
                else
                        decide(u, MEM_ACTION_RELAX, "memory.high back to %s: %s, within MemoryHigh=%s again",
                               target == UINT64_MAX ? "the profile's" : SZ(target), SZ(cur), SZ(p->high));
                u->cause[0] = 0;
        } else if (u->state == MEM_STATE_THROTTLED)
                enter(u, MEM_STATE_RUNNING, now);
        else if (u->decision.set_high && u->decision.action == MEM_ACTION_NONE)
                decide(u, MEM_ACTION_RELAX, "memory.high %s%s", target == UINT64_MAX ? "back to the profile's" : "at ",
                       target == UINT64_MAX ? "" : SZ(target));
}

/* An earlier kill of the domain has not freed its unit yet. */
static bool kill_in_progress(MemUnit **units, size_t n, uint64_t now) {
        for (size_t i = 0; i < n; i++) {
                const MemUnit *u = units[i];

                if (u->state == MEM_STATE_KILLED && now - u->killed_since < MEM_KILL_SETTLE_USEC &&
                    u->sample.valid && u->sample.current >= (1ULL << 20))
                        return true;
        }
        return false;
}

/* Which of two units due to be killed goes first: the lower priority, then the larger. */
static bool kill_before(const MemUnit *a, const MemUnit *b) {
        if (a->params.priority != b->params.priority)
                return a->params.priority < b->params.priority;
        return a->sample.current > b->sample.current;
}

static void unit_evaluated(MemUnit *u, uint64_t now) {
        u->prev = u->sample;
        u->last_eval_usec = now;
}

bool mem_policy_evaluate(MemUnit **units, size_t n, const MemDomain *domain, const MemSettings *settings,
                         uint64_t now) {
        MemUnit *victim = NULL, victim_before;
        bool busy = false;

        for (size_t i = 0; i < n; i++) {
                units[i]->decision = (MemDecision) { .high = UINT64_MAX };
                unit_observe(units[i], settings, now);
        }

        domain_squeeze(units, n, domain, settings, now);

        /* Every unit as if no kill were allowed, noting which are due to be killed; then the one
         * chosen is evaluated again from where it was, allowed to kill. */
        for (size_t i = 0; i < n; i++) {
                MemUnit *u = units[i], before = *u;
                bool kill_wanted = false;

                if (u->state != MEM_STATE_KILLED && u->sample.valid)
                        unit_evaluate(u, domain, settings, &kill_wanted, now);
                if (kill_wanted && (!victim || kill_before(u, victim))) {
                        victim = u;
                        victim_before = before;
                }
                unit_evaluated(u, now);
        }
        if (victim && !kill_in_progress(units, n, now)) {
                *victim = victim_before;
                unit_evaluate(victim, domain, settings, NULL, now);
                unit_evaluated(victim, now);
        }

        for (size_t i = 0; i < n; i++) {
                const MemUnit *u = units[i];

                if (u->state == MEM_STATE_THROTTLED || u->state == MEM_STATE_FROZEN || u->squeeze_since ||
                    u->burst_used_usec || u->stalling || u->urgent_since)
                        busy = true;
        }
        return busy;
}

uint64_t mem_policy_next_check(MemUnit **units, size_t n, const MemDomain *d, const MemSettings *s) {
        uint64_t wanted = 0, spare, delay;
        unsigned minprio = UINT_MAX;
        bool any = false;

        for (size_t i = 0; i < n; i++)
                if (units[i]->state != MEM_STATE_KILLED && units[i]->sample.valid)
                        minprio = MIN(minprio, units[i]->params.priority);
        for (size_t i = 0; i < n; i++) {
                const MemUnit *u = units[i];

                if (u->state == MEM_STATE_KILLED || !u->sample.valid || u->params.priority <= minprio ||
                    u->params.headroom == 0)
                        continue;
                wanted = MAX(wanted, headroom_of(u, d));
                any = true;
        }
        if (!any)
                return USEC_UNSET;
        spare = sub0(domain_free(d), wanted);
        delay = (uint64_t) ((double) spare / (double) MEM_GROWTH_BYTES_PER_SEC * USEC_PER_SEC);
        return MAX(delay, s->evaluate_usec);
}

bool mem_unit_wants_events(const MemUnit *u) {
        return u->state != MEM_STATE_THROTTLED && u->state != MEM_STATE_FROZEN;
}

bool mem_unit_squeezed_for_staller(const MemUnit *u) {
        return u->urgent_since > 0 && mem_unit_gives_way(u);
}

bool mem_unit_gives_way(const MemUnit *u) {
        return (u->squeeze_since > 0 || u->state == MEM_STATE_FROZEN) && u->state != MEM_STATE_KILLED;
}

void mem_unit_restart(MemUnit *u, uint64_t now) {
        if (u->state == MEM_STATE_FROZEN && now > u->frozen_since)
                u->frozen_total_usec += now - u->frozen_since;
        u->state = MEM_STATE_RUNNING;
        u->burst_used_usec = 0;
        u->effective_high = 0;
        u->squeeze_since = u->urgent_since = u->urgent_last_usec = u->calm_since = 0;
        u->frozen_since = 0;
        u->squeeze_bytes = 0;
        u->cause[0] = '\0';
        u->decision = (MemDecision) {};
}

bool mem_unit_action_failed(MemUnit *u, MemAction a, uint64_t now) {
        if (a == MEM_ACTION_FREEZE && u->state == MEM_STATE_FROZEN) {
                u->state = MEM_STATE_THROTTLED;
                u->n_frozen--;
                u->last_thaw_usec = now; /* not retried before FreezeIntervalSec= */
                return true;
        }
        if (a == MEM_ACTION_KILL && u->state == MEM_STATE_KILLED) {
                u->state = MEM_STATE_THROTTLED;
                u->n_killed--;
                return true;
        }
        return false;
}
