/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --device in human text: per selected section a heading, then an indented
 * tree of "name = value" lines (unsigned values in hex, counts and signed
 * values in decimal, bool as true/false), byte buffers as hexdump -C lines.
 * --offsets puts each line's absolute offset and size in a left column.
 */
#include "render/device.h"

#include <glib.h>
#include <string.h>

#include "render/device_json.h"
#include "render/device_named.h"
#include "render/escape.h"
#include "render/field_text.h"
#include "render/hexdump.h"
#include "virtio_features.h"

#define INLINE_BYTES 16u
#define ROW_VALUES 8u

typedef struct Hum {
    Out *o;
    const VmTree *t;
    bool offsets;
} Hum;

static void emit(Hum *h, const VmField *f, unsigned depth, const char *fmt,
                 ...) __attribute__((format(printf, 4, 5)));

static void emit(Hum *h, const VmField *f, unsigned depth, const char *fmt,
                 ...)
{
    g_autofree char *text = NULL;
    char col[40] = "";
    va_list ap;

    va_start(ap, fmt);
    text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (h->offsets && f) {
        g_snprintf(col, sizeof(col), "0x%08" G_GINT64_MODIFIER "x %6"
                   G_GUINT64_FORMAT "  ", f->offset, f->size);
    } else if (h->offsets) {
        g_snprintf(col, sizeof(col), "%19s", "");
    }
    out_line(h->o, "%s%*s%s", col, (int)(2 + 2 * depth), "", text);
}

typedef struct DumpCtx {
    Hum *h;
    unsigned depth;
} DumpCtx;

static void dump_line(void *opaque, const char *line)
{
    DumpCtx *d = opaque;

    emit(d->h, NULL, d->depth, "%s", line);
}

static void dump_from(Hum *h, const uint8_t *p, size_t n, uint64_t base,
                      unsigned depth)
{
    DumpCtx d = { h, depth };

    hexdump(p, n, base, dump_line, &d);
}

static void dump(Hum *h, const uint8_t *p, size_t n, unsigned depth)
{
    dump_from(h, p, n, 0, depth);
}

static const char *flag_note(const VmField *f)
{
    if (f->flags & VMF_UNDESCRIBED) {
        return "  (undescribed)";
    }
    if (f->flags & VMF_MISMATCH) {
        return "  (MISMATCH)";
    }
    if (f->flags & VMF_UNKNOWN_TYPE) {
        return "  (unknown type)";
    }
    if (f->flags & VMF_OPAQUE) {
        return "  (opaque)";
    }
    return "";
}

static void show(Hum *h, const VmField *f, const char *name, unsigned depth);

/* cpreg_vmstate_indexes + cpreg_vmstate_values as one named list. */
static void show_cpregs(Hum *h, const VmField *idx, const VmField *val,
                        unsigned depth)
{
    VmIter ik = vmstate_iter(h->t, idx), iv = vmstate_iter(h->t, val);

    emit(h, idx, depth, "cpregs = %u registers (cpreg_vmstate_indexes and "
         "cpreg_vmstate_values)", idx->count);
    for (const VmField *k, *v; (k = vmstate_iter_next(&ik)) &&
                               (v = vmstate_iter_next(&iv));) {
        g_autofree char *name = named_cpreg_text(k->value);
        emit(h, v, depth + 1, "%s = 0x%016" G_GINT64_MODIFIER "x", name,
             v->value);
    }
}

static void show_children(Hum *h, const VmField *f, unsigned depth)
{
    const VmField *idx = NULL, *val = NULL;

    if (f->kind == VM_SECTION && !named_cpregs(h->t, &idx, &val)) {
        idx = val = NULL;
    }
    for (const VmField *k = vmstate_first(h->t, f); k;
         k = vmstate_next(h->t, k)) {
        if (k == idx) {
            show_cpregs(h, idx, val, depth);
        } else if (k != val) {
            show(h, k, k->name, depth);
        }
    }
}

