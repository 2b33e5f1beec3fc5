/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/* What agentcgroup-shell needs to know of a shell's command line: whether it runs a command
 * string (sh -c, bash -lc, bash -e -c ...) and what to call that tool call. Pure. */

/* The command string of "SHELL [OPTIONS] -c STRING [NAME [ARGS]]" in bash's and POSIX sh's
 * syntax (option clusters, -o/-O and --rcfile/--init-file with an argument, "--"), or NULL
 * when the shell runs no command string (interactive, a script file, stdin). */
const char *shell_command_string(int argc, char * const *argv);

/* A tool name for a command string: the file name of its first word, skipping variable
 * assignments and "exec", "env", "command", "time", "nohup"; "sh" when that is no valid tool
 * name. "cd /src && pytest -q" -> "cd"; "FOO=1 /usr/bin/pytest -q" -> "pytest". Writes at
 * most n bytes (n > 2) to buf and returns it. */
const char *shell_tool_name(const char *command, char *buf, size_t n);
