/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Virtio feature bits by name (the virtio 1.3 specification: the transport
 * bits 24-41 shared by every device, and each device type's own bits), and
 * the virtio device type behind a virtio PCI device id.
 */
#ifndef CPRDUMP_VIRTIO_FEATURES_H
#define CPRDUMP_VIRTIO_FEATURES_H

#include <stdint.h>

enum {
    VIRTIO_ID_NET = 1,
    VIRTIO_ID_BLOCK = 2,
    VIRTIO_ID_CONSOLE = 3,
    VIRTIO_ID_RNG = 4,
    VIRTIO_ID_BALLOON = 5,
    VIRTIO_ID_SCSI = 8,
    VIRTIO_ID_9P = 9,
    VIRTIO_ID_GPU = 16,
    VIRTIO_ID_INPUT = 18,
    VIRTIO_ID_VSOCK = 19,
    VIRTIO_ID_FS = 26,
};

/* "VIRTIO_NET_F_MAC", "VIRTIO_F_VERSION_1", ... or NULL (unnamed bit). */
const char *virtio_feature_name(uint32_t device_id, unsigned bit);
/* "net", "block", ... or NULL. */
const char *virtio_device_name(uint32_t device_id);
/* The virtio device id of a virtio PCI device id (0x1000-0x103f transitional,
 * 0x1040 + id modern), or 0. */
uint32_t virtio_id_from_pci(uint16_t pci_device_id);

#endif
