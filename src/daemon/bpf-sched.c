/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include "config.h"

#if HAVE_LIBBPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "../../bpf/sched-abi.h"
#endif

#include "bpf-memcg.h"
#include "bpf-sched.h"
#include "cgroup-util.h"
#include "log.h"
#include "message-ids.h"
#include "strv.h"

#define SCHED_OBJECT "agentcgroup_sched.bpf.o"
#define SCHED_EXT_STATE "/sys/kernel/sched_ext/state"
#define SCHED_EXT_OPS "/sys/kernel/sched_ext/root/ops"
#define SCHED_NAME "agentcgroup"
#define SCHED_EXT_POLICY 7      /* SCHED_EXT, not in older libc headers */

struct SchedBpf {
        sd_event *event;
        char *dir;
        void (*on_change)(SchedBpf *s, void *userdata);
        void *userdata;

        SchedMode configured;   /* as configured (auto resolved at load) */
        char *why_off;          /* the reason shown when configured off (NULL: "Scheduler=off") */
        SchedMode mode;         /* in effect while enabled, or being loaded */
        bool reconfigure;       /* the configuration changed while loading: apply it once done */
        uint64_t restart_usec;
        unsigned restart_max;
        unsigned restarts;      /* loads after ejections since the last configure */
        bool restart_counts;    /* the pending restart uses up an attempt */
        SchedState state;
        char *reason;
        sd_event_source *restart_timer;

#if HAVE_LIBBPF
        struct bpf_object *obj;
        struct bpf_link *link;
        struct ring_buffer *rb;
        sd_event_source *rb_source;
        int policy_fd, stats_fd;
        bool have_exit;
        struct sched_exit_event exit;

        /* The verifier takes a while: 3.5 s in the TCG VM, a minute on a program it
         * rejects in the end. bpf_object__load() runs in a thread of its own meanwhile, so the
         * event loop goes on serving the bus and reacting to memory events. The thread touches
         * nothing but obj until it signals loaded_fd; the event loop joins it then. */
        bool loading;
        pthread_t loader;
        int loaded_fd;
        sd_event_source *loaded_source;
        int load_result;
#endif
};

static const char * const state_names[_SCHED_STATE_MAX] = {
        [SCHED_STATE_OFF] = "off",
        [SCHED_STATE_ENABLED] = "enabled",
        [SCHED_STATE_EJECTED] = "ejected",
        [SCHED_STATE_FAILED] = "failed",
        [SCHED_STATE_LOADING] = "loading",
};

const char *sched_state_to_string(SchedState s) {
        return (unsigned) s < _SCHED_STATE_MAX ? state_names[s] : NULL;
}

SchedState sched_bpf_state(const SchedBpf *s) {
        return s ? s->state : SCHED_STATE_OFF;
}

SchedMode sched_bpf_mode(const SchedBpf *s) {
        return s && s->state == SCHED_STATE_ENABLED ? s->mode : SCHED_MODE_OFF;
}

const char *sched_bpf_reason(const SchedBpf *s) {
        return s ? s->reason : NULL;
}

unsigned sched_bpf_restarts(const SchedBpf *s) {
        return s ? s->restarts : 0;
}

bool sched_bpf_needs_switch(const SchedBpf *s) {
        return sched_bpf_mode(s) == SCHED_MODE_PARTIAL;
}

static _printf_(3, 4) void set_state(SchedBpf *s, SchedState state, const char *format, ...) {
        char *reason = NULL;
        va_list ap;

        if (format) {
                va_start(ap, format);
                reason = vasprintf_safe(format, ap);
                va_end(ap);
        }
        free_and_replace_str(&s->reason, reason);
        s->state = state;
        if (s->on_change)
                s->on_change(s, s->userdata);
}

/* ---- partial mode: the tasks of managed units ---- */

struct sched_attr_compat {
        uint32_t size;
        uint32_t sched_policy;
        uint64_t sched_flags;
        int32_t sched_nice;
        uint32_t sched_priority;
        uint64_t sched_runtime, sched_deadline, sched_period;
};

/* 1 when switched, 0 when not a fair-class thread (real-time, idle, already SCHED_EXT) or gone. */
static int switch_thread(pid_t tid) {
        struct sched_attr_compat a = {};

        if (syscall(SYS_sched_getattr, tid, &a, sizeof a, 0) < 0)
                return errno == ESRCH ? 0 : -errno;
        if (a.sched_policy != SCHED_OTHER && a.sched_policy != SCHED_BATCH)
                return 0;
        a.size = sizeof a;
        a.sched_policy = SCHED_EXT_POLICY;
        a.sched_flags = 0;
        if (syscall(SYS_sched_setattr, tid, &a, 0) < 0)
                return errno == ESRCH ? 0 : -errno;
        return 1;
}

