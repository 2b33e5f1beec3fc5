/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "mem-policy.h"
#include "profile-props.h"
#include "test-helpers.h"

#define MiB (1ULL << 20)
#define MS USEC_PER_MSEC
#define SEC USEC_PER_SEC

/* ---- configuration: the dynamic-layer keys ---- */

static Config *parse_finalized(const char *text) {
        Config *c = NULL;

        ASSERT_OK(config_new(&c));
        parse_text(c, "p.conf", text);
        ASSERT_OK(config_finalize(c));
        return c;
}

TEST(conf_memory_policy_keys) {
        _cleanup_(config_freep) Config *c = parse_finalized(
                "[Manager]\nPressureThreshold=12.5%\nRelaxSec=3s\nEvaluateSec=50ms\n"
                "[Profile:low]\nClass=background\nMemoryHigh=300M\nMemoryBurst=100M\nMemoryBurstSec=2s\n"
                "MemoryFloor=8M\nThrottleDelayMaxSec=5s\nFreeze=no\nKill=yes\nKillAfterSec=1500ms\n"
                "OOMScoreAdjust=-17\n"
                "[Profile:hi]\nClass=interactive\nMemoryHeadroom=1G\nKill=yes\n");
        const Profile *low, *hi;
        MemParams p;
        MemSettings s;
        _cleanup_(freep) char *dump = NULL;
        size_t n = 0;
        FILE *f;

        dump_errors(c);
        ASSERT_EQ(c->n_errors, 0);
        mem_settings_from_config(c, &s);
        ASSERT_U64_EQ(s.pressure_threshold, 1250);
        ASSERT_U64_EQ(s.relax_usec, 3 * SEC);
        ASSERT_U64_EQ(s.evaluate_usec, 50 * MS);

        low = config_find_profile(c, "low");
        mem_params_from_profile(low, 4096 * MiB, &p);
        ASSERT_U64_EQ(p.high, 300 * MiB);
        ASSERT_U64_EQ(p.burst, 100 * MiB);
        ASSERT_U64_EQ(p.burst_usec, 2 * SEC);
        ASSERT_U64_EQ(p.floor, 8 * MiB);
        ASSERT_U64_EQ(p.throttle_delay_max_usec, MEM_KERNEL_DELAY_MAX_USEC); /* capped at the kernel's 2 s */
        ASSERT_FALSE(p.freeze);
        ASSERT_TRUE(p.kill);
        ASSERT_U64_EQ(p.kill_after_usec, 1500 * MS);
        ASSERT_EQ(p.oom_score_adjust, -17);
        ASSERT_EQ(p.priority, 0);

        /* Interactive units are what the policy protects: Kill=yes does not make them victims. */
        hi = config_find_profile(c, "hi");
        mem_params_from_profile(hi, 4096 * MiB, &p);
        ASSERT_FALSE(p.kill);
        ASSERT_FALSE(p.freeze);
        ASSERT_U64_EQ(p.headroom, 1024 * MiB);
        ASSERT_EQ(p.priority, 2);
        ASSERT_TRUE(p.oom_score_adjust < 0);

        /* The dump carries every key, so cat-config --effective shows them. */
        f = open_memstream(&dump, &n);
        ASSERT_NOT_NULL(f);
        ASSERT_OK(config_dump(c, f));
        fclose(f);
        ASSERT_NOT_NULL(strstr(dump, "PressureThreshold=12.50%\n"));
        ASSERT_NOT_NULL(strstr(dump, "RelaxSec=3s\n"));
        ASSERT_NOT_NULL(strstr(dump, "EvaluateSec=50ms\n"));
        ASSERT_NOT_NULL(strstr(dump, "KillAfterSec=1500ms\n"));
        ASSERT_NOT_NULL(strstr(dump, "Freeze=no\n"));
        ASSERT_NOT_NULL(strstr(dump, "OOMScoreAdjust=-17\n"));
        ASSERT_NOT_NULL(strstr(dump, "MemoryHeadroom=1G\n"));
}

TEST(conf_memory_policy_errors) {
        _cleanup_(config_freep) Config *c = parse_finalized(
                "[Manager]\n"
                "PressureThreshold=12\n"        /* 2 */
                "RelaxSec=soon\n"               /* 3 */
                "[Profile:x]\n"                 /* 4 */
                "Freeze=maybe\n"                /* 5 */
                "OOMScoreAdjust=1001\n"         /* 6 */
                "OOMScoreAdjust=12abc\n"        /* 7 */
                "MemoryBurst=lots\n"            /* 8 */
                "KillAfterSec=-1s\n"            /* 9 */
                "PressureThreshold=101%\n");    /* 10: a [Manager] key in a profile */

        ASSERT_HAS_ERROR(c, "p.conf", 2, "PressureThreshold=12: expected a percentage");
        ASSERT_HAS_ERROR(c, "p.conf", 3, "RelaxSec=soon: expected a duration");
        ASSERT_HAS_ERROR(c, "p.conf", 5, "Freeze=maybe: expected yes or no");
        ASSERT_HAS_ERROR(c, "p.conf", 6, "OOMScoreAdjust=1001: expected a whole number from -1000 to 1000");
        ASSERT_HAS_ERROR(c, "p.conf", 7, "OOMScoreAdjust=12abc");
        ASSERT_HAS_ERROR(c, "p.conf", 8, "MemoryBurst=lots");
        ASSERT_HAS_ERROR(c, "p.conf", 9, "KillAfterSec=-1s");
        ASSERT_HAS_ERROR(c, "p.conf", 10, "PressureThreshold");
}

TEST(class_defaults_order) {
        Profile pr = { .class = PROFILE_CLASS_INTERACTIVE };
        MemParams i, t, b;

        memory_policy_spec_init(&pr.mem);
        mem_params_from_profile(&pr, 0, &i);
        pr.class = PROFILE_CLASS_TOOL_BURST;
        mem_params_from_profile(&pr, 0, &t);
        pr.class = PROFILE_CLASS_BACKGROUND;
        mem_params_from_profile(&pr, 0, &b);

        ASSERT_TRUE(i.priority > t.priority && t.priority > b.priority);
        /* Lower priority: a harder bound on throttling, an earlier freeze, first in the OOM order. */
        ASSERT_TRUE(i.throttle_delay_max_usec < t.throttle_delay_max_usec);
        ASSERT_TRUE(t.throttle_delay_max_usec < b.throttle_delay_max_usec);
        ASSERT_TRUE(b.freeze_after_usec <= t.freeze_after_usec);
        ASSERT_TRUE(i.oom_score_adjust < t.oom_score_adjust && t.oom_score_adjust < b.oom_score_adjust);
        ASSERT_FALSE(i.freeze);
        ASSERT_FALSE(i.kill);
        ASSERT_TRUE(b.kill);
        ASSERT_U64_EQ(i.high, UINT64_MAX);
}

