/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bpf-memcg.h"
#include "bus-util.h"
#include "cgroup-util.h"
#include "dbus-manager.h"
#include "dbus-unit.h"
#include "log.h"
#include "match.h"
#include "cpu.h"
#include "memory.h"
#include "message-ids.h"
#include "profile-override.h"
#include "strv.h"
#include "unit.h"

static int unit_compare(const void *a, const void *b) {
        return strcmp(((const TrackedUnit *) a)->name, ((const TrackedUnit *) b)->name);
}

/* A call to PID 1 in flight. The manager counts them so that a burst of units never exceeds
 * dbus-daemon's limit of pending replies per connection (128 on the system bus). A call whose
 * unit went away, or whose answer no longer matters, is orphaned rather than cancelled: the
 * bus still waits for its reply, so it stays counted until that reply comes. */
typedef struct UnitCall {
        Manager *manager;
        TrackedUnit *unit;      /* NULL once orphaned */
        UnitPropertySet props;  /* for SetUnitProperties: what was sent */
        uint64_t started_usec;
        bool counted;           /* still in Manager.n_inflight */
} UnitCall;

/* dbus-daemon answers a call PID 1 never answers with an error after its own reply timeout
 * (25 s); waiting longer here keeps our count of calls in flight equal to the bus's. */
#define UNIT_CALL_TIMEOUT_USEC (120 * USEC_PER_SEC)

static void unit_call_uncount(UnitCall *c) {
        if (c->counted && c->manager->n_inflight > 0)
                c->manager->n_inflight--;
        c->counted = false;
}

static void unit_call_free(void *p) {
        UnitCall *c = p;

        unit_call_uncount(c); /* a call never answered (the bus went away) */
        free(c);
}

static void unit_orphan_call(sd_bus_slot **slot) {
        UnitCall *c;

        if (!*slot)
                return;
        c = sd_bus_slot_get_userdata(*slot);
        c->unit = NULL;
        (void) sd_bus_slot_set_floating(*slot, 1);
        *slot = sd_bus_slot_unref(*slot);
}

static void manager_dispatch_queue(Manager *m);

/* Sends a method call to PID 1 on behalf of u, counted and with our timeout (timeout_usec, 0:
 * UNIT_CALL_TIMEOUT_USEC). */
static int unit_call(TrackedUnit *u, sd_bus_message *msg, sd_bus_message_handler_t callback,
                     const UnitPropertySet *props, uint64_t timeout_usec, sd_bus_slot **ret_slot) {
        Manager *m = u->manager;
        UnitCall *c;
        int r;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        *c = (UnitCall) { .manager = m, .unit = u, .started_usec = now_usec(CLOCK_MONOTONIC) };
        if (props)
                c->props = *props;
        r = sd_bus_call_async(m->bus, ret_slot, msg, callback, c, timeout_usec ?: UNIT_CALL_TIMEOUT_USEC);
        if (r < 0) {
                free(c);
                return r;
        }
        m->n_inflight++;
        c->counted = true;
        (void) sd_bus_slot_set_destroy_callback(*ret_slot, unit_call_free);
        return 0;
}

/* At the start of a reply callback: uncounts the call, lets a waiting query go, and returns the
 * unit, or NULL when the call was orphaned. Drops our reference to the slot (the bus frees it, and the UnitCall,
 * after the callback). */
static TrackedUnit *unit_call_finish(UnitCall *c, sd_bus_slot **(*which)(TrackedUnit *u)) {
        TrackedUnit *u = c->unit;

        unit_call_uncount(c);
        manager_dispatch_queue(c->manager); /* room for a waiting query */
        if (u) {
                sd_bus_slot **slot = which(u);
                *slot = sd_bus_slot_unref(*slot);
        }
        return u;
}

int unit_call_send(TrackedUnit *u, sd_bus_message *msg, sd_bus_message_handler_t callback, uint64_t timeout_usec,
                   sd_bus_slot **ret_slot) {
        return unit_call(u, msg, callback, NULL, timeout_usec, ret_slot);
}

TrackedUnit *unit_call_reply(void *userdata, sd_bus_slot **(*which)(TrackedUnit *u)) {
        return unit_call_finish(userdata, which);
}

