/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "ram" section of a QEMU migration stream: the MEM_SIZE block list and
 * the page records, counted per block. Layout: formats/ram.md.
 * Pure: bytes in, counts out. Page payloads are skipped, never copied; a
 * consumer that wants them (extraction) is handed each page record in stream
 * order through RamOpts.on_page, with the payload still in the reader's window.
 */
#ifndef CPRDUMP_RAM_H
#define CPRDUMP_RAM_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "reader.h"

/* Flags in the low bits of every record's BE u64 header (migration/ram.h). */
#define RAM_FLAG_FULL          0x001u
#define RAM_FLAG_ZERO          0x002u
#define RAM_FLAG_MEM_SIZE      0x004u
#define RAM_FLAG_PAGE          0x008u
#define RAM_FLAG_EOS           0x010u
#define RAM_FLAG_CONTINUE      0x020u
#define RAM_FLAG_XBZRLE        0x040u
#define RAM_FLAG_HOOK          0x080u
#define RAM_FLAG_COMPRESS_PAGE 0x100u
#define RAM_FLAG_MULTIFD_FLUSH 0x200u

#define RAM_MAPPED_HEADER_SIZE 28

typedef struct RamMappedHeader {
    uint32_t version;
    uint64_t page_size;
    uint64_t bitmap_offset;   /* absolute file offsets; 0 for ignored blocks */
    uint64_t pages_offset;
} RamMappedHeader;

typedef struct RamPages {
    uint64_t zero;            /* ZERO records */
    uint64_t normal;          /* PAGE records, or mapped-ram bitmap bits */
    uint64_t xbzrle;
    uint64_t compressed;      /* COMPRESS_PAGE (QEMU <= 9.0) */
    uint64_t normal_bytes;
    uint64_t xbzrle_bytes;
    uint64_t compressed_bytes;
} RamPages;

typedef struct RamBlock {
    uint64_t offset;          /* of the idstr length byte */
    char *idstr;
    uint8_t idlen;
    uint64_t used_length;
    bool has_page_size;       /* postcopy-ram: block page size != host's */
    uint64_t page_size;
    bool has_mr_addr;         /* x-ignore-shared */
    uint64_t mr_addr;
    bool has_mapped;          /* mapped-ram */
    RamMappedHeader mapped;
    RamPages pages;
} RamBlock;

/* Where RamModel.page_size came from. */
typedef enum RamPageSizeFrom {
    RAM_PS_UNKNOWN = 0,       /* no source yet, and no record needed one */
    RAM_PS_GIVEN,             /* set by the caller before the records */
    RAM_PS_MAPPED,            /* the first block's mapped-ram header */
    RAM_PS_INFERRED,          /* from the page records themselves */
} RamPageSizeFrom;

/* The candidates of the inference: 1, 2, 4, 8, 16 and 64 KiB (the target
 * page sizes QEMU targets use). */
#define RAM_INFER_SHIFTS { 10, 11, 12, 13, 14, 16 }
#define RAM_INFER_N 6

/* What the inference from the page records saw (formats/ram.md). */
typedef struct RamInference {
    bool done;
    uint64_t offset;          /* of the first page record */
    uint32_t fits;            /* bit i: candidate i reads every record valid */
    uint64_t records[RAM_INFER_N];   /* records each candidate read ahead */
    bool decisive;            /* exactly one candidate fits */
} RamInference;

typedef struct RamModel {
    bool present;             /* a MEM_SIZE record was read */
    uint64_t mem_size_offset;
    uint64_t mem_size;
    uint32_t page_size;       /* TARGET_PAGE_SIZE used to split headers; 0:
                                 not known (flags are then the low 10 bits) */
    RamPageSizeFrom page_size_from;
    RamInference inference;
    int64_t mapped_mismatch;  /* first block whose mapped-ram header page size
                                 differs from page_size, or -1 */
    GArray *blocks;           /* RamBlock, stream order */
    bool blocks_complete;
    uint64_t records;         /* every record read, EOS included */
    uint64_t multifd_flushes;
    uint64_t eos_count;
    uint64_t hooks;
    int64_t cur;              /* block of the last page record, or -1 */
} RamModel;

/* A page record as the consumer sees it. */
typedef enum RamPageKind {
    RAM_PAGE_ZERO,            /* ZERO: len bytes of pages (one page, or a run
                                 of CONTINUE records for consecutive pages
                                 with fill 0) are 'fill' (always 0) */
    RAM_PAGE_NORMAL,          /* PAGE: data is one target page */
    RAM_PAGE_XBZRLE,          /* XBZRLE: data is the delta to the current page */
    RAM_PAGE_COMPRESSED,      /* COMPRESS_PAGE: data is zlib (QEMU <= 9.0) */
    RAM_PAGE_MAPPED,          /* mapped-ram: len bytes of pages at data_offset
                                 in the file, not in memory (data NULL) */
} RamPageKind;

typedef struct RamPage {
    guint block;              /* index into RamModel.blocks */
    uint64_t offset;          /* in the block, page aligned */
    RamPageKind kind;
    uint8_t fill;             /* ZERO */
    uint64_t data_offset;     /* absolute offset of the payload (ZERO: of the
                                 first record's fill byte) */
    uint64_t len;             /* payload bytes (ZERO: bytes of memory) */
    const uint8_t *data;      /* the payload, valid during the call; NULL for
                                 RAM_PAGE_MAPPED */
} RamPage;

/* Returns false to stop decoding (the consumer failed; it keeps its error). */
typedef bool (*RamPageFn)(void *opaque, const RamModel *ram,
                          const RamPage *page);

/* What the rest of the stream says about the optional MEM_SIZE fields. */
typedef struct RamOpts {
    bool ignore_shared;       /* capability x-ignore-shared: mr->addr */
    bool mapped_ram;          /* capability mapped-ram: MappedRamHeader */
    bool postcopy;            /* POSTCOPY_ADVISE seen: page_size may appear */
    uint64_t postcopy_summary; /* its OR of block page sizes, 0 if unknown */
    RamPageFn on_page;        /* NULL: count only */
    void *page_opaque;
} RamOpts;

/* Largest COMPRESS_PAGE payload QEMU accepts: zlib's compressBound(page). */
uint64_t ram_compressed_max(uint64_t page_size);

void ram_model_init(RamModel *ram);
void ram_model_clear(RamModel *ram);

/* Reads one chunk of the "ram" section body: records up to and including EOS.
 * Set ram->page_size (RAM_PS_GIVEN) first when the stream says it; otherwise
 * the first mapped-ram header or the first page record decides it. */
bool ram_read_chunk(Rd *rd, RamModel *ram, const RamOpts *opts);

/* At a page record with no page size known: reads ahead in the reader's
 * window with each candidate size and keeps the one(s) under which every
 * record is valid (formats/ram_infer.c). False (error set) when none fits. */
bool ram_infer_page_size(Rd *rd, RamModel *ram);
/* Is flags (the low bits of a record header) a combination QEMU writes? */
bool ram_flags_known(unsigned flags);

/* Sum of the per-block page counts. */
void ram_totals(const RamModel *ram, RamPages *sum);
bool ram_has_pages(const RamBlock *b);

#endif
