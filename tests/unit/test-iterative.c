/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of formats/iterative.c on annotated wire images of each live
 * section's chunks, and of one inside a whole stream. */
#include <glib.h>
#include <string.h>

#include "iterative.h"
#include "stream.h"

static bool chunk(const uint8_t *p, size_t n, IterKind kind, IterState *st,
                  IterChunk *c, FmtError *err, uint64_t *end)
{
    Rd rd;
    bool ok;

    memset(err, 0, sizeof(*err));
    rd_init_mem(&rd, p, n, err);
    ok = iter_read_chunk(&rd, kind, st, c);
    *end = rd_offset(&rd);
    return ok;
}

static void test_kinds(void)
{
    g_assert_cmpint(iter_kind("spapr/htab"), ==, ITER_HTAB);
    g_assert_cmpint(iter_kind("s390-storage_attributes"), ==, ITER_STATTR);
    g_assert_cmpint(iter_kind("dirty-bitmap"), ==, ITER_DIRTY_BITMAP);
    g_assert_cmpint(iter_kind("block"), ==, ITER_BLOCK);
    g_assert_cmpint(iter_kind("ram"), ==, ITER_NONE);
    g_assert_cmpstr(iter_kind_name(ITER_STATTR), ==, "s390-storage-attributes");
}

static void test_htab(void)
{
    static const uint8_t start[] = { 0x00, 0x00, 0x00, 0x15 };  /* shift 21 */
    static const uint8_t part[] = {
        0x00, 0x00, 0x00, 0x00,               /* header 0: chunks follow */
        0x00, 0x00, 0x00, 0x10, 0x00, 0x02, 0x00, 0x01, /* index 16, 2 valid,
                                                           1 invalid */
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, /* 2 HPTEs */
        0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x05, /* index 32, 5 invalid */
        0, 0, 0, 0, 0, 0, 0, 0,               /* end marker */
    };
    static const uint8_t nohpt[] = { 0xff, 0xff, 0xff, 0xff };
    IterState st = { .htab_shift = -1 };
    IterChunk c;
    FmtError err;
    uint64_t end;

    g_assert_true(chunk(start, sizeof(start), ITER_HTAB, &st, &c, &err, &end));
    g_assert_cmpint(c.htab_header, ==, 21);
    g_assert_cmpint(st.htab_shift, ==, 21);
    g_assert_true(c.ended);
    g_assert_true(chunk(part, sizeof(part), ITER_HTAB, &st, &c, &err, &end));
    g_assert_cmpuint(end, ==, sizeof(part));
    g_assert_cmpuint(c.htab_chunks, ==, 2);
    g_assert_cmpuint(c.htab_valid, ==, 2);
    g_assert_cmpuint(c.htab_invalid, ==, 6);
    g_assert_cmpuint(c.bytes, ==, 32);
    g_assert_cmpuint(c.records, ==, 4);
    g_assert_true(c.ended);
    g_assert_true(chunk(nohpt, 4, ITER_HTAB, &st, &c, &err, &end));
    g_assert_cmpint(c.htab_header, ==, -1);

    /* a chunk beyond the 2^21-byte table (131072 HPTEs) */
    uint8_t bad[sizeof(part)];
    memcpy(bad, part, sizeof(part));
    bad[4] = 0x00, bad[5] = 0x02, bad[6] = 0x00, bad[7] = 0x00;  /* 131072 */
    g_assert_false(chunk(bad, sizeof(bad), ITER_HTAB, &st, &c, &err, &end));
    g_assert_cmpint(err.code, ==, FMT_ERR_INVALID);
    g_assert_cmphex(err.offset, ==, 4);
    g_assert_cmpstr(err.field, ==, "index");
    /* a shift QEMU never writes */
    static const uint8_t small[] = { 0x00, 0x00, 0x00, 0x05 };
    g_assert_false(chunk(small, 4, ITER_HTAB, &st, &c, &err, &end));
    /* truncated inside the HPTEs */
    g_assert_false(chunk(part, 20, ITER_HTAB, &st, &c, &err, &end));
    g_assert_cmpint(err.code, ==, FMT_ERR_TRUNCATED);
    g_assert_cmpstr(err.field, ==, "HPTEs");
}

