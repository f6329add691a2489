/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "ram" section records (QEMU migration/ram.c ram_save_setup, save_page_header,
 * ram_load_precopy). Every record starts with a BE u64: offset | flags, the
 * flags in the bits below the target page size. The per-record path is kept
 * short: one header read, a switch, and for CONTINUE records no lookup at all.
 */
#include "ram.h"

#include <string.h>

#define BITMAP_CHUNK (64u << 10)

static void block_clear(gpointer p)
{
    g_free(((RamBlock *)p)->idstr);
}

void ram_model_init(RamModel *ram)
{
    memset(ram, 0, sizeof(*ram));
    ram->blocks = g_array_new(FALSE, TRUE, sizeof(RamBlock));
    g_array_set_clear_func(ram->blocks, block_clear);
    ram->cur = -1;
    ram->mapped_mismatch = -1;
}

void ram_model_clear(RamModel *ram)
{
    if (ram->blocks) {
        g_array_unref(ram->blocks);
        ram->blocks = NULL;
    }
}

bool ram_has_pages(const RamBlock *b)
{
    return b->pages.zero || b->pages.normal || b->pages.xbzrle ||
           b->pages.compressed;
}

void ram_totals(const RamModel *ram, RamPages *sum)
{
    memset(sum, 0, sizeof(*sum));
    for (guint i = 0; ram->blocks && i < ram->blocks->len; i++) {
        const RamPages *p = &g_array_index(ram->blocks, RamBlock, i).pages;
        sum->zero += p->zero;
        sum->normal += p->normal;
        sum->xbzrle += p->xbzrle;
        sum->compressed += p->compressed;
        sum->normal_bytes += p->normal_bytes;
        sum->xbzrle_bytes += p->xbzrle_bytes;
        sum->compressed_bytes += p->compressed_bytes;
    }
}

static bool invalid(Rd *rd, uint64_t at, const char *field, const char *msg)
{
    fmt_error_set(rd->err, FMT_ERR_INVALID, at, rd->record, rd->index, field,
                  "%s", msg);
    return false;
}

uint64_t ram_compressed_max(uint64_t page_size)
{
    /* zlib's compressBound() */
    return page_size + (page_size >> 12) + (page_size >> 14) +
           (page_size >> 25) + 13;
}

/* Hands one page record to the consumer; its refusal stops the decode. */
static bool emit(Rd *rd, const RamModel *ram, const RamOpts *opts,
                 const RamPage *pg)
{
    if (opts->on_page(opts->page_opaque, ram, pg)) {
        return true;
    }
    fmt_error_set(rd->err, FMT_ERR_IO, pg->data_offset, rd->record, rd->index,
                  "page data", "page consumer stopped");
    return false;
}

/* A payload of n bytes: handed over from the window when someone consumes
 * it, else skipped (seekable inputs never read it). */
static bool take_payload(Rd *rd, const RamModel *ram, const RamOpts *opts,
                         RamPage *pg, const char *field, uint64_t n)
{
    const uint8_t *p;

    if (!opts->on_page) {
        return rd_skip_payload(rd, field, n);
    }
    pg->data_offset = rd_offset(rd);
    pg->len = n;
    if (rd->on_payload && n) {
        rd->on_payload(rd->payload_opaque, pg->data_offset, n);
    }
    if (!rd_bytes(rd, field, (size_t)n, &p)) {
        return false;
    }
    pg->data = p;
    return emit(rd, ram, opts, pg);
}

static bool read_idstr(Rd *rd, uint8_t *len, const uint8_t **p)
{
    uint64_t at = rd_offset(rd);

    if (!rd_u8(rd, "idstr length", len)) {
        return false;
    }
    if (*len == 0) {
        return invalid(rd, at, "idstr length", "empty RAM block idstr");
    }
    return rd_bytes(rd, "idstr", *len, p);
}

/* postcopy-ram: an optional BE u64 block page size, not self-describing. It
 * is there when the next 8 bytes are a power of two below 2^56 (a following
 * idstr length byte is never 0, a record header always has a flag bit) that
 * is part of POSTCOPY_ADVISE's summary of page sizes. */