/* ---- the delay curve ---- */

TEST(delay_curve) {
        MemParams p = { .throttle_delay_max_usec = 1 * SEC };
        uint64_t h;

        /* Not above the soft limit: nothing to throttle. */
        ASSERT_U64_EQ(mem_throttle_high(&p, 100 * MiB, 200 * MiB), 100 * MiB);
        ASSERT_U64_EQ(mem_throttle_high(&p, 100 * MiB, UINT64_MAX), 100 * MiB);

        /* A small overage: the kernel's own curve (high = soft). */
        h = mem_throttle_high(&p, 105 * MiB, 100 * MiB);
        ASSERT_U64_EQ(h, 100 * MiB);

        /* A large overage: bounded, f = sqrt(1 s / 64 s) = 0.125, so high = current / 1.125. */
        h = mem_throttle_high(&p, 900 * MiB, 100 * MiB);
        ASSERT_U64_EQ(h, 800 * MiB);

        /* The bound grows with lower priority: a 250 ms bound keeps high closer to current. */
        p.throttle_delay_max_usec = 250 * MS;
        ASSERT_TRUE(mem_throttle_high(&p, 900 * MiB, 100 * MiB) > h);

        /* A bound the kernel would not sleep for means no throttling. */
        p.throttle_delay_max_usec = 10 * MS;
        ASSERT_U64_EQ(mem_throttle_high(&p, 900 * MiB, 100 * MiB), 900 * MiB);
}

/* ---- the evaluation ---- */

static MemSettings settings(void) {
        return (MemSettings) { .pressure_threshold = 1000, .relax_usec = 2 * SEC, .evaluate_usec = 100 * MS };
}

static void unit_init(MemUnit *u, const char *name, ProfileClass class, uint64_t current) {
        Profile pr = { .class = class };

        memory_policy_spec_init(&pr.mem);
        *u = (MemUnit) { .name = name };
        mem_params_from_profile(&pr, 0, &u->params);
        u->sample = (MemSample) { .valid = true, .current = current };
}

/* One step of dt: `stall` basis points of stall for the stalling unit(s). */
static bool step(MemUnit **units, size_t n, MemDomain *d, uint64_t *now, uint64_t dt) {
        MemSettings s = settings();

        *now += dt;
        d->current = 0;
        for (size_t i = 0; i < n; i++)
                d->current += units[i]->sample.current;
        return mem_policy_evaluate(units, n, d, &s, *now);
}

static void stall(MemUnit *u, uint64_t dt, unsigned permyriad) {
        u->sample.pressure_some_usec += dt * permyriad / 10000;
}

TEST(idle_units_do_nothing) {
        MemUnit hi, lo;
        MemUnit *units[] = { &hi, &lo };
        MemDomain d = { .limit = 2000 * MiB, .available = UINT64_MAX };
        uint64_t now = 1 * SEC;

        unit_init(&hi, "hi.scope", PROFILE_CLASS_INTERACTIVE, 300 * MiB);
        unit_init(&lo, "lo.scope", PROFILE_CLASS_BACKGROUND, 400 * MiB);
        for (int i = 0; i < 10; i++) {
                bool busy = step(units, 2, &d, &now, 100 * MS);

                ASSERT_FALSE(busy);
                ASSERT_EQ(hi.decision.action, MEM_ACTION_NONE);
                ASSERT_EQ(lo.decision.action, MEM_ACTION_NONE);
                ASSERT_FALSE(lo.decision.set_high);
        }
        ASSERT_EQ(lo.state, MEM_STATE_RUNNING);
}

TEST(burst_credit_then_throttle_then_relax) {
        MemUnit u;
        MemUnit *units[] = { &u };
        MemDomain d = { .limit = 8000 * MiB, .available = UINT64_MAX };
        uint64_t now = 1 * SEC;

        unit_init(&u, "tool.scope", PROFILE_CLASS_TOOL_BURST, 100 * MiB);
        u.params.high = 500 * MiB;
        u.params.burst = 300 * MiB;
        u.params.burst_usec = 1 * SEC;
        step(units, 1, &d, &now, 100 * MS);

        /* Above MemoryHigh= but with credit: allowed up to high + burst, no throttling. */
        u.sample.current = 700 * MiB;
        for (int i = 0; i < 9; i++) {
                step(units, 1, &d, &now, 100 * MS);
                ASSERT_EQ(u.state, MEM_STATE_RUNNING);
                ASSERT_FALSE(u.decision.set_high);
        }
        /* Credit used up after 1 s above: throttled with a bounded delay (high below current). */
        step(units, 1, &d, &now, 100 * MS);
        ASSERT_EQ(u.state, MEM_STATE_THROTTLED);
        ASSERT_EQ(u.decision.action, MEM_ACTION_THROTTLE);
        ASSERT_TRUE(u.decision.set_high);
        ASSERT_TRUE(u.decision.high < 700 * MiB && u.decision.high >= 500 * MiB);
        ASSERT_NOT_NULL(strstr(u.decision.reason, "burst credit"));
        ASSERT_EQ(u.n_throttled, 1);

        /* Back below MemoryHigh=: relaxed to the profile's value at once (own limit, no squeeze). */
        u.sample.current = 400 * MiB;
        step(units, 1, &d, &now, 100 * MS);
        ASSERT_EQ(u.state, MEM_STATE_RUNNING);
        ASSERT_EQ(u.decision.action, MEM_ACTION_RELAX);
        ASSERT_TRUE(u.decision.set_high);
        ASSERT_U64_EQ(u.decision.high, UINT64_MAX);

        /* Credit refills while below: a new short burst is allowed again. */
        for (int i = 0; i < 10; i++)
                step(units, 1, &d, &now, 100 * MS);
        ASSERT_U64_EQ(u.burst_used_usec, 0);
        u.sample.current = 750 * MiB;
        step(units, 1, &d, &now, 100 * MS);
        ASSERT_EQ(u.state, MEM_STATE_RUNNING);
}

/* HIGH stalls in a full domain: LOW is squeezed, then frozen, and its memory reclaimed with swap;
 * when HIGH is calm again, LOW is thawed and relaxed after RelaxSec=. */
