/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf-sched.h"
#include "conf.h"
#include "dbus-manager.h"
#include "dbus-unit.h"
#include "log.h"
#include "mem-policy.h"
#include "strv.h"
#include "unit.h"

/* The unit objects are not registered one by one: a fallback vtable below
 * AGENTCGROUP_UNIT_PATH_PREFIX finds the TrackedUnit from the path on every call, and a node
 * enumerator lists the managed ones for introspection. So an object exists exactly while its
 * unit is tracked and managed, with no registration to keep in step with unit.c. */

char *bus_unit_path(const char *name) {
        char *path = NULL;

        if (sd_bus_path_encode(AGENTCGROUP_UNIT_PATH_PREFIX, name, &path) < 0)
                return NULL;
        return path;
}

static int unit_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                            sd_bus_error *error) {
        _cleanup_(freep) char *name = NULL;
        TrackedUnit *u;
        int r;

        r = sd_bus_path_decode(path, AGENTCGROUP_UNIT_PATH_PREFIX, &name);
        if (r <= 0)
                return r;
        u = manager_get_unit(userdata, name);
        /* Unmanaged units are tracked too, but they are none of the API's business. */
        if (!u || !u->managed)
                return 0;
        *found = u;
        return 1;
}

typedef struct EnumerateContext {
        char **paths;
        int error;
} EnumerateContext;

static void enumerate_unit(TrackedUnit *u, void *userdata) {
        EnumerateContext *c = userdata;
        char *path;

        if (!u->managed || c->error < 0)
                return;
        path = bus_unit_path(u->name);
        c->error = path ? strv_consume(&c->paths, path) : -ENOMEM;
}

static int unit_node_enumerator(sd_bus *bus, const char *prefix, void *userdata, char ***nodes,
                                sd_bus_error *error) {
        EnumerateContext c = {};

        manager_foreach_unit(userdata, enumerate_unit, &c);
        if (c.error < 0) {
                strv_free(c.paths);
                return c.error;
        }
        *nodes = c.paths;
        return 0;
}

/* Getters. With a property's offset, sd-bus passes the found TrackedUnit plus that offset as
 * userdata, so one getter serves every field of a type. */

static int property_get_string(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", strempty(*(char **) userdata));
}

static int property_get_uint64(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "t", *(uint64_t *) userdata);
}

static int property_get_type(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        TrackedUnit *u = userdata;

        return sd_bus_message_append(reply, "s", strempty(unit_type_to_string(u->type)));
}

static int property_get_class(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        TrackedUnit *u = userdata;
        const Profile *p = NULL;

        /* By name in the configuration in force: after a reload the class may have changed. */
        if (u->profile && u->manager->config)
                p = config_find_profile(u->manager->config, u->profile);
        return sd_bus_message_append(reply, "s", p ? strempty(profile_class_to_string(p->class)) : "");
}

static int property_get_rule(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", strempty(unit_rule_to_string(userdata)));
}

static int property_get_profile_source(sd_bus *bus, const char *path, const char *interface, const char *property,
                                       sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        TrackedUnit *u = userdata;

        return sd_bus_message_append(reply, "s", strempty(profile_source_to_string(u->profile_source)));
}

static int property_get_state(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        TrackedUnit *u = userdata;

        return sd_bus_message_append(reply, "s", strempty(unit_state_to_string(u)));
}

static int property_get_mode(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        TrackedUnit *u = userdata;

        return sd_bus_message_append(reply, "s", u->profile ? action_mode_to_string(u->mode) : "");
}

static int property_get_memory_current(sd_bus *bus, const char *path, const char *interface, const char *property,
                                       sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        TrackedUnit *u = userdata;

        return sd_bus_message_append(reply, "t", u->mem.sample.valid ? u->mem.sample.current : UINT64_MAX);
}

static int property_get_effective_memory_high(sd_bus *bus, const char *path, const char *interface,
                                              const char *property, sd_bus_message *reply, void *userdata,
                                              sd_bus_error *error) {
        TrackedUnit *u = userdata;

        /* The policy's 0 and UINT64_MAX both mean "the profile's own value": one value for clients.
         * Monitor mode puts nothing in force. */
        return sd_bus_message_append(reply, "t", u->mem.effective_high == 0 || u->mode == ACTION_MODE_MONITOR ?
                                                 UINT64_MAX : u->mem.effective_high);
}

static int property_get_stall_percent(sd_bus *bus, const char *path, const char *interface, const char *property,
                                      sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        TrackedUnit *u = userdata;

        return sd_bus_message_append(reply, "d", (double) u->mem.stall_permyriad / 100.0);
}

/* What the CPU scheduler counted for the unit's cgroup; 0 without the scheduler, or before the
 * cgroup ran under it. */
static int property_get_sched_stat(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        TrackedUnit *u = userdata;
        SchedStats st = {};
        uint64_t v;

        if (u->cgroup_id > 0)
                (void) sched_bpf_read_stats(u->manager->sched, u->cgroup_id, &st);
        v = streq(property, "SchedCPUNSec") ? st.cpu_ns :
            streq(property, "SchedBoosts") ? st.boosts :
            streq(property, "SchedPenalties") ? st.penalties : st.penalized_ns;
        return sd_bus_message_append(reply, "t", v);
}

static int property_get_cpu_yield(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        TrackedUnit *u = userdata;

        return sd_bus_message_append(reply, "b", (int) u->cpu_yielding);
}

static int property_get_last_action(sd_bus *bus, const char *path, const char *interface, const char *property,
                                    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        TrackedUnit *u = userdata;

        return sd_bus_message_append(reply, "s", strempty(mem_action_to_string(u->last_action)));
}

