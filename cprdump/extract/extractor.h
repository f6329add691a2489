/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --extract-ram: applies every page record (main stream, then the recorded
 * multifd channels) to one sparse image file per RAM block, created on the
 * block's first page record; and says, per block, what was written or why
 * nothing was (no page record at all: preserved by fd in a live update,
 * skipped by x-ignore-shared, ignored by mapped-ram).
 */
#ifndef CPRDUMP_EXTRACT_EXTRACTOR_H
#define CPRDUMP_EXTRACT_EXTRACTOR_H

#include <glib.h>
#include <stdbool.h>

#include "extract/image.h"
#include "extract/outdir.h"
#include "ram.h"
#include "stream.h"

typedef struct ExtractBlock {
    char *file;               /* NULL: not written */
    bool shortened;
    Image *img;
    ImageStats stats;
    const char *reason;       /* why not written (static) */
    bool failed;              /* its file could not be created or written */
} ExtractBlock;

typedef struct Extractor {
    OutDir dir;
    const char *label;        /* of the input, for messages */
    int map_fd;               /* mapped-ram: the stream file, or -1 */
    GArray *blocks;           /* ExtractBlock per RAM block */
    GHashTable *names;        /* file names created */
    uint8_t *page;            /* scratch page */
    Gather gather;
    uint64_t records;
    GError *err;              /* the first failure; stops the decode */
} Extractor;

void extractor_init(Extractor *x, const char *label, int map_fd);
void extractor_clear(Extractor *x);
/* The RamPageFn (opaque: the Extractor). */
bool extractor_page(void *opaque, const RamModel *ram, const RamPage *pg);
/* Closes every image; sets the reason of each block left unwritten. */
bool extractor_finish(Extractor *x, const StreamModel *m);

#endif
