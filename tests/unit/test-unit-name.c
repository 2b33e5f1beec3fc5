/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "glob-util.h"
#include "strv.h"
#include "tests.h"
#include "unit-name.h"

TEST(unit_names) {
        ASSERT_TRUE(unit_name_is_valid("tool1.scope"));
        ASSERT_TRUE(unit_name_is_valid("agent-s1.slice"));
        ASSERT_TRUE(unit_name_is_valid("run-r0123abcd.scope"));
        ASSERT_TRUE(unit_name_is_valid("foo@bar.service"));
        ASSERT_FALSE(unit_name_is_valid(""));
        ASSERT_FALSE(unit_name_is_valid("tool1"));
        ASSERT_FALSE(unit_name_is_valid(".scope"));
        ASSERT_FALSE(unit_name_is_valid("a b.scope"));
        ASSERT_FALSE(unit_name_is_valid("../x.scope"));
        ASSERT_FALSE(unit_name_is_valid("x.bogus"));
        ASSERT_EQ(unit_name_to_type("a.scope"), UNIT_TYPE_SCOPE);
        ASSERT_EQ(unit_name_to_type("a.slice"), UNIT_TYPE_SLICE);
        ASSERT_EQ(unit_name_to_type("a.service"), UNIT_TYPE_SERVICE);
        ASSERT_EQ(unit_name_to_type("a.socket"), UNIT_TYPE_OTHER);
        ASSERT_EQ(unit_name_to_type("junk"), _UNIT_TYPE_INVALID);

        char long_name[300];
        memset(long_name, 'a', sizeof long_name);
        strcpy(long_name + 280, ".scope");
        ASSERT_FALSE(unit_name_is_valid(long_name));
}

TEST(slice_ancestors) {
        _cleanup_strv_free_ char **l = NULL, **root = NULL, **one = NULL;

        ASSERT_OK(slice_name_ancestors("agent-s1-x.slice", &l));
        ASSERT_EQ(strv_length(l), 3);
        ASSERT_STREQ(l[0], "agent.slice");
        ASSERT_STREQ(l[1], "agent-s1.slice");
        ASSERT_STREQ(l[2], "agent-s1-x.slice");
        ASSERT_OK(slice_name_ancestors("-.slice", &root));
        ASSERT_EQ(strv_length(root), 0);
        ASSERT_OK(slice_name_ancestors("agent.slice", &one));
        ASSERT_EQ(strv_length(one), 1);

        char **bad = NULL;
        ASSERT_ERROR(slice_name_ancestors("agent--x.slice", &bad), EINVAL);
        ASSERT_ERROR(slice_name_ancestors("-agent.slice", &bad), EINVAL);
        ASSERT_ERROR(slice_name_ancestors("agent-.slice", &bad), EINVAL);
        ASSERT_ERROR(slice_name_ancestors("agent.scope", &bad), EINVAL);
}

TEST(slice_parent) {
        _cleanup_(freep) char *a = NULL, *b = NULL;

        ASSERT_OK(slice_name_parent("agent-s1.slice", &a));
        ASSERT_STREQ(a, "agent.slice");
        ASSERT_OK(slice_name_parent("agent.slice", &b));
        ASSERT_STREQ(b, "-.slice");
}

TEST(globs) {
        const char *why;

        ASSERT_TRUE(glob_is_valid("agent-*.slice", &why));
        ASSERT_TRUE(glob_is_valid("tool[0-9].scope", &why));
        ASSERT_TRUE(glob_is_valid("[]x].scope", &why));
        ASSERT_TRUE(glob_is_valid("a\\*b", &why));
        ASSERT_FALSE(glob_is_valid("tool[0-9.scope", &why));
        ASSERT_STREQ(why, "unclosed '[' in pattern");
        ASSERT_FALSE(glob_is_valid("a/b", &why));
        ASSERT_FALSE(glob_is_valid("", &why));
        ASSERT_FALSE(glob_is_valid("abc\\", &why));

        char *pats[] = { "tool*.scope", "x.slice", NULL };
        ASSERT_TRUE(strv_fnmatch(pats, "tool1.scope"));
        ASSERT_TRUE(strv_fnmatch(pats, "x.slice"));
        ASSERT_FALSE(strv_fnmatch(pats, "y.slice"));
        ASSERT_FALSE(strv_fnmatch(pats, NULL));
}