#define EMITS SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE

static const sd_bus_vtable unit_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Id", "s", property_get_string, offsetof(TrackedUnit, name), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Type", "s", property_get_type, 0, EMITS),
        SD_BUS_PROPERTY("Slice", "s", property_get_string, offsetof(TrackedUnit, slice), EMITS),
        SD_BUS_PROPERTY("ControlGroup", "s", property_get_string, offsetof(TrackedUnit, control_group), EMITS),
        SD_BUS_PROPERTY("ControlGroupId", "t", property_get_uint64, offsetof(TrackedUnit, cgroup_id), EMITS),
        SD_BUS_PROPERTY("Profile", "s", property_get_string, offsetof(TrackedUnit, profile), EMITS),
        SD_BUS_PROPERTY("Rule", "s", property_get_rule, 0, EMITS),
        SD_BUS_PROPERTY("ProfileSource", "s", property_get_profile_source, 0, EMITS),
        SD_BUS_PROPERTY("Class", "s", property_get_class, 0, EMITS),
        SD_BUS_PROPERTY("Mode", "s", property_get_mode, 0, EMITS),
        SD_BUS_PROPERTY("State", "s", property_get_state, 0, EMITS),
        SD_BUS_PROPERTY("MemoryCurrent", "t", property_get_memory_current, 0, EMITS),
        SD_BUS_PROPERTY("EffectiveMemoryHigh", "t", property_get_effective_memory_high, 0, EMITS),
        SD_BUS_PROPERTY("StallPercent", "d", property_get_stall_percent, 0, EMITS),
        SD_BUS_PROPERTY("ThrottleCount", "t", property_get_uint64, offsetof(TrackedUnit, mem.n_throttled), EMITS),
        SD_BUS_PROPERTY("FreezeCount", "t", property_get_uint64, offsetof(TrackedUnit, mem.n_frozen), EMITS),
        SD_BUS_PROPERTY("ThawCount", "t", property_get_uint64, offsetof(TrackedUnit, mem.n_thawed), EMITS),
        SD_BUS_PROPERTY("KillCount", "t", property_get_uint64, offsetof(TrackedUnit, mem.n_killed), EMITS),
        SD_BUS_PROPERTY("OOMKillCount", "t", property_get_uint64, offsetof(TrackedUnit, mem.n_oom_kills), EMITS),
        SD_BUS_PROPERTY("FrozenUSec", "t", property_get_uint64, offsetof(TrackedUnit, mem.frozen_total_usec), EMITS),
        SD_BUS_PROPERTY("SchedCPUNSec", "t", property_get_sched_stat, 0, 0),
        SD_BUS_PROPERTY("SchedBoosts", "t", property_get_sched_stat, 0, 0),
        SD_BUS_PROPERTY("SchedPenalties", "t", property_get_sched_stat, 0, 0),
        SD_BUS_PROPERTY("SchedPenalizedNSec", "t", property_get_sched_stat, 0, 0),
        SD_BUS_PROPERTY("CPUYield", "b", property_get_cpu_yield, 0, EMITS),
        SD_BUS_PROPERTY("LastAction", "s", property_get_last_action, 0, EMITS),
        SD_BUS_PROPERTY("LastReason", "s", property_get_string, offsetof(TrackedUnit, last_reason), EMITS),
        SD_BUS_PROPERTY("LastActionTimestamp", "t", property_get_uint64, offsetof(TrackedUnit, last_action_realtime),
                        EMITS),
        SD_BUS_VTABLE_END
};

int bus_unit_add_objects(Manager *m) {
        int r;

        r = sd_bus_add_fallback_vtable(m->bus, NULL, AGENTCGROUP_UNIT_PATH_PREFIX, AGENTCGROUP_UNIT_INTERFACE,
                                       unit_vtable, unit_object_find, m);
        if (r < 0)
                return r;
        /* For introspection: busctl tree, and clients that discover the units by walking. */
        return sd_bus_add_node_enumerator(m->bus, NULL, AGENTCGROUP_UNIT_PATH_PREFIX, unit_node_enumerator, m);
}

static bool unit_can_send(TrackedUnit *u) {
        return u && u->managed && u->manager->bus && sd_bus_is_open(u->manager->bus) > 0;
}

void bus_unit_send_changed(TrackedUnit *u) {
        _cleanup_(freep) char *path = NULL;
        int r;

        if (!unit_can_send(u))
                return;
        path = bus_unit_path(u->name);
        if (!path)
                return (void) log_oom();
        /* NULL: every property flagged EMITS_CHANGE, with its current value. */
        r = sd_bus_emit_properties_changed_strv(u->manager->bus, path, AGENTCGROUP_UNIT_INTERFACE, NULL);
        if (r < 0)
                log_unit_debug_errno(u->name, r, "Failed to send PropertiesChanged: %m");
}

void bus_unit_send_state_changed(TrackedUnit *u) {
        _cleanup_(freep) char *path = NULL;
        int r;

        if (!unit_can_send(u))
                return;
        path = bus_unit_path(u->name);
        if (!path)
                return (void) log_oom();
        r = sd_bus_emit_signal(u->manager->bus, AGENTCGROUP_BUS_PATH, AGENTCGROUP_MANAGER_INTERFACE,
                               "UnitStateChanged", "sosss", u->name, path,
                               strempty(unit_state_to_string(u)),
                               strempty(mem_action_to_string(u->last_action)), strempty(u->last_reason));
        if (r < 0)
                log_unit_debug_errno(u->name, r, "Failed to send UnitStateChanged: %m");
}