/* One pass over the threads listed in a cgroup.threads file: how many were switched. */
static int switch_pass_cgroup(const char *path) {
        _cleanup_(fclosep) FILE *f = fopen(path, "re");
        int switched = 0, first_error = 0, r;
        long tid;

        if (!f)
                return errno == ENOENT ? 0 : -errno;
        /* One thread that cannot be switched does not keep the others in the fair class. */
        while (fscanf(f, "%ld", &tid) == 1) {
                r = switch_thread((pid_t) tid);
                if (r < 0 && first_error == 0)
                        first_error = r;
                switched += MAX(r, 0);
        }
        return switched > 0 ? switched : first_error;
}

/* One pass over a /proc/PID/task directory. */
static int switch_pass_task_dir(const char *path) {
        _cleanup_(closedirp) DIR *d = opendir(path);
        struct dirent *de;
        int switched = 0, first_error = 0, r;

        if (!d)
                return errno == ENOENT ? 0 : -errno;
        while ((de = readdir(d)))
                if (de->d_name[0] != '.') {
                        r = switch_thread((pid_t) atoi(de->d_name));
                        if (r < 0 && first_error == 0)
                                first_error = r;
                        switched += MAX(r, 0);
                }
        return switched > 0 ? switched : first_error;
}

/* Passes until one switches nothing: a thread forked by one not yet switched is caught by the
 * next pass, and threads forked after their parent was switched inherit SCHED_EXT. */
static int switch_until_stable(int (*pass)(const char *path), const char *path) {
        int total = 0, r;

        for (int i = 0; i < 8; i++) {
                r = pass(path);
                if (r <= 0)
                        return r < 0 ? r : total;
                total += r;
        }
        return total;
}

int sched_switch_cgroup(const char *control_group) {
        _cleanup_(freep) char *path = NULL;

        if (isempty(control_group))
                return -EINVAL;
        path = asprintf_safe("%s%s/cgroup.threads", CGROUP_ROOT, control_group);
        if (!path)
                return -ENOMEM;
        return switch_until_stable(switch_pass_cgroup, path);
}

int sched_switch_process(pid_t pid) {
        _cleanup_(freep) char *path = asprintf_safe("/proc/%d/task", (int) pid);

        if (!path)
                return -ENOMEM;
        return switch_until_stable(switch_pass_task_dir, path);
}

#if HAVE_LIBBPF

_Static_assert(sizeof(struct sched_policy) == 40, "struct sched_policy changed: update the daemon");

static int read_line(const char *path, char *buf, size_t size) {
        _cleanup_(fclosep) FILE *f = fopen(path, "re");

        if (!f)
                return -errno;
        if (!fgets(buf, size, f))
                return -EIO;
        buf[strcspn(buf, "\n")] = '\0';
        return 0;
}

static void join_loader(SchedBpf *s) {
        (void) pthread_join(s->loader, NULL);
        s->loading = false;
        s->loaded_source = sd_event_source_disable_unref(s->loaded_source);
        s->loaded_fd = safe_close(s->loaded_fd);
}

static void wait_for_loader(SchedBpf *s) {
        if (!s->loading)
                return;
        /* A verifier at work cannot be interrupted: only at shutdown or on an error path. */
        log_info("Waiting for the kernel's verifier to finish with the scheduler.");
        join_loader(s);
}

static void unload(SchedBpf *s) {
        wait_for_loader(s);
        /* Destroying the link detaches: the kernel runs our exit op and puts every task back
         * into the fair class. That exit's record is never read: the ring buffer goes too. */
        bpf_link__destroy(s->link);
        s->link = NULL;
        s->rb_source = sd_event_source_disable_unref(s->rb_source);
        ring_buffer__free(s->rb);
        s->rb = NULL;
        bpf_object__close(s->obj);
        s->obj = NULL;
        s->policy_fd = s->stats_fd = -1;
        s->have_exit = false;
}

