/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Feature bit names from the virtio specification (v1.3, §6 and §5.x), as
 * QEMU prints them (x-query-virtio-status, hw/virtio/virtio-qmp.c): where
 * QEMU's name differs from the spec's (bits 28-30 and 33), QEMU's, since
 * that is what the engineer compares with. */
#include "virtio_features.h"

#include <stddef.h>

typedef struct Bit {
    unsigned bit;
    const char *name;
} Bit;

/* Reserved feature bits (spec §6), the same for every device type; 24 and
 * 27 are legacy-only. 28/29 are the spec's VIRTIO_F_INDIRECT_DESC and
 * VIRTIO_F_EVENT_IDX, 33 its VIRTIO_F_ACCESS_PLATFORM; bit 30 (legacy
 * VIRTIO_F_BAD_FEATURE) is what QEMU offers as vhost-user's protocol
 * feature bit. */
static const Bit transport[] = {
    { 24, "VIRTIO_F_NOTIFY_ON_EMPTY" }, { 27, "VIRTIO_F_ANY_LAYOUT" },
    { 28, "VIRTIO_RING_F_INDIRECT_DESC" }, { 29, "VIRTIO_RING_F_EVENT_IDX" },
    { 30, "VHOST_USER_F_PROTOCOL_FEATURES" }, { 32, "VIRTIO_F_VERSION_1" },
    { 33, "VIRTIO_F_IOMMU_PLATFORM" }, { 34, "VIRTIO_F_RING_PACKED" },
    { 35, "VIRTIO_F_IN_ORDER" }, { 36, "VIRTIO_F_ORDER_PLATFORM" },
    { 37, "VIRTIO_F_SR_IOV" }, { 38, "VIRTIO_F_NOTIFICATION_DATA" },
    { 39, "VIRTIO_F_NOTIF_CONFIG_DATA" }, { 40, "VIRTIO_F_RING_RESET" },
    { 41, "VIRTIO_F_ADMIN_VQ" },
};

static const Bit net[] = {
    { 0, "VIRTIO_NET_F_CSUM" }, { 1, "VIRTIO_NET_F_GUEST_CSUM" },
    { 2, "VIRTIO_NET_F_CTRL_GUEST_OFFLOADS" }, { 3, "VIRTIO_NET_F_MTU" },
    { 5, "VIRTIO_NET_F_MAC" }, { 6, "VIRTIO_NET_F_GSO" },
    { 7, "VIRTIO_NET_F_GUEST_TSO4" }, { 8, "VIRTIO_NET_F_GUEST_TSO6" },
    { 9, "VIRTIO_NET_F_GUEST_ECN" }, { 10, "VIRTIO_NET_F_GUEST_UFO" },
    { 11, "VIRTIO_NET_F_HOST_TSO4" }, { 12, "VIRTIO_NET_F_HOST_TSO6" },
    { 13, "VIRTIO_NET_F_HOST_ECN" }, { 14, "VIRTIO_NET_F_HOST_UFO" },
    { 15, "VIRTIO_NET_F_MRG_RXBUF" }, { 16, "VIRTIO_NET_F_STATUS" },
    { 17, "VIRTIO_NET_F_CTRL_VQ" }, { 18, "VIRTIO_NET_F_CTRL_RX" },
    { 19, "VIRTIO_NET_F_CTRL_VLAN" }, { 20, "VIRTIO_NET_F_CTRL_RX_EXTRA" },
    { 21, "VIRTIO_NET_F_GUEST_ANNOUNCE" }, { 22, "VIRTIO_NET_F_MQ" },
    { 23, "VIRTIO_NET_F_CTRL_MAC_ADDR" }, { 50, "VIRTIO_NET_F_DEVICE_STATS" },
    { 52, "VIRTIO_NET_F_VQ_NOTF_COAL" }, { 53, "VIRTIO_NET_F_NOTF_COAL" },
    { 54, "VIRTIO_NET_F_GUEST_USO4" }, { 55, "VIRTIO_NET_F_GUEST_USO6" },
    { 56, "VIRTIO_NET_F_HOST_USO" }, { 57, "VIRTIO_NET_F_HASH_REPORT" },
    { 59, "VIRTIO_NET_F_GUEST_HDRLEN" }, { 60, "VIRTIO_NET_F_RSS" },
    { 61, "VIRTIO_NET_F_RSC_EXT" }, { 62, "VIRTIO_NET_F_STANDBY" },
    { 63, "VIRTIO_NET_F_SPEED_DUPLEX" },
};

static const Bit blk[] = {
    { 0, "VIRTIO_BLK_F_BARRIER" }, { 1, "VIRTIO_BLK_F_SIZE_MAX" },
    { 2, "VIRTIO_BLK_F_SEG_MAX" }, { 4, "VIRTIO_BLK_F_GEOMETRY" },
    { 5, "VIRTIO_BLK_F_RO" }, { 6, "VIRTIO_BLK_F_BLK_SIZE" },
    { 7, "VIRTIO_BLK_F_SCSI" }, { 9, "VIRTIO_BLK_F_FLUSH" },
    { 10, "VIRTIO_BLK_F_TOPOLOGY" }, { 11, "VIRTIO_BLK_F_CONFIG_WCE" },
    { 12, "VIRTIO_BLK_F_MQ" }, { 13, "VIRTIO_BLK_F_DISCARD" },
    { 14, "VIRTIO_BLK_F_WRITE_ZEROES" }, { 15, "VIRTIO_BLK_F_LIFETIME" },
    { 16, "VIRTIO_BLK_F_SECURE_ERASE" }, { 17, "VIRTIO_BLK_F_ZONED" },
};

