// SPDX-License-Identifier: GPL-2.0-only
/*
 * agentcgroup_sched: the sched_ext CPU scheduler of agentcgroup.
 *
 * Fairness between cgroups by cpu.weight (what systemd's CPUWeight= sets), with the hierarchy
 * flattened into one level: every cgroup has a virtual time that advances by the CPU its tasks
 * use divided by its hierarchical share, and all tasks wait in one shared queue ordered by their
 * cgroup's virtual time. The share of a cgroup is the product, over its ancestors, of
 * weight / (sum of the weights of the active siblings), where "active" means having runnable
 * tasks; activity is propagated up the tree when a cgroup's count of runnable tasks crosses
 * zero, so nested session slices with tool-call scopes compose their weights.
 *
 * On top of that, per cgroup, a policy the daemon writes (map sched_policy, see sched-abi.h):
 *   - the slice length, short for interactive units;
 *   - a burst credit: a cgroup that slept may run up to burst_ns ahead of the current virtual
 *     time when it wakes (its lag is clamped there), so it refills while idle;
 *   - interactive units that wake preempt a CPU running a less interactive task;
 *   - idle units (CPUWeight=idle, which the kernel does not pass to sched_ext) weigh 1 and
 *     are preempted by any other unit that wakes, like the fair class's cpu.idle;
 *   - memory pressure: a cgroup the memory side reports as thrashing (memcg_observe's throttle
 *     map, shared through its pin, or the pressure the daemon writes) keeps a quarter of its
 *     weight and half its slice until it calms down; never less than 1/256 of a CPU's rate, so
 *     the kernel's stall watchdog never fires for it.
 *
 * The sched_ext types and kfuncs are declared here (with ___agc flavors that libbpf strips), so
 * the object builds against any kernel's vmlinux.h; kfuncs renamed across kernels are weak and
 * chosen with bpf_ksym_exists(). Two struct_ops maps share the programs: agentcgroup_full
 * (every task) and agentcgroup_partial (SCX_OPS_SWITCH_PARTIAL: only SCHED_EXT tasks, which the
 * daemon sets for managed units); the loader creates one.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "sched-abi.h"

char LICENSE[] SEC("license") = "GPL";

/* ---- sched_ext ABI, as far as used (values stable since 6.12) ---- */

#define SCX_DSQ_LOCAL           0x8000000000000002ULL
#define SCX_DSQ_LOCAL_ON        0xc000000000000000ULL
#define SCX_ENQ_WAKEUP          1ULL
#define SCX_ENQ_PREEMPT         (1ULL << 32)
#define SCX_KICK_PREEMPT        2ULL
#define SCX_OPS_SWITCH_PARTIAL  8ULL
#define SCX_EXIT_ERROR          1024
#define SHARED_DSQ              0x100ULL
#define PF_KTHREAD              0x00200000

enum scx_exit_kind___agc { SCX_EXIT_NONE___agc };

struct scx_exit_info___agc {
	enum scx_exit_kind___agc kind;
	s32 exit_cpu;
	s64 exit_code;
	const char *reason;
	char *msg;
} __attribute__((preserve_access_index));

struct scx_init_task_args___agc {
	struct cgroup *cgroup;
} __attribute__((preserve_access_index));

struct scx_cgroup_init_args___agc {
	u32 weight;
} __attribute__((preserve_access_index));

struct scx_exit_task_args___agc;

#define SCX_TASK_QUEUED 1

struct sched_ext_entity___agc {
	u32 flags;
	u64 slice;
	u64 dsq_vtime;
} __attribute__((preserve_access_index));

struct task_struct___agc {
	struct sched_ext_entity___agc scx;
} __attribute__((preserve_access_index));

