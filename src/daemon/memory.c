/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "bpf-memcg.h"
#include "bus-util.h"
#include "cgroup-util.h"
#include "glob-util.h"
#include "log.h"
#include "cpu.h"
#include "memory.h"
#include "profile-props.h"
#include "protect.h"
#include "reclaim.h"
#include "state-record.h"
#include "message-ids.h"
#include "strv.h"
#include "unit.h"

#define FROZEN_DIR "frozen"
#define THAW_TIMEOUT_USEC (15 * USEC_PER_SEC)
#define OOM_ADJUST_PERIOD_USEC (1 * USEC_PER_SEC)
/* Events come at up to one per 10 ms per file per unit under pressure; evaluating at each would
 * burn the CPU the units need. */
#define EVALUATE_MIN_GAP_USEC (20 * USEC_PER_MSEC)
/* ThawUnit failures retried, one per evaluation. */
#define THAW_RETRIES_MAX 10

/* PSI triggers, tried in order: a short window notices a burst early; kernels that insist on
 * 500 ms windows for everyone get the second. */
static const char * const psi_triggers[] = { "some 20000 200000", "some 50000 500000" };

/* ---- reading cgroupfs ---- */

/* "key value" lines (memory.events) or "some avg10=.. total=N" (memory.pressure). */
static uint64_t find_field(const char *text, const char *key) {
        size_t k = strlen(key);

        for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
                if (strneq(p, key, k))
                        return strtoull(p + k, NULL, 10);
        return 0;
}

static int read_sample(int dirfd, MemSample *ret) {
        char buf[512];
        const char *total;
        int r;

        *ret = (MemSample) {};
        r = cg_read_u64_at(dirfd, "memory.current", &ret->current);
        if (r < 0)
                return r;
        r = cg_read_small_file_at(dirfd, "memory.events", buf, sizeof buf);
        if (r < 0)
                return r;
        ret->events_high = find_field(buf, "high ");
        ret->events_max = find_field(buf, "max ");
        ret->events_oom = find_field(buf, "oom ");
        ret->events_oom_kill = find_field(buf, "oom_kill ");
        r = cg_read_small_file_at(dirfd, "memory.pressure", buf, sizeof buf);
        if (r >= 0 && strneq(buf, "some ", 5) && (total = strstr(buf, "total=")))
                ret->pressure_some_usec = strtoull(total + 6, NULL, 10);
        ret->valid = true;
        return 0;
}

static int read_meminfo(uint64_t *ret_available, uint64_t *ret_swap_free) {
        _cleanup_(fclosep) FILE *f = NULL;
        char line[256];
        uint64_t v;

        *ret_available = *ret_swap_free = UINT64_MAX;
        f = fopen("/proc/meminfo", "re");
        if (!f)
                return -errno;
        while (fgets(line, sizeof line, f)) {
                if (sscanf(line, "MemAvailable: %" SCNu64 " kB", &v) == 1)
                        *ret_available = v * 1024;
                else if (sscanf(line, "SwapFree: %" SCNu64 " kB", &v) == 1)
                        *ret_swap_free = v * 1024;
        }
        return 0;
}

/* ---- frozen records: a restarted daemon thaws what a dead one froze ---- */

static void frozen_record_add(Manager *m, const char *unit) {
        _cleanup_(freep) char *p = state_record_prepare(m, FROZEN_DIR, unit);
        int fd;

        if (!p)
                return (void) log_oom();
        fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
                log_unit_warning_errno(unit, -errno, "Failed to record %s as frozen; a crash now would leave it frozen: %m", p);
        else
                close(fd);
}

static void frozen_record_remove(Manager *m, const char *unit) {
        state_record_remove(m, FROZEN_DIR, unit);
}

static int thaw_sync(Manager *m, const char *unit) {
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_bus_message_ sd_bus_message *msg = NULL, *reply = NULL;
        int r;

        r = sd_bus_message_new_method_call(m->bus, &msg, SYSTEMD_BUS_NAME, SYSTEMD_BUS_PATH,
                                           SYSTEMD_MANAGER_INTERFACE, "ThawUnit");
        if (r >= 0)
                r = sd_bus_message_append(msg, "s", unit);
        if (r < 0)
                return r;
        r = sd_bus_call(m->bus, msg, THAW_TIMEOUT_USEC, &error, &reply);
        if (r < 0 && bus_error_is_unit_gone(&error))
                return 0;
        if (r < 0)
                return log_unit_error_errno(unit, r, "Failed to thaw: %s", error.message ?: strerror(-r));
        return 1;
}

/* Thaws every unit with a record. At start-up these are what a dead instance left frozen; at a
 * stop, units that went away while frozen (the record is just dropped then). */
static int thaw_recorded(Manager *m, bool at_start) {
        _cleanup_(freep) char *dir = NULL;
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;
        int r;

        r = state_record_open_dir(m, FROZEN_DIR, &dir, &d);
        if (r <= 0)
                return r;
        while ((de = readdir(d))) {
                _cleanup_strv_free_ char **fields = NULL;

                if (de->d_name[0] == '.')
                        continue;
                if (!unit_name_is_valid(de->d_name)) {
                        log_warning("Ignoring %s/%s: not a unit name.", dir, de->d_name);
                        continue;
                }
                r = thaw_sync(m, de->d_name);
                if (r < 0)
                        continue; /* keep the record: the next start tries again */
                if (r > 0 && at_start) {
                        (void) strv_consume(&fields, strdup("AGENTCGROUP_ACTION=thaw"));
                        log_struct(LOG_NOTICE, de->d_name, MESSAGE_ID_MEMORY_LEFTOVER, fields,
                                   "Thawed: a previous agentcgroupd froze it and stopped before thawing it.");
                } else if (r > 0)
                        log_unit_notice(de->d_name, "Thawed: agentcgroupd is stopping.");
                frozen_record_remove(m, de->d_name);
        }
        return 0;
}

int memory_setup(Manager *m) {
        memory_config_changed(m);
        (void) protect_setup(m);
        return thaw_recorded(m, true);
}

void memory_config_changed(Manager *m) {
        mem_settings_from_config(m->config, &m->mem_settings);
}

/* ---- carrying out decisions ---- */

/* How far above its use a unit is held while the worker reclaims it: what it may allocate
 * until the next look, without PID 1 reclaiming in SetUnitProperties. */