static bool read_page_size(Rd *rd, RamBlock *b, const RamOpts *opts,
                           uint32_t target_page_size)
{
    const uint8_t *p;
    uint64_t v = 0;

    if (!opts->postcopy || !rd_ensure(rd, 8)) {
        return true;
    }
    p = rd->buf + rd->pos;
    for (int i = 0; i < 8; i++) {
        v = (v << 8) | p[i];
    }
    if (p[0] || v < 1024 || (v & (v - 1)) || v == target_page_size ||
        (opts->postcopy_summary && !(opts->postcopy_summary & v))) {
        return true;
    }
    b->has_page_size = true;
    return rd_be64(rd, "page_size", &b->page_size);
}

/* Set bits among the first 'bits' bits of p[0, n): whole 64-bit words first
 * (their byte order does not change the count), then bytes. */
static uint64_t popcount_prefix(const uint8_t *p, size_t n, uint64_t bits)
{
    uint64_t c = 0, w;
    size_t i = 0;

    for (; i + 8 <= n && bits >= 64; i += 8, bits -= 64) {
        memcpy(&w, p + i, 8);
        c += (uint64_t)__builtin_popcountll(w);
    }
    for (; i < n && bits; i++) {
        uint8_t v = p[i];
        if (bits < 8) {
            v &= (uint8_t)((1u << bits) - 1);
        }
        c += (uint64_t)__builtin_popcount(v);
        bits = bits < 8 ? 0 : bits - 8;
    }
    return c;
}

/* Each run of set bits among the first 'bits' bits of p[0, n) (page 'first'
 * onwards) as one RAM_PAGE_MAPPED record. */
static bool emit_runs(Rd *rd, const RamModel *ram, const RamOpts *opts,
                      guint bi, const uint8_t *p, size_t n, uint64_t bits,
                      uint64_t first)
{
    const RamBlock *b = &g_array_index(ram->blocks, RamBlock, bi);
    uint64_t ps = b->mapped.page_size, i = 0, end = MIN(bits, (uint64_t)n * 8);

    while (i < end) {
        if (!(p[i / 8] & (1u << (i % 8)))) {
            i++;
            continue;
        }
        uint64_t j = i;
        while (j < end && (p[j / 8] & (1u << (j % 8)))) {
            j++;
        }
        RamPage pg = { .block = bi, .offset = (first + i) * ps,
                       .kind = RAM_PAGE_MAPPED,
                       .data_offset = b->mapped.pages_offset + (first + i) * ps,
                       .len = (j - i) * ps };
        if (!emit(rd, ram, opts, &pg)) {
            return false;
        }
        i = j;
    }
    return true;
}

/* The bitmap is host-endian unsigned longs: on a little-endian 64-bit host
 * page i is bit (i % 8) of byte i / 8. Read in chunks, never whole. */
static bool read_bitmap(Rd *rd, const RamModel *ram, const RamOpts *opts,
                        guint bi)
{
    RamBlock *b = &g_array_index(ram->blocks, RamBlock, bi);
    uint64_t first = 0;
    uint64_t pages = b->used_length / b->mapped.page_size;
    uint64_t bytes = (pages + 63) / 64 * 8;
    uint64_t at = rd_offset(rd);

    if (b->mapped.bitmap_offset < at) {
        return invalid(rd, at, "bitmap_offset",
                       "mapped-ram bitmap offset points backwards");
    }
    if (!rd_skip(rd, "bitmap", b->mapped.bitmap_offset - at)) {
        return false;
    }
    while (bytes) {
        size_t n = (size_t)MIN(bytes, (uint64_t)BITMAP_CHUNK);
        const uint8_t *p;
        if (!rd_bytes(rd, "bitmap", n, &p)) {
            return false;
        }
        uint64_t c = popcount_prefix(p, n, pages);
        if (c && opts->on_page && b->mapped.page_size != ram->page_size) {
            return invalid(rd, rd_offset(rd) - n, "mapped-ram page_size",
                           "mapped-ram page size differs from the stream's "
                           "target page size: its pages cannot be placed");
        }
        if (c && opts->on_page &&
            !emit_runs(rd, ram, opts, bi, p, n, pages, first)) {
            return false;
        }
        b->pages.normal += c;
        first += (uint64_t)n * 8;
        pages = pages > (uint64_t)n * 8 ? pages - (uint64_t)n * 8 : 0;
        bytes -= n;
    }
    b->pages.normal_bytes = b->pages.normal * b->mapped.page_size;
    at = rd_offset(rd);
    if (b->mapped.pages_offset + b->used_length < at) {
        return invalid(rd, at, "pages_offset",
                       "mapped-ram pages offset points before the bitmap end");
    }
    return rd_skip_payload(rd, "pages", b->mapped.pages_offset + b->used_length - at);
}