void scx_bpf_dsq_insert(struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags) __ksym __weak;
void scx_bpf_dispatch(struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags) __ksym __weak;
void scx_bpf_dsq_insert_vtime(struct task_struct *p, u64 dsq_id, u64 slice, u64 vtime, u64 enq_flags) __ksym __weak;
void scx_bpf_dispatch_vtime(struct task_struct *p, u64 dsq_id, u64 slice, u64 vtime, u64 enq_flags) __ksym __weak;
bool scx_bpf_dsq_move_to_local(u64 dsq_id) __ksym __weak;
bool scx_bpf_consume(u64 dsq_id) __ksym __weak;
s32 scx_bpf_create_dsq(u64 dsq_id, s32 node) __ksym;
s32 scx_bpf_select_cpu_dfl(struct task_struct *p, s32 prev_cpu, u64 wake_flags, bool *is_idle) __ksym;
void scx_bpf_kick_cpu(s32 cpu, u64 flags) __ksym;
void scx_bpf_error_bstr(char *fmt, unsigned long long *data, u32 data__sz) __ksym;
u32 scx_bpf_nr_cpu_ids(void) __ksym __weak;
bool bpf_cpumask_test_cpu(u32 cpu, const struct cpumask *cpumask) __ksym;
struct task_struct *scx_bpf_dsq_peek(u64 dsq_id) __ksym __weak;
void scx_bpf_task_set_slice(struct task_struct *p, u64 slice) __ksym __weak;

/* The DSQ iterator (every sched_ext kernel), for kernels without scx_bpf_dsq_peek(). The
 * kernel's struct is 48 bytes; the verifier takes the size from the kernel's own type, so a
 * larger buffer under another name does. */
struct bpf_iter_scx_dsq___agc {
	u64 opaque[8];
} __attribute__((aligned(8)));
int bpf_iter_scx_dsq_new(struct bpf_iter_scx_dsq___agc *it, u64 dsq_id, u64 flags) __ksym __weak;
struct task_struct *bpf_iter_scx_dsq_next(struct bpf_iter_scx_dsq___agc *it) __ksym __weak;
void bpf_iter_scx_dsq_destroy(struct bpf_iter_scx_dsq___agc *it) __ksym __weak;

static __always_inline void insert(struct task_struct *p, u64 dsq, u64 slice, u64 flags)
{
	if (bpf_ksym_exists(scx_bpf_dsq_insert))
		scx_bpf_dsq_insert(p, dsq, slice, flags);
	else
		scx_bpf_dispatch(p, dsq, slice, flags);
}

static __always_inline void insert_vtime(struct task_struct *p, u64 dsq, u64 slice, u64 vtime, u64 flags)
{
	if (bpf_ksym_exists(scx_bpf_dsq_insert_vtime))
		scx_bpf_dsq_insert_vtime(p, dsq, slice, vtime, flags);
	else
		scx_bpf_dispatch_vtime(p, dsq, slice, vtime, flags);
}

static __always_inline bool move_to_local(u64 dsq)
{
	if (bpf_ksym_exists(scx_bpf_dsq_move_to_local))
		return scx_bpf_dsq_move_to_local(dsq);
	return scx_bpf_consume(dsq);
}

/* ---- maps ---- */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, u64);
	__type(value, struct sched_policy);
} sched_policy SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, u64);
	__type(value, struct sched_stats);
} sched_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct sched_ctl);
} sched_ctl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} sched_events SEC(".maps");

/* memcg_observe's map (bpf/memcg_observe.bpf.c): the loader points this at its pin, so the
 * scheduler sees memory.high throttling as it happens. Unshared it simply stays empty. */
struct memcg_throttle {
	u64 events;
	u64 pages;
	u64 delay_ns;
	u64 max_delay_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, u64);
	__type(value, struct memcg_throttle);
} memcg_throttle SEC(".maps");

/* Per cgroup state, keyed by cgroup id. */
struct cgx {
	u64 parent_id;          /* 0 for the root */
	u64 vtime;
	u64 throttle_delay_ns;  /* memcg_throttle delay_ns last seen */
	u64 thrash_until;
	s64 child_wsum;         /* weights of the active children */
	s32 nr_runnable;        /* runnable tasks directly in this cgroup */
	s32 nr_active_children;
	u32 weight;             /* cpu.weight, 1..10000 */
	u32 contrib;            /* weight this cgroup added to its parent's child_wsum */
 	u32 level;
	u32 penalized;          /* thrashing when last charged */
	u64 share;              /* last computed share, SHARE_ONE units (for observers) */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, u64);
	__type(value, struct cgx);
} cgroups SEC(".maps");

/* Per task: its cgroup and whether it is counted there as runnable. */
struct taskx {
	u64 cgid;
	u64 started_ns;
	u64 key;                /* the vtime it was queued with; 0: dispatched directly */
	u32 counted;
	u32 class;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct taskx);
} tasks SEC(".maps");

