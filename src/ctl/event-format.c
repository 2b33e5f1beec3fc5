/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

#include "config-format.h"
#include "event-format.h"
#include "message-ids.h"
#include "parse-util.h"
#include "strv.h"
#include "terminal-util.h"

static const struct {
        const char *name;
        const char *message_id;
} event_kinds[_EVENT_KIND_MAX] = {
        [EVENT_PROFILE_APPLIED] = { "profile-applied", MESSAGE_ID_PROFILE_APPLIED },
        [EVENT_APPLY_FAILED]    = { "apply-failed",    MESSAGE_ID_PROFILE_APPLY_FAILED },
        [EVENT_CONFIG_ERROR]    = { "config-error",    MESSAGE_ID_CONFIG_ERROR },
        [EVENT_CONFIG_LOADED]   = { "config-loaded",   MESSAGE_ID_CONFIG_LOADED },
        [EVENT_ADOPTED]         = { "adopted",         MESSAGE_ID_UNIT_ADOPTED },
        [EVENT_MEMORY_ACTION]   = { "memory-action",   MESSAGE_ID_MEMORY_ACTION },
        [EVENT_MEMORY_LEFTOVER] = { "memory-leftover", MESSAGE_ID_MEMORY_LEFTOVER },
        [EVENT_MEMORY_APPLIED]  = { "memory-applied",  MESSAGE_ID_MEMORY_APPLIED },
        [EVENT_THROTTLED]       = { "throttled",       MESSAGE_ID_MEMORY_THROTTLED },
        [EVENT_RELAXED]         = { "relaxed",         MESSAGE_ID_MEMORY_RELAXED },
        [EVENT_FROZEN]          = { "frozen",          MESSAGE_ID_UNIT_FROZEN },
        [EVENT_THAWED]          = { "thawed",          MESSAGE_ID_UNIT_THAWED },
        [EVENT_KILLED]          = { "killed",          MESSAGE_ID_UNIT_KILLED },
        [EVENT_OOM_KILLED]      = { "oom-killed",      MESSAGE_ID_UNIT_OOM_KILLED },
        [EVENT_WOULD_ACT]       = { "would-act",       MESSAGE_ID_WOULD_ACT },
        [EVENT_SCHEDULER_ATTACHED] = { "scheduler-attached", MESSAGE_ID_SCHEDULER_ATTACHED },
        [EVENT_SCHEDULER_EJECTED]  = { "scheduler-ejected",  MESSAGE_ID_SCHEDULER_EJECTED },
};

const char *event_kind_to_string(EventKind k) {
        if (k < 0 || k >= _EVENT_KIND_MAX)
                return NULL;
        return event_kinds[k].name;
}

EventKind event_kind_from_string(const char *s) {
        for (EventKind k = 0; k < _EVENT_KIND_MAX; k++)
                if (streq_ptr(s, event_kinds[k].name))
                        return k;
        return _EVENT_KIND_INVALID;
}

const char *event_kind_to_message_id(EventKind k) {
        if (k < 0 || k >= _EVENT_KIND_MAX)
                return NULL;
        return event_kinds[k].message_id;
}

EventKind event_kind_from_message_id(const char *id) {
        if (!id)
                return _EVENT_KIND_INVALID;
        for (EventKind k = 0; k < _EVENT_KIND_MAX; k++)
                if (strcasecmp(id, event_kinds[k].message_id) == 0)
                        return k;
        return _EVENT_KIND_INVALID;
}

void event_done(Event *e) {
        free(e->message_id);
        free(e->message);
        free(e->unit);
        strv_free(e->fields);
        *e = (Event) EVENT_INIT;
}

static bool name_is(const char *name, size_t k, const char *want) {
        return strlen(want) == k && strneq(name, want, k);
}

/* A name with the prefix and something after it. */
static bool name_has_prefix(const char *name, size_t k, const char *prefix) {
        size_t p = strlen(prefix);

        return k > p && strneq(name, prefix, p);
}

static bool fields_have(char * const *fields, const char *name, size_t k) {
        STRV_FOREACH(f, fields)
                if (strneq(*f, name, k) && (*f)[k] == '=')
                        return true;
        return false;
}

static int keep_value(char **target, const char *value, size_t n) {
        if (*target)
                return 0;
        *target = strndup(value, n);
        return *target ? 0 : -ENOMEM;
}

