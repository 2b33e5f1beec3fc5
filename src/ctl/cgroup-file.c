/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup-file.h"
#include "macro.h"
#include "parse-util.h"

/* The number at p, the rest of the line. */
static int parse_token(const char *p, uint64_t *ret) {
        char buf[32];
        size_t n = strcspn(p, "\n");

        if (n == 0 || n >= sizeof buf)
                return -EINVAL;
        memcpy(buf, p, n);
        buf[n] = '\0';
        return parse_uint64(buf, ret);
}

int cgroup_text_key(const char *text, const char *key, uint64_t *ret) {
        size_t k = strlen(key);

        for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
                if (strneq(p, key, k) && p[k] == ' ')
                        return parse_token(p + k + 1, ret);
        return -ENOENT;
}

int cgroup_text_value(const char *text, uint64_t *ret) {
        size_t n = strcspn(text, "\n");

        /* One line: anything after it is not a file of one value. */
        if (text[n] == '\n' && text[n + 1] != '\0')
                return -EINVAL;
        if (n == 3 && strneq(text, "max", 3)) {
                *ret = UINT64_MAX;
                return 0;
        }
        return parse_token(text, ret);
}

int cgroup_text_pressure_some_avg10(const char *text, double *ret) {
        const char *p;
        char *end;
        double v;

        if (!strneq(text, "some ", 5))
                return -EINVAL;
        p = strstr(text, " avg10=");
        if (!p || p > text + strcspn(text, "\n"))
                return -EINVAL;
        p += strlen(" avg10=");
        if (*p < '0' || *p > '9')
                return -EINVAL;
        errno = 0;
        v = strtod(p, &end);
        if (errno != 0 || end == p || !strchr(" \n", *end) || !isfinite(v))
                return -EINVAL;
        *ret = v;
        return 0;
}

int cgroup_file_read(const char *dir, const char *file, char *buf, size_t size) {
        _cleanup_(freep) char *path = asprintf_safe("%s/%s", dir, file);
        _cleanup_(closep) int fd = -EBADF;
        ssize_t n;

        if (!path)
                return -ENOMEM;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        n = read(fd, buf, size - 1);
        if (n < 0)
                return negative_errno();
        buf[n] = '\0';
        return 0;
}

int cgroup_read_key(const char *dir, const char *file, const char *key, uint64_t *ret) {
        char buf[4096];
        int r;

        r = cgroup_file_read(dir, file, buf, sizeof buf);
        return r < 0 ? r : cgroup_text_key(buf, key, ret);
}

int cgroup_read_value(const char *dir, const char *file, uint64_t *ret) {
        char buf[64];
        int r;

        r = cgroup_file_read(dir, file, buf, sizeof buf);
        return r < 0 ? r : cgroup_text_value(buf, ret);
}