/* What each CPU runs, for wake-up preemption: the task's class (SCHED_CLASS_NONE when idle)
 * and its cgroup. */
#define SCHED_CLASS_NONE 255
struct cpu_running {
	u32 class;
	u32 pad;
	u64 cgid;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct cpu_running);
} cpu_class SEC(".maps");

#define MAX_CPUS 64

static u64 vtime_now;
/* CPUs running a task of an idle unit: wake-ups of other classes than interactive look for a
 * CPU to preempt only while there is one. */
static s64 nr_running_idle;
/* The exit info, also sent through sched_events; read by tests with bpftool. */
struct sched_exit_event exit_event;

#define SHARE_ONE (1ULL << 20)
#define MAX_CHARGE_NS (10ULL * 1000000000ULL) /* 10 s: used * SHARE_ONE stays below 2^64 */

static __always_inline u64 cgroup_id_of(struct cgroup *cg)
{
	return BPF_CORE_READ(cg, kn, id);
}

static __always_inline struct cgx *cgx_of(u64 id)
{
	return bpf_map_lookup_elem(&cgroups, &id);
}

static __always_inline struct sched_stats *stats_of(u64 id)
{
	struct sched_stats *s = bpf_map_lookup_elem(&sched_stats, &id);

	if (s)
		return s;
	struct sched_stats zero = {};
	bpf_map_update_elem(&sched_stats, &id, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&sched_stats, &id);
}

/* The policy of the cgroup or its nearest ancestor with one. */
static struct sched_policy *policy_of(u64 id)
{
	for (int i = 0; i < SCHED_POLICY_DEPTH && id; i++) {
		struct sched_policy *pol = bpf_map_lookup_elem(&sched_policy, &id);
		struct cgx *c;

		if (pol)
			return pol;
		c = cgx_of(id);
		if (!c)
			return NULL;
		id = c->parent_id;
	}
	return NULL;
}

static __always_inline u64 slice_of(struct sched_policy *pol)
{
	return pol && pol->slice_ns ? pol->slice_ns : SCHED_DEFAULT_SLICE_NS;
}

/* What wake-up preemption compares: the profile class (0 interactive, 1 tool-burst,
 * 2 background), with idle units (CPUWeight=idle) below all of them. */
#define SCHED_RANK_IDLE 3

static __always_inline u32 class_of(struct sched_policy *pol)
{
	if (!pol)
		return 1; /* unmanaged tasks rank like tool calls */
	return pol->flags & SCHED_POLICY_IDLE ? SCHED_RANK_IDLE : pol->class;
}

/* Activity propagation: a cgroup whose count crosses zero adds (removes) its weight to (from)
 * its parent, which may cross zero in turn. Crossings of an atomic counter pair up even when
 * CPUs race, so the sums come back to zero. Limits: a cgroup with both tasks of its own and
 * active children (the root, threaded cgroups) checks the two counts without a common lock, and
 * a weight change racing an activation can leave the parent's sum off by the change; both are
 * approximations of the share, never a stall (shares are floored). */
static void activate(u64 id)
{
	for (int i = 0; i < SCHED_POLICY_DEPTH + 8; i++) {
		struct cgx *c = cgx_of(id), *parent;
		u32 w;

		if (!c || !c->parent_id)
			return;
		parent = cgx_of(c->parent_id);
		if (!parent)
			return;
		w = c->weight;
		c->contrib = w;
		__sync_fetch_and_add(&parent->child_wsum, (s64)w);
		if (__sync_fetch_and_add(&parent->nr_active_children, 1) != 0)
			return;
		if (parent->nr_runnable > 0)
			return; /* already active through its own tasks */
		id = c->parent_id;
	}
}

static void deactivate(u64 id)
{
	for (int i = 0; i < SCHED_POLICY_DEPTH + 8; i++) {
		struct cgx *c = cgx_of(id), *parent;

		if (!c || !c->parent_id)
			return;
		parent = cgx_of(c->parent_id);
		if (!parent)
			return;
		__sync_fetch_and_sub(&parent->child_wsum, (s64)c->contrib);
		if (__sync_fetch_and_sub(&parent->nr_active_children, 1) != 1)
			return;
		if (parent->nr_runnable > 0)
			return;
		id = c->parent_id;
	}
}

static void task_runnable_in(u64 id)
{
	struct cgx *c = cgx_of(id);

	if (!c)
		return;
	if (__sync_fetch_and_add(&c->nr_runnable, 1) == 0 && c->nr_active_children <= 0)
		activate(id);
}