/* The first mapped-ram header gives the page size when nothing before did;
 * every later one must agree with it. */
static void mapped_page_size(RamModel *ram, const RamBlock *b)
{
    if (ram->page_size == 0 && b->mapped.page_size >= 1024 &&
        b->mapped.page_size <= (1u << 24)) {
        ram->page_size = (uint32_t)b->mapped.page_size;
        ram->page_size_from = RAM_PS_MAPPED;
    } else if (b->mapped.page_size != ram->page_size &&
               ram->mapped_mismatch < 0) {
        ram->mapped_mismatch = (int64_t)ram->blocks->len - 1;
    }
}

static bool read_mapped_header(Rd *rd, RamModel *ram, const RamOpts *opts,
                               guint bi)
{
    RamBlock *b = &g_array_index(ram->blocks, RamBlock, bi);
    RamMappedHeader *h = &b->mapped;
    uint64_t at = rd_offset(rd);

    b->has_mapped = true;
    if (!rd_be32(rd, "mapped-ram version", &h->version) ||
        !rd_be64(rd, "mapped-ram page_size", &h->page_size) ||
        !rd_be64(rd, "bitmap_offset", &h->bitmap_offset) ||
        !rd_be64(rd, "pages_offset", &h->pages_offset)) {
        return false;
    }
    if (h->version != 1) {
        fmt_error_set(rd->err, FMT_ERR_VERSION, at, rd->record, rd->index,
                      "mapped-ram version", "unsupported mapped-ram header "
                      "version %u (only 1 is known)", h->version);
        return false;
    }
    if (h->page_size == 0 || (h->page_size & (h->page_size - 1))) {
        return invalid(rd, at + 4, "mapped-ram page_size",
                       "mapped-ram page size is not a power of two");
    }
    mapped_page_size(ram, b);
    if (h->bitmap_offset == 0 && h->pages_offset == 0) {
        return true; /* ignored block (x-ignore-shared): no space reserved */
    }
    return read_bitmap(rd, ram, opts, bi);
}

static bool read_block_entry(Rd *rd, RamModel *ram, const RamOpts *opts)
{
    RamBlock b = { .offset = rd_offset(rd) };
    const uint8_t *id;

    rd_context(rd, "ram block", ram->blocks->len);
    if (!read_idstr(rd, &b.idlen, &id)) {
        return false;
    }
    b.idstr = g_strndup((const char *)id, b.idlen);
    g_array_append_val(ram->blocks, b);
    RamBlock *nb = &g_array_index(ram->blocks, RamBlock, ram->blocks->len - 1);
    if (!rd_be64(rd, "used_length", &nb->used_length) ||
        !read_page_size(rd, nb, opts, ram->page_size)) {
        return false;
    }
    if (opts->ignore_shared) {
        nb->has_mr_addr = true;
        if (!rd_be64(rd, "mr_addr", &nb->mr_addr)) {
            return false;
        }
    }
    return !opts->mapped_ram ||
           read_mapped_header(rd, ram, opts, ram->blocks->len - 1);
}