static int on_exit_record(void *ctx, void *data, size_t size) {
        SchedBpf *s = ctx;

        if (size < sizeof s->exit)
                return 0;
        memcpy(&s->exit, data, sizeof s->exit);
        s->exit.reason[sizeof s->exit.reason - 1] = '\0';
        s->exit.msg[sizeof s->exit.msg - 1] = '\0';
        s->have_exit = true;
        return 0;
}

static char *exit_description(const struct sched_exit_event *e) {
        return asprintf_safe("%s (kind %u, code %" PRId64 ")%s%s%s%s", sched_exit_kind_to_string(e->kind), e->kind,
                             (int64_t) e->exit_code, e->reason[0] ? ": " : "", e->reason,
                             e->msg[0] ? ": " : "", e->msg);
}

static int load(SchedBpf *s);

static int on_restart_timer(sd_event_source *source, uint64_t usec, void *userdata) {
        SchedBpf *s = userdata;

        s->restart_timer = sd_event_source_disable_unref(s->restart_timer);
        if (s->restart_counts) {
                s->restarts++;
                log_info("Loading the scheduler again (attempt %u of %u).", s->restarts, s->restart_max);
        } else
                log_info("Loading the scheduler again (the kernel unregistered it; not counted).");
        (void) load(s);
        return 0;
}

static void handle_exit(SchedBpf *s) {
        _cleanup_strv_free_ char **fields = NULL;
        _cleanup_(freep) char *what = exit_description(&s->exit);
        struct sched_exit_event e = s->exit;
        bool restart;
        uint64_t delay;

        unload(s);
        restart = sched_exit_wants_restart(e.kind, s->restart_usec, s->restarts, s->restart_max);
        s->restart_counts = sched_exit_counts(e.kind);
        delay = s->restart_counts ? sched_restart_delay(s->restart_usec, s->restarts) : s->restart_usec;

        (void) strv_consume(&fields, asprintf_safe("AGENTCGROUP_SCHED_EXIT_KIND=%u", e.kind));
        (void) strv_consume(&fields, asprintf_safe("AGENTCGROUP_SCHED_EXIT_CODE=%" PRId64, (int64_t) e.exit_code));
        (void) strv_consume(&fields, strdup(restart ? "AGENTCGROUP_SCHED_RESTART=yes" : "AGENTCGROUP_SCHED_RESTART=no"));
        log_struct(e.kind >= SCHED_EXIT_ERROR ? LOG_ERR : LOG_WARNING, NULL, MESSAGE_ID_SCHEDULER_EJECTED, fields,
                   "The kernel ejected the scheduler, every task runs in the fair class now: %s. %s",
                   strna(what), restart ? "Loading it again after a back-off." :
                   e.kind == SCHED_EXIT_SYSRQ ? "An operator asked for this (SysRq-S): it stays off until a reload." :
                   "It stays off until a reload (SchedulerRestartSec=, SchedulerRestartMax=).");

        if (restart) {
                int r = sd_event_add_time_relative(s->event, &s->restart_timer, CLOCK_MONOTONIC, delay, 0,
                                                   on_restart_timer, s);
                if (r >= 0) {
                        set_state(s, SCHED_STATE_EJECTED, "%s; loading again in %" PRIu64 " s", strna(what),
                                  delay / 1000000);
                        return;
                }
                log_warning_errno(r, "Cannot arm the scheduler's restart timer: %m");
        }
        set_state(s, SCHED_STATE_FAILED, "%s", strna(what));
}

static int on_ring_buffer(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        SchedBpf *s = userdata;

        (void) ring_buffer__consume(s->rb);
        if (s->have_exit)
                handle_exit(s);
        return 0;
}

/* memcg_observe's pinned throttle map, when there is one of the same layout: the scheduler then
 * sees memory.high throttling as it happens. */
static void share_throttle_map(struct bpf_object *obj) {
        struct bpf_map *map = bpf_object__find_map_by_name(obj, "memcg_throttle");
        _cleanup_(closep) int fd = -1;
        struct bpf_map_info info = {};
        uint32_t len = sizeof info;

        if (!map)
                return;
        fd = bpf_obj_get(MEMCG_THROTTLE_PIN);
        if (fd < 0) {
                log_info("No pinned throttle map at %s: the scheduler sees memory pressure only through the daemon.",
                         MEMCG_THROTTLE_PIN);
                return;
        }
        if (bpf_map_get_info_by_fd(fd, &info, &len) < 0 || info.type != bpf_map__type(map) ||
            info.key_size != bpf_map__key_size(map) || info.value_size != bpf_map__value_size(map)) {
                log_notice("%s is not of the scheduler's layout; not sharing it.", MEMCG_THROTTLE_PIN);
                return;
        }
        if (bpf_map__reuse_fd(map, fd) < 0)
                log_full_errno(LOG_NOTICE, -errno, "Cannot share %s with the scheduler: %m", MEMCG_THROTTLE_PIN);
}