static void task_quiescent_in(u64 id)
{
	struct cgx *c = cgx_of(id);

	if (!c)
		return;
	if (__sync_fetch_and_sub(&c->nr_runnable, 1) == 1 && c->nr_active_children <= 0)
		deactivate(id);
}

static __always_inline bool thrashing(u64 id, struct cgx *c, struct sched_policy *pol, u64 now)
{
	struct memcg_throttle *t = bpf_map_lookup_elem(&memcg_throttle, &id);

	if (t && t->delay_ns != c->throttle_delay_ns) {
		bool first = c->throttle_delay_ns != 0 || now > c->thrash_until;

		c->throttle_delay_ns = t->delay_ns;
		if (first && now > c->thrash_until) {
			struct sched_stats *s = stats_of(id);
			if (s)
				__sync_fetch_and_add(&s->penalties, 1);
		}
		c->thrash_until = now + SCHED_THRASH_HOLD_NS;
	}
	if (pol && pol->pressure_permille >= SCHED_THRASH_PERMILLE && now < pol->pressure_expires_ns)
		return true;
	return now < c->thrash_until;
}

/* The cgroup's share of the CPU in SHARE_ONE units, the product of weight / active sibling
 * weights up the tree. */
static u64 share_of(u64 id, struct cgx *leaf, struct sched_policy *pol, bool thrash)
{
	u64 share = SHARE_ONE;
	u64 w = leaf->weight;

	if (pol && (pol->flags & SCHED_POLICY_IDLE))
		w = 1;
	else if (pol && pol->weight_pct)
		w = w * pol->weight_pct / 100;
	if (thrash)
		w = w * SCHED_THRASH_WEIGHT_PCT / 100;
	if (!w)
		w = 1;

	for (int i = 0; i < SCHED_POLICY_DEPTH + 8; i++) {
		struct cgx *c = cgx_of(id), *parent;
		s64 sum;

		if (!c || !c->parent_id)
			break;
		parent = cgx_of(c->parent_id);
		if (!parent)
			break;
		if (i > 0)
			w = c->weight ?: 1;
		sum = parent->child_wsum;
		if (parent->nr_runnable > 0)
			sum += 100; /* the parent's own tasks count as one child of weight 100 */
		if (sum < (s64)w)
			sum = w;
		share = share * w / (u64)sum;
		id = c->parent_id;
	}
	if (share < (SHARE_ONE >> SCHED_SHARE_FLOOR_SHIFT))
		share = SHARE_ONE >> SCHED_SHARE_FLOOR_SHIFT;
	return share;
}

static __always_inline struct taskx *taskx_of(struct task_struct *p)
{
	return bpf_task_storage_get(&tasks, p, 0, 0);
}

/* ---- ops ---- */

SEC("struct_ops/agc_select_cpu")
s32 BPF_PROG(agc_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	bool idle = false;
	s32 cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &idle);

	if (idle) {
		struct taskx *tx = taskx_of(p);
		struct sched_policy *pol = tx ? policy_of(tx->cgid) : NULL;

		if (tx) {
			tx->key = 0;
			tx->class = class_of(pol);
		}
		insert(p, SCX_DSQ_LOCAL, slice_of(pol), 0);
	}
	return cpu;
}

/* A CPU p may run on whose task ranks at least victim (see SCHED_RANK_IDLE), or -1. A unit
 * within its fair share (within_share) may take any of them; beyond it, only one whose task's
 * cgroup is ahead of p's (virtual time vt): the shared queue would have put that task after p
 * anyway, p only does not wait for the end of its slice. The first that qualifies: a search
 * for the best would carry state across the loop, which the verifier cannot prune. */
static s32 preemptible_cpu(struct task_struct *p, u32 victim, u64 vt, bool within_share)
{
	u32 n = bpf_ksym_exists(scx_bpf_nr_cpu_ids) ? scx_bpf_nr_cpu_ids() : MAX_CPUS;
	u32 zero = 0;

	for (u32 cpu = 0; cpu < MAX_CPUS && cpu < n; cpu++) {
		struct cpu_running *running = bpf_map_lookup_percpu_elem(&cpu_class, &zero, cpu);
		struct cgx *c;

		if (!running || running->class == SCHED_CLASS_NONE || running->class < victim ||
		    !bpf_cpumask_test_cpu(cpu, p->cpus_ptr))
			continue;
		if (within_share)
			return cpu;
		c = running->cgid ? cgx_of(running->cgid) : NULL;
		if (c && (s64)(c->vtime - vt) > 0)
			return cpu;
	}
	return -1;
}

