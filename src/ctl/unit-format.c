/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <time.h>

#include "config-format.h"
#include "strv.h"
#include "unit-format.h"

static bool name_ends_with(const char *name, const char *suffix) {
        size_t n = strlen(name), m = strlen(suffix);

        return n >= m && streq(name + n - m, suffix);
}

static bool wanted(const UnitProperty *p, char * const *filter) {
        return !filter || strv_contains(filter, p->name);
}

const char *unit_properties_missing(const UnitProperty *props, size_t n, char * const *filter) {
        STRV_FOREACH(f, filter) {
                bool found = false;

                for (size_t i = 0; i < n && !found; i++)
                        found = streq(props[i].name, *f);
                if (!found)
                        return *f;
        }
        return NULL;
}

/* "1d 2h 3min 4s 500ms", each part only when not 0; "0" for 0. */
static char *format_timespan(char *buf, size_t size, uint64_t usec) {
        static const struct {
                const char *suffix;
                uint64_t usec;
        } units[] = {
                { "d", 24 * 3600 * USEC_PER_SEC },
                { "h", 3600 * USEC_PER_SEC },
                { "min", 60 * USEC_PER_SEC },
                { "s", USEC_PER_SEC },
                { "ms", USEC_PER_MSEC },
                { "us", 1 },
        };
        size_t used = 0;

        if (usec == 0) {
                snprintf(buf, size, "0");
                return buf;
        }
        buf[0] = '\0';
        for (size_t i = 0; i < ELEMENTSOF(units) && usec > 0; i++) {
                uint64_t k = usec / units[i].usec;
                int w;

                if (k == 0)
                        continue;
                usec -= k * units[i].usec;
                w = snprintf(buf + used, size - used, "%s%" PRIu64 "%s", used > 0 ? " " : "", k, units[i].suffix);
                if (w < 0 || (size_t) w >= size - used)
                        break;
                used += (size_t) w;
        }
        return buf;
}

/* Local time, as systemctl show prints timestamps; "" for 0 (never). */
static char *format_timestamp(char *buf, size_t size, uint64_t usec) {
        time_t sec = (time_t) (usec / USEC_PER_SEC);
        struct tm tm;

        buf[0] = '\0';
        if (usec == 0 || !localtime_r(&sec, &tm) || strftime(buf, size, "%a %Y-%m-%d %H:%M:%S %Z", &tm) == 0)
                buf[0] = '\0';
        return buf;
}

char *unit_property_format(const UnitProperty *p, char *buf, size_t size) {
        switch (p->type) {
        case 's':
        case 'o':
        case 'g':
                snprintf(buf, size, "%s", strempty(p->str));
                break;
        case 'b':
                snprintf(buf, size, "%s", p->u ? "yes" : "no");
                break;
        case 'n':
        case 'i':
        case 'x':
                snprintf(buf, size, "%" PRIi64, p->i);
                break;
        case 'd':
                snprintf(buf, size, "%g", p->d);
                break;
        case 't':
                if (p->u == UINT64_MAX)
                        snprintf(buf, size, "[not set]");
                else if (name_ends_with(p->name, "Timestamp"))
                        format_timestamp(buf, size, p->u);
                else if (name_ends_with(p->name, "USec"))
                        format_timespan(buf, size, p->u);
                else
                        snprintf(buf, size, "%" PRIu64, p->u);
                break;
        default:
                snprintf(buf, size, "%" PRIu64, p->u);
        }
        return buf;
}

int unit_properties_print(const UnitProperty *props, size_t n, char * const *filter, bool value_only, FILE *f) {
        for (size_t i = 0; i < n; i++) {
                char buf[512];

                if (!wanted(&props[i], filter))
                        continue;
                unit_property_format(&props[i], buf, sizeof buf);
                if (value_only)
                        fprintf(f, "%s\n", buf);
                else
                        fprintf(f, "%s=%s\n", props[i].name, buf);
        }
        return ferror(f) ? -EIO : 0;
}

/* *ret NULL: the JSON null. */
static int property_to_json(const UnitProperty *p, json_object **ret) {
        json_object *v;

        *ret = NULL;
        switch (p->type) {
        case 's':
        case 'o':
        case 'g':
                if (isempty(p->str))
                        return 0;
                v = json_object_new_string(p->str);
                break;
        case 'b':
                v = json_object_new_boolean(p->u != 0);
                break;
        case 'n':
        case 'i':
        case 'x':
                v = json_object_new_int64(p->i);
                break;
        case 'd':
                v = json_object_new_double(p->d);
                break;
        default:
                /* "Not set" and "never": no number stands for them. */
                if (p->u == UINT64_MAX || (p->u == 0 && name_ends_with(p->name, "Timestamp")))
                        return 0;
                v = json_object_new_uint64(p->u);
        }
        if (!v)
                return -ENOMEM;
        *ret = v;
        return 0;
}

int unit_properties_to_json(const UnitProperty *props, size_t n, char * const *filter, json_object **ret) {
        _cleanup_(json_object_putp) json_object *o = NULL;
        int r;

        o = json_object_new_object();
        if (!o)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *v;

                if (!wanted(&props[i], filter))
                        continue;
                r = property_to_json(&props[i], &v);
                if (r < 0)
                        return r;
                r = json_add(o, props[i].name, v);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(o);
        return 0;
}
