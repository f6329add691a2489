/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio_save() of a virtio PCI device: virtio_pci_save_config (the PCI
 * device's vmstate: int32 version_id, config space, 4 x int32 irq state;
 * then, with MSI-X, the table, the pending bits and a BE u16 config vector),
 * status u8, isr u8, queue_sel BE u16, guest features (low 32) BE u32,
 * config_len BE u32 + config, queue count BE u32, per queue: ring size BE u32,
 * descriptor address BE u64, last_avail_idx BE u16 (+ BE u16 MSI-X vector);
 * then the device's vmsd without a description, then vmstate_virtio's
 * subsections ("virtio/...").
 */
#include "virtio_state.h"

#include <string.h>

#include "virtio_features.h"

#define PCI_CONFIG 256u
#define PCIE_CONFIG 4096u
#define CAP_MSIX 0x11
#define CAP_EXP 0x10

typedef struct Cur {
    const uint8_t *p;
    size_t n, pos;
} Cur;

static bool take(Cur *c, size_t k, uint64_t *v)
{
    if (c->n - c->pos < k) {
        return false;
    }
    *v = 0;
    for (size_t i = 0; i < k; i++) {
        *v = (*v << 8) | c->p[c->pos + i];
    }
    c->pos += k;
    return true;
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* The capability of id 'want' in the config space (64 hops at most). */
static int find_cap(const uint8_t *cfg, uint8_t want)
{
    uint8_t at = cfg[0x34] & 0xfc;

    if (!(le16(cfg + 6) & 0x10)) {     /* status: capability list */
        return -1;
    }
    for (int hops = 0; at >= 0x40 && hops < 64; hops++) {
        if (cfg[at] == want) {
            return at;
        }
        at = cfg[at + 1] & 0xfc;
    }
    return -1;
}

uint16_t virtio_state_pci_vendor(const uint8_t *p, size_t n)
{
    return n >= 4 + PCI_CONFIG ? le16(p + 4) : 0;
}

static bool pci_part(Cur *c, VirtioState *s)
{
    uint64_t v;
    const uint8_t *cfg;
    int cap;

    s->vendor_id = virtio_state_pci_vendor(c->p + c->pos, c->n - c->pos);
    if (!take(c, 4, &v) || c->n - c->pos < PCI_CONFIG) {
        s->stop = "too short for a PCI device's state";
        return false;
    }
    cfg = c->p + c->pos;
    s->device_id = le16(cfg + 2);
    if (v != 2 || s->vendor_id != 0x1af4) {
        s->stop = "not the PCI transport (no virtio PCI config space)";
        return false;
    }
    s->virtio_id = virtio_id_from_pci(s->device_id);
    s->express = find_cap(cfg, CAP_EXP) >= 0;
    cap = find_cap(cfg, CAP_MSIX);
    if (cap >= 0 && cap + 4 <= (int)PCI_CONFIG) {
        s->msix_entries = (le16(cfg + cap + 2) & 0x7ff) + 1u;
    }
    if (c->n - c->pos < (s->express ? PCIE_CONFIG : PCI_CONFIG)) {
        s->stop = "ends inside the PCI device's config space";
        return false;
    }
    c->pos += s->express ? PCIE_CONFIG : PCI_CONFIG;
    if (!take(c, 16, &v)) {
        s->stop = "ends inside the PCI device's state";
        return false;
    }
    if (s->msix_entries) {
        size_t k = s->msix_entries * 16u + (s->msix_entries + 7u) / 8u;
        if (c->n - c->pos < k) {
            s->stop = "ends inside the MSI-X table";
            return false;
        }
        c->pos += k;
        if (!take(c, 2, &v)) {
            s->stop = "ends before the config vector";
            return false;
        }
        s->config_vector = (int32_t)v;
    }
    return true;
}

static bool common_part(Cur *c, VirtioState *s)
{
    uint64_t v, count;

    if (!take(c, 1, &v) || (s->status = (uint8_t)v, !take(c, 1, &v)) ||
        (s->isr = (uint8_t)v, !take(c, 2, &v)) ||
        (s->queue_sel = (uint16_t)v, !take(c, 4, &v))) {
        s->stop = "ends inside the common virtio state";
        return false;
    }
    s->guest_features_lo = (uint32_t)v;
    s->guest_features = v;
    if (!take(c, 4, &v) || v > c->n - c->pos) {
        s->stop = "config space length overruns the field";
        return false;
    }
    s->config_len = (uint32_t)v;
    s->config_offset = s->offset + c->pos;
    c->pos += (size_t)v;
    if (!take(c, 4, &count) || count > VIRTIO_QUEUES_MAX) {
        s->stop = "no plausible queue count (QEMU has at most 1024 queues)";
        return false;
    }
    for (uint64_t i = 0; i < count; i++) {
        VirtioQueue q = { .offset = s->offset + c->pos, .vector = -1 };
        if (!take(c, 4, &v) || (q.num = (uint32_t)v, !take(c, 8, &q.desc)) ||
            !take(c, 2, &v)) {
            s->stop = "ends inside the queue list";
            return false;
        }
        q.last_avail_idx = (uint16_t)v;
        if (s->msix_entries) {
            if (!take(c, 2, &v)) {
                s->stop = "ends inside the queue list";
                return false;
            }
            q.vector = (int32_t)v;
        }
        g_array_append_val(s->queues, q);
    }
    return true;
}

/* A "virtio/..." subsection header at p (k bytes left)? */
static bool sub_at(const uint8_t *p, size_t k, VirtioSub *sub)
{
    size_t len;

    if (k < 2 + 7 + 4 || p[0] != 0x05) {
        return false;
    }
    len = p[1];
    if (len < 8 || k < 2 + len + 4 || memcmp(p + 2, "virtio/", 7)) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (p[2 + i] < 0x21 || p[2 + i] > 0x7e) {
            return false;
        }
    }
    memcpy(sub->name, p + 2, len);
    sub->name[len] = '\0';
    sub->version = (uint32_t)p[2 + len] << 24 | p[3 + len] << 16 |
                   p[4 + len] << 8 | p[5 + len];
    return true;
}

