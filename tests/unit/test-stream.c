/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of formats/stream.c and formats/ram.c on annotated wire images. */
#include <glib.h>
#include <string.h>

#include "stream.h"

/* A complete small stream: configuration with 1 KiB target pages and
 * x-ignore-shared, a PING, the "ram" section (one block, a zero page, an
 * XBZRLE page, a multifd flush), SWITCHOVER_START, one device section whose
 * body holds a false footer, EOF and a vmdesc. */
static const uint8_t wire_small[] = {
    0x51, 0x45, 0x56, 0x4d,             /* 0x00 magic "QEVM" */
    0x00, 0x00, 0x00, 0x03,             /* 0x04 version 3 */
    0x07,                               /* 0x08 QEMU_VM_CONFIGURATION */
    0x00, 0x00, 0x00, 0x02, 'p', 'c',   /* 0x09 machine type len 2, "pc" */
    0x05, 0x1e,                         /* 0x0f subsection, name len 30 */
    'c', 'o', 'n', 'f', 'i', 'g', 'u', 'r', 'a', 't', 'i', 'o', 'n', '/',
    't', 'a', 'r', 'g', 'e', 't', '-', 'p', 'a', 'g', 'e', '-', 'b', 'i',
    't', 's',                           /* "configuration/target-page-bits" */
    0x00, 0x00, 0x00, 0x01,             /* 0x2f version 1 */
    0x00, 0x00, 0x00, 0x0a,             /* 0x33 page bits 10: 1 KiB pages */
    0x05, 0x1a,                         /* 0x37 subsection, name len 26 */
    'c', 'o', 'n', 'f', 'i', 'g', 'u', 'r', 'a', 't', 'i', 'o', 'n', '/',
    'c', 'a', 'p', 'a', 'b', 'i', 'l', 'i', 't', 'i', 'e', 's',
    0x00, 0x00, 0x00, 0x01,             /* 0x53 version 1 */
    0x00, 0x00, 0x00, 0x01,             /* 0x57 capability count 1 */
    0x0f, 'x', '-', 'i', 'g', 'n', 'o', 'r', 'e', '-', 's', 'h', 'a', 'r',
    'e', 'd',                           /* 0x5b "x-ignore-shared" */
    0x08, 0x00, 0x02, 0x00, 0x04,       /* 0x6b command PING, length 4 */
    0x00, 0x00, 0x00, 0x01,             /* 0x70 value 1 */
    0x01, 0x00, 0x00, 0x00, 0x00,       /* 0x74 START, section id 0 */
    0x03, 'r', 'a', 'm',                /* 0x79 idstr "ram" */
    0x00, 0x00, 0x00, 0x00,             /* 0x7d instance 0 */
    0x00, 0x00, 0x00, 0x04,             /* 0x81 version 4 */
    0, 0, 0, 0, 0, 0, 0x20, 0x04,       /* 0x85 MEM_SIZE 8 KiB | 0x004 */
    0x03, 'a', '.', 'b',                /* 0x8d block idstr "a.b" */
    0, 0, 0, 0, 0, 0, 0x20, 0x00,       /* 0x91 used_length 8 KiB */
    0, 0, 0, 0, 0xfe, 0, 0, 0,          /* 0x99 mr->addr (x-ignore-shared) */
    0, 0, 0, 0, 0, 0, 0x00, 0x02,       /* 0xa1 page 0 | ZERO */
    0x03, 'a', '.', 'b',                /* 0xa9 block "a.b" */
    0x00,                               /* 0xad fill byte */
    0, 0, 0, 0, 0, 0, 0x04, 0x60,       /* 0xae page 0x400 | XBZRLE|CONT */
    0x01, 0x00, 0x02, 0xaa, 0xbb,       /* 0xb6 flag, len 2, data */
    0, 0, 0, 0, 0, 0, 0x02, 0x00,       /* 0xbb MULTIFD_FLUSH */
    0, 0, 0, 0, 0, 0, 0x00, 0x10,       /* 0xc3 EOS */
    0x7e, 0x00, 0x00, 0x00, 0x00,       /* 0xcb footer of section 0 */
    0x08, 0x00, 0x0b, 0x00, 0x00,       /* 0xd0 SWITCHOVER_START */
    0x04, 0x00, 0x00, 0x00, 0x01,       /* 0xd5 FULL, section id 1 */
    0x04, 'd', 'e', 'v', '0',           /* 0xda idstr "dev0" */
    0x00, 0x00, 0x00, 0x00,             /* 0xdf instance 0 */
    0x00, 0x00, 0x00, 0x01,             /* 0xe3 version 1 */
    0x7e, 0x00, 0x00, 0x00, 0x01, 0xff, /* 0xe7 body: a false footer, then */
    0x11, 0x22,                         /*      0xff (no item): 8 bytes */
    0x7e, 0x00, 0x00, 0x00, 0x01,       /* 0xef footer of section 1 */
    0x00,                               /* 0xf4 QEMU_VM_EOF */
    0x06, 0x00, 0x00, 0x00, 0x63,       /* 0xf5 vmdesc, 99 bytes of JSON */
    '{', '"', 'p', 'a', 'g', 'e', '_', 's', 'i', 'z', 'e', '"', ':', '1',
    '0', '2', '4', ',', '"', 'd', 'e', 'v', 'i', 'c', 'e', 's', '"', ':',
    '[', '{', '"', 'n', 'a', 'm', 'e', '"', ':', '"', 'd', 'e', 'v', '0',
    '"', ',', '"', 'v', 'm', 's', 'd', '_', 'n', 'a', 'm', 'e', '"', ':',
    '"', 'd', '0', '"', ',', '"', 'f', 'i', 'e', 'l', 'd', 's', '"', ':',
    '[', '{', '"', 's', 'i', 'z', 'e', '"', ':', '4', ',', '"', 'a', 'r',
    'r', 'a', 'y', '_', 'l', 'e', 'n', '"', ':', '2', '}', ']', '}', ']',
    '}',                                /* {"page_size":1024,"devices":[...]} */
};
#define EOF_AT 0xf4

