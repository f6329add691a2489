/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the extraction's pieces: image file names (every byte value,
 * the longest idstr), XBZRLE deltas as QEMU's decoder takes them, and one
 * multifd packet header. */
#include <glib.h>
#include <string.h>

#include "extract/names.h"
#include "extract/pageset.h"
#include "multifd.h"
#include "xbzrle.h"

static char *name_of(const char *id)
{
    bool cut;

    return extract_file_name(id, strlen(id), &cut);
}

static void test_names(void)
{
    static const char *const cases[][2] = {
        { "pc.ram", "pc.ram.img" },
        { "/rom@etc/acpi/tables", "%2From@etc%2Facpi%2Ftables.img" },
        { "0000:00:02.0/vga.vram", "0000:00:02.0%2Fvga.vram.img" },
        { "..", "%2E..img" },
        { ".", "%2E.img" },
        { "../../etc/x", "%2E.%2F..%2Fetc%2Fx.img" },
        { "a%b c", "a%25b%20c.img" },
        { "\x1b[31m", "%1B%5B31m.img" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *n = name_of(cases[i][0]);
        g_assert_cmpstr(n, ==, cases[i][1]);
    }
}

/* Every byte value round-trips; no name has '/', is "." or "..". */
static void test_names_every_byte(void)
{
    for (int c = 1; c < 256; c++) {
        char id[3] = { (char)c, (char)c, 0 };
        bool cut;
        g_autofree char *n = extract_file_name(id, 2, &cut);
        g_autoptr(GBytes) back = extract_name_decode(n);
        gsize len;
        const char *b;

        g_assert_false(cut);
        g_assert_null(strchr(n, '/'));
        g_assert_cmpstr(n, !=, ".");
        g_assert_cmpstr(n, !=, "..");
        g_assert_nonnull(back);
        b = g_bytes_get_data(back, &len);
        g_assert_cmpuint(len, ==, 2);
        g_assert_cmpmem(b, len, id, 2);
        for (const char *p = n; *p; p++) {
            g_assert_true(*p > 0x20 && *p < 0x7f);
        }
    }
}

static void test_names_long(void)
{
    char id[256];
    bool cut;

    memset(id, '/', 255);        /* 255 bytes, 765 encoded */
    id[255] = 0;
    g_autofree char *n = extract_file_name(id, 255, &cut);
    g_assert_true(cut);
    g_assert_cmpuint(strlen(n), <=, 255);
    g_assert_true(g_str_has_suffix(n, ".img"));
    g_assert_nonnull(strchr(n, '~'));
    /* never cut inside a %XX */
    g_assert_cmpint(strchr(n, '~')[-3], ==, '%');
    g_assert_null(extract_name_decode("no-suffix"));
    g_assert_null(extract_name_decode("bad%2.img"));
    g_assert_null(extract_name_decode(".hidden.img"));
}

static void test_xbzrle(void)
{
    uint8_t page[16];
    /* zero run 2, non-zero run 3 "abc"; then zero run 1, non-zero run 1 "z" */
    static const uint8_t d1[] = { 2, 3, 'a', 'b', 'c', 1, 1, 'z' };
    /* a first zero run of 0 is allowed, a later one is not */
    static const uint8_t d2[] = { 0, 1, 'q' };
    static const uint8_t d3[] = { 0, 1, 'q', 0, 1, 'r' };
    /* 2-byte ULEB128: 0x81 0x00 = 1 */
    static const uint8_t d4[] = { 0x81, 0x00, 1, 'w' };
    static const uint8_t past[] = { 15, 2, 'x', 'y' };
    static const uint8_t nzero[] = { 1, 0 };

    memset(page, '.', sizeof(page));
    g_assert_cmpint(xbzrle_apply(d1, sizeof(d1), page, 16), ==, 7);
    g_assert_cmpmem(page, 8, "..abc.z.", 8);
    g_assert_cmpint(xbzrle_apply(d2, sizeof(d2), page, 16), ==, 1);
    g_assert_cmpint(page[0], ==, 'q');
    g_assert_cmpint(xbzrle_apply(d3, sizeof(d3), page, 16), ==, -1);
    g_assert_cmpint(xbzrle_apply(d4, sizeof(d4), page, 16), ==, 2);
    g_assert_cmpint(page[1], ==, 'w');
    g_assert_cmpint(xbzrle_apply(past, sizeof(past), page, 16), ==, -1);
    g_assert_cmpint(xbzrle_apply(nzero, sizeof(nzero), page, 16), ==, -1);
    g_assert_cmpint(xbzrle_apply(d1, 4, page, 16), ==, -1);   /* cut short */
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
}

/* A RAM packet of 1 normal and 2 zero pages (4 KiB target pages). */
static void test_multifd_packet(void)
{
    size_t len = MULTIFD_RAM_HEADER_SIZE + 128 * 8;
    g_autofree uint8_t *b = g_malloc0(len);
    g_autofree MultifdPacket *p = g_new(MultifdPacket, 1);
    FmtError err = { 0 };
    Rd rd;

    put32(b, MULTIFD_MAGIC);
    put32(b + 4, 1);
    put32(b + 12, 128);
    put32(b + 16, 1);
    put32(b + 20, 4096);
    b[31] = 7;                            /* packet_num */
    put32(b + 32, 2);
    memcpy(b + 64, "pc.ram", 6);
    b[320 + 6] = 0x10;                    /* offsets 0x1000, 0x2000, 0x3000 */
    b[328 + 6] = 0x20;
    b[336 + 6] = 0x30;
    rd_init_mem(&rd, b, len, &err);
    g_assert_true(multifd_read_packet(&rd, 4096, p));
    g_assert_cmpuint(p->packet_num, ==, 7);
    g_assert_cmpstr(p->ramblock, ==, "pc.ram");
    g_assert_cmpuint(p->offsets[0], ==, 0x1000);
    g_assert_cmpuint(p->offsets[2], ==, 0x3000);
    g_assert_cmpuint(p->data_offset, ==, len);
    put32(b + 20, 4095);                  /* data size not 1 page */
    memset(&err, 0, sizeof(err));
    rd_init_mem(&rd, b, len, &err);
    g_assert_false(multifd_read_packet(&rd, 4096, p));
    g_assert_cmpstr(err.field, ==, "next_packet_size");
    put32(b + 20, 4096);
    put32(b + 12, 129);                   /* more than a packet holds */
    memset(&err, 0, sizeof(err));
    rd_init_mem(&rd, b, len, &err);
    g_assert_false(multifd_read_packet(&rd, 4096, p));
    g_assert_cmpstr(err.field, ==, "pages_alloc");
    g_assert_cmpuint(multifd_page_count(4096), ==, 128);
    g_assert_cmpuint(multifd_page_count(3000), ==, 0);
}

/* Pages far apart (a block may claim 2^63 bytes): only touched chunks. */
static void test_pageset(void)
{
    PageSet s;
    uint64_t far = (1ull << 50) + 5;

    pageset_init(&s);
    g_assert_false(pageset_test(&s, 7));
    pageset_set(&s, 7, true);
    pageset_set(&s, far, true);
    pageset_set(&s, PAGESET_CHUNK - 1, true);
    g_assert_true(pageset_test(&s, 7));
    g_assert_true(pageset_test(&s, far));
    g_assert_false(pageset_test(&s, far - 1));
    g_assert_cmpuint(g_hash_table_size(s.chunks), ==, 2);
    g_assert_cmpuint(pageset_next(&s, 0, 100), ==, 7);
    g_assert_cmpuint(pageset_next(&s, 8, 1ull << 60), ==, PAGESET_CHUNK - 1);
    g_assert_cmpuint(pageset_next(&s, PAGESET_CHUNK, 1ull << 60), ==, far);
    g_assert_cmpuint(pageset_next(&s, far + 1, far + 100), ==, far + 100);
    pageset_set(&s, 7, false);
    g_assert_cmpuint(pageset_next(&s, 0, 100), ==, 100);
    pageset_clear(&s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/extract/names", test_names);
    g_test_add_func("/extract/names-every-byte", test_names_every_byte);
    g_test_add_func("/extract/names-long", test_names_long);
    g_test_add_func("/extract/xbzrle", test_xbzrle);
    g_test_add_func("/extract/multifd-packet", test_multifd_packet);
    g_test_add_func("/extract/pageset", test_pageset);
    return g_test_run();
}
