/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "config.h"

#if HAVE_LIBBPF
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#endif

#include "bpf-memcg.h"
#include "cgroup-util.h"
#include "log.h"
#include "strv.h"

#define OBSERVE_OBJECT "memcg_observe.bpf.o"
#define OPS_OBJECT "memcg_ops.bpf.o"
#define PSI_MEMORY "/proc/pressure/memory"

struct MemcgBpf {
        unsigned features;      /* MEMCG_FEATURE_BIT()s that work */
        unsigned btf;           /* MEMCG_BTF_* of the detection BTF */
        char *absent[_MEMCG_FEATURE_MAX];

#if HAVE_LIBBPF
        struct bpf_object *observe;
        struct bpf_link **observe_links;
        size_t n_observe_links;
        int throttle_fd;        /* owned by observe */

        struct bpf_object *ops;
        int ops_link_fd;
        int policy_fd;          /* owned by ops */
#endif
};

static const char * const feature_names[_MEMCG_FEATURE_MAX] = {
        [MEMCG_FEATURE_OBSERVE] = "memcg-observe",
        [MEMCG_FEATURE_BPF_OPS] = "memcg-bpf-ops",
        [MEMCG_FEATURE_KFUNCS] = "memcg-kfuncs",
        [MEMCG_FEATURE_PSI] = "psi",
};

const char *memcg_feature_to_string(MemcgFeature f) {
        if ((unsigned) f >= _MEMCG_FEATURE_MAX)
                return NULL;
        return feature_names[f];
}

int memcg_features_to_strv(unsigned features, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        int r;

        /* An empty list, not NULL: sd-bus appends NULL as an empty array too, but callers can
         * tell "none" from "not asked" this way. */
        l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        for (MemcgFeature f = 0; f < _MEMCG_FEATURE_MAX; f++)
                if (features & MEMCG_FEATURE_BIT(f)) {
                        r = strv_extend(&l, feature_names[f]);
                        if (r < 0)
                                return r;
                }
        *ret = TAKE_PTR(l);
        return 0;
}

unsigned memcg_bpf_features(const MemcgBpf *m) {
        return m ? m->features : 0;
}

unsigned memcg_bpf_btf(const MemcgBpf *m) {
        return m ? m->btf : 0;
}

const char *memcg_bpf_absent_reason(const MemcgBpf *m, MemcgFeature f) {
        if (!m || (unsigned) f >= _MEMCG_FEATURE_MAX || (m->features & MEMCG_FEATURE_BIT(f)))
                return NULL;
        return m->absent[f] ?: "not detected";
}

/* Records why f is absent. Returns 0, or -ENOMEM. */
static _printf_(3, 4) int absent(MemcgBpf *m, MemcgFeature f, const char *format, ...) {
        char *s;
        va_list ap;

        va_start(ap, format);
        s = vasprintf_safe(format, ap);
        va_end(ap);
        if (!s)
                return -ENOMEM;
        free_and_replace_str(&m->absent[f], s);
        m->features &= ~MEMCG_FEATURE_BIT(f);
        return 0;
}

static int detect_psi(MemcgBpf *m) {
        _cleanup_(fclosep) FILE *f = NULL;
        char line[256];

        /* The file exists but reads fail with EOPNOTSUPP when PSI is compiled in but disabled
         * (psi=0), so read a line rather than test for the file. */
        f = fopen(PSI_MEMORY, "re");
        if (!f)
                return absent(m, MEMCG_FEATURE_PSI, "%s cannot be opened: %s (a kernel without CONFIG_PSI?)",
                              PSI_MEMORY, strerror(errno));
        if (!fgets(line, sizeof line, f))
                return absent(m, MEMCG_FEATURE_PSI, "%s cannot be read: %s (PSI disabled, psi=0?)",
                              PSI_MEMORY, ferror(f) ? strerror(errno) : "empty file");
        m->features |= MEMCG_FEATURE_BIT(MEMCG_FEATURE_PSI);
        return 0;
}

