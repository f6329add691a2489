/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --find=PATTERN: every place in guest memory (final content) where the bytes
 * occur, as block and offset. One pass over the stream; memory is the matches
 * (at most FIND_MAX_MATCHES) plus one page. A page sent again drops the
 * matches of its earlier copy. A match that spans two pages is found when the
 * two pages come one after the other (QEMU's first pass over a block sends
 * them in order). XBZRLE pages cannot be searched without the whole block
 * (they are counted as unsearched).
 */
#ifndef CPRDUMP_EXTRACT_FIND_H
#define CPRDUMP_EXTRACT_FIND_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "ram.h"

#define FIND_MAX_MATCHES 10000u
#define FIND_MAX_PATTERN 256u

typedef struct FindMatch {
    guint block;
    uint64_t offset;
} FindMatch;

typedef struct Finder {
    GBytes *needle;
    const char *label;
    int map_fd;
    GHashTable *by_page;      /* (block, page) key -> GArray of uint64 offsets */
    uint64_t matches;
    bool truncated;           /* more than FIND_MAX_MATCHES */
    uint64_t unsearched;      /* XBZRLE pages */
    uint8_t *page;
    uint8_t *carry;           /* the last page record's content */
    bool has_carry;
    bool carry_zero;          /* its last pattern-length - 1 bytes are zero */
    guint carry_block;
    uint64_t carry_offset;
    GError *err;
} Finder;

/* "0x" + hex digits: bytes; anything else: the text's bytes. */
GBytes *find_parse(const char *pattern, GError **errp);
void finder_init(Finder *f, GBytes *needle, const char *label, int map_fd);
void finder_clear(Finder *f);
bool finder_page(void *opaque, const RamModel *ram, const RamPage *pg);
/* The matches, sorted by block index and offset. */
GArray *finder_results(Finder *f);

#endif
