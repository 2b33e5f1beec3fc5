/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "agentcgroupctl.h"
#include "cgroup-file.h"
#include "log.h"
#include "strv.h"
#include "terminal-util.h"
#include "top-format.h"

/* top: the managed units, refreshed every --delay, in the spirit of systemd-cgtop. Each refresh
 * asks the daemon (ListUnits(), ListUnitStates()) and reads each unit's cgroup directory
 * (memory.current, memory.high, memory.max, memory.pressure, cpu.stat); the CPU share is the
 * growth of cpu.stat's usage_usec since the refresh before. A unit's cgroup path is asked once
 * (GetUnit(), then its object's ControlGroup) and kept while the unit keeps its cgroup ID.
 *
 * On a terminal the screen is redrawn in place with plain ANSI sequences (no curses), the
 * terminal in non-canonical mode for single keys; it is restored on exit, on SIGINT, SIGTERM
 * and SIGHUP, and while stopped by ^Z. Otherwise (--batch, --json, or stdout not a terminal)
 * each frame is printed after the one before. */

#define ANSI_HOME "\x1b[H"
#define ANSI_ERASE_TO_END_OF_LINE "\x1b[K"
#define ANSI_ERASE_TO_END_OF_SCREEN "\x1b[J"
#define ANSI_HIDE_CURSOR "\x1b[?25l"
#define ANSI_SHOW_CURSOR "\x1b[?25h"

/* What is kept of a unit from one refresh to the next. */
typedef struct Known {
        char *unit;
        uint64_t cgroup_id;
        char *dir;              /* its cgroup directory; NULL: not known (yet) */
        bool has_usage;
        uint64_t usage_usec;    /* cpu.stat usage_usec */
        uint64_t usage_time;    /* when it was read, CLOCK_MONOTONIC */
} Known;

typedef struct Top {
        sd_bus *bus;
        sd_event *event;
        sd_event_source *timer;
        char *version;
        bool no_get_unit;       /* a daemon without GetUnit(): no cgroup directories */

        /* The last refresh: rows and units sorted by name, known[i] is units[i]'s. */
        sd_bus_message *units_reply, *states_reply;
        UnitRow *rows;
        TopUnit *units;
        Known *known;
        size_t n_units;
        uint64_t realtime;

        TopOrder order;
        uint64_t frames;

        bool interactive;
        bool raw;               /* the cursor is hidden (and stdin in our mode, with keys) */
        bool keys;              /* keys are read from stdin, a terminal; saved_termios restores it */
        struct termios saved_termios;
} Top;

static void known_free_array(Known *k, size_t n) {
        for (size_t i = 0; k && i < n; i++) {
                free(k[i].unit);
                free(k[i].dir);
        }
        free(k);
}

/* ---- the terminal ---- */

static void terminal_restore(Top *t) {
        if (!t->raw)
                return;
        if (t->keys)
                (void) tcsetattr(STDIN_FILENO, TCSANOW, &t->saved_termios);
        fputs(ANSI_SHOW_CURSOR, stdout);
        fflush(stdout);
        t->raw = false;
}

/* Single keys without echo; ^C, ^Z and ^\ still send their signals. Without a terminal on
 * stdin, no keys: the cursor is still hidden. */
static int terminal_raw(Top *t) {
        struct termios raw;

        if (t->raw || !t->interactive)
                return 0;
        if (t->keys) {
                if (tcgetattr(STDIN_FILENO, &t->saved_termios) < 0)
                        return log_error_errno(negative_errno(), "Failed to read the terminal's settings: %m");
                raw = t->saved_termios;
                raw.c_lflag &= ~(tcflag_t) (ICANON | ECHO);
                raw.c_cc[VMIN] = 1;
                raw.c_cc[VTIME] = 0;
                if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0)
                        return log_error_errno(negative_errno(), "Failed to set up the terminal: %m");
        }
        t->raw = true;
        fputs(ANSI_HIDE_CURSOR, stdout);
        return 0;
}

