/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-id128.h>

#include "bus-util.h"
#include "bpf-sched.h"
#include "cgroup-util.h"
#include "dbus-manager.h"
#include "dbus-session.h"
#include "log.h"
#include "match.h"
#include "profile-override.h"
#include "profile-props.h"
#include "session-name.h"
#include "unit.h"

/* Sessions and tool calls started for agent runtimes. The daemon resolves the profile first
 * and starts the unit with StartTransientUnit() carrying the profile's properties, so nothing
 * the unit runs escapes them, not even in its first milliseconds (a scope started elsewhere is
 * only seen once it runs). The caller is answered once systemd's start job is done: for a tool
 * call, its processes are then in the scope. */

#define TOOL_CALL_PIDS_MAX 64
#define PENDING_STARTS_MAX 64   /* well below dbus-daemon's 128 pending replies per connection */
#define END_GRACE_MAX_USEC (24 * 3600 * USEC_PER_SEC)
#define TOOL_DEFAULT "call"
#define SYSTEMD_ERROR_UNIT_EXISTS "org.freedesktop.systemd1.UnitExists"
/* Longer than the bus's 25 s for systemd's reply, shorter than agentcgroupctl's 60 s. */
#define START_TIMEOUT_USEC (45 * USEC_PER_SEC)

struct PendingStart {
        Manager *manager;
        char *unit;
        sd_bus_message *call;   /* answered with the unit's name once its start job is done */
        sd_bus_slot *slot;      /* StartTransientUnit() in flight */
        char *job_result;       /* the job ended before systemd's reply came */
        sd_event_source *timeout;
        bool tracked_here;      /* its record was made for it: dropped if the start fails */
        PendingStart *next;
};

static PendingStart *pending_start_free(PendingStart *p) {
        if (!p)
                return NULL;
        sd_bus_slot_unref(p->slot);
        sd_event_source_disable_unref(p->timeout);
        sd_bus_message_unref(p->call);
        free(p->job_result);
        free(p->unit);
        free(p);
        return NULL;
}

static void pending_start_unlink(PendingStart *p) {
        Manager *m = p->manager;

        for (PendingStart **i = &m->pending_starts; *i; i = &(*i)->next)
                if (*i == p) {
                        *i = p->next;
                        m->n_pending_starts--;
                        return;
                }
}

static PendingStart *pending_start_find(Manager *m, const char *unit) {
        for (PendingStart *p = m->pending_starts; p; p = p->next)
                if (streq(p->unit, unit))
                        return p;
        return NULL;
}

/* Answers the caller (with the unit name, or e) and forgets the start. */
static void pending_start_finish(PendingStart *p, const sd_bus_error *e) {
        Manager *m = p->manager;
        int r;

        r = e ? sd_bus_reply_method_error(p->call, e) : sd_bus_reply_method_return(p->call, "s", p->unit);
        if (r < 0)
                log_debug_errno(r, "Failed to answer %s(): %m", sd_bus_message_get_member(p->call));
        if (e && p->tracked_here) {
                TrackedUnit *u = manager_get_unit(m, p->unit);

                /* Never started: the record made for its override goes (systemd removes a
                 * unit whose start failed, and says so, but not one it never created). */
                if (u && !unit_is_running(u))
                        manager_untrack_unit(m, p->unit);
        }
        pending_start_unlink(p);
        pending_start_free(p);
}

static void pending_start_job_done(PendingStart *p, const char *result) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;

        if (streq(result, "done")) {
                log_unit_info(p->unit, "Started for %s().", sd_bus_message_get_member(p->call));
                pending_start_finish(p, NULL);
                return;
        }
        (void) sd_bus_error_setf(&e, SD_BUS_ERROR_FAILED,
                                 "Starting %s failed: its start job ended with result '%s' (journalctl -u %s).",
                                 p->unit, result, p->unit);
        log_unit_warning(p->unit, "%s", e.message);
        pending_start_finish(p, &e);
}

