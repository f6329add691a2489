/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "vmdesc_fields.h"

#include <glib.h>
#include <string.h>

#include "json_get.h"

typedef struct Walk {
    const uint8_t *body;
    size_t len;
    VdfFn fn;
    void *opaque;
    uint64_t off;            /* running offset in the body */
} Walk;

static void walk_desc(Walk *w, json_object *desc, const char *prefix,
                      uint32_t parent, unsigned depth);

static uint64_t entry_count(json_object *f)
{
    int64_t n = json_get_int(f, "array_len", 1);

    return n > 0 ? (uint64_t)n : 0;
}

static uint64_t entry_size(json_object *f)
{
    int64_t n = json_get_int(f, "size", 0);

    return n > 0 ? (uint64_t)n : 0;
}

static json_object *nested(json_object *f)
{
    json_object *s = NULL;

    if (json_object_object_get_ex(f, "struct", &s) &&
        json_object_is_type(s, json_type_object)) {
        return s;
    }
    /* "tmp" fields carry their description inline, but QEMU's own tool
     * treats them as bytes; so does this walk */
    return NULL;
}

static bool in_body(const Walk *w, uint64_t size)
{
    return w->body && size <= w->len && w->off <= w->len - size;
}

static void walk_element(Walk *w, json_object *f, const char *path,
                         uint32_t parent, unsigned depth)
{
    json_object *st = nested(f);
    uint64_t size = entry_size(f);
    uint64_t start = w->off;
    const char *type = json_get_str(f, "type");
    VdfItem it = { .kind = st ? VDF_STRUCT : VDF_LEAF, .path = path,
                   .type = type ? type : "?", .size = size, .offset = start,
                   .version = -1 };

    if (st) {
        it.vmsd = json_get_str(st, "vmsd_name");
        it.version = json_get_int(st, "version", -1);
        uint32_t h = w->fn(w->opaque, parent, &it);
        if (depth < VMDESC_FIELDS_DEPTH_MAX) {
            g_autofree char *pre = g_strconcat(path, ".", NULL);
            walk_desc(w, st, pre, h, depth + 1);
        }
    } else {
        it.bytes = in_body(w, size) ? w->body + start : NULL;
        w->fn(w->opaque, parent, &it);
    }
    w->off = start + size;    /* the measured size is the truth */
}

/* Consecutive entries with the same name are one array (uncompressed arrays
 * repeat their entry per element); returns the entries in the run. */
static size_t run_length(json_object *fields, size_t i, size_t n,
                         uint64_t *elems)
{
    const char *name = json_get_str(json_object_array_get_idx(fields, i),
                                    "name");
    size_t k = i;

    *elems = 0;
    for (; k < n; k++) {
        json_object *f = json_object_array_get_idx(fields, k);
        const char *nk = json_get_str(f, "name");
        if (k > i && g_strcmp0(nk, name)) {
            break;
        }
        *elems += entry_count(f);
    }
    return k - i;
}

static bool walk_run(Walk *w, json_object *fields, size_t i, size_t run,
                     uint64_t elems, const char *path, uint32_t parent,
                     unsigned depth)
{
    json_object *first = json_object_array_get_idx(fields, i);
    const char *type = json_get_str(first, "type");
    VdfItem it = { .kind = VDF_ARRAY, .path = path, .type = type ? type : "?",
                   .size = entry_size(first), .count = elems,
                   .offset = w->off, .version = -1 };
    uint32_t h = w->fn(w->opaque, parent, &it);
    uint64_t k = 0;

    for (size_t e = i; e < i + run; e++) {
        json_object *f = json_object_array_get_idx(fields, e);
        uint64_t n = entry_count(f), size = entry_size(f);
        for (uint64_t j = 0; j < n; j++, k++) {
            if (!w->body || size == 0 || !in_body(w, size)) {
                /* layout only, or past the body: skip the rest at once */
                w->off += size * (n - j);
                break;
            }
            g_autofree char *ep = g_strdup_printf("%s[%" G_GUINT64_FORMAT "]",
                                                  path, k);
            walk_element(w, f, ep, h, depth);
        }
    }
    return true;
}

static void walk_fields(Walk *w, json_object *fields, const char *prefix,
                        uint32_t parent, unsigned depth)
{
    size_t n = json_object_is_type(fields, json_type_array)
               ? json_object_array_length(fields) : 0;

    for (size_t i = 0; i < n;) {
        json_object *f = json_object_array_get_idx(fields, i);
        const char *name = json_get_str(f, "name");
        g_autofree char *path = g_strconcat(prefix, name ? name : "?", NULL);
        uint64_t elems;
        size_t run = run_length(fields, i, n, &elems);
        if (elems == 1 && run == 1) {
            walk_element(w, f, path, parent, depth);
        } else {
            walk_run(w, fields, i, run, elems, path, parent, depth);
        }
        i += run;
    }
}

static void walk_subsections(Walk *w, json_object *subs, const char *prefix,
                             uint32_t parent, unsigned depth)
{
    size_t n = json_object_is_type(subs, json_type_array)
               ? json_object_array_length(subs) : 0;

    for (size_t i = 0; i < n; i++) {
        json_object *s = json_object_array_get_idx(subs, i);
        const char *name = json_get_str(s, "vmsd_name");
        g_autofree char *path = g_strconcat(prefix, name ? name : "?", NULL);
        VdfItem it = { .kind = VDF_SUBSECTION, .path = path,
                       .type = "subsection", .vmsd = name,
                       .version = json_get_int(s, "version", -1),
                       .size = 1 + 1 + (name ? strlen(name) : 0) + 4,
                       .offset = w->off };
        uint32_t h = w->fn(w->opaque, parent, &it);
        w->off += it.size;
        if (depth < VMDESC_FIELDS_DEPTH_MAX) {
            g_autofree char *pre = g_strconcat(path, ".", NULL);
            walk_desc(w, s, pre, h, depth + 1);
        }
    }
}

static void walk_desc(Walk *w, json_object *desc, const char *prefix,
                      uint32_t parent, unsigned depth)
{
    json_object *fields = NULL, *subs = NULL;

    json_object_object_get_ex(desc, "fields", &fields);
    json_object_object_get_ex(desc, "subsections", &subs);
    walk_fields(w, fields, prefix, parent, depth);
    walk_subsections(w, subs, prefix, parent, depth);
}

uint64_t vmdesc_fields_walk(json_object *dev, const uint8_t *body, size_t len,
                            uint32_t root, VdfFn fn, void *opaque)
{
    Walk w = { .body = body, .len = len, .fn = fn, .opaque = opaque };

    walk_desc(&w, dev, "", root, 0);
    return w.off;
}
