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

void cell_absent(Cell *c)
{
    c->t = CELL_ABSENT;
}

void cell_json(Cell *c, json_object *j)
{
    c->t = CELL_JSON;
    c->j = j;
}

void cell_json_text(Cell *c, json_object *j, char *text)
{
    cell_json(c, j);
    c->owned = text;
    c->s = text;
}

static char *cell_human(const ColDesc *col, const Cell *c)
{
    switch (c->t) {
    case CELL_JSON:
        if (c->s) {
            return text_escape(c->s);
        }
        return text_escape(json_object_to_json_string_ext(
                               c->j, JSON_C_TO_STRING_PLAIN));
    case CELL_NULL:
    case CELL_ABSENT:
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
    case CELL_ABSENT:
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

/* A key-less column: its object's members become the row's (takes v). */
static void merge_json(json_object *dst, json_object *v)
{
    if (json_object_is_type(v, json_type_object)) {
        json_object_object_foreach(v, k, val) {
            json_object_object_add(dst, k, json_object_get(val));
        }
    }
    json_object_put(v);
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
            if (c.t == CELL_ABSENT) {
                continue;
            }
            if (cols[i].key) {
                json_object_object_add(dst, cols[i].key,
                                       cell_to_json(&cols[i], &c));
            } else {
                merge_json(dst, cell_to_json(&cols[i], &c));
            }
            g_free(c.owned);
        }
        json_object_array_add(arr, obj);
    }
    out_json(o, key, arr);
}

/* Which columns the human table shows: the default set (not json_only), or
 * the --columns selection in its order (the default set first with +LIST). */
static size_t pick_columns(const Out *o, const ColDesc *cols, size_t ncols,
                           bool main, size_t *pick)
{
    bool add;
    char **names = main ? out_columns(o, &add) : NULL;
    size_t n = 0;

    for (size_t i = 0; i < ncols && (!names || add); i++) {
        if (!cols[i].json_only) {
            pick[n++] = i;
        }
    }
    for (size_t k = 0; names && names[k]; k++) {
        for (size_t i = 0; i < ncols; i++) {
            if (!g_ascii_strcasecmp(names[k], cols[i].header)) {
                pick[n++] = i;
                break;
            }
        }
    }
    return n ? n : pick_columns(o, cols, ncols, false, pick);
}

static void emit_human(Out *o, const ColDesc *cols, size_t ncols, bool main,
                       const char *rows, size_t stride, size_t nrows,
                       const void *ctx)
{
    struct libscols_table *tb = scols_new_table();
    g_autofree size_t *pick = g_new(size_t, ncols + 64);
    size_t npick;

    if (main) {
        bool add;
        char **names = out_columns(o, &add);
        pick = g_renew(size_t, pick, ncols + (names ? g_strv_length(names)
                                                    : 0));
    }
    npick = pick_columns(o, cols, ncols, main, pick);
    scols_table_set_stream(tb, out_fp(o));
    scols_table_enable_noencoding(tb, 1); /* cells are escaped already */
    for (size_t k = 0; k < npick; k++) {
        scols_table_new_column(tb, cols[pick[k]].header, 0,
                               cols[pick[k]].right ? SCOLS_FL_RIGHT : 0);
    }
    for (size_t r = 0; r < nrows; r++) {
        struct libscols_line *ln = scols_table_new_line(tb, NULL);
        for (size_t k = 0; k < npick; k++) {
            Cell c;
            get_cell(&cols[pick[k]], rows + r * stride, ctx, &c);
            scols_line_refer_data(ln, k, ascii_unless_utf8(
                                             cell_human(&cols[pick[k]], &c)));
            g_free(c.owned);
            json_object_put(c.j);
        }
    }
    scols_print_table(tb);
    scols_unref_table(tb);
}

static void emit(Out *o, const char *key, const ColDesc *cols, size_t ncols,
                 bool main, const void *rows, size_t stride, size_t nrows,
                 const void *ctx)
{
    if (out_is_json(o)) {
        emit_json(o, key, cols, ncols, rows, stride, nrows, ctx);
    } else if (nrows) {
        emit_human(o, cols, ncols, main, rows, stride, nrows, ctx);
    }
}

void table_emit(Out *o, const char *key, const ColDesc *cols, size_t ncols,
                const void *rows, size_t stride, size_t nrows,
                const void *ctx)
{
    emit(o, key, cols, ncols, false, rows, stride, nrows, ctx);
}

void table_emit_main(Out *o, const char *key, const ColDesc *cols,
                     size_t ncols, const void *rows, size_t stride,
                     size_t nrows, const void *ctx)
{
    emit(o, key, cols, ncols, true, rows, stride, nrows, ctx);
}

static bool column_known(const char *name)
{
    for (size_t t = 0; table_registry[t]; t++) {
        const TableDesc *d = table_registry[t];
        for (size_t i = 0; d->main && i < d->ncols; i++) {
            if (!g_ascii_strcasecmp(name, d->cols[i].header)) {
                return true;
            }
        }
    }
    return false;
}

bool table_check_columns(char **names, GError **errp)
{
    for (size_t k = 0; names[k]; k++) {
        if (!column_known(names[k])) {
            g_set_error(errp, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                        "--columns: unknown column '%s' (see --list-columns)",
                        names[k]);
            return false;
        }
    }
    return true;
}

typedef struct ListRow {
    const TableDesc *table;
    const ColDesc *col;
} ListRow;

static const ListRow *lrow(const void *row)
{
    return row;
}

static void lc_table(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, lrow(row)->table->name);
}

static void lc_header(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, lrow(row)->col->header);
}

static void lc_key(const void *row, const void *ctx, Cell *c)
{
    const ColDesc *col = lrow(row)->col;

    (void)ctx;
    if (!col->key) {
        cell_null(c, "(merged)");
    } else if (col->group) {
        cell_take(c, g_strdup_printf("%s.%s", col->group, col->key));
    } else {
        cell_str(c, col->key);
    }
}

static void lc_default(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_bool(c, !lrow(row)->col->json_only);
}

static void lc_selectable(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_bool(c, lrow(row)->table->main);
}

static void lc_help(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, lrow(row)->col->help);
}

static const ColDesc list_cols[] = {
    { "TABLE", "table", COL_TEXT, 0, 0, "the table", lc_table },
    { "COLUMN", "column", COL_TEXT, 0, 0, "column header (--columns)",
      lc_header },
    { "KEY", "key", COL_TEXT, 0, 0, "JSON key (group.key: nested)", lc_key },
    { "DEFAULT", "default", COL_TEXT, 0, 0, "shown by default", lc_default },
    { "SELECT", "selectable", COL_TEXT, 0, 0, "--columns applies",
      lc_selectable },
    { "HELP", "help", COL_TEXT, 0, 0, "what the column holds", lc_help },
};

void table_list_columns(Out *o)
{
    g_autoptr(GArray) rows = g_array_new(FALSE, FALSE, sizeof(ListRow));

    for (size_t t = 0; table_registry[t]; t++) {
        for (size_t i = 0; i < table_registry[t]->ncols; i++) {
            ListRow r = { table_registry[t], &table_registry[t]->cols[i] };
            g_array_append_val(rows, r);
        }
    }
    table_emit(o, "columns", list_cols, G_N_ELEMENTS(list_cols), rows->data,
               sizeof(ListRow), rows->len, NULL);
}
