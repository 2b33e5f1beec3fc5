/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

#include "log.h"
#include "strv.h"

static int max_level = LOG_INFO;
static bool to_journal = false;
static const char *log_identifier = "agentcgroup";

static const char * const level_names[] = {
        [LOG_EMERG] = "emerg", [LOG_ALERT] = "alert", [LOG_CRIT] = "crit", [LOG_ERR] = "err",
        [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice", [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

int log_level_from_string(const char *s) {
        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(level_names); i++)
                if (streq(s, level_names[i]))
                        return (int) i;
        if (streq(s, "error"))
                return LOG_ERR;
        if (streq(s, "warn"))
                return LOG_WARNING;
        return -EINVAL;
}

const char *log_level_to_string(int level) {
        if (level < 0 || (size_t) level >= ELEMENTSOF(level_names))
                return NULL;
        return level_names[level];
}

/* systemd sets $JOURNAL_STREAM to "dev:inode" of the stream it connected stderr to. */
static bool stderr_is_journal(void) {
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
                return false;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return st.st_dev == dev && st.st_ino == ino;
}

void log_setup(const char *identifier, LogTarget target) {
        if (identifier)
                log_identifier = identifier;
        to_journal = target == LOG_TARGET_JOURNAL || (target == LOG_TARGET_AUTO && stderr_is_journal());
}

void log_set_max_level(int level) {
        max_level = level;
}

int log_get_max_level(void) {
        return max_level;
}

static int journal_send(int level, int error, const char *file, int line, const char *func,
                        const char *unit, const char *message_id, char * const *extra, const char *msg) {
        _cleanup_strv_free_ char **fields = NULL;
        struct iovec iov[32];
        size_t n = 0;
        char buf[64];
        int r;

        /* Like systemd's unit log lines: the unit leads the message, and is a field too. */
        r = strv_consume(&fields, unit ? asprintf_safe("MESSAGE=%s: %s", unit, msg) : asprintf_safe("MESSAGE=%s", msg));
        if (r >= 0)
                snprintf(buf, sizeof buf, "PRIORITY=%i", level), r = strv_extend(&fields, buf);
        if (r >= 0)
                r = strv_consume(&fields, asprintf_safe("SYSLOG_IDENTIFIER=%s", log_identifier));
        if (r >= 0)
                r = strv_consume(&fields, asprintf_safe("CODE_FILE=%s", file));
        if (r >= 0)
                snprintf(buf, sizeof buf, "CODE_LINE=%i", line), r = strv_extend(&fields, buf);
        if (r >= 0)
                r = strv_consume(&fields, asprintf_safe("CODE_FUNC=%s", func));
        if (r >= 0 && error != 0)
                snprintf(buf, sizeof buf, "ERRNO=%i", abs(error)), r = strv_extend(&fields, buf);
        if (r >= 0 && unit)
                r = strv_consume(&fields, asprintf_safe("AGENTCGROUP_UNIT=%s", unit));
        if (r >= 0 && message_id)
                r = strv_consume(&fields, asprintf_safe("MESSAGE_ID=%s", message_id));
        STRV_FOREACH(f, extra)
                if (r >= 0)
                        r = strv_extend(&fields, *f);
        if (r < 0)
                return r;

        STRV_FOREACH(f, fields) {
                if (n >= ELEMENTSOF(iov))
                        break;
                iov[n++] = (struct iovec) { .iov_base = *f, .iov_len = strlen(*f) };
        }
        return sd_journal_sendv(iov, (int) n);
}

int log_internal(int level, int error, const char *file, int line, const char *func,
                 const char *unit, const char *message_id, char * const *extra,
                 const char *format, ...) {
        int saved_errno = errno;
        char msg[2048];
        va_list ap;

        if (level > max_level)
                goto finish;

        /* %m in the format means the error passed in, not whatever errno happens to be. */
        errno = abs(error);
        va_start(ap, format);
        vsnprintf(msg, sizeof msg, format, ap);
        va_end(ap);

        if (!to_journal || journal_send(level, error, file, line, func, unit, message_id, extra, msg) < 0) {
                if (unit)
                        fprintf(stderr, "%s: %s\n", unit, msg);
                else
                        fprintf(stderr, "%s\n", msg);
        }

finish:
        errno = saved_errno;
        return error == 0 ? 0 : -abs(error);
}