#define HIGH_HOLD_MARGIN (8ULL << 20)
/* Reclaim rounds before the target goes to PID 1 anyway. */
#define RECLAIM_ROUNDS_MAX 3

enum {
        MEM_OP_KILL   = 1 << 0,
        MEM_OP_THAW   = 1 << 1,
        MEM_OP_FREEZE = 1 << 2,
        MEM_OP_HIGH   = 1 << 3,
};

static sd_bus_slot **state_slot_of(TrackedUnit *u) {
        return &u->mem_state_call.slot;
}

static sd_bus_slot **high_slot_of(TrackedUnit *u) {
        return &u->mem_high_call.slot;
}

static uint64_t profile_high_of(const TrackedUnit *u) {
        const MemParams *p = &u->mem.params;

        if (p->high == UINT64_MAX)
                return UINT64_MAX;
        return p->high + p->burst;
}

uint64_t memory_desired_high(const TrackedUnit *u, uint64_t profile_high) {
        uint64_t e = u->mem.effective_high;

        if (e != 0 && e != UINT64_MAX)
                return e;
        if (u->mem.params.burst > 0 && profile_high != UINT64_MAX)
                return profile_high + u->mem.params.burst;
        return profile_high;
}

static void memory_dispatch_ops(TrackedUnit *u);
static void memory_schedule(Manager *m, uint64_t delay);

static const char *mem_op_to_string(unsigned op) {
        return op == MEM_OP_KILL ? "kill" : op == MEM_OP_THAW ? "thaw" : op == MEM_OP_FREEZE ? "freeze" : "memory-high";
}

/* systemd confirmed an action: how long it took from the kernel event that set it off (when one
 * did, rather than a timer) and from the decision. Into the metrics' histogram; logged at debug
 * level, which the reaction-time benchmark turns on. */
static void note_applied_op(TrackedUnit *u, const MemCall *c) {
        _cleanup_strv_free_ char **fields = NULL;
        uint64_t now = now_usec(CLOCK_MONOTONIC);

        if (c->decided_usec == 0)
                return;
        metrics_observe_reaction(u->manager,
                                 c->op == MEM_OP_KILL ? METRICS_OP_KILL : c->op == MEM_OP_THAW ? METRICS_OP_THAW :
                                 c->op == MEM_OP_FREEZE ? METRICS_OP_FREEZE : METRICS_OP_MEMORY_HIGH,
                                 now - (c->woke_usec ?: c->decided_usec));
        if (log_get_max_level() < LOG_DEBUG)
                return;
        (void) strv_consume(&fields, asprintf_safe("AGENTCGROUP_OP=%s", mem_op_to_string(c->op)));
        (void) strv_consume(&fields, asprintf_safe("AGENTCGROUP_TRIGGER=%s", c->woke_usec ? "event" : "timer"));
        if (c->woke_usec)
                (void) strv_consume(&fields, asprintf_safe("AGENTCGROUP_EVENT_TO_APPLIED_USEC=%" PRIu64,
                                                           now - c->woke_usec));
        (void) strv_consume(&fields, asprintf_safe("AGENTCGROUP_DECIDED_TO_APPLIED_USEC=%" PRIu64,
                                                   now - c->decided_usec));
        log_struct(LOG_DEBUG, u->name, MESSAGE_ID_MEMORY_APPLIED, fields, "%s applied %" PRIu64 " us after the %s.",
                   mem_op_to_string(c->op), now - (c->woke_usec ?: c->decided_usec),
                   c->woke_usec ? "kernel event" : "decision");
}

static void mem_call_finished(TrackedUnit *u, MemCall *c, const sd_bus_error *e) {
        if (e && !bus_error_is_unit_gone(e)) {
                switch (c->op) {
                case MEM_OP_FREEZE:
                        /* An error need not mean that nothing froze: a call that timed out (tasks
                         * asleep in memory.high throttling take long to freeze) leaves systemd
                         * freezing the unit after we gave up. The daemon must never leave a unit
                         * frozen, so it thaws it to be sure; the record stays until the thaw is
                         * confirmed (a restarted daemon thaws it too). */
                        log_unit_warning(u->name, "FreezeUnit failed: %s; thawing the unit in case systemd froze "
                                         "it all the same.", e->message);
                        if (mem_unit_action_failed(&u->mem, MEM_ACTION_FREEZE, now_usec(CLOCK_MONOTONIC)))
                                manager_unit_changed(u);
                        if (!(u->mem_ops & MEM_OP_FREEZE))
                                u->mem_ops |= MEM_OP_THAW;
                        break;
                case MEM_OP_THAW:
                        /* Again at the next evaluation, not at once: systemd may still be busy
                         * with the unit's freezer. */
                        if (u->thaw_retries++ < THAW_RETRIES_MAX) {
                                log_unit_warning(u->name, "ThawUnit failed: %s; trying again.", e->message);
                                u->thaw_retry_due = true;
                                memory_schedule(u->manager, u->manager->mem_settings.evaluate_usec);
                        } else
                                log_unit_error(u->name, "ThawUnit failed %u times, last: %s; the unit may stay "
                                               "frozen (agentcgroupctl thaw %s).", u->thaw_retries, e->message,
                                               u->name);
                        break;
                case MEM_OP_KILL:
                        log_unit_warning(u->name, "KillUnit failed: %s", e->message);
                        if (mem_unit_action_failed(&u->mem, MEM_ACTION_KILL, now_usec(CLOCK_MONOTONIC)))
                                manager_unit_changed(u);
                        break;
                default:
                        log_unit_warning(u->name, "Setting MemoryHigh= failed: %s", e->message);
                }
        } else {
                if (!e)
                        note_applied_op(u, c);
                if (c->op == MEM_OP_THAW) {
                        u->thaw_retries = 0;
                        frozen_record_remove(u->manager, u->name);
                } else if (c->op == MEM_OP_KILL)
                        frozen_record_remove(u->manager, u->name);
        }
        c->op = 0;
        memory_dispatch_ops(u);
}

static int mem_state_done(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        TrackedUnit *u = unit_call_reply(userdata, state_slot_of);

        if (u)
                mem_call_finished(u, &u->mem_state_call, sd_bus_message_get_error(reply));
        return 0;
}

static int mem_high_done(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        TrackedUnit *u = unit_call_reply(userdata, high_slot_of);

        if (u)
                mem_call_finished(u, &u->mem_high_call, sd_bus_message_get_error(reply));
        return 0;
}

