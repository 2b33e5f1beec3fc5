/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "bpf-memcg.h"
#include "bpf-sched.h"
#include "bus-util.h"
#include "dbus-manager.h"
#include "dbus-session.h"
#include "dbus-unit.h"
#include "cgroup-util.h"
#include "conf-files.h"
#include "log.h"
#include "manager.h"
#include "cpu.h"
#include "memory.h"
#include "protect.h"
#include "reclaim.h"
#include "message-ids.h"
#include "parse-util.h"
#include "strv.h"
#include "unit.h"

int manager_new(Manager **ret, char **config_dirs) {
        _cleanup_(manager_freep) Manager *m = NULL;
        int r;

        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->config_dirs = strv_copy(config_dirs);
        if (!m->config_dirs)
                return -ENOMEM;
        m->physical_memory = physical_memory();
        m->state_dir = strdup(getenv("RUNTIME_DIRECTORY") ?: "/run/agentcgroup");
        if (!m->state_dir)
                return -ENOMEM;
        /* RUNTIME_DIRECTORY may list several, separated by ':'; ours is the first. */
        m->state_dir[strcspn(m->state_dir, ":")] = 0;
        /* A test knob: FreezeUnit calls that time out before systemd answers, as they do when a
         * unit's tasks take longer to freeze than the daemon waits (VM case 26). */
        const char *freeze_timeout = getenv("AGENTCGROUP_TEST_FREEZE_TIMEOUT_USEC");
        if (freeze_timeout) {
                r = parse_uint64(freeze_timeout, &m->freeze_call_timeout_usec);
                if (r < 0 || m->freeze_call_timeout_usec == 0) /* untouched on error: 0, the usual */
                        log_warning("AGENTCGROUP_TEST_FREEZE_TIMEOUT_USEC=%s is not a number of microseconds above "
                                    "0, ignored.", freeze_timeout);
                else
                        log_warning("AGENTCGROUP_TEST_FREEZE_TIMEOUT_USEC=%" PRIu64 ": FreezeUnit calls time out "
                                    "that early (a test knob).", m->freeze_call_timeout_usec);
        }

        r = sd_event_default(&m->event);
        if (r < 0)
                return r;
        (void) metrics_setup(m);
        *ret = TAKE_PTR(m);
        return 0;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        session_free(m);
        metrics_free(m);
        cpu_free(m);
        manager_free_units(m);
        sd_event_source_unref(m->status_timer);
        sd_event_source_unref(m->mem_timer);
        m->reclaim_helper = reclaim_helper_free(m->reclaim_helper);
        free(m->state_dir);
        memcg_bpf_free(m->bpf);
        protect_free(m);
        memory_free(m);
        sd_bus_flush_close_unref(m->bus);
        sd_event_unref(m->event);
        config_free(m->config);
        strv_free(m->config_dirs);
        free(m);
        return NULL;
}

/* ---- configuration ---- */

static void log_config_errors(const Config *c) {
        for (size_t i = 0; i < c->n_errors; i++) {
                const ConfigError *e = &c->errors[i];
                _cleanup_strv_free_ char **fields = NULL;

                (void) strv_consume(&fields, asprintf_safe("CONFIG_FILE=%s", e->file));
                (void) strv_consume(&fields, asprintf_safe("CONFIG_LINE=%u", e->line));
                if (e->line > 0)
                        log_struct(LOG_ERR, NULL, MESSAGE_ID_CONFIG_ERROR, fields, "%s:%u: %s", e->file, e->line, e->message);
                else
                        log_struct(LOG_ERR, NULL, MESSAGE_ID_CONFIG_ERROR, fields, "%s: %s", e->file, e->message);
        }
}