static void *loader_thread(void *userdata) {
        SchedBpf *s = userdata;

        s->load_result = bpf_object__load(s->obj);
        (void) eventfd_write(s->loaded_fd, 1);
        return NULL;
}

static int finish_load(SchedBpf *s, int r);
static int apply_configuration(SchedBpf *s);

static int on_loaded(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        SchedBpf *s = userdata;

        join_loader(s);
        if (s->reconfigure) {
                s->reconfigure = false;
                log_info("The configuration changed while the scheduler was loading: applying it now.");
                unload(s);
                return apply_configuration(s);
        }
        return finish_load(s, s->load_result);
}

/* Hands the verifier's work to a thread; without one (no eventfd, no thread), it is done here. */
static int start_verify(SchedBpf *s, const char *path) {
        int r;

        s->loaded_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        r = s->loaded_fd < 0 ? -errno :
                sd_event_add_io(s->event, &s->loaded_source, s->loaded_fd, EPOLLIN, on_loaded, s);
        if (r >= 0)
                r = -pthread_create(&s->loader, NULL, loader_thread, s);
        if (r < 0) {
                s->loaded_source = sd_event_source_disable_unref(s->loaded_source);
                s->loaded_fd = safe_close(s->loaded_fd);
                log_warning_errno(r, "Cannot start a thread for the verifier, verifying the scheduler in the event loop: %m");
                return finish_load(s, bpf_object__load(s->obj));
        }
        (void) pthread_setname_np(s->loader, "agc-verifier"); /* for top -H */
        s->loading = true;
        log_info("The kernel is verifying the scheduler %s (%s mode).", path, sched_mode_to_string(s->mode));
        set_state(s, SCHED_STATE_LOADING, "the kernel is verifying %s", path);
        return 0;
}

static int load(SchedBpf *s) {
        _cleanup_(freep) char *path = NULL;
        const char *want, *other;
        struct bpf_map *ops, *events;
        int r;

        assert(!s->obj);
        s->mode = sched_mode_resolve(s->configured, true);
        want = s->mode == SCHED_MODE_FULL ? "agentcgroup_full" : "agentcgroup_partial";
        other = s->mode == SCHED_MODE_FULL ? "agentcgroup_partial" : "agentcgroup_full";

        path = asprintf_safe("%s/%s", s->dir, SCHED_OBJECT);
        if (!path)
                return -ENOMEM;
        s->obj = bpf_object__open_file(path, NULL);
        if (!s->obj) {
                r = -errno;
                s->obj = NULL;
                log_warning_errno(r, "Cannot open the scheduler %s, CPU scheduling stays with the kernel: %m", path);
                set_state(s, SCHED_STATE_FAILED, "opening %s failed: %s", path, strerror(-r));
                return 0;
        }
        ops = bpf_object__find_map_by_name(s->obj, want);
        events = bpf_object__find_map_by_name(s->obj, "sched_events");
        if (!ops || !events || !bpf_object__find_map_by_name(s->obj, other) ||
            !bpf_object__find_map_by_name(s->obj, "sched_policy") || !bpf_object__find_map_by_name(s->obj, "sched_stats")) {
                unload(s);
                set_state(s, SCHED_STATE_FAILED, "%s lacks the maps of this daemon (daemon and object from different builds?)", path);
                return 0;
        }
        (void) bpf_map__set_autocreate(bpf_object__find_map_by_name(s->obj, other), false);
        share_throttle_map(s->obj);
        return start_verify(s, path);
}