#if HAVE_LIBBPF

/* Keep in sync with struct memcg_throttle in bpf/memcg_observe.bpf.c. */
typedef struct MemcgThrottleValue {
        uint64_t events, pages, delay_ns, max_delay_ns;
} MemcgThrottleValue;

/* Keep in sync with struct memcg_policy in bpf/memcg_ops.bpf.c. */
typedef struct MemcgPolicyValue {
        uint32_t class;
        uint32_t flags;
        uint64_t high_pages;
        uint64_t credit_pages;
        uint32_t full_overage_permille;
        uint32_t max_delay_ms;
} MemcgPolicyValue;
_Static_assert(sizeof(MemcgPolicyValue) == 32, "MemcgPolicyValue must match struct memcg_policy");

#define POLICY_PROTECT_LOW (1U << 0)
#define POLICY_PROTECT_MIN (1U << 1)

/* The two struct_ops maps of memcg_ops.bpf.o and their programs, one per RFC variant. */
typedef struct OpsVariant {
        const char *map;
        const char *progs[3];
} OpsVariant;

static const OpsVariant ops_v3 = { "memcg_ops_v3", { "agc_get_high_delay_ms", "agc_below_low_v3", "agc_below_min_v3" } };
static const OpsVariant ops_v7 = { "memcg_ops_v7", { "agc_memcg_charged", "agc_below_low_v7", "agc_below_min_v7" } };

static __attribute__((format(printf, 2, 0))) int libbpf_log(enum libbpf_print_level level, const char *format, va_list ap) {
        int prio = level == LIBBPF_WARN ? LOG_INFO : LOG_DEBUG;
        _cleanup_(freep) char *s = NULL;
        size_t n;

        /* libbpf warns about what the caller then reports with context (and for probes that
         * are expected to fail): its lines are details, not warnings of the daemon. */
        if (prio > log_get_max_level())
                return 0;
        if (vasprintf(&s, format, ap) < 0)
                return 0;
        n = strlen(s);
        while (n > 0 && s[n - 1] == '\n')
                s[--n] = '\0';
        log_full_errno(prio, 0, "%s", s); /* libbpf's lines start with "libbpf: " */
        return 0;
}

unsigned memcg_bpf_detect_btf(const struct btf *btf) {
        static const struct {
                const char *name;
                unsigned bit;
        } members[] = {
                { "get_high_delay_ms", MEMCG_BTF_OPS_HIGH_DELAY },
                { "memcg_charged",     MEMCG_BTF_OPS_CHARGED },
                { "below_low",         MEMCG_BTF_OPS_BELOW_LOW },
                { "below_min",         MEMCG_BTF_OPS_BELOW_MIN },
        };
        static const char * const kfuncs[] = {
                "bpf_get_mem_cgroup", "bpf_mem_cgroup_memory_events", "bpf_mem_cgroup_usage",
        };
        const struct btf_type *t;
        unsigned r = 0, n = 0;
        int id;

        if (!btf)
                return 0;
        if (btf__find_by_name_kind(btf, "__mem_cgroup_handle_over_high", BTF_KIND_FUNC) > 0)
                r |= MEMCG_BTF_OVER_HIGH_FUNC;
        if (btf__find_by_name_kind(btf, "mem_cgroup_handle_over_high", BTF_KIND_FUNC) > 0)
                r |= MEMCG_BTF_OVER_HIGH_FUNC_OLD;
        for (size_t i = 0; i < ELEMENTSOF(kfuncs); i++)
                if (btf__find_by_name_kind(btf, kfuncs[i], BTF_KIND_FUNC) > 0)
                        n++;
        if (n == ELEMENTSOF(kfuncs))
                r |= MEMCG_BTF_KFUNCS;

        id = btf__find_by_name_kind(btf, "memcg_bpf_ops", BTF_KIND_STRUCT);
        if (id <= 0)
                return r;
        r |= MEMCG_BTF_OPS;
        t = btf__type_by_id(btf, id);
        for (unsigned i = 0; t && i < btf_vlen(t); i++) {
                const char *name = btf__name_by_offset(btf, btf_members(t)[i].name_off);

                for (size_t j = 0; name && j < ELEMENTSOF(members); j++)
                        if (streq(name, members[j].name))
                                r |= members[j].bit;
        }
        return r;
}