static int config_errors_to_strv(const Config *c, char ***ret) {
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
        int r;

        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_errors; i++) {
                const ConfigError *e = &c->errors[i];

                r = strv_consume(&l, e->line > 0 ? asprintf_safe("%s:%u: %s", e->file, e->line, e->message)
                                                 : asprintf_safe("%s: %s", e->file, e->message));
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

/* A new configuration is in m->config: the layers take its settings. */
static void config_changed(Manager *m) {
        m->admin_group_error = 0;       /* a new AdminGroup= that cannot be resolved is worth a warning */
        memory_config_changed(m);
        cpu_config_changed(m);
        metrics_config_changed(m);
        if (m->bus)
                (void) sd_bus_emit_properties_changed(m->bus, AGENTCGROUP_BUS_PATH, AGENTCGROUP_MANAGER_INTERFACE,
                                                      "Mode", NULL);
}

int manager_load_config(Manager *m, char ***ret_errors) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(freep) char *files = NULL;
        int r;

        r = config_load(m->config_dirs, &c);
        if (r < 0)
                return log_error_errno(r, "Failed to load configuration: %m");
        if (ret_errors) {
                r = config_errors_to_strv(c, ret_errors);
                if (r < 0)
                        return log_oom();
        }

        if (c->n_errors > 0) {
                size_t n = c->n_errors;

                log_config_errors(c);
                m->n_config_errors = n;
                if (m->config) {
                        log_error("Configuration has %zu error(s); keeping the previous configuration.", n);
                        return (int) n;
                }
                /* Nothing good to fall back to at start-up: manage nothing rather than half. */
                m->config_fallback = true;
                log_error("Configuration has %zu error(s); running without profiles until it is fixed and reloaded.", n);
                config_free(c);
                c = NULL;
                r = config_new(&c);
                if (r < 0)
                        return r;
                r = config_finalize(c);
                if (r < 0)
                        return r;
                config_free(m->config);
                m->config = TAKE_PTR(c);
                config_changed(m);
                return (int) n;
        }

        m->n_config_errors = 0;
        m->config_fallback = false;
        if (c->log_level >= 0)
                log_set_max_level(c->log_level);
        files = strv_join(c->files, " ");
        {
                _cleanup_strv_free_ char **fields = NULL;

                (void) strv_consume(&fields, asprintf_safe("CONFIG_FILES=%s", strempty(files)));
                (void) strv_consume(&fields, asprintf_safe("CONFIG_MODE=%s",
                                                           action_mode_to_string(config_profile_mode(c, NULL))));
                log_struct(LOG_INFO, NULL, MESSAGE_ID_CONFIG_LOADED, fields,
                           "Loaded configuration: %zu file(s), %zu profile(s), %zu match rule(s), %s mode.",
                           strv_length(c->files), c->n_profiles, c->n_rules,
                           action_mode_to_string(config_profile_mode(c, NULL)));
        }
        config_free(m->config);
        m->config = TAKE_PTR(c);
        config_changed(m);
        return 0;
}

static void requery_unit(TrackedUnit *u, void *userdata) {
        (void) unit_query(u);
}

int manager_reload(Manager *m, char ***ret_errors) {
        int r;

        (void) sd_notify(false, "RELOADING=1\nSTATUS=Reloading configuration...");
        r = manager_load_config(m, ret_errors);
        if (r == 0)
                manager_foreach_unit(m, requery_unit, NULL);
        (void) sd_notify(false, "READY=1");
        manager_update_status(m);
        return r;
}

/* ---- status ---- */

typedef struct Counts {
        unsigned managed, profiled;
} Counts;

static void count_unit(TrackedUnit *u, void *userdata) {
        Counts *c = userdata;

        if (u->managed)
                c->managed++;
        if (u->profile)
                c->profiled++;
}

static int status_dispatch(sd_event_source *s, void *userdata) {
        Manager *m = userdata;
        Counts c = {};

        manager_foreach_unit(m, count_unit, &c);
        if (m->config_fallback)
                (void) sd_notifyf(false, "STATUS=Configuration has %" PRIu64 " error(s), see the journal; "
                                  "managing %u unit(s) without profiles.", m->n_config_errors, c.managed);
        else
                (void) sd_notifyf(false, "STATUS=Managing %u unit(s), %u with a profile%s%s.", c.managed, c.profiled,
                                  m->n_config_errors > 0 ? "; last reload failed, see the journal" : "",
                                  sched_bpf_state(m->sched) == SCHED_STATE_LOADING ?
                                  "; the kernel is verifying the CPU scheduler" : "");
        m->status_timer = sd_event_source_unref(m->status_timer);
        return 0;
}

void manager_update_status(Manager *m) {
        /* Coalesce: one STATUS= per event loop iteration, however many units changed. */
        if (!m->ready || m->status_timer)
                return;
        if (sd_event_add_defer(m->event, &m->status_timer, status_dispatch, m) < 0)
                m->status_timer = NULL;
}

void manager_query_done(Manager *m) {
        if (m->pending_queries > 0)
                m->pending_queries--;
        if (m->pending_queries == 0 && !m->listing && !m->ready) {
                m->ready = true;
                (void) sd_notify(false, "READY=1");
                log_info("Adopted existing units; watching for new ones.");
                manager_update_status(m);
                protect_schedule(m); /* what a previous instance raised and no unit needs now */
        }
}

