/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --device: fields people decode by hand get names. The opaque "virtio"
 * field (formats/virtio_state.h, feature bits by the virtio spec's names)
 * and the arm cpu's cpreg index/value lists (formats/arm_cpreg.h). JSON:
 * the section's "decoded" object; human: lines under the field.
 */
#include "render/device_named.h"

#include <glib.h>
#include <string.h>

#include "arm_cpreg.h"
#include "pci_config.h"
#include "render/escape.h"
#include "render/hexdump.h"
#include "virtio_features.h"

/* ---- virtio ---- */

const VmField *named_virtio_field(const VmTree *t)
{
    for (const VmField *k = vmstate_first(t, vmstate_root(t)); k;
         k = vmstate_next(t, k)) {
        if (!strcmp(k->type, "virtio") && k->kind == VM_BYTES) {
            return k;
        }
    }
    return NULL;
}

char *named_feature_text(uint32_t id, unsigned bit)
{
    const char *n = virtio_feature_name(id, bit);

    return n ? g_strdup(n) : g_strdup_printf("bit %u", bit);
}

static const char *const status_bits[8] = {
    "ACKNOWLEDGE", "DRIVER", "DRIVER_OK", "FEATURES_OK", NULL, NULL,
    "DEVICE_NEEDS_RESET", "FAILED",
};

char *named_status_text(uint8_t status)
{
    GString *s = g_string_new(NULL);

    for (unsigned b = 0; b < 8; b++) {
        if (status & (1u << b)) {
            if (s->len) {
                g_string_append_c(s, '|');
            }
            if (status_bits[b]) {
                g_string_append(s, status_bits[b]);
            } else {
                g_string_append_printf(s, "bit %u", b);
            }
        }
    }
    return g_string_free(s, FALSE);
}

static json_object *bits_json(uint64_t v, uint32_t id)
{
    json_object *a = json_object_new_array();

    for (unsigned b = 0; b < 64; b++) {
        if (v & (1ull << b)) {
            g_autofree char *n = named_feature_text(id, b);
            json_object_array_add(a, json_object_new_string(n));
        }
    }
    return a;
}

static json_object *status_json(uint8_t status)
{
    json_object *a = json_object_new_array();

    for (unsigned b = 0; b < 8; b++) {
        if (status & (1u << b)) {
            g_autofree char *n = status_bits[b] ? g_strdup(status_bits[b])
                                                : g_strdup_printf("bit %u", b);
            json_object_array_add(a, json_object_new_string(n));
        }
    }
    return a;
}

static void add(json_object *o, const char *k, json_object *v)
{
    json_object_object_add(o, k, v);
}

static json_object *queues_json(const VirtioState *s)
{
    json_object *a = json_object_new_array();

    for (guint i = 0; i < s->queues->len; i++) {
        const VirtioQueue *q = &g_array_index(s->queues, VirtioQueue, i);
        json_object *e = json_object_new_object();
        add(e, "offset", json_u64(q->offset));
        add(e, "num", json_object_new_int64(q->num));
        add(e, "desc", json_u64(q->desc));
        add(e, "last-avail-idx", json_object_new_int(q->last_avail_idx));
        add(e, "vector", q->vector >= 0 ? json_object_new_int(q->vector)
                                        : NULL);
        json_object_array_add(a, e);
    }
    return a;
}

static json_object *subs_json(const VirtioState *s)
{
    json_object *a = json_object_new_array();

    for (guint i = 0; i < s->subs->len; i++) {
        const VirtioSub *v = &g_array_index(s->subs, VirtioSub, i);
        json_object *e = json_object_new_object();
        add(e, "name", json_text(v->name));
        add(e, "offset", json_u64(v->offset));
        add(e, "version", json_object_new_int64(v->version));
        json_object_array_add(a, e);
    }
    return a;
}

/* ---- PCI config space ---- */

const VmField *named_pci_field(const VmTree *t)
{
    for (guint i = 0; i < t->fields->len; i++) {
        const VmField *k = vmstate_field(t, i);
        if (k->kind == VM_BYTES && !strcmp(k->type, "pci config")) {
            return k;
        }
    }
    return NULL;
}

bool named_pci_config(const VmTree *t, PciConfig *c, uint64_t *offset,
                      const char **path)
{
    const VmField *f = named_pci_field(t);
    bool ok;

    if (f) {
        *offset = f->offset;
        *path = f->name;
        return pci_config_decode(vmstate_bytes(t, f), (size_t)f->size, c);
    }
    f = named_virtio_field(t);
    if (!f) {
        return false;
    }
    ok = virtio_state_pci_vendor(vmstate_bytes(t, f), (size_t)f->size) ==
         0x1af4 &&
         pci_config_decode(vmstate_bytes(t, f) + 4, (size_t)f->size - 4, c);
    *offset = f->offset + 4;
    *path = f->name;
    return ok;
}

char *named_pci_text(const PciConfig *c)
{
    g_autofree char *sub = c->header_type == 0
        ? g_strdup_printf(" subsystem 0x%04x:0x%04x", c->subsystem_vendor_id,
                          c->subsystem_id) : g_strdup("");

    return g_strdup_printf("vendor 0x%04x device 0x%04x revision 0x%02x class "
                           "0x%06x header type %u%s%s command 0x%04x status "
                           "0x%04x interrupt line %u pin %u", c->vendor_id,
                           c->device_id, c->revision, c->class_code,
                           c->header_type, c->multifunction
                           ? " (multi-function)" : "", sub, c->command,
                           c->status, c->interrupt_line, c->interrupt_pin);
}

char *named_bar_text(const PciBar *b)
{
    g_autofree char *label = b->type == PCI_BAR_ROM
        ? g_strdup("ROM") : g_strdup_printf("BAR%u", b->index);

    return g_strdup_printf("%s %s%s 0x%0*" G_GINT64_MODIFIER "x (register "
                           "0x%0*" G_GINT64_MODIFIER "x)%s", label,
                           pci_bar_type_name(b->type),
                           b->prefetch ? " prefetchable" : "",
                           b->type == PCI_BAR_MEM64 ? 16 : 8, b->address,
                           b->type == PCI_BAR_MEM64 ? 16 : 8, b->raw,
                           b->decoding ? ", decoding" : ", not decoding");
}

static json_object *bars_json(const PciConfig *c)
{
    json_object *a = json_object_new_array();

    for (unsigned i = 0; i < c->nbars; i++) {
        const PciBar *b = &c->bars[i];
        json_object *e = json_object_new_object();
        add(e, "bar", json_object_new_int((int)b->index));
        add(e, "type", json_object_new_string(pci_bar_type_name(b->type)));
        add(e, "prefetch", json_object_new_boolean(b->prefetch));
        add(e, "register", json_u64(b->raw));
        add(e, "address", json_u64(b->address));
        add(e, "decoding", json_object_new_boolean(b->decoding));
        json_object_array_add(a, e);
    }
    return a;
}

static json_object *pci_json(const VmTree *t)
{
    PciConfig c;
    uint64_t offset;
    const char *path;
    json_object *o;

    if (!named_pci_config(t, &c, &offset, &path)) {
        return NULL;
    }
    o = json_object_new_object();
    add(o, "path", json_text(path));
    add(o, "offset", json_u64(offset));
    add(o, "vendor-id", json_object_new_int(c.vendor_id));
    add(o, "device-id", json_object_new_int(c.device_id));
    add(o, "revision", json_object_new_int(c.revision));
    add(o, "class", json_object_new_int64(c.class_code));
    add(o, "header-type", json_object_new_int(c.header_type));
    add(o, "multifunction", json_object_new_boolean(c.multifunction));
    add(o, "command", json_object_new_int(c.command));
    add(o, "status", json_object_new_int(c.status));
    if (c.header_type == 0) {
        add(o, "subsystem-vendor-id", json_object_new_int(c.subsystem_vendor_id));
        add(o, "subsystem-id", json_object_new_int(c.subsystem_id));
    }
    add(o, "interrupt-line", json_object_new_int(c.interrupt_line));
    add(o, "interrupt-pin", json_object_new_int(c.interrupt_pin));
    add(o, "bars", bars_json(&c));
    return o;
}

/* ---- virtio-net's own part ---- */

char *named_mac_text(const uint8_t *m)
{
    return g_strdup_printf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
                           m[3], m[4], m[5]);
}