static void ladder(bool swap) {
        MemUnit hi, lo;
        MemUnit *units[] = { &hi, &lo };
        MemDomain d = { .limit = 2000 * MiB, .available = UINT64_MAX, .swap = swap };
        uint64_t now = 1 * SEC, t0;
        bool busy;

        unit_init(&hi, "hi.scope", PROFILE_CLASS_INTERACTIVE, 1200 * MiB);
        unit_init(&lo, "lo.scope", PROFILE_CLASS_BACKGROUND, 780 * MiB);
        lo.params.kill = false;
        hi.params.headroom = 0; /* the stalls alone drive it here */
        step(units, 2, &d, &now, 100 * MS);

        /* HIGH stalls 30% of the time. */
        stall(&hi, 100 * MS, 3000);
        busy = step(units, 2, &d, &now, 100 * MS);
        ASSERT_TRUE(busy);
        ASSERT_TRUE(hi.stalling);
        ASSERT_EQ(hi.decision.action, MEM_ACTION_NONE); /* never squeezed itself */
        ASSERT_EQ(lo.state, MEM_STATE_THROTTLED);
        ASSERT_EQ(lo.decision.action, MEM_ACTION_THROTTLE);
        ASSERT_TRUE(lo.decision.set_high);
        ASSERT_TRUE(lo.decision.high < 780 * MiB);
        ASSERT_NOT_NULL(strstr(lo.decision.reason, "hi.scope (interactive) stalled 30.00%"));
        ASSERT_EQ(lo.decision.reclaim > 0, swap);
        /* LOW gives way for a unit that stalls now: its reclaim is urgent (reclaim.c). */
        ASSERT_TRUE(mem_unit_squeezed_for_staller(&lo));
        ASSERT_FALSE(mem_unit_squeezed_for_staller(&hi));
        t0 = now;

        /* Still stalling: after FreezeAfterSec= (500 ms for background) LOW is frozen. */
        while (lo.state != MEM_STATE_FROZEN && now - t0 < 2 * SEC) {
                stall(&hi, 100 * MS, 3000);
                step(units, 2, &d, &now, 100 * MS);
        }
        ASSERT_EQ(lo.state, MEM_STATE_FROZEN);
        ASSERT_TRUE(lo.decision.freeze);
        ASSERT_EQ(lo.decision.action, MEM_ACTION_FREEZE);
        ASSERT_TRUE(now - t0 >= lo.params.freeze_after_usec - 100 * MS);
        ASSERT_TRUE(now - t0 <= lo.params.freeze_after_usec + 100 * MS);
        ASSERT_EQ(lo.n_frozen, 1);
        ASSERT_TRUE(mem_unit_squeezed_for_staller(&lo));
        if (swap)
                ASSERT_U64_EQ(lo.decision.reclaim, 780 * MiB - lo.params.floor);
        else
                ASSERT_U64_EQ(lo.decision.reclaim, 0);

        /* HIGH calm: LOW stays frozen until calm for RelaxSec= (2 s), then thawed. */
        t0 = now;
        if (swap)
                lo.sample.current = 100 * MiB;
        hi.sample.current = 1000 * MiB;
        while (lo.state == MEM_STATE_FROZEN && now - t0 < 5 * SEC)
                step(units, 2, &d, &now, 100 * MS);
        ASSERT_TRUE(lo.decision.thaw);
        ASSERT_EQ(lo.decision.action, MEM_ACTION_THAW);
        ASSERT_TRUE(now - t0 >= 2 * SEC);
        ASSERT_TRUE(now - t0 <= 2 * SEC + 200 * MS);
        ASSERT_NOT_NULL(strstr(lo.decision.reason, "no higher-priority unit stalled for 2000 ms, no memory shortage"));
        ASSERT_EQ(lo.n_thawed, 1);
        ASSERT_FALSE(mem_unit_squeezed_for_staller(&lo));
        ASSERT_TRUE(lo.frozen_total_usec >= 2 * SEC);
        /* memory.high back to the profile's once calm for RelaxSec= too (a step later here). */
        t0 = now;
        while (lo.state != MEM_STATE_RUNNING && now - t0 < 1 * SEC) {
                step(units, 2, &d, &now, 100 * MS);
                if (lo.state == MEM_STATE_RUNNING) {
                        ASSERT_EQ(lo.decision.action, MEM_ACTION_RELAX);
                        ASSERT_TRUE(lo.decision.set_high);
                        ASSERT_U64_EQ(lo.decision.high, UINT64_MAX);
                }
        }
        ASSERT_TRUE(lo.state == MEM_STATE_RUNNING);
        ASSERT_TRUE(now - t0 <= 200 * MS);

        /* Calm: nothing more happens and the loop may sleep. */
        busy = step(units, 2, &d, &now, 100 * MS);
        ASSERT_FALSE(busy);
        ASSERT_EQ(lo.decision.action, MEM_ACTION_NONE);
}

TEST(ladder_with_swap) {
        ladder(true);
}

TEST(ladder_without_swap) {
        ladder(false);
}

/* Stalls come and go within a burst; the ladder must not start over at each quiet interval. */
TEST(intermittent_stalls_still_escalate) {
        MemUnit hi, lo;
        MemUnit *units[] = { &hi, &lo };
        MemDomain d = { .limit = 2000 * MiB, .available = UINT64_MAX, .swap = true };
        uint64_t now = 1 * SEC, t0;

        unit_init(&hi, "hi.scope", PROFILE_CLASS_INTERACTIVE, 1200 * MiB);
        unit_init(&lo, "lo.scope", PROFILE_CLASS_BACKGROUND, 780 * MiB);
        step(units, 2, &d, &now, 100 * MS);
        t0 = now;
        for (int i = 0; i < 20 && lo.state != MEM_STATE_FROZEN; i++) {
                if (i % 2 == 0)
                        stall(&hi, 100 * MS, 4000);
                step(units, 2, &d, &now, 100 * MS);
                if (lo.state == MEM_STATE_RUNNING && i > 0)
                        TEST_FAIL("relaxed between two stalls at step %d", i);
        }
        ASSERT_EQ(lo.state, MEM_STATE_FROZEN);
        ASSERT_TRUE(now - t0 <= 1 * SEC);

        /* Held below its use while squeezed: THROTTLED state, no "relax" until calm. */
        unit_init(&hi, "hi.scope", PROFILE_CLASS_INTERACTIVE, 1200 * MiB);
        unit_init(&lo, "lo.scope", PROFILE_CLASS_TOOL_BURST, 780 * MiB);
        step(units, 2, &d, &now, 100 * MS);
        stall(&hi, 100 * MS, 4000);
        step(units, 2, &d, &now, 100 * MS);
        ASSERT_EQ(lo.state, MEM_STATE_THROTTLED);
        lo.sample.current = 300 * MiB; /* reclaimed below the squeezed memory.high */
        step(units, 2, &d, &now, 100 * MS);
        ASSERT_EQ(lo.state, MEM_STATE_THROTTLED);
        ASSERT_TRUE(lo.decision.action != MEM_ACTION_RELAX);
        ASSERT_FALSE(lo.decision.set_high);
}

