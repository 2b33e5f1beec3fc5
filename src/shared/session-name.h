/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/* Names of the units the daemon starts for agent runtimes (StartSession(), StartToolCall()):
 * a session is the slice <parent-prefix>-<session>.slice, a tool call the scope
 * tool-<tool>-<id>.scope in it. Pure string logic. */

#define SESSION_NAME_MAX 64
#define TOOL_NAME_MAX 64

/* NULL when s is a valid session name (1-64 characters from A-Z a-z 0-9 _ . : -, not starting
 * with "." or "-"), else why not, to put in an error message ("is empty", ...). */
const char *session_name_invalid_reason(const char *s);
/* The same for a tool name. */
const char *tool_name_invalid_reason(const char *s);

/* The slice of session below parent ("agent.slice", "s1" -> "agent-s1.slice"). A "-" in the
 * session becomes "\x2d" as systemd-escape writes it: in a slice name a dash means one level
 * down. -EINVAL for an invalid session or a parent that is not a slice (or is "-.slice"). */
int session_slice_name(const char *parent, const char *session, char **ret);

/* "tool-<tool>-<id as 12 hex digits>.scope"; -EINVAL for an invalid tool name. */
int tool_scope_name(const char *tool, uint64_t id, char **ret);