void session_job_removed(Manager *m, const char *unit, const char *result) {
        PendingStart *p = pending_start_find(m, unit);

        if (!p)
                return;
        if (p->slot) {
                /* systemd replies before it runs the job; should that ever change, the reply
                 * finishes the start. */
                free(p->job_result);
                p->job_result = strdup(result);
                return;
        }
        pending_start_job_done(p, result);
}

static int start_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        PendingStart *p = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        p->slot = sd_bus_slot_unref(p->slot);
        if (e && sd_bus_error_has_name(e, SYSTEMD_ERROR_UNIT_EXISTS) && unit_name_to_type(p->unit) == UNIT_TYPE_SLICE) {
                /* A session slice started meanwhile (by a tool call of the session), or one we
                 * did not know of yet: the session is there. Look at it again, for the override. */
                TrackedUnit *u = manager_get_unit(p->manager, p->unit);

                if (!u && manager_track_unit(p->manager, p->unit, NULL, &u) < 0)
                        u = NULL;
                if (u)
                        (void) unit_query(u);
                p->tracked_here = false;
                pending_start_finish(p, NULL);
        } else if (e) {
                log_unit_warning(p->unit, "systemd refused to start it: %s", e->message);
                pending_start_finish(p, e);
        } else if (p->job_result)
                pending_start_job_done(p, p->job_result);
        return 0;
}

static int on_start_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        PendingStart *p = userdata;

        (void) sd_bus_error_setf(&e, BUS_ERROR_START_TIMED_OUT, "systemd did not start %s within %" PRIu64 " s.",
                                 p->unit, START_TIMEOUT_USEC / USEC_PER_SEC);
        log_unit_warning(p->unit, "%s", e.message);
        p->tracked_here = false; /* it may still start: keep what we know of it */
        pending_start_finish(p, &e);
        return 0;
}

static void profile_unit_properties(Manager *m, const Profile *p, bool slice, UnitPropertySet *ret) {
        *ret = (UnitPropertySet) {};
        /* Monitor mode: the unit starts as asked, with nothing of the profile on it. */
        if (!p || config_profile_mode(m->config, p) == ACTION_MODE_MONITOR)
                return;
        profile_to_properties(p, m->physical_memory, ret);
        profile_add_class_defaults(p, m->physical_memory, slice, ret);
}

/* The profile a unit about to be started gets: profile if named (checked to exist), else what
 * the rules choose for it (NULL: none). InvalidArgs when the unit would not be managed. */
static int resolve_profile(Manager *m, const char *unit, const char *slice, const char *description,
                           const char *profile, const Profile **ret, sd_bus_error *error) {
        _cleanup_(freep) char *user = NULL;
        UnitType type = unit_name_to_type(unit);
        UnitFacts facts;
        uid_t uid = (uid_t) -1;

        /* As unit.c sees it once it runs: a new scope's cgroup is root's, the slice tells. */
        (void) slice_owner_uid(type == UNIT_TYPE_SLICE ? unit : slice, &uid);
        user = unit_user_name(m->config, uid);
        facts = (UnitFacts) {
                .name = unit, .type = type, .slice = slice, .description = description, .uid = uid, .user = user,
        };
        if (!config_unit_is_managed(m->config, &facts))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "%s in %s would not be below ManagedSlices=; not starting it.", unit, slice);
        if (!isempty(profile)) {
                *ret = config_find_profile(m->config, profile);
                return 0;
        }
        *ret = config_select_profile(m->config, &facts, NULL);
        return 0;
}

static int session_parent(Manager *m, const char **ret, sd_bus_error *error) {
        *ret = config_session_parent(m->config);
        if (!*ret)
                return sd_bus_error_set(error, SD_BUS_ERROR_NOT_SUPPORTED,
                                        "No ManagedSlices= entry names a single slice to start sessions in.");
        return 0;
}

static int check_name(const char *what, const char *s, const char *(*invalid)(const char *), sd_bus_error *error) {
        const char *reason = invalid(s);

        if (!reason)
                return 0;
        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "%s name '%.64s%s' %s.", what, s,
                                 strlen(s) > 64 ? "..." : "", reason);
}

