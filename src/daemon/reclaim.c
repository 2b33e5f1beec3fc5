/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bus-util.h"
#include "cgroup-util.h"
#include "log.h"
#include "memory.h"
#include "reclaim.h"

/* One request, and the same message back as its answer: fixed size, so that a SOCK_SEQPACKET
 * message is a whole request and the helper needs no parser. */
typedef struct ReclaimMessage {
        uint64_t bytes;
        uint64_t took_usec;     /* answer: how long the write took */
        int32_t error;          /* answer: 0 or a negative errno */
        char unit[256];
        char cgroup[PATH_MAX];
} ReclaimMessage;

struct ReclaimHelper {
        Manager *manager;
        pid_t pid;
        int fd;
        sd_event_source *source;
        sd_bus_slot *scope_call;
        sd_bus_slot *weight_call;       /* SetUnitProperties(CPUWeight=) in flight */
        uint64_t weight_wanted;         /* RECLAIM_CPU_WEIGHT, or _URGENT while a unit stalls */
        uint64_t weight_sent;           /* in the call in flight, or the last one */
        uint64_t weight_applied;        /* what systemd last confirmed; 0: the scope is not started */
        uint64_t weight_failed;         /* systemd refused it: not asked again until the wish changes */
};

/* ---- the helper process ---- */

#define HELPER_FD 3     /* its socket; every other fd above stdio is closed */

static int helper_fd = -EBADF;

static void *helper_job(void *p) {
        _cleanup_(freep) ReclaimMessage *msg = p;
        struct sched_param sp = {};
        char path[sizeof msg->cgroup + 64], buf[32];
        uint64_t start = now_usec(CLOCK_MONOTONIC);
        int fd, n;

        /* Behind every other task of its own cgroup too (the other requests). */
        (void) pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp);
        snprintf(path, sizeof path, CGROUP_ROOT "%s/memory.reclaim", msg->cgroup);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                msg->error = -errno;
        else {
                n = snprintf(buf, sizeof buf, "%" PRIu64, msg->bytes);
                /* EAGAIN: less than asked for could be reclaimed; that is an answer, not a failure. */
                if (write(fd, buf, n) < 0 && errno != EAGAIN)
                        msg->error = -errno;
                close(fd);
        }
        msg->took_usec = now_usec(CLOCK_MONOTONIC) - start;
        (void) send(helper_fd, msg, sizeof *msg, MSG_NOSIGNAL);
        return NULL;
}

static _Noreturn void helper_main(int fd, pid_t parent) {
        sigset_t none;

        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                _exit(EXIT_SUCCESS);
        (void) prctl(PR_SET_NAME, "acgd-reclaim");
        helper_fd = fd;
        for (;;) {
                ReclaimMessage *msg = malloc(sizeof *msg);
                pthread_attr_t attr;
                pthread_t t;
                ssize_t n;

                if (!msg)
                        _exit(EXIT_FAILURE);
                n = recv(fd, msg, sizeof *msg, 0);
                if (n < 0 && errno == EINTR) {
                        free(msg);
                        continue;
                }
                if (n <= 0) /* the daemon closed its end, or is gone */
                        _exit(EXIT_SUCCESS);
                if ((size_t) n != sizeof *msg) {
                        free(msg);
                        continue;
                }
                msg->unit[sizeof msg->unit - 1] = msg->cgroup[sizeof msg->cgroup - 1] = '\0';
                msg->error = 0;
                pthread_attr_init(&attr);
                pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
                if (pthread_create(&t, &attr, helper_job, msg) != 0)
                        helper_job(msg); /* no thread: here, the next request waits */
                pthread_attr_destroy(&attr);
        }
}

/* ---- the daemon's side ---- */

pid_t reclaim_helper_pid(const ReclaimHelper *h) {
        return h ? h->pid : 0;
}

ReclaimHelper *reclaim_helper_free(ReclaimHelper *h) {
        if (!h)
                return NULL;
        sd_event_source_disable_unref(h->source);
        sd_bus_slot_unref(h->scope_call);
        sd_bus_slot_unref(h->weight_call);
        safe_close(h->fd);
        if (h->pid > 0) {
                (void) kill(h->pid, SIGKILL);
                (void) waitpid(h->pid, NULL, 0);
        }
        free(h);
        return NULL;
}

