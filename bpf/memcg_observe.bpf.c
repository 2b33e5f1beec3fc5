// SPDX-License-Identifier: GPL-2.0-only
/*
 * memcg_observe: counts memory.high throttling per cgroup.
 *
 * The kernel calls __mem_cgroup_handle_over_high() on the way back to user space (and from the
 * charge path for large overages) when a task charged pages above memory.high of its memcg or an
 * ancestor. It reclaims and, if the overage stays, sleeps the task (the penalty, capped at 2 s).
 * fentry records the pages the task was over (current->memcg_nr_pages_over_high, reset to 0
 * inside the function) and the time; fexit adds one episode, the pages and the time the task
 * spent in the function (reclaim + penalty sleep) to the entry of the task's cgroup.
 *
 * Map throttle_events: key = cgroup v2 id of the task (bpf_get_current_cgroup_id(), the same
 * number systemd reports as ControlGroupId and the inode number of the cgroup directory),
 * value = struct memcg_throttle. Readers may delete entries of cgroups that are gone; the map is
 * an LRU hash so stale entries cannot fill it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

struct memcg_throttle {
	__u64 events;       /* calls with pages over high (throttling episodes) */
	__u64 pages;        /* sum of the pages over high at entry */
	__u64 delay_ns;     /* time spent in the handler: reclaim plus penalty sleep */
	__u64 max_delay_ns; /* longest single episode */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct memcg_throttle);
} throttle_events SEC(".maps");

struct episode {
	__u64 start_ns;
	__u64 pages;
};

/* In-flight episodes, keyed by thread id (a task is in the handler at most once). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct episode);
} inflight SEC(".maps");

SEC("fentry/__mem_cgroup_handle_over_high")
int BPF_PROG(memcg_over_high_enter, gfp_t gfp_mask)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct episode ep = {};
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	ep.pages = BPF_CORE_READ(task, memcg_nr_pages_over_high);
	if (!ep.pages)
		return 0; /* nothing over high: the handler returns at once */
	ep.start_ns = bpf_ktime_get_ns();
	bpf_map_update_elem(&inflight, &tid, &ep, BPF_ANY);
	return 0;
}

SEC("fexit/__mem_cgroup_handle_over_high")
int BPF_PROG(memcg_over_high_exit, gfp_t gfp_mask)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct memcg_throttle *t, zero = {};
	struct episode *ep;
	__u64 cgid, delay;

	ep = bpf_map_lookup_elem(&inflight, &tid);
	if (!ep)
		return 0;
	delay = bpf_ktime_get_ns() - ep->start_ns;
	cgid = bpf_get_current_cgroup_id();

	t = bpf_map_lookup_elem(&throttle_events, &cgid);
	if (!t) {
		bpf_map_update_elem(&throttle_events, &cgid, &zero, BPF_NOEXIST);
		t = bpf_map_lookup_elem(&throttle_events, &cgid);
	}
	if (t) {
		__sync_fetch_and_add(&t->events, 1);
		__sync_fetch_and_add(&t->pages, ep->pages);
		__sync_fetch_and_add(&t->delay_ns, delay);
		if (delay > t->max_delay_ns)
			t->max_delay_ns = delay; /* racy by design: a lost maximum is harmless */
	}
	bpf_map_delete_elem(&inflight, &tid);
	return 0;
}
