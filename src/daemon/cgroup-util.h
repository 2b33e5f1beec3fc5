/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>
#include <sys/types.h>

/* Reading cgroupfs and /proc. agentcgroupd only reads files of cgroups systemd owns. */

#define CGROUP_ROOT "/sys/fs/cgroup"

/* The real UID of the first process in the cgroup (systemd's ControlGroup path), or -ENOENT for
 * an empty cgroup (slices hold no processes). */
int cgroup_owner_uid(const char *control_group, uid_t *ret);
/* From a "user-UID.slice" among the slices the unit sits in; -ENOENT if there is none. */
int slice_owner_uid(const char *slice, uid_t *ret);
uint64_t physical_memory(void);
/* A small file below dirfd (or an absolute path), NUL-terminated in buf. */
int cg_read_small_file_at(int dirfd, const char *name, char *buf, size_t size);
/* A number, or "max" as UINT64_MAX (memory.max, memory.low, memory.current, ...). */
int cg_read_u64_at(int dirfd, const char *name, uint64_t *ret);
