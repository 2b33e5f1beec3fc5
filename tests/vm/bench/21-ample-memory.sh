#!/bin/bash
# Ample-memory benchmark: the three tenants of 20-memory-tenants (HIGH pre-commit-2524 bursting
# to ~1.9 GB, LOW1 dask-11628 and LOW2 faker-1520 started during HIGH's burst, all at 50x), but
# agent.slice has MemoryMax=3000M, more than their peaks together (~2.5 GB), and no swap: nothing
# needs to be taken from anybody. What is left is tail latency: what each arm costs HIGH when
# memory is not short (the daemon should do nothing; static limits still cut HIGH to a third).
# Arms as in 20-memory-tenants (lib-agentcgroup.sh: tenants_run; static and high give each
# tenant 1000M). Kernel command line: agentcgroup.bench_runs=N (default 10),
# agentcgroup.bench_arms=ARM,ARM... (default all); one mode, no swap.
# Output: RUN, RESULT and RAW lines as in 20-memory-tenants (lib-tenants.py).
# timeout: 5400
# mem: 4096
. /usr/lib/agentcgroup-tests/lib.sh
. /usr/lib/agentcgroup-tests/lib-agentcgroup.sh

need_vm_mem 4096
BENCH_SMOKE_ARMS=none,agentcgroup   # tools/bench --smoke: that it measures
TENANT_BUDGET=3000M
tenants_bench_params no
tenants_bench_setup "speed=$TENANT_SPEED budget=$TENANT_BUDGET high=$TENANT_TRACE_high low1=$TENANT_TRACE_low1 low2=$TENANT_TRACE_low2"
tenants_bench /tmp/bench21
