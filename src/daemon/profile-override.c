/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>

#include "log.h"
#include "profile-override.h"

void unit_profile_call_done(TrackedUnit *u, const sd_bus_error *e) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = TAKE_PTR(u->profile_call);
        _cleanup_(sd_bus_error_free) sd_bus_error dropped = SD_BUS_ERROR_NULL;
        bool start_session;
        int r;

        if (!call)
                return;
        start_session = sd_bus_message_is_method_call(call, NULL, "StartSession") > 0;

        /* A reload between the call and now removed the profile: the override was dropped. */
        if (!e && (start_session || sd_bus_message_is_method_call(call, NULL, "SetUnitProfile") > 0) &&
            u->profile_source != PROFILE_SOURCE_OVERRIDE) {
                sd_bus_error_setf(&dropped, BUS_ERROR_NO_SUCH_PROFILE,
                                  "The profile was removed from the configuration before it was applied to %s.",
                                  u->name);
                e = &dropped;
        }
        /* StartSession() of a running session answers with its name, as for a new one. */
        r = e ? sd_bus_reply_method_error(call, e)
              : start_session ? sd_bus_reply_method_return(call, "s", u->name) : sd_bus_reply_method_return(call, NULL);
        if (r < 0)
                log_unit_debug_errno(u->name, r, "Failed to answer %s(): %m", sd_bus_message_get_member(call));
}

void unit_profile_call_fail(TrackedUnit *u, const char *name, const char *fmt, ...) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(freep) char *msg = NULL;
        va_list ap;

        if (!u->profile_call)
                return;
        va_start(ap, fmt);
        msg = vasprintf_safe(fmt, ap);
        va_end(ap);
        (void) sd_bus_error_set(&e, name, msg);
        unit_profile_call_done(u, &e);
}

int unit_set_profile_override(TrackedUnit *u, const char *profile, sd_bus_message *call) {
        _cleanup_(freep) char *copy = NULL;
        char *old;
        int r;

        if (profile) {
                copy = strdup(profile);
                if (!copy)
                        return -ENOMEM;
        }
        /* Last one wins: an earlier call still waiting was carried out, then replaced. */
        unit_profile_call_done(u, NULL);

        old = u->profile_override;
        u->profile_override = TAKE_PTR(copy);
        r = unit_query(u);
        if (r < 0) {
                free(u->profile_override);
                u->profile_override = old;
                return r;
        }
        if (profile)
                log_unit_info(u->name, "Profile override %s set over D-Bus%s%s%s.", profile,
                              old ? " (was " : "", strempty(old), old ? ")" : "");
        else if (old)
                log_unit_info(u->name, "Profile override %s cleared over D-Bus; the match rules choose again.", old);
        free(old);
        if (call)
                u->profile_call = sd_bus_message_ref(call);
        return 1;
}
