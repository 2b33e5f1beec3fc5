/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "state-record.h"

static char *record_path(Manager *m, const char *kind, const char *unit) {
        return asprintf_safe("%s/%s/%s", m->state_dir, kind, unit);
}

char *state_record_prepare(Manager *m, const char *kind, const char *unit) {
        _cleanup_(freep) char *dir = asprintf_safe("%s/%s", m->state_dir, kind);

        if (!dir)
                return NULL;
        (void) mkdir(m->state_dir, 0755);
        (void) mkdir(dir, 0755);
        return record_path(m, kind, unit);
}

bool state_record_exists(Manager *m, const char *kind, const char *unit) {
        _cleanup_(freep) char *p = record_path(m, kind, unit);

        return p && access(p, F_OK) == 0;
}

void state_record_remove(Manager *m, const char *kind, const char *unit) {
        _cleanup_(freep) char *p = record_path(m, kind, unit);

        if (p && unlink(p) < 0 && errno != ENOENT)
                log_unit_warning_errno(unit, -errno, "Failed to remove %s: %m", p);
}

int state_record_open_dir(Manager *m, const char *kind, char **ret_path, DIR **ret_dir) {
        char *dir = asprintf_safe("%s/%s", m->state_dir, kind);

        *ret_path = dir;
        *ret_dir = NULL;
        if (!dir)
                return log_oom();
        *ret_dir = opendir(dir);
        if (!*ret_dir)
                return errno == ENOENT ? 0 : log_warning_errno(-errno, "Failed to read %s: %m", dir);
        return 1;
}
