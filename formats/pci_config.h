/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A PCI configuration space as a device section saves it (a "pci config"
 * field, or the first part of a virtio PCI device's "virtio" field): the
 * header's ids, command, interrupt line and pin, and every base address
 * register with its type and address. Layout: formats/pci_config.md.
 */
#ifndef CPRDUMP_PCI_CONFIG_H
#define CPRDUMP_PCI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Header bytes read (the standard header); a config space is 256 or 4096. */
#define PCI_CONFIG_HEADER 64u
#define PCI_BARS_MAX 6u

typedef enum PciBarType {
    PCI_BAR_IO,
    PCI_BAR_MEM32,
    PCI_BAR_MEM64,
    PCI_BAR_ROM,
} PciBarType;

typedef struct PciBar {
    unsigned index;          /* 0-5, 6 for the expansion ROM */
    PciBarType type;
    bool prefetch;
    uint64_t raw;            /* the register (64-bit BARs: both halves) */
    uint64_t address;        /* the base address bits */
    /* Decoding on: the command register's I/O or memory bit (ROM: also its
     * enable bit) is set and the address is not 0. QEMU maps such a BAR
     * unless it overlaps the end of the address space (which needs the
     * BAR's size, not in the config space). */
    bool decoding;
} PciBar;

typedef struct PciConfig {
    uint16_t vendor_id, device_id;
    uint16_t command, status;
    uint8_t revision;
    uint32_t class_code;     /* base class << 16 | subclass << 8 | prog-if */
    uint8_t header_type;     /* bits 0-6 (0: device, 1: bridge, 2: cardbus) */
    bool multifunction;
    uint16_t subsystem_vendor_id, subsystem_id; /* type 0 only, else 0 */
    uint8_t interrupt_line, interrupt_pin;
    unsigned nbars;
    PciBar bars[PCI_BARS_MAX + 1]; /* registers in use, the ROM last */
} PciConfig;

/* Decodes the header of a config space of n bytes (false: n < 64, or no
 * device: vendor id 0xffff or 0). */
bool pci_config_decode(const uint8_t *p, size_t n, PciConfig *c);
/* "io", "mem32", "mem64", "rom" */
const char *pci_bar_type_name(PciBarType t);

#endif