static void helper_lost(Manager *m, const char *why) {
        ReclaimHelper *h = m->reclaim_helper;
        pid_t pid = h->pid;
        int status = 0;

        if (pid > 0 && waitpid(pid, &status, WNOHANG) == pid)
                h->pid = 0; /* reaped */
        log_warning("The memory.reclaim helper (PID %d) %s%s; a new one starts on the next request.",
                    (int) pid, why, h->pid == 0 && WIFSIGNALED(status) ? " (killed by a signal)" : "");
        m->reclaim_helper = reclaim_helper_free(h);
        memory_reclaim_lost(m);
}

static int on_helper_message(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;
        ReclaimMessage msg;
        ssize_t n;

        for (;;) {
                n = recv(fd, &msg, sizeof msg, MSG_DONTWAIT);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        break;
                if (n <= 0) {
                        helper_lost(m, n < 0 ? "cannot be read" : "exited");
                        return 0;
                }
                if ((size_t) n != sizeof msg)
                        continue;
                msg.unit[sizeof msg.unit - 1] = '\0';
                memory_reclaim_done(m, msg.unit, msg.error, msg.bytes, msg.took_usec);
        }
        if (revents & (EPOLLHUP | EPOLLERR))
                helper_lost(m, "closed its socket");
        return 0;
}

static void weight_update(ReclaimHelper *h);

static int on_weight_set(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        ReclaimHelper *h = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        h->weight_call = sd_bus_slot_unref(h->weight_call);
        if (e) {
                /* Not tried again until the wish changes: no loop of failing calls. */
                log_warning("systemd did not set CPUWeight=%" PRIu64 " on %s (%s); the memory.reclaim helper "
                            "keeps the weight it has.", h->weight_sent, RECLAIM_SCOPE, e->message);
                h->weight_failed = h->weight_sent;
                return 0;
        }
        h->weight_applied = h->weight_sent;
        weight_update(h);
        return 0;
}

/* One call at a time; the wish may change while one is in flight, the reply then sends the next. */
static void weight_update(ReclaimHelper *h) {
        _cleanup_bus_message_ sd_bus_message *msg = NULL;
        Manager *m = h->manager;
        int r;

        if (h->weight_applied == 0 || h->weight_call || h->weight_wanted == h->weight_applied ||
            h->weight_wanted == h->weight_failed || !m->bus)
                return;
        r = sd_bus_message_new_method_call(m->bus, &msg, SYSTEMD_BUS_NAME, SYSTEMD_BUS_PATH,
                                           SYSTEMD_MANAGER_INTERFACE, "SetUnitProperties");
        if (r >= 0)
                r = sd_bus_message_append(msg, "sba(sv)", RECLAIM_SCOPE, 1, 1, "CPUWeight", "t", h->weight_wanted);
        if (r >= 0)
                r = sd_bus_call_async(m->bus, &h->weight_call, msg, on_weight_set, h, 0);
        if (r < 0) {
                log_warning_errno(r, "Cannot ask systemd for CPUWeight=%" PRIu64 " on %s: %m", h->weight_wanted,
                                  RECLAIM_SCOPE);
                h->weight_failed = h->weight_wanted;
                return;
        }
        h->weight_sent = h->weight_wanted;
        h->weight_failed = 0;
        log_info("memory.reclaim helper: CPUWeight=%" PRIu64 "%s.", h->weight_wanted,
                 h->weight_wanted == RECLAIM_CPU_WEIGHT_URGENT ?
                 ", a higher-priority unit stalls while it reclaims what is squeezed for it" :
                 ", no unit stalls any more");
}

void reclaim_set_urgent(Manager *m, bool urgent) {
        ReclaimHelper *h = m->reclaim_helper;

        m->reclaim_urgent = urgent;
        if (!h)
                return;
        h->weight_wanted = urgent ? RECLAIM_CPU_WEIGHT_URGENT : RECLAIM_CPU_WEIGHT;
        weight_update(h);
}