static void test_probe(void)
{
    g_assert_cmpint(stream_probe(wire_small, sizeof(wire_small)), ==, 64);
    g_assert_cmpint(stream_probe((const uint8_t *)"QEVM\0\0\0\2", 8), ==, 32);
    g_assert_cmpint(stream_probe((const uint8_t *)"QCPR\0\0\0\1", 8), ==, 0);
}

static void test_small(void)
{
    g_autoptr(StreamModel) m = NULL;
    FmtError err;
    const StreamSection *s;
    const RamBlock *b;

    g_assert_cmpint(sizeof(wire_small), ==, 0xfa + 0x63);
    g_assert_true(stream_decode_mem(wire_small, sizeof(wire_small), &m, &err));
    g_assert_cmpint(err.code, ==, FMT_OK);
    g_assert_cmpstr(m->config.machine_type, ==, "pc");
    g_assert_cmpuint(m->config.page_bits, ==, 10);
    g_assert_true(stream_has_cap(m, "x-ignore-shared"));
    g_assert_cmpuint(m->ps.size, ==, 1024);
    g_assert_cmpint(m->ps.from, ==, PS_SRC_CONFIG);
    g_assert_cmpuint(m->commands->len, ==, 2);
    g_assert_cmpuint(g_array_index(m->commands, StreamCommand, 0).value, ==, 1);
    g_assert_cmpuint(g_array_index(m->commands, StreamCommand, 1).cmd, ==,
                     MIG_CMD_SWITCHOVER_START);
    g_assert_cmpuint(m->sections->len, ==, 2);
    s = &g_array_index(m->sections, StreamSection, 1);
    g_assert_cmpstr(s->idstr, ==, "dev0");
    g_assert_cmpuint(s->body_end - s->body_offset, ==, 8);
    g_assert_cmpint(s->how, ==, BODY_VMDESC);   /* 4 x 2 bytes per vmdesc */
    g_assert_cmpstr(s->vmsd_name, ==, "d0");
    g_assert_cmpuint(s->end, ==, EOF_AT);
    g_assert_true(m->has_eof);
    g_assert_cmpuint(m->eof_offset, ==, EOF_AT);
    g_assert_true(m->vmdesc.parsed);
    g_assert_cmpint(m->vmdesc.desc.page_size, ==, 1024);
    g_assert_cmpuint(m->ram.mem_size, ==, 8192);
    g_assert_cmpuint(m->ram.blocks->len, ==, 1);
    b = &g_array_index(m->ram.blocks, RamBlock, 0);
    g_assert_cmpstr(b->idstr, ==, "a.b");
    g_assert_true(b->has_mr_addr);
    g_assert_cmpuint(b->mr_addr, ==, 0xfe000000);
    g_assert_false(b->has_page_size);
    g_assert_cmpuint(b->pages.zero, ==, 1);
    g_assert_cmpuint(b->pages.xbzrle, ==, 1);
    g_assert_cmpuint(b->pages.xbzrle_bytes, ==, 2);
    g_assert_cmpuint(m->ram.multifd_flushes, ==, 1);
    g_assert_cmpuint(m->ram.eos_count, ==, 1);
    g_assert_null(m->no_pages_reason);
}

/* Cut the stream after every byte: each cut is a truncation error whose
 * offset plus the bytes left is the cut, except the cut right after EOF,
 * which is a valid stream without vmdesc. */
