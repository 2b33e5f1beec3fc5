/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <systemd/sd-event.h>
#include <systemd/sd-journal.h>

#include "agentcgroupctl.h"
#include "event-format.h"
#include "log.h"
#include "pager.h"
#include "strv.h"
#include "unit-name.h"

/* events [UNIT...]: the daemon's journal entries of a documented kind, read back with
 * sd-journal. Only entries of agentcgroupd.service (a field journald sets, not the sender) with
 * one of the MESSAGE_IDs of message-ids.h are shown; UNIT... keeps those whose
 * AGENTCGROUP_UNIT= is one of them. */

#define DAEMON_UNIT "agentcgroupd.service"

/* Same field: any of them; different fields: all of them (sd_journal_add_match(3)). */
static int add_matches(sd_journal *j, char **units) {
        _cleanup_(freep) char *m = NULL;
        int r;

        for (EventKind k = 0; k < _EVENT_KIND_MAX; k++) {
                free(m);
                m = asprintf_safe("MESSAGE_ID=%s", event_kind_to_message_id(k));
                if (!m)
                        return log_oom();
                r = sd_journal_add_match(j, m, 0);
                if (r < 0)
                        return log_error_errno(r, "Failed to add the journal match %s: %m", m);
        }
        r = sd_journal_add_match(j, "_SYSTEMD_UNIT=" DAEMON_UNIT, 0);
        if (r < 0)
                return log_error_errno(r, "Failed to add a journal match: %m");
        STRV_FOREACH(u, units) {
                free(m);
                m = asprintf_safe("AGENTCGROUP_UNIT=%s", *u);
                if (!m)
                        return log_oom();
                r = sd_journal_add_match(j, m, 0);
                if (r < 0)
                        return log_error_errno(r, "Failed to add the journal match %s: %m", m);
        }
        return 0;
}

/* Prints the entry at the read pointer, unless it is older than --since. */
static int show_entry(sd_journal *j) {
        _cleanup_(event_done) Event e = EVENT_INIT;
        const void *data;
        size_t n;
        int r;

        r = sd_journal_get_realtime_usec(j, &e.realtime_usec);
        if (r < 0)
                return log_error_errno(r, "Failed to read the time of a journal entry: %m");
        if (e.realtime_usec < arg_since)
                return 0;
        SD_JOURNAL_FOREACH_DATA(j, data, n) {
                r = event_add_field(&e, data, n);
                if (r < 0)
                        return log_oom();
        }

        if (arg_json != JSON_FORMAT_OFF) {
                _cleanup_(json_object_putp) json_object *o = NULL;

                r = event_to_json(&e, &o);
                if (r < 0)
                        return log_oom();
                return ctl_print_json(o);
        }
        r = event_print(&e, stdout, arg_color_stdout);
        return r < 0 ? log_error_errno(r, "Failed to write the output: %m") : 0;
}

/* The entries after the read pointer, up to the end of the journal. */
static int show_new_entries(sd_journal *j) {
        int r;

        for (;;) {
                r = sd_journal_next(j);
                if (r < 0)
                        return log_error_errno(r, "Failed to read the journal: %m");
                if (r == 0)
                        return 0;
                r = show_entry(j);
                if (r < 0)
                        return r;
        }
}

/* The last --lines entries (all of them with --lines=all), oldest first. Leaves the read
 * pointer on the last entry there is, if any, so that sd_journal_next() gives new ones. */
static int show_last_entries(sd_journal *j) {
        int r;

        if (arg_lines == UINT64_MAX) {
                r = arg_since > 0 ? sd_journal_seek_realtime_usec(j, arg_since) : sd_journal_seek_head(j);
                if (r < 0)
                        return log_error_errno(r, "Failed to seek in the journal: %m");
                return show_new_entries(j);
        }

        /* From the tail go back: sd_journal_next() right after sd_journal_seek_tail() has been
         * seen to return an older entry with several journal files (systemd issue 9934). With
         * --lines=0 go back one, to stand on the newest entry without showing it. */
        r = sd_journal_seek_tail(j);
        if (r < 0)
                return log_error_errno(r, "Failed to seek to the end of the journal: %m");
        r = sd_journal_previous_skip(j, arg_lines > 0 ? arg_lines : 1);
        if (r < 0)
                return log_error_errno(r, "Failed to read the journal: %m");
        if (r == 0 || arg_lines == 0)
                return 0;
        r = show_entry(j);
        if (r < 0)
                return r;
        return show_new_entries(j);
}

typedef struct Follow {
        sd_journal *journal;
        sd_event_source *timer;
        int error;              /* logged, and the loop's exit code */
} Follow;

