/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dbus-flood: floods agentcgroupd's manager object with method calls from several bus
 * connections, as a hostile unprivileged client would (VM case 42). Each connection keeps up to
 * --window calls in flight and sends the next as soon as a reply (or error) comes back, cycling
 * through a mix of read calls, mutating calls (which must be refused to an unprivileged caller),
 * malformed arguments and oversized strings. At the end it prints a JSON summary: calls sent,
 * replies, errors by D-Bus error name, calls per second.
 *
 * usage: dbus-flood [--connections N] [--window N] [--duration SEC] [--big-bytes N] [--unit NAME]
 *
 * The session it tries to start is "floodsess"; --unit names the unit it tries to freeze, kill
 * and give a profile (a real one makes a broken access check visible). */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <time.h>

#include "macro.h"
#include "parse-util.h"

#define DEST "org.agentcgroup1"
#define PATH "/org/agentcgroup1"
#define IFACE "org.agentcgroup1.Manager"
#define CONNECTIONS_MAX 64
#define WINDOW_MAX 1000

typedef struct Flood Flood;

typedef struct Conn {
        Flood *flood;
        sd_bus *bus;
        unsigned next_call;     /* index into the call mix */
        unsigned in_flight;
} Conn;

struct Flood {
        sd_event *event;
        Conn conns[CONNECTIONS_MAX];
        unsigned n_conns;
        unsigned window;
        size_t big_bytes;
        char *big;              /* an oversized argument */
        const char *unit;       /* what the mutating calls aim at */
        bool stopping;
        uint64_t sent, replies, send_failures;
        struct json_object *errors;     /* error name -> count */
};

typedef enum CallKind {
        CALL_GET_METRICS,
        CALL_LIST_UNIT_STATES,
        CALL_LIST_PROFILES,
        CALL_GET_UNIT_BAD_NAME,
        CALL_GET_UNIT_BIG,
        CALL_FREEZE,
        CALL_KILL,
        CALL_SET_PROFILE_BIG,
        CALL_RELOAD,
        CALL_START_SESSION,
        CALL_START_TOOL_CALL,
        CALL_WRONG_SIGNATURE,
        CALL_UNKNOWN_METHOD,
        _CALL_MAX,
} CallKind;

static const char *const call_names[_CALL_MAX] = {
        [CALL_GET_METRICS] = "GetMetrics",
        [CALL_LIST_UNIT_STATES] = "ListUnitStates",
        [CALL_LIST_PROFILES] = "ListProfiles",
        [CALL_GET_UNIT_BAD_NAME] = "GetUnit",
        [CALL_GET_UNIT_BIG] = "GetUnit",
        [CALL_FREEZE] = "FreezeUnit",
        [CALL_KILL] = "KillUnit",
        [CALL_SET_PROFILE_BIG] = "SetUnitProfile",
        [CALL_RELOAD] = "Reload",
        [CALL_START_SESSION] = "StartSession",
        [CALL_START_TOOL_CALL] = "StartToolCall",
        [CALL_WRONG_SIGNATURE] = "FreezeUnit",
        [CALL_UNKNOWN_METHOD] = "NoSuchMethod",
};

static int send_next(Conn *c);

static void count_error(Flood *f, const char *name) {
        struct json_object *v;
        int64_t n = 0;

        if (json_object_object_get_ex(f->errors, name, &v))
                n = json_object_get_int64(v);
        json_object_object_add(f->errors, name, json_object_new_int64(n + 1));
}

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Conn *c = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);

        c->in_flight--;
        if (e)
                count_error(c->flood, e->name);
        else
                c->flood->replies++;
        if (!c->flood->stopping)
                (void) send_next(c);
        else if (c->in_flight == 0) {
                bool all_done = true;

                for (unsigned i = 0; i < c->flood->n_conns; i++)
                        all_done = all_done && c->flood->conns[i].in_flight == 0;
                if (all_done)
                        (void) sd_event_exit(c->flood->event, 0);
        }
        return 0;
}