SEC("struct_ops/agc_enqueue")
void BPF_PROG(agc_enqueue, struct task_struct *p, u64 enq_flags)
{
	struct taskx *tx = taskx_of(p);
	struct sched_policy *pol;
	struct cgx *c;
	u64 slice, allowance, vt;

	if (!tx || !(c = cgx_of(tx->cgid))) {
		insert_vtime(p, SHARED_DSQ, SCHED_DEFAULT_SLICE_NS, vtime_now, enq_flags);
		return;
	}
	pol = policy_of(tx->cgid);
	slice = slice_of(pol);
	tx->class = class_of(pol);
	/* A thrashing unit runs shorter slices: it mostly waits for memory anyway. */
	if (c->penalized) {
		slice /= 2;
		if (slice < SCHED_MIN_SLICE_NS)
			slice = SCHED_MIN_SLICE_NS;
	}

	/* Per-CPU kernel threads go straight to their CPU. */
	if ((BPF_CORE_READ(p, flags) & PF_KTHREAD) && BPF_CORE_READ(p, nr_cpus_allowed) == 1) {
		tx->key = 0;
		insert(p, SCX_DSQ_LOCAL, slice, enq_flags);
		return;
	}

	/* A cgroup that slept comes back at most its burst credit behind the current vtime. */
	allowance = pol && pol->burst_ns ? pol->burst_ns : slice;
	vt = c->vtime;
	if ((s64)(vt - (vtime_now - allowance)) < 0) {
		/* Only when clamping: a plain store could drop a charge another CPU just added. */
		__sync_val_compare_and_swap(&c->vtime, vt, vtime_now - allowance);
		vt = vtime_now - allowance;
	}

	/* A unit that wakes up goes straight to a CPU it may preempt and does: an interactive one
	 * to a CPU running anything less interactive, any other one to a CPU running an idle unit
	 * (CPUWeight=idle). Within its fair share (its burst credit included) any such CPU will
	 * do; beyond it, only one running a cgroup further ahead in virtual time, so it cannot
	 * starve the others. Otherwise it waits in the queue like everyone else. */
	if ((enq_flags & SCX_ENQ_WAKEUP) && (tx->class == 0 || (tx->class < SCHED_RANK_IDLE && nr_running_idle > 0))) {
		s32 cpu = preemptible_cpu(p, tx->class == 0 ? 1 : SCHED_RANK_IDLE, vt, (s64)(vt - vtime_now) <= 0);

		if (cpu >= 0) {
			struct sched_stats *s = stats_of(tx->cgid);

			if (s)
				__sync_fetch_and_add(&s->boosts, 1);
			tx->key = 0;
			insert(p, SCX_DSQ_LOCAL_ON | cpu, slice, enq_flags | SCX_ENQ_PREEMPT);
			return;
		}
	}
	tx->key = vt;
	insert_vtime(p, SHARED_DSQ, slice, vt, enq_flags);
}

/* The key (virtual time) of the first task waiting in dsq_id; false when none waits. A vtime
 * DSQ lists its tasks in key order, so the iterator's first task is the one peek returns. */
static bool first_waiting_key(u64 dsq_id, u64 *key)
{
	struct bpf_iter_scx_dsq___agc it;
	struct task_struct *head;
	bool found = false;

	if (bpf_ksym_exists(scx_bpf_dsq_peek)) {
		head = scx_bpf_dsq_peek(dsq_id);
		if (!head)
			return false;
		*key = BPF_CORE_READ((struct task_struct___agc *)head, scx.dsq_vtime);
		return true;
	}
	if (!bpf_ksym_exists(bpf_iter_scx_dsq_new))
		return false;
	if (bpf_iter_scx_dsq_new(&it, dsq_id, 0) == 0) {
		head = bpf_iter_scx_dsq_next(&it);
		if (head) {
			*key = BPF_CORE_READ((struct task_struct___agc *)head, scx.dsq_vtime);
			found = true;
		}
	}
	bpf_iter_scx_dsq_destroy(&it);
	return found;
}