/* After the verifier: the ring buffer, attaching, and what the kernel says of it. */
static int finish_load(SchedBpf *s, int r) {
        struct bpf_map *ops, *events;
        char state[64] = "", name[128] = "";

        if (r < 0) {
                log_warning_errno(r, "Loading the scheduler %s/%s failed: %m", s->dir, SCHED_OBJECT);
                unload(s);
                set_state(s, SCHED_STATE_FAILED, "loading %s/%s failed: %s (see the log for the verifier's words)",
                          s->dir, SCHED_OBJECT, strerror(-r));
                return 0;
        }
        ops = bpf_object__find_map_by_name(s->obj, s->mode == SCHED_MODE_FULL ? "agentcgroup_full" : "agentcgroup_partial");
        events = bpf_object__find_map_by_name(s->obj, "sched_events");
        assert(ops && events); /* checked before loading */
        s->policy_fd = bpf_object__find_map_fd_by_name(s->obj, "sched_policy");
        s->stats_fd = bpf_object__find_map_fd_by_name(s->obj, "sched_stats");

        s->rb = ring_buffer__new(bpf_map__fd(events), on_exit_record, s, NULL);
        if (!s->rb) {
                r = -errno;
                unload(s);
                set_state(s, SCHED_STATE_FAILED, "cannot read the scheduler's ring buffer: %s", strerror(-r));
                return 0;
        }
        r = sd_event_add_io(s->event, &s->rb_source, ring_buffer__epoll_fd(s->rb), EPOLLIN, on_ring_buffer, s);
        if (r < 0) {
                unload(s);
                set_state(s, SCHED_STATE_FAILED, "cannot watch the scheduler's ring buffer: %s", strerror(-r));
                return 0;
        }

        s->link = bpf_map__attach_struct_ops(ops);
        if (!s->link) {
                r = -errno;
                s->link = NULL;
                if (read_line(SCHED_EXT_OPS, name, sizeof name) >= 0 && !streq(name, SCHED_NAME))
                        set_state(s, SCHED_STATE_FAILED, "another sched_ext scheduler (%s) is running", name);
                else
                        set_state(s, SCHED_STATE_FAILED, "attaching failed: %s", strerror(-r));
                log_warning("The scheduler did not attach: %s.", s->reason);
                unload(s);
                return 0;
        }

        /* The kernel can accept the ops and then fail their init: look at what it says. */
        (void) ring_buffer__consume(s->rb);
        if (read_line(SCHED_EXT_STATE, state, sizeof state) < 0 || !streq(state, "enabled") ||
            read_line(SCHED_EXT_OPS, name, sizeof name) < 0 || !streq(name, SCHED_NAME) || s->have_exit) {
                _cleanup_(freep) char *what = s->have_exit ? exit_description(&s->exit) : NULL;

                log_warning("The scheduler attached but the kernel reports state '%s', ops '%s'%s%s.", state, name,
                            what ? ": " : "", strempty(what));
                unload(s);
                set_state(s, SCHED_STATE_FAILED, "the kernel did not enable it (state %s%s%s)", state,
                          what ? ": " : "", strempty(what));
                return 0;
        }

        log_struct(LOG_NOTICE, NULL, MESSAGE_ID_SCHEDULER_ATTACHED, NULL,
                   "The sched_ext scheduler %s is enabled in %s mode%s.", SCHED_NAME, sched_mode_to_string(s->mode),
                   s->mode == SCHED_MODE_PARTIAL ? " (only the tasks of managed units use it)" : " (every task uses it)");
        set_state(s, SCHED_STATE_ENABLED, NULL);
        return 1;
}

int sched_bpf_set_policy(SchedBpf *s, uint64_t cgroup_id, const SchedPolicy *p) {
        struct sched_policy v;

        if (!p || cgroup_id == 0)
                return -EINVAL;
        if (!s || s->policy_fd < 0)
                return -EOPNOTSUPP;
        v = (struct sched_policy) {
                .class = p->class,
                .weight_pct = p->weight_pct,
                .slice_ns = p->slice_ns,
                .burst_ns = p->burst_ns,
                .pressure_permille = p->pressure_permille,
                .pressure_expires_ns = p->pressure_expires_ns,
                .flags = p->idle ? SCHED_POLICY_IDLE : 0,
        };
        return bpf_map_update_elem(s->policy_fd, &cgroup_id, &v, BPF_ANY) < 0 ? -errno : 0;
}

int sched_bpf_remove_policy(SchedBpf *s, uint64_t cgroup_id) {
        if (!s || s->policy_fd < 0)
                return -EOPNOTSUPP;
        if (bpf_map_delete_elem(s->policy_fd, &cgroup_id) < 0)
                return errno == ENOENT ? 0 : -errno;
        return 0;
}

