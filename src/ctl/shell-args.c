/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdbool.h>
#include <string.h>

#include "macro.h"
#include "session-name.h"
#include "shell-args.h"

const char *shell_command_string(int argc, char * const *argv) {
        bool c_seen = false;
        int i;

        for (i = 1; i < argc; i++) {
                const char *a = argv[i];

                if (streq(a, "--") || streq(a, "-")) {
                        i++;
                        break;
                }
                if (a[0] == '-' && a[1] == '-') {
                        /* bash's long options; two take an argument. */
                        if (streq(a, "--rcfile") || streq(a, "--init-file"))
                                i++;
                        continue;
                }
                if (a[0] != '-' && a[0] != '+')
                        break;
                for (const char *p = a + 1; *p; p++)
                        if (*p == 'c')
                                c_seen = true;
                        else if (*p == 'o' || *p == 'O') {
                                i++; /* -o NAME, -O SHOPT */
                                break;
                        }
        }
        return c_seen && i < argc ? argv[i] : NULL;
}

static const char *skip_blanks(const char *p) {
        return p + strspn(p, " \t\n");
}

const char *shell_tool_name(const char *command, char *buf, size_t n) {
        static const char * const wrappers[] = { "exec", "env", "command", "time", "nohup" };
        const char *p = skip_blanks(command);

        for (;;) {
                size_t len = strcspn(p, " \t\n;&|()<>`$\"'");
                const char *eq = memchr(p, '=', len), *slash;
                bool wrapper = false;

                if (len == 0)
                        break;
                for (size_t i = 0; i < ELEMENTSOF(wrappers); i++)
                        if (len == strlen(wrappers[i]) && strncmp(p, wrappers[i], len) == 0)
                                wrapper = true;
                if (eq || wrapper) {
                        p = skip_blanks(p + len);
                        continue;
                }
                /* The file name of the word: what follows its last '/'. */
                slash = p + len;
                while (slash > p && slash[-1] != '/')
                        slash--;
                len -= (size_t) (slash - p);
                if (len == 0 || len >= n)
                        break;
                memcpy(buf, slash, len);
                buf[len] = '\0';
                if (tool_name_invalid_reason(buf))
                        break;
                return buf;
        }
        strcpy(buf, "sh");
        return buf;
}
