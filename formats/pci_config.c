/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The standard PCI configuration header (PCI Local Bus 3.0 §6.1, §6.2.5):
 * all fields little-endian. Type 0 headers have six BARs at 0x10 and the
 * ROM at 0x30; type 1 (bridge) headers two BARs and the ROM at 0x38.
 */
#include "pci_config.h"

#include <string.h>

#define CMD_IO 0x1u
#define CMD_MEM 0x2u
#define ROM_ENABLE 0x1u

static uint32_t le(const uint8_t *p, unsigned k)
{
    uint32_t v = 0;

    for (unsigned i = k; i-- > 0;) {
        v = v << 8 | p[i];
    }
    return v;
}

static void bars(const uint8_t *p, PciConfig *c, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        uint32_t lo = le(p + 0x10 + 4 * i, 4);
        PciBar *b = &c->bars[c->nbars];

        memset(b, 0, sizeof(*b));
        b->index = i;
        b->raw = lo;
        if (lo & 1) {
            b->type = PCI_BAR_IO;
            b->address = lo & ~0x3u;
            b->decoding = (c->command & CMD_IO) && b->address;
        } else {
            b->prefetch = lo & 0x8;
            b->type = (lo & 0x6) == 0x4 && i + 1 < n ? PCI_BAR_MEM64
                                                   : PCI_BAR_MEM32;
            b->address = lo & ~0xfu;
            if (b->type == PCI_BAR_MEM64) {
                uint64_t hi = le(p + 0x10 + 4 * (i + 1), 4);
                b->raw |= hi << 32;
                b->address |= hi << 32;
                i++;
            }
            b->decoding = (c->command & CMD_MEM) && b->address;
        }
        c->nbars++;
    }
}

static void rom(const uint8_t *p, PciConfig *c, unsigned at)
{
    uint32_t v = le(p + at, 4);
    PciBar *b = &c->bars[c->nbars++];

    memset(b, 0, sizeof(*b));
    b->index = PCI_BARS_MAX;
    b->type = PCI_BAR_ROM;
    b->raw = v;
    b->address = v & ~0x7ffu;
    b->decoding = (c->command & CMD_MEM) && (v & ROM_ENABLE) && b->address;
}

bool pci_config_decode(const uint8_t *p, size_t n, PciConfig *c)
{
    memset(c, 0, sizeof(*c));
    if (n < PCI_CONFIG_HEADER) {
        return false;
    }
    c->vendor_id = (uint16_t)le(p, 2);
    c->device_id = (uint16_t)le(p + 2, 2);
    if (c->vendor_id == 0xffff || c->vendor_id == 0) {
        return false;
    }
    c->command = (uint16_t)le(p + 4, 2);
    c->status = (uint16_t)le(p + 6, 2);
    c->revision = p[8];
    c->class_code = le(p + 9, 3);
    c->header_type = p[0x0e] & 0x7f;
    c->multifunction = p[0x0e] & 0x80;
    c->interrupt_line = p[0x3c];
    c->interrupt_pin = p[0x3d];
    if (c->header_type == 0) {
        c->subsystem_vendor_id = (uint16_t)le(p + 0x2c, 2);
        c->subsystem_id = (uint16_t)le(p + 0x2e, 2);
        bars(p, c, 6);
        rom(p, c, 0x30);
    } else if (c->header_type == 1) {
        bars(p, c, 2);
        rom(p, c, 0x38);
    }
    return true;
}

const char *pci_bar_type_name(PciBarType t)
{
    static const char *const names[] = { "io", "mem32", "mem64", "rom" };

    return t <= PCI_BAR_ROM ? names[t] : "?";
}
