/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --device: names for fields people decode by hand (device_named.c). */
#ifndef CPRDUMP_RENDER_DEVICE_NAMED_H
#define CPRDUMP_RENDER_DEVICE_NAMED_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "render/out.h"
#include "pci_config.h"
#include "virtio_state.h"
#include "vmstate.h"

/* The section's "decoded" object ("pci", "virtio", "cpregs"), or NULL. */
json_object *named_json(const VmTree *t);

/* The top-level field of type "virtio", or NULL. */
const VmField *named_virtio_field(const VmTree *t);
/* The arm cpu's index and value lists (same length), if both are there. */
bool named_cpregs(const VmTree *t, const VmField **idx, const VmField **val);

/* The first "pci config" field, or NULL. */
const VmField *named_pci_field(const VmTree *t);
/* The section's PCI config space: its first "pci config" field, else the
 * one at the start of a virtio PCI device's "virtio" field. */
bool named_pci_config(const VmTree *t, PciConfig *c, uint64_t *offset,
                      const char **path);
char *named_pci_text(const PciConfig *c);
char *named_bar_text(const PciBar *b);
char *named_mac_text(const uint8_t *mac);

char *named_feature_text(uint32_t virtio_id, unsigned bit);
char *named_status_text(uint8_t status);
/* "SCTLR_EL1 (op0 3 op1 0 CRn 1 CRm 0 op2 0)", ... */
char *named_cpreg_text(uint64_t id);

#endif