int sched_bpf_read_stats(SchedBpf *s, uint64_t cgroup_id, SchedStats *ret) {
        struct sched_stats v;

        if (!s || s->stats_fd < 0)
                return -EOPNOTSUPP;
        if (bpf_map_lookup_elem(s->stats_fd, &cgroup_id, &v) < 0)
                return -errno;
        *ret = (SchedStats) {
                .cpu_ns = v.cpu_ns,
                .boosts = v.boosts,
                .penalties = v.penalties,
                .penalized_ns = v.penalized_ns,
        };
        return 0;
}

#else /* !HAVE_LIBBPF */

static void unload(SchedBpf *s) {
}

static int load(SchedBpf *s) {
        set_state(s, SCHED_STATE_FAILED, "agentcgroupd was built without libbpf (>= 1.4)");
        return 0;
}

int sched_bpf_set_policy(SchedBpf *s, uint64_t cgroup_id, const SchedPolicy *p) {
        return p ? -EOPNOTSUPP : -EINVAL;
}

int sched_bpf_remove_policy(SchedBpf *s, uint64_t cgroup_id) {
        return -EOPNOTSUPP;
}

int sched_bpf_read_stats(SchedBpf *s, uint64_t cgroup_id, SchedStats *ret) {
        return -EOPNOTSUPP;
}

#endif /* HAVE_LIBBPF */

static bool loader_busy(const SchedBpf *s) {
#if HAVE_LIBBPF
        return s->loading;
#else
        return false;
#endif
}

static int apply_configuration(SchedBpf *s) {
        bool kernel = access(SCHED_EXT_STATE, F_OK) >= 0;
        SchedMode resolved = sched_mode_resolve(s->configured, kernel);

        if (loader_busy(s)) {
                /* The verifier cannot be stopped: what it loads is used, or dropped once it is
                 * done when the new configuration wants another mode. */
                s->reconfigure = resolved != s->mode;
                return 0;
        }
        if (s->state == SCHED_STATE_ENABLED) {
                if (s->mode == resolved)
                        return 0;
                log_info("Detaching the scheduler (%s mode) for the new configuration.", sched_mode_to_string(s->mode));
                unload(s);
        }
        if (resolved == SCHED_MODE_OFF) {
                if (!kernel && s->configured != SCHED_MODE_OFF)
                        set_state(s, SCHED_STATE_OFF, "the kernel has no sched_ext (%s is missing)", SCHED_EXT_STATE);
                else
                        set_state(s, SCHED_STATE_OFF, "%s", s->why_off ?: "Scheduler=off");
                log_info("CPU scheduler: off (%s).", s->reason);
                return 0;
        }
        return load(s);
}

int sched_bpf_configure(SchedBpf *s, SchedMode mode, const char *why_off, uint64_t restart_usec, unsigned restart_max) {
        char *w = NULL;

        if (why_off) {
                w = strdup(why_off);
                if (!w)
                        return -ENOMEM;
        }
        free_and_replace_str(&s->why_off, w);
        s->configured = mode;
        s->restart_usec = restart_usec;
        s->restart_max = restart_max;
        s->restarts = 0;
        s->restart_timer = sd_event_source_disable_unref(s->restart_timer);
        return apply_configuration(s);
}

int sched_bpf_new(SchedBpf **ret, sd_event *event, const char *bpf_dir,
                  void (*on_change)(SchedBpf *s, void *userdata), void *userdata) {
        _cleanup_(sched_bpf_freep) SchedBpf *s = NULL;

        s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        if (isempty(bpf_dir))
                bpf_dir = getenv("AGENTCGROUP_BPF_DIR");
        if (isempty(bpf_dir))
                bpf_dir = BPFDIR;
        s->dir = strdup(bpf_dir);
        if (!s->dir)
                return -ENOMEM;
        s->event = sd_event_ref(event);
        s->on_change = on_change;
        s->userdata = userdata;
        s->configured = s->mode = SCHED_MODE_OFF;
#if HAVE_LIBBPF
        s->policy_fd = s->stats_fd = s->loaded_fd = -1;
#endif
        *ret = TAKE_PTR(s);
        return 0;
}

SchedBpf *sched_bpf_free(SchedBpf *s) {
        if (!s)
                return NULL;
        s->on_change = NULL;
        if (s->state == SCHED_STATE_ENABLED)
                log_info("Detaching the scheduler: every task goes back to the fair class.");
        unload(s);
        sd_event_source_disable_unref(s->restart_timer);
        sd_event_unref(s->event);
        free(s->reason);
        free(s->why_off);
        free(s->dir);
        return mfree(s);
}
