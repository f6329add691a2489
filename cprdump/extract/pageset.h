/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A set of page numbers, for "data was written at this page" over blocks of
 * any claimed size: bitmap chunks of PAGESET_CHUNK pages, allocated only
 * where a page was set, so memory follows the pages written, not the
 * block's used_length (which a stream may claim to be 2^63).
 */
#ifndef CPRDUMP_EXTRACT_PAGESET_H
#define CPRDUMP_EXTRACT_PAGESET_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#define PAGESET_CHUNK 32768u      /* pages per chunk: a 4 KiB bitmap */

typedef struct PageSet {
    GHashTable *chunks;           /* chunk number -> uint64_t[512] */
    uint64_t *last;               /* the chunk used last, and its number */
    uint64_t last_no;
} PageSet;

void pageset_init(PageSet *s);
void pageset_clear(PageSet *s);
bool pageset_test(PageSet *s, uint64_t page);
void pageset_set(PageSet *s, uint64_t page, bool on);
/* The first page in [from, to) that is in the set, or to. */
uint64_t pageset_next(PageSet *s, uint64_t from, uint64_t to);

#endif
