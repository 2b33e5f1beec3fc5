/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "manager.h"

#define BUS_ERROR_NO_SUCH_SESSION "org.agentcgroup1.Error.NoSuchSession"
#define BUS_ERROR_SESSION_ENDING "org.agentcgroup1.Error.SessionEnding"
#define BUS_ERROR_START_TIMED_OUT "org.agentcgroup1.Error.StartTimedOut"

/* Methods of org.agentcgroup1.Manager for agent runtimes (see agentcgroupd(8)):
 *   StartSession(s session, s profile) -> (s unit)
 *   StartToolCall(s session, s tool, s profile, au pids) -> (s unit)
 *   EndSession(s session, t grace_usec)
 *   EndToolCall(s unit, t grace_usec)
 * An empty profile lets the match rules choose; an empty session puts the tool call directly
 * in the slice sessions go in. */
int bus_method_start_session(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_method_start_tool_call(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_method_end_session(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_method_end_tool_call(sd_bus_message *msg, void *userdata, sd_bus_error *error);

/* systemd's JobRemoved for unit: answers the start call waiting for it, if any. */
void session_job_removed(Manager *m, const char *unit, const char *result);
/* Drops the starts still waiting (their callers get no answer: the daemon is exiting). */
void session_free(Manager *m);
