/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Iterative sections by their framing (QEMU hw/ppc/spapr.c htab_save_*,
 * hw/s390x/s390-stattrib.c cmma_save, migration/block-dirty-bitmap.c,
 * migration/block.c), read the way each loader reads them.
 */
#include "iterative.h"

#include <glib.h>
#include <string.h>

/* s390-storage_attributes: flags below the s390x page (4 KiB). */
#define STATTR_FLAG_EOS 0x01u
#define STATTR_FLAG_MORE 0x02u
#define STATTR_FLAG_ERROR 0x04u
#define STATTR_FLAG_DONE 0x08u
#define STATTR_FLAG_MASK 0xfffu

/* dirty-bitmap: a flags byte, widened by EXTRA_FLAGS. */
#define DBM_FLAG_EOS 0x01u
#define DBM_FLAG_ZEROES 0x02u
#define DBM_FLAG_BITMAP_NAME 0x04u
#define DBM_FLAG_DEVICE_NAME 0x08u
#define DBM_FLAG_START 0x10u
#define DBM_FLAG_COMPLETE 0x20u
#define DBM_FLAG_BITS 0x40u
#define DBM_FLAG_EXTRA 0x80u

/* block: flags below the 512-byte sector. */
#define BLK_FLAG_DEVICE_BLOCK 0x01u
#define BLK_FLAG_EOS 0x02u
#define BLK_FLAG_PROGRESS 0x04u
#define BLK_FLAG_ZERO_BLOCK 0x08u
#define BLK_FLAG_MASK 0x1ffu

static const struct {
    const char *idstr;
    const char *name;
} kinds[] = {
    [ITER_NONE] = { NULL, NULL },
    [ITER_HTAB] = { "spapr/htab", "spapr-htab" },
    [ITER_STATTR] = { "s390-storage_attributes", "s390-storage-attributes" },
    [ITER_DIRTY_BITMAP] = { "dirty-bitmap", "dirty-bitmap" },
    [ITER_BLOCK] = { "block", "block" },
};

IterKind iter_kind(const char *idstr)
{
    for (size_t i = 1; i < G_N_ELEMENTS(kinds); i++) {
        if (!strcmp(idstr, kinds[i].idstr)) {
            return (IterKind)i;
        }
    }
    return ITER_NONE;
}

const char *iter_kind_name(IterKind kind)
{
    return (unsigned)kind < G_N_ELEMENTS(kinds) ? kinds[kind].name : NULL;
}

static bool invalid(Rd *rd, uint64_t at, const char *field, const char *fmt,
                    uint64_t v)
{
    fmt_error_set(rd->err, FMT_ERR_INVALID, at, rd->record, rd->index, field,
                  fmt, v);
    return false;
}

/* ---- spapr/htab ---- */

static bool htab_chunks(Rd *rd, const IterState *st, IterChunk *c)
{
    for (;;) {
        uint64_t at = rd_offset(rd);
        uint32_t index;
        uint16_t n_valid, n_invalid;

        rd_context(rd, "htab chunk", (int64_t)c->htab_chunks);
        if (!rd_be32(rd, "index", &index) ||
            !rd_be16(rd, "n_valid", &n_valid) ||
            !rd_be16(rd, "n_invalid", &n_invalid)) {
            return false;
        }
        c->records++;
        if (!index && !n_valid && !n_invalid) {
            c->ended = true;
            return true;
        }
        if (st->htab_shift > 0 &&
            (uint64_t)index + n_valid + n_invalid >
                (1ull << st->htab_shift) / HTAB_PTE_SIZE) {
            return invalid(rd, at, "index", "HPTE chunk ends beyond the hash "
                           "table of 2^%" G_GUINT64_FORMAT " bytes",
                           (uint64_t)st->htab_shift);
        }
        if (!rd_skip(rd, "HPTEs", (uint64_t)n_valid * HTAB_PTE_SIZE)) {
            return false;
        }
        c->htab_chunks++;
        c->htab_valid += n_valid;
        c->htab_invalid += n_invalid;
        c->bytes += (uint64_t)n_valid * HTAB_PTE_SIZE;
    }
}

static bool read_htab(Rd *rd, IterState *st, IterChunk *c)
{
    uint64_t at = rd_offset(rd);
    uint32_t hdr;

    rd_context(rd, "htab header", -1);
    if (!rd_be32(rd, "header", &hdr)) {
        return false;
    }
    c->records++;
    c->htab_header = hdr == 0xffffffffu ? -1 : (int64_t)hdr;
    if (hdr == 0xffffffffu) {
        c->ended = true;      /* "no HPT" (radix guest, or freed) */
        return true;
    }
    if (hdr) {
        if (hdr < 18 || hdr > 46) {
            return invalid(rd, at, "header", "hash table shift %"
                           G_GUINT64_FORMAT " (QEMU allows 18 to 46)", hdr);
        }
        st->htab_shift = hdr;  /* first chunk: just the table size */
        c->ended = true;
        return true;
    }
    return htab_chunks(rd, st, c);
}

/* ---- s390-storage_attributes ---- */

