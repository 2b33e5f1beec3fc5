// SPDX-License-Identifier: GPL-2.0-only
/*
 * memcg_ops: the delay and protection hooks of the memcg_bpf_ops struct_ops (Hui Zhu's RFC
 * "mm: memcontrol: Add BPF struct_ops for memory controller", not in mainline), driven by a
 * per-cgroup policy map that agentcgroupd writes.
 *
 * The RFC changed its delay hook between versions, so this object carries one struct_ops map per
 * variant and the loader (src/daemon/bpf-memcg.c) creates only the one whose members the running
 * kernel's BTF has:
 *
 *   memcg_ops_v3  RFC v3-v6: get_high_delay_ms(memcg), below_low(memcg), below_min(memcg)
 *   memcg_ops_v7  RFC v7:    memcg_charged(memcg, nr_pages), below_low(memcg, elow, usage),
 *                            below_min(memcg, emin, usage)
 *
 * Neither the build host nor the test kernels have the struct, so it is declared here with CO-RE
 * "flavor" names (memcg_bpf_ops___v3, ___v7): libbpf drops the ___suffix and matches the members
 * by name against the kernel's struct memcg_bpf_ops at load time. The programs read only their
 * first argument, which both variants share.
 *
 * The RFC calls the delay hook on the charge path (when a task refills its per-cpu charge stock,
 * about every 64 pages) for the charging memcg and sleeps the task for the returned time; a delay
 * of 10 ms or less does nothing and more than 2 s is capped. The protection hooks make reclaim treat
 * the memcg as below memory.low / memory.min.
 *
 * Policy map memcg_policy: key = cgroup v2 id (systemd's ControlGroupId), value = struct
 * memcg_policy. A charge in cgroup C uses the policy of C or of its nearest ancestor with one,
 * at most POLICY_DEPTH levels up, measured against that cgroup's own usage:
 *
 *   threshold = high_pages, or the cgroup's memory.high when high_pages is 0
 *   over      = usage - threshold - credit_pages          (no delay while <= 0)
 *   r         = over / threshold, in permille
 *   delay_ms  = max_delay_ms * min(r / full_overage_permille, 1)^2
 *
 * quadratic like the kernel's own memory.high penalty, so small overages cost little and the
 * delay reaches max_delay_ms at full_overage_permille (default 100, i.e. 10% over). credit_pages
 * is a fixed allowance above the threshold (a burst that never pays); no policy, max_delay_ms 0
 * or an unlimited threshold return 0: the kernel's default behaviour.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

/* Keep in sync with MemcgPolicyValue in src/daemon/bpf-memcg.c. */
struct memcg_policy {
	__u32 class;                  /* the profile class (ProfileClass), for observers */
	__u32 flags;                  /* MEMCG_POLICY_* */
	__u64 high_pages;             /* threshold; 0: the cgroup's memory.high */
	__u64 credit_pages;           /* allowance above the threshold without delay */
	__u32 full_overage_permille;  /* overage at which the delay reaches max; 0: 100 */
	__u32 max_delay_ms;           /* top of the curve; 0: never delay */
};

#define MEMCG_POLICY_PROTECT_LOW  (1U << 0)  /* below_low: reclaim treats it as protected */
#define MEMCG_POLICY_PROTECT_MIN  (1U << 1)  /* below_min: likewise for memory.min */

#define POLICY_DEPTH              4
#define DEFAULT_FULL_PERMILLE     100
#define MAX_FULL_PERMILLE         1000000
#define KERNEL_MAX_DELAY_MS       2000       /* the kernel caps one penalty sleep at 2 s */
#define UNLIMITED_PAGES           (1ULL << 40) /* "max" is LONG_MAX / PAGE_SIZE */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct memcg_policy);
} memcg_policy SEC(".maps");

/* The RFC's struct, as far as these programs use it. */
struct memcg_bpf_ops___v3 {
	bool (*below_low)(struct mem_cgroup *memcg);
	bool (*below_min)(struct mem_cgroup *memcg);
	unsigned int (*get_high_delay_ms)(struct mem_cgroup *memcg);
} __attribute__((preserve_access_index));

struct memcg_bpf_ops___v7 {
	bool (*below_low)(struct mem_cgroup *memcg, unsigned long elow, unsigned long usage);
	bool (*below_min)(struct mem_cgroup *memcg, unsigned long emin, unsigned long usage);
	unsigned int (*memcg_charged)(struct mem_cgroup *memcg, unsigned int nr_pages);
} __attribute__((preserve_access_index));

