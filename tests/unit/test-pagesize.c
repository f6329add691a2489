/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the target page size (formats/stream_pagesize.c,
 * formats/ram_infer.c): each source in its order, the inference from the
 * records, and streams built to be ambiguous or contradictory.
 */
#include <glib.h>
#include <string.h>

#include "stream.h"

/* ---- a small stream builder ---- */

typedef struct W {
    GByteArray *b;
} W;

static void put(W *w, const void *p, size_t n)
{
    g_byte_array_append(w->b, p, (guint)n);
}

static void u8(W *w, uint8_t v)
{
    put(w, &v, 1);
}

static void be(W *w, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        u8(w, (uint8_t)(v >> (8 * i)));
    }
}

static void name8(W *w, const char *s)
{
    u8(w, (uint8_t)strlen(s));
    put(w, s, strlen(s));
}

typedef struct Opts {
    int page_bits;           /* configuration/target-page-bits, 0: none */
    const char *cap;         /* one capability, or NULL */
    uint64_t advise;         /* POSTCOPY_ADVISE target page size, 0: none */
    uint64_t mapped;         /* mapped-ram header page size (ignored block) */
    int64_t vmdesc;          /* vmdesc page_size, -1: no vmdesc */
} Opts;

static void config(W *w, const Opts *o)
{
    u8(w, 0x07);
    be(w, 4, 4);
    put(w, "virt", 4);
    if (o->page_bits) {
        u8(w, 0x05);
        name8(w, "configuration/target-page-bits");
        be(w, 1, 4);
        be(w, (uint64_t)o->page_bits, 4);
    }
    if (o->cap) {
        u8(w, 0x05);
        name8(w, "configuration/capabilities");
        be(w, 1, 4);
        be(w, 1, 4);
        name8(w, o->cap);
    }
}

#define BLOCK_LEN 0x10000u

/* Header, configuration, [ADVISE], ram START: MEM_SIZE of one 64 KiB block
 * "b", then the caller's records. */
static W start(const Opts *o)
{
    W w = { g_byte_array_new() };

    put(&w, "QEVM\0\0\0\3", 8);
    config(&w, o);
    if (o->advise) {
        u8(&w, 0x08);
        be(&w, 3, 2);
        be(&w, 16, 2);
        be(&w, o->advise, 8);
        be(&w, o->advise, 8);
    }
    u8(&w, 0x01);
    be(&w, 1, 4);
    name8(&w, "ram");
    be(&w, 0, 4);
    be(&w, 4, 4);
    be(&w, BLOCK_LEN | 0x04, 8);
    name8(&w, "b");
    be(&w, BLOCK_LEN, 8);
    if (o->mapped) {
        be(&w, 1, 4);
        be(&w, o->mapped, 8);
        be(&w, 0, 8);
        be(&w, 0, 8);
    }
    return w;
}

static void zero(W *w, uint64_t off, bool first)
{
    be(w, off | 0x02 | (first ? 0 : 0x20), 8);
    if (first) {
        name8(w, "b");
    }
    u8(w, 0);
}

static void page(W *w, uint64_t off, bool first, size_t size)
{
    be(w, off | 0x08 | (first ? 0 : 0x20), 8);
    if (first) {
        name8(w, "b");
    }
    for (size_t i = 0; i < size; i++) {
        u8(w, (uint8_t)(i * 7 + 1));
    }
}

/* EOS, footer, EOF, vmdesc. */
static GByteArray *finish(W *w, const Opts *o)
{
    be(w, 0x10, 8);
    u8(w, 0x7e);
    be(w, 1, 4);
    u8(w, 0x00);
    if (o->vmdesc >= 0) {
        g_autofree char *j = g_strdup_printf("{\"page_size\":%" G_GINT64_FORMAT
                                             ",\"devices\":[]}", o->vmdesc);
        u8(w, 0x06);
        be(w, strlen(j), 4);
        put(w, j, strlen(j));
    }
    return w->b;
}

static StreamModel *decode(GByteArray *b, bool *ok, FmtError *err)
{
    StreamModel *m = NULL;

    *ok = stream_decode_mem(b->data, b->len, &m, err);
    g_assert_nonnull(m);
    return m;
}

/* 1 KiB pages, as vexpress-a9 writes them: zero, zero, a full page, zero. */
static void records_1k(W *w)
{
    zero(w, 0, true);
    zero(w, 0x400, false);
    page(w, 0x800, false, 1024);
    zero(w, 0xc00, false);
}