static void top_done(Top *t) {
        terminal_restore(t);
        known_free_array(t->known, t->n_units);
        free(t->units);
        free(t->rows);
        sd_bus_message_unref(t->units_reply);
        sd_bus_message_unref(t->states_reply);
        free(t->version);
        sd_event_source_unref(t->timer);
        sd_event_unref(t->event);
        sd_bus_flush_close_unref(t->bus);
}

static void window_size(unsigned *ret_columns, unsigned *ret_lines) {
        struct winsize ws = {};
        const char *e;

        *ret_columns = 80;
        *ret_lines = 24;
        if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) >= 0 && ws.ws_col > 0 && ws.ws_row > 0) {
                *ret_columns = ws.ws_col;
                *ret_lines = ws.ws_row;
                return;
        }
        if ((e = getenv("COLUMNS")) && atoi(e) > 0)
                *ret_columns = (unsigned) atoi(e);
        if ((e = getenv("LINES")) && atoi(e) > 0)
                *ret_lines = (unsigned) atoi(e);
}

/* ---- a refresh ---- */

/* The unit's cgroup directory, from its object. A failure is not an error: the unit may have
 * gone since ListUnits(); it is tried again at the next refresh. */
static void lookup_cgroup(Top *t, Known *k) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(freep) char *cgroup = NULL;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        const char *path;
        int r;

        if (t->no_get_unit)
                return;
        r = ctl_bus_call(t->bus, AGC_BUS_PATH, AGC_BUS_INTERFACE, "GetUnit", &e, &reply, "s", k->unit);
        if (r >= 0)
                r = sd_bus_message_read(reply, "o", &path);
        if (r >= 0)
                r = sd_bus_get_property_string(t->bus, AGC_BUS_NAME, path, AGC_UNIT_INTERFACE, "ControlGroup", &e,
                                               &cgroup);
        if (r < 0) {
                if (sd_bus_error_has_name(&e, SD_BUS_ERROR_UNKNOWN_METHOD))
                        t->no_get_unit = true;
                log_debug("No cgroup for %s: %s", k->unit, sd_bus_error_is_set(&e) ? ctl_bus_error_text(&e) : strerror(-r));
                sd_bus_error_free(&e);
                return;
        }
        if (!isempty(cgroup))
                k->dir = asprintf_safe("%s%s", CGROUP_FS_ROOT, cgroup);
}

static void read_sample(const char *dir, TopSample *s) {
        char buf[512];

        *s = (TopSample) {};
        if (!dir)
                return;
        s->has_current = cgroup_read_value(dir, "memory.current", &s->current) >= 0;
        s->has_high = cgroup_read_value(dir, "memory.high", &s->high) >= 0;
        s->has_max = cgroup_read_value(dir, "memory.max", &s->max) >= 0;
        s->has_avg10 = cgroup_file_read(dir, "memory.pressure", buf, sizeof buf) >= 0 &&
                       cgroup_text_pressure_some_avg10(buf, &s->avg10) >= 0;
        s->has_usage = cgroup_read_key(dir, "cpu.stat", "usage_usec", &s->usage_usec) >= 0;
}

static int compare_known(const void *a, const void *b) {
        return strcmp(((const Known *) a)->unit, ((const Known *) b)->unit);
}

/* The unit as the refresh before knew it (with the same cgroup: not a new unit of the same
 * name), or NULL. */
static Known *known_find(Top *t, const UnitRow *row) {
        Known key = { .unit = (char *) row->unit }, *k;

        if (t->n_units == 0)
                return NULL;
        k = bsearch(&key, t->known, t->n_units, sizeof(Known), compare_known);
        return k && k->cgroup_id == row->cgroup_id ? k : NULL;
}