/* Reads the BTF to detect from and sets m->btf. Returns 1 when there was BTF to read, 0 when
 * not (the reasons of all BTF-based features are then set), -ENOMEM. */
static int detect_btf(MemcgBpf *m) {
        const char *path = getenv("AGENTCGROUP_VMLINUX_BTF");
        struct btf *btf;
        int r;

        /* btf__parse() takes raw BTF and ELF files with a .BTF section alike. */
        btf = isempty(path) ? btf__load_vmlinux_btf() : btf__parse(path, NULL);
        if (!btf) {
                r = -errno;
                for (MemcgFeature f = 0; f < _MEMCG_FEATURE_MAX; f++)
                        if (f != MEMCG_FEATURE_PSI &&
                            absent(m, f, "the kernel's BTF cannot be read from %s: %s%s",
                                   isempty(path) ? "/sys/kernel/btf/vmlinux" : path, strerror(-r),
                                   isempty(path) ? " (a kernel without CONFIG_DEBUG_INFO_BTF?)" : "") < 0)
                                return -ENOMEM;
                return 0;
        }
        if (!isempty(path))
                log_notice("Detecting BPF memory features from %s ($AGENTCGROUP_VMLINUX_BTF), not from the running kernel.", path);
        m->btf = memcg_bpf_detect_btf(btf);
        btf__free(btf);

        if (m->btf & MEMCG_BTF_KFUNCS)
                m->features |= MEMCG_FEATURE_BIT(MEMCG_FEATURE_KFUNCS);
        else if (absent(m, MEMCG_FEATURE_KFUNCS,
                        "the kernel's BTF lacks bpf_get_mem_cgroup, bpf_mem_cgroup_memory_events or bpf_mem_cgroup_usage "
                        "(the memcg kfuncs came with 7.x kernels)") < 0)
                return -ENOMEM;
        return 1;
}

/* Opens DIR/NAME, or records why not. Returns 1 with *ret set, 0 when absent, -ENOMEM. */
static int open_object(MemcgBpf *m, MemcgFeature f, const char *dir, const char *name, struct bpf_object **ret) {
        _cleanup_(freep) char *path = NULL;
        struct bpf_object *obj;
        int r;

        path = asprintf_safe("%s/%s", dir, name);
        if (!path)
                return -ENOMEM;
        if (access(path, R_OK) < 0) {
                r = -errno;
                log_warning_errno(r, "Cannot read the BPF object %s, %s stays off: %m", path, feature_names[f]);
                return absent(m, f, "the BPF object %s cannot be read: %s (set $AGENTCGROUP_BPF_DIR, or build with -Dbpf=enabled)",
                              path, strerror(-r));
        }
        obj = bpf_object__open_file(path, NULL);
        if (!obj) {
                r = -errno;
                log_warning_errno(r, "Cannot open the BPF object %s, %s stays off: %m", path, feature_names[f]);
                return absent(m, f, "opening %s failed: %s", path, strerror(-r));
        }
        *ret = obj;
        return 1;
}

/* A pinned throttle map left by an earlier run is reused when its layout fits this object's:
 * the counts survive a restart. Returns 1 when reused. Anything else is replaced, never fatal. */