static void test_stattr(void)
{
    static const uint8_t w[] = {
        0, 0, 0, 0, 0, 0, 0x10, 0x02,         /* gfn 1 | MORE */
        0, 0, 0, 0, 0, 0, 0, 3,               /* count 3 */
        0x11, 0x22, 0x33,                     /* attributes */
        0, 0, 0, 0, 0, 0, 0, 0x08,            /* DONE */
        0, 0, 0, 0, 0, 0, 0, 0x01,            /* EOS */
    };
    static const uint8_t err_flag[] = { 0, 0, 0, 0, 0, 0, 0, 0x04 };
    static const uint8_t unknown[] = { 0, 0, 0, 0, 0, 0, 0, 0x40 };
    IterState st = { -1 };
    IterChunk c;
    FmtError err;
    uint64_t end;

    g_assert_true(chunk(w, sizeof(w), ITER_STATTR, &st, &c, &err, &end));
    g_assert_cmpuint(end, ==, sizeof(w));
    g_assert_cmpuint(c.stattr_more, ==, 1);
    g_assert_cmpuint(c.stattr_done, ==, 1);
    g_assert_cmpuint(c.bytes, ==, 3);
    g_assert_cmpuint(c.records, ==, 3);
    g_assert_true(c.ended);
    g_assert_false(chunk(err_flag, 8, ITER_STATTR, &st, &c, &err, &end));
    g_assert_nonnull(strstr(err.msg, "reported an error"));
    g_assert_false(chunk(unknown, 8, ITER_STATTR, &st, &c, &err, &end));
    g_assert_nonnull(strstr(err.msg, "unknown storage attribute flags 0x40"));
}

static void test_dirty_bitmap(void)
{
    static const uint8_t w[] = {
        0x1c, 0x02, 'n', '0', 0x02, 'b', '0', /* START|DEVICE|BITMAP, names */
        0x00, 0x01, 0x00, 0x00, 0x01,         /* granularity 64 KiB, flags */
        0x01,                                 /* EOS */
    };
    static const uint8_t bits[] = {
        0x40,                                 /* BITS, same bitmap */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x00, /* sector 0, 4096 sectors */
        0, 0, 0, 0, 0, 0, 0, 4, 0xff, 0, 0, 1, /* 4 bytes of bitmap */
        0x42,                                 /* BITS|ZEROES */
        0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0x10, 0x00,
        0x20,                                 /* COMPLETE */
        0x01,                                 /* EOS */
    };
    static const uint8_t bad[] = { 0x00 };
    IterState st = { -1 };
    IterChunk c;
    FmtError err;
    uint64_t end;

    g_assert_true(chunk(w, sizeof(w), ITER_DIRTY_BITMAP, &st, &c, &err, &end));
    g_assert_cmpuint(c.dbm_start, ==, 1);
    g_assert_cmpuint(c.records, ==, 2);
    g_assert_true(c.ended);
    g_assert_true(chunk(bits, sizeof(bits), ITER_DIRTY_BITMAP, &st, &c, &err,
                        &end));
    g_assert_cmpuint(end, ==, sizeof(bits));
    g_assert_cmpuint(c.dbm_bits, ==, 2);
    g_assert_cmpuint(c.dbm_zeroes, ==, 1);
    g_assert_cmpuint(c.dbm_complete, ==, 1);
    g_assert_cmpuint(c.bytes, ==, 4);
    g_assert_false(chunk(bad, 1, ITER_DIRTY_BITMAP, &st, &c, &err, &end));
    g_assert_cmpstr(err.field, ==, "flags");
    /* fuzz-iterative: a bitmap of 2^44 bytes in 20: truncated, and counted
     * as no bytes (only what was read counts) */
    static const uint8_t huge[] = {
        0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x00,
        0, 0, 0x10, 0, 0, 0, 0, 0, 0xff, 0, 0, 1,
    };
    g_assert_false(chunk(huge, sizeof(huge), ITER_DIRTY_BITMAP, &st, &c, &err,
                         &end));
    g_assert_cmpint(err.code, ==, FMT_ERR_TRUNCATED);
    g_assert_cmpstr(err.field, ==, "bitmap");
    g_assert_cmpuint(c.bytes, ==, 0);
    g_assert_cmpuint(c.dbm_bits, ==, 1);
}