void manager_unit_changed(TrackedUnit *u) {
        bus_unit_send_changed(u);
        bus_unit_send_state_changed(u);
        manager_update_status(u->manager);
}

/* ---- systemd signals ---- */

static int on_unit_new(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Manager *m = userdata;
        const char *name, *path;

        if (sd_bus_message_read(msg, "so", &name, &path) < 0)
                return 0;
        /* Only record it. Looking at a transient scope before its start job finished (GetAll,
         * SetUnitProperties) delayed that start by 10-20 s in systemd 252: the start job is the
         * moment to look. */
        if (unit_name_is_interesting(name))
                (void) manager_track_unit(m, name, path, NULL);
        return 0;
}

static int on_unit_removed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Manager *m = userdata;
        const char *name, *path;

        if (sd_bus_message_read(msg, "so", &name, &path) < 0)
                return 0;
        manager_untrack_unit(m, name);
        return 0;
}

static int on_job_removed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Manager *m = userdata;
        const char *job, *name, *result;
        TrackedUnit *u;
        uint32_t id;

        if (sd_bus_message_read(msg, "uoss", &id, &job, &name, &result) < 0)
                return 0;
        session_job_removed(m, name, result);
        /* Slice, ControlGroup and ControlGroupId never emit PropertiesChanged: read them once the
         * job that started (or stopped, or restarted) the unit is done. */
        if (!streq(result, "done") || !unit_name_is_interesting(name))
                return 0;
        if (manager_track_unit(m, name, NULL, &u) < 0)
                return 0;
        (void) unit_query(u);
        return 0;
}

static int on_reloading(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Manager *m = userdata;
        int active;

        if (sd_bus_message_read(msg, "b", &active) < 0)
                return 0;
        if (!active) {
                log_debug("systemd finished reloading; resynchronizing.");
                (void) manager_resync(m);
        }
        return 0;
}

/* ---- listing ---- */

static int list_units_done(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Manager *m = userdata;
        const char *name, *active, *path;
        const sd_bus_error *e;
        unsigned seen = 0;
        int r;

        m->listing = false;
        e = sd_bus_message_get_error(reply);
        if (e) {
                log_error("Failed to list units: %s", e->message);
                goto finish;
        }

        r = sd_bus_message_enter_container(reply, 'a', "(ssssssouso)");
        if (r < 0)
                goto parse_error;
        while ((r = sd_bus_message_read(reply, "(ssssssouso)", &name, NULL, NULL, &active, NULL, NULL,
                                        &path, NULL, NULL, NULL)) > 0) {
                TrackedUnit *u;

                if (!unit_name_is_interesting(name) || !streq(active, "active"))
                        continue;
                if (manager_track_unit(m, name, path, &u) < 0)
                        continue;
                seen++;
                if (!u->counted_in_startup && !m->ready) {
                        u->counted_in_startup = true;
                        m->pending_queries++;
                }
                (void) unit_query(u);
        }
        if (r < 0)
                goto parse_error;
        log_debug("Looking at %u active slice(s), scope(s) and service(s).", seen);
        goto finish;

parse_error:
        log_error_errno(r, "Failed to parse unit list: %m");
finish:
        if (m->pending_queries == 0) {
                m->pending_queries = 1;
                manager_query_done(m);
        }
        return 0;
}

int manager_resync(Manager *m) {
        _cleanup_bus_message_ sd_bus_message *msg = NULL;
        int r;

        if (m->listing)
                return 0;
        r = sd_bus_message_new_method_call(m->bus, &msg, SYSTEMD_BUS_NAME, SYSTEMD_BUS_PATH,
                                           SYSTEMD_MANAGER_INTERFACE, "ListUnitsByPatterns");
        if (r < 0)
                return r;
        r = sd_bus_message_append(msg, "as", 1, "active");
        if (r < 0)
                return r;
        r = sd_bus_message_append(msg, "as", 3, "*.slice", "*.scope", "*.service");
        if (r < 0)
                return r;
        r = sd_bus_call_async(m->bus, NULL, msg, list_units_done, m, 0);
        if (r < 0)
                return log_error_errno(r, "Failed to list units: %m");
        m->listing = true;
        return 0;
}