static json_object *mac_table_json(const uint8_t *field, uint64_t field_at,
                                   const VirtioNet *n)
{
    json_object *a = json_object_new_array();

    for (uint32_t i = 0; i < n->mac_table_in_use; i++) {
        g_autofree char *m = named_mac_text(field + (n->mac_table_offset -
                                                     field_at) + 6u * i);
        json_object_array_add(a, json_object_new_string(m));
    }
    return a;
}

static json_object *net_json(const uint8_t *field, uint64_t field_at,
                             const VirtioNet *n)
{
    json_object *o = json_object_new_object();
    g_autofree char *mac = named_mac_text(n->mac);
    g_autofree char *vlans = NULL;

    add(o, "offset", json_u64(n->offset));
    add(o, "size", json_u64(n->size));
    add(o, "stop", n->stop ? json_object_new_string(n->stop) : NULL);
    if (!n->present) {
        return o;
    }
    vlans = hex_string(field + (n->vlans_offset - field_at), VIRTIO_NET_VLANS);
    add(o, "mac", json_object_new_string(mac));
    add(o, "tx-waiting", json_object_new_int64(n->tx_waiting));
    add(o, "mergeable-rx-bufs", json_object_new_int64(n->mergeable_rx_bufs));
    add(o, "status", json_object_new_int(n->status));
    add(o, "promisc", json_object_new_int(n->promisc));
    add(o, "allmulti", json_object_new_int(n->allmulti));
    add(o, "mac-table-in-use", json_object_new_int64(n->mac_table_in_use));
    add(o, "mac-table", mac_table_json(field, field_at, n));
    add(o, "vlans", json_object_new_string(vlans));
    add(o, "vlans-allowed", json_object_new_int64(n->vlans_allowed));
    add(o, "has-vnet-hdr", json_object_new_int64(n->has_vnet_hdr));
    add(o, "multi-overflow", json_object_new_int(n->multi_overflow));
    add(o, "uni-overflow", json_object_new_int(n->uni_overflow));
    add(o, "alluni", json_object_new_int(n->alluni));
    add(o, "nomulti", json_object_new_int(n->nomulti));
    add(o, "nouni", json_object_new_int(n->nouni));
    add(o, "nobcast", json_object_new_int(n->nobcast));
    add(o, "has-ufo", json_object_new_int(n->has_ufo));
    if (n->multiqueue) {
        add(o, "max-queue-pairs", json_object_new_int(n->max_queue_pairs));
        add(o, "curr-queue-pairs", json_object_new_int(n->curr_queue_pairs));
    }
    if (n->has_offloads) {
        add(o, "curr-guest-offloads", json_u64(n->curr_guest_offloads));
    }
    return o;
}