TEST(kill_when_freezing_does_not_help) {
        MemUnit hi, tool, bg;
        MemUnit *units[] = { &hi, &tool, &bg };
        MemDomain d = { .limit = 2000 * MiB, .available = UINT64_MAX, .swap = false };
        uint64_t now = 1 * SEC, t0;

        unit_init(&hi, "runtime.scope", PROFILE_CLASS_INTERACTIVE, 1500 * MiB);
        unit_init(&tool, "pytest.scope", PROFILE_CLASS_TOOL_BURST, 200 * MiB);
        unit_init(&bg, "batch.scope", PROFILE_CLASS_BACKGROUND, 290 * MiB);
        step(units, 3, &d, &now, 100 * MS);
        t0 = now;
        /* HIGH stalls for good; without swap freezing frees nothing. */
        while (bg.state != MEM_STATE_KILLED && now - t0 < 20 * SEC) {
                stall(&hi, 100 * MS, 5000);
                step(units, 3, &d, &now, 100 * MS);
                ASSERT_TRUE(hi.state == MEM_STATE_RUNNING);
        }
        ASSERT_EQ(bg.state, MEM_STATE_KILLED);
        ASSERT_TRUE(bg.decision.kill);
        ASSERT_EQ(bg.decision.action, MEM_ACTION_KILL);
        ASSERT_NOT_NULL(strstr(bg.decision.reason, "runtime.scope (interactive) stalled"));
        /* Frozen first, killed KillAfterSec= (5 s) later. */
        ASSERT_EQ(bg.n_frozen, 1);
        ASSERT_TRUE(now - t0 >= bg.params.freeze_after_usec + bg.params.kill_after_usec);
        /* The tool call (Kill=no by default) was not killed; the background unit gave way first. */
        ASSERT_TRUE(tool.state != MEM_STATE_KILLED);
        ASSERT_EQ(bg.n_killed, 1);

        /* A killed unit is left alone afterwards. */
        step(units, 3, &d, &now, 100 * MS);
        ASSERT_EQ(bg.decision.action, MEM_ACTION_NONE);
}

/* With swap room for what it holds, a frozen unit is reclaimed, not killed: a kill would free no
 * more memory. Once swap cannot take it, Kill=yes applies. */
TEST(no_kill_while_swap_takes_it) {
        MemUnit hi, bg;
        MemUnit *units[] = { &hi, &bg };
        MemDomain d = { .limit = 2000 * MiB, .available = UINT64_MAX, .swap = true, .swap_free = 1024 * MiB };
        uint64_t now = 1 * SEC, t0;

        unit_init(&hi, "runtime.scope", PROFILE_CLASS_INTERACTIVE, 1200 * MiB);
        unit_init(&bg, "batch.scope", PROFILE_CLASS_BACKGROUND, 780 * MiB);
        ASSERT_TRUE(bg.params.kill);
        step(units, 2, &d, &now, 100 * MS);
        t0 = now;
        while (now - t0 < 20 * SEC) {
                stall(&hi, 100 * MS, 5000);
                step(units, 2, &d, &now, 100 * MS);
                ASSERT_TRUE(bg.state != MEM_STATE_KILLED);
                if (bg.state == MEM_STATE_FROZEN && bg.decision.action == MEM_ACTION_NONE)
                        ASSERT_TRUE(bg.decision.reclaim > 0);
        }
        ASSERT_EQ(bg.state, MEM_STATE_FROZEN);
        ASSERT_EQ(bg.n_killed, 0);

        /* Swap nearly full: what it holds has nowhere to go. */
        d.swap_free = 100 * MiB;
        stall(&hi, 100 * MS, 5000);
        step(units, 2, &d, &now, 100 * MS);
        ASSERT_EQ(bg.state, MEM_STATE_KILLED);
        ASSERT_TRUE(bg.decision.kill);
        ASSERT_NOT_NULL(strstr(bg.decision.reason, "swap cannot take what it holds"));
}

/* Seven background sessions frozen beside a stalling interactive one when swap runs out (as in the
 * many-sessions benchmark, where all seven were killed in one evaluation): one kill at a time,
 * the largest first, and the next only once the first has freed its memory, if still needed. */
