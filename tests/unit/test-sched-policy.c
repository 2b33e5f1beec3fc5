/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "conf.h"
#include "sched-policy.h"
#include "test-helpers.h"

TEST(modes) {
        ASSERT_EQ(sched_mode_from_string("auto"), SCHED_MODE_AUTO);
        ASSERT_EQ(sched_mode_from_string("partial"), SCHED_MODE_PARTIAL);
        ASSERT_EQ(sched_mode_from_string("Full"), _SCHED_MODE_INVALID);
        ASSERT_EQ(sched_mode_from_string(""), _SCHED_MODE_INVALID);
        ASSERT_STREQ(sched_mode_to_string(SCHED_MODE_OFF), "off");
        ASSERT_NULL(sched_mode_to_string(_SCHED_MODE_MAX));
        /* auto is full; nothing runs without sched_ext. */
        ASSERT_EQ(sched_mode_resolve(SCHED_MODE_AUTO, true), SCHED_MODE_FULL);
        ASSERT_EQ(sched_mode_resolve(SCHED_MODE_PARTIAL, true), SCHED_MODE_PARTIAL);
        ASSERT_EQ(sched_mode_resolve(SCHED_MODE_FULL, true), SCHED_MODE_FULL);
        ASSERT_EQ(sched_mode_resolve(SCHED_MODE_FULL, false), SCHED_MODE_OFF);
        ASSERT_EQ(sched_mode_resolve(SCHED_MODE_OFF, true), SCHED_MODE_OFF);
}

TEST(restart) {
        ASSERT_EQ(sched_restart_delay(10000000, 0), 10000000);
        ASSERT_EQ(sched_restart_delay(10000000, 1), 20000000);
        ASSERT_EQ(sched_restart_delay(10000000, 3), 80000000);
        ASSERT_EQ(sched_restart_delay(10000000, 40), SCHED_RESTART_USEC_CAP);
        /* A base above the cap is taken as given. */
        ASSERT_EQ(sched_restart_delay(600000000, 2), 600000000);

        ASSERT_TRUE(sched_exit_wants_restart(SCHED_EXIT_ERROR_STALL, 1000000, 0, 5));
        ASSERT_TRUE(sched_exit_wants_restart(SCHED_EXIT_ERROR + 1, 1000000, 4, 5));
        ASSERT_FALSE(sched_exit_wants_restart(SCHED_EXIT_ERROR, 1000000, 5, 5));
        ASSERT_FALSE(sched_exit_wants_restart(SCHED_EXIT_ERROR, 0, 0, 5));
        ASSERT_FALSE(sched_exit_wants_restart(SCHED_EXIT_UNREG, 1000000, 0, 5));
        ASSERT_FALSE(sched_exit_wants_restart(SCHED_EXIT_SYSRQ, 1000000, 0, 5));
        /* CPU hot-plug: always loaded again, and not counted. */
        ASSERT_TRUE(sched_exit_wants_restart(SCHED_EXIT_UNREG_KERN, 1000000, 5, 5));
        ASSERT_FALSE(sched_exit_counts(SCHED_EXIT_UNREG_KERN));
        ASSERT_TRUE(sched_exit_counts(SCHED_EXIT_ERROR_STALL));
        ASSERT_STREQ(sched_exit_kind_to_string(SCHED_EXIT_ERROR_STALL), "stall watchdog");
        ASSERT_STREQ(sched_exit_kind_to_string(SCHED_EXIT_SYSRQ), "SysRq-S");
}