/* The device part has no description: it ends at the first "virtio/"
 * subsection header; every later one is listed too. */
static void subsections(Cur *c, VirtioState *s)
{
    bool first = true;

    s->device_offset = s->offset + c->pos;
    for (size_t i = c->pos; i < c->n; i++) {
        const uint8_t *mark = memchr(c->p + i, 0x05, c->n - i);
        VirtioSub sub;

        if (!mark) {
            break;
        }
        i = (size_t)(mark - c->p);
        sub.offset = s->offset + i;
        if (!sub_at(c->p + i, c->n - i, &sub)) {
            continue;
        }
        if (first) {
            s->device_size = i - c->pos;
            first = false;
        }
        if (!strcmp(sub.name, "virtio/64bit_features") &&
            c->n - i >= 2 + strlen(sub.name) + 4 + 8) {
            Cur f = { c->p, c->n, i + 2 + strlen(sub.name) + 4 };
            uint64_t v = 0;
            take(&f, 8, &v);
            s->guest_features = v;
            s->has_features64 = true;
        }
        g_array_append_val(s->subs, sub);
        i += 1 + strlen(sub.name) + 4;
    }
    if (first) {
        s->device_size = c->n - c->pos;
    }
}

#define NET_F_CTRL_GUEST_OFFLOADS 2

static bool net_take(Cur *c, VirtioNet *net, size_t k, uint64_t *v)
{
    if (!take(c, k, v)) {
        net->stop = "the device part ends before virtio-net's layout does";
        return false;
    }
    return true;
}

/* virtio-net's fields in wire order; multi-queue fields when the device has
 * more than one queue pair (2 per pair + the control queue), the offloads
 * when the guest acknowledged VIRTIO_NET_F_CTRL_GUEST_OFFLOADS. */
