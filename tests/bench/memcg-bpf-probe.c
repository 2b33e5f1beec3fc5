/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Drives src/daemon/bpf-memcg.c outside the daemon, for the VM cases:
 *
 *   memcg-bpf-probe features            load, print "present NAME" / "absent NAME: REASON" lines
 *   memcg-bpf-probe read CGID           load, print CGID's throttling counts or "CGID none"
 *   memcg-bpf-probe watch CGID SECONDS  load and poll until CGID has counts (exit 1 on timeout)
 *   memcg-bpf-probe policy CGID         load, try memcg_bpf_set_policy(), print its result
 *   memcg-bpf-probe make-btf v3|v7 OUT  write the running kernel's BTF plus the RFC's
 *                                       struct memcg_bpf_ops (for $AGENTCGROUP_VMLINUX_BTF)
 *
 * Loading honours $AGENTCGROUP_BPF_DIR and $AGENTCGROUP_VMLINUX_BTF like the daemon; its log goes
 * to stderr. Exit 0 on success, 1 when the thing looked for is not there, 2 on usage errors. */
#include <bpf/btf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bpf-memcg.h"
#include "log.h"
#include "strv.h"

static int parse_id(const char *s, uint64_t *ret) {
        char *end;

        errno = 0;
        *ret = strtoull(s, &end, 10);
        return errno || end == s || *end ? -EINVAL : 0;
}

static void print_stats(uint64_t id, const MemcgThrottleStats *st) {
        printf("%" PRIu64 " events=%" PRIu64 " pages=%" PRIu64 " delay_ns=%" PRIu64 " max_delay_ns=%" PRIu64 "\n",
               id, st->events, st->pages, st->delay_ns, st->max_delay_ns);
}

static int do_features(MemcgBpf *m) {
        for (MemcgFeature f = 0; f < _MEMCG_FEATURE_MAX; f++) {
                const char *reason = memcg_bpf_absent_reason(m, f);

                if (reason)
                        printf("absent %s: %s\n", memcg_feature_to_string(f), reason);
                else
                        printf("present %s\n", memcg_feature_to_string(f));
        }
        printf("btf 0x%x\n", memcg_bpf_btf(m));
        return 0;
}

static int do_read(MemcgBpf *m, uint64_t id) {
        MemcgThrottleStats st;
        int r = memcg_bpf_read(m, id, &st);

        if (r == -ENOENT) {
                printf("%" PRIu64 " none\n", id);
                return 1;
        }
        if (r < 0) {
                log_error_errno(r, "Reading the counts of cgroup %" PRIu64 " failed: %m", id);
                return 1;
        }
        print_stats(id, &st);
        return 0;
}

static int do_watch(MemcgBpf *m, uint64_t id, unsigned seconds) {
        const struct timespec tick = { .tv_nsec = 100 * 1000 * 1000 };

        for (unsigned i = 0; i < seconds * 10; i++) {
                MemcgThrottleStats st;
                int r = memcg_bpf_read(m, id, &st);

                if (r >= 0 && st.events > 0) {
                        print_stats(id, &st);
                        return 0;
                }
                if (r < 0 && r != -ENOENT) {
                        log_error_errno(r, "Reading the counts of cgroup %" PRIu64 " failed: %m", id);
                        return 1;
                }
                nanosleep(&tick, NULL);
        }
        printf("%" PRIu64 " timeout\n", id);
        return 1;
}

static int do_policy(MemcgBpf *m, uint64_t id) {
        const MemcgPolicy p = { .max_delay_ms = 200, .full_overage_permille = 100 };
        int r = memcg_bpf_set_policy(m, id, &p);

        printf("set-policy %s\n", r < 0 ? strerrorname_np(-r) : "ok");
        if (r >= 0) {
                r = memcg_bpf_remove_policy(m, id);
                printf("remove-policy %s\n", r < 0 ? strerrorname_np(-r) : "ok");
        }
        return 0;
}

/* The RFC's struct as the kernel would describe it; v7 renamed the delay hook and gave below_*
 * two more arguments. Only names matter to the detection; the types are plausible. */