/* Whether prev, whose slice ran out, should go on: its cgroup's virtual time, counting the run
 * not yet charged, is still below the key of the first waiting task. Without this a CPU always
 * switches to a waiting task, so a cgroup with as many tasks as CPUs could never get more than
 * its turn. */
static bool keep_running(struct task_struct *prev)
{
	struct task_struct___agc *p = (void *)prev;
	struct taskx *tx;
	struct cgx *c;
	u64 vt, share, slice, ran, head_key;

	if (!(BPF_CORE_READ(p, scx.flags) & SCX_TASK_QUEUED))
		return false;
	tx = taskx_of(prev);
	if (!tx || !tx->started_ns || !(c = cgx_of(tx->cgid)))
		return false;
	if (!first_waiting_key(SHARED_DSQ, &head_key))
		return false; /* nothing waits: the kernel keeps prev anyway */
	share = c->share ?: SHARE_ONE;
	ran = bpf_ktime_get_ns() - tx->started_ns;
	if (ran > MAX_CHARGE_NS)
		ran = MAX_CHARGE_NS;
	vt = c->vtime + ran * SHARE_ONE / share;
	if ((s64)(vt - head_key) > 0)
		return false;
	slice = slice_of(policy_of(tx->cgid));
	if (bpf_ksym_exists(scx_bpf_task_set_slice))
		scx_bpf_task_set_slice(prev, slice);
	else
		p->scx.slice = slice;
	return true;
}

SEC("struct_ops/agc_dispatch")
void BPF_PROG(agc_dispatch, s32 cpu, struct task_struct *prev)
{
	u32 zero = 0;
	struct sched_ctl *ctl = bpf_map_lookup_elem(&sched_ctl, &zero);

	if (ctl && ctl->inject_error) {
		static char fmt[] = "agentcgroup: error injected through sched_ctl (%d)";
		unsigned long long arg[1] = { ctl->inject_error };

		ctl->inject_error = 0;
		scx_bpf_error_bstr(fmt, arg, sizeof(arg));
		return;
	}
	if (prev && keep_running(prev))
		return;
	move_to_local(SHARED_DSQ);
}

SEC("struct_ops/agc_runnable")
void BPF_PROG(agc_runnable, struct task_struct *p, u64 enq_flags)
{
	struct taskx *tx = taskx_of(p);

	if (tx && !tx->counted) {
		tx->counted = 1;
		task_runnable_in(tx->cgid);
	}
}

SEC("struct_ops/agc_quiescent")
void BPF_PROG(agc_quiescent, struct task_struct *p, u64 deq_flags)
{
	struct taskx *tx = taskx_of(p);

	if (tx && tx->counted) {
		tx->counted = 0;
		task_quiescent_in(tx->cgid);
	}
}

SEC("struct_ops/agc_running")
void BPF_PROG(agc_running, struct task_struct *p)
{
	struct taskx *tx = taskx_of(p);
	u32 zero = 0;
	struct cpu_running *running = bpf_map_lookup_elem(&cpu_class, &zero);

	if (running) {
		running->class = tx ? tx->class : 1;
		running->cgid = tx ? tx->cgid : 0;
		if (running->class == SCHED_RANK_IDLE)
			__sync_fetch_and_add(&nr_running_idle, 1);
	}
	if (!tx)
		return;
	tx->started_ns = bpf_ktime_get_ns();
	/* Tasks leave the shared queue lowest key first, so the keys of the tasks that start
	 * running are the frontier of virtual time. */
	if (tx->key && (s64)(tx->key - vtime_now) > 0)
		vtime_now = tx->key;
}