static bool read_mem_size(Rd *rd, RamModel *ram, const RamOpts *opts,
                          uint64_t at, uint64_t total)
{
    uint64_t sum = 0;

    if (ram->present) {
        return invalid(rd, at, "header", "second MEM_SIZE record");
    }
    ram->present = true;
    ram->mem_size_offset = at;
    ram->mem_size = total;
    while (sum < total) {
        uint64_t entry = rd_offset(rd);
        if (!read_block_entry(rd, ram, opts)) {
            return false;
        }
        sum += g_array_index(ram->blocks, RamBlock,
                             ram->blocks->len - 1).used_length;
        if (sum > total) {
            rd_context(rd, "ram block", ram->blocks->len - 1);
            return invalid(rd, entry, "used_length",
                           "block lengths add up to more than MEM_SIZE");
        }
    }
    ram->blocks_complete = true;
    return true;
}

static bool find_block(Rd *rd, RamModel *ram, uint64_t at)
{
    const uint8_t *id;
    uint8_t len;

    if (!read_idstr(rd, &len, &id)) {
        return false;
    }
    for (guint i = 0; i < ram->blocks->len; i++) {
        const RamBlock *b = &g_array_index(ram->blocks, RamBlock, i);
        if (b->idlen == len && !memcmp(b->idstr, id, len)) {
            ram->cur = (int64_t)i;
            return true;
        }
    }
    g_autofree char *name = g_strndup((const char *)id, len);
    g_autofree char *safe = g_strescape(name, NULL);
    fmt_error_set(rd->err, FMT_ERR_INVALID, at + 8, rd->record, rd->index,
                  "idstr", "page for RAM block \"%s\", which MEM_SIZE did not "
                  "list", safe);
    return false;
}

static bool read_xbzrle(Rd *rd, const RamModel *ram, const RamOpts *opts,
                        RamPage *pg)
{
    RamBlock *b = &g_array_index(ram->blocks, RamBlock, pg->block);
    uint64_t at = rd_offset(rd);
    uint16_t len;
    uint8_t enc;

    if (!rd_u8(rd, "xbzrle encoding", &enc)) {
        return false;
    }
    if (enc != 0x01) {
        return invalid(rd, at, "xbzrle encoding",
                       "XBZRLE encoding flag is not 0x01");
    }
    at = rd_offset(rd);
    if (!rd_be16(rd, "xbzrle length", &len)) {
        return false;
    }
    if (len > ram->page_size) {
        return invalid(rd, at, "xbzrle length",
                       "XBZRLE data longer than a page");
    }
    b->pages.xbzrle++;
    b->pages.xbzrle_bytes += len;
    return take_payload(rd, ram, opts, pg, "xbzrle data", len);
}

static bool read_compressed(Rd *rd, const RamModel *ram, const RamOpts *opts,
                            RamPage *pg)
{
    RamBlock *b = &g_array_index(ram->blocks, RamBlock, pg->block);
    uint64_t at = rd_offset(rd);
    uint32_t len;

    if (!rd_be32(rd, "compressed length", &len)) {
        return false;
    }
    if (len > ram_compressed_max(ram->page_size)) {
        return invalid(rd, at, "compressed length", "compressed page longer "
                       "than zlib's bound for a page (QEMU refuses it)");
    }
    b->pages.compressed++;
    b->pages.compressed_bytes += len;
    return take_payload(rd, ram, opts, pg, "compressed data", len);
}

static bool read_zero(Rd *rd, const RamModel *ram, const RamOpts *opts,
                      RamPage *pg)
{
    RamBlock *b = &g_array_index(ram->blocks, RamBlock, pg->block);

    b->pages.zero++;
    pg->data_offset = rd_offset(rd);
    pg->len = ram->page_size;
    if (!rd_u8(rd, "fill byte", &pg->fill)) {
        return false;
    }
    return !opts->on_page || emit(rd, ram, opts, pg);
}