/* 0, or the exit status after logging. */
static int refresh(Top *t) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *units_reply = NULL, *states_reply = NULL;
        _cleanup_(freep) UnitRow *rows = NULL;
        _cleanup_(freep) TopUnit *units = NULL;
        Known *known;
        size_t n = 0;
        int r;

        r = ctl_list_unit_rows(t->bus, "top", &rows, &n, &units_reply, &states_reply);
        if (r != 0)
                return r;
        units = calloc(n + 1, sizeof(TopUnit));
        known = calloc(n + 1, sizeof(Known));
        if (!units || !known) {
                free(known);
                return log_oom();
        }
        for (size_t i = 0; i < n; i++) {
                Known *k = &known[i], *old = known_find(t, &rows[i]);

                k->unit = strdup(rows[i].unit);
                if (!k->unit) {
                        known_free_array(known, n);
                        return log_oom();
                }
                k->cgroup_id = rows[i].cgroup_id;
                if (old) {
                        k->dir = TAKE_PTR(old->dir);
                        k->has_usage = old->has_usage;
                        k->usage_usec = old->usage_usec;
                        k->usage_time = old->usage_time;
                }
                if (!k->dir)
                        lookup_cgroup(t, k);

                units[i].row = rows[i];
                read_sample(k->dir, &units[i].sample);
                units[i].cpu_percent = NAN;
                if (units[i].sample.has_usage) {
                        uint64_t now = now_usec(CLOCK_MONOTONIC);

                        if (k->has_usage)
                                units[i].cpu_percent = top_cpu_percent(k->usage_usec, units[i].sample.usage_usec,
                                                                       k->usage_time, now);
                        k->has_usage = true;
                        k->usage_usec = units[i].sample.usage_usec;
                        k->usage_time = now;
                } else
                        k->has_usage = false;
        }

        known_free_array(t->known, t->n_units);
        free(t->units);
        free(t->rows);
        sd_bus_message_unref(t->units_reply);
        sd_bus_message_unref(t->states_reply);
        t->known = known;
        t->units = TAKE_PTR(units);
        t->rows = TAKE_PTR(rows);
        t->units_reply = TAKE_PTR(units_reply);
        t->states_reply = TAKE_PTR(states_reply);
        t->n_units = n;
        t->realtime = now_usec(CLOCK_REALTIME);
        return 0;
}

/* ---- output ---- */

static int frame_lines(Top *t, TopFrame *f, TopLine **ret_lines) {
        *f = (TopFrame) {
                .version = t->version,
                .realtime_usec = t->realtime,
                .order = t->order,
                .units = t->units,
                .n_units = t->n_units,
        };
        return top_units_order(t->units, t->n_units, t->order, ret_lines);
}

/* One frame after the other: text frames separated by an empty line, JSON one object each. */
static int print_batch(Top *t) {
        _cleanup_(freep) TopLine *lines = NULL;
        TopFrame f;
        int r;

        r = frame_lines(t, &f, &lines);
        if (r < 0)
                return log_oom();
        if (arg_json != JSON_FORMAT_OFF) {
                _cleanup_(json_object_putp) json_object *o = NULL;

                if (top_frame_to_json(&f, lines, &o) < 0)
                        return log_oom();
                r = ctl_print_json(o);
                if (r < 0)
                        return r;
        } else {
                _cleanup_strv_free_ char **text = NULL;

                if (top_frame_format(&f, lines, &text) < 0)
                        return log_oom();
                if (t->frames > 1)
                        fputc('\n', stdout);
                STRV_FOREACH(l, text)
                        printf("%s\n", *l);
        }
        if (fflush(stdout) != 0 || ferror(stdout))
                return log_error_errno(negative_errno(), "Failed to write the output: %m");
        return 0;
}

static const char *state_color(const char *state) {
        if (streq_ptr(state, "throttled"))
                return ANSI_HIGHLIGHT_YELLOW;
        if (streq_ptr(state, "frozen"))
                return ANSI_HIGHLIGHT_BLUE;
        if (streq_ptr(state, "killed"))
                return ANSI_HIGHLIGHT_RED;
        return NULL;
}

