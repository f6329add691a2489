/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The QMP facts (live/qmp.h) as a model: pure parsers of `info ramblock` text
 * and of the facts object, for a live monitor and a snapshot's qmp.json. */
#include <errno.h>
#include <string.h>

#include "cli_error.h"
#include "exitcodes.h"
#include "live/qmp.h"

static void clear_block(gpointer p)
{
    g_free(((QmpBlock *)p)->name);
}

static void clear_memdev(gpointer p)
{
    QmpMemdev *m = p;

    g_free(m->id);
    g_free(m->type);
    g_free(m->mem_path);
}

void qmp_facts_free(QmpFacts *f)
{
    if (!f) {
        return;
    }
    if (f->blocks) {
        g_array_unref(f->blocks);
    }
    if (f->memdevs) {
        g_array_unref(f->memdevs);
    }
    g_free(f);
}

static bool hex_token(const char *s, uint64_t *out)
{
    char *end;

    if (!g_str_has_prefix(s, "0x")) {
        return false;
    }
    errno = 0;
    *out = g_ascii_strtoull(s + 2, &end, 16);
    return !errno && !*end && end != s + 2;
}

/* "   name    4 KiB  0x.. 0x.. 0x.. 0x..  rw": from the right. */
static bool parse_row(const char *line, QmpBlock *b)
{
    g_auto(GStrv) t = g_strsplit_set(line, " \t", -1);
    g_autoptr(GPtrArray) tok = g_ptr_array_new();
    guint n;

    for (char **p = t; *p; p++) {
        if (**p) {
            g_ptr_array_add(tok, *p);
        }
    }
    n = tok->len;
    if (n < 7) {
        return false;
    }
#define TOK(i) ((const char *)g_ptr_array_index(tok, (i)))
    if ((strcmp(TOK(n - 1), "rw") && strcmp(TOK(n - 1), "ro")) ||
        !hex_token(TOK(n - 2), &b->hva) || !hex_token(TOK(n - 3), &b->total) ||
        !hex_token(TOK(n - 4), &b->used) ||
        !hex_token(TOK(n - 5), &b->offset)) {
        return false;
    }
    b->ro = !strcmp(TOK(n - 1), "ro");
    /* n - 7, n - 6: PSize ("4 KiB"); before them, the name (or nothing) */
    {
        g_autoptr(GString) name = g_string_new(NULL);

        for (guint i = 0; i + 7 < n; i++) {
            g_string_append_printf(name, "%s%s", i ? " " : "", TOK(i));
        }
        b->name = g_string_free(g_steal_pointer(&name), FALSE);
    }
#undef TOK
    return true;
}

GArray *qmp_parse_ramblock(const char *text, GError **errp)
{
    g_autoptr(GArray) blocks = g_array_new(FALSE, TRUE, sizeof(QmpBlock));
    g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
    unsigned n = 0;

    g_array_set_clear_func(blocks, clear_block);
    for (char **l = lines; *l; l++) {
        QmpBlock b = { 0 };

        n++;
        if (!*g_strstrip(*l) || g_str_has_prefix(*l, "Block Name")) {
            continue;
        }
        if (!parse_row(*l, &b)) {
            g_set_error(errp, CPRDUMP_ERROR, EXIT_INPUT, "info ramblock line "
                        "%u: not a RAM block row: %.60s", n, *l);
            return NULL;
        }
        g_array_append_val(blocks, b);
    }
    return g_steal_pointer(&blocks);
}

static const char *jstr(json_object *o, const char *key)
{
    json_object *v;

    return json_object_object_get_ex(o, key, &v) &&
           json_object_is_type(v, json_type_string)
           ? json_object_get_string(v) : NULL;
}

static char *object_type(json_object *objects, const char *id)
{
    for (size_t i = 0; objects && i < json_object_array_length(objects); i++) {
        json_object *o = json_object_array_get_idx(objects, i);
        const char *n = jstr(o, "name"), *t = jstr(o, "type");

        if (n && t && !strcmp(n, id) && g_str_has_prefix(t, "child<") &&
            g_str_has_suffix(t, ">")) {
            return g_strndup(t + 6, strlen(t) - 7);
        }
    }
    return NULL;
}

static bool parse_memdevs(json_object *j, QmpFacts *f, GError **errp)
{
    json_object *list = NULL, *objects = NULL, *paths = NULL;

    json_object_object_get_ex(j, "objects", &objects);
    json_object_object_get_ex(j, "mem-path", &paths);
    if (!json_object_object_get_ex(j, "memdev", &list) ||
        !json_object_is_type(list, json_type_array)) {
        g_set_error(errp, CPRDUMP_ERROR, EXIT_INPUT,
                    "QMP facts: no memdev list");
        return false;
    }
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *o = json_object_array_get_idx(list, i), *v;
        QmpMemdev m = { 0 };
        const char *id = jstr(o, "id");

        if (!id) {
            continue;
        }
        m.id = g_strdup(id);
        if (json_object_object_get_ex(o, "size", &v)) {
            m.size = (uint64_t)json_object_get_int64(v);
        }
        m.share = json_object_object_get_ex(o, "share", &v) &&
                  json_object_get_boolean(v);
        m.type = object_type(objects, id);
        m.mem_path = paths ? g_strdup(jstr(paths, id)) : NULL;
        g_array_append_val(f->memdevs, m);
    }
    return true;
}

QmpFacts *qmp_facts_from_json(json_object *j, GError **errp)
{
    g_autoptr(QmpFacts) f = g_new0(QmpFacts, 1);
    json_object *v;

    f->memdevs = g_array_new(FALSE, TRUE, sizeof(QmpMemdev));
    g_array_set_clear_func(f->memdevs, clear_memdev);
    f->aux_ram_share = -1;
    if (!(f->blocks = qmp_parse_ramblock(jstr(j, "ramblock"), errp)) ||
        !parse_memdevs(j, f, errp)) {
        return NULL;
    }
    if (json_object_object_get_ex(j, "aux-ram-share", &v) &&
        json_object_is_type(v, json_type_boolean)) {
        f->aux_ram_share = json_object_get_boolean(v);
    }
    return g_steal_pointer(&f);
}

const QmpMemdev *qmp_facts_memdev(const QmpFacts *f, const char *idstr)
{
    if (idstr && g_str_has_prefix(idstr, "/objects/")) {
        idstr += strlen("/objects/");
    }
    for (guint i = 0; idstr && i < f->memdevs->len; i++) {
        const QmpMemdev *m = &g_array_index(f->memdevs, QmpMemdev, i);

        if (!strcmp(m->id, idstr)) {
            return m;
        }
    }
    return NULL;
}