static bool read_page(Rd *rd, RamModel *ram, const RamOpts *opts,
                      uint64_t at, uint64_t hdr, unsigned flags)
{
    uint64_t ps = ram->page_size;
    RamBlock *b;
    RamPage pg;

    if (!(flags & RAM_FLAG_CONTINUE)) {
        if (!find_block(rd, ram, at)) {
            return false;
        }
    } else if (ram->cur < 0) {
        return invalid(rd, at, "header",
                       "CONTINUE page record without a previous block");
    }
    b = &g_array_index(ram->blocks, RamBlock, ram->cur);
    if ((hdr & ~(ps - 1)) >= b->used_length) {
        return invalid(rd, at, "header", "page offset beyond the block's "
                       "used_length");
    }
    pg = (RamPage){ .block = (guint)ram->cur, .offset = hdr & ~(ps - 1) };
    switch (flags & ~RAM_FLAG_CONTINUE) {
    case RAM_FLAG_ZERO:
        pg.kind = RAM_PAGE_ZERO;
        return read_zero(rd, ram, opts, &pg);
    case RAM_FLAG_PAGE:
        pg.kind = RAM_PAGE_NORMAL;
        b->pages.normal++;
        b->pages.normal_bytes += ps;
        return take_payload(rd, ram, opts, &pg, "page data", ps);
    case RAM_FLAG_XBZRLE:
        pg.kind = RAM_PAGE_XBZRLE;
        return read_xbzrle(rd, ram, opts, &pg);
    default:
        pg.kind = RAM_PAGE_COMPRESSED;
        return read_compressed(rd, ram, opts, &pg);
    }
}

/* Hands over a pending run of zero pages (pg->len > 0); false: stopped. */
static bool flush_zero_run(Rd *rd, const RamModel *ram, const RamOpts *opts,
                           RamPage *z)
{
    bool ok = !z->len || emit(rd, ram, opts, z);

    z->len = 0;
    return ok;
}

/* The hot path: ZERO and PAGE records with CONTINUE (same block as the
 * previous record) that lie wholly in the reader's window are counted straight
 * from the window, with no per-field calls: a 9-byte zero page costs a load, a
 * compare and a pointer bump. A consumer is handed each PAGE, and each run of
 * zero pages at consecutive offsets as one ZERO record (holes cost nothing).
 * Anything else (block switch, a record crossing the window's end, an offset
 * beyond the block, other flags) is left to the general path, which reports
 * errors. False: the consumer stopped. */
static bool continue_run(Rd *rd, RamModel *ram, const RamOpts *opts)
{
    RamBlock *b = &g_array_index(ram->blocks, RamBlock, ram->cur);
    const uint8_t *p = rd->buf + rd->pos, *end = rd->buf + rd->len;
    uint64_t ps = ram->page_size, mask = ps - 1, used = b->used_length;
    uint64_t zero = 0, normal = 0;
    RamPage z = { .block = (guint)ram->cur, .kind = RAM_PAGE_ZERO };
    bool ok = true;

    while (ok && end - p >= 9) {
        uint64_t hdr = rd_load_be64(p);
        uint64_t at = rd->base + (uint64_t)(p - rd->buf) + 8;
        if ((hdr & ~mask) >= used) {
            break;
        }
        if ((hdr & mask) == (RAM_FLAG_ZERO | RAM_FLAG_CONTINUE)) {
            if (opts->on_page) {
                if (z.len && (p[8] || (hdr & ~mask) != z.offset + z.len)) {
                    ok = flush_zero_run(rd, ram, opts, &z);
                }
                if (!z.len) {
                    z.offset = hdr & ~mask;
                    z.data_offset = at;
                    z.fill = p[8];
                }
                z.len += ps;
                if (z.fill) {
                    ok = ok && flush_zero_run(rd, ram, opts, &z);
                }
            }
            zero++;
            p += 9;
        } else if ((hdr & mask) == (RAM_FLAG_PAGE | RAM_FLAG_CONTINUE) &&
                   (uint64_t)(end - p) >= 8 + ps) {
            if (rd->on_payload) {   /* redaction: page data, as rd_skip_payload */
                rd->on_payload(rd->payload_opaque, at, ps);
            }
            if (opts->on_page) {
                RamPage pg = { .block = (guint)ram->cur, .offset = hdr & ~mask,
                               .kind = RAM_PAGE_NORMAL, .data_offset = at,
                               .len = ps, .data = p + 8 };
                ok = flush_zero_run(rd, ram, opts, &z) && emit(rd, ram, opts, &pg);
            }
            normal++;
            p += 8 + ps;
        } else {
            break;
        }
    }
    ok = ok && (!opts->on_page || flush_zero_run(rd, ram, opts, &z));
    b->pages.zero += zero;
    b->pages.normal += normal;
    b->pages.normal_bytes += normal * ps;
    ram->records += zero + normal;
    rd->pos = (size_t)(p - rd->buf);
    return ok;
}