int event_add_field(Event *e, const void *data, size_t n) {
        const char *d = data, *eq = memchr(d, '=', n), *value;
        size_t k, vn;
        int r;

        if (!eq || eq == d)
                return 0;
        k = (size_t) (eq - d);
        value = eq + 1;
        vn = n - k - 1;

        if (name_is(d, k, "MESSAGE"))
                return keep_value(&e->message, value, vn);
        if (name_is(d, k, "AGENTCGROUP_UNIT"))
                return keep_value(&e->unit, value, vn);
        if (name_is(d, k, "MESSAGE_ID")) {
                if (e->message_id)
                        return 0;
                r = keep_value(&e->message_id, value, vn);
                if (r < 0)
                        return r;
                e->kind = event_kind_from_message_id(e->message_id);
                return 0;
        }
        if (name_is(d, k, "PRIORITY")) {
                if (e->priority < 0 && vn == 1 && value[0] >= '0' && value[0] <= '7')
                        e->priority = value[0] - '0';
                return 0;
        }
        if ((name_has_prefix(d, k, "AGENTCGROUP_") || name_has_prefix(d, k, "CONFIG_")) &&
            !fields_have(e->fields, d, k)) {
                char *f = strndup(d, n);

                if (!f)
                        return -ENOMEM;
                return strv_consume(&e->fields, f);
        }
        return 0;
}

char *event_field_json_name(const char *field, size_t n) {
        static const char prefix[] = "AGENTCGROUP_";
        char *s;

        if (n > strlen(prefix) && strneq(field, prefix, strlen(prefix))) {
                field += strlen(prefix);
                n -= strlen(prefix);
        }
        s = strndup(field, n);
        if (!s)
                return NULL;
        for (char *p = s; *p; p++)
                *p = (char) tolower((unsigned char) *p);
        return s;
}

const char *event_message_body(const Event *e) {
        size_t n;

        if (!e->message)
                return "";
        if (!e->unit)
                return e->message;
        n = strlen(e->unit);
        if (strneq(e->message, e->unit, n) && e->message[n] == ':' && e->message[n + 1] == ' ')
                return e->message + n + 2;
        return e->message;
}

/* Text from the journal onto a terminal: no control characters get through as they are. */
static void fputs_escaped(const char *s, FILE *f) {
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                if (*p == '\n')
                        fputs("\\n", f);
                else if (*p == '\t')
                        fputs("\\t", f);
                else if (*p < 0x20 || *p == 0x7f)
                        fprintf(f, "\\x%02x", *p);
                else
                        fputc(*p, f);
}

static const char *priority_color(int priority) {
        if (priority < 0 || priority == LOG_INFO)
                return "";
        if (priority <= LOG_ERR)
                return ANSI_HIGHLIGHT_RED;
        if (priority == LOG_WARNING)
                return ANSI_HIGHLIGHT_YELLOW;
        if (priority == LOG_NOTICE)
                return ANSI_BOLD;
        return ANSI_GREY;
}

int event_print(const Event *e, FILE *f, bool color) {
        time_t t = (time_t) (e->realtime_usec / USEC_PER_SEC);
        const char *on = color ? priority_color(e->priority) : "";
        char ts[64] = "-";
        struct tm tm;

        if (localtime_r(&t, &tm) && strftime(ts, sizeof ts, "%b %d %H:%M:%S", &tm) == 0)
                strcpy(ts, "-");
        fprintf(f, "%s ", ts);
        fputs_escaped(e->unit ?: "-", f);
        fprintf(f, " %s%s: ", on, event_kind_to_string(e->kind) ?: "unknown");
        fputs_escaped(event_message_body(e), f);
        fprintf(f, "%s\n", isempty(on) ? "" : ANSI_NORMAL);
        return ferror(f) ? -EIO : 0;
}

