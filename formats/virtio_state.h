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
    uint64_t common_size;    /* bytes decoded from the field's start */
    const char *stop;        /* static: why decoding stopped early, or NULL */
} VirtioState;

/* Decodes the n bytes of a "virtio" field at absolute offset 'at'; false
 * (with s->stop set) when it is not the PCI transport's layout; s holds what
 * was decoded either way. */
bool virtio_state_decode(const uint8_t *p, size_t n, uint64_t at,
                         VirtioState *s);
void virtio_state_clear(VirtioState *s);

#endif