static char *features_text(uint64_t v, uint32_t id)
{
    GString *s = g_string_new(NULL);

    for (unsigned b = 0; b < 64; b++) {
        if (v & (1ull << b)) {
            g_autofree char *n = named_feature_text(id, b);
            g_string_append_printf(s, "%s%s", s->len ? " " : "", n);
        }
    }
    return g_string_free(s, FALSE);
}

/* A PCI config space's header: ids, command, interrupt, every BAR. */
static void show_pci(Hum *h, const PciConfig *c, unsigned depth)
{
    g_autofree char *text = named_pci_text(c);

    GString *unused = g_string_new(NULL);

    emit(h, NULL, depth, "pci header: %s", text);
    for (unsigned i = 0; i < c->nbars; i++) {
        const PciBar *b = &c->bars[i];
        if (!b->raw) {
            if (b->type == PCI_BAR_ROM) {
                g_string_append_printf(unused, "%sROM", unused->len ? " " : "");
            } else {
                g_string_append_printf(unused, "%sBAR%u", unused->len ? " " : "",
                                       b->index);
            }
            continue;
        }
        g_autofree char *bar = named_bar_text(b);
        emit(h, NULL, depth + 1, "%s", bar);
    }
    if (unused->len) {
        emit(h, NULL, depth + 1, "register 0 (unused or unassigned): %s",
             unused->str);
    }
    g_string_free(unused, TRUE);
}

static void show_net(Hum *h, const VmField *f, const VirtioNet *n,
                     unsigned depth)
{
    VmField at = { .offset = n->offset, .size = n->size };
    g_autofree char *mac = named_mac_text(n->mac);
    const uint8_t *b = vmstate_bytes(h->t, f);

    if (!n->present) {
        emit(h, &at, depth, "virtio-net device part: not decoded: %s",
             n->stop);
        return;
    }
    emit(h, &at, depth, "virtio-net device part (%" G_GUINT64_FORMAT
         " bytes):", n->size);
    emit(h, NULL, depth + 1, "mac = %s", mac);
    emit(h, NULL, depth + 1, "tx_waiting = %u, mergeable_rx_bufs = %u",
         n->tx_waiting, n->mergeable_rx_bufs);
    emit(h, NULL, depth + 1, "status = 0x%04x%s", n->status,
         n->status & 1 ? " (link up)" : "");
    emit(h, NULL, depth + 1, "promisc = %u, allmulti = %u, alluni = %u, "
         "nomulti = %u, nouni = %u, nobcast = %u", n->promisc, n->allmulti,
         n->alluni, n->nomulti, n->nouni, n->nobcast);
    emit(h, NULL, depth + 1, "mac_table.in_use = %u, multi_overflow = %u, "
         "uni_overflow = %u", n->mac_table_in_use, n->multi_overflow,
         n->uni_overflow);
    for (uint32_t i = 0; i < n->mac_table_in_use; i++) {
        g_autofree char *m = named_mac_text(b + (n->mac_table_offset -
                                                 f->offset) + 6u * i);
        emit(h, NULL, depth + 2, "[%u] %s", i, m);
    }
    emit(h, NULL, depth + 1, "vlans = %u of 4096 VLAN ids allowed",
         n->vlans_allowed);
    emit(h, NULL, depth + 1, "has_vnet_hdr = %u, has_ufo = %u",
         n->has_vnet_hdr, n->has_ufo);
    if (n->multiqueue) {
        emit(h, NULL, depth + 1, "max_queue_pairs = %u, curr_queue_pairs = "
             "%u", n->max_queue_pairs, n->curr_queue_pairs);
    }
    if (n->has_offloads) {
        emit(h, NULL, depth + 1, "curr_guest_offloads = 0x%016"
             G_GINT64_MODIFIER "x", n->curr_guest_offloads);
    }
}