/* sd_journal_get_timeout(): when the journal cannot be watched with inotify alone (files on a
 * network file system), it asks to be looked at again after a while. */
static int follow_rearm(Follow *f) {
        uint64_t t;
        int r;

        r = sd_journal_get_timeout(f->journal, &t);
        if (r < 0)
                return r;
        if (t == UINT64_MAX)
                return sd_event_source_set_enabled(f->timer, SD_EVENT_OFF);
        r = sd_event_source_set_time(f->timer, t);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(f->timer, SD_EVENT_ONESHOT);
}

static int follow_process(sd_event *e, Follow *f) {
        int r;

        r = sd_journal_process(f->journal);
        if (r < 0) {
                f->error = log_error_errno(r, "Failed to process the journal's changes: %m");
                return sd_event_exit(e, r);
        }
        r = show_new_entries(f->journal);
        if (r >= 0 && fflush(stdout) != 0)
                r = log_error_errno(negative_errno(), "Failed to write the output: %m");
        if (r >= 0) {
                r = follow_rearm(f);
                if (r < 0)
                        log_error_errno(r, "Failed to set up the journal's timer: %m");
        }
        if (r < 0) {
                f->error = r;
                return sd_event_exit(e, r);
        }
        return 0;
}

static int on_journal_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        return follow_process(sd_event_source_get_event(s), userdata);
}

static int on_journal_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        return follow_process(sd_event_source_get_event(s), userdata);
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

/* New entries as they come, until SIGINT or SIGTERM (exit status 0 then; they were blocked
 * before). */
static int follow(sd_journal *j) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(sd_event_source_unrefp) sd_event_source *timer = NULL;
        Follow f = { .journal = j };
        int fd, events, r;

        fd = sd_journal_get_fd(j);
        if (fd < 0)
                return log_error_errno(fd, "Failed to watch the journal: %m");
        events = sd_journal_get_events(j);
        if (events < 0)
                return log_error_errno(events, "Failed to watch the journal: %m");

        r = sd_event_new(&e);
        if (r >= 0)
                r = sd_event_add_signal(e, NULL, SIGINT, on_signal, NULL);
        if (r >= 0)
                r = sd_event_add_signal(e, NULL, SIGTERM, on_signal, NULL);
        if (r >= 0)
                r = sd_event_add_io(e, NULL, fd, (uint32_t) events, on_journal_io, &f);
        if (r >= 0)
                r = sd_event_add_time(e, &timer, CLOCK_MONOTONIC, UINT64_MAX - 1, 0, on_journal_timer, &f);
        if (r >= 0) {
                f.timer = timer;
                r = follow_rearm(&f);
        }
        if (r < 0)
                return log_error_errno(r, "Failed to set up following the journal: %m");

        /* What came in between the first read and the watch being set up. */
        r = show_new_entries(j);
        if (r < 0)
                return r;
        if (fflush(stdout) != 0)
                return log_error_errno(negative_errno(), "Failed to write the output: %m");

        /* The exit code: 0 from a signal, or the error a handler logged. */
        r = sd_event_loop(e);
        if (r < 0 && f.error == 0)
                return log_error_errno(r, "Failed to follow the journal: %m");
        return r < 0 ? r : 0;
}

int verb_events(int argc, char *argv[]) {
        _cleanup_(sd_journal_closep) sd_journal *j = NULL;
        char **units = argv + 1;
        int r;

        STRV_FOREACH(u, units)
                if (!unit_name_is_valid(*u)) {
                        log_error("events: '%s' is not a valid unit name; expected a full name such as "
                                  "tool-42.scope or agent-s1.slice.", *u);
                        return EXIT_USAGE;
                }

        /* From the start, so that one that comes while the last events are printed ends the
         * command as cleanly. */
        if (arg_follow) {
                r = ctl_block_signals((const int[]) { SIGINT, SIGTERM, 0 });
                if (r < 0)
                        return r;
        }

        if (arg_root)
                r = sd_journal_open_directory(&j, arg_root, SD_JOURNAL_OS_ROOT);
        else
                r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM);
        if (r < 0)
                return log_error_errno(r, "Failed to open the journal%s%s: %m", arg_root ? " below " : "",
                                       strempty(arg_root));
        r = add_matches(j, units);
        if (r < 0)
                return r;

        if (!arg_follow)
                (void) pager_open(arg_no_pager);

        r = show_last_entries(j);
        if (r < 0)
                return r;
        if (!arg_follow)
                return 0;
        if (fflush(stdout) != 0)
                return log_error_errno(negative_errno(), "Failed to write the output: %m");
        return follow(j);
}
