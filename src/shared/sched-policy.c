/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "macro.h"
#include "parse-util.h"
#include "sched-policy.h"

static const char *const sched_mode_table[_SCHED_MODE_MAX] = {
        [SCHED_MODE_AUTO] = "auto",
        [SCHED_MODE_FULL] = "full",
        [SCHED_MODE_PARTIAL] = "partial",
        [SCHED_MODE_OFF] = "off",
};

const char *sched_mode_to_string(SchedMode m) {
        return m >= 0 && m < _SCHED_MODE_MAX ? sched_mode_table[m] : NULL;
}

SchedMode sched_mode_from_string(const char *s) {
        if (!s)
                return _SCHED_MODE_INVALID;
        for (SchedMode m = 0; m < _SCHED_MODE_MAX; m++)
                if (streq(s, sched_mode_table[m]))
                        return m;
        return _SCHED_MODE_INVALID;
}

SchedMode sched_mode_resolve(SchedMode configured, bool kernel_has_sched_ext) {
        if (!kernel_has_sched_ext || configured == SCHED_MODE_OFF || configured < 0)
                return SCHED_MODE_OFF;
        return configured == SCHED_MODE_AUTO ? SCHED_MODE_FULL : configured;
}

uint64_t sched_restart_delay(uint64_t base_usec, unsigned attempt) {
        uint64_t d = base_usec;

        for (unsigned i = 0; i < attempt && d < SCHED_RESTART_USEC_CAP; i++)
                d *= 2;
        return MIN(d, MAX(base_usec, SCHED_RESTART_USEC_CAP));
}

const char *sched_exit_kind_to_string(uint32_t kind) {
        switch (kind) {
        case 0:                         return "none";
        case 1:                         return "done";
        case SCHED_EXIT_UNREG:          return "unregistered";
        case SCHED_EXIT_UNREG_BPF:      return "unregistered by the BPF program";
        case SCHED_EXIT_UNREG_KERN:     return "unregistered by the kernel";
        case SCHED_EXIT_SYSRQ:          return "SysRq-S";
        case SCHED_EXIT_ERROR:          return "error";
        case SCHED_EXIT_ERROR + 1:      return "BPF error";
        case SCHED_EXIT_ERROR_STALL:    return "stall watchdog";
        default:
                return kind >= SCHED_EXIT_ERROR ? "error" : "other";
        }
}

bool sched_exit_wants_restart(uint32_t kind, uint64_t restart_usec, unsigned attempts, unsigned max_attempts) {
        if (restart_usec == 0 || (attempts >= max_attempts && sched_exit_counts(kind)))
                return false;
        if (kind == SCHED_EXIT_UNREG || kind == SCHED_EXIT_SYSRQ)
                return false;
        return true;
}

bool sched_exit_counts(uint32_t kind) {
        return kind != SCHED_EXIT_UNREG_KERN;
}

void sched_policy_from_profile(const Profile *p, SchedPolicy *ret) {
        static const struct {
                uint64_t slice_usec, burst_usec;
        } defaults[_PROFILE_CLASS_MAX] = {
                [PROFILE_CLASS_INTERACTIVE] = { 2000, 20000 },
                [PROFILE_CLASS_TOOL_BURST]  = { 5000, 5000 },
                [PROFILE_CLASS_BACKGROUND]  = { 10000, 0 },
        };
        ProfileClass class = p->class >= 0 && p->class < _PROFILE_CLASS_MAX ? p->class : PROFILE_CLASS_TOOL_BURST;
        uint64_t slice = p->cpu_slice_usec != USEC_UNSET ? p->cpu_slice_usec : defaults[class].slice_usec;
        uint64_t burst = p->cpu_burst_usec != USEC_UNSET ? p->cpu_burst_usec : defaults[class].burst_usec;

        slice = MIN(MAX(slice, SCHED_SLICE_USEC_MIN), SCHED_SLICE_USEC_MAX);
        burst = MIN(burst, SCHED_BURST_USEC_MAX);
        *ret = (SchedPolicy) {
                .class = class,
                .weight_pct = 100,
                .slice_ns = slice * 1000,
                /* 0 would mean "one slice" to the scheduler; background units get no credit at all. */
                .burst_ns = burst > 0 ? burst * 1000 : 1,
                .idle = p->cpu_weight == CPU_WEIGHT_IDLE,
                .yield = p->cpu_yield >= 0 ? p->cpu_yield : class == PROFILE_CLASS_BACKGROUND,
        };
}

bool sched_policy_apply_squeeze(SchedPolicy *p, bool squeezed) {
        if (!p->yield || !squeezed)
                return false;
        p->idle = true;
        return true;
}