static void show_virtio_queues(Hum *h, const VirtioState *s, unsigned depth)
{
    emit(h, NULL, depth, "queues = %u", s->queues->len);
    for (guint i = 0; i < s->queues->len; i++) {
        const VirtioQueue *q = &g_array_index(s->queues, VirtioQueue, i);
        VmField at = { .offset = q->offset, .size = s->msix_entries ? 16 : 14 };
        g_autofree char *vec = q->vector >= 0
            ? g_strdup_printf(", vector %d", q->vector) : g_strdup("");
        emit(h, &at, depth + 1, "[%u] num %u, desc 0x%016" G_GINT64_MODIFIER
             "x, last_avail_idx %u%s", i, q->num, q->desc, q->last_avail_idx,
             vec);
    }
}

/* The opaque virtio field, decoded as far as its layout is public; the rest
 * (the device's own vmsd and the virtio subsections) as bytes. */
static void show_virtio(Hum *h, const VmField *f, const char *name,
                        unsigned depth)
{
    VirtioState s;
    bool ok = virtio_state_decode(vmstate_bytes(h->t, f), (size_t)f->size,
                                  f->offset, &s);
    const char *dev = virtio_device_name(s.virtio_id);
    uint64_t rest = ok ? s.device_offset - f->offset + s.net.size
                       : s.common_size;
    PciConfig pci;

    emit(h, f, depth, "%s = %" G_GUINT64_FORMAT " bytes (virtio)%s%s", name,
         f->size, s.stop ? ", not decoded: " : "", s.stop ? s.stop : "");
    if (s.vendor_id == 0x1af4) {
        emit(h, NULL, depth + 1, "pci: vendor 0x%04x device 0x%04x (virtio "
             "%s%s), %u MSI-X entries, config vector %d", s.vendor_id,
             s.device_id, dev ? dev : "?", s.express ? ", PCI Express" : "",
             s.msix_entries, s.config_vector);
        if (pci_config_decode(vmstate_bytes(h->t, f) + 4, (size_t)f->size - 4,
                              &pci)) {
            show_pci(h, &pci, depth + 2);
        }
    }
    if (ok) {
        g_autofree char *st = named_status_text(s.status);
        g_autofree char *feat = features_text(s.guest_features, s.virtio_id);
        emit(h, NULL, depth + 1, "status = 0x%02x (%s)", s.status,
             st[0] ? st : "reset");
        emit(h, NULL, depth + 1, "isr = 0x%02x", s.isr);
        emit(h, NULL, depth + 1, "queue_sel = %u", s.queue_sel);
        emit(h, NULL, depth + 1, "guest_features = 0x%016" G_GINT64_MODIFIER
             "x (%s)%s%s", s.guest_features, s.has_features64
             ? "virtio/64bit_features" : "low 32 bits", feat[0] ? ": " : "",
             feat);
        emit(h, NULL, depth + 1, "config = %u bytes", s.config_len);
        dump(h, vmstate_bytes(h->t, f) + (s.config_offset - f->offset),
             s.config_len, depth + 2);
        show_virtio_queues(h, &s, depth + 1);
        if (s.virtio_id == VIRTIO_ID_NET) {
            show_net(h, f, &s.net, depth + 1);
        }
        for (guint i = 0; i < s.subs->len; i++) {
            const VirtioSub *v = &g_array_index(s.subs, VirtioSub, i);
            emit(h, NULL, depth + 1, "subsection %s (version %u) at 0x%"
                 G_GINT64_MODIFIER "x", v->name, v->version, v->offset);
        }
    }
    emit(h, NULL, depth + 1, "%s, %" G_GUINT64_FORMAT " bytes from +0x%"
         G_GINT64_MODIFIER "x:", !ok ? "undecoded" : s.net.present
         ? "the rest: virtio-net's subsections and the virtio subsections"
         : "the device's own part and the virtio subsections (no public "
         "layout)", f->size - rest,
         rest);
    dump_from(h, vmstate_bytes(h->t, f) + rest, (size_t)(f->size - rest),
              rest, depth + 2);
    virtio_state_clear(&s);
}

/* An array of integers or bools of one width: *width and *kind are its
 * first element's. */
