/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

/* The daemon's journal entries of a documented kind (a MESSAGE_ID= of message-ids.h, see
 * agentcgroupd(8)) as "agentcgroupctl events" shows them: one line, or one JSON object. Pure:
 * an entry's fields in, text or objects out; agentcgroupctl-events.c reads the journal. */

typedef enum EventKind {
        EVENT_PROFILE_APPLIED,
        EVENT_APPLY_FAILED,
        EVENT_CONFIG_ERROR,
        EVENT_CONFIG_LOADED,
        EVENT_ADOPTED,
        EVENT_MEMORY_ACTION,            /* retired: entries of daemons before the kinds below */
        EVENT_MEMORY_LEFTOVER,
        EVENT_MEMORY_APPLIED,
        EVENT_THROTTLED,
        EVENT_RELAXED,
        EVENT_FROZEN,
        EVENT_THAWED,
        EVENT_KILLED,
        EVENT_OOM_KILLED,
        EVENT_WOULD_ACT,
        EVENT_SCHEDULER_ATTACHED,
        EVENT_SCHEDULER_EJECTED,
        _EVENT_KIND_MAX,
        _EVENT_KIND_INVALID = -1,
} EventKind;

/* The short names: "profile-applied", "apply-failed", "config-error", "config-loaded",
 * "adopted", "memory-action", "memory-leftover", "memory-applied", "throttled", "relaxed",
 * "frozen", "thawed", "killed", "oom-killed", "would-act", "scheduler-attached",
 * "scheduler-ejected". */
const char *event_kind_to_string(EventKind k);
EventKind event_kind_from_string(const char *s);
/* The kind's MESSAGE_ID= (32 lowercase hex digits), and back (hex digits in either case). */
const char *event_kind_to_message_id(EventKind k);
EventKind event_kind_from_message_id(const char *id);

/* One journal entry, from the fields event_add_field() kept. Owns its strings. */
typedef struct Event {
        uint64_t realtime_usec;         /* when journald received it (__REALTIME_TIMESTAMP) */
        EventKind kind;                 /* from message_id */
        int priority;                   /* PRIORITY=, -1 when missing */
        char *message_id;
        char *message;                  /* MESSAGE= as logged: "UNIT: ..." for unit entries */
        char *unit;                     /* AGENTCGROUP_UNIT=; NULL for the daemon's own entries */
        char **fields;                  /* the other AGENTCGROUP_* and CONFIG_* fields as "NAME=value",
                                         * in the order the entry has them */
} Event;

#define EVENT_INIT { .kind = _EVENT_KIND_INVALID, .priority = -1 }

void event_done(Event *e);

/* Takes one field of the entry as the journal gives it ("NAME=value", n bytes, not
 * NUL-terminated) and keeps it when it is one an Event has; a field given twice keeps its
 * first value. 0, or -ENOMEM. */
int event_add_field(Event *e, const void *data, size_t n);

/* The member name of a field in the JSON form: AGENTCGROUP_ dropped, the rest lowercased:
 * AGENTCGROUP_PROFILE gives "profile", CONFIG_FILE "config_file". NULL if out of memory. */
char *event_field_json_name(const char *field, size_t n);

/* The message without the "UNIT: " the daemon puts in front of it when the entry is about a
 * unit (the line shows the unit anyway). Points into e->message. */
const char *event_message_body(const Event *e);

/* One line like journalctl's short output: "May 01 12:34:56 UNIT KIND: MESSAGE", local time,
 * "-" for the daemon's own entries; control characters in the message are escaped (\n, \x1b).
 * With colour, KIND: MESSAGE is red for errors, yellow for warnings, bold for notices, grey
 * for debug. */
int event_print(const Event *e, FILE *f, bool color);

/* An object with timestamp (microseconds since the epoch), time (ISO 8601, UTC with
 * microseconds), unit (null for the daemon's own entries), kind, message_id, priority (null
 * when missing), message (as logged), then each of e->fields as a string member named by
 * event_field_json_name() (one that would clash with a member above keeps its full lowercased
 * name). */
int event_to_json(const Event *e, json_object **ret);

/* "2024-05-01T12:34:56.123456Z". buf should hold 32 bytes. */
char *format_timestamp_iso8601(char *buf, size_t size, uint64_t usec);

/* --since=: "now", "today", "yesterday" (local midnight), "@SECONDS" (since the epoch),
 * "YYYY-MM-DD", "YYYY-MM-DD HH:MM", "YYYY-MM-DD HH:MM:SS" (local time; 'T' in place of the
 * space too), "-DURATION" or "DURATION ago" relative to now_usec (durations as
 * parse_duration() reads them: "10min", "1h 30min"). Microseconds since the epoch, or
 * -EINVAL/-ERANGE. */
int parse_since(const char *s, uint64_t now_usec, uint64_t *ret_usec);
