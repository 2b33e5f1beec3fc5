/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "macro.h"

/* A table of strings printed in aligned columns, like systemctl's listings. Pure: rows in,
 * text out; the caller decides on colour and on printing the header. */

typedef struct Table Table;

/* headers: NULL-terminated, one per column. */
int table_new(Table **ret, const char * const *headers);
Table *table_free(Table *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(Table *, table_free);

/* Appends a row of table_n_columns() cells, copied; a NULL cell is shown as "-". */
int table_add_row(Table *t, const char * const *cells);

size_t table_n_columns(const Table *t);
size_t table_n_rows(const Table *t);
const char *table_header(const Table *t, size_t column);
/* The cell as printed ("-" for an empty one). */
const char *table_get(const Table *t, size_t row, size_t column);

/* Columns separated by two spaces, the last one not padded. The header is bold with colour. */
int table_print(const Table *t, FILE *f, bool header, bool color);