static bool leaf_array(const VmTree *t, const VmField *f, unsigned *width,
                       unsigned *kind)
{
    VmIter it = vmstate_iter(t, f);
    const VmField *k = vmstate_iter_next(&it);

    *width = k ? k->width : 0;
    *kind = k ? k->kind : 0;
    if (f->packed) {
        return f->packed == VM_INT || f->packed == VM_UINT ||
               f->packed == VM_BOOL;
    }
    for (; k; k = vmstate_iter_next(&it)) {
        if (k->first != VM_NONE || k->flags || k->width != *width ||
            (k->kind != VM_INT && k->kind != VM_UINT && k->kind != VM_BOOL)) {
            return false;
        }
    }
    return f->count > 0;
}

/* An array of numbers: inline when short, else rows of ROW_VALUES with the
 * first index, repeated rows collapsed to "*"; bytes as a hexdump. */
static void show_numbers(Hum *h, const VmField *f, const char *name,
                         unsigned width, unsigned kind, unsigned depth)
{
    bool count = field_countish(name);
    g_autofree char *type = text_escape(f->type);
    GPtrArray *vals;
    g_autofree char *prev = NULL;
    bool starred = false;
    VmIter it = vmstate_iter(h->t, f);

    if (width == 1 && f->count > ROW_VALUES && kind == VM_UINT && !count) {
        emit(h, f, depth, "%s = %u bytes (%s)", name, f->count, type);
        dump(h, vmstate_bytes(h->t, f), (size_t)f->size, depth + 1);
        return;
    }
    vals = g_ptr_array_new_with_free_func(g_free);
    for (const VmField *k; (k = vmstate_iter_next(&it));) {
        g_ptr_array_add(vals, field_value_text(h->t, k, count));
    }
    if (f->count <= 4) {
        g_ptr_array_add(vals, NULL);
        g_autofree char *joined = g_strjoinv(", ", (char **)vals->pdata);
        emit(h, f, depth, "%s = [%s]", name, joined);
        g_ptr_array_unref(vals);
        return;
    }
    emit(h, f, depth, "%s = %u x %s", name, f->count, type);
    for (guint i = 0; i < vals->len; i += ROW_VALUES) {
        GString *row = g_string_new(NULL);
        for (guint k = i; k < MIN(vals->len, i + ROW_VALUES); k++) {
            g_string_append_printf(row, "%s%s", k > i ? " " : "",
                                   (char *)g_ptr_array_index(vals, k));
        }
        if (prev && !strcmp(prev, row->str) &&
            vals->len - i >= ROW_VALUES) {
            if (!starred) {
                emit(h, NULL, depth + 1, "*");
                starred = true;
            }
            g_string_free(row, TRUE);
            continue;
        }
        starred = false;
        emit(h, NULL, depth + 1, "[%u] %s", i, row->str);
        g_free(prev);
        prev = g_string_free(row, FALSE);
    }
    g_ptr_array_unref(vals);
}

static void show_array(Hum *h, const VmField *f, const char *name,
                       unsigned depth)
{
    unsigned width, kind;
    guint i = 0;

    if (leaf_array(h->t, f, &width, &kind)) {
        show_numbers(h, f, name, width, kind, depth);
        return;
    }
    VmIter it = vmstate_iter(h->t, f);

    for (const VmField *k; (k = vmstate_iter_next(&it));) {
        g_autofree char *n = g_strdup_printf("%s[%u]", name, i++);
        show(h, k, n, depth);
    }
}