static int reuse_pinned_map(struct bpf_map *map) {
        _cleanup_(closep) int fd = -1;
        struct bpf_map_info info = {};
        uint32_t len = sizeof info;
        int r;

        fd = bpf_obj_get(MEMCG_THROTTLE_PIN);
        if (fd < 0) {
                if (errno != ENOENT)
                        log_warning_errno(-errno, "Cannot open the pinned map %s, making a new one: %m", MEMCG_THROTTLE_PIN);
                return 0;
        }
        r = bpf_map_get_info_by_fd(fd, &info, &len);
        if (r < 0 || info.type != bpf_map__type(map) || info.key_size != bpf_map__key_size(map) ||
            info.value_size != bpf_map__value_size(map) || info.max_entries != bpf_map__max_entries(map)) {
                log_notice("%s is not a map of this daemon's layout, replacing it.", MEMCG_THROTTLE_PIN);
                if (unlink(MEMCG_THROTTLE_PIN) < 0)
                        log_warning_errno(-errno, "Cannot remove %s: %m", MEMCG_THROTTLE_PIN);
                return 0;
        }
        r = bpf_map__reuse_fd(map, fd);
        if (r < 0) {
                log_warning_errno(r, "Cannot reuse the pinned map %s, making a new one: %m", MEMCG_THROTTLE_PIN);
                return 0;
        }
        log_info("Reusing the pinned map %s (map id %u) and its counts.", MEMCG_THROTTLE_PIN, info.id);
        return 1;
}

static void pin_map(struct bpf_map *map) {
        int r;

        if (mkdir(MEMCG_BPF_PIN_DIR, 0755) < 0 && errno != EEXIST) {
                log_warning_errno(-errno, "Cannot create %s, throttling counts will not survive a restart: %m", MEMCG_BPF_PIN_DIR);
                return;
        }
        r = bpf_map__pin(map, MEMCG_THROTTLE_PIN);
        if (r < 0)
                log_warning_errno(r, "Cannot pin the throttle map at %s, its counts will not survive a restart: %m",
                                  MEMCG_THROTTLE_PIN);
        else
                log_info("Pinned a new throttle map at %s.", MEMCG_THROTTLE_PIN);
}

static void unload_observe(MemcgBpf *m) {
        for (size_t i = 0; i < m->n_observe_links; i++)
                bpf_link__destroy(m->observe_links[i]);
        m->observe_links = mfree(m->observe_links);
        m->n_observe_links = 0;
        bpf_object__close(m->observe);
        m->observe = NULL;
        m->throttle_fd = -1;
}

static int load_observe(MemcgBpf *m, const char *dir) {
        const MemcgFeature f = MEMCG_FEATURE_OBSERVE;
        struct bpf_program *prog;
        struct bpf_map *map;
        const char *target;
        size_t n = 0;
        int r, reused;

        /* The object names the current handler; older kernels have it without the underscores
         * (a real function, not the inline wrapper the rename left behind). */
        if (m->btf & MEMCG_BTF_OVER_HIGH_FUNC)
                target = "__mem_cgroup_handle_over_high";
        else if (m->btf & MEMCG_BTF_OVER_HIGH_FUNC_OLD)
                target = "mem_cgroup_handle_over_high";
        else
                return absent(m, f, "the kernel's BTF has no function __mem_cgroup_handle_over_high "
                              "or mem_cgroup_handle_over_high to attach fentry/fexit to");
        r = open_object(m, f, dir, OBSERVE_OBJECT, &m->observe);
        if (r <= 0)
                return r;
        bpf_object__for_each_program(prog, m->observe) {
                r = bpf_program__set_attach_target(prog, 0, target);
                if (r < 0) {
                        unload_observe(m);
                        return absent(m, f, "cannot aim %s at %s: %s", bpf_program__name(prog), target, strerror(-r));
                }
        }

        map = bpf_object__find_map_by_name(m->observe, "throttle_events");
        if (!map || bpf_map__key_size(map) != sizeof(uint64_t) ||
            bpf_map__value_size(map) != sizeof(MemcgThrottleValue)) {
                unload_observe(m);
                log_warning("%s/%s has no map throttle_events of the expected layout, memcg-observe stays off.", dir, OBSERVE_OBJECT);
                return absent(m, f, "%s/%s has no map throttle_events of the expected layout (daemon and objects from different builds?)",
                              dir, OBSERVE_OBJECT);
        }
        reused = reuse_pinned_map(map);

        r = bpf_object__load(m->observe);
        if (r < 0) {
                unload_observe(m);
                log_warning_errno(r, "Loading %s/%s failed, memcg-observe stays off: %m", dir, OBSERVE_OBJECT);
                return absent(m, f, "loading %s/%s failed: %s", dir, OBSERVE_OBJECT, strerror(-r));
        }

        bpf_object__for_each_program(prog, m->observe)
                n++;
        m->observe_links = calloc(MAX(n, 1u), sizeof(struct bpf_link *));
        if (!m->observe_links) {
                unload_observe(m);
                return -ENOMEM;
        }
        bpf_object__for_each_program(prog, m->observe) {
                struct bpf_link *link = bpf_program__attach(prog);

                if (!link) {
                        r = -errno;
                        log_warning_errno(r, "Attaching %s of %s failed, memcg-observe stays off: %m",
                                          bpf_program__name(prog), OBSERVE_OBJECT);
                        unload_observe(m);
                        return absent(m, f, "attaching %s (%s) failed: %s",
                                      bpf_program__name(prog), bpf_program__section_name(prog), strerror(-r));
                }
                m->observe_links[m->n_observe_links++] = link;
        }

        if (!reused)
                pin_map(map);
        m->throttle_fd = bpf_map__fd(map);
        m->features |= MEMCG_FEATURE_BIT(f);
        return 0;
}