char *format_timestamp_iso8601(char *buf, size_t size, uint64_t usec) {
        time_t t = (time_t) (usec / USEC_PER_SEC);
        char date[32];
        struct tm tm;

        if (!gmtime_r(&t, &tm) || strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
                return NULL;
        snprintf(buf, size, "%s.%06" PRIu64 "Z", date, usec % USEC_PER_SEC);
        return buf;
}

int event_to_json(const Event *e, json_object **ret) {
        _cleanup_(json_object_putp) json_object *o = NULL;
        char time_buf[64];
        int r;

        o = json_object_new_object();
        if (!o)
                return -ENOMEM;
        r = json_add_uint(o, "timestamp", e->realtime_usec);
        if (r >= 0)
                r = json_add_string(o, "time", format_timestamp_iso8601(time_buf, sizeof time_buf, e->realtime_usec));
        if (r >= 0)
                r = json_add_string(o, "unit", e->unit);
        if (r >= 0)
                r = json_add_string(o, "kind", event_kind_to_string(e->kind));
        if (r >= 0)
                r = json_add_string(o, "message_id", e->message_id);
        if (r >= 0)
                r = json_add(o, "priority", e->priority >= 0 ? json_object_new_int(e->priority) : NULL);
        if (r >= 0)
                r = json_add_string(o, "message", e->message);
        if (r < 0)
                return r;

        STRV_FOREACH(f, e->fields) {
                size_t k = strcspn(*f, "=");
                _cleanup_(freep) char *name = event_field_json_name(*f, k);

                if (!name)
                        return -ENOMEM;
                if (json_object_object_get_ex(o, name, NULL)) {
                        /* AGENTCGROUP_KIND= would hide "kind": keep the field's full name. */
                        free(name);
                        name = strndup(*f, k);
                        if (!name)
                                return -ENOMEM;
                        for (char *p = name; *p; p++)
                                *p = (char) tolower((unsigned char) *p);
                }
                r = json_add_string(o, name, (*f)[k] == '=' ? *f + k + 1 : "");
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(o);
        return 0;
}

/* ---- --since= ---- */

static int local_midnight(uint64_t now_usec, int days_back, uint64_t *ret) {
        time_t t = (time_t) (now_usec / USEC_PER_SEC);
        struct tm tm;

        if (!localtime_r(&t, &tm))
                return -EINVAL;
        tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        tm.tm_mday -= days_back;
        tm.tm_isdst = -1;
        t = mktime(&tm);
        if (t < 0)
                return -ERANGE;
        *ret = (uint64_t) t * USEC_PER_SEC;
        return 0;
}

static int parse_ago(const char *duration, uint64_t now_usec, uint64_t *ret) {
        uint64_t d;
        int r;

        r = parse_duration(duration, &d);
        if (r < 0)
                return r;
        if (d == UINT64_MAX)    /* "infinity" */
                return -EINVAL;
        *ret = d >= now_usec ? 0 : now_usec - d;
        return 0;
}

int parse_since(const char *s, uint64_t now_usec, uint64_t *ret_usec) {
        static const char * const formats[] = {
                "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d",
        };
        static const char ago[] = " ago";
        size_t n;
        int r;

        if (isempty(s))
                return -EINVAL;
        if (streq(s, "now")) {
                *ret_usec = now_usec;
                return 0;
        }
        if (streq(s, "today"))
                return local_midnight(now_usec, 0, ret_usec);
        if (streq(s, "yesterday"))
                return local_midnight(now_usec, 1, ret_usec);
        if (s[0] == '@') {
                uint64_t sec;

                r = parse_uint64(s + 1, &sec);
                if (r < 0)
                        return r;
                if (sec > UINT64_MAX / USEC_PER_SEC)
                        return -ERANGE;
                *ret_usec = sec * USEC_PER_SEC;
                return 0;
        }
        if (s[0] == '-')
                return parse_ago(s + 1, now_usec, ret_usec);
        n = strlen(s);
        if (n > strlen(ago) && streq(s + n - strlen(ago), ago)) {
                _cleanup_(freep) char *d = strndup(s, n - strlen(ago));

                if (!d)
                        return -ENOMEM;
                return parse_ago(d, now_usec, ret_usec);
        }

        for (size_t i = 0; i < ELEMENTSOF(formats); i++) {
                struct tm tm = {};
                const char *end;
                time_t t;

                /* strptime() skips leading blanks; a date is digits from the start. */
                if (!isdigit((unsigned char) s[0]))
                        break;
                end = strptime(s, formats[i], &tm);
                if (!end || *end != '\0')
                        continue;
                tm.tm_isdst = -1;
                t = mktime(&tm);
                if (t < 0)
                        return -ERANGE;
                *ret_usec = (uint64_t) t * USEC_PER_SEC;
                return 0;
        }
        return -EINVAL;
}
