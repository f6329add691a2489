/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The opaque "virtio" field of a virtio device section (QEMU
 * hw/virtio/virtio.c virtio_save, hw/virtio/virtio-pci.c, hw/pci/msix.c),
 * decoded as far as its layout is public: the PCI transport's part, the
 * common virtio state (status, features, config space, queues), where the
 * device's own part starts, and the virtio subsections after it. Layout:
 * formats/virtio_state.md.
 */
#ifndef CPRDUMP_VIRTIO_STATE_H
#define CPRDUMP_VIRTIO_STATE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most queues QEMU has (VIRTIO_QUEUE_MAX). */
#define VIRTIO_QUEUES_MAX 1024u

typedef struct VirtioQueue {
    uint64_t offset;         /* absolute */
    uint32_t num;            /* ring size */
    uint64_t desc;           /* descriptor table guest address */
    uint16_t last_avail_idx;
    int32_t vector;          /* MSI-X vector, -1 without MSI-X */
} VirtioQueue;

typedef struct VirtioSub {
    uint64_t offset;         /* of the 0x05 byte */
    char name[256];
    uint32_t version;
} VirtioSub;

/* virtio-net's own part (hw/net/virtio-net.c vmstate_virtio_net_device,
 * version 11): written after the queues, with no description. */
#define VIRTIO_NET_VLANS 512u    /* MAX_VLAN >> 3: a bitmap of 4096 ids */

typedef struct VirtioNet {
    bool present;            /* the layout was decoded */
    uint64_t offset;         /* absolute offset of mac */
    uint64_t size;           /* bytes decoded */
    uint8_t mac[6];
    uint32_t tx_waiting;     /* queue pair 0 */
    uint32_t mergeable_rx_bufs;
    uint16_t status;         /* VIRTIO_NET_S_*: 1 link up, 2 announce */
    uint8_t promisc, allmulti;
    uint32_t mac_table_in_use;
    uint64_t mac_table_offset; /* absolute; in_use x 6 bytes */
    uint64_t vlans_offset;   /* absolute; VIRTIO_NET_VLANS bytes */
    uint32_t vlans_allowed;  /* bits set in the bitmap */
    uint32_t has_vnet_hdr;
    uint8_t multi_overflow, uni_overflow, alluni, nomulti, nouni, nobcast;
    uint8_t has_ufo;
    bool multiqueue;         /* max_queue_pairs > 1 (queue count > 3) */
    uint16_t max_queue_pairs, curr_queue_pairs;
    bool has_offloads;       /* guest features have CTRL_GUEST_OFFLOADS */
    uint64_t curr_guest_offloads;
    const char *stop;        /* static: why decoding stopped, or NULL */
} VirtioNet;

typedef struct VirtioState {
    uint64_t offset;         /* absolute offset of the field */
    uint16_t vendor_id, device_id; /* PCI config space */
    bool express;            /* 4096-byte config space */
    uint32_t virtio_id;      /* 1 net, 2 block, ... 0 unknown */
    uint32_t msix_entries;   /* 0: no MSI-X */
    int32_t config_vector;
    uint8_t status, isr;
    uint16_t queue_sel;
    uint32_t guest_features_lo;
    bool has_features64;     /* "virtio/64bit_features" found */
    uint64_t guest_features; /* all 64 bits when has_features64, else lo */
    uint32_t config_len;
    uint64_t config_offset;  /* absolute */
    GArray *queues;          /* VirtioQueue */
    uint64_t device_offset;  /* the device's own part (absolute) */
    uint64_t device_size;    /* up to the first virtio subsection */
    GArray *subs;            /* VirtioSub: virtio/... headers, in order */
    VirtioNet net;           /* virtio_id 1: the device part decoded */
    uint64_t common_size;    /* bytes decoded from the field's start */
    const char *stop;        /* static: why decoding stopped early, or NULL */
} VirtioState;

/* Decodes the n bytes of a "virtio" field at absolute offset 'at'; false
 * (with s->stop set) when it is not the PCI transport's layout; s holds what
 * was decoded either way. */
bool virtio_state_decode(const uint8_t *p, size_t n, uint64_t at,
                         VirtioState *s);
void virtio_state_clear(VirtioState *s);
/* The PCI vendor id in a "virtio" field of n bytes (after its int32
 * version_id), or 0 when the field is too short for a config space. */
uint16_t virtio_state_pci_vendor(const uint8_t *p, size_t n);

#endif