static bool net_fields(Cur *c, const VirtioState *s, VirtioNet *net)
{
    uint8_t *u8s[] = { &net->multi_overflow, &net->uni_overflow,
                       &net->alluni, &net->nomulti, &net->nouni,
                       &net->nobcast, &net->has_ufo };
    uint64_t v;

    if (c->n - c->pos < 6) {
        net->stop = "the device part ends before virtio-net's layout does";
        return false;
    }
    memcpy(net->mac, c->p + c->pos, 6);
    c->pos += 6;
    if (!net_take(c, net, 4, &v) || (net->tx_waiting = (uint32_t)v,
        !net_take(c, net, 4, &v)) || (net->mergeable_rx_bufs = (uint32_t)v,
        !net_take(c, net, 2, &v)) || (net->status = (uint16_t)v,
        !net_take(c, net, 1, &v)) || (net->promisc = (uint8_t)v,
        !net_take(c, net, 1, &v)) || (net->allmulti = (uint8_t)v,
        !net_take(c, net, 4, &v))) {
        return false;
    }
    net->mac_table_in_use = (uint32_t)v;
    net->mac_table_offset = s->device_offset + c->pos;
    if ((c->n - c->pos) / 6 < v ||
        c->n - c->pos - v * 6 < VIRTIO_NET_VLANS) {
        net->stop = "the MAC table and VLAN bitmap overrun the device part";
        return false;
    }
    c->pos += (size_t)v * 6;
    net->vlans_offset = s->device_offset + c->pos;
    for (size_t i = 0; i < VIRTIO_NET_VLANS; i++) {
        net->vlans_allowed += (uint32_t)__builtin_popcount(c->p[c->pos + i]);
    }
    c->pos += VIRTIO_NET_VLANS;
    if (!net_take(c, net, 4, &v)) {
        return false;
    }
    net->has_vnet_hdr = (uint32_t)v;
    for (size_t i = 0; i < G_N_ELEMENTS(u8s); i++) {
        if (!net_take(c, net, 1, &v)) {
            return false;
        }
        *u8s[i] = (uint8_t)v;
    }
    net->multiqueue = s->queues->len > 3;
    if (net->multiqueue) {
        if (!net_take(c, net, 2, &v) || (net->max_queue_pairs = (uint16_t)v,
            !net_take(c, net, 2, &v))) {
            return false;
        }
        net->curr_queue_pairs = (uint16_t)v;
        for (unsigned i = 1; i < net->curr_queue_pairs; i++) {
            if (!net_take(c, net, 4, &v)) {
                return false;
            }
        }
    }
    net->has_offloads = s->guest_features >> NET_F_CTRL_GUEST_OFFLOADS & 1;
    if (net->has_offloads && !net_take(c, net, 8, &net->curr_guest_offloads)) {
        return false;
    }
    return true;
}

static void net_part(const uint8_t *p, VirtioState *s)
{
    uint64_t start = s->device_offset - s->offset;
    Cur c = { p + start, (size_t)s->device_size, 0 };
    VirtioNet *net = &s->net;

    net->offset = s->device_offset;
    net->present = net_fields(&c, s, net);
    net->size = c.pos;
}

bool virtio_state_decode(const uint8_t *p, size_t n, uint64_t at,
                         VirtioState *s)
{
    Cur c = { p, n, 0 };

    memset(s, 0, sizeof(*s));
    s->offset = at;
    s->config_vector = -1;
    s->queues = g_array_new(FALSE, FALSE, sizeof(VirtioQueue));
    s->subs = g_array_new(FALSE, FALSE, sizeof(VirtioSub));
    if (!pci_part(&c, s) || !common_part(&c, s)) {
        s->common_size = c.pos;
        return false;
    }
    s->common_size = c.pos;
    subsections(&c, s);
    if (s->virtio_id == VIRTIO_ID_NET) {
        net_part(p, s);
    }
    return true;
}

void virtio_state_clear(VirtioState *s)
{
    if (s->queues) {
        g_array_unref(s->queues);
    }
    if (s->subs) {
        g_array_unref(s->subs);
    }
    s->queues = s->subs = NULL;
}