static json_object *virtio_json(const VmTree *t, const VmField *f)
{
    VirtioState s;
    json_object *o = json_object_new_object();
    bool ok = virtio_state_decode(vmstate_bytes(t, f), (size_t)f->size,
                                  f->offset, &s);
    const char *dev = virtio_device_name(s.virtio_id);

    add(o, "path", json_text(f->name));
    add(o, "transport", json_object_new_string(ok || s.vendor_id == 0x1af4
                                               ? "pci" : "unknown"));
    add(o, "stop", s.stop ? json_object_new_string(s.stop) : NULL);
    add(o, "decoded-size", json_u64(s.common_size));
    if (s.vendor_id == 0x1af4) {
        add(o, "pci-vendor-id", json_object_new_int(s.vendor_id));
        add(o, "pci-device-id", json_object_new_int(s.device_id));
        add(o, "device-type", dev ? json_object_new_string(dev) : NULL);
        add(o, "pci-express", json_object_new_boolean(s.express));
        add(o, "msix-entries", json_object_new_int64(s.msix_entries));
        add(o, "config-vector", s.config_vector >= 0
            ? json_object_new_int(s.config_vector) : NULL);
    }
    if (ok) {
        g_autofree char *cfg = hex_string(vmstate_bytes(t, f) +
                                          (s.config_offset - f->offset),
                                          s.config_len);
        add(o, "status", json_object_new_int(s.status));
        add(o, "status-bits", status_json(s.status));
        add(o, "isr", json_object_new_int(s.isr));
        add(o, "queue-sel", json_object_new_int(s.queue_sel));
        add(o, "guest-features", json_u64(s.guest_features));
        add(o, "guest-features-source", json_object_new_string(
                s.has_features64 ? "virtio/64bit_features" : "low 32 bits"));
        add(o, "guest-feature-names", bits_json(s.guest_features,
                                                s.virtio_id));
        add(o, "config-offset", json_u64(s.config_offset));
        add(o, "config", json_object_new_string(cfg));
        add(o, "queues", queues_json(&s));
        add(o, "device-offset", json_u64(s.device_offset));
        add(o, "device-size", json_u64(s.device_size));
        add(o, "subsections", subs_json(&s));
        if (s.virtio_id == VIRTIO_ID_NET) {
            add(o, "net", net_json(vmstate_bytes(t, f), f->offset, &s.net));
        }
    }
    virtio_state_clear(&s);
    return o;
}