static const Bit console[] = {
    { 0, "VIRTIO_CONSOLE_F_SIZE" }, { 1, "VIRTIO_CONSOLE_F_MULTIPORT" },
    { 2, "VIRTIO_CONSOLE_F_EMERG_WRITE" },
};

static const Bit balloon[] = {
    { 0, "VIRTIO_BALLOON_F_MUST_TELL_HOST" },
    { 1, "VIRTIO_BALLOON_F_STATS_VQ" },
    { 2, "VIRTIO_BALLOON_F_DEFLATE_ON_OOM" },
    { 3, "VIRTIO_BALLOON_F_FREE_PAGE_HINT" },
    { 4, "VIRTIO_BALLOON_F_PAGE_POISON" },
    { 5, "VIRTIO_BALLOON_F_PAGE_REPORTING" },
};

static const Bit scsi[] = {
    { 0, "VIRTIO_SCSI_F_INOUT" }, { 1, "VIRTIO_SCSI_F_HOTPLUG" },
    { 2, "VIRTIO_SCSI_F_CHANGE" }, { 3, "VIRTIO_SCSI_F_T10_PI" },
};

static const Bit p9[] = { { 0, "VIRTIO_9P_F_MOUNT_TAG" } };

static const Bit gpu[] = {
    { 0, "VIRTIO_GPU_F_VIRGL" }, { 1, "VIRTIO_GPU_F_EDID" },
    { 2, "VIRTIO_GPU_F_RESOURCE_UUID" }, { 3, "VIRTIO_GPU_F_RESOURCE_BLOB" },
    { 4, "VIRTIO_GPU_F_CONTEXT_INIT" },
};

static const Bit vsock[] = {
    { 0, "VIRTIO_VSOCK_F_STREAM" }, { 1, "VIRTIO_VSOCK_F_SEQPACKET" },
};

static const Bit fs[] = { { 0, "VIRTIO_FS_F_NOTIFICATION" } };

typedef struct Table {
    uint32_t id;
    const char *name;
    const Bit *bits;
    size_t n;
} Table;

#define T(id, name, b) { id, name, b, sizeof(b) / sizeof(b[0]) }

static const Table tables[] = {
    T(VIRTIO_ID_NET, "net", net),
    T(VIRTIO_ID_BLOCK, "block", blk),
    T(VIRTIO_ID_CONSOLE, "console", console),
    { VIRTIO_ID_RNG, "rng", NULL, 0 },
    T(VIRTIO_ID_BALLOON, "balloon", balloon),
    T(VIRTIO_ID_SCSI, "scsi", scsi),
    T(VIRTIO_ID_9P, "9p", p9),
    T(VIRTIO_ID_GPU, "gpu", gpu),
    { VIRTIO_ID_INPUT, "input", NULL, 0 },
    T(VIRTIO_ID_VSOCK, "vsock", vsock),
    T(VIRTIO_ID_FS, "fs", fs),
};

static const Table *table(uint32_t id)
{
    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        if (tables[i].id == id) {
            return &tables[i];
        }
    }
    return NULL;
}

static const char *lookup(const Bit *bits, size_t n, unsigned bit)
{
    for (size_t i = 0; i < n; i++) {
        if (bits[i].bit == bit) {
            return bits[i].name;
        }
    }
    return NULL;
}

const char *virtio_feature_name(uint32_t device_id, unsigned bit)
{
    const Table *t = table(device_id);
    const char *n = lookup(transport, sizeof(transport) / sizeof(transport[0]),
                           bit);

    if (n || !t) {
        return n;
    }
    return lookup(t->bits, t->n, bit);
}

const char *virtio_device_name(uint32_t device_id)
{
    const Table *t = table(device_id);

    return t ? t->name : NULL;
}

uint32_t virtio_id_from_pci(uint16_t pci_device_id)
{
    /* transitional ids, in the order of virtio spec §4.1.2.1 */
    static const uint32_t legacy[] = {
        VIRTIO_ID_NET, VIRTIO_ID_BLOCK, VIRTIO_ID_BALLOON, VIRTIO_ID_CONSOLE,
        VIRTIO_ID_SCSI, VIRTIO_ID_RNG, 0, 0, 0, VIRTIO_ID_9P,
    };

    if (pci_device_id >= 0x1000 && pci_device_id < 0x1000 +
        sizeof(legacy) / sizeof(legacy[0])) {
        return legacy[pci_device_id - 0x1000];
    }
    if (pci_device_id >= 0x1040 && pci_device_id <= 0x107f) {
        return pci_device_id - 0x1040u;
    }
    return 0;
}