void unit_call_orphan(sd_bus_slot **slot) {
        unit_orphan_call(slot);
}

static sd_bus_slot **query_slot_of(TrackedUnit *u) {
        return &u->query_slot;
}

static sd_bus_slot **apply_slot_of(TrackedUnit *u) {
        return &u->apply_slot;
}

static void unit_dequeue(TrackedUnit *u) {
        Manager *m = u->manager;

        if (!u->queued)
                return;
        if (u->queue_prev)
                u->queue_prev->queue_next = u->queue_next;
        else
                m->queue_head = u->queue_next;
        if (u->queue_next)
                u->queue_next->queue_prev = u->queue_prev;
        else
                m->queue_tail = u->queue_prev;
        u->queue_prev = u->queue_next = NULL;
        u->queued = false;
}

static void unit_enqueue(TrackedUnit *u) {
        Manager *m = u->manager;

        if (u->queued)
                return;
        u->queue_prev = m->queue_tail;
        u->queue_next = NULL;
        if (m->queue_tail)
                m->queue_tail->queue_next = u;
        else
                m->queue_head = u;
        m->queue_tail = u;
        u->queued = true;
}

/* Sends queued queries while there is room. */
static void manager_dispatch_queue(Manager *m) {
        while (m->queue_head && m->n_inflight < MANAGER_INFLIGHT_MAX) {
                TrackedUnit *u = m->queue_head;

                unit_dequeue(u);
                (void) unit_query(u);
        }
}

static TrackedUnit *tracked_unit_free(TrackedUnit *u) {
        if (!u)
                return NULL;
        unit_dequeue(u);
        unit_orphan_call(&u->query_slot);
        unit_orphan_call(&u->apply_slot);
        memory_release_unit(u);
        unit_profile_call_fail(u, BUS_ERROR_UNIT_NOT_MANAGED, "%s went away before its profile was applied.", u->name);
        sd_event_source_disable_unref(u->end_timer);
        free(u->profile_override);
        free(u->last_reason);
        free(u->name);
        free(u->path);
        free(u->id);
        free(u->description);
        free(u->active_state);
        free(u->load_state);
        free(u->slice);
        free(u->control_group);
        free(u->profile);
        free(u->rule);
        free(u);
        return NULL;
}

bool unit_name_is_interesting(const char *name) {
        UnitType t = unit_name_to_type(name);

        return t == UNIT_TYPE_SLICE || t == UNIT_TYPE_SCOPE || t == UNIT_TYPE_SERVICE;
}

TrackedUnit *manager_get_unit(Manager *m, const char *name) {
        TrackedUnit key = { .name = (char *) name }, **found;

        found = tfind(&key, &m->units, unit_compare);
        return found ? *found : NULL;
}

int manager_track_unit(Manager *m, const char *name, const char *path, TrackedUnit **ret) {
        TrackedUnit *u, **slot;
        int r;

        u = manager_get_unit(m, name);
        if (u) {
                if (ret)
                        *ret = u;
                return 0;
        }
        if (!unit_name_is_valid(name))
                return -EINVAL;

        u = calloc(1, sizeof(*u));
        if (!u)
                return -ENOMEM;
        u->manager = m;
        u->uid = (uid_t) -1;
        u->cgroup_fd = u->pressure_fd = -1;
        u->type = unit_name_to_type(name);
        u->name = strdup(name);
        if (!u->name) {
                tracked_unit_free(u);
                return -ENOMEM;
        }
        /* systemd's object path is a function of the name; computing it keeps us independent of
         * which signal told us about the unit. */
        r = sd_bus_path_encode("/org/freedesktop/systemd1/unit", name, &u->path);
        if (r < 0) {
                tracked_unit_free(u);
                return r;
        }
        (void) path;

        slot = tsearch(u, &m->units, unit_compare);
        if (!slot) {
                tracked_unit_free(u);
                return -ENOMEM;
        }
        m->n_units++;
        if (ret)
                *ret = u;
        return 1;
}