static void show(Hum *h, const VmField *f, const char *name, unsigned depth)
{
    g_autofree char *safe = text_escape(name);

    switch (f->kind) {
    case VM_STRUCT:
        emit(h, f, depth, "%s:", safe);
        show_children(h, f, depth + 1);
        return;
    case VM_SUBSECTION:
        emit(h, f, depth, "%s: (subsection, version %u)", safe, f->version);
        show_children(h, f, depth + 1);
        return;
    case VM_ARRAY:
        show_array(h, f, safe, depth);
        return;
    case VM_BYTES:
    case VM_RAW:
        if (!strcmp(f->type, "virtio") && f->parent == 0) {
            show_virtio(h, f, safe, depth);
            return;
        }
        if (f->size > INLINE_BYTES) {
            g_autofree char *type = text_escape(f->type);
            emit(h, f, depth, "%s = %" G_GUINT64_FORMAT " bytes (%s)%s", safe,
                 f->size, type, flag_note(f));
            dump(h, vmstate_bytes(h->t, f), (size_t)f->size, depth + 1);
            if (!strcmp(f->type, "pci config")) {
                PciConfig c;
                if (pci_config_decode(vmstate_bytes(h->t, f), (size_t)f->size,
                                      &c)) {
                    show_pci(h, &c, depth + 1);
                }
            }
            return;
        }
        break;
    default:
        break;
    }
    g_autofree char *v = field_value_text(h->t, f, field_countish(name));
    emit(h, f, depth, "%s = %s%s", safe, v, flag_note(f));
}

static void heading(Out *o, const DeviceSet *ds, guint i)
{
    const StreamSection *s = &g_array_index(ds->m->sections, StreamSection, i);
    g_autofree char *idstr = text_escape(s->idstr);
    g_autofree char *vmsd = s->vmsd_name ? text_escape(s->vmsd_name) : NULL;
    g_autofree char *what = vmsd
        ? g_strdup_printf("vmsd %s version %" G_GINT64_FORMAT, vmsd,
                          s->vmsd_version)
        : g_strdup_printf("section version %u", s->version);

    out_line(o, "\n%s (section %u, id %u, instance %u): %s, body %"
             G_GUINT64_FORMAT " bytes at 0x%" G_GINT64_MODIFIER "x", idstr, i,
             s->section_id, s->instance_id, what,
             s->body_end >= s->body_offset ? s->body_end - s->body_offset : 0,
             s->body_offset);
}

static void show_raw(Hum *h, const DeviceSet *ds, guint i)
{
    const StreamSection *s = &g_array_index(ds->m->sections, StreamSection, i);
    const uint8_t *body;
    size_t len = 0;

    emit(h, NULL, 0, "no fields: %s", ds->why[i]);
    body = stream_section_body(ds->m, s, &len);
    if (!body) {
        return;
    }
    emit(h, NULL, 0, "undescribed body, %zu bytes%s:", len,
         len > DEVICE_RAW_SHOW ? " (the first 256 shown)" : "");
    dump(h, body, MIN(len, (size_t)DEVICE_RAW_SHOW), 1);
}

static void show_mismatches(Hum *h, const VmTree *t)
{
    for (guint k = 0; k < t->mismatches->len; k++) {
        const VmMismatch *mm = &g_array_index(t->mismatches, VmMismatch, k);
        g_autofree char *path = text_escape(mm->path[0] ? mm->path
                                                        : "(section body)");
        g_autofree char *msg = text_escape(mm->msg);
        emit(h, NULL, 0, "MISMATCH at 0x%" G_GINT64_MODIFIER "x: %s: %s",
             mm->offset, path, msg);
    }
}

void device_render_human(Out *o, const DeviceSet *ds)
{
    out_line(o, "\nDevices (%s)", ds->view->offsets
             ? "offset, size, then field" : "field = value");
    for (guint i = 0; i < ds->m->sections->len; i++) {
        const DevHeld *held = ds->facts[i].held;
        const VmTree *kept = held ? dev_held_kept(held) : NULL;
        g_autoptr(VmTree) t = kept ? NULL : device_tree(ds, i);
        Hum h = { o, kept ? kept : t, ds->view->offsets };

        if (!ds->selected[i]) {
            continue;
        }
        heading(o, ds, i);
        if (!h.t) {
            show_raw(&h, ds, i);
            continue;
        }
        show_mismatches(&h, h.t);
        show_children(&h, vmstate_root(h.t), 0);
    }
}
