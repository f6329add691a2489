/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "render/table.h"

#include <glib.h>
#include <libsmartcols.h>
#include <string.h>

#include "render/escape.h"

char *format_size(uint64_t v, unsigned flags)
{
    static const char *const spaces[] = { "\xc2\xa0", "\xe2\x80\xaf" };
    char *s = g_format_size_full(v, (GFormatSizeFlags)flags);

    for (size_t i = 0; i < G_N_ELEMENTS(spaces); i++) {
        char *p;
        size_t n = strlen(spaces[i]);
        while ((p = strstr(s, spaces[i]))) {
            *p = ' ';
            memmove(p + 1, p + n, strlen(p + n) + 1);
        }
    }
    return s;
}

void cell_int(Cell *c, int64_t v)
{
    c->t = CELL_INT;
    c->i = v;
}

void cell_str(Cell *c, const char *s)
{
    c->t = s ? CELL_STR : CELL_NULL;
    c->s = s;
}

void cell_take(Cell *c, char *s)
{
    c->owned = s;
    cell_str(c, s);
}

void cell_null(Cell *c, const char *human)
{
    c->t = CELL_NULL;
    c->null_text = human;
}

void cell_bool(Cell *c, int v)
{
    c->t = CELL_BOOL;
    c->i = v != 0;
}

void cell_json(Cell *c, json_object *j)
{
    c->t = CELL_JSON;
    c->j = j;
}

static char *cell_human(const ColDesc *col, const Cell *c)
{
    switch (c->t) {
    case CELL_JSON:
        return text_escape(json_object_to_json_string_ext(
                               c->j, JSON_C_TO_STRING_PLAIN));
    case CELL_NULL:
        return g_strdup(c->null_text ? c->null_text : "-");
    case CELL_BOOL:
        return g_strdup(c->i ? "yes" : "no");
    case CELL_STR:
        return text_escape(c->s);
    case CELL_INT:
        break;
    }
    switch (col->fmt) {
    case COL_HEX:
        return g_strdup_printf("0x%" G_GINT64_MODIFIER "x", (uint64_t)c->i);
    case COL_SIZE:
        return format_size((uint64_t)c->i, G_FORMAT_SIZE_IEC_UNITS);
    default:
        return g_strdup_printf("%" G_GINT64_FORMAT, c->i);
    }
}

/* Last guard before libsmartcols, which loops on bytes it cannot measure:
 * outside a UTF-8 locale no cell holds a non-ASCII byte. */
static char *ascii_unless_utf8(char *s)
{
    if (!g_get_charset(NULL)) {
        for (char *p = s; *p; p++) {
            if ((unsigned char)*p >= 0x80) {
                *p = '?';
            }
        }
    }
    return s;
}

static json_object *cell_to_json(const ColDesc *col, Cell *c)
{
    switch (c->t) {
    case CELL_JSON:
        return g_steal_pointer(&c->j);
    case CELL_NULL:
        return NULL;
    case CELL_BOOL:
        return json_object_new_boolean((json_bool)c->i);
    case CELL_STR:
        return json_text(c->s);
    case CELL_INT:
        break;
    }
    return col->fmt == COL_DEC ? json_object_new_int64(c->i)
                               : json_u64((uint64_t)c->i);
}

static void get_cell(const ColDesc *col, const void *row, const void *ctx,
                     Cell *c)
{
    memset(c, 0, sizeof(*c));
    col->get(row, ctx, c);
}

static void emit_json(Out *o, const char *key, const ColDesc *cols,
                      size_t ncols, const char *rows, size_t stride,
                      size_t nrows, const void *ctx)
{
    json_object *arr = json_object_new_array();

    for (size_t r = 0; r < nrows; r++) {
        json_object *obj = json_object_new_object();
        for (size_t i = 0; i < ncols; i++) {
            json_object *dst = obj;
            Cell c;
            if (cols[i].group &&
                !json_object_object_get_ex(obj, cols[i].group, &dst)) {
                dst = json_object_new_object();
                json_object_object_add(obj, cols[i].group, dst);
            }
            get_cell(&cols[i], rows + r * stride, ctx, &c);
            json_object_object_add(dst, cols[i].key, cell_to_json(&cols[i], &c));
            g_free(c.owned);
        }
        json_object_array_add(arr, obj);
    }
    out_json(o, key, arr);
}

static void emit_human(Out *o, const ColDesc *cols, size_t ncols,
                       const char *rows, size_t stride, size_t nrows,
                       const void *ctx)
{
    struct libscols_table *tb = scols_new_table();

    scols_table_set_stream(tb, out_fp(o));
    scols_table_enable_noencoding(tb, 1); /* cells are escaped already */
    for (size_t i = 0; i < ncols; i++) {
        if (!cols[i].json_only) {
            scols_table_new_column(tb, cols[i].header, 0,
                                   cols[i].right ? SCOLS_FL_RIGHT : 0);
        }
    }
    for (size_t r = 0; r < nrows; r++) {
        struct libscols_line *ln = scols_table_new_line(tb, NULL);
        for (size_t i = 0, n = 0; i < ncols; i++) {
            Cell c;
            if (cols[i].json_only) {
                continue;
            }
            get_cell(&cols[i], rows + r * stride, ctx, &c);
            scols_line_refer_data(ln, n++, ascii_unless_utf8(
                                               cell_human(&cols[i], &c)));
            g_free(c.owned);
            json_object_put(c.j);
        }
    }
    scols_print_table(tb);
    scols_unref_table(tb);
}

void table_emit(Out *o, const char *key, const ColDesc *cols, size_t ncols,
                const void *rows, size_t stride, size_t nrows,
                const void *ctx)
{
    if (out_is_json(o)) {
        emit_json(o, key, cols, ncols, rows, stride, nrows, ctx);
    } else if (nrows) {
        emit_human(o, cols, ncols, rows, stride, nrows, ctx);
    }
}