/* The unit name of session below the parent slice, or the error. */
static int session_unit(Manager *m, const char *session, char **ret, sd_bus_error *error) {
        const char *parent;
        int r;

        r = check_name("Session", session, session_name_invalid_reason, error);
        if (r < 0)
                return r;
        r = session_parent(m, &parent, error);
        if (r < 0)
                return r;
        r = session_slice_name(parent, session, ret);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot name the slice of session %s: %m", session);
        return 0;
}

/* A session being ended is not started again, nor given tool calls, until it has stopped. */
static int check_not_ending(Manager *m, const char *slice, const char *session, sd_bus_error *error) {
        TrackedUnit *u = manager_get_unit(m, slice);

        if (!u)
                return 0;
        /* Stopped, and still known (not collected yet): a new start is a new session. */
        if (!unit_is_running(u) && !u->end_timer)
                u->end_sent = false;
        if (u->end_timer || u->end_sent)
                return sd_bus_error_setf(error, BUS_ERROR_SESSION_ENDING,
                                         "Session %s is being ended; start it again once %s has stopped.", session,
                                         slice);
        return 0;
}

static int check_profile_arg(Manager *m, const char *profile, sd_bus_error *error) {
        int r;

        if (isempty(profile))
                return 0;
        r = bus_check_profile_name(profile, error);
        if (r < 0)
                return r;
        return bus_check_profile_exists(m, profile, error);
}

/* Sends msg and answers call with the name of unit once its start job is done. profile (may be
 * NULL) becomes the unit's override, so the rules do not choose again when it shows up. */
static int start_and_answer(Manager *m, sd_bus_message *call, sd_bus_message *msg, const char *unit,
                            const char *profile, sd_bus_error *error) {
        PendingStart *p;
        TrackedUnit *u;
        int r;

        if (m->n_pending_starts >= PENDING_STARTS_MAX)
                return sd_bus_error_setf(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
                                         "%u units are being started already; try again.", PENDING_STARTS_MAX);
        if (pending_start_find(m, unit))
                return sd_bus_error_setf(error, SD_BUS_ERROR_FAILED, "%s is being started already.", unit);

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        *p = (PendingStart) { .manager = m, .call = sd_bus_message_ref(call) };
        p->unit = strdup(unit);
        if (!p->unit) {
                pending_start_free(p);
                return -ENOMEM;
        }
        if (profile) {
                r = manager_track_unit(m, unit, NULL, &u);
                if (r >= 0 && !free_and_replace_str(&u->profile_override, strdup(profile)))
                        r = -ENOMEM;
                if (r < 0) {
                        pending_start_free(p);
                        return r;
                }
                p->tracked_here = r > 0;
        }
        r = sd_bus_call_async(m->bus, &p->slot, msg, start_reply, p, 0);
        if (r >= 0)
                r = sd_event_add_time_relative(m->event, &p->timeout, CLOCK_MONOTONIC, START_TIMEOUT_USEC, 0,
                                               on_start_timeout, p);
        if (r < 0) {
                if (p->tracked_here)
                        manager_untrack_unit(m, unit);
                pending_start_free(p);
                return r;
        }
        p->next = m->pending_starts;
        m->pending_starts = p;
        m->n_pending_starts++;
        return 1;
}

static int slice_start_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        /* Started meanwhile by someone else: fine. Otherwise the scope's start pulls in a plain
         * slice, which gets the session profile once it shows up. */
        if (e && !sd_bus_error_has_name(e, SYSTEMD_ERROR_UNIT_EXISTS))
                log_unit_warning((const char *) userdata, "Failed to start the session slice: %s", e->message);
        return 0;
}

/* Starts the session slice with its profile unless it runs already; a tool call's scope
 * started right after waits for it (a unit in a slice is ordered after it). */