static int on_scope_started(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        ReclaimHelper *h = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        h->scope_call = sd_bus_slot_unref(h->scope_call);
        if (e) {
                log_warning("systemd did not start %s for the memory.reclaim helper (%s); it reclaims from "
                            "agentcgroupd's cgroup, at its CPU weight.", RECLAIM_SCOPE, e->message);
                return 0;
        }
        log_info("memory.reclaim helper PID %d runs in %s (CPUWeight=%" PRIu64 ").", (int) h->pid, RECLAIM_SCOPE,
                 h->weight_sent);
        h->weight_applied = h->weight_sent;
        weight_update(h);
        return 0;
}

static int start_scope(Manager *m, ReclaimHelper *h) {
        _cleanup_bus_message_ sd_bus_message *msg = NULL;
        UnitPropertySet props = { .items = { { "CPUWeight", h->weight_wanted } }, .n = 1 };
        uint32_t pid = h->pid;
        int r;

        if (!m->bus)
                return -ENOTCONN;
        r = bus_message_new_start_transient(m->bus, RECLAIM_SCOPE, "agentcgroupd: memory.reclaim for the memory policy",
                                            "-.slice", &pid, 1, &props, &msg);
        if (r < 0)
                return r;
        h->weight_sent = h->weight_wanted;
        return sd_bus_call_async(m->bus, &h->scope_call, msg, on_scope_started, h, 0);
}

static int helper_start(Manager *m) {
        _cleanup_(freep) ReclaimHelper *h = NULL;
        int pair[2], r;
        pid_t parent = getpid();

        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
                return -errno;
        /* The daemon has no thread of its own (the helper has them): the child may allocate. */
        h->pid = fork();
        if (h->pid < 0) {
                r = -errno;
                safe_close(pair[0]);
                safe_close(pair[1]);
                return r;
        }
        if (h->pid == 0) {
                /* Nothing of the daemon's but the socket: an inherited BPF link would keep the
                 * sched_ext scheduler attached after the daemon let go of it, an inherited PSI
                 * trigger would keep firing into nothing. */
                int fd = pair[1];

                if (fd != HELPER_FD && (fd = dup2(pair[1], HELPER_FD)) < 0)
                        _exit(EXIT_FAILURE);
                if (close_range(HELPER_FD + 1, ~0U, 0) < 0)
                        for (int i = HELPER_FD + 1; i < 65536; i++)
                                (void) close(i);
                helper_main(fd, parent);
        }
        close(pair[1]);
        h->manager = m;
        h->fd = pair[0];
        h->weight_wanted = m->reclaim_urgent ? RECLAIM_CPU_WEIGHT_URGENT : RECLAIM_CPU_WEIGHT;
        r = sd_event_add_io(m->event, &h->source, h->fd, EPOLLIN, on_helper_message, m);
        if (r < 0) {
                reclaim_helper_free(TAKE_PTR(h));
                return r;
        }
        r = start_scope(m, h);
        if (r < 0)
                log_warning_errno(r, "Cannot ask systemd for %s; the memory.reclaim helper stays in "
                                  "agentcgroupd's cgroup: %m", RECLAIM_SCOPE);
        log_debug("Started the memory.reclaim helper, PID %d.", (int) h->pid);
        m->reclaim_helper = TAKE_PTR(h);
        return 0;
}

int reclaim_request(Manager *m, const char *unit, const char *cgroup, uint64_t bytes) {
        _cleanup_(freep) ReclaimMessage *msg = NULL;
        int r;

        if (strlen(unit) >= sizeof msg->unit || strlen(cgroup) >= sizeof msg->cgroup)
                return -ENAMETOOLONG;
        if (!m->reclaim_helper) {
                r = helper_start(m);
                if (r < 0)
                        return r;
        }
        msg = calloc(1, sizeof(*msg));
        if (!msg)
                return -ENOMEM;
        msg->bytes = bytes;
        strcpy(msg->unit, unit);
        strcpy(msg->cgroup, cgroup);
        if (send(m->reclaim_helper->fd, msg, sizeof *msg, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
                return -errno;
        return 0;
}
