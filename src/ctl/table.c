/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"
#include "table.h"
#include "terminal-util.h"

#define TABLE_EMPTY_CELL "-"

struct Table {
        char **headers;
        size_t n_columns;
        char **cells;           /* row-major, n_rows * n_columns */
        size_t n_rows;
};

int table_new(Table **ret, const char * const *headers) {
        _cleanup_(table_freep) Table *t = NULL;

        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->headers = strv_copy((char * const *) headers);
        if (!t->headers)
                return -ENOMEM;
        t->n_columns = strv_length(t->headers);
        if (t->n_columns == 0)
                return -EINVAL;
        *ret = TAKE_PTR(t);
        return 0;
}

Table *table_free(Table *t) {
        if (!t)
                return NULL;
        strv_free(t->headers);
        for (size_t i = 0; i < t->n_rows * t->n_columns; i++)
                free(t->cells[i]);
        free(t->cells);
        free(t);
        return NULL;
}

int table_add_row(Table *t, const char * const *cells) {
        char **a;

        a = reallocarray(t->cells, (t->n_rows + 1) * t->n_columns, sizeof(char *));
        if (!a)
                return -ENOMEM;
        t->cells = a;
        for (size_t j = 0; j < t->n_columns; j++) {
                char *s = strdup(isempty(cells[j]) ? TABLE_EMPTY_CELL : cells[j]);

                if (!s) {
                        /* Drop the half-added row. */
                        for (size_t k = 0; k < j; k++)
                                free(a[t->n_rows * t->n_columns + k]);
                        return -ENOMEM;
                }
                a[t->n_rows * t->n_columns + j] = s;
        }
        t->n_rows++;
        return 0;
}

size_t table_n_columns(const Table *t) {
        return t->n_columns;
}

size_t table_n_rows(const Table *t) {
        return t->n_rows;
}

const char *table_header(const Table *t, size_t column) {
        return column < t->n_columns ? t->headers[column] : NULL;
}

const char *table_get(const Table *t, size_t row, size_t column) {
        if (row >= t->n_rows || column >= t->n_columns)
                return NULL;
        return t->cells[row * t->n_columns + column];
}

/* on/off wrap the row's text, so a colour ends before the newline. */
static void print_row(FILE *f, char * const *cells, const size_t *width, size_t n, const char *on, const char *off) {
        fputs(on, f);
        for (size_t j = 0; j + 1 < n; j++)
                fprintf(f, "%-*s  ", (int) width[j], cells[j]);
        fprintf(f, "%s%s\n", cells[n - 1], off);
}

int table_print(const Table *t, FILE *f, bool header, bool color) {
        _cleanup_(freep) size_t *width = NULL;

        width = calloc(t->n_columns, sizeof(size_t));
        if (!width)
                return -ENOMEM;
        for (size_t j = 0; j < t->n_columns; j++) {
                width[j] = header ? strlen(t->headers[j]) : 0;
                for (size_t i = 0; i < t->n_rows; i++)
                        width[j] = MAX(width[j], strlen(table_get(t, i, j)));
        }

        if (header)
                print_row(f, t->headers, width, t->n_columns, ansi(color, ANSI_BOLD), ansi(color, ANSI_NORMAL));
        for (size_t i = 0; i < t->n_rows; i++)
                print_row(f, t->cells + i * t->n_columns, width, t->n_columns, "", "");
        return ferror(f) ? -EIO : 0;
}
