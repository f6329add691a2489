/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "check/diff_fields.h"

#include <string.h>

#include "check/diff_cpreg.h"
#include "render/device_named.h"
#include "render/field_text.h"
#include "virtio_features.h"
#include "virtio_state.h"

typedef struct Walk {
    DiffFacts *f;
    const char *group;
    const VmTree *t;
    const VmField *cp_idx, *cp_val;  /* the named cpreg lists, or NULL */
    GString *path;
} Walk;

/* The name that says whether an element is a count: its array's. */
static const char *count_name(const VmTree *t, const VmField *f)
{
    const VmField *p;

    while ((p = vmstate_parent(t, f)) && p->kind == VM_ARRAY) {
        f = p;
    }
    return f->name;
}

static void bytes_facts(Walk *w, uint32_t parent, const VmField *k)
{
    const uint8_t *p = vmstate_bytes(w->t, k);
    size_t keep = w->path->len;
    uint32_t n;

    if (k->size <= DIFF_PIECE) {
        diff_fact_take(w->f, parent, 0, w->group, w->path->str,
                       field_hex_pairs(p, (size_t)k->size));
        return;
    }
    n = diff_fact(w->f, parent, FACT_WHOLE, w->group, w->path->str, "%"
                  G_GUINT64_FORMAT " bytes (%s)", k->size, k->type);
    for (uint64_t at = 0; n != DIFF_NO_PARENT && at < k->size;
         at += DIFF_PIECE) {
        g_string_append_printf(w->path, "+0x%" G_GINT64_MODIFIER "x", at);
        diff_fact_take(w->f, n, 0, w->group, w->path->str, field_hex_pairs(
                           p + at, (size_t)MIN(DIFF_PIECE, k->size - at)));
        g_string_truncate(w->path, keep);
    }
}

static void walk_children(Walk *w, const VmField *p, uint32_t parent);

static void field_facts(Walk *w, uint32_t parent, const VmField *k)
{
    const char *path = w->path->str;
    uint32_t me;

    switch (k->kind) {
    case VM_STRUCT:
        me = diff_fact(w->f, parent, 0, w->group, path, "%s", k->type);
        break;
    case VM_SUBSECTION:
        me = diff_fact(w->f, parent, FACT_VERSION, w->group, path,
                       "subsection version %u", k->version);
        break;
    case VM_ARRAY:
        me = diff_fact(w->f, parent, 0, w->group, path, "%u x %s", k->count,
                       k->type);
        if (k == w->cp_idx || k == w->cp_val) {
            return;     /* by register name (cpreg_facts) */
        }
        break;
    case VM_BYTES:
    case VM_RAW:
        bytes_facts(w, parent, k);
        return;
    default:
        diff_fact_take(w->f, parent, 0, w->group, path, field_value_text(
                           w->t, k, field_countish(count_name(w->t, k))));
        return;
    }
    if (me != DIFF_NO_PARENT) {
        walk_children(w, k, me);
    }
}

/* A name seen again in the same struct, as --device's JSON keys it. */
static char *repeat_name(GHashTable *seen, const char *name)
{
    char *key = NULL;

    for (unsigned n = 2; !key || g_hash_table_contains(seen, key); n++) {
        g_free(key);
        key = g_strdup_printf("%s#%u", name, n);
    }
    return key;
}

static void walk_children(Walk *w, const VmField *p, uint32_t parent)
{
    GHashTable *seen = p->kind == VM_ARRAY ? NULL
        : g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    size_t keep = w->path->len;
    VmIter it = vmstate_iter(w->t, p);
    guint64 i = 0;

    for (const VmField *k; (k = vmstate_iter_next(&it));) {
        if (!seen) {
            g_string_append_printf(w->path, "[%" G_GUINT64_FORMAT "]", i++);
        } else {
            char *name = g_hash_table_contains(seen, k->name)
                         ? repeat_name(seen, k->name) : g_strdup(k->name);
            g_string_append_printf(w->path, "%s%s", keep ? "." : "", name);
            g_hash_table_add(seen, name);
        }
        field_facts(w, parent, k);
        g_string_truncate(w->path, keep);
    }
    if (seen) {
        g_hash_table_unref(seen);
    }
}

/* cpreg_vmstate_indexes and _values, one fact per register. */
static void cpreg_facts(Walk *w, uint32_t parent)
{
    VmIter ik = vmstate_iter(w->t, w->cp_idx);
    VmIter iv = vmstate_iter(w->t, w->cp_val);

    for (const VmField *k, *v; (k = vmstate_iter_next(&ik)) &&
                               (v = vmstate_iter_next(&iv));) {
        g_autofree char *name = cpreg_name(k->value);
        g_autofree char *p = g_strdup_printf("cpreg %s", name);
        diff_fact(w->f, parent, 0, w->group, p, "0x%016" G_GINT64_MODIFIER
                  "x", v->value);
    }
}

/* The opaque "virtio" field's common state by name (formats/virtio_state.h):
 * one fact per negotiated feature bit, so that a bit added or removed is one
 * line with its virtio specification name. */
static void virtio_facts(Walk *w, uint32_t parent, const VmField *k)
{
    VirtioState s;
    bool ok = virtio_state_decode(vmstate_bytes(w->t, k), (size_t)k->size,
                                  k->offset, &s);
    size_t keep = w->path->len;

    if (ok) {
        const char *dev = virtio_device_name(s.virtio_id);
        g_autofree char *st = named_status_text(s.status);
        g_string_printf(w->path, "%s.device", k->name);
        diff_fact(w->f, parent, 0, w->group, w->path->str, "%s",
                  dev ? dev : "unknown");
        g_string_printf(w->path, "%s.status", k->name);
        diff_fact(w->f, parent, 0, w->group, w->path->str, "0x%02x (%s)",
                  s.status, st[0] ? st : "reset");
        g_string_printf(w->path, "%s.queues", k->name);
        diff_fact(w->f, parent, 0, w->group, w->path->str, "%u",
                  s.queues->len);
        for (unsigned b = 0; b < 64; b++) {
            if (s.guest_features >> b & 1) {
                g_autofree char *n = named_feature_text(s.virtio_id, b);
                g_string_printf(w->path, "%s.feature %s", k->name, n);
                diff_fact(w->f, parent, 0, w->group, w->path->str, "on");
            }
        }
    }
    g_string_truncate(w->path, keep);
    virtio_state_clear(&s);
}

void diff_tree_facts(const VmTree *t, const char *group, DiffFacts *f)
{
    Walk w = { f, group, t, NULL, NULL, g_string_new(NULL) };
    const VmField *virtio = named_virtio_field(t);
    uint32_t root = diff_fact(f, DIFF_NO_PARENT, 0, group, DIFF_FIELDS_PATH,
                              "decoded");

    if (root == DIFF_NO_PARENT) {
        g_string_free(w.path, TRUE);
        return;
    }
    if (!named_cpregs(t, &w.cp_idx, &w.cp_val)) {
        w.cp_idx = w.cp_val = NULL;
    }
    walk_children(&w, vmstate_root(t), root);
    if (w.cp_idx) {
        cpreg_facts(&w, root);
    }
    if (virtio) {
        virtio_facts(&w, root, virtio);
    }
    g_string_free(w.path, TRUE);
}
