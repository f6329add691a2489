/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --device: selection, decoding (once per section) and the JSON members of a
 * selected section. The human tree is in device_human.c.
 */
#include "render/device.h"

#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "render/device_named.h"
#include "render/escape.h"
#include "render/hexdump.h"

bool device_view_active(const DeviceView *v)
{
    return v && v->patterns && v->patterns[0];
}

static bool selected(const DeviceView *v, const StreamSection *s)
{
    if (s->how == BODY_PARSED) {
        return false;        /* "ram": the RAM summary is its view */
    }
    for (char **p = v->patterns; *p; p++) {
        if (!strcmp(*p, "all") || g_pattern_match_simple(*p, s->idstr) ||
            (s->vmsd_name && g_pattern_match_simple(*p, s->vmsd_name))) {
            return true;
        }
    }
    return false;
}

static const char *why_no_fields(const StreamModel *m, const StreamSection *s,
                                 bool have_body)
{
    if (!m->has_eof) {
        return "the stream ends before its vmdesc, which would describe the "
               "fields";
    }
    if (!m->vmdesc.present) {
        return "the stream has no vmdesc (postcopy and suppress-vmdesc=on "
               "streams carry none, or it was cut after EOF): the body cannot "
               "be split into fields";
    }
    if (!m->vmdesc.parsed) {
        return "the vmdesc could not be read";
    }
    if (s->type != QEMU_VM_SECTION_FULL) {
        return "an iterative section: the vmdesc describes FULL sections only";
    }
    if (!s->desc) {
        return "the vmdesc has no entry for this section";
    }
    if (!have_body) {
        return m->bodies_over ? "the body was not kept (over cprdump's "
                                "256 MiB limit for device bodies)"
                              : "the section is cut short";
    }
    return NULL;
}

static void warn(const DeviceSet *ds, guint i, const VmTree *t)
{
    const StreamSection *s = &g_array_index(ds->m->sections, StreamSection, i);
    g_autofree char *label = text_escape(ds->label);
    g_autofree char *idstr = text_escape(s->idstr);

    for (guint k = 0; k < t->mismatches->len; k++) {
        const VmMismatch *mm = &g_array_index(t->mismatches, VmMismatch, k);
        g_autofree char *path = text_escape(mm->path[0] ? mm->path
                                                        : "(section body)");
        g_autofree char *msg = text_escape(mm->msg);
        fprintf(stderr, "cprdump: %s: warning: section %u (%s) does not "
                "match its vmdesc at offset 0x%" G_GINT64_MODIFIER "x: %s: "
                "%s\n", label, i, idstr, mm->offset, path, msg);
    }
}

DeviceSet *device_set_new(const StreamModel *m, const DeviceView *v,
                          const char *label)
{
    DeviceSet *ds = g_new0(DeviceSet, 1);
    guint n = m->sections->len;

    ds->m = m;
    ds->view = v;
    ds->label = label;
    ds->selected = g_new0(bool, n);
    ds->trees = g_new0(VmTree *, n);
    ds->why = g_new0(const char *, n);
    for (guint i = 0; i < n; i++) {
        const StreamSection *s = &g_array_index(m->sections, StreamSection, i);
        const uint8_t *body;
        size_t len = 0;

        if (!selected(v, s)) {
            continue;
        }
        ds->selected[i] = true;
        body = stream_section_body(m, s, &len);
        ds->why[i] = why_no_fields(m, s, body != NULL);
        if (!ds->why[i]) {
            ds->trees[i] = vmstate_decode(s->desc, body, len, s->body_offset);
            if (!v->quiet) {
                warn(ds, i, ds->trees[i]);
            }
        }
    }
    return ds;
}

void device_set_free(DeviceSet *ds)
{
    if (!ds) {
        return;
    }
    for (guint i = 0; i < ds->m->sections->len; i++) {
        vmstate_free(ds->trees[i]);
    }
    g_free(ds->trees);
    g_free(ds->why);
    g_free(ds->selected);
    g_free(ds);
}

/* ---- "fields": values in wire order ---- */