static int ensure_session_slice(Manager *m, const char *slice, const char *session, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        _cleanup_(freep) char *description = NULL, *parent = NULL, *name = NULL;
        TrackedUnit *u = manager_get_unit(m, slice);
        UnitPropertySet props;
        const Profile *p;
        int r;

        if ((u && unit_is_running(u)) || pending_start_find(m, slice))
                return 0;
        r = slice_name_parent(slice, &parent);
        if (r < 0)
                return r;
        description = asprintf_safe("Agent session %s", session);
        name = strdup(slice);
        if (!description || !name)
                return -ENOMEM;
        r = resolve_profile(m, slice, parent, description, NULL, &p, error);
        if (r < 0)
                return r;
        profile_unit_properties(m, p, true, &props);
        r = bus_message_new_start_transient(m->bus, slice, description, NULL, NULL, 0, &props, &msg);
        if (r < 0)
                return r;
        r = sd_bus_call_async(m->bus, &slot, msg, slice_start_reply, name, 0);
        if (r < 0)
                return r;
        (void) sd_bus_slot_set_destroy_callback(slot, free);
        TAKE_PTR(name);
        return sd_bus_slot_set_floating(slot, 1);
}

int bus_method_start_session(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *start = NULL;
        _cleanup_(freep) char *slice = NULL, *parent = NULL, *description = NULL;
        Manager *m = userdata;
        const char *session, *profile;
        UnitPropertySet props;
        const Profile *p;
        TrackedUnit *u;
        int r;

        r = sd_bus_message_read(msg, "ss", &session, &profile);
        if (r < 0)
                return r;
        r = bus_check_admin(m, msg, "Starting a session", NULL, error);
        if (r < 0)
                return r;
        r = session_unit(m, session, &slice, error);
        if (r < 0)
                return r;
        r = check_not_ending(m, slice, session, error);
        if (r < 0)
                return r;
        r = check_profile_arg(m, profile, error);
        if (r < 0)
                return r;

        /* Starting a session that runs is not an error (a runtime restarted): a profile named
         * now becomes its override. */
        u = manager_get_unit(m, slice);
        if (u && unit_is_running(u) && u->managed) {
                if (isempty(profile) || streq_ptr(u->profile_override, profile))
                        return sd_bus_reply_method_return(msg, "s", slice);
                return unit_set_profile_override(u, profile, msg);
        }

        r = slice_name_parent(slice, &parent);
        if (r < 0)
                return r;
        description = asprintf_safe("Agent session %s", session);
        if (!description)
                return -ENOMEM;
        r = resolve_profile(m, slice, parent, description, profile, &p, error);
        if (r < 0)
                return r;
        profile_unit_properties(m, p, true, &props);
        r = bus_message_new_start_transient(m->bus, slice, description, NULL, NULL, 0, &props, &start);
        if (r < 0)
                return r;
        log_unit_info(slice, "Starting session %s with profile %s (D-Bus request).", session,
                      p ? p->name : "(none)");
        return start_and_answer(m, msg, start, slice, isempty(profile) ? NULL : profile, error);
}

/* PIDs a caller may put in a tool call: existing ones, and for callers other than root only
 * their own (the owner of /proc/PID is the process's EUID). */
static int check_pids(const uint32_t *pids, size_t n, uid_t caller, sd_bus_error *error) {
        if (n == 0)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "A tool call needs at least one PID.");
        if (n > TOOL_CALL_PIDS_MAX)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "%zu PIDs given; at most %u.", n,
                                         TOOL_CALL_PIDS_MAX);
        for (size_t i = 0; i < n; i++) {
                char path[32];
                struct stat st;

                if (pids[i] == 0 || pids[i] == 1 || pids[i] > INT32_MAX)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "PID %" PRIu32 " cannot be moved.",
                                                 pids[i]);
                snprintf(path, sizeof path, "/proc/%" PRIu32, pids[i]);
                if (stat(path, &st) < 0)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "There is no process %" PRIu32 ".",
                                                 pids[i]);
                if (caller != 0 && st.st_uid != caller)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                                 "Process %" PRIu32 " is not yours; only root moves other users' processes.",
                                                 pids[i]);
        }
        return 0;
}

