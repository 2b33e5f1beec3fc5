/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "access.h"
#include "bpf-memcg.h"
#include "bpf-sched.h"
#include "bus-util.h"
#include "config.h"
#include "dbus-manager.h"
#include "dbus-session.h"
#include "dbus-unit.h"
#include "log.h"
#include "profile-override.h"
#include "profile-props.h"
#include "strv.h"
#include "unit.h"

/* The manager object: reading is open to everyone (the bus policy lets anyone call), changing
 * anything needs root or membership in AdminGroup=, checked on the caller's credentials as the
 * bus reports them (never on anything the caller says about itself). */

int bus_check_admin(Manager *m, sd_bus_message *msg, const char *what, uid_t *ret_euid, sd_bus_error *error) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        const char *group = m->config ? m->config->admin_group : NULL;
        CallerCreds c = { .egid = GID_INVALID };
        gid_t admin = GID_INVALID;
        const gid_t *gids = NULL;
        int r, n;

        /* dbus-daemon tells the EUID; the groups sd-bus (252) only reads, with AUGMENT, from the
         * sender's /proc entry: its groups now, not at connect time. A sender that has exited
         * is refused. */
        r = sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID | SD_BUS_CREDS_EGID | SD_BUS_CREDS_SUPPLEMENTARY_GIDS |
                                      SD_BUS_CREDS_AUGMENT, &creds);
        if (r >= 0)
                r = sd_bus_creds_get_euid(creds, &c.euid);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "%s: cannot tell who is calling: %m", what);
        if (ret_euid)
                *ret_euid = c.euid;
        if (caller_is_admin(&c, GID_INVALID))
                return 0;
        if (!group)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED, "%s requires root.", what);

        /* Logged when it starts failing, not on every call: a flood of calls must not become a
         * flood of log lines. */
        r = group_resolve(group, &admin);
        if (r < 0 && r != m->admin_group_error)
                log_warning_errno(r, "AdminGroup=%s: cannot resolve the group, only root is let in: %m", group);
        m->admin_group_error = MIN(r, 0);
        /* Groups the bus cannot tell count as none: a caller is then simply not a member. */
        if (sd_bus_creds_get_egid(creds, &c.egid) < 0)
                c.egid = GID_INVALID;
        n = sd_bus_creds_get_supplementary_gids(creds, &gids);
        if (n > 0) {
                c.gids = gids;
                c.n_gids = (size_t) n;
        }
        if (!caller_is_admin(&c, admin))
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "%s requires root or membership in group %s.", what, group);
        return 0;
}

static int property_get_version(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", PACKAGE_VERSION);
}

static void count_managed(TrackedUnit *u, void *userdata) {
        if (u->managed)
                (*(uint32_t *) userdata)++;
}

static int property_get_managed_units(sd_bus *bus, const char *path, const char *interface, const char *property,
                                      sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        uint32_t n = 0;

        manager_foreach_unit(userdata, count_managed, &n);
        return sd_bus_message_append(reply, "u", n);
}

static int property_get_config_errors(sd_bus *bus, const char *path, const char *interface, const char *property,
                                      sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(reply, "u", (uint32_t) MIN(m->n_config_errors, UINT32_MAX));
}

/* What the running kernel offers that the daemon uses: "memcg-observe", "memcg-bpf-ops",
 * "memcg-kfuncs", "psi" (bpf-memcg.c); absent ones are not listed, the journal says why. And
 * "sched-ext" when the kernel has sched_ext. */
static int property_get_features(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_strv_free_ char **l = NULL;
        int r;

        r = memcg_features_to_strv(memcg_bpf_features(m->bpf), &l);
        if (r < 0)
                return r;
        /* The kernel can run a BPF scheduler (SchedulerState says whether ours runs). */
        if (access("/sys/kernel/sched_ext/state", F_OK) >= 0 && strv_extend(&l, "sched-ext") < 0)
                return -ENOMEM;
        return sd_bus_message_append_strv(reply, l);
}

static int property_get_mode(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(reply, "s", action_mode_to_string(m->config ? config_profile_mode(m->config, NULL)
                                                                                 : ACTION_MODE_ENFORCE));
}

static int property_get_scheduler(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        if (streq(property, "SchedulerMode"))
                return sd_bus_message_append(reply, "s", sched_mode_to_string(sched_bpf_mode(m->sched)));
        if (streq(property, "SchedulerState"))
                return sd_bus_message_append(reply, "s", sched_state_to_string(sched_bpf_state(m->sched)));
        if (streq(property, "SchedulerReason"))
                return sd_bus_message_append(reply, "s", strempty(sched_bpf_reason(m->sched)));
        return sd_bus_message_append(reply, "u", (uint32_t) sched_bpf_restarts(m->sched));
}