void manager_untrack_unit(Manager *m, const char *name) {
        TrackedUnit *u = manager_get_unit(m, name);

        if (!u)
                return;
        tdelete(u, &m->units, unit_compare);
        m->n_units--;
        if (u->managed)
                log_unit_debug(u->name, "Unit removed.");
        if (u->counted_in_startup)
                manager_query_done(m);
        if (u->managed)
                metrics_unit_retired(u);
        memory_unwatch_unit(u, true);
        cpu_unit_forget(u);
        if (u->cgroup_id > 0)
                (void) memcg_bpf_forget(m->bpf, u->cgroup_id);
        tracked_unit_free(u);
        manager_update_status(m);
}

typedef struct WalkContext {
        void (*f)(TrackedUnit *u, void *userdata);
        void *userdata;
        TrackedUnit **list;
        size_t n;
} WalkContext;

static void collect(const void *node, VISIT which, void *userdata) {
        WalkContext *c = userdata;

        if (which == postorder || which == leaf)
                c->list[c->n++] = *(TrackedUnit * const *) node;
}

void manager_foreach_unit(Manager *m, void (*f)(TrackedUnit *u, void *userdata), void *userdata) {
        WalkContext c = {};

        if (m->n_units == 0)
                return;
        /* Collect first: f may untrack units, which would upset a running twalk. */
        c.list = calloc(m->n_units, sizeof(TrackedUnit *));
        if (!c.list) {
                log_oom();
                return;
        }
        twalk_r(m->units, collect, &c);
        for (size_t i = 0; i < c.n; i++)
                f(c.list[i], userdata);
        free(c.list);
}

static void free_node(void *p) {
        tracked_unit_free(p);
}

void manager_free_units(Manager *m) {
        tdestroy(m->units, free_node);
        m->units = NULL;
        m->n_units = 0;
}

/* ---- applying ---- */

static const uint64_t *current_value(const UnitCurrentProperties *c, const char *name) {
        static const struct {
                const char *name;
                size_t offset;
        } map[] = {
                { "CPUWeight", offsetof(UnitCurrentProperties, cpu_weight) },
                { "MemoryMin", offsetof(UnitCurrentProperties, memory_min) },
                { "MemoryLow", offsetof(UnitCurrentProperties, memory_low) },
                { "MemoryHigh", offsetof(UnitCurrentProperties, memory_high) },
                { "MemoryMax", offsetof(UnitCurrentProperties, memory_max) },
                { "MemorySwapMax", offsetof(UnitCurrentProperties, memory_swap_max) },
                { "TasksMax", offsetof(UnitCurrentProperties, tasks_max) },
        };

        for (size_t i = 0; i < ELEMENTSOF(map); i++)
                if (streq(map[i].name, name))
                        return (const uint64_t *) ((const uint8_t *) c + map[i].offset);
        return NULL;
}

static bool properties_in_place(const TrackedUnit *u, const UnitPropertySet *want) {
        for (size_t i = 0; i < want->n; i++) {
                const uint64_t *cur = current_value(&u->current, want->items[i].name);

                if (!cur || *cur != want->items[i].value)
                        return false;
        }
        return true;
}

static void log_applied(TrackedUnit *u, const char *verb) {
        _cleanup_(freep) char *props = unit_property_set_to_string(&u->applied);
        _cleanup_strv_free_ char **fields = NULL;

        (void) strv_consume(&fields, asprintf_safe("AGENTCGROUP_PROFILE=%s", strna(u->profile)));
        (void) strv_consume(&fields, asprintf_safe("AGENTCGROUP_RULE=%s", unit_rule_to_string(u) ?: "(default)"));
        (void) strv_consume(&fields, asprintf_safe("AGENTCGROUP_PROFILE_SOURCE=%s",
                                                   profile_source_to_string(u->profile_source)));
        (void) strv_consume(&fields, asprintf_safe("AGENTCGROUP_PROPERTIES=%s", strempty(props)));
        (void) strv_consume(&fields, asprintf_safe("AGENTCGROUP_CGROUP_ID=%" PRIu64, u->cgroup_id));
        log_struct(LOG_INFO, u->name, MESSAGE_ID_PROFILE_APPLIED, fields,
                   "Profile %s %s (%s): %s", u->profile, verb,
                   u->profile_source == PROFILE_SOURCE_OVERRIDE ? "run-time override" :
                   u->rule ? u->rule : "default profile", isempty(props) ? "no properties" : props);
}

