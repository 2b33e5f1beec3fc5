/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parsers for configuration values. Pure: no I/O, negative errno on bad input. */

typedef enum SizeKind {
        SIZE_UNSET = 0,
        SIZE_BYTES,
        SIZE_PERCENT,   /* relative to physical memory, resolved where that is known */
        SIZE_INFINITY,
} SizeKind;

typedef struct SizeSpec {
        SizeKind kind;
        uint64_t value; /* bytes, or basis points (1/100 of a percent) for SIZE_PERCENT */
} SizeSpec;

/* "512M", "1.5G", "4096", "infinity", "25%" (binary units K M G T P E, optional trailing B). */
int parse_size_spec(const char *s, SizeSpec *ret);
/* Bytes for a spec; UINT64_MAX for infinity. physical_memory is used for percentages. */
uint64_t size_spec_resolve(const SizeSpec *spec, uint64_t physical_memory);
/* Writes a human form ("512M", "25%", "infinity") into buf. */
const char *size_spec_to_string(const SizeSpec *spec, char *buf, size_t n);

/* CPUWeight=idle: the cgroup's cpu.idle, below every weight (systemd >= 252). Kept apart from the
 * numbers; on the bus systemd writes it as 0 (CPU_WEIGHT_BUS_IDLE). */
#define CPU_WEIGHT_IDLE UINT64_MAX
#define CPU_WEIGHT_BUS_IDLE UINT64_C(0)
/* CPUWeight=: 1..10000, as systemd accepts, or "idle" (CPU_WEIGHT_IDLE). */
int parse_cpu_weight(const char *s, uint64_t *ret);
/* A set weight as written in the configuration ("idle" or the number), in buf or static. */
const char *cpu_weight_to_string(uint64_t w, char *buf, size_t n);
/* TasksMax=: a positive number or "infinity" (UINT64_MAX). */
int parse_tasks_max(const char *s, uint64_t *ret);
int parse_boolean(const char *s);
/* "500ms", "2s", "1min 30s", "1h"; a bare number is seconds. Result in microseconds. */
int parse_duration(const char *s, uint64_t *ret_usec);
int parse_uint64(const char *s, uint64_t *ret);