int bus_method_start_tool_call(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *start = NULL;
        _cleanup_(freep) char *slice = NULL, *scope = NULL, *description = NULL;
        const char *session, *tool, *profile, *parent;
        Manager *m = userdata;
        const uint32_t *pids;
        UnitPropertySet props;
        const Profile *p;
        size_t n_bytes;
        uid_t caller;
        sd_id128_t id;
        int r;

        r = sd_bus_message_read(msg, "sss", &session, &tool, &profile);
        if (r < 0)
                return r;
        r = sd_bus_message_read_array(msg, 'u', (const void **) &pids, &n_bytes);
        if (r < 0)
                return r;
        r = bus_check_admin(m, msg, "Starting a tool call", &caller, error);
        if (r < 0)
                return r;
        if (isempty(session)) {
                r = session_parent(m, &parent, error);
                if (r < 0)
                        return r;
                slice = strdup(parent);
                if (!slice)
                        return -ENOMEM;
        } else {
                r = session_unit(m, session, &slice, error);
                if (r >= 0)
                        r = check_not_ending(m, slice, session, error);
                if (r < 0)
                        return r;
        }
        if (isempty(tool))
                tool = TOOL_DEFAULT;
        r = check_name("Tool", tool, tool_name_invalid_reason, error);
        if (r < 0)
                return r;
        r = check_profile_arg(m, profile, error);
        if (r < 0)
                return r;
        r = check_pids(pids, n_bytes / sizeof(uint32_t), caller, error);
        if (r < 0)
                return r;

        r = sd_id128_randomize(&id);
        if (r < 0)
                return r;
        r = tool_scope_name(tool, id.qwords[0], &scope);
        if (r < 0)
                return r;
        description = isempty(session) ? asprintf_safe("Tool call %s", tool)
                                       : asprintf_safe("Tool call %s of session %s", tool, session);
        if (!description)
                return -ENOMEM;
        r = resolve_profile(m, scope, slice, description, profile, &p, error);
        if (r < 0)
                return r;
        if (!isempty(session)) {
                r = ensure_session_slice(m, slice, session, error);
                if (r < 0)
                        return r;
        }
        profile_unit_properties(m, p, false, &props);
        /* Partial mode: the processes run under the BPF scheduler from the command's first
         * instruction too, not from when the daemon adopts the scope. */
        if (sched_bpf_needs_switch(m->sched))
                for (size_t i = 0; i < n_bytes / sizeof(uint32_t); i++)
                        (void) sched_switch_process((pid_t) pids[i]);
        r = bus_message_new_start_transient(m->bus, scope, description, slice, pids, n_bytes / sizeof(uint32_t), &props, &start);
        if (r < 0)
                return r;
        log_unit_debug(scope, "Starting tool call %s in %s with profile %s (D-Bus request).", tool, slice,
                       p ? p->name : "(none)");
        return start_and_answer(m, msg, start, scope, isempty(profile) ? NULL : profile, error);
}

/* Ending: SIGTERM now (SIGKILL with no grace), then after the grace period SIGKILL and
 * StopUnit() for whatever is left. The caller is answered with systemd's answer to the first
 * signal; a frozen unit gets its SIGTERM once thawed, SIGKILL ends it frozen or not. */

static int end_step_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        if (e && !bus_error_is_unit_gone(e))
                log_unit_warning((const char *) userdata, "Ending it: %s", e->message);
        return 0;
}

static int send_end_step(Manager *m, const char *unit, const char *method) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        _cleanup_(freep) char *name = strdup(unit);
        int r;

        if (!name)
                return -ENOMEM;
        r = sd_bus_message_new_method_call(m->bus, &msg, SYSTEMD_BUS_NAME, SYSTEMD_BUS_PATH,
                                           SYSTEMD_MANAGER_INTERFACE, method);
        if (r < 0)
                return r;
        r = streq(method, "KillUnit") ? sd_bus_message_append(msg, "ssi", unit, "all", (int32_t) SIGKILL)
                                      : sd_bus_message_append(msg, "ss", unit, "replace");
        if (r < 0)
                return r;
        r = sd_bus_call_async(m->bus, &slot, msg, end_step_reply, name, 0);
        if (r < 0)
                return r;
        (void) sd_bus_slot_set_destroy_callback(slot, free);
        TAKE_PTR(name);
        return sd_bus_slot_set_floating(slot, 1);
}