SEC("struct_ops/agc_stopping")
void BPF_PROG(agc_stopping, struct task_struct *p, bool runnable)
{
	struct taskx *tx = taskx_of(p);
	u32 zero = 0;
	struct cpu_running *running = bpf_map_lookup_elem(&cpu_class, &zero);
	struct sched_policy *pol;
	struct sched_stats *s;
	struct cgx *c;
	u64 now, used, share;
	bool thrash;

	if (running) {
		if (running->class == SCHED_RANK_IDLE)
			__sync_fetch_and_sub(&nr_running_idle, 1);
		running->class = SCHED_CLASS_NONE;
		running->cgid = 0;
	}
	if (!tx || !tx->started_ns)
		return;
	c = cgx_of(tx->cgid);
	if (!c)
		return;
	now = bpf_ktime_get_ns();
	used = now - tx->started_ns;
	tx->started_ns = 0;
	/* A task the kernel kept running for hours would overflow used * SHARE_ONE. */
	if (used > MAX_CHARGE_NS)
		used = MAX_CHARGE_NS;

	pol = policy_of(tx->cgid);
	thrash = thrashing(tx->cgid, c, pol, now);
	if (!thrash && c->penalized) {
		/* The pressure is over: the extra virtual time the penalty charged is forgiven, or
		 * the unit would keep paying for it after it calmed down. */
		if ((s64)(c->vtime - vtime_now) > 0)
			c->vtime = vtime_now;
	}
	c->penalized = thrash;
	share = share_of(tx->cgid, c, pol, thrash);
	c->share = share;
	__sync_fetch_and_add(&c->vtime, used * SHARE_ONE / share);

	s = stats_of(tx->cgid);
	if (s) {
		__sync_fetch_and_add(&s->cpu_ns, used);
		if (thrash)
			__sync_fetch_and_add(&s->penalized_ns, used);
	}
}