TEST(profile_policy) {
        _cleanup_(config_freep) Config *c = NULL;
        const Profile *p;
        SchedPolicy sp;

        ASSERT_OK(config_new(&c));
        parse_text(c, "a.conf",
                   "[Manager]\nScheduler=full\nSchedulerRestartSec=3s\nSchedulerRestartMax=2\n"
                   "[Profile:ia]\nClass=interactive\n"
                   "[Profile:bg]\nClass=background\nCPUSliceSec=20ms\nCPUBurstSec=0\n"
                   "[Profile:tool]\nCPUSliceSec=800us\nCPUBurstSec=1s\n"
                   "[Profile:spare]\nClass=background\nCPUWeight=idle\n");
        ASSERT_OK(config_finalize(c));
        ASSERT_EQ(c->n_errors, 0);
        ASSERT_EQ(c->scheduler_mode, SCHED_MODE_FULL);
        ASSERT_EQ(c->scheduler_restart_usec, 3000000);
        ASSERT_EQ(c->scheduler_restart_max, 2);

        p = config_find_profile(c, "ia");
        sched_policy_from_profile(p, &sp);
        ASSERT_EQ(sp.class, PROFILE_CLASS_INTERACTIVE);
        ASSERT_EQ(sp.slice_ns, 2000000);
        ASSERT_EQ(sp.burst_ns, 20000000);
        ASSERT_EQ(sp.weight_pct, 100);
        ASSERT_FALSE(sp.idle);

        p = config_find_profile(c, "bg");
        sched_policy_from_profile(p, &sp);
        ASSERT_EQ(sp.class, PROFILE_CLASS_BACKGROUND);
        ASSERT_EQ(sp.slice_ns, 20000000);
        ASSERT_EQ(sp.burst_ns, 1); /* no credit: 0 would mean one slice */

        /* No class: the configuration's default class (background) and its defaults, except
         * what is set. */
        p = config_find_profile(c, "tool");
        sched_policy_from_profile(p, &sp);
        ASSERT_EQ(sp.class, PROFILE_CLASS_BACKGROUND);
        ASSERT_EQ(sp.slice_ns, 800000);
        ASSERT_EQ(sp.burst_ns, 1000000000);
        ASSERT_FALSE(sp.idle);

        /* CPUWeight=idle: the scheduler is told, since the kernel tells it only cpu.weight. */
        p = config_find_profile(c, "spare");
        sched_policy_from_profile(p, &sp);
        ASSERT_EQ(sp.class, PROFILE_CLASS_BACKGROUND);
        ASSERT_TRUE(sp.idle);
        ASSERT_EQ(sp.weight_pct, 100);
}

/* CPUYield=: background units run as idle while they give way to higher-priority units' memory,
 * the other classes keep their weight; either can be set. */
TEST(yield_while_squeezed) {
        static const struct {
                const char *profile;
                bool yields;
        } cases[] = {
                { "ia", false }, { "tb", false }, { "bg", true }, { "bgstay", false }, { "tbyield", true },
        };
        _cleanup_(config_freep) Config *c = NULL;

        ASSERT_OK(config_new(&c));
        parse_text(c, "a.conf",
                   "[Profile:ia]\nClass=interactive\n"
                   "[Profile:tb]\nClass=tool-burst\n"
                   "[Profile:bg]\nClass=background\nCPUWeight=20\n"
                   "[Profile:bgstay]\nClass=background\nCPUYield=no\n"
                   "[Profile:tbyield]\nClass=tool-burst\nCPUYield=yes\n");
        ASSERT_OK(config_finalize(c));
        ASSERT_EQ(c->n_errors, 0);

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const Profile *p = config_find_profile(c, cases[i].profile);
                SchedPolicy sp;

                ASSERT_NOT_NULL(p);
                sched_policy_from_profile(p, &sp);
                ASSERT_EQ(sp.yield, cases[i].yields);
                /* Not squeezed: the profile's weight, whatever CPUYield= says. */
                ASSERT_FALSE(sched_policy_apply_squeeze(&sp, false));
                ASSERT_FALSE(sp.idle);
                ASSERT_EQ(sched_policy_apply_squeeze(&sp, true), cases[i].yields);
                ASSERT_EQ(sp.idle, cases[i].yields);
                /* The rest of the policy stays the profile's. */
                ASSERT_EQ(sp.weight_pct, 100);
        }
}

TEST(bad_settings) {
        _cleanup_(config_freep) Config *c = NULL;

        ASSERT_OK(config_new(&c));
        parse_text(c, "b.conf",
                   "[Manager]\nScheduler=sometimes\nSchedulerRestartMax=-1\nSchedulerRestartSec=soon\n"
                   "[Profile:x]\nCPUSliceSec=100us\nCPUBurstSec=1min\nCPUYield=sometimes\n");
        ASSERT_OK(config_finalize(c));
        ASSERT_EQ(c->n_errors, 6);
        ASSERT_TRUE(has_error(c, "b.conf", 2, "Scheduler=sometimes: expected auto, full, partial or off"));
        ASSERT_TRUE(has_error(c, "b.conf", 3, "SchedulerRestartMax=-1: expected a number of attempts"));
        ASSERT_TRUE(has_error(c, "b.conf", 4, "SchedulerRestartSec=soon: expected a duration"));
        ASSERT_TRUE(has_error(c, "b.conf", 6, "CPUSliceSec=100us: out of range (500us to 100ms)"));
        ASSERT_TRUE(has_error(c, "b.conf", 7, "CPUBurstSec=1min: out of range (0 to 1s)"));
        ASSERT_TRUE(has_error(c, "b.conf", 8, "CPUYield=sometimes: expected yes or no"));
        /* Bad values leave the defaults. */
        ASSERT_EQ(c->scheduler_mode, -1);
        ASSERT_EQ(config_find_profile(c, "x")->cpu_slice_usec, USEC_UNSET);
        ASSERT_EQ(config_find_profile(c, "x")->cpu_yield, -1);
}