static int add_ops_struct(struct btf *btf, bool v7) {
        int uint = btf__find_by_name_kind(btf, "unsigned int", BTF_KIND_INT);
        int ulong = btf__find_by_name_kind(btf, "long unsigned int", BTF_KIND_INT);
        int boolean = btf__find_by_name_kind(btf, "_Bool", BTF_KIND_INT);
        int memcg = btf__find_by_name_kind(btf, "mem_cgroup", BTF_KIND_STRUCT);
        int memcg_ptr, hook[3], types[5];
        const char *names[5] = { "handle_cgroup_online", "handle_cgroup_offline", "below_low", "below_min",
                                 v7 ? "memcg_charged" : "get_high_delay_ms" };

        if (uint <= 0 || ulong <= 0 || boolean <= 0 || memcg <= 0)
                return -ENOENT;
        memcg_ptr = btf__add_ptr(btf, memcg);
        /* 0: void (*)(memcg), 1: bool (*)(memcg[, elow, usage]), 2: unsigned (*)(memcg[, nr_pages]) */
        for (int i = 0; i < 3; i++) {
                int proto = btf__add_func_proto(btf, i == 0 ? 0 : i == 1 ? boolean : uint);

                if (proto < 0 || btf__add_func_param(btf, "memcg", memcg_ptr) < 0)
                        return -ENOMEM;
                if (v7 && i == 1 && (btf__add_func_param(btf, "elow", ulong) < 0 ||
                                     btf__add_func_param(btf, "usage", ulong) < 0))
                        return -ENOMEM;
                if (v7 && i == 2 && btf__add_func_param(btf, "nr_pages", uint) < 0)
                        return -ENOMEM;
                hook[i] = btf__add_ptr(btf, proto);
                if (hook[i] < 0)
                        return hook[i];
        }
        types[0] = types[1] = hook[0];
        types[2] = types[3] = hook[1];
        types[4] = hook[2];
        if (btf__add_struct(btf, "memcg_bpf_ops", 8 * ELEMENTSOF(names)) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (btf__add_field(btf, names[i], types[i], 64 * i, 0) < 0)
                        return -ENOMEM;
        return 0;
}

static int do_make_btf(const char *variant, const char *out) {
        struct btf *base = NULL, *btf = NULL;
        const void *data;
        uint32_t size;
        int fd = -1, r;

        if (!streq(variant, "v3") && !streq(variant, "v7")) {
                log_error("make-btf: variant must be v3 or v7, not %s", variant);
                return 2;
        }
        base = btf__load_vmlinux_btf();
        if (!base) {
                log_error_errno(-errno, "Cannot load the kernel's BTF: %m");
                return 1;
        }
        btf = btf__new_empty();
        r = btf ? btf__add_btf(btf, base) : -ENOMEM;
        if (r >= 0)
                r = add_ops_struct(btf, streq(variant, "v7"));
        data = r >= 0 ? btf__raw_data(btf, &size) : NULL;
        if (data) {
                fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
                r = fd >= 0 && write(fd, data, size) == (ssize_t) size ? 0 : -errno;
                if (fd >= 0)
                        close(fd);
        } else if (r >= 0)
                r = -ENOMEM;
        btf__free(btf);
        btf__free(base);
        if (r < 0) {
                log_error_errno(r, "Cannot write %s: %m", out);
                return 1;
        }
        return 0;
}

static int usage(void) {
        fprintf(stderr, "usage: memcg-bpf-probe features | read CGID | watch CGID SECONDS | policy CGID |\n"
                        "                       make-btf v3|v7 OUT\n");
        return 2;
}

int main(int argc, char *argv[]) {
        _cleanup_(memcg_bpf_freep) MemcgBpf *m = NULL;
        uint64_t id = 0;
        int r;

        log_setup("memcg-bpf-probe", LOG_TARGET_CONSOLE);
        log_set_max_level(getenv("PROBE_DEBUG") ? LOG_DEBUG : LOG_INFO);
        if (argc < 2)
                return usage();
        if (streq(argv[1], "make-btf"))
                return argc == 4 ? do_make_btf(argv[2], argv[3]) : usage();
        if (!streq(argv[1], "features") && (argc < 3 || parse_id(argv[2], &id) < 0))
                return usage();

        r = memcg_bpf_new(&m, NULL);
        if (r < 0) {
                log_error_errno(r, "memcg_bpf_new() failed: %m");
                return 1;
        }
        if (streq(argv[1], "features"))
                return do_features(m);
        if (streq(argv[1], "read"))
                return do_read(m, id);
        if (streq(argv[1], "watch"))
                return argc == 4 ? do_watch(m, id, (unsigned) atoi(argv[3])) : usage();
        if (streq(argv[1], "policy"))
                return do_policy(m, id);
        return usage();
}