/* The screen, redrawn from its top-left corner: each line cut to the width, the rest of it
 * erased; the cursor ends on the last line of the screen, which is left empty so that nothing
 * scrolls (and a message at exit starts on a line of its own), as is the last column. */
static int draw(Top *t) {
        _cleanup_(freep) TopLine *lines = NULL;
        _cleanup_strv_free_ char **text = NULL;
        _cleanup_(freep) char *buf = NULL;
        unsigned columns, rows;
        size_t size = 0, i = 0, width;
        TopFrame f;
        FILE *m;
        int r;

        r = frame_lines(t, &f, &lines);
        if (r >= 0)
                r = top_frame_format(&f, lines, &text);
        if (r < 0)
                return log_oom();
        /* In place of the empty line under the title: the keys. */
        free(text[1]);
        text[1] = strdup("Keys: u m c p order by unit, memory, CPU, pressure; space refresh; q quit");
        if (!text[1])
                return log_oom();

        window_size(&columns, &rows);
        /* The last column stays empty: a character there leaves the cursor waiting to wrap,
         * which terminals treat differently (and erasing from there erases it). */
        width = columns > 1 ? columns - 1 : columns;
        m = open_memstream(&buf, &size);
        if (!m)
                return log_oom();
        fputs(ANSI_HOME, m);
        STRV_FOREACH(l, text) {
                size_t len = strlen(*l);
                const char *color = NULL;

                if (i + 1 >= rows)
                        break;
                if (i == 0 || i + 1 == TOP_FRAME_HEADER_LINES)
                        color = ANSI_BOLD;
                else if (i >= TOP_FRAME_HEADER_LINES)
                        color = state_color(t->units[lines[i - TOP_FRAME_HEADER_LINES].index].row.state);
                color = arg_color_stdout ? color : NULL;
                fprintf(m, "%s%.*s%s" ANSI_ERASE_TO_END_OF_LINE "\n", strempty(color), (int) MIN(len, width), *l,
                        color ? ANSI_NORMAL : "");
                i++;
        }
        fputs(ANSI_ERASE_TO_END_OF_SCREEN, m);
        if (fclose(m) != 0)
                return log_oom();
        if (fwrite(buf, 1, size, stdout) != size || fflush(stdout) != 0)
                return log_error_errno(negative_errno(), "Failed to write to the terminal: %m");
        return 0;
}

static int output(Top *t) {
        return t->interactive ? draw(t) : print_batch(t);
}

/* ---- the event loop ---- */

static int schedule(Top *t, uint64_t delay) {
        uint64_t now;
        int r;

        r = sd_event_now(t->event, CLOCK_MONOTONIC, &now);
        if (r >= 0)
                r = sd_event_source_set_time(t->timer, now + delay);
        if (r >= 0)
                r = sd_event_source_set_enabled(t->timer, SD_EVENT_ONESHOT);
        return r < 0 ? log_error_errno(r, "Failed to set up the refresh timer: %m") : 0;
}

/* A refresh and its frame; 0, 1 after the last frame (--iterations), or the exit status. */
static int frame(Top *t) {
        int r;

        r = refresh(t);
        if (r != 0)
                return r;
        t->frames++;
        r = output(t);
        if (r != 0)
                return r;
        return t->frames >= arg_iterations ? 1 : 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Top *t = userdata;
        int r;

        r = frame(t);
        if (r == 0)
                r = schedule(t, arg_delay);
        if (r != 0)
                /* The exit status; 1 after the last frame is success. */
                return sd_event_exit(t->event, r == 1 ? 0 : r < 0 ? EXIT_FAILURE : r);
        return 0;
}

static int on_key(Top *t, char c) {
        TopOrder o;

        switch (c) {
        case 'q':
        case 'Q':
                return sd_event_exit(t->event, 0);
        case ' ':
                return schedule(t, 0);
        default:
                o = top_order_from_key(c);
                if (o < 0 || o == t->order)
                        return 0;
                t->order = o;
                return draw(t);
        }
}

