/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <syslog.h>

#include "macro.h"

/* Logging in systemd's style: to the journal with structured fields when stderr is connected to
 * it (or when asked), else plain lines to stderr. Every log_*_errno() returns -abs(error) so
 * callers can write "return log_error_errno(r, ...)". */

typedef enum LogTarget {
        LOG_TARGET_AUTO,
        LOG_TARGET_JOURNAL,
        LOG_TARGET_CONSOLE,
} LogTarget;

void log_setup(const char *identifier, LogTarget target);
void log_set_max_level(int level);
int log_get_max_level(void);
int log_level_from_string(const char *s);
const char *log_level_to_string(int level);

/* unit and message_id may be NULL; extra is a NULL-terminated list of "FIELD=value" strings or NULL. */
int log_internal(int level, int error, const char *file, int line, const char *func,
                 const char *unit, const char *message_id, char * const *extra,
                 const char *format, ...) _printf_(9, 10);

#define log_full_errno(level, error, ...) \
        log_internal((level), (error), __FILE__, __LINE__, __func__, NULL, NULL, NULL, __VA_ARGS__)

#define log_debug(...)   log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...)    log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...)  log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...)   log_full_errno(LOG_ERR, 0, __VA_ARGS__)

#define log_debug_errno(error, ...)   log_full_errno(LOG_DEBUG, (error), __VA_ARGS__)
#define log_info_errno(error, ...)    log_full_errno(LOG_INFO, (error), __VA_ARGS__)
#define log_warning_errno(error, ...) log_full_errno(LOG_WARNING, (error), __VA_ARGS__)
#define log_error_errno(error, ...)   log_full_errno(LOG_ERR, (error), __VA_ARGS__)
#define log_oom() log_error_errno(-ENOMEM, "Out of memory.")

/* Unit-scoped entries carry AGENTCGROUP_UNIT= so "journalctl AGENTCGROUP_UNIT=x" finds them. */
#define log_unit_full_errno(unit, level, error, ...) \
        log_internal((level), (error), __FILE__, __LINE__, __func__, (unit), NULL, NULL, __VA_ARGS__)
#define log_unit_debug(unit, ...)   log_unit_full_errno((unit), LOG_DEBUG, 0, __VA_ARGS__)
#define log_unit_info(unit, ...)    log_unit_full_errno((unit), LOG_INFO, 0, __VA_ARGS__)
#define log_unit_notice(unit, ...)  log_unit_full_errno((unit), LOG_NOTICE, 0, __VA_ARGS__)
#define log_unit_warning(unit, ...) log_unit_full_errno((unit), LOG_WARNING, 0, __VA_ARGS__)
#define log_unit_error(unit, ...)   log_unit_full_errno((unit), LOG_ERR, 0, __VA_ARGS__)
#define log_unit_debug_errno(unit, error, ...)   log_unit_full_errno((unit), LOG_DEBUG, (error), __VA_ARGS__)
#define log_unit_warning_errno(unit, error, ...) log_unit_full_errno((unit), LOG_WARNING, (error), __VA_ARGS__)
#define log_unit_error_errno(unit, error, ...)   log_unit_full_errno((unit), LOG_ERR, (error), __VA_ARGS__)

/* An entry of a documented kind: a stable MESSAGE_ID (see message-ids.h) and extra fields. */
#define log_struct(level, unit, message_id, extra, ...) \
        log_internal((level), 0, __FILE__, __LINE__, __func__, (unit), (message_id), (extra), __VA_ARGS__)
