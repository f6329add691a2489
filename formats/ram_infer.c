/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The target page size of a stream that does not say it (no
 * configuration/target-page-bits, no vmdesc read ahead, no mapped-ram header,
 * no POSTCOPY_ADVISE): read the page records ahead in the reader's window once
 * per candidate size and keep the sizes under which every record is valid.
 * Nothing is consumed; the decoder then reads the records for real.
 */
#include "ram.h"

#include <string.h>

/* Look-ahead: at most this many bytes and records per candidate. */
#define INFER_WINDOW (4u << 20)
#define INFER_RECORDS (1u << 19)

typedef struct Sim {
    const RamModel *ram;
    const uint8_t *p, *end;
    uint64_t mask;
    uint64_t ps;
    int64_t cur;
    uint64_t records;
} Sim;

enum { SIM_GO, SIM_STOP, SIM_BAD };

static int64_t sim_block(const Sim *s, const uint8_t *id, uint8_t len)
{
    for (guint i = 0; i < s->ram->blocks->len; i++) {
        const RamBlock *b = &g_array_index(s->ram->blocks, RamBlock, i);
        if (b->idlen == len && !memcmp(b->idstr, id, len)) {
            return (int64_t)i;
        }
    }
    return -1;
}

/* Payload bytes after the header (and idstr) of a page record, or -1 when
 * it is invalid; -2 when it runs past the window. */
static int64_t sim_payload(const Sim *s, const uint8_t *q, unsigned kind)
{
    size_t left = (size_t)(s->end - q);

    switch (kind) {
    case RAM_FLAG_ZERO:
        return left < 1 ? -2 : q[0] == 0 ? 1 : -1;
    case RAM_FLAG_PAGE:
        return (int64_t)s->ps;
    case RAM_FLAG_XBZRLE:
        if (left < 3) {
            return -2;
        }
        return q[0] == 0x01 && ((uint64_t)q[1] << 8 | q[2]) <= s->ps
               ? 3 + ((int64_t)q[1] << 8 | q[2]) : -1;
    default:    /* COMPRESS_PAGE */
        if (left < 4) {
            return -2;
        }
        return 4 + (int64_t)((uint64_t)q[0] << 24 | (uint64_t)q[1] << 16 |
                             (uint64_t)q[2] << 8 | q[3]);
    }
}

static int sim_page(Sim *s, uint64_t hdr, unsigned flags)
{
    const uint8_t *q = s->p + 8;

    if (!(flags & RAM_FLAG_CONTINUE)) {
        if (q >= s->end || (size_t)(s->end - q) < 1u + q[0]) {
            return SIM_STOP;
        }
        s->cur = q[0] ? sim_block(s, q + 1, q[0]) : -1;
        if (s->cur < 0) {
            return SIM_BAD;
        }
        q += 1 + q[0];
    }
    if (s->cur < 0) {
        return SIM_BAD;
    }
    const RamBlock *b = &g_array_index(s->ram->blocks, RamBlock, s->cur);
    if ((hdr & ~s->mask) >= b->used_length) {
        return SIM_BAD;
    }
    int64_t n = sim_payload(s, q, flags & ~RAM_FLAG_CONTINUE);
    if (n == -1) {
        return SIM_BAD;
    }
    if (n < 0 || (uint64_t)(s->end - q) < (uint64_t)n) {
        return SIM_STOP;
    }
    s->p = q + n;
    return SIM_GO;
}

/* After an EOS: the chunk's footer (0x7e + section id) and, right behind it,
 * the next PART or END chunk of the same section (QEMU sends several ram
 * chunks in a row when nothing else is live): read on into it. */
static int sim_next_chunk(Sim *s)
{
    const uint8_t *q = s->p;

    if (s->end - q >= 10 && q[0] == 0x7e && (q[5] == 0x02 || q[5] == 0x03) &&
        !memcmp(q + 1, q + 6, 4)) {
        s->p = q + 10;
        return SIM_GO;
    }
    return SIM_STOP;
}

/* One record at s->p under candidate s->ps. */
static int sim_record(Sim *s)
{
    if (s->end - s->p < 8) {
        return SIM_STOP;
    }
    uint64_t hdr = rd_load_be64(s->p);
    unsigned flags = (unsigned)(hdr & s->mask);

    if (!ram_flags_known(flags)) {
        return SIM_BAD;
    }
    switch (flags & ~RAM_FLAG_CONTINUE) {
    case RAM_FLAG_EOS:
        if (hdr != RAM_FLAG_EOS) {
            return SIM_BAD;
        }
        s->p += 8;
        return sim_next_chunk(s);
    case RAM_FLAG_MULTIFD_FLUSH:
    case RAM_FLAG_HOOK:
        if (hdr != flags) {
            return SIM_BAD;
        }
        s->p += 8;
        return SIM_GO;
    case RAM_FLAG_MEM_SIZE:
        return SIM_BAD;    /* only one, and it came before any page */
    default:
        return sim_page(s, hdr, flags);
    }
}

static bool candidate_fits(const RamModel *ram, const uint8_t *p,
                           const uint8_t *end, unsigned shift,
                           uint64_t *records)
{
    Sim s = { .ram = ram, .p = p, .end = end, .ps = 1ull << shift,
              .mask = (1ull << shift) - 1, .cur = ram->cur };
    int r = SIM_GO;

    while (r == SIM_GO && s.records < INFER_RECORDS) {
        r = sim_record(&s);
        if (r != SIM_BAD) {
            s.records++;
        }
    }
    *records = s.records;
    return r != SIM_BAD;
}

bool ram_infer_page_size(Rd *rd, RamModel *ram)
{
    static const unsigned shifts[RAM_INFER_N] = RAM_INFER_SHIFTS;
    RamInference *inf = &ram->inference;
    int best = -1, count = 0;

    rd_ensure(rd, INFER_WINDOW);
    const uint8_t *p = rd->buf + rd->pos;
    const uint8_t *end = p + MIN(rd->len - rd->pos, (size_t)INFER_WINDOW);

    memset(inf, 0, sizeof(*inf));
    inf->done = true;
    inf->offset = rd_offset(rd);
    for (int i = 0; i < RAM_INFER_N; i++) {
        if (candidate_fits(ram, p, end, shifts[i], &inf->records[i])) {
            inf->fits |= 1u << i;
            best = i;    /* the largest that fits: see ram.md */
            count++;
        }
    }
    if (best < 0) {
        fmt_error_set(rd->err, FMT_ERR_INVALID, inf->offset, rd->record,
                      rd->index, "header", "target page size unknown (no "
                      "configuration/target-page-bits, vmdesc, mapped-ram "
                      "header or POSTCOPY_ADVISE) and no page size of 1, 2, "
                      "4, 8, 16 or 64 KiB reads the RAM records here as "
                      "valid");
        return false;
    }
    inf->decisive = count == 1;
    ram->page_size = 1u << shifts[best];
    ram->page_size_from = RAM_PS_INFERRED;
    return true;
}
