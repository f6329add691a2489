/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "render/out.h"

#include <glib.h>
#include <stdarg.h>

#include "render/device_json.h"
#include "render/escape.h"

#define LABEL_WIDTH 12

struct Out {
    OutMode mode;
    FILE *fp;
    json_object *root;
    GPtrArray *stack;   /* json_object *, innermost last */
    char **columns;     /* --columns, or NULL */
    bool columns_add;   /* --columns=+LIST */
};

Out *out_new(OutMode mode, FILE *fp)
{
    Out *o = g_new0(Out, 1);

    o->mode = mode;
    o->fp = fp;
    o->stack = g_ptr_array_new();
    if (mode == OUT_JSON) {
        o->root = json_object_new_object();
        json_object_object_add(o->root, "format-version",
                               json_object_new_int(CPRDUMP_JSON_FORMAT_VERSION));
        g_ptr_array_add(o->stack, o->root);
    }
    return o;
}

void out_finish(Out *o)
{
    if (o->mode == OUT_JSON) {
        /* --device members are written to o->fp as they are printed */
        dev_json_sink(o->fp);
        fputs(json_object_to_json_string_ext(o->root, JSON_C_TO_STRING_PRETTY |
                                             JSON_C_TO_STRING_SPACED |
                                             JSON_C_TO_STRING_NOSLASHESCAPE),
              o->fp);
        dev_json_sink(NULL);
        fputc('\n', o->fp);
        json_object_put(o->root);
    }
    fflush(o->fp);
    g_ptr_array_free(o->stack, TRUE);
    g_free(o);
}

void out_set_columns(Out *o, char **names, bool add)
{
    o->columns = names;
    o->columns_add = add;
}

char **out_columns(const Out *o, bool *add)
{
    *add = o->columns_add;
    return o->columns;
}

bool out_is_json(const Out *o)
{
    return o->mode == OUT_JSON;
}

FILE *out_fp(const Out *o)
{
    return o->fp;
}

static json_object *top(Out *o)
{
    return g_ptr_array_index(o->stack, o->stack->len - 1);
}

void out_begin(Out *o, const char *key, const char *title)
{
    if (o->mode == OUT_JSON) {
        json_object *obj = json_object_new_object();
        json_object_object_add(top(o), key, obj);
        g_ptr_array_add(o->stack, obj);
    } else if (title) {
        fprintf(o->fp, "\n%s\n", title);
    }
}

void out_end(Out *o)
{
    if (o->mode == OUT_JSON && o->stack->len > 1) {
        g_ptr_array_set_size(o->stack, o->stack->len - 1);
    }
}

void out_json(Out *o, const char *key, json_object *v)
{
    if (o->mode == OUT_JSON && key) {
        json_object_object_add(top(o), key, v);
    } else {
        json_object_put(v);
    }
}

static void human(Out *o, const char *label, const char *text)
{
    if (o->mode == OUT_HUMAN && label) {
        fprintf(o->fp, "%-*s %s\n", LABEL_WIDTH, label, text);
    }
}

void out_str(Out *o, const char *key, const char *label, const char *value)
{
    if (o->mode == OUT_JSON) {
        if (key) {
            out_json(o, key, value ? json_text(value) : NULL);
        }
        return;
    }
    g_autofree char *safe = value ? text_escape(value) : g_strdup("-");
    human(o, label, safe);
}

void out_int(Out *o, const char *key, const char *label, int64_t v)
{
    if (o->mode == OUT_JSON) {
        out_json(o, key, json_object_new_int64(v));
        return;
    }
    g_autofree char *s = g_strdup_printf("%" G_GINT64_FORMAT, v);
    human(o, label, s);
}

json_object *json_u64(uint64_t v)
{
    if (v < (UINT64_C(1) << 53)) {
        return json_object_new_int64((int64_t)v);
    }
    g_autofree char *s = g_strdup_printf("0x%" G_GINT64_MODIFIER "x", v);
    return json_object_new_string(s);
}

void out_hex(Out *o, const char *key, const char *label, uint64_t v)
{
    if (o->mode == OUT_JSON) {
        out_json(o, key, json_u64(v));
        return;
    }
    g_autofree char *s = g_strdup_printf("0x%" G_GINT64_MODIFIER "x", v);
    human(o, label, s);
}

void out_bool(Out *o, const char *key, const char *label, bool v)
{
    if (o->mode == OUT_JSON) {
        out_json(o, key, json_object_new_boolean(v));
        return;
    }
    human(o, label, v ? "yes" : "no");
}

void out_null(Out *o, const char *key, const char *label, const char *text)
{
    if (o->mode == OUT_JSON) {
        out_json(o, key, NULL);
        return;
    }
    human(o, label, text);
}

void out_line(Out *o, const char *fmt, ...)
{
    va_list ap;

    if (o->mode != OUT_HUMAN) {
        return;
    }
    va_start(ap, fmt);
    vfprintf(o->fp, fmt, ap);
    va_end(ap);
    fputc('\n', o->fp);
}