static int mem_call_send(TrackedUnit *u, unsigned op) {
        _cleanup_bus_message_ sd_bus_message *msg = NULL;
        MemCall *c = op == MEM_OP_HIGH ? &u->mem_high_call : &u->mem_state_call;
        Manager *m = u->manager;
        const char *method;
        int r;

        method = op == MEM_OP_KILL ? "KillUnit" : op == MEM_OP_THAW ? "ThawUnit" :
                 op == MEM_OP_FREEZE ? "FreezeUnit" : "SetUnitProperties";
        r = sd_bus_message_new_method_call(m->bus, &msg, SYSTEMD_BUS_NAME, SYSTEMD_BUS_PATH,
                                           SYSTEMD_MANAGER_INTERFACE, method);
        if (r < 0)
                goto fail;
        switch (op) {
        case MEM_OP_KILL:
                r = sd_bus_message_append(msg, "ssi", u->name, "all", (int32_t) SIGKILL);
                break;
        case MEM_OP_HIGH: {
                /* UINT64_MAX: the profile's own value (with its burst allowance), or infinity. */
                uint64_t v = u->pending_high == UINT64_MAX ? profile_high_of(u) : u->pending_high;

                /* Below current use, PID 1 would reclaim the difference itself before it answers
                 * (memory.high writes reclaim synchronously: seconds under TCG with zram), on
                 * its own CPU time, and hold up every other call to it. While our worker
                 * reclaims, the unit is held a little above where it is now; the target follows
                 * once the worker is done, when little is left for PID 1 to reclaim. (Not held
                 * for good: then nothing would keep the unit at the target, it would fault its
                 * pages back in, and the worker would reclaim them again and again.) */
                if (u->reclaiming) {
                        uint64_t cur = u->mem.sample.current;

                        if (u->cgroup_fd >= 0)
                                (void) cg_read_u64_at(u->cgroup_fd, "memory.current", &cur);
                        if (v < cur) {
                                uint64_t target = v;

                                v = (cur + HIGH_HOLD_MARGIN + (1ULL << 20) - 1) & ~((1ULL << 20) - 1);
                                u->high_after_reclaim = true;
                                log_unit_debug(u->name, "memory.high held at %" PRIu64 " MiB, above its use of %" PRIu64
                                               " MiB, while the worker reclaims; then %" PRIu64 " MiB.",
                                               v >> 20, cur >> 20, target >> 20);
                        }
                }

                r = sd_bus_message_append(msg, "sba(sv)", u->name, 1, 1, "MemoryHigh", "t", v);
                if (r >= 0)
                        u->current.memory_high = v;
                break;
        }
        default:
                r = sd_bus_message_append(msg, "s", u->name);
        }
        if (r < 0)
                goto fail;
        if (op == MEM_OP_FREEZE)
                frozen_record_add(m, u->name); /* before: a crash in between still thaws */
        r = unit_call_send(u, msg, op == MEM_OP_HIGH ? mem_high_done : mem_state_done,
                           op == MEM_OP_FREEZE ? m->freeze_call_timeout_usec : 0, &c->slot);
        if (r < 0)
                goto fail;
        c->op = op;
        c->woke_usec = u->mem_ops_woke_usec;
        c->decided_usec = u->mem_ops_decided_usec;
        return 0;
fail:
        return log_unit_error_errno(u->name, r, "Failed to send %s: %m", method);
}

/* Two lanes per unit, each one call to PID 1 at a time: the unit's state (kill, then thaw, then
 * freeze) and its memory.high. A memory.high must not wait behind a freeze: systemd answers
 * FreezeUnit only once every task is frozen, seconds later for tasks asleep in the kernel's
 * memory.high throttling. */
static void memory_dispatch_ops(TrackedUnit *u) {
        unsigned op;

        if (u->mem_ops & MEM_OP_KILL)
                u->mem_ops = MEM_OP_KILL; /* nothing else matters any more */
        if (!u->mem_state_call.slot && (u->mem_ops & (MEM_OP_KILL | MEM_OP_THAW | MEM_OP_FREEZE))) {
                op = u->mem_ops & MEM_OP_KILL ? MEM_OP_KILL : u->mem_ops & MEM_OP_THAW ? MEM_OP_THAW : MEM_OP_FREEZE;
                u->mem_ops &= ~op;
                (void) mem_call_send(u, op);
        }
        if (!u->mem_high_call.slot && (u->mem_ops & MEM_OP_HIGH) && u->mem_state_call.op != MEM_OP_KILL) {
                u->mem_ops &= ~MEM_OP_HIGH;
                (void) mem_call_send(u, MEM_OP_HIGH);
        }
        if (u->mem_ops == 0)
                u->mem_ops_woke_usec = u->mem_ops_decided_usec = 0;
}

/* ---- memory.reclaim, by the helper (reclaim.c): a write blocks until the kernel has reclaimed ---- */

static void memory_reclaim(TrackedUnit *u, uint64_t bytes);

void memory_reclaim_done(Manager *m, const char *unit, int error, uint64_t bytes, uint64_t took_usec) {
        TrackedUnit *u = manager_get_unit(m, unit);

        if (error < 0)
                log_unit_debug_errno(unit, error, "memory.reclaim failed: %m");
        else
                log_unit_debug(unit, "Reclaimed up to %" PRIu64 " MiB in %" PRIu64 " ms.", bytes >> 20,
                               took_usec / USEC_PER_MSEC);
        if (!u || !u->reclaiming)
                return;
        u->reclaiming = false;
        if (!u->high_after_reclaim)
                return;
        /* Still well above the target (it faulted pages back in, or more was charged meanwhile):
         * another round, a few at most, rather than leaving the rest to PID 1. */
        if (error >= 0 && u->pending_high != UINT64_MAX && u->reclaim_rounds < RECLAIM_ROUNDS_MAX) {
                uint64_t cur = u->mem.sample.current;

                (void) cg_read_u64_at(u->cgroup_fd, "memory.current", &cur);
                if (cur > u->pending_high + HIGH_HOLD_MARGIN) {
                        u->reclaim_rounds++;
                        memory_reclaim(u, cur - u->pending_high);
                        if (u->reclaiming)
                                return;
                }
        }
        /* The target now: what is left for PID 1 to reclaim is little. */
        u->reclaim_rounds = 0;
        u->high_after_reclaim = false;
        u->mem_ops |= MEM_OP_HIGH;
        memory_dispatch_ops(u);
}