void bus_manager_send_scheduler_changed(Manager *m) {
        int r;

        if (!m->bus)
                return;
        r = sd_bus_emit_properties_changed(m->bus, AGENTCGROUP_BUS_PATH, AGENTCGROUP_MANAGER_INTERFACE,
                                           "SchedulerMode", "SchedulerState", "SchedulerReason",
                                           "SchedulerRestarts", NULL);
        if (r < 0 && r != -ENOTCONN)
                log_debug_errno(r, "Cannot send PropertiesChanged for the scheduler: %m");
}

typedef struct ListContext {
        sd_bus_message *reply;
        int error;
} ListContext;

static void append_unit(TrackedUnit *u, void *userdata) {
        ListContext *c = userdata;

        if (!u->managed || c->error < 0)
                return;
        c->error = sd_bus_message_append(c->reply, "(ssssst)", u->name, strempty(unit_type_to_string(u->type)),
                                         strempty(u->slice), strempty(u->profile), strempty(unit_rule_to_string(u)),
                                         u->cgroup_id);
}

/* Replies with an array of signature sig, one element per managed unit from append(). */
static int reply_unit_array(sd_bus_message *msg, Manager *m, const char *sig,
                            void (*append)(TrackedUnit *u, void *userdata)) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        ListContext c = {};
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', sig);
        if (r < 0)
                return r;
        c.reply = reply;
        manager_foreach_unit(m, append, &c);
        if (c.error < 0)
                return c.error;
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_list_units(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return reply_unit_array(msg, userdata, "(ssssst)", append_unit);
}

static void append_unit_state(TrackedUnit *u, void *userdata) {
        ListContext *c = userdata;

        if (!u->managed || c->error < 0)
                return;
        /* The same values as the unit object's State, LastAction, MemoryCurrent,
         * EffectiveMemoryHigh, LastReason and StallPercent: one call for a whole listing. */
        c->error = sd_bus_message_append(c->reply, "(sssttsd)", u->name, strempty(unit_state_to_string(u)),
                                         strempty(mem_action_to_string(u->last_action)),
                                         u->mem.sample.valid ? u->mem.sample.current : UINT64_MAX,
                                         u->mem.effective_high == 0 || u->mode == ACTION_MODE_MONITOR ?
                                         UINT64_MAX : u->mem.effective_high,
                                         strempty(u->last_reason), (double) u->mem.stall_permyriad / 100.0);
}

/* The Prometheus text metrics.c writes to MetricsFile=, as of now. Open to everyone, like the
 * listings it sums up. */
static int method_get_metrics(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(freep) char *text = NULL;
        size_t size = 0;
        FILE *f;
        int r;

        f = open_memstream(&text, &size);
        if (!f)
                return -ENOMEM;
        r = metrics_write(userdata, f);
        if (fclose(f) != 0 && r >= 0)
                r = -ENOMEM;
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to collect the metrics: %s", strerror(-r));
        return sd_bus_reply_method_return(msg, "s", text);
}

static int method_list_unit_states(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return reply_unit_array(msg, userdata, "(sssttsd)", append_unit_state);
}

/* The profiles of the configuration in effect, in the order they were defined: name, class,
 * the unit properties they set (as SetUnitProperties() gets them, percentages resolved), and
 * where they were first defined ("FILE:LINE"). Open to everyone. */
static int method_list_profiles(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(ssss)");
        if (r < 0)
                return r;
        for (size_t i = 0; m->config && i < m->config->n_profiles; i++) {
                const Profile *p = m->config->profiles[i];
                _cleanup_(freep) char *props = NULL, *where = NULL;
                UnitPropertySet set;

                profile_to_properties(p, m->physical_memory, &set);
                props = unit_property_set_to_string(&set);
                where = asprintf_safe("%s:%u", strempty(p->file), p->line);
                if (!props || !where)
                        return -ENOMEM;
                r = sd_bus_message_append(reply, "(ssss)", p->name, strempty(profile_class_to_string(p->class)),
                                          props, where);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* An error never echoes more than 64 characters of an argument: names may be huge. */
int bus_check_unit_name(const char *unit, sd_bus_error *error) {
        if (!unit_name_is_valid(unit))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "'%.64s%s' is not a valid unit name.",
                                         unit, strlen(unit) > 64 ? "..." : "");
        return 0;
}

int bus_check_profile_name(const char *profile, sd_bus_error *error) {
        if (!profile_name_is_valid(profile))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "'%.64s%s' is not a valid profile name (1-%d characters from A-Z a-z 0-9 - _ .).",
                                         profile, strlen(profile) > 64 ? "..." : "", PROFILE_NAME_MAX);
        return 0;
}

