/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bus-util.h"
#include "cgroup-util.h"
#include "log.h"
#include "manager.h"
#include "memory.h"
#include "parse-util.h"
#include "protect.h"
#include "state-record.h"
#include "strv.h"
#include "unit-name.h"
#include "unit.h"

/* The kernel grants a cgroup's memory.low only as far as each ancestor below the root of the
 * reclaim grants it too (effective protection, cgroup-v2 "Memory Protection"). A session's
 * MemoryLow= in agent.slice/agent-x.slice/session.scope protects nothing when agent.slice hits
 * its MemoryMax= unless agent-x.slice passes it on. So the slices between a protected unit and
 * its domain (the topmost managed slice, whose limit is the one reclaimed against) get
 * MemoryLow= too: the sum of what the protected units below ask for, never less than what the
 * slice had. The old value goes back when nothing protected is left below, and when the daemon
 * stops; a record per slice with that value lets a restarted daemon put back what a dead one
 * set. The domain itself is left alone: protection against the rest of the host is the
 * operator's call. */

#define PROTECT_DIR "protected"
#define PROTECT_TIMEOUT_USEC (5 * USEC_PER_SEC)

struct ProtectedSlice {
        Manager *manager;
        char *name;             /* the slice unit */
        uint64_t original;      /* its MemoryLow= before we touched it */
        uint64_t want;          /* what the protected units below ask for, this round */
        uint64_t applied;       /* what systemd has from us; UINT64_MAX - 1: nothing yet */
        sd_bus_slot *slot;      /* SetUnitProperties in flight */
        bool seen;
};
typedef struct ProtectedSlice ProtectedSlice;

#define APPLIED_NONE (UINT64_MAX - 1)