static void log_would_apply(TrackedUnit *u, const UnitPropertySet *want) {
        _cleanup_(freep) char *props = unit_property_set_to_string(want), *differ = NULL;
        _cleanup_strv_free_ char **fields = NULL, **names = NULL;

        /* The ones systemd has at another value: what enforce mode would change. */
        for (size_t i = 0; i < want->n; i++) {
                const uint64_t *cur = current_value(&u->current, want->items[i].name);

                if (!cur || *cur != want->items[i].value)
                        (void) strv_extend(&names, want->items[i].name);
        }
        differ = strv_join(names, " ");
        u->manager->n_would_apply++;
        (void) strv_consume(&fields, strdup("AGENTCGROUP_ACTION=apply-profile"));
        (void) strv_consume(&fields, strdup("AGENTCGROUP_MODE=monitor"));
        (void) strv_consume(&fields, asprintf_safe("AGENTCGROUP_PROFILE=%s", strna(u->profile)));
        (void) strv_consume(&fields, asprintf_safe("AGENTCGROUP_RULE=%s", unit_rule_to_string(u) ?: "(default)"));
        (void) strv_consume(&fields, asprintf_safe("AGENTCGROUP_PROPERTIES=%s", strempty(props)));
        (void) strv_consume(&fields, asprintf_safe("AGENTCGROUP_CHANGED_PROPERTIES=%s", strempty(differ)));
        log_struct(LOG_INFO, u->name, MESSAGE_ID_WOULD_ACT, fields,
                   "would apply profile %s (monitor mode): %s; differing now: %s", strna(u->profile),
                   isempty(props) ? "no properties" : props, strempty(differ));
}

/* A call PID 1 did not answer in time (busy with a burst of units) is not a failure yet: look
 * at the unit again, up to UNIT_QUERY_RETRIES times in a row. True when a new query is on its
 * way. */
static bool unit_retry_on_timeout(TrackedUnit *u, const sd_bus_error *e, const char *what) {
        if (!bus_error_is_timeout(e) || u->n_retries >= UNIT_QUERY_RETRIES)
                return false;
        u->n_retries++;
        log_unit_debug(u->name, "%s timed out, looking again (%u/%u).", what, u->n_retries, UNIT_QUERY_RETRIES);
        return unit_query(u) >= 0;
}

static int apply_done(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        UnitCall *call = userdata;
        Manager *m = call->manager;
        const sd_bus_error *e;
        TrackedUnit *u;

        u = unit_call_finish(call, apply_slot_of);
        if (!u)
                return 0;

        e = sd_bus_message_get_error(reply);
        if (e) {
                if (bus_error_is_unit_gone(e)) {
                        log_unit_debug(u->name, "Unit vanished before its profile was applied: %s", e->message);
                        unit_profile_call_fail(u, BUS_ERROR_UNIT_NOT_MANAGED,
                                               "%s went away before its profile was applied.", u->name);
                } else if (unit_retry_on_timeout(u, e, "Applying the profile")) {
                        /* Applied or not, the new query tells, and re-applies if needed. */
                } else {
                        _cleanup_strv_free_ char **fields = NULL;

                        u->n_apply_failures++;
                        m->n_apply_failed++;
                        (void) strv_consume(&fields, asprintf_safe("AGENTCGROUP_PROFILE=%s", strna(u->profile)));
                        log_struct(LOG_WARNING, u->name, MESSAGE_ID_PROFILE_APPLY_FAILED, fields,
                                   "Failed to apply profile %s: %s", strna(u->profile), e->message);
                        unit_profile_call_done(u, e);
                }
                return 0;
        }

        u->applied = call->props;
        u->applied_usec = now_usec(CLOCK_MONOTONIC);
        m->n_applied++;
        log_applied(u, "applied");
        unit_profile_call_done(u, NULL);
        log_unit_debug(u->name, "SetUnitProperties took %" PRIu64 " us.", u->applied_usec - call->started_usec);
        manager_update_status(m);
        return 0;
}