int bus_check_profile_exists(Manager *m, const char *profile, sd_bus_error *error) {
        if (!m->config || !config_find_profile(m->config, profile))
                return sd_bus_error_setf(error, BUS_ERROR_NO_SUCH_PROFILE,
                                         "There is no profile %s in the configuration in effect.", profile);
        return 0;
}

/* A valid unit name the daemon manages, else the error for the caller (InvalidArgs or
 * UnitNotManaged): the API never acts on, or tells about, units outside the managed slices. */
int bus_get_managed_unit(Manager *m, const char *name, TrackedUnit **ret, sd_bus_error *error) {
        TrackedUnit *u;
        int r;

        r = bus_check_unit_name(name, error);
        if (r < 0)
                return r;
        u = manager_get_unit(m, name);
        if (!u || !u->managed)
                return sd_bus_error_setf(error, BUS_ERROR_UNIT_NOT_MANAGED, "%s is not managed by agentcgroupd.", name);
        *ret = u;
        return 0;
}

static int method_get_unit(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(freep) char *path = NULL;
        const char *name;
        TrackedUnit *u;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        r = bus_get_managed_unit(userdata, name, &u, error);
        if (r < 0)
                return r;
        path = bus_unit_path(u->name);
        if (!path)
                return -ENOMEM;
        return sd_bus_reply_method_return(msg, "o", path);
}

static int method_reload(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_strv_free_ char **errors = NULL;
        Manager *m = userdata;
        int r;

        r = bus_check_admin(m, msg, "Reloading the configuration", NULL, error);
        if (r < 0)
                return r;

        log_info("Reloading configuration (D-Bus request).");
        r = manager_reload(m, &errors);
        if (r < 0)
                return r;

        /* Errors are the answer, not a failure of the call: the previous configuration stays. */
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_append_strv(reply, errors);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* Unit actions are systemd's own (FreezeUnit, ThawUnit, KillUnit): the daemon checks who asks
 * and that the unit is one it manages, then forwards the call and answers the caller with
 * systemd's answer once it comes. */

static int forward_done(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        sd_bus_message *call = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        int r;

        r = e ? sd_bus_reply_method_error(call, e) : sd_bus_reply_method_return(call, NULL);
        if (r < 0)
                log_debug_errno(r, "Failed to answer %s(): %m", sd_bus_message_get_member(call));
        return 0;
}

static void call_unref(void *p) {
        sd_bus_message_unref(p);
}

int bus_forward_to_systemd(Manager *m, sd_bus_message *call, const char *method, const char *unit, int signo) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        int r;

        r = sd_bus_message_new_method_call(m->bus, &msg, SYSTEMD_BUS_NAME, SYSTEMD_BUS_PATH,
                                           SYSTEMD_MANAGER_INTERFACE, method);
        if (r < 0)
                return r;
        r = signo > 0 ? sd_bus_message_append(msg, "ssi", unit, "all", (int32_t) signo)
                      : sd_bus_message_append(msg, "s", unit);
        if (r < 0)
                return r;
        r = sd_bus_call_async(m->bus, &slot, msg, forward_done, call, 0);
        if (r < 0)
                return r;
        sd_bus_message_ref(call);
        (void) sd_bus_slot_set_destroy_callback(slot, call_unref);
        (void) sd_bus_slot_set_floating(slot, 1);
        return 1; /* answered in forward_done() */
}

static int method_unit_action(sd_bus_message *msg, Manager *m, sd_bus_error *error, const char *systemd_method,
                              bool with_signal) {
        const char *unit;
        TrackedUnit *u;
        int32_t signo = 0;
        int r;

        r = sd_bus_message_read(msg, "s", &unit);
        if (r < 0)
                return r;
        if (with_signal) {
                r = sd_bus_message_read(msg, "i", &signo);
                if (r < 0)
                        return r;
        }
        r = bus_check_admin(m, msg, systemd_method, NULL, error);
        if (r < 0)
                return r;
        r = bus_check_unit_name(unit, error);
        if (r < 0)
                return r;
        if (with_signal && (signo <= 0 || signo >= _NSIG))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "%" PRIi32 " is not a signal number.", signo);
        r = bus_get_managed_unit(m, unit, &u, error);
        if (r < 0)
                return r;

        log_unit_info(u->name, "%s requested over D-Bus.", systemd_method);
        return bus_forward_to_systemd(m, msg, systemd_method, u->name, signo);
}

static int method_freeze_unit(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return method_unit_action(msg, userdata, error, "FreezeUnit", false);
}

static int method_thaw_unit(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return method_unit_action(msg, userdata, error, "ThawUnit", false);
}

static int method_kill_unit(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return method_unit_action(msg, userdata, error, "KillUnit", true);
}

/* Run-time profile overrides: checked here (caller, unit, profile), carried out through the
 * usual look at the unit (profile-override.c), answered once systemd has the properties. */

