/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <time.h>

#include "bpf-sched.h"
#include "cpu.h"
#include "dbus-manager.h"
#include "dbus-unit.h"
#include "log.h"
#include "manager.h"
#include "unit.h"

static uint64_t now_nsec_monotonic(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

/* Whether the memory side has the unit give way to higher-priority units: it then yields the CPU
 * too, if its profile says so (CPUYield=). Not in monitor mode, which changes nothing. */
static bool gives_way(const TrackedUnit *u) {
        return u->mode == ACTION_MODE_ENFORCE && mem_unit_gives_way(&u->mem);
}

static int set_policy(TrackedUnit *u, const Profile *p) {
        SchedPolicy policy;
        bool yielding;
        int r;
        uint64_t now = now_nsec_monotonic();

        sched_policy_from_profile(p, &policy);
        yielding = sched_policy_apply_squeeze(&policy, gives_way(u));
        if (u->sched_pressure_expires_ns > now) {
                policy.pressure_permille = u->sched_pressure_permille;
                policy.pressure_expires_ns = u->sched_pressure_expires_ns;
        }
        /* A restarted unit has a new cgroup: the entry of the old one goes. */
        if (u->sched_policy_cgroup_id != 0 && u->sched_policy_cgroup_id != u->cgroup_id)
                cpu_unit_forget(u);
        r = sched_bpf_set_policy(u->manager->sched, u->cgroup_id, &policy);
        if (r < 0)
                return r;
        u->sched_policy_cgroup_id = u->cgroup_id;
        if (yielding != u->cpu_yielding) {
                u->cpu_yielding = yielding;
                if (yielding)
                        log_unit_info(u->name, "Yields the CPU (scheduled as CPUWeight=idle) while it gives way to "
                                      "higher-priority units: %s", u->mem.cause);
                else
                        log_unit_info(u->name, "Scheduled by its CPUWeight= again: it no longer gives way to "
                                      "higher-priority units");
                bus_unit_send_changed(u);
        }
        return r;
}

void cpu_unit_memory(TrackedUnit *u, uint64_t stall_permyriad, uint64_t valid_usec) {
        const Profile *p;
        SchedPolicy policy;
        uint32_t permille = (uint32_t) MIN(stall_permyriad / 10, 1000);

        if (sched_bpf_state(u->manager->sched) != SCHED_STATE_ENABLED || u->cgroup_id == 0 || !u->managed ||
            !u->profile || u->mode == ACTION_MODE_MONITOR)
                return;
        p = config_find_profile(u->manager->config, u->profile);
        if (!p)
                return;
        sched_policy_from_profile(p, &policy);
        /* Nothing to say, nothing said before that could still count, and no change of yield. */
        if (permille == 0 && u->sched_pressure_permille == 0 &&
            sched_policy_apply_squeeze(&policy, gives_way(u)) == u->cpu_yielding)
                return;
        u->sched_pressure_permille = permille;
        u->sched_pressure_expires_ns = now_nsec_monotonic() + valid_usec * 1000;
        (void) set_policy(u, p);
}

void cpu_unit_apply(TrackedUnit *u, const Profile *p) {
        SchedBpf *s = u->manager->sched;
        int r;

        if (sched_bpf_state(s) != SCHED_STATE_ENABLED || u->cgroup_id == 0)
                return;
        /* Monitor mode: scheduled like any unmanaged cgroup, in partial mode not switched. */
        if (!p || !u->managed || u->mode == ACTION_MODE_MONITOR) {
                cpu_unit_forget(u);
                return;
        }
        r = set_policy(u, p);
        if (r < 0)
                log_unit_warning_errno(u->name, r, "Cannot give the scheduler the policy of profile %s: %m", p->name);
        if (sched_bpf_needs_switch(s) && u->type != UNIT_TYPE_SLICE && u->control_group) {
                r = sched_switch_cgroup(u->control_group);
                if (r < 0)
                        log_unit_warning_errno(u->name, r, "Cannot move the unit's tasks to the BPF scheduler: %m");
                else if (r > 0)
                        log_unit_debug(u->name, "%d task(s) moved to the BPF scheduler (SCHED_EXT).", r);
        }
}

/* By the id the policy was stored under: by the time a unit is removed, systemd may report
 * another cgroup id (or none) for it. */
void cpu_unit_forget(TrackedUnit *u) {
        if (u->sched_policy_cgroup_id > 0)
                (void) sched_bpf_remove_policy(u->manager->sched, u->sched_policy_cgroup_id);
        u->sched_policy_cgroup_id = 0;
        u->cpu_yielding = false;
}

static void push_unit(TrackedUnit *u, void *userdata) {
        Manager *m = userdata;

        if (u->managed && u->profile)
                cpu_unit_apply(u, config_find_profile(m->config, u->profile));
}

static void on_sched_change(SchedBpf *s, void *userdata) {
        Manager *m = userdata;

        /* A freshly loaded scheduler has empty maps. */
        if (sched_bpf_state(s) == SCHED_STATE_ENABLED)
                manager_foreach_unit(m, push_unit, m);
        bus_manager_send_scheduler_changed(m);
        manager_update_status(m);
}

void cpu_config_changed(Manager *m) {
        const Config *c = m->config;
        const char *why_off = NULL;
        SchedMode mode;

        if (!m->sched || !c)
                return;
        mode = c->scheduler_mode >= 0 ? (SchedMode) c->scheduler_mode : SCHED_MODE_AUTO;
        /* Monitor mode replaces no scheduler unless Scheduler= asks for it by name. */
        if (mode == SCHED_MODE_AUTO && config_profile_mode(c, NULL) == ACTION_MODE_MONITOR) {
                mode = SCHED_MODE_OFF;
                why_off = "Mode=monitor and Scheduler=auto";
        }
        (void) sched_bpf_configure(m->sched, mode, why_off,
                                   c->scheduler_restart_usec != USEC_UNSET ? c->scheduler_restart_usec
                                                                           : SCHED_RESTART_USEC_DEFAULT,
                                   c->scheduler_restart_max != UINT64_MAX ? (unsigned) c->scheduler_restart_max
                                                                          : SCHED_RESTART_MAX_DEFAULT);
}

int cpu_setup(Manager *m) {
        int r;

        r = sched_bpf_new(&m->sched, m->event, NULL, on_sched_change, m);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the CPU scheduler: %m");
        cpu_config_changed(m);
        return 0;
}

void cpu_free(Manager *m) {
        m->sched = sched_bpf_free(m->sched);
}