static void forget_reclaim(TrackedUnit *u, void *userdata) {
        if (u->reclaiming)
                memory_reclaim_done(u->manager, u->name, -ECONNRESET, 0, 0);
}

void memory_reclaim_lost(Manager *m) {
        manager_foreach_unit(m, forget_reclaim, NULL);
}

static void memory_reclaim(TrackedUnit *u, uint64_t bytes) {
        int r;

        if (u->reclaiming || u->cgroup_fd < 0 || isempty(u->control_group) || bytes < (1 << 20))
                return;
        r = reclaim_request(u->manager, u->name, u->control_group, bytes);
        if (r < 0)
                log_unit_warning_errno(u->name, r, "Cannot ask for its memory to be reclaimed: %m");
        else
                u->reclaiming = true;
}

/* ---- oom_score_adj: the kernel's OOM killer picks by profile, not by size alone ---- */

static void memory_adjust_oom_scores(TrackedUnit *u, uint64_t now) {
        _cleanup_(fclosep) FILE *f = NULL;
        int fd, value = u->mem.params.oom_score_adjust;
        unsigned changed = 0;
        pid_t pid;

        u->oom_adjust_usec = now;
        if (u->mode == ACTION_MODE_MONITOR)
                return;
        fd = openat(u->cgroup_fd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
        if (fd < 0 || !(f = fdopen(fd, "re"))) {
                if (fd >= 0)
                        close(fd);
                return;
        }
        while (fscanf(f, "%d", &pid) == 1) {
                char path[64], cur[16];
                _cleanup_(closep) int pfd = -EBADF;
                ssize_t n;

                snprintf(path, sizeof path, "/proc/%d/oom_score_adj", (int) pid);
                pfd = open(path, O_RDWR | O_CLOEXEC);
                if (pfd < 0)
                        continue;
                n = read(pfd, cur, sizeof cur - 1);
                if (n > 0) {
                        cur[n] = 0;
                        if (atoi(cur) == value)
                                continue;
                }
                n = snprintf(cur, sizeof cur, "%d\n", value);
                if (pwrite(pfd, cur, n, 0) == n)
                        changed++;
        }
        if (changed > 0)
                log_unit_debug(u->name, "oom_score_adj=%d for %u process(es) (profile %s).", value, changed,
                               strna(u->profile));
}

/* ---- evaluation ---- */

static void note_wake(Manager *m, MemWakeSource source);
static int open_pressure_trigger(int cgroup_fd, const char *name);

static void note_wake(Manager *m, MemWakeSource source) {
        m->mem_wakeups[source]++;
        if (m->mem_wake_usec == 0)
                m->mem_wake_usec = now_usec(CLOCK_MONOTONIC);
}

static int on_memory_events(sd_event_source *s, const struct inotify_event *ev, void *userdata) {
        TrackedUnit *u = userdata;

        note_wake(u->manager, MEM_WAKE_UNIT_EVENTS);
        memory_schedule(u->manager, 0);
        return 0;
}

static int on_pressure(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        TrackedUnit *u = userdata;

        if (revents & EPOLLERR) {
                /* The cgroup went away under the trigger. */
                u->pressure_source = sd_event_source_disable_unref(u->pressure_source);
                return 0;
        }
        note_wake(u->manager, MEM_WAKE_UNIT_PRESSURE);
        memory_schedule(u->manager, 0);
        return 0;
}

typedef struct ThawRequest {
        Manager *manager;
        char *unit;
} ThawRequest;

typedef struct DomainMember {
        TrackedUnit *unit;
        char *root;             /* control group of the managed slice at its top */
} DomainMember;

char *memory_domain_root(Manager *m, const char *cgroup) {
        const Config *c = m->config;
        const char *p = cgroup;

        while (p && *p) {
                const char *start = p + (*p == '/'), *end = strchr(start, '/');
                _cleanup_(freep) char *comp = end ? strndup(start, end - start) : strdup(start);

                if (!comp)
                        return NULL;
                if (strv_fnmatch(c->managed_slices, comp))
                        return strndup(cgroup, end ? (size_t) (end - cgroup) : strlen(cgroup));
                p = end;
        }
        return strdup("/");
}

static void read_domain(Manager *m, const char *root, const MemDomain *host, MemDomain *ret) {
        _cleanup_(freep) char *path = asprintf_safe(CGROUP_ROOT "%s", streq(root, "/") ? "" : root);
        _cleanup_(closep) int fd = -EBADF;
        uint64_t max = UINT64_MAX, current = 0;

        *ret = *host;
        if (path && (fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
                (void) cg_read_u64_at(fd, "memory.max", &max);
                (void) cg_read_u64_at(fd, "memory.current", &current);
        }
        ret->limit = MIN(max, m->physical_memory);
        ret->current = current;
}

static const char *action_message_id(MemAction a) {
        switch (a) {
        case MEM_ACTION_THROTTLE:   return MESSAGE_ID_MEMORY_THROTTLED;
        case MEM_ACTION_RELAX:      return MESSAGE_ID_MEMORY_RELAXED;
        case MEM_ACTION_FREEZE:     return MESSAGE_ID_UNIT_FROZEN;
        case MEM_ACTION_THAW:       return MESSAGE_ID_UNIT_THAWED;
        case MEM_ACTION_KILL:       return MESSAGE_ID_UNIT_KILLED;
        case MEM_ACTION_OOM_KILLED: return MESSAGE_ID_UNIT_OOM_KILLED;
        default:                    return NULL;
        }
}

/* An action with the inputs it was decided on. In monitor mode it is one the daemon would have
 * taken (MESSAGE_ID_WOULD_ACT), except the kernel's OOM kills, which happen either way. */
static void log_decision(TrackedUnit *u, const MemDomain *d, bool carried_out) {
        const MemDecision *dec = &u->mem.decision;
        _cleanup_strv_free_ char **fields = NULL;
        MemcgThrottleStats st;
        int level;

        (void) strv_consume(&fields, asprintf_safe("AGENTCGROUP_ACTION=%s", mem_action_to_string(dec->action)));
        (void) strv_consume(&fields, asprintf_safe("AGENTCGROUP_MODE=%s", action_mode_to_string(u->mode)));
        (void) strv_consume(&fields, asprintf_safe("AGENTCGROUP_STATE=%s", mem_state_to_string(u->mem.state)));
        (void) strv_consume(&fields, asprintf_safe("AGENTCGROUP_PROFILE=%s", strna(u->profile)));
        (void) strv_consume(&fields, asprintf_safe("AGENTCGROUP_MEMORY_CURRENT=%" PRIu64, u->mem.sample.current));
        if (dec->set_high)
                (void) strv_consume(&fields, asprintf_safe("AGENTCGROUP_MEMORY_HIGH=%" PRIu64,
                                                           dec->high == UINT64_MAX ? profile_high_of(u) : dec->high));
        if (u->mem.params.high != UINT64_MAX)
                (void) strv_consume(&fields, asprintf_safe("AGENTCGROUP_PROFILE_MEMORY_HIGH=%" PRIu64, u->mem.params.high));
        /* The burst credit: time above MemoryHigh= used of what MemoryBurstSec= allows. */
        (void) strv_consume(&fields, asprintf_safe("AGENTCGROUP_BURST_USED_USEC=%" PRIu64, u->mem.burst_used_usec));
        (void) strv_consume(&fields, asprintf_safe("AGENTCGROUP_BURST_USEC=%" PRIu64, u->mem.params.burst_usec));
        (void) strv_consume(&fields, asprintf_safe("AGENTCGROUP_STALL_PERMYRIAD=%" PRIu64, u->mem.stall_permyriad));
        (void) strv_consume(&fields, asprintf_safe("AGENTCGROUP_SQUEEZE=%" PRIu64, u->mem.squeeze_bytes));
        (void) strv_consume(&fields, asprintf_safe("AGENTCGROUP_DOMAIN_CURRENT=%" PRIu64, d->current));
        (void) strv_consume(&fields, asprintf_safe("AGENTCGROUP_DOMAIN_LIMIT=%" PRIu64, d->limit));
        (void) strv_consume(&fields, asprintf_safe("AGENTCGROUP_SWAP=%s", d->swap ? "yes" : "no"));
        /* What the kernel did to it so far, as BPF saw it (memory.high throttling episodes). */
        if (memcg_bpf_read(u->manager->bpf, u->cgroup_id, &st) >= 0) {
                (void) strv_consume(&fields, asprintf_safe("AGENTCGROUP_KERNEL_THROTTLES=%" PRIu64, st.events));
                (void) strv_consume(&fields, asprintf_safe("AGENTCGROUP_KERNEL_THROTTLE_MS=%" PRIu64,
                                                           st.delay_ns / 1000000));
        }
        level = dec->action == MEM_ACTION_KILL || dec->action == MEM_ACTION_OOM_KILLED ? LOG_WARNING :
                dec->action == MEM_ACTION_FREEZE || dec->action == MEM_ACTION_THAW ? LOG_NOTICE : LOG_INFO;
        if (carried_out)
                log_struct(level, u->name, action_message_id(dec->action), fields, "%s: %s",
                           mem_action_to_string(dec->action), dec->reason);
        else
                log_struct(LOG_INFO, u->name, MESSAGE_ID_WOULD_ACT, fields, "would %s (monitor mode): %s",
                           mem_action_to_string(dec->action), dec->reason);
}

static void memory_execute(TrackedUnit *u, const MemDomain *d, uint64_t woke, uint64_t now) {
        const MemDecision *dec = &u->mem.decision;
        bool monitor = u->mode == ACTION_MODE_MONITOR;

        if (dec->action != MEM_ACTION_NONE) {
                bool carried_out = !monitor || dec->action == MEM_ACTION_OOM_KILLED;

                u->last_action = dec->action;
                (void) free_and_replace_str(&u->last_reason, strdup(dec->reason));
                u->last_action_realtime = now_usec(CLOCK_REALTIME);
                u->manager->n_actions[dec->action][carried_out ? ACTION_MODE_ENFORCE : ACTION_MODE_MONITOR]++;
                log_decision(u, d, carried_out);
                manager_unit_changed(u);
        }
        if (monitor) {
                /* Nothing was done; a unit the policy would have killed lives on and is watched
                 * from the start again. */
                if (dec->kill)
                        mem_unit_restart(&u->mem, now);
                return;
        }

        if (u->mem_ops == 0 && (dec->kill || dec->thaw || dec->freeze || dec->set_high)) {
                u->mem_ops_woke_usec = woke;
                u->mem_ops_decided_usec = now;
        }
        if (dec->kill)
                u->mem_ops |= MEM_OP_KILL;
        if (dec->thaw) {
                u->mem_ops &= ~MEM_OP_FREEZE;
                u->mem_ops |= MEM_OP_THAW;
        }
        if (dec->freeze) {
                u->mem_ops &= ~MEM_OP_THAW;
                u->mem_ops |= MEM_OP_FREEZE;
        }
        if (dec->set_high) {
                u->pending_high = dec->high;
                u->mem_ops |= MEM_OP_HIGH;
        }
        /* The worker first: a lower memory.high then waits for it (mem_call_send). With swap
         * it takes all of a cut, not only the squeeze: PID 1 is not to do it. */
        if (!dec->kill) {
                uint64_t bytes = dec->reclaim;

                if (d->swap && dec->set_high && dec->high != UINT64_MAX && dec->high < u->mem.sample.current)
                        bytes = MAX(bytes, u->mem.sample.current - dec->high);
                if (bytes > 0)
                        memory_reclaim(u, bytes);
        }
        memory_dispatch_ops(u);
}

/* An inotify watch on the cgroup's own events: memory.events.local, not memory.events, whose
 * counts include every descendant's. A throttled tool call's memory.high events would otherwise
 * wake the loop through each of its ancestors, up to 100 times a second each; its own watch and
 * the timer already cover it. memory.events on kernels without the local file (before 5.2). */
static int watch_own_events(Manager *m, const char *dir, sd_event_source **ret,
                            sd_event_inotify_handler_t handler, void *userdata) {
        static const char * const names[] = { "memory.events.local", "memory.events" };
        int r = -ENOENT;

        for (size_t i = 0; i < ELEMENTSOF(names) && r == -ENOENT; i++) {
                _cleanup_(freep) char *p = asprintf_safe("%s/%s", dir, names[i]);

                if (!p)
                        return -ENOMEM;
                r = sd_event_add_inotify(m->event, ret, p, IN_MODIFY, handler, userdata);
        }
        return r;
}

/* A unit's own events are watched only while they tell the policy something (mem_unit_wants_events()).
 * The watch is dropped, not disabled: the kernel would go on queueing the events and waking us. */
static void unit_events_watch_update(TrackedUnit *u) {
        _cleanup_(freep) char *dir = NULL;
        int r;

        if (!mem_unit_wants_events(&u->mem)) {
                u->events_source = sd_event_source_disable_unref(u->events_source);
                return;
        }
        if (u->events_source || u->cgroup_fd < 0)
                return;
        dir = asprintf_safe(CGROUP_ROOT "%s", u->control_group);
        if (!dir)
                return (void) log_oom();
        r = watch_own_events(u->manager, dir, &u->events_source, on_memory_events, u);
        if (r < 0 && !u->events_watch_failed)
                log_unit_warning_errno(u->name, r, "Cannot watch the memory events of %s: %m", dir);
        u->events_watch_failed = r < 0;
}

/* ---- domains: their own memory.events (max, oom) and pressure wake the loop too ---- */

struct DomainWatch {
        char *root;
        int cgroup_fd, pressure_fd;
        sd_event_source *events_source, *pressure_source;
        bool seen;
};

static DomainWatch *domain_watch_free(DomainWatch *w) {
        if (!w)
                return NULL;
        sd_event_source_disable_unref(w->events_source);
        sd_event_source_disable_unref(w->pressure_source);
        safe_close(w->pressure_fd);
        safe_close(w->cgroup_fd);
        free(w->root);
        free(w);
        return NULL;
}

static int on_domain_event(sd_event_source *s, const struct inotify_event *ev, void *userdata) {
        note_wake(userdata, MEM_WAKE_DOMAIN_EVENTS);
        memory_schedule(userdata, 0);
        return 0;
}

static int on_domain_pressure(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        if (revents & EPOLLERR) /* the cgroup went away */
                return sd_event_source_set_enabled(s, SD_EVENT_OFF);
        note_wake(userdata, MEM_WAKE_DOMAIN_PRESSURE);
        memory_schedule(userdata, 0);
        return 0;
}

/* Marks the domain's watch as in use, making it on first sight. */
static void domain_watch(Manager *m, const char *root) {
        _cleanup_(freep) char *dir = NULL;
        DomainWatch *w, **a;
        int r;

        if (streq(root, "/"))
                return;
        for (size_t i = 0; i < m->n_domains; i++)
                if (streq(m->domains[i]->root, root)) {
                        m->domains[i]->seen = true;
                        return;
                }
        dir = asprintf_safe(CGROUP_ROOT "%s", root);
        w = calloc(1, sizeof(DomainWatch));
        a = reallocarray(m->domains, m->n_domains + 1, sizeof(DomainWatch *));
        if (a)
                m->domains = a;
        if (!dir || !w || !a || !(w->root = strdup(root))) {
                free(w);
                return (void) log_oom();
        }
        w->seen = true;
        w->pressure_fd = -EBADF;
        w->cgroup_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (w->cgroup_fd < 0)
                log_debug_errno(-errno, "Cannot open %s, not watching the domain: %m", dir);
        else {
                r = watch_own_events(m, dir, &w->events_source, on_domain_event, m);
                if (r < 0)
                        log_warning_errno(r, "Cannot watch the memory events of %s: %m", dir);
                r = open_pressure_trigger(w->cgroup_fd, root);
                if (r >= 0) {
                        w->pressure_fd = r;
                        r = sd_event_add_io(m->event, &w->pressure_source, w->pressure_fd, EPOLLPRI,
                                            on_domain_pressure, m);
                }
                if (r < 0)
                        log_debug_errno(r, "No PSI trigger on %s/memory.pressure: %m", dir);
        }
        m->domains[m->n_domains++] = w;
}

/* Drops the watches of domains that had no unit in the last evaluation. */
static void domain_watch_sweep(Manager *m) {
        for (size_t i = 0; i < m->n_domains;) {
                DomainWatch *w = m->domains[i];

                if (w->seen) {
                        w->seen = false;
                        i++;
                        continue;
                }
                m->domains[i] = m->domains[--m->n_domains];
                domain_watch_free(w);
        }
}

void memory_free(Manager *m) {
        for (size_t i = 0; i < m->n_domains; i++)
                domain_watch_free(m->domains[i]);
        m->domains = mfree(m->domains);
        m->n_domains = 0;
}

static int compare_members(const void *a, const void *b) {
        return strcmp(((const DomainMember *) a)->root, ((const DomainMember *) b)->root);
}

typedef struct Collect {
        DomainMember *members;
        size_t n;
} Collect;

static void collect_watched(TrackedUnit *u, void *userdata) {
        Collect *c = userdata;

        if (u->cgroup_fd >= 0 && u->managed && u->profile)
                c->members[c->n++] = (DomainMember) { .unit = u };
}

static int memory_evaluate(Manager *m) {
        uint64_t now = now_usec(CLOCK_MONOTONIC), swap_free, next_check = USEC_UNSET, woke;
        MemDomain host = {};
        Collect c = {};
        bool busy = false, urgent = false;

        if (m->n_units == 0) {
                reclaim_set_urgent(m, false);
                return 0;
        }
        c.members = calloc(m->n_units, sizeof(DomainMember));
        if (!c.members)
                return log_oom();
        manager_foreach_unit(m, collect_watched, &c);

        woke = m->mem_wake_usec;
        m->mem_wake_usec = 0;
        m->mem_evaluations++;
        (void) read_meminfo(&host.available, &swap_free);
        host.swap = swap_free != UINT64_MAX && swap_free > (64ULL << 20);
        host.swap_free = host.swap ? swap_free : 0;

        for (size_t i = 0; i < c.n; i++) {
                TrackedUnit *u = c.members[i].unit;

                c.members[i].root = memory_domain_root(m, u->control_group);
                if (read_sample(u->cgroup_fd, &u->mem.sample) < 0)
                        u->mem.sample.valid = false;
                if (u->mem.state != MEM_STATE_KILLED && now - u->oom_adjust_usec >= OOM_ADJUST_PERIOD_USEC)
                        memory_adjust_oom_scores(u, now);
        }
        qsort(c.members, c.n, sizeof(DomainMember), compare_members);

        for (size_t i = 0; i < c.n;) {
                size_t j = i;
                MemUnit **units;
                MemDomain d;

                while (j < c.n && streq_ptr(c.members[j].root, c.members[i].root))
                        j++;
                if (!c.members[i].root) { /* out of memory for its path: skip, try again later */
                        i = MAX(j, i + 1);
                        busy = true;
                        continue;
                }
                units = calloc(j - i, sizeof(MemUnit *));
                if (!units) {
                        busy = true;
                        break;
                }
                for (size_t k = i; k < j; k++)
                        units[k - i] = &c.members[k].unit->mem;
                read_domain(m, c.members[i].root, &host, &d);
                domain_watch(m, c.members[i].root);
                if (mem_policy_evaluate(units, j - i, &d, &m->mem_settings, now))
                        busy = true;
                next_check = MIN(next_check, mem_policy_next_check(units, j - i, &d, &m->mem_settings));
                for (size_t k = i; k < j; k++) {
                        TrackedUnit *u = c.members[k].unit;

                        if (u->thaw_retry_due) {
                                u->thaw_retry_due = false;
                                u->mem_ops |= MEM_OP_THAW;
                        }
                        memory_execute(u, &d, woke, now);
                        unit_events_watch_update(u);
                        if (u->mode == ACTION_MODE_ENFORCE && mem_unit_squeezed_for_staller(&u->mem))
                                urgent = true;
                        /* The CPU scheduler takes a unit stalled on memory for thrashing until
                         * the next look, or a little longer while no event comes. */
                        cpu_unit_memory(u, u->mem.stall_permyriad, MAX(4 * m->mem_settings.evaluate_usec, 1000000ULL));
                }
                free(units);
                i = j;
        }

        reclaim_set_urgent(m, urgent);
        domain_watch_sweep(m);
        for (size_t i = 0; i < c.n; i++)
                free(c.members[i].root);
        free(c.members);
        if (busy)
                memory_schedule(m, m->mem_settings.evaluate_usec);
        else if (next_check != USEC_UNSET)
                memory_schedule(m, next_check);
        return 0;
}

static int on_evaluate(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        m->mem_timer_armed = false;
        m->mem_last_eval_usec = now_usec(CLOCK_MONOTONIC);
        (void) memory_evaluate(m);
        return 0;
}

static void memory_schedule(Manager *m, uint64_t delay) {
        uint64_t now = now_usec(CLOCK_MONOTONIC), when = now + delay, cur;
        int r;

        if (m->mem_last_eval_usec > 0)
                when = MAX(when, m->mem_last_eval_usec + EVALUATE_MIN_GAP_USEC);

        if (!m->mem_timer) {
                r = sd_event_add_time(m->event, &m->mem_timer, CLOCK_MONOTONIC, when, 0, on_evaluate, m);
                if (r < 0) {
                        log_error_errno(r, "Failed to arm the memory evaluation timer: %m");
                        return;
                }
                m->mem_timer_armed = true;
                return;
        }
        /* An event while a later tick is armed moves it forward; never back. */
        if (m->mem_timer_armed && sd_event_source_get_time(m->mem_timer, &cur) >= 0 && cur <= when)
                return;
        (void) sd_event_source_set_time(m->mem_timer, when);
        (void) sd_event_source_set_enabled(m->mem_timer, SD_EVENT_ONESHOT);
        m->mem_timer_armed = true;
}

/* ---- watching units ---- */

static int open_pressure_trigger(int cgroup_fd, const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(psi_triggers); i++) {
                _cleanup_(closep) int fd = openat(cgroup_fd, "memory.pressure", O_RDWR | O_NONBLOCK | O_CLOEXEC);

                if (fd < 0)
                        return -errno;
                if (write(fd, psi_triggers[i], strlen(psi_triggers[i]) + 1) >= 0) {
                        log_unit_debug(name, "PSI trigger \"%s\" on memory.pressure.", psi_triggers[i]);
                        return TAKE_FD(fd);
                }
                if (errno != EINVAL)
                        return -errno;
        }
        return -EINVAL;
}

int memory_watch_unit(TrackedUnit *u, const Profile *p) {
        Manager *m = u->manager;
        _cleanup_(freep) char *dir = NULL;
        int r;

        mem_params_from_profile(p, m->physical_memory, &u->mem.params);
        u->mem.params.low = profile_memory_low(p, m->physical_memory, u->type == UNIT_TYPE_SLICE);
        u->mem.name = u->name;
        protect_schedule(m); /* its slices pass its MemoryLow= on */
        if (u->cgroup_fd >= 0) {
                /* A reload or a profile override: new parameters, same watches. The new
                 * OOMScoreAdjust= now, not at the next evaluation that runs while busy. */
                memory_adjust_oom_scores(u, 0);
                return 0;
        }
        /* Processes live in scopes and services. A slice's memory is its children's: acting on
         * it as well would count every byte twice and make a session slice look like its
         * busiest tool call. */
        if (isempty(u->control_group) || u->type == UNIT_TYPE_SLICE)
                return 0;

        dir = asprintf_safe(CGROUP_ROOT "%s", u->control_group);
        if (!dir)
                return log_oom();
        u->cgroup_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (u->cgroup_fd < 0) {
                r = -errno;
                return log_unit_debug_errno(u->name, r, "Cannot open %s, not watching its memory: %m", dir);
        }
        unit_events_watch_update(u);

        r = open_pressure_trigger(u->cgroup_fd, u->name);
        if (r < 0)
                log_unit_debug_errno(u->name, r, "No PSI trigger on its memory.pressure: %m");
        else {
                u->pressure_fd = r;
                r = sd_event_add_io(m->event, &u->pressure_source, u->pressure_fd, EPOLLPRI, on_pressure, u);
                if (r < 0)
                        log_unit_warning_errno(u->name, r, "Cannot watch memory pressure: %m");
        }

        /* First sample now, so that the first event has something to compare with. */
        memory_adjust_oom_scores(u, 0);
        memory_schedule(m, 0);
        return 0;
}

static int thaw_async_done(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        ThawRequest *t = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        if (e && !bus_error_is_unit_gone(e))
                log_unit_error(t->unit, "ThawUnit failed: %s", e->message);
        else {
                frozen_record_remove(t->manager, t->unit);
                if (!e)
                        log_unit_notice(t->unit, "Thawed: no longer managed by a profile.");
        }
        free(t->unit);
        free(t);
        return 0;
}

void memory_set_mode(TrackedUnit *u, ActionMode mode) {
        bool undo = false;

        if (u->mode == mode)
                return;
        if (mode == ACTION_MODE_MONITOR) {
                /* Monitor mode leaves units as they would be without the daemon: nothing queued
                 * goes out (a kill would swallow the undo, memory_dispatch_ops()). */
                if (u->mem_ops & MEM_OP_KILL)
                        undo = true;
                u->mem_ops &= ~MEM_OP_KILL;
                if (u->mem.state == MEM_STATE_FROZEN || u->mem_state_call.op == MEM_OP_FREEZE ||
                    (u->mem_ops & MEM_OP_FREEZE)) {
                        u->mem_ops &= ~MEM_OP_FREEZE;
                        u->mem_ops |= MEM_OP_THAW;
                        undo = true;
                }
                if ((u->mem.effective_high != 0 && u->mem.effective_high != UINT64_MAX) || (u->mem_ops & MEM_OP_HIGH)) {
                        u->pending_high = UINT64_MAX;
                        u->mem_ops |= MEM_OP_HIGH;
                        undo = true;
                }
        }
        if (undo)
                log_unit_notice(u->name, "Monitor mode: undoing what the memory policy did (thawing, putting back "
                                "MemoryHigh=).");
        u->mode = mode;
        mem_unit_restart(&u->mem, now_usec(CLOCK_MONOTONIC));
        manager_unit_changed(u);
        memory_dispatch_ops(u);
        memory_schedule(u->manager, 0);
}

void memory_unwatch_unit(TrackedUnit *u, bool gone) {
        Manager *m = u->manager;

        /* Monitor mode's FROZEN is the policy's opinion, not the unit's state. */
        if ((u->mem.state == MEM_STATE_FROZEN && u->mode == ACTION_MODE_ENFORCE) ||
            u->mem_state_call.op == MEM_OP_FREEZE) {
                ThawRequest *t = NULL;

                if (gone)
                        frozen_record_remove(m, u->name);
                else if ((t = calloc(1, sizeof(*t))) && (t->unit = strdup(u->name))) {
                        t->manager = m;
                        if (sd_bus_call_method_async(m->bus, NULL, SYSTEMD_BUS_NAME, SYSTEMD_BUS_PATH,
                                                     SYSTEMD_MANAGER_INTERFACE, "ThawUnit", thaw_async_done, t,
                                                     "s", u->name) < 0) {
                                log_unit_error(u->name, "Failed to send ThawUnit; it stays frozen until agentcgroupd stops.");
                                free(t->unit);
                                free(t);
                        }
                } else {
                        free(t);
                        log_oom();
                }
        }
        memory_release_unit(u);
        u->mem = (MemUnit) {};
        protect_schedule(m);
}

void memory_release_unit(TrackedUnit *u) {
        u->events_source = sd_event_source_disable_unref(u->events_source);
        u->pressure_source = sd_event_source_disable_unref(u->pressure_source);
        u->pressure_fd = safe_close(u->pressure_fd);
        u->cgroup_fd = safe_close(u->cgroup_fd);
        unit_call_orphan(&u->mem_state_call.slot);
        unit_call_orphan(&u->mem_high_call.slot);
        u->mem_ops = 0;
        u->thaw_retry_due = false;
        u->mem_state_call = u->mem_high_call = (MemCall) {};
        u->reclaiming = false;
        u->high_after_reclaim = false;
        u->reclaim_rounds = 0;
}

/* ---- stopping ---- */

typedef struct ShutdownContext {
        unsigned thawed, restored, failed;
} ShutdownContext;

static void shutdown_unit(TrackedUnit *u, void *userdata) {
        ShutdownContext *c = userdata;
        Manager *m = u->manager;
        bool recorded = state_record_exists(m, FROZEN_DIR, u->name);

        if ((u->mem.state == MEM_STATE_FROZEN && u->mode == ACTION_MODE_ENFORCE) || recorded ||
            u->mem_state_call.op == MEM_OP_FREEZE) {
                if (thaw_sync(m, u->name) >= 0) {
                        frozen_record_remove(m, u->name);
                        c->thawed++;
                        log_unit_notice(u->name, "Thawed: agentcgroupd is stopping.");
                } else
                        c->failed++;
        }
        if (u->managed && u->mode == ACTION_MODE_ENFORCE && u->mem.effective_high != 0 &&
            u->mem.effective_high != UINT64_MAX && u->mem.state != MEM_STATE_KILLED) {
                _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
                uint64_t v = profile_high_of(u);
                int r;

                r = sd_bus_call_method(m->bus, SYSTEMD_BUS_NAME, SYSTEMD_BUS_PATH, SYSTEMD_MANAGER_INTERFACE,
                                       "SetUnitProperties", &error, NULL, "sba(sv)", u->name, 1, 1,
                                       "MemoryHigh", "t", v);
                if (r < 0 && !bus_error_is_unit_gone(&error)) {
                        log_unit_warning(u->name, "Failed to put back MemoryHigh=: %s", error.message ?: strerror(-r));
                        c->failed++;
                } else if (r >= 0) {
                        c->restored++;
                        log_unit_info(u->name, "MemoryHigh= back to the profile's (agentcgroupd is stopping).");
                }
        }
}

void memory_shutdown(Manager *m) {
        ShutdownContext c = {};

        if (!m->bus)
                return;
        manager_foreach_unit(m, shutdown_unit, &c);
        protect_shutdown(m);
        /* Records of units we no longer track (gone meanwhile, or never adopted). */
        (void) thaw_recorded(m, false);
        if (c.thawed + c.restored + c.failed > 0)
                log_info("Stopping: thawed %u unit(s), put back MemoryHigh= on %u, %u failure(s).",
                         c.thawed, c.restored, c.failed);
        /* What the memory policy cost: the benchmarks read it, operators may too. */
        log_info("Memory policy: %" PRIu64 " evaluation(s); woken by unit events %" PRIu64 ", unit pressure %" PRIu64
                 ", domain events %" PRIu64 ", domain pressure %" PRIu64 ".",
                 m->mem_evaluations, m->mem_wakeups[MEM_WAKE_UNIT_EVENTS], m->mem_wakeups[MEM_WAKE_UNIT_PRESSURE],
                 m->mem_wakeups[MEM_WAKE_DOMAIN_EVENTS], m->mem_wakeups[MEM_WAKE_DOMAIN_PRESSURE]);
}