static int method_set_unit_profile(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *unit, *profile;
        TrackedUnit *u;
        int r;

        r = sd_bus_message_read(msg, "ss", &unit, &profile);
        if (r < 0)
                return r;
        r = bus_check_admin(m, msg, "Setting a unit's profile", NULL, error);
        if (r < 0)
                return r;
        r = bus_check_unit_name(unit, error);
        if (r < 0)
                return r;
        r = bus_check_profile_name(profile, error);
        if (r < 0)
                return r;
        r = bus_get_managed_unit(m, unit, &u, error);
        if (r < 0)
                return r;
        r = bus_check_profile_exists(m, profile, error);
        if (r < 0)
                return r;

        return unit_set_profile_override(u, profile, msg);
}

static int method_clear_unit_profile(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *unit;
        TrackedUnit *u;
        int r;

        r = sd_bus_message_read(msg, "s", &unit);
        if (r < 0)
                return r;
        r = bus_check_admin(m, msg, "Clearing a unit's profile", NULL, error);
        if (r < 0)
                return r;
        r = bus_check_unit_name(unit, error);
        if (r < 0)
                return r;
        r = bus_get_managed_unit(m, unit, &u, error);
        if (r < 0)
                return r;
        /* Nothing to clear is not an error: the unit is as the caller wants it. */
        if (!u->profile_override && !u->profile_call)
                return sd_bus_reply_method_return(msg, NULL);

        return unit_set_profile_override(u, NULL, msg);
}

/* SD_BUS_VTABLE_UNPRIVILEGED everywhere: without it sd-bus itself refuses callers without
 * CAP_SYS_ADMIN; mutating methods check the caller themselves, with a message that says why. */
static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", property_get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ManagedUnits", "u", property_get_managed_units, 0, 0),
        SD_BUS_PROPERTY("ConfigErrors", "u", property_get_config_errors, 0, 0),
        SD_BUS_PROPERTY("Features", "as", property_get_features, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Mode", "s", property_get_mode, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("SchedulerMode", "s", property_get_scheduler, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("SchedulerState", "s", property_get_scheduler, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("SchedulerReason", "s", property_get_scheduler, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("SchedulerRestarts", "u", property_get_scheduler, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD_WITH_ARGS("ListUnits",
                                SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("a(ssssst)", units),
                                method_list_units, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListUnitStates",
                                SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("a(sssttsd)", units),
                                method_list_unit_states, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetMetrics",
                                SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("s", text),
                                method_get_metrics, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListProfiles",
                                SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("a(ssss)", profiles),
                                method_list_profiles, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetUnit",
                                SD_BUS_ARGS("s", name),
                                SD_BUS_RESULT("o", path),
                                method_get_unit, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Reload",
                                SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("as", errors),
                                method_reload, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("FreezeUnit",
                                SD_BUS_ARGS("s", unit),
                                SD_BUS_NO_RESULT,
                                method_freeze_unit, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ThawUnit",
                                SD_BUS_ARGS("s", unit),
                                SD_BUS_NO_RESULT,
                                method_thaw_unit, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("KillUnit",
                                SD_BUS_ARGS("s", unit, "i", signal),
                                SD_BUS_NO_RESULT,
                                method_kill_unit, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("SetUnitProfile",
                                SD_BUS_ARGS("s", unit, "s", profile),
                                SD_BUS_NO_RESULT,
                                method_set_unit_profile, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ClearUnitProfile",
                                SD_BUS_ARGS("s", unit),
                                SD_BUS_NO_RESULT,
                                method_clear_unit_profile, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("StartSession",
                                SD_BUS_ARGS("s", session, "s", profile),
                                SD_BUS_RESULT("s", unit),
                                bus_method_start_session, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("StartToolCall",
                                SD_BUS_ARGS("s", session, "s", tool, "s", profile, "au", pids),
                                SD_BUS_RESULT("s", unit),
                                bus_method_start_tool_call, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("EndSession",
                                SD_BUS_ARGS("s", session, "t", grace_usec),
                                SD_BUS_NO_RESULT,
                                bus_method_end_session, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("EndToolCall",
                                SD_BUS_ARGS("s", unit, "t", grace_usec),
                                SD_BUS_NO_RESULT,
                                bus_method_end_tool_call, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_ARGS("UnitStateChanged",
                                SD_BUS_ARGS("s", unit, "o", path, "s", state, "s", action, "s", reason),
                                0),
        SD_BUS_VTABLE_END
};

int bus_manager_add_objects(Manager *m) {
        return sd_bus_add_object_vtable(m->bus, NULL, AGENTCGROUP_BUS_PATH, AGENTCGROUP_MANAGER_INTERFACE,
                                        manager_vtable, m);
}