static void test_block(void)
{
    g_autoptr(GByteArray) w = g_byte_array_new();
    static const uint8_t zero_blk[] = {
        0, 0, 0, 0, 0, 0, 0x02, 0x09,         /* sector 1 | DEVICE|ZERO */
        0x02, 'd', '0',
    };
    static const uint8_t data_blk[] = {
        0, 0, 0, 0, 0, 0, 0x04, 0x01,         /* sector 2 | DEVICE_BLOCK */
        0x02, 'd', '0',
    };
    static const uint8_t tail[] = {
        0, 0, 0, 0, 0, 0, 0x64 << 1, 0x04,    /* 100 % << 9 | PROGRESS */
        0, 0, 0, 0, 0, 0, 0, 0x02,            /* EOS */
    };
    g_autofree uint8_t *data = g_malloc0(BLK_MIG_BLOCK_SIZE);
    IterState st = { -1 };
    IterChunk c;
    FmtError err;
    uint64_t end;

    g_byte_array_append(w, zero_blk, sizeof(zero_blk));
    g_byte_array_append(w, data_blk, sizeof(data_blk));
    g_byte_array_append(w, data, BLK_MIG_BLOCK_SIZE);
    g_byte_array_append(w, tail, sizeof(tail));
    g_assert_true(chunk(w->data, w->len, ITER_BLOCK, &st, &c, &err, &end));
    g_assert_cmpuint(end, ==, w->len);
    g_assert_cmpuint(c.blk_blocks, ==, 2);
    g_assert_cmpuint(c.blk_zero_blocks, ==, 1);
    g_assert_cmpuint(c.blk_progress, ==, 1);
    g_assert_cmpuint(c.bytes, ==, BLK_MIG_BLOCK_SIZE);
    g_assert_false(chunk(w->data, w->len - 20, ITER_BLOCK, &st, &c, &err,
                         &end));
    g_assert_cmpint(err.code, ==, FMT_ERR_TRUNCATED);
}

/* In a stream: a START and an END of spapr/htab between ram chunks, each
 * read by its framing and shown parsed (no footer scan). */
static void test_in_stream(void)
{
    static const uint8_t w[] = {
        'Q', 'E', 'V', 'M', 0, 0, 0, 3,
        0x01, 0, 0, 0, 7, 0x0a, 's', 'p', 'a', 'p', 'r', '/', 'h', 't', 'a',
        'b', 0, 0, 0, 0, 0, 0, 0, 1,          /* START id 7, version 1 */
        0, 0, 0, 0x12,                        /* shift 18 */
        0x7e, 0, 0, 0, 7,                     /* footer */
        0x03, 0, 0, 0, 7,                     /* END id 7 */
        0, 0, 0, 0,                           /* 0x2e header 0: chunks */
        0x7e, 0, 0, 0, 0, 7, 0, 0,            /* 0x32 index 0x7e000000, 7
                                                 valid: looks like a footer */
        0, 0, 0, 0, 0, 0, 0, 0,               /* 0x3a end marker */
        0x7e, 0, 0, 0, 7,                     /* 0x42 footer */
        0x00,                                 /* 0x47 EOF */
    };
    g_autoptr(StreamModel) m = NULL;
    FmtError err;

    /* the framing, not a footer scan: the chunk at 0x32 is read as one,
     * and it lies beyond the 2^18-byte table */
    g_assert_false(stream_decode_mem(w, sizeof(w), &m, &err));
    g_assert_cmpstr(err.field, ==, "index");
    g_assert_cmphex(err.offset, ==, 0x32);

    /* without that chunk: header 0, end marker, footer */
    g_autoptr(GByteArray) ok_w = g_byte_array_new();
    g_byte_array_append(ok_w, w, 0x32);
    g_byte_array_append(ok_w, w + 0x3a, sizeof(w) - 0x3a);
    g_autoptr(StreamModel) m2 = NULL;
    g_assert_true(stream_decode_mem(ok_w->data, ok_w->len, &m2, &err));
    g_assert_cmpuint(m2->sections->len, ==, 2);
    const StreamSection *s = &g_array_index(m2->sections, StreamSection, 1);
    g_assert_cmpint(s->how, ==, BODY_PARSED);
    g_assert_cmpint(s->iter.kind, ==, ITER_HTAB);
    g_assert_cmpuint(s->iter.htab_chunks, ==, 0);
    g_assert_cmpuint(s->iter.records, ==, 2);   /* header 0, end marker */
    g_assert_true(s->iter.ended);
    g_assert_cmpuint(m2->inferred_count, ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/iterative/kinds", test_kinds);
    g_test_add_func("/iterative/htab", test_htab);
    g_test_add_func("/iterative/stattr", test_stattr);
    g_test_add_func("/iterative/dirty-bitmap", test_dirty_bitmap);
    g_test_add_func("/iterative/block", test_block);
    g_test_add_func("/iterative/in-stream", test_in_stream);
    return g_test_run();
}