/* Signed values beyond +-2^53 are "0x..." strings of their bits. */
static json_object *json_s64(int64_t v, unsigned width)
{
    if (v > -(1ll << 53) && v < (1ll << 53)) {
        return json_object_new_int64(v);
    }
    char buf[24];
    uint64_t bits = width >= 8 ? (uint64_t)v
                               : (uint64_t)v & ((1ull << (width * 8)) - 1);
    g_snprintf(buf, sizeof(buf), "0x%0*" G_GINT64_MODIFIER "x", width * 2,
               bits);
    return json_object_new_string(buf);
}

static json_object *bytes_json(const VmTree *t, const VmField *f)
{
    g_autofree char *hex = hex_string(vmstate_bytes(t, f), (size_t)f->size);

    return json_object_new_string(hex);
}

static json_object *value_json(const VmTree *t, const VmField *f);

/* A name seen again, not next to its first run (so not one array): "#2",
 * "#3", ... counted per name, so n repeats cost O(n). */
static char *repeat_key(GHashTable **seen, const char *name)
{
    gpointer n;

    if (!*seen) {
        *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    }
    n = g_hash_table_lookup(*seen, name);
    n = GUINT_TO_POINTER(n ? GPOINTER_TO_UINT(n) + 1 : 2);
    g_hash_table_replace(*seen, g_strdup(name), n);
    return g_strdup_printf("%s#%u", name, GPOINTER_TO_UINT(n));
}

static json_object *object_json(const VmTree *t, const VmField *f)
{
    json_object *o = json_object_new_object();
    GHashTable *seen = NULL;

    for (const VmField *k = vmstate_first(t, f); k; k = vmstate_next(t, k)) {
        json_object *v = value_json(t, k);
        /* names come from the vmdesc: keep the document valid UTF-8 */
        g_autofree char *name = g_utf8_validate(k->name, -1, NULL)
                                ? NULL : g_utf8_make_valid(k->name, -1);
        const char *kn = name ? name : k->name;
        if (json_object_object_get_ex(o, kn, NULL)) {
            g_autofree char *key = NULL;
            do {
                g_free(key);
                key = repeat_key(&seen, kn);
            } while (json_object_object_get_ex(o, key, NULL));
            json_object_object_add(o, key, v);
        } else {
            json_object_object_add(o, kn, v);
        }
    }
    if (seen) {
        g_hash_table_unref(seen);
    }
    return o;
}

static json_object *float_json(const VmField *f)
{
    double d = vmstate_float(f);

    if (isfinite(d)) {
        return json_object_new_double(d);
    }
    return json_object_new_string(isnan(d) ? "nan" : d > 0 ? "inf" : "-inf");
}

static json_object *value_json(const VmTree *t, const VmField *f)
{
    switch (f->kind) {
    case VM_SECTION:
    case VM_STRUCT:
    case VM_SUBSECTION: {
        return object_json(t, f);
    }
    case VM_ARRAY: {
        json_object *a = json_object_new_array_ext((int)f->count);
        for (const VmField *k = vmstate_first(t, f); k;
             k = vmstate_next(t, k)) {
            json_object_array_add(a, value_json(t, k));
        }
        return a;
    }
    case VM_INT:
    case VM_TIMER:
        return json_s64(vmstate_int(f), f->width);
    case VM_UINT:
        return json_u64(f->value);
    case VM_BOOL:
        return json_object_new_boolean(f->value != 0);
    case VM_FLOAT:
        return float_json(f);
    case VM_POINTER:
        return f->value == 0x30 ? NULL : f->value == 0x31
               ? json_object_new_boolean(1) : json_object_new_int64(
                   (int64_t)f->value);
    case VM_STRING: {
        g_autofree char *s = g_strndup((const char *)vmstate_bytes(t, f) + 1,
                                       (size_t)f->size - 1);
        return json_text(s);
    }
    default:
        return bytes_json(t, f);
    }
}

json_object *device_fields_json(const DeviceSet *ds, guint i)
{
    const VmTree *t = ds->trees[i];

    return t ? value_json(t, vmstate_root(t)) : NULL;
}

/* ---- "field-layout": offset and size of every field ---- */

static json_object *flags_json(uint16_t flags)
{
    static const struct { uint16_t bit; const char *name; } names[] = {
        { VMF_UNKNOWN_TYPE, "unknown-type" },
        { VMF_MISMATCH, "mismatch" },
        { VMF_UNDESCRIBED, "undescribed" },
        { VMF_OPAQUE, "opaque" },
        { VMF_ODD_SIZE, "odd-size" },
    };
    json_object *a = json_object_new_array();

    for (size_t k = 0; k < G_N_ELEMENTS(names); k++) {
        if (flags & names[k].bit) {
            json_object_array_add(a, json_object_new_string(names[k].name));
        }
    }
    return a;
}