static void test_truncated_everywhere(void)
{
    for (size_t cut = 0; cut < sizeof(wire_small); cut++) {
        g_autoptr(StreamModel) m = NULL;
        FmtError err;
        bool ok = stream_decode_mem(wire_small, cut, &m, &err);

        g_assert_nonnull(m);
        if (cut == EOF_AT + 1) {
            g_assert_true(ok);
            g_assert_false(m->vmdesc.present);
            continue;
        }
        if (ok || err.code != FMT_ERR_TRUNCATED) {
            g_error("cut %zu: ok %d code %d field %s msg %s", cut, ok,
                    err.code, err.field, err.msg);
        }
        g_assert_cmpuint(err.offset + err.left, ==, cut);
        g_assert_cmpuint(err.need, >, err.left);
        g_assert_cmpstr(err.field, !=, "");
    }
}

static void test_truncated_fields(void)
{
    static const struct {
        size_t cut;
        const char *record;
        const char *field;
        uint64_t offset, need, left;
    } cases[] = {
        { 2, "header", "magic", 0, 4, 2 },
        { 6, "header", "version", 4, 4, 2 },
        { 0x0e, "configuration", "machine type", 0x0d, 2, 1 },
        { 0x59, "configuration subsection", "capability count", 0x57, 4, 2 },
        { 0x72, "command", "payload", 0x70, 4, 2 },
        { 0x93, "ram block", "used_length", 0x91, 8, 2 },
        { 0xa0, "ram block", "mr_addr", 0x99, 8, 7 },
        { 0xb0, "ram record", "header", 0xae, 8, 2 },
        { 0xb9, "ram record", "xbzrle data", 0xb9, 2, 0 },
        { 0xcd, "section", "footer section id", 0xcc, 4, 1 },
        { 0xeb, "section", "footer", 0xe7, 5, 4 },
        { 0xee, "section", "footer", 0xee, 5, 0 },
        { 0xf8, "vmdesc", "length", 0xf6, 4, 2 },
        { 0x100, "vmdesc", "json", 0xfa, 0x63, 6 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(StreamModel) m = NULL;
        FmtError err;

        g_assert_false(stream_decode_mem(wire_small, cases[i].cut, &m, &err));
        g_assert_cmpint(err.code, ==, FMT_ERR_TRUNCATED);
        g_assert_cmpstr(err.record, ==, cases[i].record);
        g_assert_cmpstr(err.field, ==, cases[i].field);
        g_assert_cmphex(err.offset, ==, cases[i].offset);
        g_assert_cmpuint(err.need, ==, cases[i].need);
        g_assert_cmpuint(err.left, ==, cases[i].left);
    }
}

static void test_corrupt(void)
{
    g_autofree uint8_t *w = g_memdup2(wire_small, sizeof(wire_small));
    g_autoptr(StreamModel) m = NULL;
    FmtError err;

    w[0xa8] = 0x01;                       /* ZERO -> obsolete FULL flag */
    g_assert_false(stream_decode_mem(w, sizeof(wire_small), &m, &err));
    g_assert_cmpint(err.code, ==, FMT_ERR_INVALID);
    g_assert_cmphex(err.offset, ==, 0xa1);
    g_assert_cmpstr(err.field, ==, "header");
    g_assert_cmpuint(m->ram.blocks->len, ==, 1);   /* partial model kept */
}

static void test_unknown_command(void)
{
    g_autoptr(GByteArray) w = g_byte_array_new();
    g_autoptr(StreamModel) m = NULL;
    static const uint8_t cmd[] = { 0x08, 0x00, 0x63, 0x00, 0x02, 0xde, 0xad };
    FmtError err;

    g_byte_array_append(w, wire_small, 0x6b);      /* header, config */
    g_byte_array_append(w, cmd, sizeof(cmd));      /* command 99, 2 bytes */
    g_byte_array_append(w, (const uint8_t *)"\0", 1);  /* EOF, no vmdesc */
    g_assert_true(stream_decode_mem(w->data, w->len, &m, &err));
    g_assert_cmpuint(m->commands->len, ==, 1);
    g_assert_false(g_array_index(m->commands, StreamCommand, 0).known);
    g_assert_cmpuint(g_array_index(m->commands, StreamCommand, 0).length, ==,
                     2);
    g_assert_null(stream_command_name(99));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/stream/probe", test_probe);
    g_test_add_func("/stream/small", test_small);
    g_test_add_func("/stream/truncated/everywhere", test_truncated_everywhere);
    g_test_add_func("/stream/truncated/fields", test_truncated_fields);
    g_test_add_func("/stream/corrupt", test_corrupt);
    g_test_add_func("/stream/unknown-command", test_unknown_command);
    return g_test_run();
}
