/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroup-util.h"
#include "macro.h"
#include "parse-util.h"
#include "strv.h"
#include "unit-name.h"

int cgroup_owner_uid(const char *control_group, uid_t *ret) {
        _cleanup_(freep) char *path = NULL, *line = NULL;
        _cleanup_(fclosep) FILE *f = NULL;
        char status[64];
        size_t size = 0;
        pid_t pid;

        if (isempty(control_group) || control_group[0] != '/' || strstr(control_group, "/../"))
                return -EINVAL;
        path = asprintf_safe("%s%s/cgroup.procs", CGROUP_ROOT, control_group);
        if (!path)
                return -ENOMEM;
        f = fopen(path, "re");
        if (!f)
                return negative_errno();
        if (fscanf(f, "%d", &pid) != 1)
                return -ENOENT;
        fclose(TAKE_PTR(f));

        snprintf(status, sizeof status, "/proc/%d/status", (int) pid);
        f = fopen(status, "re");
        if (!f)
                return negative_errno();
        while (getline(&line, &size, f) > 0) {
                unsigned uid;

                if (sscanf(line, "Uid:\t%u", &uid) == 1) {
                        *ret = (uid_t) uid;
                        return 0;
                }
        }
        return -ENOENT;
}

int slice_owner_uid(const char *slice, uid_t *ret) {
        _cleanup_strv_free_ char **ancestors = NULL;
        int r;

        if (!slice)
                return -ENOENT;
        r = slice_name_ancestors(slice, &ancestors);
        if (r < 0)
                return r;
        STRV_FOREACH(a, ancestors) {
                unsigned uid;
                char tail[16];

                /* user-1000.slice, as logind names them */
                if (sscanf(*a, "user-%u.%15s", &uid, tail) == 2 && streq(tail, "slice")) {
                        *ret = (uid_t) uid;
                        return 0;
                }
        }
        return -ENOENT;
}

uint64_t physical_memory(void) {
        long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

        if (pages <= 0 || size <= 0)
                return UINT64_MAX;
        return (uint64_t) pages * (uint64_t) size;
}

int cg_read_small_file_at(int dirfd, const char *name, char *buf, size_t size) {
        _cleanup_(closep) int fd = -EBADF;
        ssize_t n;

        fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        n = read(fd, buf, size - 1);
        if (n < 0)
                return -errno;
        buf[n] = 0;
        return 0;
}

int cg_read_u64_at(int dirfd, const char *name, uint64_t *ret) {
        char buf[64];
        int r;

        r = cg_read_small_file_at(dirfd, name, buf, sizeof buf);
        if (r < 0)
                return r;
        if (strneq(buf, "max", 3)) {
                *ret = UINT64_MAX;
                return 0;
        }
        return parse_uint64(strstrip(buf), ret);
}
