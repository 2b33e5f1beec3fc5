/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <grp.h>
#include <stdlib.h>

#include "access.h"
#include "conf.h"
#include "macro.h"

bool caller_is_admin(const CallerCreds *c, gid_t admin_gid) {
        if (c->euid == 0)
                return true;
        if (admin_gid == GID_INVALID)
                return false;
        if (c->egid == admin_gid)
                return true;
        for (size_t i = 0; i < c->n_gids; i++)
                if (c->gids[i] == admin_gid)
                        return true;
        return false;
}

int parse_gid(const char *s, gid_t *ret) {
        unsigned long long v;
        char *end;

        if (isempty(s) || s[0] < '0' || s[0] > '9')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        /* (gid_t) -1 is "no group" to the kernel's setgid() and chown(). */
        if (errno != 0 || *end != '\0' || v >= (unsigned long long) GID_INVALID)
                return -EINVAL;
        if (ret)
                *ret = (gid_t) v;
        return 0;
}

int group_resolve(const char *name, gid_t *ret) {
        struct group gr, *result = NULL;
        char buf[4096];
        int r;

        if (parse_gid(name, ret) >= 0)
                return 0;
        if (!user_name_is_valid(name))
                return -EINVAL;
        r = getgrnam_r(name, &gr, buf, sizeof buf, &result);
        if (r != 0)
                return -r;
        if (!result)
                return -ENOENT;
        *ret = result->gr_gid;
        return 0;
}