bool ram_flags_known(unsigned flags)
{
    switch (flags & ~RAM_FLAG_CONTINUE) {
    case RAM_FLAG_ZERO:
    case RAM_FLAG_PAGE:
    case RAM_FLAG_XBZRLE:
    case RAM_FLAG_COMPRESS_PAGE:
        return true;
    case RAM_FLAG_EOS:
    case RAM_FLAG_MULTIFD_FLUSH:
    case RAM_FLAG_HOOK:
    case RAM_FLAG_MEM_SIZE:
        return !(flags & RAM_FLAG_CONTINUE);
    default:
        return false;
    }
}

/* A page record comes next and no page size is known yet: infer it. */
static bool need_page_size(Rd *rd, RamModel *ram)
{
    if (ram->page_size || !rd_ensure(rd, 8)) {
        return true;
    }
    unsigned flags = (unsigned)(rd_load_be64(rd->buf + rd->pos) & 0x3ff);
    if (!(flags & (RAM_FLAG_ZERO | RAM_FLAG_PAGE | RAM_FLAG_XBZRLE |
                   RAM_FLAG_COMPRESS_PAGE)) || !ram_flags_known(flags)) {
        return true;
    }
    return ram_infer_page_size(rd, ram);
}

bool ram_read_chunk(Rd *rd, RamModel *ram, const RamOpts *opts)
{
    for (;;) {
        if (ram->cur >= 0 && ram->page_size && !continue_run(rd, ram, opts)) {
            return false;
        }
        rd_context(rd, "ram record", (int64_t)ram->records);
        if (!need_page_size(rd, ram)) {
            return false;
        }
        /* Without a page size the flags are the low 10 bits: QEMU's
         * highest flag is 0x200 and no target page is below 1 KiB. */
        uint64_t mask = ram->page_size ? (uint64_t)ram->page_size - 1 : 0x3ff;
        uint64_t at = rd_offset(rd), hdr;

        if (!rd_be64(rd, "header", &hdr)) {
            return false;
        }
        ram->records++;
        unsigned flags = (unsigned)(hdr & mask);
        switch (flags & ~RAM_FLAG_CONTINUE) {
        case RAM_FLAG_EOS:
            ram->eos_count++;
            return true;
        case RAM_FLAG_MULTIFD_FLUSH:
            ram->multifd_flushes++;
            break;
        case RAM_FLAG_HOOK:
            ram->hooks++;
            break;
        case RAM_FLAG_MEM_SIZE:
            if (!read_mem_size(rd, ram, opts, at, hdr & ~mask)) {
                return false;
            }
            break;
        case RAM_FLAG_ZERO:
        case RAM_FLAG_PAGE:
        case RAM_FLAG_XBZRLE:
        case RAM_FLAG_COMPRESS_PAGE:
            if (!read_page(rd, ram, opts, at, hdr, flags)) {
                return false;
            }
            break;
        default:
            fmt_error_set(rd->err, FMT_ERR_INVALID, at, rd->record, rd->index,
                          "header", "unknown RAM record flags 0x%x", flags);
            return false;
        }
    }
}
