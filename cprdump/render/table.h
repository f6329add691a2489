/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Column tables declared once (after util-linux lsfd): each column names its
 * header, JSON key, human format and help, and one getter fills a Cell per row.
 * The same declaration draws the libsmartcols table and builds the JSON array.
 */
#ifndef CPRDUMP_TABLE_H
#define CPRDUMP_TABLE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "render/out.h"

typedef enum CellType {
    CELL_NULL,
    CELL_INT,
    CELL_STR,
    CELL_BOOL,
    CELL_JSON,           /* a nested JSON value; human: its text, or the
                            text given with it (cell_json_text) */
    CELL_ABSENT,         /* json_only columns: no key in this row */
} CellType;

typedef enum ColFmt {
    COL_DEC,     /* decimal */
    COL_HEX,     /* human: 0x..., JSON: number (or "0x..." above 2^53) */
    COL_SIZE,    /* human: IEC units, JSON: exact bytes */
    COL_TEXT,
} ColFmt;

typedef struct Cell {
    CellType t;
    int64_t i;
    const char *s;       /* borrowed */
    char *owned;         /* freed after use; s points into it */
    const char *null_text; /* human text for CELL_NULL, default "-" */
    json_object *j;      /* CELL_JSON, owned until emitted */
} Cell;

typedef struct ColDesc {
    const char *header;
    const char *key;
    ColFmt fmt;
    int right;           /* right-aligned */
    int json_only;       /* not a column of the human table */
    const char *help;
    void (*get)(const void *row, const void *ctx, Cell *c);
    const char *group;   /* JSON: the value goes into this nested object of
                            the row (e.g. "live"); NULL: the row itself */
} ColDesc;

/* g_format_size_full() with ASCII spaces: GLib puts a no-break space between
 * number and unit, which is not ASCII (outside a UTF-8 locale libsmartcols
 * cannot measure it, and loops). */
char *format_size(uint64_t v, unsigned flags);

void cell_int(Cell *c, int64_t v);
void cell_str(Cell *c, const char *s);
void cell_take(Cell *c, char *s);
void cell_null(Cell *c, const char *human);
void cell_bool(Cell *c, int v);
/* Takes j (NULL: JSON null): for a nested object such as "pages". */
void cell_json(Cell *c, json_object *j);
/* The same fact in both shapes: j in JSON, text (taken) in the human table.
 * A column whose key is NULL merges j's members into the row object. */
void cell_json_text(Cell *c, json_object *j, char *text);

/* A column table as --list-columns shows it. */
typedef struct TableDesc {
    const char *name;    /* e.g. "sections" */
    const char *what;    /* one line: where the table appears */
    const ColDesc *cols;
    size_t ncols;
    int main;            /* --columns applies to it */
} TableDesc;

/* Every column table of the output (render/columns.c), NULL-terminated. */
extern const TableDesc *const table_registry[];

/* --columns: every name must be a column of some main table; false with a
 * usage error naming the first that is not. */
bool table_check_columns(char **names, GError **errp);
/* --list-columns: every table and its columns, with their help text. */
void table_list_columns(Out *o);
/* This row has no such key (json_only columns). */
void cell_absent(Cell *c);

/* Emits rows[i] for i < nrows (each 'stride' bytes apart) under JSON key 'key'. */
void table_emit(Out *o, const char *key, const ColDesc *cols, size_t ncols,
                const void *rows, size_t stride, size_t nrows,
                const void *ctx);
/* The same for a main table: the human columns follow --columns (the JSON
 * keeps every column). */
void table_emit_main(Out *o, const char *key, const ColDesc *cols,
                     size_t ncols, const void *rows, size_t stride,
                     size_t nrows, const void *ctx);

#endif
