/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>
#include <stdio.h>

typedef struct Manager Manager;
typedef struct TrackedUnit TrackedUnit;

/* Prometheus metrics of the daemon and its units, in the text exposition format: printed on
 * request (GetMetrics(), "agentcgroupctl metrics") and, with [Manager] MetricsFile=, written for
 * node_exporter's textfile collector once per MetricsIntervalSec=, through a temporary file
 * renamed over the old one so the collector never reads half of it.
 *
 * Cardinality stays bounded: units below a managed slice (tool calls in a session) are summed
 * into the series of their topmost managed slice, unless MetricsPerToolCall=yes. */

/* The reaction times the histogram keeps, by kind of call to PID 1. */
typedef enum MetricsOp {
        METRICS_OP_KILL,
        METRICS_OP_THAW,
        METRICS_OP_FREEZE,
        METRICS_OP_MEMORY_HIGH,
        _METRICS_OP_MAX,
} MetricsOp;

/* What woke the memory evaluation: the kernel events it counts, by source. */
typedef enum MemWakeSource {
        MEM_WAKE_UNIT_EVENTS,     /* a unit's memory.events.local */
        MEM_WAKE_UNIT_PRESSURE,   /* a unit's PSI trigger */
        MEM_WAKE_DOMAIN_EVENTS,   /* a managed slice's (domain's) memory.events.local */
        MEM_WAKE_DOMAIN_PRESSURE,
        _MEM_WAKE_MAX,
} MemWakeSource;

int metrics_setup(Manager *m);
void metrics_free(Manager *m);
/* A new configuration: starts, moves or stops the file writer. */
void metrics_config_changed(Manager *m);
/* Every metric, as of now. 0, or a negative errno. */
int metrics_write(Manager *m, FILE *f);
/* PID 1 confirmed an action usec after the kernel event (or decision) that led to it. */
void metrics_observe_reaction(Manager *m, MetricsOp op, uint64_t usec);
/* u is about to go, or to leave the managed slices: its counts stay in the series it is summed
 * into, so that series' counters never go down. */
void metrics_unit_retired(TrackedUnit *u);