TEST(one_kill_at_a_time) {
        static const char *names[] = { "s1.scope", "s2.scope", "s3.scope", "s4.scope", "s5.scope", "s6.scope", "s7.scope" };
        MemUnit hi, bg[7];
        MemUnit *units[8] = { &hi };
        MemDomain d = { .limit = 2000 * MiB, .available = UINT64_MAX, .swap = true, .swap_free = 1024 * MiB };
        uint64_t now = 1 * SEC, t0;
        size_t n = 8, killed;

        unit_init(&hi, "runtime.scope", PROFILE_CLASS_INTERACTIVE, 1300 * MiB);
        for (size_t i = 0; i < 7; i++) {
                unit_init(&bg[i], names[i], PROFILE_CLASS_BACKGROUND, (90 + 5 * i) * MiB);
                units[i + 1] = &bg[i];
        }
        bg[4].sample.current = 130 * MiB; /* the largest */
        step(units, n, &d, &now, 100 * MS);
        t0 = now;
        while (bg[0].state != MEM_STATE_FROZEN && now - t0 < 10 * SEC) {
                stall(&hi, 100 * MS, 5000);
                step(units, n, &d, &now, 100 * MS);
        }
        for (size_t i = 0; i < 7; i++)
                ASSERT_EQ(bg[i].state, MEM_STATE_FROZEN);

        /* Swap full, still stalling: past KillAfterSec= every one of them is due. */
        d.swap_free = 10 * MiB;
        t0 = now;
        killed = 0;
        while (killed == 0 && now - t0 < 20 * SEC) {
                stall(&hi, 100 * MS, 5000);
                step(units, n, &d, &now, 100 * MS);
                for (size_t i = 0; i < 7; i++)
                        killed += bg[i].decision.kill;
        }
        ASSERT_EQ(killed, 1);
        ASSERT_EQ(bg[4].state, MEM_STATE_KILLED);
        ASSERT_NOT_NULL(strstr(bg[4].decision.reason, "swap cannot take what it holds"));

        /* Its memory not freed yet: nobody else, up to MEM_KILL_SETTLE_USEC. */
        t0 = now;
        while (now - t0 + 100 * MS < MEM_KILL_SETTLE_USEC) {
                stall(&hi, 100 * MS, 5000);
                step(units, n, &d, &now, 100 * MS);
                for (size_t i = 0; i < 7; i++)
                        if (i != 4)
                                ASSERT_EQ(bg[i].state, MEM_STATE_FROZEN);
        }

        /* Gone (the daemon drops a unit once systemd has stopped it), and what it freed lets swap
         * take the others: no more kills. */
        units[5] = units[7];
        n = 7;
        d.swap_free = 400 * MiB;
        for (int i = 0; i < 30; i++) {
                stall(&hi, 100 * MS, 5000);
                step(units, n, &d, &now, 100 * MS);
                for (size_t j = 0; j < n; j++)
                        ASSERT_FALSE(units[j]->decision.kill);
        }

        /* Swap full again: the next largest goes, and again only one. */
        d.swap_free = 10 * MiB;
        stall(&hi, 100 * MS, 5000);
        step(units, n, &d, &now, 100 * MS);
        killed = 0;
        for (size_t j = 0; j < n; j++)
                killed += units[j]->decision.kill;
        ASSERT_EQ(killed, 1);
        ASSERT_EQ(bg[6].state, MEM_STATE_KILLED);
}

TEST(lowest_priority_gives_first) {
        MemUnit hi, tool, bg;
        MemUnit *units[] = { &hi, &tool, &bg };
        MemDomain d = { .limit = 2000 * MiB, .available = UINT64_MAX, .swap = true };
        uint64_t now = 1 * SEC;

        unit_init(&hi, "runtime.scope", PROFILE_CLASS_INTERACTIVE, 1000 * MiB);
        unit_init(&tool, "pytest.scope", PROFILE_CLASS_TOOL_BURST, 400 * MiB);
        unit_init(&bg, "batch.scope", PROFILE_CLASS_BACKGROUND, 500 * MiB);
        step(units, 3, &d, &now, 100 * MS);
        stall(&hi, 100 * MS, 2000);
        step(units, 3, &d, &now, 100 * MS);
        /* The step (1/16 of 2000M = 125M) fits in what the background unit can give. */
        ASSERT_TRUE(bg.squeeze_bytes > 0);
        ASSERT_U64_EQ(tool.squeeze_bytes, 0);
        ASSERT_EQ(bg.state, MEM_STATE_THROTTLED);
        ASSERT_EQ(tool.state, MEM_STATE_RUNNING);
        ASSERT_EQ(hi.state, MEM_STATE_RUNNING);

        /* A stalling tool call squeezes the background unit, never the interactive one. */
        hi.sample.pressure_some_usec = 0;
        hi.prev.pressure_some_usec = 0;
        stall(&tool, 100 * MS, 5000);
        step(units, 3, &d, &now, 100 * MS);
        ASSERT_U64_EQ(hi.squeeze_bytes, 0);
        ASSERT_TRUE(bg.squeeze_bytes > 0);
}

TEST(headroom_throttles_but_never_freezes) {
        MemUnit hi, lo;
        MemUnit *units[] = { &hi, &lo };
        MemDomain d = { .limit = 2000 * MiB, .available = UINT64_MAX, .swap = false };
        uint64_t now = 1 * SEC;

        unit_init(&hi, "hi.scope", PROFILE_CLASS_INTERACTIVE, 300 * MiB);
        unit_init(&lo, "lo.scope", PROFILE_CLASS_BACKGROUND, 1200 * MiB);
        hi.params.headroom = 1000 * MiB;
        /* Free: 500M; wanted: 1000M; LOW is held 500M below its use so HIGH can burst. */
        for (int i = 0; i < 50; i++) {
                step(units, 2, &d, &now, 100 * MS);
                ASSERT_TRUE(lo.state == MEM_STATE_THROTTLED);
                if (i == 0) {
                        ASSERT_EQ(lo.decision.action, MEM_ACTION_THROTTLE);
                        ASSERT_NOT_NULL(strstr(lo.decision.reason, "500M free of 2000M, higher-priority units "
                                               "want 1000M of headroom"));
                }
        }
        ASSERT_U64_EQ(lo.effective_high, 700 * MiB);
        /* Held for headroom while nobody stalls: nothing urgent about its reclaim. */
        ASSERT_FALSE(mem_unit_squeezed_for_staller(&lo));
        ASSERT_EQ(lo.n_frozen, 0);
        ASSERT_EQ(lo.n_killed, 0);
}

/* What the CPU side reads (CPUYield=): a unit gives way from the first look that wants its
 * memory until RelaxSec= of calm, and while frozen; the protected unit never does, nor a killed
 * one. */
TEST(gives_way_for_the_squeeze) {
        MemUnit hi, lo;
        MemUnit *units[] = { &hi, &lo };
        MemDomain d = { .limit = 2000 * MiB, .available = UINT64_MAX, .swap = false };
        uint64_t now = 1 * SEC, calm_at;

        unit_init(&hi, "hi.scope", PROFILE_CLASS_INTERACTIVE, 300 * MiB);
        unit_init(&lo, "lo.scope", PROFILE_CLASS_BACKGROUND, 600 * MiB);
        hi.params.headroom = 1000 * MiB;
        /* 1100M free of the 1000M wanted: nothing to give. */
        step(units, 2, &d, &now, 100 * MS);
        ASSERT_FALSE(mem_unit_gives_way(&lo));

        /* LOW grows to 1200M: 500M free, squeezed at once. */
        lo.sample.current = 1200 * MiB;
        step(units, 2, &d, &now, 100 * MS);
        ASSERT_EQ(lo.decision.action, MEM_ACTION_THROTTLE);
        ASSERT_TRUE(mem_unit_gives_way(&lo));
        ASSERT_FALSE(mem_unit_gives_way(&hi));

        /* LOW drops back: it still gives way until calm for RelaxSec= (2 s here). */
        lo.sample.current = 500 * MiB;
        step(units, 2, &d, &now, 100 * MS);
        calm_at = now;
        while (now - calm_at < 1900 * MS) {
                ASSERT_TRUE(mem_unit_gives_way(&lo));
                step(units, 2, &d, &now, 100 * MS);
        }
        for (int i = 0; i < 3; i++)
                step(units, 2, &d, &now, 100 * MS);
        ASSERT_FALSE(mem_unit_gives_way(&lo));
        ASSERT_EQ(lo.state, MEM_STATE_RUNNING);

        /* Frozen and then killed (no swap, Kill=yes): gives way while frozen, not once killed. */
        hi.params.headroom = 0;
        lo.sample.current = 1500 * MiB;
        for (int i = 0; i < 100 && lo.state != MEM_STATE_KILLED; i++) {
                stall(&hi, 100 * MS, 5000);
                step(units, 2, &d, &now, 100 * MS);
                if (lo.state == MEM_STATE_FROZEN)
                        ASSERT_TRUE(mem_unit_gives_way(&lo));
        }
        ASSERT_EQ(lo.n_frozen, 1);
        ASSERT_EQ(lo.state, MEM_STATE_KILLED);
        ASSERT_FALSE(mem_unit_gives_way(&lo));
}

