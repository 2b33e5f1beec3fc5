/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "manager-format.h"

/* "agentcgroupctl top": one frame of the live view, in the spirit of systemd-cgtop. Pure: the
 * units as read (D-Bus and cgroupfs) in, ordered lines or JSON out, so it is tested without a
 * bus or a terminal. */

typedef enum TopOrder {
        TOP_ORDER_UNIT,         /* by name */
        TOP_ORDER_MEMORY,       /* memory.current, largest first */
        TOP_ORDER_CPU,          /* CPU share since the last refresh, largest first */
        TOP_ORDER_PRESSURE,     /* memory pressure, highest first */
        _TOP_ORDER_MAX,
        _TOP_ORDER_INVALID = -EINVAL,
} TopOrder;

const char *top_order_to_string(TopOrder o);
TopOrder top_order_from_string(const char *s);
/* The key that switches to the order in the interactive view: 'u', 'm', 'c', 'p'. */
TopOrder top_order_from_key(int key);

/* What the unit's cgroup directory said at one refresh. A field is only valid with its has_. */
typedef struct TopSample {
        bool has_current, has_high, has_max, has_avg10, has_usage;
        uint64_t current;       /* memory.current */
        uint64_t high, max;     /* memory.high, memory.max; UINT64_MAX: "max" */
        double avg10;           /* memory.pressure "some" avg10, percent */
        uint64_t usage_usec;    /* cpu.stat usage_usec */
} TopSample;

/* One managed unit: ListUnits() and ListUnitStates() (the strings are borrowed), its cgroup,
 * and its CPU share. */
typedef struct TopUnit {
        UnitRow row;
        TopSample sample;
        double cpu_percent;     /* of one CPU since the last refresh; NAN: not known (first refresh) */
} TopUnit;

/* CPU time used between two readings of usage_usec, as a percentage of one CPU over the wall
 * time between them (monotonic microseconds); NAN when it cannot be told (no time passed, or
 * a counter that went back: another cgroup of the same name). */
double top_cpu_percent(uint64_t usage_before, uint64_t usage_now, uint64_t time_before, uint64_t time_now);

/* The values shown: cgroupfs's when it could be read, else the daemon's (memory.current it
 * last sampled, the memory.high its policy set, its StallPercent). */
/* UINT64_MAX: not known. */
uint64_t top_unit_memory(const TopUnit *u);
/* false: not known; *ret UINT64_MAX: no limit ("max"). */
bool top_unit_memory_high(const TopUnit *u, uint64_t *ret);
bool top_unit_memory_max(const TopUnit *u, uint64_t *ret);
/* Percent; NAN: not known. */
double top_unit_pressure(const TopUnit *u);

/* A unit in the order shown. */
typedef struct TopLine {
        size_t index;           /* into the units */
        unsigned depth;         /* 0, or how many managed slices above it are shown above it */
} TopLine;

/* The units as a tree: each unit under the managed slice it sits in (row.slice), the units
 * of one parent ordered by order (then by name), every unit once. ret has n lines. */
int top_units_order(const TopUnit *units, size_t n, TopOrder order, TopLine **ret);

/* One refresh. */
typedef struct TopFrame {
        const char *version;            /* of agentcgroupd */
        uint64_t realtime_usec;         /* when it was read */
        TopOrder order;
        const TopUnit *units;
        size_t n_units;
} TopFrame;

/* The frame as text lines, without newlines: a title (daemon version, unit counts by type and
 * state, order, local time), an empty line, the column headers UNIT PROFILE STATE MEM HIGH MAX
 * PSI CPU% LAST ACTION, then a line per unit in lines order, the unit names indented two
 * spaces per depth. *ret_lines is a strv. */
int top_frame_format(const TopFrame *f, const TopLine *lines, char ***ret_lines);
#define TOP_FRAME_HEADER_LINES 3        /* the title, an empty line, the column headers */

/* {timestamp, version, order, units: [{unit, type, slice, parent, depth, profile, state,
 * memory_current, memory_high, memory_max, memory_pressure, stall_percent, cpu_percent,
 * last_action, last_reason}]} in lines order. Bytes are numbers, "max" for no limit; what is
 * not known is null. */
int top_frame_to_json(const TopFrame *f, const TopLine *lines, json_object **ret);
