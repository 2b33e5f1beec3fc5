/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Who may change things through the daemon's D-Bus API: root, and the members of AdminGroup=.
 * The decision is pure (credentials in, yes or no out) so that it is tested without a bus;
 * the credentials come from the bus, never from a method's arguments. */

#define GID_INVALID ((gid_t) -1)

typedef struct CallerCreds {
        uid_t euid;
        gid_t egid;             /* GID_INVALID: not known */
        const gid_t *gids;      /* supplementary groups */
        size_t n_gids;
} CallerCreds;

/* True for EUID 0, and for a caller whose effective or one of whose supplementary groups is
 * admin_gid (GID_INVALID: there is no admin group, root only). */
bool caller_is_admin(const CallerCreds *c, gid_t admin_gid);

/* A numeric GID ("1000"), 0 to 4294967294: 0, or -EINVAL when s is not one. */
int parse_gid(const char *s, gid_t *ret);

/* AdminGroup= to a GID: a numeric GID as is, a name through the system's group database.
 * -ENOENT when there is no such group, -EINVAL when name is not a valid group name. */
int group_resolve(const char *name, gid_t *ret);