static int on_input(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Top *t = userdata;
        char buf[64];
        ssize_t n;
        int r;

        n = read(fd, buf, sizeof buf);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (n <= 0)
                /* No more keys (end of input, or a terminal gone): the view goes on. */
                return sd_event_source_set_enabled(s, SD_EVENT_OFF);
        for (ssize_t i = 0; i < n; i++) {
                /* An escape sequence (arrow and function keys) means none of our keys. */
                if (buf[i] == '\x1b')
                        break;
                r = on_key(t, buf[i]);
                if (r < 0)
                        return sd_event_exit(t->event, EXIT_FAILURE);
        }
        return 0;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Top *t = userdata;
        int r;

        switch (si->ssi_signo) {
        case SIGWINCH:
                return t->frames > 0 ? draw(t) : 0;
        case SIGTSTP:
                /* ^Z: the shell gets its terminal back as it was; on "fg", ours again. */
                terminal_restore(t);
                (void) raise(SIGSTOP);
                r = terminal_raw(t);
                if (r >= 0)
                        r = draw(t);
                return r < 0 ? sd_event_exit(t->event, EXIT_FAILURE) : 0;
        default:
                /* SIGINT, SIGTERM, SIGHUP: the user or the system asked to stop. */
                return sd_event_exit(t->event, 0);
        }
}

static int setup_event(Top *t) {
        static const int batch_signals[] = { SIGINT, SIGTERM, SIGHUP, 0 };
        static const int interactive_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGWINCH, SIGTSTP, 0 };
        const int *signals = t->interactive ? interactive_signals : batch_signals;
        int r;

        r = ctl_block_signals(signals);
        if (r < 0)
                return r;
        r = sd_event_new(&t->event);
        for (const int *s = signals; r >= 0 && *s != 0; s++)
                r = sd_event_add_signal(t->event, NULL, *s, on_signal, t);
        if (r >= 0)
                r = sd_event_add_time(t->event, &t->timer, CLOCK_MONOTONIC, UINT64_MAX, 0, on_timer, t);
        if (r >= 0)
                r = sd_event_source_set_enabled(t->timer, SD_EVENT_OFF);
        if (r >= 0 && t->keys)
                r = sd_event_add_io(t->event, NULL, STDIN_FILENO, EPOLLIN, on_input, t);
        return r < 0 ? log_error_errno(r, "Failed to set up the event loop: %m") : 0;
}

/* The daemon's version, for the title; asking for it finds out whether the daemon runs. */
static int read_version(Top *t) {
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_get_property_string(t->bus, AGC_BUS_NAME, AGC_BUS_PATH, AGC_BUS_INTERFACE, "Version", &e,
                                       &t->version);
        if (r < 0) {
                r = ctl_bus_call_failed("top", "Get", &e, r);
                sd_bus_error_free(&e);
                return r;
        }
        return 0;
}

int verb_top(int argc, char *argv[]) {
        _cleanup_(top_done) Top t = {
                .order = arg_order,
                /* A terminal that cannot move its cursor gets frames one after the other. */
                .interactive = !arg_batch && arg_json == JSON_FORMAT_OFF && isatty(STDOUT_FILENO) > 0 &&
                               !streq_ptr(getenv("TERM"), "dumb"),
        };
        int r;

        t.keys = t.interactive && isatty(STDIN_FILENO) > 0;
        r = ctl_bus_connect(&t.bus);
        if (r != 0)
                return r;
        r = read_version(&t);
        if (r != 0)
                return r;
        r = setup_event(&t);
        if (r < 0)
                return r;
        /* The first refresh before the terminal is ours: a daemon that is not there is
         * reported on a terminal as it was. */
        r = refresh(&t);
        if (r != 0)
                return r;
        t.frames = 1;
        r = terminal_raw(&t);
        if (r >= 0)
                r = output(&t);
        if (r == 0 && t.frames < arg_iterations) {
                r = schedule(&t, arg_delay);
                if (r >= 0)
                        r = sd_event_loop(t.event);
        }
        terminal_restore(&t);
        return r;
}