/* The timer is the unit record's: it goes with the record when the unit is removed (it stopped
 * before the grace period was over), so it never hits a later unit of the same name. */
static int on_end_grace(sd_event_source *s, uint64_t usec, void *userdata) {
        TrackedUnit *u = userdata;

        log_unit_info(u->name, "Grace period over: killing what is left and stopping it.");
        (void) send_end_step(u->manager, u->name, "KillUnit");
        (void) send_end_step(u->manager, u->name, "StopUnit");
        u->end_timer = sd_event_source_disable_unref(u->end_timer);
        u->end_sent = true;
        return 0;
}

static int end_unit(Manager *m, sd_bus_message *msg, TrackedUnit *u, uint64_t grace_usec, sd_bus_error *error) {
        uint64_t now;
        int r;

        if (grace_usec > END_GRACE_MAX_USEC)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "A grace period of %" PRIu64 " us is longer than a day.", grace_usec);
        r = bus_forward_to_systemd(m, msg, "KillUnit", u->name, grace_usec > 0 ? SIGTERM : SIGKILL);
        if (r < 0)
                return r;
        /* Asked again while ending: the signal again, the first deadline stays. */
        if (u->end_timer || u->end_sent) {
                log_unit_info(u->name, "Ending it again (D-Bus request): %s.", grace_usec > 0 ? "SIGTERM" : "SIGKILL");
                return r;
        }
        log_unit_info(u->name, "Ending it (D-Bus request): %s, grace period %" PRIu64 " ms.",
                      grace_usec > 0 ? "SIGTERM" : "SIGKILL", grace_usec / USEC_PER_MSEC);
        if (sd_event_now(m->event, CLOCK_MONOTONIC, &now) < 0 ||
            sd_event_add_time(m->event, &u->end_timer, CLOCK_MONOTONIC, now + grace_usec, 0, on_end_grace, u) < 0) {
                /* The signal went out; without the timer, systemd's own stop is all there is. */
                log_unit_warning(u->name, "Cannot arm the grace period timer; stopping it now.");
                (void) send_end_step(m, u->name, "StopUnit");
        }
        return r;
}

int bus_method_end_session(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(freep) char *slice = NULL;
        Manager *m = userdata;
        const char *session;
        uint64_t grace;
        TrackedUnit *u;
        int r;

        r = sd_bus_message_read(msg, "st", &session, &grace);
        if (r < 0)
                return r;
        r = bus_check_admin(m, msg, "Ending a session", NULL, error);
        if (r < 0)
                return r;
        r = session_unit(m, session, &slice, error);
        if (r < 0)
                return r;
        u = manager_get_unit(m, slice);
        if (!u || !u->managed || !unit_is_running(u))
                return sd_bus_error_setf(error, BUS_ERROR_NO_SUCH_SESSION, "There is no session %s (no %s running).",
                                         session, slice);
        return end_unit(m, msg, u, grace, error);
}

int bus_method_end_tool_call(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *unit;
        uint64_t grace;
        TrackedUnit *u;
        int r;

        r = sd_bus_message_read(msg, "st", &unit, &grace);
        if (r < 0)
                return r;
        r = bus_check_admin(m, msg, "Ending a tool call", NULL, error);
        if (r < 0)
                return r;
        r = bus_get_managed_unit(m, unit, &u, error);
        if (r < 0)
                return r;
        if (u->type != UNIT_TYPE_SCOPE)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "%s is not a scope; a tool call is one (EndSession() ends a session).", unit);
        return end_unit(m, msg, u, grace, error);
}

void session_free(Manager *m) {
        while (m->pending_starts) {
                PendingStart *p = m->pending_starts;

                m->pending_starts = p->next;
                pending_start_free(p);
        }
        m->n_pending_starts = 0;
}
