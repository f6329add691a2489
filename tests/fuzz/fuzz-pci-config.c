/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: a saved PCI config space header (formats/pci_config.c) and the
 * "virtio" field that starts with one (formats/virtio_state.c, virtio-net's
 * own part included). Input: one byte, even for a config space, odd for a
 * virtio field, then the bytes. */
#include "hostile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hostile_set_case("fuzz-pci-config");
    if (!size) {
        return 0;
    }
    if (data[0] & 1) {
        hostile_virtio_state(data + 1, size - 1, 0x1000);
    } else {
        hostile_pci_config(data + 1, size - 1);
    }
    return 0;
}