/* ---- start-up ---- */

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        switch (si->ssi_signo) {
        case SIGHUP:
                log_info("Reloading configuration (SIGHUP).");
                (void) manager_reload(m, NULL);
                break;
        default:
                log_info("Received %s, exiting.", strsignal((int) si->ssi_signo));
                (void) sd_notify(false, "STOPPING=1\nSTATUS=Shutting down...");
                /* While the bus is still up: the loop's exit closes it. */
                memory_shutdown(m);
                sd_event_exit(m->event, 0);
        }
        return 0;
}

static int on_subscribe_done(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        if (e) {
                log_error("Failed to subscribe to systemd: %s", e->message);
                sd_event_exit(((Manager *) userdata)->event, -EIO);
        }
        return 0;
}

static int on_disconnected(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Manager *m = userdata;

        /* The unit's Restart= brings us back; a restarted daemon resyncs from scratch. */
        log_error("Lost the connection to the system bus, exiting.");
        sd_event_exit(m->event, -ECONNRESET);
        return 0;
}

int manager_start(Manager *m) {
        static const struct {
                const char *member;
                sd_bus_message_handler_t handler;
        } signals[] = {
                { "UnitNew", on_unit_new },
                { "UnitRemoved", on_unit_removed },
                { "JobRemoved", on_job_removed },
                { "Reloading", on_reloading },
        };
        sigset_t mask;
        int r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_error_errno(negative_errno(), "Failed to block signals: %m");
        for (int sig = 0; sig < 3; sig++) {
                r = sd_event_add_signal(m->event, NULL, sig == 0 ? SIGTERM : sig == 1 ? SIGINT : SIGHUP,
                                        on_signal, m);
                if (r < 0)
                        return log_error_errno(r, "Failed to watch signals: %m");
        }

        r = sd_event_set_watchdog(m->event, true);
        if (r < 0)
                log_warning_errno(r, "Failed to enable the watchdog, continuing without: %m");

        /* BPF is a bonus: every failure leaves a feature absent and says why, nothing more.
         * Before the bus: its programs load inline, and sd-bus finishes the authentication in
         * the event loop; a starved verifier must not keep it waiting past dbus-daemon's 30 s
         * auth_timeout, after which the daemon would lose the bus and exit. */
        r = memcg_bpf_new(&m->bpf, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the BPF memory side: %m");

        r = sd_bus_open_system_with_description(&m->bus, "agentcgroupd");
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the system bus: %m");
        r = sd_bus_attach_event(m->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Failed to attach the bus to the event loop: %m");
        r = sd_bus_match_signal_async(m->bus, NULL, "org.freedesktop.DBus.Local", NULL,
                                      "org.freedesktop.DBus.Local", "Disconnected", on_disconnected, NULL, m);
        if (r < 0)
                return log_error_errno(r, "Failed to watch the bus connection: %m");

        /* Matches first, then Subscribe, then list: nothing that happens in between is missed. */
        for (size_t i = 0; i < ELEMENTSOF(signals); i++) {
                r = sd_bus_match_signal_async(m->bus, NULL, SYSTEMD_BUS_NAME, SYSTEMD_BUS_PATH,
                                              SYSTEMD_MANAGER_INTERFACE, signals[i].member,
                                              signals[i].handler, NULL, m);
                if (r < 0)
                        return log_error_errno(r, "Failed to add match for %s: %m", signals[i].member);
        }
        r = sd_bus_call_method_async(m->bus, NULL, SYSTEMD_BUS_NAME, SYSTEMD_BUS_PATH,
                                     SYSTEMD_MANAGER_INTERFACE, "Subscribe", on_subscribe_done, m, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to subscribe to systemd: %m");

        r = memory_setup(m);
        if (r < 0)
                return r;
        /* After the memory side: the scheduler shares memcg_observe's pinned throttle map. */
        r = cpu_setup(m);
        if (r < 0)
                return r;

        r = bus_manager_add_objects(m);
        if (r < 0)
                return log_error_errno(r, "Failed to register the D-Bus objects: %m");
        r = bus_unit_add_objects(m);
        if (r < 0)
                return log_error_errno(r, "Failed to register the D-Bus unit objects: %m");
        r = sd_bus_request_name_async(m->bus, NULL, "org.agentcgroup1", 0, NULL, NULL);
        if (r < 0)
                log_warning_errno(r, "Failed to request the bus name org.agentcgroup1: %m");

        return manager_resync(m);
}

int manager_run(Manager *m) {
        return sd_event_loop(m->event);
}
