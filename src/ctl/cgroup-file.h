/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* cgroupfs files as agentcgroupctl reads them (it only reads, never writes). The parsers take
 * the file's text and are pure; cgroup_read_*() read the file first. */

#define CGROUP_FS_ROOT "/sys/fs/cgroup"

/* The number of the first "KEY NUMBER" line: cpu.stat, memory.events. -ENOENT without KEY,
 * -EINVAL when its value is not a number. */
int cgroup_text_key(const char *text, const char *key, uint64_t *ret);
/* One number, or "max" as UINT64_MAX, and a newline: memory.current, memory.high, memory.max,
 * memory.peak. */
int cgroup_text_value(const char *text, uint64_t *ret);
/* avg10 of the "some" line of a pressure file (memory.pressure): the percentage of the last 10 s
 * in which some task stalled. */
int cgroup_text_pressure_some_avg10(const char *text, double *ret);

/* FILE in the cgroup directory DIR (a path below CGROUP_FS_ROOT), NUL-terminated in buf; a
 * longer file is cut. -errno. */
int cgroup_file_read(const char *dir, const char *file, char *buf, size_t size);
int cgroup_read_key(const char *dir, const char *file, const char *key, uint64_t *ret);
int cgroup_read_value(const char *dir, const char *file, uint64_t *ret);