/* The policy for memcg or its nearest ancestor with one; *owner is the memcg it belongs to. */
static __always_inline const struct memcg_policy *find_policy(struct mem_cgroup *memcg,
							       struct mem_cgroup **owner)
{
	for (int i = 0; i < POLICY_DEPTH && memcg; i++) {
		__u64 id = BPF_CORE_READ(memcg, css.cgroup, kn, id);
		const struct memcg_policy *p = bpf_map_lookup_elem(&memcg_policy, &id);
		struct cgroup_subsys_state *parent;

		if (p) {
			*owner = memcg;
			return p;
		}
		parent = BPF_CORE_READ(memcg, css.parent);
		memcg = parent ? container_of(parent, struct mem_cgroup, css) : NULL;
	}
	return NULL;
}

static __always_inline unsigned int policy_delay_ms(struct mem_cgroup *memcg)
{
	struct mem_cgroup *owner = NULL;
	const struct memcg_policy *p = find_policy(memcg, &owner);
	__u64 threshold, usage, limit, over, full, max_delay;

	if (!p || !owner || !p->max_delay_ms)
		return 0;
	threshold = p->high_pages ?: BPF_CORE_READ(owner, memory.high);
	if (!threshold || threshold >= UNLIMITED_PAGES)
		return 0;
	usage = BPF_CORE_READ(owner, memory.usage.counter);
	limit = threshold + p->credit_pages;
	if (usage <= limit)
		return 0;

	max_delay = p->max_delay_ms < KERNEL_MAX_DELAY_MS ? p->max_delay_ms : KERNEL_MAX_DELAY_MS;
	full = p->full_overage_permille ?: DEFAULT_FULL_PERMILLE;
	if (full > MAX_FULL_PERMILLE)
		full = MAX_FULL_PERMILLE;
	over = (usage - limit) * 1000 / threshold;
	if (over >= full)
		return max_delay;
	return max_delay * over * over / (full * full);
}

static __always_inline bool policy_flag(struct mem_cgroup *memcg, __u32 flag)
{
	struct mem_cgroup *owner = NULL;
	const struct memcg_policy *p = find_policy(memcg, &owner);

	return p && (p->flags & flag);
}

/* RFC v3-v6 */

SEC("struct_ops/get_high_delay_ms")
unsigned int BPF_PROG(agc_get_high_delay_ms, struct mem_cgroup *memcg)
{
	return policy_delay_ms(memcg);
}

SEC("struct_ops/below_low")
bool BPF_PROG(agc_below_low_v3, struct mem_cgroup *memcg)
{
	return policy_flag(memcg, MEMCG_POLICY_PROTECT_LOW);
}

SEC("struct_ops/below_min")
bool BPF_PROG(agc_below_min_v3, struct mem_cgroup *memcg)
{
	return policy_flag(memcg, MEMCG_POLICY_PROTECT_MIN);
}

SEC(".struct_ops.link")
struct memcg_bpf_ops___v3 memcg_ops_v3 = {
	.below_low = (void *)agc_below_low_v3,
	.below_min = (void *)agc_below_min_v3,
	.get_high_delay_ms = (void *)agc_get_high_delay_ms,
};

/* RFC v7: the delay hook became memcg_charged(memcg, nr_pages); below_* got more arguments. */

SEC("struct_ops/memcg_charged")
unsigned int BPF_PROG(agc_memcg_charged, struct mem_cgroup *memcg, unsigned int nr_pages)
{
	return policy_delay_ms(memcg);
}

SEC("struct_ops/below_low")
bool BPF_PROG(agc_below_low_v7, struct mem_cgroup *memcg)
{
	return policy_flag(memcg, MEMCG_POLICY_PROTECT_LOW);
}

SEC("struct_ops/below_min")
bool BPF_PROG(agc_below_min_v7, struct mem_cgroup *memcg)
{
	return policy_flag(memcg, MEMCG_POLICY_PROTECT_MIN);
}

SEC(".struct_ops.link")
struct memcg_bpf_ops___v7 memcg_ops_v7 = {
	.below_low = (void *)agc_below_low_v7,
	.below_min = (void *)agc_below_min_v7,
	.memcg_charged = (void *)agc_memcg_charged,
};