/* Attaches a struct_ops map of memcg_bpf_ops to the root cgroup. The RFC takes the cgroup from
 * link_create.cgroup.relative_fd, which libbpf 1.4's bpf_link_create() does not pass for
 * BPF_STRUCT_OPS, hence the raw syscall. In the uapi header that field shares its place with
 * tcx.relative_fd (cgroup appeared in 6.15's header; the build host's may be older). target_fd
 * gets the cgroup too, which the RFC ignores and later proposals may read. Returns the link fd. */
static int attach_ops_to_root_cgroup(int map_fd) {
        _cleanup_(closep) int cgroup_fd = -1;
        union bpf_attr attr;
        int fd;

        cgroup_fd = open(CGROUP_ROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cgroup_fd < 0)
                return -errno;
        memset(&attr, 0, sizeof attr);
        attr.link_create.map_fd = map_fd;
        attr.link_create.target_fd = cgroup_fd;
        attr.link_create.attach_type = BPF_STRUCT_OPS;
        attr.link_create.tcx.relative_fd = cgroup_fd;
        fd = (int) syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof attr);
        return fd < 0 ? -errno : fd;
}

static void unload_ops(MemcgBpf *m) {
        /* Closing the link detaches the hook: the kernel's own behaviour is back. */
        if (m->ops_link_fd >= 0)
                close(m->ops_link_fd);
        m->ops_link_fd = -1;
        bpf_object__close(m->ops);
        m->ops = NULL;
        m->policy_fd = -1;
}