static bool read_stattr(Rd *rd, IterChunk *c)
{
    for (;;) {
        uint64_t at = rd_offset(rd), hdr, count;

        rd_context(rd, "storage attribute record", (int64_t)c->records);
        if (!rd_be64(rd, "address and flags", &hdr)) {
            return false;
        }
        c->records++;
        switch (hdr & STATTR_FLAG_MASK) {
        case STATTR_FLAG_EOS:
            c->ended = true;
            return true;
        case STATTR_FLAG_DONE:
            c->stattr_done++;
            break;
        case STATTR_FLAG_MORE:
            if (!rd_be64(rd, "count", &count)) {
                return false;
            }
            if (!rd_skip(rd, "attributes", count)) {
                return false;
            }
            c->stattr_more++;
            c->bytes += count;
            break;
        case STATTR_FLAG_ERROR:
            return invalid(rd, at, "address and flags", "the source reported "
                           "an error (flags 0x%" G_GINT64_MODIFIER "x)",
                           hdr & STATTR_FLAG_MASK);
        default:
            return invalid(rd, at, "address and flags", "unknown storage "
                           "attribute flags 0x%" G_GINT64_MODIFIER "x",
                           hdr & STATTR_FLAG_MASK);
        }
    }
}

/* ---- dirty-bitmap ---- */

static bool dbm_flags(Rd *rd, uint32_t *flags)
{
    uint8_t b;
    uint16_t w;

    if (!rd_u8(rd, "flags", &b)) {
        return false;
    }
    *flags = b;
    if (b & DBM_FLAG_EXTRA) {
        if (!rd_u8(rd, "flags", &b)) {
            return false;
        }
        *flags = *flags << 8 | b;
        if (b & DBM_FLAG_EXTRA) {
            if (!rd_be16(rd, "flags", &w)) {
                return false;
            }
            *flags = *flags << 16 | w;
        }
    }
    return true;
}

static bool dbm_name(Rd *rd, const char *field)
{
    const uint8_t *p;
    uint8_t len;

    return rd_u8(rd, field, &len) && rd_bytes(rd, field, len, &p);
}

static bool dbm_bits(Rd *rd, uint32_t flags, IterChunk *c)
{
    uint64_t start, size;
    uint32_t sectors;

    if (!rd_be64(rd, "start sector", &start) ||
        !rd_be32(rd, "sector count", &sectors)) {
        return false;
    }
    c->dbm_bits++;
    if (flags & DBM_FLAG_ZEROES) {
        c->dbm_zeroes++;
        return true;
    }
    if (!rd_be64(rd, "buffer size", &size) || !rd_skip(rd, "bitmap", size)) {
        return false;
    }
    c->bytes += size;
    return true;
}

static bool read_dirty_bitmap(Rd *rd, IterChunk *c)
{
    for (;;) {
        uint64_t at = rd_offset(rd);
        uint32_t flags, gran;
        uint8_t bflags;

        rd_context(rd, "dirty-bitmap record", (int64_t)c->records);
        if (!dbm_flags(rd, &flags)) {
            return false;
        }
        c->records++;
        if ((flags & DBM_FLAG_DEVICE_NAME && !dbm_name(rd, "node name")) ||
            (flags & DBM_FLAG_BITMAP_NAME && !dbm_name(rd, "bitmap name"))) {
            return false;
        }
        if (flags & DBM_FLAG_START) {
            if (!rd_be32(rd, "granularity", &gran) ||
                !rd_u8(rd, "bitmap flags", &bflags)) {
                return false;
            }
            c->dbm_start++;
        } else if (flags & DBM_FLAG_COMPLETE) {
            c->dbm_complete++;
        } else if (flags & DBM_FLAG_BITS) {
            if (!dbm_bits(rd, flags, c)) {
                return false;
            }
        } else if (!(flags & DBM_FLAG_EOS)) {
            return invalid(rd, at, "flags", "dirty-bitmap record with flags "
                           "0x%" G_GINT64_MODIFIER "x: neither start, "
                           "complete, bits nor EOS", flags);
        }
        if (flags & DBM_FLAG_EOS) {
            c->ended = true;
            return true;
        }
    }
}

/* ---- block ---- */

static bool read_block(Rd *rd, IterChunk *c)
{
    for (;;) {
        uint64_t at = rd_offset(rd), hdr;
        const uint8_t *p;
        uint8_t len;

        rd_context(rd, "block record", (int64_t)c->records);
        if (!rd_be64(rd, "sector and flags", &hdr)) {
            return false;
        }
        c->records++;
        unsigned flags = (unsigned)(hdr & BLK_FLAG_MASK);
        if (flags & BLK_FLAG_DEVICE_BLOCK) {
            if (!rd_u8(rd, "device name length", &len) ||
                !rd_bytes(rd, "device name", len, &p)) {
                return false;
            }
            if (!(flags & BLK_FLAG_ZERO_BLOCK) &&
                !rd_skip(rd, "block data", BLK_MIG_BLOCK_SIZE)) {
                return false;
            }
            c->blk_blocks++;
            if (flags & BLK_FLAG_ZERO_BLOCK) {
                c->blk_zero_blocks++;
            } else {
                c->bytes += BLK_MIG_BLOCK_SIZE;
            }
        } else if (flags & BLK_FLAG_PROGRESS) {
            c->blk_progress++;
        } else if (!(flags & BLK_FLAG_EOS)) {
            return invalid(rd, at, "sector and flags", "unknown block "
                           "migration flags 0x%" G_GINT64_MODIFIER "x", flags);
        }
        if (flags & BLK_FLAG_EOS) {
            c->ended = true;
            return true;
        }
    }
}

bool iter_read_chunk(Rd *rd, IterKind kind, IterState *st, IterChunk *c)
{
    memset(c, 0, sizeof(*c));
    c->kind = kind;
    switch (kind) {
    case ITER_HTAB:
        return read_htab(rd, st, c);
    case ITER_STATTR:
        return read_stattr(rd, c);
    case ITER_DIRTY_BITMAP:
        return read_dirty_bitmap(rd, c);
    case ITER_BLOCK:
        return read_block(rd, c);
    default:
        return true;
    }
}
