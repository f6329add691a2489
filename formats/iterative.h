/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The live (iterative) sections other than "ram", read by their own framing as
 * QEMU writes them: "spapr/htab" (ppc64 pseries hash page table),
 * "s390-storage_attributes" (s390x CMMA), "dirty-bitmap" (block dirty bitmaps)
 * and "block" (block migration, QEMU <= 9.0). Layout: formats/iterative.md.
 * Pure: bytes in, counts out; payloads are skipped, never copied.
 */
#ifndef CPRDUMP_ITERATIVE_H
#define CPRDUMP_ITERATIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "reader.h"

typedef enum IterKind {
    ITER_NONE = 0,
    ITER_HTAB,              /* "spapr/htab" v1 */
    ITER_STATTR,            /* "s390-storage_attributes" v0 */
    ITER_DIRTY_BITMAP,      /* "dirty-bitmap" v1 */
    ITER_BLOCK,             /* "block" v1 */
} IterKind;

#define HTAB_PTE_SIZE 16u          /* HASH_PTE_SIZE_64 */
#define BLK_MIG_BLOCK_SIZE (1u << 20)

/* One START/PART/END chunk of an iterative section. */
typedef struct IterChunk {
    IterKind kind;
    uint64_t records;       /* records read, the end marker included */
    uint64_t bytes;         /* payload bytes: HPTEs, attributes, bitmap, data */
    bool ended;             /* the chunk's end marker was read */
    /* spapr/htab */
    int64_t htab_header;    /* -1: no HPT; > 0: the table's shift; 0: chunks */
    uint64_t htab_chunks, htab_valid, htab_invalid;
    /* s390-storage_attributes */
    uint64_t stattr_more, stattr_done;
    /* dirty-bitmap */
    uint64_t dbm_start, dbm_complete, dbm_bits, dbm_zeroes;
    /* block */
    uint64_t blk_blocks, blk_zero_blocks, blk_progress;
} IterChunk;

/* What later chunks need from earlier ones. */
typedef struct IterState {
    int64_t htab_shift;     /* from the START chunk, -1 unknown */
} IterState;

/* The kind of an iterative section by its idstr, or ITER_NONE. */
IterKind iter_kind(const char *idstr);
const char *iter_kind_name(IterKind kind);

/* Reads one chunk's body at the cursor, up to and including its end marker. */
bool iter_read_chunk(Rd *rd, IterKind kind, IterState *st, IterChunk *c);

#endif