SEC("struct_ops/agc_init_task")
s32 BPF_PROG(agc_init_task, struct task_struct *p, struct scx_init_task_args___agc *args)
{
	struct taskx *tx = bpf_task_storage_get(&tasks, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (!tx)
		return -12; /* -ENOMEM */
	tx->cgid = cgroup_id_of(args->cgroup);
	tx->counted = 0;
	tx->class = 1;
	return 0;
}

SEC("struct_ops/agc_exit_task")
void BPF_PROG(agc_exit_task, struct task_struct *p, struct scx_exit_task_args___agc *args)
{
	struct taskx *tx = taskx_of(p);

	if (tx && tx->counted) {
		tx->counted = 0;
		task_quiescent_in(tx->cgid);
	}
}

SEC("struct_ops/agc_cgroup_init")
s32 BPF_PROG(agc_cgroup_init, struct cgroup *cg, struct scx_cgroup_init_args___agc *args)
{
	struct cgx c = {};
	u64 id = cgroup_id_of(cg);
	int level = BPF_CORE_READ(cg, level);

	c.weight = args->weight ?: 100;
	c.level = level;
	if (level > 0) {
		struct cgroup *parent = NULL;
		struct cgx *pc;

		bpf_core_read(&parent, sizeof(parent), &cg->ancestors[level - 1]);
		if (parent)
			c.parent_id = BPF_CORE_READ(parent, kn, id);
		pc = cgx_of(c.parent_id);
		if (pc)
			c.vtime = pc->vtime > vtime_now ? pc->vtime : vtime_now;
	}
	if (!c.vtime)
		c.vtime = vtime_now;
	/* The pinned throttle map keeps its counts across loads: what is there is history. */
	{
		struct memcg_throttle *t = bpf_map_lookup_elem(&memcg_throttle, &id);

		if (t)
			c.throttle_delay_ns = t->delay_ns;
	}
	bpf_map_update_elem(&cgroups, &id, &c, BPF_ANY);
	return 0;
}

SEC("struct_ops/agc_cgroup_exit")
void BPF_PROG(agc_cgroup_exit, struct cgroup *cg)
{
	u64 id = cgroup_id_of(cg);
	struct cgx *c = cgx_of(id);

	/* The kernel takes a cgroup offline once it is unpopulated, which can be before its last
	 * dying task was scheduled out: take back what it added to its parent now, or the
	 * parent's sums would keep it for good. */
	if (c && (c->nr_runnable > 0 || c->nr_active_children > 0)) {
		c->nr_runnable = 0;
		c->nr_active_children = 0;
		deactivate(id);
	}
	bpf_map_delete_elem(&cgroups, &id);
	bpf_map_delete_elem(&sched_stats, &id);
}

SEC("struct_ops/agc_cgroup_set_weight")
void BPF_PROG(agc_cgroup_set_weight, struct cgroup *cg, u32 weight)
{
	u64 id = cgroup_id_of(cg);
	struct cgx *c = cgx_of(id);

	if (!c)
		return;
	c->weight = weight ?: 1;
	if (c->contrib && c->parent_id) {
		struct cgx *parent = cgx_of(c->parent_id);

		if (parent && (c->nr_runnable > 0 || c->nr_active_children > 0)) {
			__sync_fetch_and_add(&parent->child_wsum, (s64)c->weight - (s64)c->contrib);
			c->contrib = c->weight;
		}
	}
}

SEC("struct_ops/agc_cgroup_move")
void BPF_PROG(agc_cgroup_move, struct task_struct *p, struct cgroup *from, struct cgroup *to)
{
	struct taskx *tx = taskx_of(p);
	u64 to_id = cgroup_id_of(to);

	if (!tx || tx->cgid == to_id)
		return;
	if (tx->counted) {
		task_quiescent_in(tx->cgid);
		task_runnable_in(to_id);
	}
	tx->cgid = to_id;
}

SEC("struct_ops.s/agc_init")
s32 BPF_PROG(agc_init)
{
	return scx_bpf_create_dsq(SHARED_DSQ, -1);
}

SEC("struct_ops/agc_exit")
void BPF_PROG(agc_exit, struct scx_exit_info___agc *ei)
{
	struct sched_exit_event *e;

	exit_event.kind = BPF_CORE_READ(ei, kind);
	/* exit_cpu came with 6.17; -1 where the kernel does not say. */
	exit_event.exit_cpu = bpf_core_field_exists(ei->exit_cpu) ? BPF_CORE_READ(ei, exit_cpu) : -1;
	exit_event.exit_code = BPF_CORE_READ(ei, exit_code);
	bpf_probe_read_kernel_str(exit_event.reason, sizeof(exit_event.reason), BPF_CORE_READ(ei, reason));
	bpf_probe_read_kernel_str(exit_event.msg, sizeof(exit_event.msg), BPF_CORE_READ(ei, msg));

	e = bpf_ringbuf_reserve(&sched_events, sizeof(*e), 0);
	if (e) {
		__builtin_memcpy(e, &exit_event, sizeof(*e));
		bpf_ringbuf_submit(e, 0);
	}
}

/* ---- the two variants ---- */

struct sched_ext_ops___agc {
	s32 (*select_cpu)(struct task_struct *, s32, u64);
	void (*enqueue)(struct task_struct *, u64);
	void (*dispatch)(s32, struct task_struct *);
	void (*runnable)(struct task_struct *, u64);
	void (*running)(struct task_struct *);
	void (*stopping)(struct task_struct *, bool);
	void (*quiescent)(struct task_struct *, u64);
	s32 (*init_task)(struct task_struct *, struct scx_init_task_args___agc *);
	void (*exit_task)(struct task_struct *, struct scx_exit_task_args___agc *);
	s32 (*cgroup_init)(struct cgroup *, struct scx_cgroup_init_args___agc *);
	void (*cgroup_exit)(struct cgroup *);
	void (*cgroup_move)(struct task_struct *, struct cgroup *, struct cgroup *);
	void (*cgroup_set_weight)(struct cgroup *, u32);
	s32 (*init)(void);
	void (*exit)(struct scx_exit_info___agc *);
	u64 flags;
	u32 timeout_ms;
	char name[128];
} __attribute__((preserve_access_index));

#define AGC_OPS(var, ops_flags)                                         \
	SEC(".struct_ops.link")                                         \
	struct sched_ext_ops___agc var = {                              \
		.select_cpu = (void *)agc_select_cpu,                   \
		.enqueue = (void *)agc_enqueue,                         \
		.dispatch = (void *)agc_dispatch,                       \
		.runnable = (void *)agc_runnable,                       \
		.running = (void *)agc_running,                         \
		.stopping = (void *)agc_stopping,                       \
		.quiescent = (void *)agc_quiescent,                     \
		.init_task = (void *)agc_init_task,                     \
		.exit_task = (void *)agc_exit_task,                     \
		.cgroup_init = (void *)agc_cgroup_init,                 \
		.cgroup_exit = (void *)agc_cgroup_exit,                 \
		.cgroup_move = (void *)agc_cgroup_move,                 \
		.cgroup_set_weight = (void *)agc_cgroup_set_weight,     \
		.init = (void *)agc_init,                               \
		.exit = (void *)agc_exit,                               \
		.flags = (ops_flags),                                   \
		.timeout_ms = 10000,                                    \
		.name = "agentcgroup",                                  \
	}

AGC_OPS(agentcgroup_full, 0);
AGC_OPS(agentcgroup_partial, SCX_OPS_SWITCH_PARTIAL);
