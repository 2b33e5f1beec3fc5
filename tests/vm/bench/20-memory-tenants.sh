#!/bin/bash
# Three-tenants benchmark (the memory-enforcement issue's scenario; reports numbers, fails only
# if it cannot measure). HIGH replays pre-commit-2524 (bursts to ~1.9 GB), LOW1 dask-11628 and
# LOW2 faker-1520, at 50x, each in a scope of its own slice in agent.slice (MemoryMax=2000M);
# the LOW tenants start during HIGH's burst (lib-agentcgroup.sh: TENANT_LOW_START_MB).
# Arms, interleaved in each run: alone (HIGH only, no daemon), none (all three, no daemon),
# static (no daemon, each tenant MemoryMax= a third of the budget), high (no daemon, each
# tenant MemoryHigh= a third of the budget: the kernel's throttling alone),
# agentcgroup (all three, daemon with the tenant profiles of lib-agentcgroup.sh and
# Scheduler=off: the mainline memory path), scx (the same with Scheduler=full: the daemon's
# sched_ext scheduler too, skipped without sched_ext), cpu (all
# three, no daemon, LOW tenants without their memory: the CPU contention alone, a bound for any
# memory policy in this VM). Modes: no
# swap, and 1 GiB of zram swap (the tenants then write incompressible pages, --fill random).
# Kernel command line: agentcgroup.bench_runs=N (default 10), agentcgroup.bench_swap=both|no|zram,
# agentcgroup.bench_arms=ARM,ARM... (default all).
# Output: a RUN line per run, RESULT summaries, RAW lines (HIGH's allocation latencies and
# times of the runs where HIGH finished) for tools/bench's CDF plots.
# timeout: 5400
# mem: 3072
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

# agent.slice gets 2000M: the VM needs room besides it (the root file system is in RAM).
need_vm_mem 3072

tenants_bench_params
tenants_bench_setup "speed=$TENANT_SPEED budget=$TENANT_BUDGET high=$TENANT_TRACE_high low1=$TENANT_TRACE_low1 low2=$TENANT_TRACE_low2"
tenants_bench /tmp/bench20