static int load_ops(MemcgBpf *m, const char *dir) {
        const MemcgFeature f = MEMCG_FEATURE_BPF_OPS;
        const OpsVariant *use, *skip;
        struct bpf_map *map, *other, *policy;
        int r;

        if (!(m->btf & MEMCG_BTF_OPS))
                return absent(m, f, "the kernel's BTF has no struct memcg_bpf_ops (the memcg_bpf_ops RFC is not in this kernel); "
                              "memory.high stays the kernel's own");
        /* Chosen by the members the kernel has, never by its version. */
        if (m->btf & MEMCG_BTF_OPS_CHARGED)
                use = &ops_v7, skip = &ops_v3;
        else if (m->btf & MEMCG_BTF_OPS_HIGH_DELAY)
                use = &ops_v3, skip = &ops_v7;
        else
                return absent(m, f, "the kernel's struct memcg_bpf_ops has neither get_high_delay_ms nor memcg_charged, "
                              "a variant of the RFC this daemon does not know");

        r = open_object(m, f, dir, OPS_OBJECT, &m->ops);
        if (r <= 0)
                return r;
        map = bpf_object__find_map_by_name(m->ops, use->map);
        other = bpf_object__find_map_by_name(m->ops, skip->map);
        policy = bpf_object__find_map_by_name(m->ops, "memcg_policy");
        if (!map || !other || !policy || bpf_map__value_size(policy) != sizeof(MemcgPolicyValue)) {
                unload_ops(m);
                log_warning("%s/%s lacks the maps %s, %s or memcg_policy of the expected layout, memcg-bpf-ops stays off.",
                            dir, OPS_OBJECT, use->map, skip->map);
                return absent(m, f, "%s/%s lacks the expected maps (daemon and objects from different builds?)", dir, OPS_OBJECT);
        }
        /* libbpf would resolve both maps against the kernel's struct; the other variant's members
         * do not exist there. */
        r = bpf_map__set_autocreate(other, false);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(skip->progs); i++) {
                struct bpf_program *p = bpf_object__find_program_by_name(m->ops, skip->progs[i]);

                r = p ? bpf_program__set_autoload(p, false) : -ENOENT;
        }
        if (r >= 0)
                r = bpf_object__load(m->ops);
        if (r < 0) {
                unload_ops(m);
                log_warning_errno(r, "Loading %s/%s (%s) failed, memcg-bpf-ops stays off: %m", dir, OPS_OBJECT, use->map);
                /* libbpf's -ESRCH: a type the object names is not in the running kernel's BTF. */
                return absent(m, f, "loading %s/%s (%s) failed: %s", dir, OPS_OBJECT, use->map,
                              r == -ESRCH ? "the running kernel's BTF has no struct memcg_bpf_ops "
                                            "(was the detection BTF another kernel's?)" : strerror(-r));
        }

        r = attach_ops_to_root_cgroup(bpf_map__fd(map));
        if (r < 0) {
                unload_ops(m);
                log_warning_errno(r, "Attaching %s to %s failed, memcg-bpf-ops stays off: %m", use->map, CGROUP_ROOT);
                return absent(m, f, "attaching %s to %s failed: %s", use->map, CGROUP_ROOT, strerror(-r));
        }
        m->ops_link_fd = r;
        m->policy_fd = bpf_map__fd(policy);
        m->features |= MEMCG_FEATURE_BIT(f);
        log_info("Attached the memcg_bpf_ops hook (%s) to %s.", use->map, CGROUP_ROOT);
        return 0;
}

int memcg_bpf_read(MemcgBpf *m, uint64_t cgroup_id, MemcgThrottleStats *ret) {
        MemcgThrottleValue v;
        int r;

        if (!m || m->throttle_fd < 0)
                return -EOPNOTSUPP;
        r = bpf_map_lookup_elem(m->throttle_fd, &cgroup_id, &v);
        if (r < 0)
                return r;
        *ret = (MemcgThrottleStats) {
                .events = v.events,
                .pages = v.pages,
                .delay_ns = v.delay_ns,
                .max_delay_ns = v.max_delay_ns,
        };
        return 0;
}

int memcg_bpf_forget(MemcgBpf *m, uint64_t cgroup_id) {
        int r;

        if (!m || m->throttle_fd < 0)
                return -EOPNOTSUPP;
        r = bpf_map_delete_elem(m->throttle_fd, &cgroup_id);
        return r == -ENOENT ? 0 : r;
}

int memcg_bpf_set_policy(MemcgBpf *m, uint64_t cgroup_id, const MemcgPolicy *p) {
        uint64_t page = (uint64_t) sysconf(_SC_PAGESIZE);
        MemcgPolicyValue v;

        if (!p)
                return -EINVAL;
        if (!m || m->policy_fd < 0)
                return -EOPNOTSUPP;
        v = (MemcgPolicyValue) {
                .class = p->class,
                .flags = (p->protect_low ? POLICY_PROTECT_LOW : 0) | (p->protect_min ? POLICY_PROTECT_MIN : 0),
                /* Rounded up, so that a threshold of a few bytes is not "0: use memory.high". */
                .high_pages = p->high_bytes / page + (p->high_bytes % page != 0),
                .credit_pages = p->credit_bytes / page,
                .full_overage_permille = p->full_overage_permille,
                .max_delay_ms = p->max_delay_ms,
        };
        return bpf_map_update_elem(m->policy_fd, &cgroup_id, &v, BPF_ANY);
}