static int append_args(sd_bus_message *m, CallKind kind, const Flood *f) {
        static const uint32_t pids[] = { 1 };

        switch (kind) {
        case CALL_GET_UNIT_BAD_NAME:
                return sd_bus_message_append(m, "s", "../../etc/passwd");
        case CALL_GET_UNIT_BIG:
                return sd_bus_message_append(m, "s", f->big);
        case CALL_FREEZE:
                return sd_bus_message_append(m, "s", f->unit);
        case CALL_KILL:
                return sd_bus_message_append(m, "si", f->unit, 9);
        case CALL_SET_PROFILE_BIG:
                return sd_bus_message_append(m, "ss", f->unit, f->big);
        case CALL_START_SESSION:
                return sd_bus_message_append(m, "ss", "floodsess", "");
        case CALL_START_TOOL_CALL: {
                int r = sd_bus_message_append(m, "sss", "floodsess", "pytest", "");
                if (r < 0)
                        return r;
                return sd_bus_message_append_array(m, 'u', pids, sizeof pids);
        }
        case CALL_WRONG_SIGNATURE:
                return sd_bus_message_append(m, "ut", 7u, UINT64_C(8));
        default:
                return 0;
        }
}

static int send_next(Conn *c) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        Flood *f = c->flood;
        CallKind kind = c->next_call++ % _CALL_MAX;
        int r;

        r = sd_bus_message_new_method_call(c->bus, &m, DEST, PATH, IFACE, call_names[kind]);
        if (r >= 0)
                r = append_args(m, kind, f);
        if (r >= 0)
                r = sd_bus_call_async(c->bus, NULL, m, on_reply, c, 0);
        if (r < 0) {
                /* The bus refusing more (ENOBUFS) is a result, not a reason to stop flooding. */
                f->send_failures++;
                count_error(f, "send-failed");
                return r;
        }
        c->in_flight++;
        f->sent++;
        return 0;
}

static int on_deadline(sd_event_source *s, uint64_t usec, void *userdata) {
        Flood *f = userdata;
        bool idle = true;

        f->stopping = true;
        for (unsigned i = 0; i < f->n_conns; i++)
                idle = idle && f->conns[i].in_flight == 0;
        if (idle)
                return sd_event_exit(f->event, 0);
        return 0;
}

static int on_grace(sd_event_source *s, uint64_t usec, void *userdata) {
        Flood *f = userdata;

        /* Replies still missing this long after the end are counted as lost. */
        count_error(f, "no-reply-at-end");
        return sd_event_exit(f->event, 0);
}

static void help(void) {
        printf("usage: dbus-flood [OPTIONS]\n"
               "Floods org.agentcgroup1.Manager on the system bus and prints a JSON summary.\n\n"
               "  --connections N   bus connections (default 8, at most %d)\n"
               "  --window N        calls in flight per connection (default 50, at most %d)\n"
               "  --duration SEC    how long to flood (default 30)\n"
               "  --big-bytes N     size of the oversized string arguments (default 65536)\n"
               "  --unit NAME       the unit the mutating calls aim at (default agent-flood.scope)\n"
               "  -h, --help        this help\n", CONNECTIONS_MAX, WINDOW_MAX);
}

