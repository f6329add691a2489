/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --dump-ram=BLOCK[@OFFSET[+LENGTH]]: the final content of one range of one
 * RAM block, rebuilt in a buffer of the range's size (at most
 * RANGE_MAX_LENGTH; LENGTH defaults to RANGE_DEFAULT_LENGTH) from every page
 * record that touches it, in stream order.
 */
#ifndef CPRDUMP_EXTRACT_RANGE_H
#define CPRDUMP_EXTRACT_RANGE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "ram.h"

#define RANGE_DEFAULT_LENGTH 256u
#define RANGE_MAX_LENGTH (16u << 20)

typedef struct RangeSpec {
    char *block;
    uint64_t offset;
    uint64_t length;
} RangeSpec;

typedef struct Ranger {
    RangeSpec spec;
    const char *label;
    int map_fd;
    int64_t bi;               /* block index, -1 before MEM_SIZE is known */
    uint64_t used;            /* the block's used_length */
    uint8_t *buf;             /* spec.length bytes (clamped to the block) */
    uint8_t *page;
    uint64_t records;         /* page records that touched the range (a
                                 page sent twice counts twice) */
    GError *err;
} Ranger;

/* The last '@' followed by a number starts OFFSET (so idstrs with '@', such
 * as "/rom@etc/acpi/tables", need no quoting); numbers: decimal or 0x hex. */
bool range_parse(const char *spec, RangeSpec *r, GError **errp);
void ranger_init(Ranger *g, RangeSpec *spec, const char *label, int map_fd);
void ranger_clear(Ranger *g);
bool ranger_page(void *opaque, const RamModel *ram, const RamPage *pg);
/* After the decode: false (err set) when the block was never listed. */
bool ranger_finish(Ranger *g, const RamModel *ram);

#endif
