/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "session-name.h"
#include "tests.h"
#include "unit-name.h"

TEST(session_names) {
        char long_name[SESSION_NAME_MAX + 2];

        ASSERT_NULL(session_name_invalid_reason("s1"));
        ASSERT_NULL(session_name_invalid_reason("0b6f1a2e-4c1d-4a8e-9f00-1234567890ab"));
        ASSERT_NULL(session_name_invalid_reason("team.a:run_7"));
        ASSERT_STREQ(session_name_invalid_reason(""), "is empty");
        ASSERT_STREQ(session_name_invalid_reason(NULL), "is empty");
        ASSERT_STREQ(session_name_invalid_reason("a/b"), "contains '/'");
        ASSERT_STREQ(session_name_invalid_reason("../x"), "starts with '.' or '-'");
        ASSERT_STREQ(session_name_invalid_reason("-x"), "starts with '.' or '-'");
        ASSERT_NOT_NULL(session_name_invalid_reason("a b"));
        ASSERT_NOT_NULL(session_name_invalid_reason("a\\x2db"));
        ASSERT_NOT_NULL(session_name_invalid_reason("a@b"));
        memset(long_name, 'a', sizeof long_name - 1);
        long_name[sizeof long_name - 1] = '\0';
        ASSERT_STREQ(session_name_invalid_reason(long_name), "is longer than 64 characters");
        long_name[SESSION_NAME_MAX] = '\0';
        ASSERT_NULL(session_name_invalid_reason(long_name));
        ASSERT_NULL(tool_name_invalid_reason("pytest"));
        ASSERT_NOT_NULL(tool_name_invalid_reason("py test"));
}

TEST(session_slice_names) {
        _cleanup_(freep) char *a = NULL, *b = NULL, *c = NULL, *parent = NULL;

        ASSERT_OK(session_slice_name("agent.slice", "s1", &a));
        ASSERT_STREQ(a, "agent-s1.slice");
        /* A dash would put the slice one level further down: escaped as systemd-escape does. */
        ASSERT_OK(session_slice_name("agent.slice", "a-b", &b));
        ASSERT_STREQ(b, "agent-a\\x2db.slice");
        ASSERT_OK(slice_name_parent(b, &parent));
        ASSERT_STREQ(parent, "agent.slice");
        ASSERT_OK(session_slice_name("agent-team.slice", "x.y", &c));
        ASSERT_STREQ(c, "agent-team-x.y.slice");
        ASSERT_EQ(session_slice_name("agent.slice", "a/b", &a), -EINVAL);
        ASSERT_EQ(session_slice_name("agent.scope", "s1", &a), -EINVAL);
        ASSERT_EQ(session_slice_name("-.slice", "s1", &a), -EINVAL);
        ASSERT_EQ(session_slice_name("agent.slice", "", &a), -EINVAL);
}

TEST(tool_scope_names) {
        _cleanup_(freep) char *a = NULL, *b = NULL;

        ASSERT_OK(tool_scope_name("pytest", 0xabcdef, &a));
        ASSERT_STREQ(a, "tool-pytest-000000abcdef.scope");
        ASSERT_EQ(unit_name_to_type(a), UNIT_TYPE_SCOPE);
        /* Only 48 bits of the id are used: names stay short. */
        ASSERT_OK(tool_scope_name("cc", UINT64_MAX, &b));
        ASSERT_STREQ(b, "tool-cc-ffffffffffff.scope");
        ASSERT_EQ(tool_scope_name("a/b", 1, &a), -EINVAL);
        ASSERT_EQ(tool_scope_name("", 1, &a), -EINVAL);
}