static int unit_set_properties(TrackedUnit *u, const UnitPropertySet *props) {
        _cleanup_bus_message_ sd_bus_message *msg = NULL;
        Manager *m = u->manager;
        int r;

        r = sd_bus_message_new_method_call(m->bus, &msg, SYSTEMD_BUS_NAME, SYSTEMD_BUS_PATH,
                                           SYSTEMD_MANAGER_INTERFACE, "SetUnitProperties");
        if (r < 0)
                return r;
        /* runtime=true: lives in /run, gone at reboot, like everything we decide. */
        r = sd_bus_message_append(msg, "sb", u->name, 1);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(msg, 'a', "(sv)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < props->n; i++) {
                r = sd_bus_message_append(msg, "(sv)", props->items[i].name, "t", props->items[i].value);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(msg);
        if (r < 0)
                return r;

        /* A newer decision replaces one still in flight. */
        unit_orphan_call(&u->apply_slot);
        return unit_call(u, msg, apply_done, props, 0, &u->apply_slot);
}

static bool config_has_user_rules(const Config *c) {
        for (size_t i = 0; i < c->n_rules; i++)
                if (c->rules[i]->users)
                        return true;
        return false;
}

char *unit_user_name(const Config *c, uid_t uid) {
        struct passwd pw, *result = NULL;
        char buf[4096];

        if (uid == (uid_t) -1 || !config_has_user_rules(c))
                return NULL;
        if (getpwuid_r(uid, &pw, buf, sizeof buf, &result) != 0 || !result)
                return NULL;
        return strdup(result->pw_name);
}

bool unit_is_running(const TrackedUnit *u) {
        return streq_ptr(u->active_state, "active") || streq_ptr(u->active_state, "activating") ||
               streq_ptr(u->active_state, "reloading");
}

const char *unit_state_to_string(const TrackedUnit *u) {
        static const char * const would[_MEM_STATE_MAX] = {
                [MEM_STATE_THROTTLED] = "would-throttled",
                [MEM_STATE_FROZEN] = "would-frozen",
                [MEM_STATE_KILLED] = "would-killed",
        };

        if (u->mode == ACTION_MODE_MONITOR && u->mem.state >= 0 && u->mem.state < _MEM_STATE_MAX &&
            would[u->mem.state])
                return would[u->mem.state];
        return mem_state_to_string(u->mem.state);
}

const char *unit_rule_to_string(const TrackedUnit *u) {
        return u->profile_source == PROFILE_SOURCE_OVERRIDE ? RULE_OVERRIDE : u->rule;
}

/* Profile, Rule and ProfileSource as the bus shows them changed: tell the bus. */
static void unit_profile_changed(TrackedUnit *u, const char *old_profile, const char *old_rule,
                                 ProfileSource old_source) {
        if (streq(strempty(old_profile), strempty(u->profile)) && streq(strempty(old_rule), strempty(u->rule)) &&
            old_source == u->profile_source)
                return;
        bus_unit_send_changed(u);
}

static int classify_and_apply(TrackedUnit *u);

int unit_classify_and_apply(TrackedUnit *u) {
        _cleanup_(freep) char *old_profile = u->profile ? strdup(u->profile) : NULL;
        _cleanup_(freep) char *old_rule = u->rule ? strdup(u->rule) : NULL;
        ProfileSource old_source = u->profile_source;
        bool was_managed = u->managed;
        int r;

        r = classify_and_apply(u);
        if (was_managed && u->managed)
                unit_profile_changed(u, old_profile, old_rule, old_source);
        return r;
}

static int classify_and_apply(TrackedUnit *u) {
        Manager *m = u->manager;
        const Config *c = m->config;
        _cleanup_(freep) char *user = NULL;
        const MatchRule *rule = NULL;
        const Profile *p;
        UnitPropertySet want;
        UnitFacts facts;
        bool was_managed = u->managed, had_profile;
        ActionMode mode;
        int r;

        if (!unit_is_running(u)) {
                unit_profile_call_fail(u, BUS_ERROR_UNIT_NOT_MANAGED, "%s stopped before its profile was applied.",
                                       u->name);
                return 0;
        }

        if (u->type != UNIT_TYPE_SLICE && cgroup_owner_uid(u->control_group, &u->uid) < 0)
                (void) slice_owner_uid(u->slice, &u->uid);
        else if (u->type == UNIT_TYPE_SLICE)
                (void) slice_owner_uid(u->name, &u->uid);
        user = unit_user_name(c, u->uid);

        facts = (UnitFacts) {
                .name = u->name,
                .type = u->type,
                .slice = u->slice,
                .description = u->description,
                .uid = u->uid,
                .user = user,
        };
        u->managed = config_unit_is_managed(c, &facts);
        if (!u->managed && was_managed)
                metrics_unit_retired(u);
        if (!u->managed) {
                if (was_managed)
                        log_unit_info(u->name, "No longer below a managed slice; leaving it alone.");
                if (u->profile_override)
                        log_unit_info(u->name, "Dropping its profile override %s.", u->profile_override);
                u->profile_override = mfree(u->profile_override);
                u->profile = mfree(u->profile);
                u->rule = mfree(u->rule);
                u->profile_source = PROFILE_SOURCE_NONE;
                memory_unwatch_unit(u, false);
                cpu_unit_forget(u);
                unit_profile_call_fail(u, BUS_ERROR_UNIT_NOT_MANAGED, "%s is not managed by agentcgroupd.", u->name);
                return 0;
        }

        p = config_resolve_profile(c, &facts, u->profile_override, &rule, &u->profile_source);
        if (u->profile_override && u->profile_source != PROFILE_SOURCE_OVERRIDE) {
                /* A reload removed the profile. A later profile of that name is not what the
                 * caller chose, so the override goes for good. */
                log_unit_warning(u->name, "Profile %s of the run-time override no longer exists; dropping the "
                                 "override, the match rules choose again.", u->profile_override);
                u->profile_override = mfree(u->profile_override);
        }
        if (!free_and_replace_str(&u->rule, rule ? strdup(rule->name) : NULL) && rule)
                return log_oom();
        if (!p) {
                if (u->profile)
                        log_unit_info(u->name, "No profile matches any more; keeping what was set.");
                else
                        log_unit_debug(u->name, "Managed, but no rule matches and there is no DefaultProfile=.");
                u->profile = mfree(u->profile);
                memory_unwatch_unit(u, false);
                unit_profile_call_done(u, NULL);
                return 0;
        }
        had_profile = u->profile != NULL;
        if (!free_and_replace_str(&u->profile, strdup(p->name)))
                return log_oom();

        /* The new profile's parameters first: leaving enforce mode puts its memory.high back. */
        (void) memory_watch_unit(u, p);
        mode = config_profile_mode(c, p);
        if (mode != u->mode) {
                if (had_profile)
                        log_unit_info(u->name, "Now in %s mode (profile %s).", action_mode_to_string(mode), p->name);
                memory_set_mode(u, mode);
                u->monitored = (UnitPropertySet) {};
                bus_unit_send_changed(u);
        }
        cpu_unit_apply(u, p);
        profile_to_properties(p, m->physical_memory, &want);
        profile_add_class_defaults(p, m->physical_memory, u->type == UNIT_TYPE_SLICE, &want);
        /* memory.high is the dynamic layer's to move: ask for what it has in force. */
        for (size_t i = 0; i < want.n; i++)
                if (streq(want.items[i].name, "MemoryHigh") && u->mode == ACTION_MODE_ENFORCE)
                        want.items[i].value = memory_desired_high(u, want.items[i].value);
        if (u->mode == ACTION_MODE_MONITOR) {
                /* What enforce mode would set, logged once per change; nothing is sent. */
                if (!properties_in_place(u, &want) && !unit_property_set_equal(&u->monitored, &want))
                        log_would_apply(u, &want);
                u->monitored = want;
                unit_profile_call_done(u, NULL);
                return 0;
        }
        if (properties_in_place(u, &want)) {
                bool changed = !unit_property_set_equal(&u->applied, &want) || u->applied_usec == 0;

                u->applied = want;
                if (u->applied_usec == 0)
                        u->applied_usec = now_usec(CLOCK_MONOTONIC);
                if (changed)
                        log_applied(u, "already in place");
                unit_profile_call_done(u, NULL);
                return 0;
        }

        r = unit_set_properties(u, &want);
        if (r < 0) {
                unit_profile_call_fail(u, SD_BUS_ERROR_FAILED, "Failed to apply the profile to %s: %s", u->name,
                                       strerror(-r));
                return log_unit_error_errno(u->name, r, "Failed to send SetUnitProperties: %m");
        }
        return 0;
}

/* ---- querying ---- */

static const BusPropertyMap unit_property_map[] = {
        { "Id",             's', offsetof(TrackedUnit, id) },
        { "Description",    's', offsetof(TrackedUnit, description) },
        { "ActiveState",    's', offsetof(TrackedUnit, active_state) },
        { "LoadState",      's', offsetof(TrackedUnit, load_state) },
        { "Slice",          's', offsetof(TrackedUnit, slice) },
        { "ControlGroup",   's', offsetof(TrackedUnit, control_group) },
        { "ControlGroupId", 't', offsetof(TrackedUnit, cgroup_id) },
        { "CPUWeight",      't', offsetof(TrackedUnit, current.cpu_weight) },
        { "MemoryMin",      't', offsetof(TrackedUnit, current.memory_min) },
        { "MemoryLow",      't', offsetof(TrackedUnit, current.memory_low) },
        { "MemoryHigh",     't', offsetof(TrackedUnit, current.memory_high) },
        { "MemoryMax",      't', offsetof(TrackedUnit, current.memory_max) },
        { "MemorySwapMax",  't', offsetof(TrackedUnit, current.memory_swap_max) },
        { "TasksMax",       't', offsetof(TrackedUnit, current.tasks_max) },
        {}
};

static int query_done(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        UnitCall *call = userdata;
        Manager *m = call->manager;
        const sd_bus_error *e;
        TrackedUnit *u;
        int r;

        u = unit_call_finish(call, query_slot_of);
        if (!u)
                return 0;

        e = sd_bus_message_get_error(reply);
        if (e) {
                if (bus_error_is_unit_gone(e)) {
                        log_unit_debug(u->name, "Unit vanished before we could look at it: %s", e->message);
                        unit_profile_call_fail(u, BUS_ERROR_UNIT_NOT_MANAGED,
                                               "%s went away before its profile was applied.", u->name);
                } else if (unit_retry_on_timeout(u, e, "Reading unit properties"))
                        return 0; /* still counted in start-up: the new query finishes it */
                else {
                        log_unit_warning(u->name, "Failed to read unit properties: %s", e->message);
                        unit_profile_call_done(u, e);
                }
                goto done;
        }
        u->n_retries = 0;

        r = bus_read_properties(reply, unit_property_map, u);
        if (r < 0) {
                log_unit_warning_errno(u->name, r, "Failed to parse unit properties: %m");
                unit_profile_call_fail(u, SD_BUS_ERROR_FAILED, "Failed to read the properties of %s: %s", u->name,
                                       strerror(-r));
                goto done;
        }

        /* Act on what we know now, even when a newer event asked for another look: waiting for
         * that answer would delay the profile by a whole round trip. */
        (void) unit_classify_and_apply(u);
        if (u->query_again) {
                u->query_again = false;
                if (unit_query(u) >= 0)
                        return 0;
        }

done:
        if (u->counted_in_startup) {
                u->counted_in_startup = false;
                manager_query_done(m);
        }
        return 0;
}

int unit_query(TrackedUnit *u) {
        _cleanup_bus_message_ sd_bus_message *msg = NULL;
        Manager *m = u->manager;
        int r;

        if (u->query_slot) {
                u->query_again = true;
                return 0;
        }
        if (m->n_inflight >= MANAGER_INFLIGHT_MAX) {
                unit_enqueue(u);
                return 0;
        }
        /* Interface "": every interface at once (Unit, and Slice/Scope/Service with the cgroup
         * settings), one round trip. */
        r = sd_bus_message_new_method_call(m->bus, &msg, SYSTEMD_BUS_NAME, u->path,
                                           "org.freedesktop.DBus.Properties", "GetAll");
        if (r >= 0)
                r = sd_bus_message_append(msg, "s", "");
        if (r >= 0)
                r = unit_call(u, msg, query_done, NULL, 0, &u->query_slot);
        if (r < 0)
                return log_unit_warning_errno(u->name, r, "Failed to query unit: %m");
        return 0;
}