static void assert_ram_1k(const StreamModel *m)
{
    const RamBlock *b = &g_array_index(m->ram.blocks, RamBlock, 0);

    g_assert_cmpuint(b->pages.zero, ==, 3);
    g_assert_cmpuint(b->pages.normal, ==, 1);
    g_assert_cmpuint(b->pages.normal_bytes, ==, 1024);
}

/* ---- the sources, in order ---- */

static void test_vmdesc_ahead(void)
{
    Opts o = { .vmdesc = 1024 };
    W w = start(&o);
    records_1k(&w);
    g_autoptr(GByteArray) b = finish(&w, &o);
    FmtError err;
    bool ok;
    g_autoptr(StreamModel) m = decode(b, &ok, &err);

    g_assert_true(ok);
    g_assert_cmpuint(m->ps.size, ==, 1024);
    g_assert_cmpint(m->ps.from, ==, PS_SRC_VMDESC);
    g_assert_true(m->ps.vmdesc_ahead);
    g_assert_null(m->ps.conflict);
    g_assert_cmpstr(stream_page_source_name(m->ps.from), ==, "vmdesc");
    assert_ram_1k(m);
}

static void test_config_first(void)
{
    Opts o = { .page_bits = 10, .vmdesc = 1024 };
    W w = start(&o);
    records_1k(&w);
    g_autoptr(GByteArray) b = finish(&w, &o);
    FmtError err;
    bool ok;
    g_autoptr(StreamModel) m = decode(b, &ok, &err);

    g_assert_true(ok);
    g_assert_cmpint(m->ps.from, ==, PS_SRC_CONFIG);
    g_assert_false(m->ps.vmdesc_ahead);     /* not needed: not read */
    g_assert_cmpuint(m->ps.said[PS_SRC_VMDESC], ==, 1024);   /* at the end */
    assert_ram_1k(m);
}

static void test_inferred(void)
{
    Opts o = { .vmdesc = -1 };
    W w = start(&o);
    records_1k(&w);
    g_autoptr(GByteArray) b = finish(&w, &o);
    FmtError err;
    bool ok;
    g_autoptr(StreamModel) m = decode(b, &ok, &err);

    g_assert_true(ok);
    g_assert_cmpuint(m->ps.size, ==, 1024);
    g_assert_cmpint(m->ps.from, ==, PS_SRC_INFERRED);
    g_assert_true(m->ram.inference.decisive);
    g_assert_cmphex(m->ram.inference.fits, ==, 1u);   /* 1 KiB only */
    g_assert_nonnull(strstr(m->ps.detail, "only 1024 makes the 5 RAM records"));
    assert_ram_1k(m);
}

/* 4 KiB records: a full page of 4 KiB decides against 1 and 2 KiB. */
static void test_inferred_4k(void)
{
    Opts o = { .vmdesc = -1 };
    W w = start(&o);
    zero(&w, 0, true);
    page(&w, 0x1000, false, 4096);
    zero(&w, 0x2000, false);
    g_autoptr(GByteArray) b = finish(&w, &o);
    FmtError err;
    bool ok;
    g_autoptr(StreamModel) m = decode(b, &ok, &err);

    g_assert_true(ok);
    g_assert_cmpuint(m->ps.size, ==, 4096);
    g_assert_true(m->ram.inference.decisive);
}

static void test_mapped(void)
{
    Opts o = { .cap = "mapped-ram", .mapped = 1024, .vmdesc = -1 };
    W w = start(&o);
    g_autoptr(GByteArray) b = finish(&w, &o);
    FmtError err;
    bool ok;
    g_autoptr(StreamModel) m = decode(b, &ok, &err);

    g_assert_true(ok);
    g_assert_cmpuint(m->ps.size, ==, 1024);
    g_assert_cmpint(m->ps.from, ==, PS_SRC_MAPPED);
}

static void test_advise(void)
{
    Opts o = { .advise = 1024, .vmdesc = -1 };
    W w = start(&o);
    records_1k(&w);
    g_autoptr(GByteArray) b = finish(&w, &o);
    FmtError err;
    bool ok;
    g_autoptr(StreamModel) m = decode(b, &ok, &err);

    g_assert_true(ok);
    g_assert_cmpint(m->ps.from, ==, PS_SRC_ADVISE);
    g_assert_cmpuint(m->ps.size, ==, 1024);
    assert_ram_1k(m);
}