/* The unit that stalled ends (its scope stopped) while LOW is squeezed or frozen for it: the
 * urgency ends with it. LOW is neither frozen afterwards on the old cause nor kept frozen until
 * FreezeMaxSec=: with no unit above it left, it is thawed at the next look. */
TEST(staller_gone_ends_urgency) {
        MemUnit hi, lo;
        MemUnit *units[] = { &hi, &lo }, *alone[] = { &lo };
        MemDomain d = { .limit = 700 * MiB, .available = UINT64_MAX, .swap = true, .swap_free = 1024 * MiB };
        uint64_t now = 1 * SEC;

        unit_init(&hi, "high-burst.scope", PROFILE_CLASS_INTERACTIVE, 300 * MiB);
        unit_init(&lo, "low-grow.scope", PROFILE_CLASS_BACKGROUND, 390 * MiB);
        hi.params.headroom = 0;
        lo.params.freeze_after_usec = 1 * SEC;
        step(units, 2, &d, &now, 100 * MS);
        stall(&hi, 100 * MS, 3500);
        step(units, 2, &d, &now, 100 * MS);
        ASSERT_EQ(lo.state, MEM_STATE_THROTTLED);
        ASSERT_TRUE(lo.urgent_since > 0);

        /* HIGH ends before FreezeAfterSec=: no freeze follows on its old stall. */
        for (int i = 0; i < 30; i++) {
                step(alone, 1, &d, &now, 100 * MS);
                ASSERT_FALSE(lo.decision.freeze);
                ASSERT_U64_EQ(lo.urgent_since, 0);
        }
        ASSERT_EQ(lo.state, MEM_STATE_RUNNING);
        ASSERT_EQ(lo.n_frozen, 0);

        /* Frozen for HIGH, then HIGH ends: thawed at the next look. */
        unit_init(&hi, "high-burst.scope", PROFILE_CLASS_INTERACTIVE, 300 * MiB);
        hi.params.headroom = 0;
        step(units, 2, &d, &now, 100 * MS);
        for (int i = 0; i < 30 && lo.state != MEM_STATE_FROZEN; i++) {
                stall(&hi, 100 * MS, 3500);
                step(units, 2, &d, &now, 100 * MS);
        }
        ASSERT_EQ(lo.state, MEM_STATE_FROZEN);
        step(alone, 1, &d, &now, 100 * MS);
        ASSERT_TRUE(lo.decision.thaw);
        ASSERT_EQ(lo.decision.action, MEM_ACTION_THAW);
        ASSERT_NOT_NULL(strstr(lo.decision.reason, "thawed after 100 ms frozen"));
        ASSERT_EQ(lo.n_thawed, 1);
}

/* A freeze is for a unit that stalls. When HIGH stops stalling but still wants headroom the
 * domain lacks, LOW is thawed after RelaxSec= and held squeezed, not kept frozen until
 * FreezeMaxSec=; without new stalls it is not frozen again. */
TEST(thaw_when_stalls_end_though_headroom_wanted) {
        MemUnit hi, lo;
        MemUnit *units[] = { &hi, &lo };
        MemDomain d = { .limit = 2000 * MiB, .available = UINT64_MAX, .swap = false };
        uint64_t now = 1 * SEC, calm_at;

        unit_init(&hi, "hi.scope", PROFILE_CLASS_INTERACTIVE, 1200 * MiB);
        unit_init(&lo, "lo.scope", PROFILE_CLASS_BACKGROUND, 780 * MiB);
        lo.params.kill = false;
        hi.params.headroom = 1000 * MiB;
        step(units, 2, &d, &now, 100 * MS);
        for (int i = 0; i < 30 && lo.state != MEM_STATE_FROZEN; i++) {
                stall(&hi, 100 * MS, 3000);
                step(units, 2, &d, &now, 100 * MS);
        }
        ASSERT_EQ(lo.state, MEM_STATE_FROZEN);
        calm_at = now;
        while (lo.state == MEM_STATE_FROZEN && now - calm_at < 10 * SEC)
                step(units, 2, &d, &now, 100 * MS);
        ASSERT_TRUE(lo.decision.thaw);
        ASSERT_TRUE(now - calm_at >= 2 * SEC && now - calm_at <= 2 * SEC + 200 * MS);
        ASSERT_EQ(lo.state, MEM_STATE_THROTTLED);
        ASSERT_NOT_NULL(strstr(lo.decision.reason, "no higher-priority unit stalled for 2000 ms"));
        ASSERT_NOT_NULL(strstr(lo.decision.reason, "still squeezed: 20M free of 2000M, higher-priority units "
                               "want 1000M of headroom"));
        for (int i = 0; i < 100; i++) {
                step(units, 2, &d, &now, 100 * MS);
                ASSERT_FALSE(lo.decision.freeze);
                ASSERT_EQ(lo.state, MEM_STATE_THROTTLED);
        }
}

/* Each priority's units are told their own cause: the background unit gives way to a stalling
 * tool call, not to the headroom of the interactive unit above both. */
