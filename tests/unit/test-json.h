/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>

#include "config-format.h"
#include "tests.h"

/* The text a program reading our --json output gets back: printed with json_print(), one line
 * per value in the short form, paths unescaped, then parsed with json-c. */
static inline json_object *print_and_parse(json_object *o, JsonFormat format) {
        _cleanup_(freep) char *text = NULL;
        size_t size = 0;
        json_object *parsed;
        FILE *f;

        f = open_memstream(&text, &size);
        ASSERT_NOT_NULL(f);
        ASSERT_OK(json_print(o, f, format));
        fclose(f);
        ASSERT_EQ(text[size - 1], '\n');
        if (format == JSON_FORMAT_SHORT)
                ASSERT_TRUE(strchr(text, '\n') == text + size - 1);
        ASSERT_NULL(strstr(text, "\\/"));
        parsed = json_tokener_parse(text);
        ASSERT_NOT_NULL(parsed);
        return parsed;
}