/* No page record, no source: unknown, and nothing fails. */
static void test_none(void)
{
    Opts o = { .vmdesc = -1 };
    W w = start(&o);
    g_autoptr(GByteArray) b = finish(&w, &o);
    FmtError err;
    bool ok;
    g_autoptr(StreamModel) m = decode(b, &ok, &err);

    g_assert_true(ok);
    g_assert_cmpuint(m->ps.size, ==, 0);
    g_assert_cmpint(m->ps.from, ==, PS_SRC_NONE);
    g_assert_cmpstr(stream_page_source_name(m->ps.from), ==, "none");
}

/* The same bytes through a source without tail (a pipe): inferred, then the
 * vmdesc at the end agrees. */
typedef struct Pipe {
    const uint8_t *p;
    size_t n, pos;
} Pipe;

static ssize_t pipe_read(void *opaque, void *buf, size_t len)
{
    Pipe *s = opaque;
    size_t k = MIN(MIN(len, (size_t)100), s->n - s->pos);

    memcpy(buf, s->p + s->pos, k);
    s->pos += k;
    return (ssize_t)k;
}

static void test_pipe(void)
{
    Opts o = { .vmdesc = 1024 };
    W w = start(&o);
    records_1k(&w);
    g_autoptr(GByteArray) b = finish(&w, &o);
    Pipe p = { b->data, b->len, 0 };
    FmtSource src = { .read = pipe_read, .opaque = &p };
    g_autoptr(StreamModel) m = NULL;
    FmtError err;

    g_assert_true(stream_decode(&src, &m, &err));
    g_assert_cmpint(m->ps.from, ==, PS_SRC_INFERRED);
    g_assert_false(m->ps.vmdesc_ahead);
    g_assert_nonnull(strstr(m->ps.detail, "the vmdesc at the end agrees"));
    assert_ram_1k(m);
}

/* The full page only in the second of two ram chunks in a row (as QEMU 7.2
 * s390x sends them): the look-ahead reads on through EOS, footer and the next
 * PART header, and decides. */
static void test_next_chunk(void)
{
    Opts o = { .vmdesc = -1 };
    W w = start(&o);
    zero(&w, 0, true);
    zero(&w, 0x1000, false);
    be(&w, 0x10, 8);            /* EOS */
    u8(&w, 0x7e);               /* footer of section 1 */
    be(&w, 1, 4);
    u8(&w, 0x02);               /* PART of section 1 */
    be(&w, 1, 4);
    page(&w, 0x2000, false, 4096);
    g_autoptr(GByteArray) b = finish(&w, &o);
    FmtError err;
    bool ok;
    g_autoptr(StreamModel) m = decode(b, &ok, &err);

    g_assert_true(ok);
    g_assert_cmpuint(m->ps.size, ==, 4096);
    g_assert_true(m->ram.inference.decisive);
    g_assert_cmpuint(m->sections->len, ==, 2);
    g_assert_cmpuint(m->ram.eos_count, ==, 2);
}

/* ---- hostile ---- */

/* Only zero pages at 4 KiB offsets: 1, 2 and 4 KiB all read them: the
 * largest is used, and the detail says it was ambiguous. */
static void test_ambiguous(void)
{
    Opts o = { .vmdesc = -1 };
    W w = start(&o);
    zero(&w, 0, true);
    zero(&w, 0x1000, false);
    zero(&w, 0x2000, false);
    g_autoptr(GByteArray) b = finish(&w, &o);
    FmtError err;
    bool ok;
    g_autoptr(StreamModel) m = decode(b, &ok, &err);

    g_assert_true(ok);
    g_assert_cmpuint(m->ps.size, ==, 4096);
    g_assert_false(m->ram.inference.decisive);
    g_assert_cmphex(m->ram.inference.fits, ==, 0x7u);
    g_assert_nonnull(strstr(m->ps.detail, "ambiguous: 1024, 2048, 4096"));
}

/* The configuration says 4096, the vmdesc 1024: the configuration is used,
 * the conflict names both, the decode fails at the vmdesc (exit 5). */
static void test_contradictory(void)
{
    Opts o = { .page_bits = 12, .vmdesc = 1024 };
    W w = start(&o);
    zero(&w, 0, true);
    zero(&w, 0x1000, false);
    g_autoptr(GByteArray) b = finish(&w, &o);
    FmtError err;
    bool ok;
    g_autoptr(StreamModel) m = decode(b, &ok, &err);

    g_assert_false(ok);
    g_assert_cmpint(err.code, ==, FMT_ERR_INVALID);
    g_assert_cmpstr(err.field, ==, "vmdesc");
    g_assert_cmphex(err.offset, ==, m->vmdesc.offset);
    g_assert_cmpstr(m->ps.conflict, ==, "target page size: configuration/"
                    "target-page-bits says 4096 but vmdesc page_size says "
                    "1024");
    g_assert_cmpstr(err.msg, ==, m->ps.conflict);
    g_assert_cmpuint(m->ps.size, ==, 4096);
    g_assert_cmpuint(m->sections->len, ==, 1);   /* the decode is shown */
}