static int parse_uint_opt(const char *opt, const char *value, unsigned min, unsigned max, unsigned *ret) {
        uint64_t v;

        if (parse_uint64(value, &v) < 0 || v < min || v > max) {
                fprintf(stderr, "dbus-flood: %s: '%s' is not a number from %u to %u\n", opt, value, min, max);
                return -EINVAL;
        }
        *ret = (unsigned) v;
        return 0;
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "connections", required_argument, NULL, 'c' },
                { "window", required_argument, NULL, 'w' },
                { "duration", required_argument, NULL, 'd' },
                { "big-bytes", required_argument, NULL, 'b' },
                { "unit", required_argument, NULL, 'u' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        Flood f = { .n_conns = 8, .window = 50, .big_bytes = 65536, .unit = "agent-flood.scope" };
        unsigned duration = 30, big = 65536;
        struct timespec t0, t1;
        int c, r;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'c':
                        if (parse_uint_opt("--connections", optarg, 1, CONNECTIONS_MAX, &f.n_conns) < 0)
                                return 2;
                        break;
                case 'w':
                        if (parse_uint_opt("--window", optarg, 1, WINDOW_MAX, &f.window) < 0)
                                return 2;
                        break;
                case 'd':
                        if (parse_uint_opt("--duration", optarg, 1, 3600, &duration) < 0)
                                return 2;
                        break;
                case 'b':
                        if (parse_uint_opt("--big-bytes", optarg, 1, 16 << 20, &big) < 0)
                                return 2;
                        break;
                case 'u':
                        f.unit = optarg;
                        break;
                case 'h':
                        help();
                        return 0;
                default:
                        return 2;
                }
        if (optind < argc) {
                fprintf(stderr, "dbus-flood: unexpected argument '%s' (see --help)\n", argv[optind]);
                return 2;
        }

        f.big_bytes = big;
        f.big = malloc(f.big_bytes + 1);
        f.errors = json_object_new_object();
        if (!f.big || !f.errors)
                return 1;
        memset(f.big, 'x', f.big_bytes);
        f.big[f.big_bytes] = '\0';

        r = sd_event_default(&f.event);
        if (r < 0) {
                fprintf(stderr, "dbus-flood: event loop: %s\n", strerror(-r));
                return 1;
        }
        for (unsigned i = 0; i < f.n_conns; i++) {
                Conn *conn = &f.conns[i];

                conn->flood = &f;
                conn->next_call = i;    /* connections start at different points of the mix */
                r = sd_bus_open_system(&conn->bus);
                if (r >= 0)
                        r = sd_bus_attach_event(conn->bus, f.event, 0);
                if (r < 0) {
                        fprintf(stderr, "dbus-flood: connecting to the system bus: %s\n", strerror(-r));
                        return 1;
                }
        }

        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (unsigned i = 0; i < f.n_conns; i++)
                for (unsigned w = 0; w < f.window; w++)
                        (void) send_next(&f.conns[i]);

        r = sd_event_add_time_relative(f.event, NULL, CLOCK_MONOTONIC, (uint64_t) duration * 1000000, 0,
                                       on_deadline, &f);
        if (r >= 0)
                r = sd_event_add_time_relative(f.event, NULL, CLOCK_MONOTONIC, (uint64_t) (duration + 60) * 1000000,
                                               0, on_grace, &f);
        if (r >= 0)
                r = sd_event_loop(f.event);
        if (r < 0) {
                fprintf(stderr, "dbus-flood: event loop: %s\n", strerror(-r));
                return 1;
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);

        double secs = (double) (t1.tv_sec - t0.tv_sec) + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9;
        uint64_t errors = 0;
        json_object_object_foreach(f.errors, k, v) {
                (void) k;
                errors += (uint64_t) json_object_get_int64(v);
        }
        struct json_object *j = json_object_new_object();
        json_object_object_add(j, "connections", json_object_new_int64(f.n_conns));
        json_object_object_add(j, "window", json_object_new_int64(f.window));
        json_object_object_add(j, "seconds", json_object_new_double(secs));
        json_object_object_add(j, "sent", json_object_new_int64((int64_t) f.sent));
        json_object_object_add(j, "replies", json_object_new_int64((int64_t) f.replies));
        json_object_object_add(j, "errors", json_object_new_int64((int64_t) errors));
        json_object_object_add(j, "calls_per_second", json_object_new_double(secs > 0 ? (double) f.sent / secs : 0));
        json_object_object_add(j, "error_names", f.errors);
        puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(j);

        for (unsigned i = 0; i < f.n_conns; i++)
                sd_bus_flush_close_unref(f.conns[i].bus);
        sd_event_unref(f.event);
        free(f.big);
        return 0;
}
