/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --device: selection, decoding and the JSON members of a selected section.
 * The human tree is in device_human.c.
 */
#include "render/device.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "render/device_json.h"
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

static json_object *mismatches_json(const VmTree *t)
{
    json_object *a = json_object_new_array();

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

VmTree *device_tree(const DeviceSet *ds, guint i)
{
    const StreamSection *s = &g_array_index(ds->m->sections, StreamSection, i);
    const uint8_t *body;
    size_t len = 0;

    if (!ds->selected[i] || ds->why[i]) {
        return NULL;
    }
    body = stream_section_body(ds->m, s, &len);
    return vmstate_decode(s->desc, body, len, s->body_offset);
}

/* A section decoded: its tree and the JSON members made from it. */
typedef struct Decoded {
    VmTree *t;
    json_object *mismatches;
    json_object *decoded;
} Decoded;

static void decode_one(const DeviceSet *ds, guint i, Decoded *d)
{
    d->t = device_tree(ds, i);
    d->mismatches = mismatches_json(d->t);
    d->decoded = named_json(d->t);
}

/* Keeps what the section's object needs, and the tree for the printing
 * while the trees kept stay under DEVICE_TREES_KEPT. */
static void take_facts(DeviceSet *ds, guint i, Decoded *d)
{
    DevFacts *f = &ds->facts[i];
    size_t size = d->t->fields->len * sizeof(VmField);

    if (!ds->view->quiet) {
        warn(ds, i, d->t);
    }
    f->described = (int64_t)d->t->described;
    f->mismatches = d->mismatches;
    f->decoded = d->decoded;
    f->held = dev_held_new(d->t);
    if (size <= DEVICE_TREES_KEPT - ds->kept) {
        ds->kept += size;
        dev_held_keep(f->held, d->t);
    } else {
        vmstate_free(d->t);
    }
}

/* Sections decoded per round. With a second processor a helper thread
 * decodes every other section of a round: decoding only reads the model
 * and the vmdesc, and makes trees and JSON objects of its own; warnings and
 * the kept trees are then taken in section order. */
#define DECODE_ROUND 64u

typedef struct Round {
    const DeviceSet *ds;
    const guint *idx;
    guint n;
    Decoded *out;
} Round;

static gpointer decode_odd(gpointer p)
{
    Round *r = p;

    for (guint k = 1; k < r->n; k += 2) {
        decode_one(r->ds, r->idx[k], &r->out[k]);
    }
    return NULL;
}

static void decode_round(DeviceSet *ds, const guint *idx, guint n)
{
    Decoded out[DECODE_ROUND] = { { 0 } };
    Round r = { ds, idx, n, out };
    GThread *helper = n > 1 && g_get_num_processors() > 1
                      ? g_thread_try_new("cprdump-decode", decode_odd, &r,
                                         NULL)
                      : NULL;

    for (guint k = 0; k < n; k += helper ? 2 : 1) {
        decode_one(ds, idx[k], &out[k]);
    }
    if (helper) {
        g_thread_join(helper);
    }
    for (guint k = 0; k < n; k++) {
        take_facts(ds, idx[k], &out[k]);
    }
}

DeviceSet *device_set_new(const StreamModel *m, const DeviceView *v,
                          const char *label)
{
    DeviceSet *ds = g_new0(DeviceSet, 1);
    guint n = m->sections->len, todo[DECODE_ROUND], k = 0;

    ds->m = m;
    ds->view = v;
    ds->label = label;
    ds->selected = g_new0(bool, n);
    ds->facts = g_new0(DevFacts, n);
    ds->why = g_new0(const char *, n);
    for (guint i = 0; i < n; i++) {
        const StreamSection *s = &g_array_index(m->sections, StreamSection, i);
        size_t len = 0;

        if (selected(v, s)) {
            ds->selected[i] = true;
            ds->why[i] = why_no_fields(m, s, stream_section_body(m, s, &len)
                                             != NULL);
            if (!ds->why[i]) {
                todo[k++] = i;
            }
        }
        if (k == DECODE_ROUND || (k && i + 1 == n)) {
            decode_round(ds, todo, k);
            k = 0;
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
        DevFacts *f = &ds->facts[i];
        dev_held_unref(f->held);    /* the printed document has its own */
        json_object_put(f->mismatches);
        json_object_put(f->decoded);
    }
    g_free(ds->facts);
    g_free(ds->why);
    g_free(ds->selected);
    g_free(ds);
}

/* ---- the JSON members: each a new reference ("fields" and "field-layout"
 * are written at print time, device_json.c) ---- */

json_object *device_fields_json(const DeviceSet *ds, guint i)
{
    DevHeld *h = ds->facts[i].held;

    return h ? dev_json_fields(h) : NULL;
}

json_object *device_layout_json(const DeviceSet *ds, guint i)
{
    DevHeld *h = ds->facts[i].held;

    return h ? dev_json_layout(h) : NULL;
}

json_object *device_mismatches_json(const DeviceSet *ds, guint i)
{
    return json_object_get(ds->facts[i].mismatches);
}

int64_t device_described(const DeviceSet *ds, guint i)
{
    return ds->facts[i].held ? ds->facts[i].described : -1;
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

    if (ds->facts[i].held || s->body_end < s->body_offset || !s->body_end) {
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
    return json_object_get(ds->facts[i].decoded);
}