/* ---- arm cpregs ---- */

bool named_cpregs(const VmTree *t, const VmField **idx, const VmField **val)
{
    const VmField *root = vmstate_root(t);

    *idx = vmstate_child(t, root, "cpreg_vmstate_indexes");
    *val = vmstate_child(t, root, "cpreg_vmstate_values");
    return *idx && *val && (*idx)->kind == VM_ARRAY &&
           (*val)->kind == VM_ARRAY && (*idx)->count == (*val)->count;
}

static const char *kind_name(ArmCpregKind k)
{
    switch (k) {
    case ARM_CPREG_SYSREG64:
        return "sysreg64";
    case ARM_CPREG_CP32:
        return "cp32";
    case ARM_CPREG_CP64:
        return "cp64";
    default:
        return "other";
    }
}

char *named_cpreg_text(uint64_t id)
{
    ArmCpreg r;

    if (!arm_cpreg_decode(id, &r)) {
        return g_strdup_printf("0x%016" G_GINT64_MODIFIER "x (not an Arm "
                               "register id)", id);
    }
    switch (r.kind) {
    case ARM_CPREG_SYSREG64:
        return g_strdup_printf("%s (op0 %u op1 %u CRn %u CRm %u op2 %u)",
                               r.name ? r.name : "S", r.op0, r.op1, r.crn,
                               r.crm, r.op2);
    case ARM_CPREG_CP32:
        return g_strdup_printf("%s (cp%u opc1 %u CRn %u CRm %u opc2 %u)",
                               r.name ? r.name : "cp32", r.op0, r.op1, r.crn,
                               r.crm, r.op2);
    case ARM_CPREG_CP64:
        return g_strdup_printf("cp64 (cp%u opc1 %u CRm %u)", r.op0, r.op1,
                               r.crm);
    default:
        return g_strdup_printf("0x%016" G_GINT64_MODIFIER "x", id);
    }
}

static json_object *cpregs_json(const VmTree *t, const VmField *idx,
                                const VmField *val)
{
    json_object *a = json_object_new_array();
    VmIter ik = vmstate_iter(t, idx), iv = vmstate_iter(t, val);

    for (const VmField *k, *v; (k = vmstate_iter_next(&ik)) &&
                               (v = vmstate_iter_next(&iv));) {
        json_object *e = json_object_new_object();
        ArmCpreg r;
        bool arm = arm_cpreg_decode(k->value, &r);
        add(e, "id", json_u64(k->value));
        add(e, "kind", json_object_new_string(arm ? kind_name(r.kind)
                                                  : "other"));
        if (arm && r.kind != ARM_CPREG_OTHER) {
            add(e, r.kind == ARM_CPREG_SYSREG64 ? "op0" : "cp",
                json_object_new_int((int)r.op0));
            add(e, "op1", json_object_new_int((int)r.op1));
            add(e, "crn", json_object_new_int((int)r.crn));
            add(e, "crm", json_object_new_int((int)r.crm));
            add(e, "op2", json_object_new_int((int)r.op2));
        }
        add(e, "name", arm && r.name ? json_object_new_string(r.name) : NULL);
        add(e, "value", json_u64(v->value));
        json_object_array_add(a, e);
    }
    return a;
}

json_object *named_json(const VmTree *t)
{
    const VmField *f = named_virtio_field(t), *idx, *val;
    json_object *o = NULL, *pci = pci_json(t);

    if (pci) {
        o = json_object_new_object();
        add(o, "pci", pci);
    }
    if (f) {
        o = o ? o : json_object_new_object();
        add(o, "virtio", virtio_json(t, f));
    }
    if (named_cpregs(t, &idx, &val)) {
        o = o ? o : json_object_new_object();
        add(o, "cpregs", cpregs_json(t, idx, val));
    }
    return o;
}