static uint64_t add_sat(uint64_t a, uint64_t b) {
        return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static void record_write(Manager *m, const ProtectedSlice *s) {
        _cleanup_(freep) char *p = NULL;
        _cleanup_(fclosep) FILE *f = NULL;

        /* Called at every update: only the first write creates directories. */
        if (state_record_exists(m, PROTECT_DIR, s->name))
                return; /* the first original stands: a restarted daemon must not record its own value */
        p = state_record_prepare(m, PROTECT_DIR, s->name);
        if (!p)
                return (void) log_oom();
        f = fopen(p, "we");
        if (!f || fprintf(f, "%" PRIu64 "\n", s->original) < 0 || fflush(f) != 0)
                log_unit_warning_errno(s->name, -errno, "Failed to record its MemoryLow= in %s; a crash now "
                                       "would leave it raised: %m", p);
}

static void record_remove(Manager *m, const char *slice) {
        state_record_remove(m, PROTECT_DIR, slice);
}

static ProtectedSlice *find_slice(Manager *m, const char *name) {
        for (size_t i = 0; i < m->n_protected; i++)
                if (streq(m->protected[i]->name, name))
                        return m->protected[i];
        return NULL;
}

static ProtectedSlice *add_slice(Manager *m, const char *name, uint64_t original) {
        ProtectedSlice *s, **a;

        a = reallocarray(m->protected, m->n_protected + 1, sizeof(ProtectedSlice *));
        if (!a)
                return NULL;
        m->protected = a;
        s = calloc(1, sizeof(ProtectedSlice));
        if (!s || !(s->name = strdup(name))) {
                free(s);
                return NULL;
        }
        s->manager = m;
        s->original = original;
        s->applied = APPLIED_NONE;
        m->protected[m->n_protected++] = s;
        return s;
}

static void free_slice(ProtectedSlice *s) {
        if (!s)
                return;
        sd_bus_slot_unref(s->slot);
        free(s->name);
        free(s);
}

static void drop_slice(Manager *m, ProtectedSlice *s) {
        for (size_t i = 0; i < m->n_protected; i++)
                if (m->protected[i] == s) {
                        m->protected[i] = m->protected[--m->n_protected];
                        break;
                }
        free_slice(s);
}

/* What systemd and the kernel have for the slice now, read from its cgroup (systemd writes its
 * MemoryLow= there). */
static uint64_t read_slice_low(const char *cgroup) {
        _cleanup_(freep) char *p = asprintf_safe(CGROUP_ROOT "%s/memory.low", cgroup);
        uint64_t v = 0;

        if (p)
                (void) cg_read_u64_at(AT_FDCWD, p, &v);
        return v;
}

static uint64_t target_of(const ProtectedSlice *s) {
        return s->want == 0 ? s->original : MAX(s->want, s->original);
}

static void protect_send(ProtectedSlice *s);

static int set_done(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        ProtectedSlice *s = userdata;
        Manager *m = s->manager;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        uint64_t sent = s->applied;

        s->slot = sd_bus_slot_unref(s->slot);
        if (e && !bus_error_is_unit_gone(e)) {
                log_unit_warning(s->name, "Setting MemoryLow= failed: %s", e->message);
                s->applied = APPLIED_NONE;
                return 0; /* the next update tries again */
        }
        if (s->want == 0 && sent == s->original) {
                /* Put back, or gone: nothing of ours is left on it. */
                if (!e)
                        log_unit_info(s->name, "MemoryLow= back to %s: no protected unit below it.",
                                      s->original == UINT64_MAX ? "infinity" : "its own value");
                record_remove(m, s->name);
                drop_slice(m, s);
                return 0;
        }
        if (e) { /* the slice went away */
                record_remove(m, s->name);
                drop_slice(m, s);
                return 0;
        }
        protect_send(s); /* the wish may have changed meanwhile */
        return 0;
}

static void protect_send(ProtectedSlice *s) {
        Manager *m = s->manager;
        uint64_t v = target_of(s);
        int r;

        if (s->slot || v == s->applied)
                return;
        r = sd_bus_call_method_async(m->bus, &s->slot, SYSTEMD_BUS_NAME, SYSTEMD_BUS_PATH,
                                     SYSTEMD_MANAGER_INTERFACE, "SetUnitProperties", set_done, s,
                                     "sba(sv)", s->name, 1, 1, "MemoryLow", "t", v);
        if (r < 0) {
                log_unit_warning_errno(s->name, r, "Failed to send SetUnitProperties: %m");
                return;
        }
        if (s->want > 0 && s->applied == APPLIED_NONE) {
                if (v == UINT64_MAX)
                        log_unit_info(s->name, "MemoryLow=infinity, so that the kernel honours the protection of "
                                      "the units below it.");
                else
                        log_unit_info(s->name, "MemoryLow=%" PRIu64 "M, so that the kernel honours the protection of "
                                      "the units below it.", v >> 20);
        }
        s->applied = v;
}

/* Adds what a unit asks for to every slice between it and its domain. */
static void claim_ancestors(Manager *m, const TrackedUnit *u) {
        _cleanup_(freep) char *root = NULL, *path = NULL;
        char *slash;

        if (isempty(u->control_group) || u->mem.params.low == 0)
                return;
        root = memory_domain_root(m, u->control_group);
        path = strdup(u->control_group);
        if (!root || !path)
                return (void) log_oom();
        if (streq(root, "/"))
                return;

        while ((slash = strrchr(path, '/')) && slash != path) {
                const TrackedUnit *owner;
                ProtectedSlice *s;
                const char *name;

                *slash = 0;
                if (strlen(path) <= strlen(root))
                        break; /* the domain and above are not ours to change */
                name = strrchr(path, '/') + 1;
                if (unit_name_to_type(name) != UNIT_TYPE_SLICE)
                        break;
                /* A managed slice whose profile says MemoryLow= keeps what its profile says. */
                owner = manager_get_unit(m, name);
                if (owner && owner->managed && owner->profile && owner->mem.params.low > 0)
                        continue;
                s = find_slice(m, name);
                if (!s) {
                        s = add_slice(m, name, read_slice_low(path));
                        if (!s)
                                return (void) log_oom();
                }
                if (!s->seen)
                        s->want = 0;
                s->seen = true;
                s->want = add_sat(s->want, u->mem.params.low);
        }
}

static void claim_unit(TrackedUnit *u, void *userdata) {
        /* Monitor mode sets nothing, on the unit or around it. */
        if (u->managed && u->profile && u->mode == ACTION_MODE_ENFORCE)
                claim_ancestors(u->manager, u);
}

static int on_update(sd_event_source *es, void *userdata) {
        Manager *m = userdata;

        (void) sd_event_source_set_enabled(es, SD_EVENT_OFF);
        protect_update(m);
        return 0;
}

void protect_schedule(Manager *m) {
        int r;

        if (!m->event)
                return;
        if (!m->protect_source) {
                r = sd_event_add_defer(m->event, &m->protect_source, on_update, m);
                if (r < 0) {
                        log_warning_errno(r, "Failed to schedule the slices' MemoryLow= update: %m");
                        return;
                }
        }
        (void) sd_event_source_set_enabled(m->protect_source, SD_EVENT_ONESHOT);
}

void protect_update(Manager *m) {
        if (!m->bus)
                return;
        for (size_t i = 0; i < m->n_protected; i++) {
                m->protected[i]->seen = false;
                m->protected[i]->want = 0;
        }
        manager_foreach_unit(m, claim_unit, NULL);
        for (size_t i = 0; i < m->n_protected;) {
                ProtectedSlice *s = m->protected[i];

                /* At start-up, units still come in: keep what a dead instance set until every
                 * unit was looked at, rather than drop it and raise it again. */
                if (!s->seen && !m->ready) {
                        i++;
                        continue;
                }
                if (s->want == 0 && !s->slot && s->applied == s->original) {
                        record_remove(m, s->name); /* never raised above what it had: done */
                        drop_slice(m, s);
                        continue;
                }
                if (s->want > 0)
                        record_write(m, s);
                protect_send(s);
                i++;
        }
}

/* Slices a dead instance raised: their original values, to put back unless still wanted. */
int protect_setup(Manager *m) {
        _cleanup_(freep) char *dir = NULL;
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;
        int r;

        r = state_record_open_dir(m, PROTECT_DIR, &dir, &d);
        if (r <= 0)
                return r;
        while ((de = readdir(d))) {
                uint64_t v;

                if (de->d_name[0] == '.')
                        continue;
                if (unit_name_to_type(de->d_name) != UNIT_TYPE_SLICE || !unit_name_is_valid(de->d_name)) {
                        log_warning("Ignoring %s/%s: not a slice name.", dir, de->d_name);
                        continue;
                }
                if (cg_read_u64_at(dirfd(d), de->d_name, &v) < 0) {
                        log_warning("Ignoring %s/%s: no MemoryLow= value in it.", dir, de->d_name);
                        continue;
                }
                if (!find_slice(m, de->d_name) && !add_slice(m, de->d_name, v))
                        return log_oom();
                log_unit_debug(de->d_name, "A previous agentcgroupd raised its MemoryLow= (was %" PRIu64 ").", v);
        }
        return 0;
}

/* Puts back every slice's MemoryLow=, waiting for systemd: the daemon is stopping. */
void protect_shutdown(Manager *m) {
        unsigned restored = 0, failed = 0;

        m->protect_source = sd_event_source_disable_unref(m->protect_source);
        while (m->n_protected > 0) {
                ProtectedSlice *s = m->protected[m->n_protected - 1];
                _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
                int r;

                s->slot = sd_bus_slot_unref(s->slot);
                r = sd_bus_call_method(m->bus, SYSTEMD_BUS_NAME, SYSTEMD_BUS_PATH, SYSTEMD_MANAGER_INTERFACE,
                                       "SetUnitProperties", &error, NULL, "sba(sv)", s->name, 1, 1,
                                       "MemoryLow", "t", s->original);
                if (r < 0 && !bus_error_is_unit_gone(&error)) {
                        log_unit_warning(s->name, "Failed to put back MemoryLow=: %s", error.message ?: strerror(-r));
                        failed++; /* the record stays: the next start puts it back */
                } else {
                        if (r >= 0)
                                restored++;
                        record_remove(m, s->name);
                }
                m->n_protected--;
                free_slice(s);
        }
        if (restored + failed > 0)
                log_info("Stopping: put back MemoryLow= on %u slice(s), %u failure(s).", restored, failed);
}

void protect_free(Manager *m) {
        m->protect_source = sd_event_source_disable_unref(m->protect_source);
        for (size_t i = 0; i < m->n_protected; i++)
                free_slice(m->protected[i]);
        m->protected = mfree(m->protected);
        m->n_protected = 0;
}