TEST(cause_per_priority) {
        MemUnit hi, tool, bg;
        MemUnit *units[] = { &hi, &tool, &bg };
        MemDomain d = { .limit = 2000 * MiB, .available = UINT64_MAX, .swap = true, .swap_free = 1024 * MiB };
        uint64_t now = 1 * SEC;

        unit_init(&hi, "runtime.scope", PROFILE_CLASS_INTERACTIVE, 1000 * MiB);
        unit_init(&tool, "pytest.scope", PROFILE_CLASS_TOOL_BURST, 700 * MiB);
        unit_init(&bg, "batch.scope", PROFILE_CLASS_BACKGROUND, 100 * MiB);
        hi.params.headroom = 600 * MiB;
        /* 200M free, 600M wanted: the background unit gives all it has above its floor, the tool
         * call the rest. */
        step(units, 3, &d, &now, 100 * MS);
        ASSERT_EQ(tool.decision.action, MEM_ACTION_THROTTLE);
        ASSERT_NOT_NULL(strstr(tool.decision.reason, "200M free of 2000M, higher-priority units want 600M of headroom"));
        ASSERT_NOT_NULL(strstr(bg.decision.reason, "want 600M of headroom"));
        stall(&tool, 100 * MS, 5000);
        step(units, 3, &d, &now, 100 * MS);
        ASSERT_TRUE(bg.squeeze_bytes > 0 && tool.squeeze_bytes > 0);
        ASSERT_NOT_NULL(strstr(bg.cause, "pytest.scope (tool-burst) stalled 50.00%"));
        ASSERT_NOT_NULL(strstr(tool.cause, "higher-priority units want 600M of headroom"));
}

/* An interactive unit keeps 1/4 of its domain free by default (MemoryHeadroom= unset): a lower
 * unit is held below its use, never frozen for it. The domain is looked at again before growth
 * at 1.5 GiB/s could use up the rest. */
TEST(auto_headroom_and_next_check) {
        MemUnit hi, lo;
        MemUnit *units[] = { &hi, &lo };
        MemDomain d = { .limit = 2048 * MiB, .available = UINT64_MAX, .swap = true, .swap_free = 1024 * MiB };
        MemSettings s = settings();
        uint64_t now = 1 * SEC;

        unit_init(&hi, "hi.scope", PROFILE_CLASS_INTERACTIVE, 800 * MiB);
        unit_init(&lo, "lo.scope", PROFILE_CLASS_BACKGROUND, 500 * MiB);
        ASSERT_U64_EQ(hi.params.headroom, MEM_HEADROOM_AUTO);
        ASSERT_U64_EQ(lo.params.headroom, 0);
        step(units, 2, &d, &now, 100 * MS);
        ASSERT_EQ(lo.state, MEM_STATE_RUNNING); /* 748M free: more than 512M */
        /* 236M above the headroom: looked at again in 236M / 1.5G/s = 153 ms. */
        ASSERT_U64_EQ(mem_policy_next_check(units, 2, &d, &s) / MS, 153);

        hi.sample.current = 1548 * MiB; /* 1548 + 500: 0 free, 512M wanted */
        for (int i = 0; i < 30; i++) {
                step(units, 2, &d, &now, 100 * MS);
                ASSERT_EQ(lo.state, MEM_STATE_THROTTLED);
        }
        ASSERT_U64_EQ(lo.effective_high, lo.params.floor); /* 512M wanted, 484M above its floor: all */
        ASSERT_EQ(lo.n_frozen, 0);
        ASSERT_U64_EQ(mem_policy_next_check(units, 2, &d, &s), s.evaluate_usec);

        /* Nobody lower to give: no check needed. */
        ASSERT_U64_EQ(mem_policy_next_check(units, 1, &d, &s), USEC_UNSET);
        /* Written as infinity: all of the domain. */
        {
                Profile pr = { .class = PROFILE_CLASS_INTERACTIVE };
                MemParams p;

                memory_policy_spec_init(&pr.mem);
                pr.mem.headroom = (SizeSpec) { .kind = SIZE_INFINITY };
                mem_params_from_profile(&pr, 0, &p);
                ASSERT_U64_EQ(p.headroom, UINT64_MAX - 1);
        }
}

/* MemoryLow=: infinity for interactive scopes unless written; nothing for slices (they pass on
 * what is below them) and for the other classes. */
TEST(memory_low_class_default) {
        Profile inter = { .class = PROFILE_CLASS_INTERACTIVE }, tool = { .class = PROFILE_CLASS_TOOL_BURST };
        Profile own = { .class = PROFILE_CLASS_INTERACTIVE, .memory_low = { .kind = SIZE_BYTES, .value = 0 } };
        UnitPropertySet set = {};

        ASSERT_U64_EQ(profile_memory_low(&inter, 1ULL << 30, false), UINT64_MAX);
        ASSERT_U64_EQ(profile_memory_low(&inter, 1ULL << 30, true), 0);
        ASSERT_U64_EQ(profile_memory_low(&tool, 1ULL << 30, false), 0);
        ASSERT_U64_EQ(profile_memory_low(&own, 1ULL << 30, false), 0);

        profile_add_class_defaults(&inter, 1ULL << 30, false, &set);
        ASSERT_EQ(set.n, 1);
        ASSERT_STREQ(set.items[0].name, "MemoryLow");
        ASSERT_U64_EQ(set.items[0].value, UINT64_MAX);
        set = (UnitPropertySet) {};
        profile_add_class_defaults(&inter, 1ULL << 30, true, &set);
        profile_add_class_defaults(&tool, 1ULL << 30, false, &set);
        profile_add_class_defaults(&own, 1ULL << 30, false, &set); /* written: profile_to_properties has it */
        ASSERT_EQ(set.n, 0);
}

TEST(freeze_budget_and_interval) {
        MemUnit hi, lo;
        MemUnit *units[] = { &hi, &lo };
        MemDomain d = { .limit = 2000 * MiB, .available = UINT64_MAX, .swap = false };
        uint64_t now = 1 * SEC, thawed_at = 0;

        unit_init(&hi, "hi.scope", PROFILE_CLASS_INTERACTIVE, 1200 * MiB);
        unit_init(&lo, "lo.scope", PROFILE_CLASS_TOOL_BURST, 780 * MiB);
        lo.params.freeze_max_usec = 3 * SEC;
        lo.params.freeze_interval_usec = 4 * SEC;
        step(units, 2, &d, &now, 100 * MS);
        for (int i = 0; i < 200; i++) {
                stall(&hi, 100 * MS, 3000);
                step(units, 2, &d, &now, 100 * MS);
                if (lo.decision.thaw && thawed_at == 0) {
                        thawed_at = now;
                        ASSERT_NOT_NULL(strstr(lo.decision.reason, "FreezeMaxSec=3000ms"));
                        ASSERT_TRUE(lo.state == MEM_STATE_THROTTLED);
                }
                if (thawed_at && lo.decision.freeze) {
                        /* Not frozen again before FreezeIntervalSec= has passed. */
                        ASSERT_TRUE(now - thawed_at >= 4 * SEC);
                        break;
                }
        }
        ASSERT_TRUE(thawed_at > 0);
        ASSERT_EQ(lo.n_frozen, 2);
        ASSERT_EQ(lo.n_killed, 0); /* tool-burst: Kill=no by default */
}

