/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "macro.h"

/* The in-kernel memory side: detects what the running kernel offers, loads the BPF objects that
 * fit (memcg_observe.bpf.o always when it can, memcg_ops.bpf.o where the kernel has the
 * memcg_bpf_ops struct_ops) and gives access to their maps. Nothing here is fatal: a missing
 * object, an old kernel or a daemon built without libbpf only leave features absent, each with a
 * sentence saying why. See bpf/README.md. */

/* Where memcg_observe's per-cgroup map is pinned. A restarted daemon reuses it (and its counts);
 * it is never unpinned, so other BPF users (the CPU scheduler) can share it. */
#define MEMCG_BPF_PIN_DIR "/sys/fs/bpf/agentcgroup"
#define MEMCG_THROTTLE_PIN MEMCG_BPF_PIN_DIR "/memcg_throttle"

typedef enum MemcgFeature {
        MEMCG_FEATURE_OBSERVE,  /* "memcg-observe": memory.high throttling counted per cgroup */
        MEMCG_FEATURE_BPF_OPS,  /* "memcg-bpf-ops": the delay/protection hook is attached */
        MEMCG_FEATURE_KFUNCS,   /* "memcg-kfuncs": bpf_get_mem_cgroup() and friends exist */
        MEMCG_FEATURE_PSI,      /* "psi": /proc/pressure/memory is readable */
        _MEMCG_FEATURE_MAX,
} MemcgFeature;

#define MEMCG_FEATURE_BIT(f) (1U << (f))

/* What a kernel's BTF has (memcg_bpf_detect_btf()). */
enum {
        MEMCG_BTF_OVER_HIGH_FUNC  = 1U << 0,  /* FUNC __mem_cgroup_handle_over_high (fentry target) */
        MEMCG_BTF_OPS             = 1U << 1,  /* struct memcg_bpf_ops */
        MEMCG_BTF_OPS_HIGH_DELAY  = 1U << 2,  /* ... with get_high_delay_ms (RFC v3-v6) */
        MEMCG_BTF_OPS_CHARGED     = 1U << 3,  /* ... with memcg_charged (RFC v7) */
        MEMCG_BTF_OPS_BELOW_LOW   = 1U << 4,
        MEMCG_BTF_OPS_BELOW_MIN   = 1U << 5,
        MEMCG_BTF_KFUNCS          = 1U << 6,  /* FUNCs bpf_get_mem_cgroup, bpf_mem_cgroup_memory_events,
                                               * bpf_mem_cgroup_usage, all three */
        MEMCG_BTF_OVER_HIGH_FUNC_OLD = 1U << 7, /* FUNC mem_cgroup_handle_over_high: the same handler
                                                  * before its rename (6.16 and older) */
};

typedef struct MemcgThrottleStats {
        uint64_t events;        /* throttling episodes */
        uint64_t pages;         /* pages over memory.high, summed over the episodes */
        uint64_t delay_ns;      /* time in the kernel's over-high handler: reclaim + penalty sleep */
        uint64_t max_delay_ns;  /* longest episode */
} MemcgThrottleStats;

/* The memcg_ops hook's policy for one cgroup and its descendants (those without their own, up to
 * 4 levels down). The delay grows with the square of the overage over the threshold, reaching
 * max_delay_ms at full_overage_permille; see bpf/memcg_ops.bpf.c. */
typedef struct MemcgPolicy {
        uint32_t class;                 /* the profile's class (ProfileClass), for observers */
        uint64_t high_bytes;            /* threshold; 0: the cgroup's memory.high */
        uint64_t credit_bytes;          /* allowance above the threshold without delay */
        uint32_t full_overage_permille; /* 0: 100 (10% over the threshold) */
        uint32_t max_delay_ms;          /* 0: never delay; the kernel caps at 2000, ignores <= 10 */
        bool protect_low;               /* reclaim treats the cgroup as below memory.low */
        bool protect_min;               /* ... as below memory.min */
} MemcgPolicy;

typedef struct MemcgBpf MemcgBpf;

/* Detects the features and loads what can be loaded. bpf_dir NULL: $AGENTCGROUP_BPF_DIR, else
 * BPFDIR. Detection reads the running kernel's BTF, or the file $AGENTCGROUP_VMLINUX_BTF names.
 * Fails only for lack of memory; absent features are logged with their reasons. */
int memcg_bpf_new(MemcgBpf **ret, const char *bpf_dir);
MemcgBpf *memcg_bpf_free(MemcgBpf *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(MemcgBpf *, memcg_bpf_free);

/* MEMCG_FEATURE_BIT()s of the features that work. */
unsigned memcg_bpf_features(const MemcgBpf *m);
/* MEMCG_BTF_* of the BTF the detection read. */
unsigned memcg_bpf_btf(const MemcgBpf *m);
/* Why feature f is absent, as a sentence for logs; NULL when it is present. */
const char *memcg_bpf_absent_reason(const MemcgBpf *m, MemcgFeature f);

const char *memcg_feature_to_string(MemcgFeature f);
/* The names of the present features in MEMCG_FEATURE_* order (the D-Bus "Features" property);
 * an empty list when none is. */
int memcg_features_to_strv(unsigned features, char ***ret);

/* memcg_observe's counts for a cgroup id: -ENOENT when there are none (never throttled since the
 * map was created, or aged out), -EOPNOTSUPP without memcg-observe. */
int memcg_bpf_read(MemcgBpf *m, uint64_t cgroup_id, MemcgThrottleStats *ret);
/* Drops a vanished cgroup's counts (on UnitRemoved); 0 also when there were none. */
int memcg_bpf_forget(MemcgBpf *m, uint64_t cgroup_id);

/* Sets or removes the hook's policy for a cgroup id: -EOPNOTSUPP without memcg-bpf-ops. Removing
 * a cgroup without a policy is not an error. */
int memcg_bpf_set_policy(MemcgBpf *m, uint64_t cgroup_id, const MemcgPolicy *p);
int memcg_bpf_remove_policy(MemcgBpf *m, uint64_t cgroup_id);

/* Detection on a BTF object (the kernel's, or one parsed from a file in tests). */
struct btf;
unsigned memcg_bpf_detect_btf(const struct btf *btf);
