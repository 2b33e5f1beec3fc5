/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <grp.h>

#include "access.h"
#include "tests.h"

TEST(root_always) {
        CallerCreds c = { .euid = 0, .egid = 0 };

        ASSERT_TRUE(caller_is_admin(&c, GID_INVALID));
        ASSERT_TRUE(caller_is_admin(&c, 1000));
}

TEST(no_admin_group_means_root_only) {
        static const gid_t gids[] = { 10, 27, (gid_t) -1 };
        CallerCreds c = { .euid = 1000, .egid = 1000, .gids = gids, .n_gids = ELEMENTSOF(gids) };

        /* Not even a caller that lists the invalid GID among its groups. */
        ASSERT_FALSE(caller_is_admin(&c, GID_INVALID));
}

TEST(member_by_effective_or_supplementary_group) {
        static const gid_t gids[] = { 10, 27, 4242 };
        CallerCreds c = { .euid = 1000, .egid = 1000 };

        ASSERT_FALSE(caller_is_admin(&c, 4242));
        c.egid = 4242;
        ASSERT_TRUE(caller_is_admin(&c, 4242));
        c.egid = GID_INVALID;
        ASSERT_FALSE(caller_is_admin(&c, 4242));
        c.gids = gids;
        c.n_gids = ELEMENTSOF(gids);
        ASSERT_TRUE(caller_is_admin(&c, 4242));
        ASSERT_TRUE(caller_is_admin(&c, 10));
        ASSERT_FALSE(caller_is_admin(&c, 11));
        /* Only the groups the bus reported: n_gids bounds the list. */
        c.n_gids = 2;
        ASSERT_FALSE(caller_is_admin(&c, 4242));
}

TEST(gids) {
        gid_t g = 7;

        ASSERT_OK(parse_gid("0", &g));
        ASSERT_EQ(g, 0);
        ASSERT_OK(parse_gid("4294967294", &g));
        ASSERT_U64_EQ(g, 4294967294U);
        ASSERT_ERROR(parse_gid("4294967295", &g), EINVAL);
        ASSERT_ERROR(parse_gid("18446744073709551616", &g), EINVAL);
        ASSERT_ERROR(parse_gid("-1", &g), EINVAL);
        ASSERT_ERROR(parse_gid("12a", &g), EINVAL);
        ASSERT_ERROR(parse_gid("", &g), EINVAL);
        ASSERT_ERROR(parse_gid("wheel", &g), EINVAL);
        ASSERT_U64_EQ(g, 4294967294U);
}

TEST(group_names) {
        gid_t g = GID_INVALID;

        ASSERT_OK(group_resolve("123", &g));
        ASSERT_EQ(g, 123);
        /* Every system has root's group at 0. */
        if (getgrgid(0)) {
                ASSERT_OK(group_resolve(getgrgid(0)->gr_name, &g));
                ASSERT_EQ(g, 0);
        }
        ASSERT_ERROR(group_resolve("agentcgroup-no-such-group", &g), ENOENT);
        ASSERT_ERROR(group_resolve("a b", &g), EINVAL);
        ASSERT_ERROR(group_resolve("", &g), EINVAL);
}