TEST(oom_kill_event) {
        MemUnit bg, tool;
        MemUnit *units[] = { &bg, &tool };
        MemDomain d = { .limit = 2000 * MiB, .available = UINT64_MAX };
        uint64_t now = 1 * SEC;

        unit_init(&bg, "batch.scope", PROFILE_CLASS_BACKGROUND, 100 * MiB);
        unit_init(&tool, "pytest.scope", PROFILE_CLASS_TOOL_BURST, 100 * MiB);
        step(units, 2, &d, &now, 100 * MS);
        bg.sample.events_oom_kill = 1;
        tool.sample.events_oom_kill = 2;
        step(units, 2, &d, &now, 100 * MS);
        ASSERT_TRUE(bg.decision.kill);
        ASSERT_EQ(bg.state, MEM_STATE_KILLED);
        ASSERT_NOT_NULL(strstr(bg.decision.reason, "OOMScoreAdjust=800"));
        ASSERT_FALSE(tool.decision.kill);
        ASSERT_EQ(tool.decision.action, MEM_ACTION_OOM_KILLED);
        ASSERT_EQ(tool.n_oom_kills, 2);
        ASSERT_EQ(tool.state, MEM_STATE_RUNNING);
}

TEST(failed_freeze_is_undone) {
        MemUnit hi, lo;
        MemUnit *units[] = { &hi, &lo };
        MemDomain d = { .limit = 2000 * MiB, .available = UINT64_MAX };
        uint64_t now = 1 * SEC;

        unit_init(&hi, "hi.scope", PROFILE_CLASS_INTERACTIVE, 1200 * MiB);
        unit_init(&lo, "lo.scope", PROFILE_CLASS_BACKGROUND, 780 * MiB);
        lo.params.kill = false;
        step(units, 2, &d, &now, 100 * MS);
        while (!lo.decision.freeze) {
                stall(&hi, 100 * MS, 3000);
                step(units, 2, &d, &now, 100 * MS);
        }
        ASSERT_TRUE(mem_unit_action_failed(&lo, MEM_ACTION_FREEZE, now));
        ASSERT_FALSE(mem_unit_action_failed(&lo, MEM_ACTION_FREEZE, now));
        ASSERT_EQ(lo.state, MEM_STATE_THROTTLED);
        ASSERT_EQ(lo.n_frozen, 0);
        /* Not retried at once: FreezeIntervalSec= applies. */
        stall(&hi, 100 * MS, 3000);
        step(units, 2, &d, &now, 100 * MS);
        ASSERT_FALSE(lo.decision.freeze);
}

/* A change of Mode= starts the escalation over: from RUNNING, memory.high the profile's, the
 * frozen time counted, the counters kept. With the shortage still there, the ladder climbs
 * again from the first step (entering enforce mode acts on what it sees). */
TEST(restart_after_mode_change) {
        MemUnit hi, lo;
        MemUnit *units[] = { &hi, &lo };
        MemDomain d = { .limit = 2000 * MiB, .available = UINT64_MAX };
        uint64_t now = 1 * SEC, frozen_at;

        unit_init(&hi, "hi.scope", PROFILE_CLASS_INTERACTIVE, 1200 * MiB);
        unit_init(&lo, "lo.scope", PROFILE_CLASS_BACKGROUND, 780 * MiB);
        lo.params.kill = false;
        ASSERT_TRUE(mem_unit_wants_events(&lo));
        step(units, 2, &d, &now, 100 * MS);
        ASSERT_EQ(mem_unit_wants_events(&lo), lo.state == MEM_STATE_RUNNING);
        while (lo.state != MEM_STATE_FROZEN) {
                stall(&hi, 100 * MS, 3000);
                step(units, 2, &d, &now, 100 * MS);
                /* Its own events are the policy's memory.high being hit: not wanted meanwhile. */
                ASSERT_EQ(mem_unit_wants_events(&lo), lo.state == MEM_STATE_RUNNING);
        }
        ASSERT_FALSE(mem_unit_wants_events(&lo));
        ASSERT_TRUE(mem_unit_wants_events(&hi));
        frozen_at = now;
        ASSERT_TRUE(lo.effective_high != 0 && lo.effective_high != UINT64_MAX);
        ASSERT_EQ(lo.n_throttled, 1);
        ASSERT_EQ(lo.n_frozen, 1);

        now += 300 * MS;
        mem_unit_restart(&lo, now);
        ASSERT_EQ(lo.state, MEM_STATE_RUNNING);
        ASSERT_TRUE(mem_unit_wants_events(&lo));
        ASSERT_U64_EQ(lo.effective_high, 0);
        ASSERT_U64_EQ(lo.frozen_since, 0);
        ASSERT_U64_EQ(lo.frozen_total_usec, now - frozen_at);
        ASSERT_EQ(lo.decision.action, MEM_ACTION_NONE);
        ASSERT_EQ(lo.n_frozen, 1);
        ASSERT_EQ(lo.n_thawed, 0);

        /* HIGH still stalls: throttled again at the next look, a second episode. */
        stall(&hi, 100 * MS, 3000);
        step(units, 2, &d, &now, 100 * MS);
        ASSERT_EQ(lo.state, MEM_STATE_THROTTLED);
        ASSERT_EQ(lo.decision.action, MEM_ACTION_THROTTLE);
        ASSERT_TRUE(lo.decision.set_high);
        ASSERT_EQ(lo.n_throttled, 2);
}

TEST(state_names) {
        for (int i = 0; i < _MEM_STATE_MAX; i++)
                ASSERT_EQ(mem_state_from_string(mem_state_to_string(i)), i);
        ASSERT_EQ(mem_state_from_string("melted"), _MEM_STATE_INVALID);
        ASSERT_STREQ(mem_action_to_string(MEM_ACTION_FREEZE), "freeze");
        ASSERT_NULL(mem_action_to_string(_MEM_ACTION_MAX));
}