int memcg_bpf_remove_policy(MemcgBpf *m, uint64_t cgroup_id) {
        int r;

        if (!m || m->policy_fd < 0)
                return -EOPNOTSUPP;
        r = bpf_map_delete_elem(m->policy_fd, &cgroup_id);
        return r == -ENOENT ? 0 : r;
}

#else /* !HAVE_LIBBPF */

unsigned memcg_bpf_detect_btf(const struct btf *btf) {
        return 0;
}

int memcg_bpf_read(MemcgBpf *m, uint64_t cgroup_id, MemcgThrottleStats *ret) {
        return -EOPNOTSUPP;
}

int memcg_bpf_forget(MemcgBpf *m, uint64_t cgroup_id) {
        return -EOPNOTSUPP;
}

int memcg_bpf_set_policy(MemcgBpf *m, uint64_t cgroup_id, const MemcgPolicy *p) {
        return p ? -EOPNOTSUPP : -EINVAL;
}

int memcg_bpf_remove_policy(MemcgBpf *m, uint64_t cgroup_id) {
        return -EOPNOTSUPP;
}

#endif /* HAVE_LIBBPF */

static void log_features(const MemcgBpf *m) {
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_(freep) char *joined = NULL;

        if (memcg_features_to_strv(m->features, &names) >= 0)
                joined = strv_join(names, ", ");
        log_info("BPF memory features: %s.", isempty(joined) ? "none" : joined);
        for (MemcgFeature f = 0; f < _MEMCG_FEATURE_MAX; f++)
                if (!(m->features & MEMCG_FEATURE_BIT(f)))
                        log_info("%s is absent: %s.", feature_names[f], memcg_bpf_absent_reason(m, f));
}

int memcg_bpf_new(MemcgBpf **ret, const char *bpf_dir) {
        _cleanup_(memcg_bpf_freep) MemcgBpf *m = NULL;
        int r;

        m = calloc(1, sizeof *m);
        if (!m)
                return -ENOMEM;
#if HAVE_LIBBPF
        m->throttle_fd = m->ops_link_fd = m->policy_fd = -1;
#endif
        if (isempty(bpf_dir))
                bpf_dir = getenv("AGENTCGROUP_BPF_DIR");
        if (isempty(bpf_dir))
                bpf_dir = BPFDIR;

        r = detect_psi(m);
        if (r < 0)
                return r;
#if HAVE_LIBBPF
        libbpf_set_print(libbpf_log);
        r = detect_btf(m);
        if (r > 0) {
                r = load_observe(m, bpf_dir);
                if (r >= 0)
                        r = load_ops(m, bpf_dir);
        }
        if (r < 0)
                return r;
#else
        for (MemcgFeature f = 0; f < _MEMCG_FEATURE_MAX; f++)
                if (f != MEMCG_FEATURE_PSI &&
                    absent(m, f, "agentcgroupd was built without libbpf (>= 1.4)") < 0)
                        return -ENOMEM;
#endif
        log_features(m);
        *ret = TAKE_PTR(m);
        return 0;
}

MemcgBpf *memcg_bpf_free(MemcgBpf *m) {
        if (!m)
                return NULL;
#if HAVE_LIBBPF
        /* Detaches the programs; the pinned throttle map stays with its counts. */
        unload_ops(m);
        unload_observe(m);
#endif
        for (size_t i = 0; i < ELEMENTSOF(m->absent); i++)
                free(m->absent[i]);
        return mfree(m);
}
