/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "dbus-manager.h"
#include "macro.h"
#include "unit.h"

/* Run-time profile overrides (SetUnitProfile(), ClearUnitProfile()): an override takes
 * precedence over the match rules while its profile exists, and lives only as long as the
 * daemon's record of the unit. The call that set or cleared it is answered once systemd has
 * the profile's properties, so a caller sees them in place when its call returns. */

/* Sets u's override to profile (NULL: clears it), then looks at the unit again (GetAll, then
 * the usual classify and apply). call, if not NULL, is answered when that is done: returns 1
 * then, or < 0 when nothing was changed and the caller must answer. */
int unit_set_profile_override(TrackedUnit *u, const char *profile, sd_bus_message *call);

/* Answers the call waiting for u's profile, if any: success when e is NULL. Called by unit.c
 * wherever a look at the unit ends. */
void unit_profile_call_done(TrackedUnit *u, const sd_bus_error *e);
/* The same with an error made from name and a message. */
void unit_profile_call_fail(TrackedUnit *u, const char *name, const char *fmt, ...) _printf_(3, 4);