/* 1 KiB records but a vmdesc that says 4096 (read ahead, so used): the
 * records fail to decode under 4096; the conflict is in the model. */
static void test_vmdesc_wrong(void)
{
    Opts o = { .vmdesc = 4096 };
    W w = start(&o);
    records_1k(&w);
    g_autoptr(GByteArray) b = finish(&w, &o);
    FmtError err;
    bool ok;
    g_autoptr(StreamModel) m = decode(b, &ok, &err);

    g_assert_false(ok);
    g_assert_cmpint(m->ps.from, ==, PS_SRC_VMDESC);
    g_assert_nonnull(strstr(err.msg, "unknown RAM record flags 0x422"));
}

/* The mapped-ram header disagrees with the configuration. */
static void test_mapped_contradicts(void)
{
    Opts o = { .page_bits = 12, .cap = "mapped-ram", .mapped = 1024,
               .vmdesc = -1 };
    W w = start(&o);
    g_autoptr(GByteArray) b = finish(&w, &o);
    FmtError err;
    bool ok;
    g_autoptr(StreamModel) m = decode(b, &ok, &err);

    g_assert_false(ok);
    g_assert_cmpstr(err.field, ==, "mapped-ram page_size");
    g_assert_nonnull(strstr(m->ps.conflict, "configuration/target-page-bits "
                            "says 4096 but the mapped-ram header of block 0 "
                            "says 1024"));
}

/* Records no candidate reads: a zero page at 0x400 (only 1 KiB reads that
 * offset; for the others bit 0x400 is an unknown flag), then a record whose
 * low bits are ZERO | FULL (0x003), which is no record under 1 KiB. */
static void test_no_candidate(void)
{
    Opts o = { .vmdesc = -1 };
    W w = start(&o);
    zero(&w, 0x400, true);
    be(&w, 0x800 | 0x02 | 0x01, 8);
    u8(&w, 0);
    g_autoptr(GByteArray) b = finish(&w, &o);
    FmtError err;
    bool ok;
    g_autoptr(StreamModel) m = decode(b, &ok, &err);

    g_assert_false(ok);
    g_assert_cmpint(err.code, ==, FMT_ERR_INVALID);
    g_assert_nonnull(strstr(err.msg, "no page size of 1, 2, 4, 8, 16 or 64 "
                            "KiB reads the RAM records here as valid"));
    g_assert_cmpuint(m->ps.size, ==, 0);
}

/* A configuration page-bits value no target has. */
static void test_config_absurd(void)
{
    Opts o = { .page_bits = 40, .vmdesc = 1024 };
    W w = start(&o);
    records_1k(&w);
    g_autoptr(GByteArray) b = finish(&w, &o);
    FmtError err;
    bool ok;
    g_autoptr(StreamModel) m = decode(b, &ok, &err);

    g_assert_false(ok);
    g_assert_cmpint(m->ps.from, ==, PS_SRC_VMDESC);   /* next source used */
    g_assert_nonnull(strstr(m->ps.conflict, "configuration/target-page-bits"
                            " says 1099511627776"));
    assert_ram_1k(m);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pagesize/vmdesc-ahead", test_vmdesc_ahead);
    g_test_add_func("/pagesize/config-first", test_config_first);
    g_test_add_func("/pagesize/inferred", test_inferred);
    g_test_add_func("/pagesize/inferred-4k", test_inferred_4k);
    g_test_add_func("/pagesize/mapped", test_mapped);
    g_test_add_func("/pagesize/advise", test_advise);
    g_test_add_func("/pagesize/none", test_none);
    g_test_add_func("/pagesize/pipe", test_pipe);
    g_test_add_func("/pagesize/next-chunk", test_next_chunk);
    g_test_add_func("/pagesize/hostile/ambiguous", test_ambiguous);
    g_test_add_func("/pagesize/hostile/contradictory", test_contradictory);
    g_test_add_func("/pagesize/hostile/vmdesc-wrong", test_vmdesc_wrong);
    g_test_add_func("/pagesize/hostile/mapped-contradicts",
                    test_mapped_contradicts);
    g_test_add_func("/pagesize/hostile/no-candidate", test_no_candidate);
    g_test_add_func("/pagesize/hostile/config-absurd", test_config_absurd);
    return g_test_run();
}
