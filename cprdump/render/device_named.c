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
    const VmField *v = vmstate_first(t, val);

    for (const VmField *k = vmstate_first(t, idx); k && v;
         k = vmstate_next(t, k), v = vmstate_next(t, v)) {
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
    json_object *o = NULL;

    if (f) {
        o = json_object_new_object();
        add(o, "virtio", virtio_json(t, f));
    }
    if (named_cpregs(t, &idx, &val)) {
        o = o ? o : json_object_new_object();
        add(o, "cpregs", cpregs_json(t, idx, val));
    }
    return o;
}
