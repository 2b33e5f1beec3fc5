/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "shell-args.h"
#include "tests.h"

#define CMD(...) shell_command_string(ELEMENTSOF(((char *[]) { __VA_ARGS__ })), (char *[]) { __VA_ARGS__ })

TEST(command_strings) {
        ASSERT_STREQ(CMD("sh", "-c", "true"), "true");
        ASSERT_STREQ(CMD("bash", "-lc", "pytest -q", "name", "arg"), "pytest -q");
        ASSERT_STREQ(CMD("bash", "-e", "-c", "make"), "make");
        ASSERT_STREQ(CMD("bash", "--login", "-c", "make"), "make");
        ASSERT_STREQ(CMD("bash", "--rcfile", "/x", "-c", "make"), "make");
        ASSERT_STREQ(CMD("bash", "-o", "pipefail", "-c", "a | b"), "a | b");
        ASSERT_STREQ(CMD("bash", "-co", "pipefail", "a | b"), "a | b");
        ASSERT_STREQ(CMD("bash", "+O", "extglob", "-c", "ls"), "ls");
        ASSERT_STREQ(CMD("sh", "-c", "--", "-x"), "-x");
        ASSERT_STREQ(CMD("bash", "-c", "--", "--"), "--");
        /* No command string: interactive, a script, or -c without its string. */
        ASSERT_NULL(CMD("bash"));
        ASSERT_NULL(CMD("bash", "-l"));
        ASSERT_NULL(CMD("bash", "script.sh", "-c"));
        ASSERT_NULL(CMD("bash", "-c"));
        ASSERT_NULL(CMD("bash", "--", "-c"));
        ASSERT_NULL(CMD("bash", "--rcfile", "-c"));
}

TEST(tool_names) {
        char buf[65];

        ASSERT_STREQ(shell_tool_name("pytest -q tests/", buf, sizeof buf), "pytest");
        ASSERT_STREQ(shell_tool_name("  FOO=1 BAR=2 /usr/bin/python3 -m pip install x", buf, sizeof buf), "python3");
        ASSERT_STREQ(shell_tool_name("exec env A=b make -j4", buf, sizeof buf), "make");
        ASSERT_STREQ(shell_tool_name("cd /src && pytest", buf, sizeof buf), "cd");
        ASSERT_STREQ(shell_tool_name("git status;ls", buf, sizeof buf), "git");
        ASSERT_STREQ(shell_tool_name("./run-tests.sh", buf, sizeof buf), "run-tests.sh");
        ASSERT_STREQ(shell_tool_name("$CC -o x x.c", buf, sizeof buf), "sh");
        ASSERT_STREQ(shell_tool_name("", buf, sizeof buf), "sh");
        ASSERT_STREQ(shell_tool_name("/usr/bin/", buf, sizeof buf), "sh");
        ASSERT_STREQ(shell_tool_name("-x", buf, sizeof buf), "sh");
        ASSERT_STREQ(shell_tool_name("(cd x; make)", buf, sizeof buf), "sh");
        ASSERT_STREQ(shell_tool_name("a_very_long_tool_name_that_does_not_fit", buf, 8), "sh");
}