/* Elements of f all leaves of one size: listed once on the array entry. */
static uint64_t uniform_leaves(const VmTree *t, const VmField *f)
{
    const VmField *k = vmstate_first(t, f);
    uint64_t size = k ? k->size : 0;

    if (f->kind != VM_ARRAY || !k) {
        return 0;
    }
    for (; k; k = vmstate_next(t, k)) {
        if (k->first != VM_NONE || k->size != size || k->flags) {
            return 0;
        }
    }
    return size ? size : 0;
}

static void layout_walk(const VmTree *t, const VmField *f, GString *path,
                        json_object *out)
{
    int64_t idx = 0;

    for (const VmField *k = vmstate_first(t, f); k; k = vmstate_next(t, k)) {
        size_t keep = path->len;
        json_object *e = json_object_new_object();
        uint64_t esize;

        if (f->kind == VM_ARRAY) {
            g_string_append_printf(path, "[%" G_GINT64_FORMAT "]", idx++);
        } else {
            g_string_append_printf(path, "%s%s", path->len ? "." : "",
                                   k->name);
        }
        json_object_object_add(e, "path", json_text(path->str));
        json_object_object_add(e, "type", json_text(k->type));
        json_object_object_add(e, "offset", json_u64(k->offset));
        json_object_object_add(e, "size", json_u64(k->size));
        if (k->kind == VM_ARRAY) {
            json_object_object_add(e, "count",
                                   json_object_new_int64(k->count));
        }
        if (k->kind == VM_SUBSECTION) {
            json_object_object_add(e, "version",
                                   json_object_new_int64(k->version));
        }
        if (k->flags) {
            json_object_object_add(e, "flags", flags_json(k->flags));
        }
        esize = uniform_leaves(t, k);
        if (esize) {
            json_object_object_add(e, "element-size", json_u64(esize));
        }
        json_object_array_add(out, e);
        if (!esize) {
            layout_walk(t, k, path, out);
        }
        g_string_truncate(path, keep);
    }
}

json_object *device_layout_json(const DeviceSet *ds, guint i)
{
    const VmTree *t = ds->trees[i];
    json_object *a;
    GString *path;

    if (!t) {
        return NULL;
    }
    a = json_object_new_array();
    path = g_string_new(NULL);
    layout_walk(t, vmstate_root(t), path, a);
    g_string_free(path, TRUE);
    return a;
}

json_object *device_mismatches_json(const DeviceSet *ds, guint i)
{
    const VmTree *t = ds->trees[i];
    json_object *a;

    if (!t) {
        return NULL;
    }
    a = json_object_new_array();
    for (guint k = 0; k < t->mismatches->len; k++) {
        const VmMismatch *mm = &g_array_index(t->mismatches, VmMismatch, k);
        json_object *e = json_object_new_object();
        json_object_object_add(e, "offset", json_u64(mm->offset));
        json_object_object_add(e, "path", json_text(mm->path));
        json_object_object_add(e, "code", json_object_new_string(
                                   fmt_err_code_name(mm->code)));
        json_object_object_add(e, "message", json_text(mm->msg));
        json_object_array_add(a, e);
    }
    return a;
}

int64_t device_described(const DeviceSet *ds, guint i)
{
    return ds->trees[i] ? (int64_t)ds->trees[i]->described : -1;
}

const char *device_why(const DeviceSet *ds, guint i)
{
    return ds->why[i];
}

json_object *device_body_head_json(const DeviceSet *ds, guint i)
{
    const StreamSection *s = &g_array_index(ds->m->sections, StreamSection, i);
    const uint8_t *body;
    size_t len;

    if (ds->trees[i] || s->body_end < s->body_offset || !s->body_end) {
        return NULL;
    }
    body = stream_section_body(ds->m, s, &len);
    if (!body) {
        return NULL;
    }
    g_autofree char *hex = hex_string(body, MIN(len, (size_t)DEVICE_RAW_SHOW));
    return json_object_new_string(hex);
}

json_object *device_decoded_json(const DeviceSet *ds, guint i)
{
    return ds->trees[i] ? named_json(ds->trees[i]) : NULL;
}
