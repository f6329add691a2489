/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * formats/vmstate.c on real QEMU streams (../shared/fixtures/qemu, or
 * $CPRDUMP_FIXTURES, and tests/fixtures/real): every device section decodes
 * with no mismatch and its leaves tile the body exactly; known values are
 * checked; and hand-made bodies that disagree with their description.
 */
#include <glib.h>
#include <string.h>

#include "arm_cpreg.h"
#include "input/input.h"
#include "render/device_json.h"
#include "stream.h"
#include "pci_config.h"
#include "virtio_features.h"
#include "virtio_state.h"
#include "vmstate.h"

static const char *fixtures_dir(void)
{
    const char *d = g_getenv("CPRDUMP_FIXTURES");

    return d && *d ? d : "../shared/fixtures/qemu";
}

static StreamModel *load_stream(const char *path)
{
    g_autoptr(GError) e = NULL;
    g_autoptr(Input) in = input_open_path(path, &e);
    StreamOpts o = { .keep_bodies = true };
    StreamModel *m = NULL;
    FmtSource src;
    FmtError err;

    g_assert_nonnull(in);
    input_source(in, &src);
    stream_decode_opts(&src, &o, &m, &err);
    return m;
}

static GPtrArray *stream_paths(void)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *pat = g_build_filename(fixtures_dir(), NULL);
    const char *dirs[] = { pat, "tests/fixtures/real",
                           "tests/fixtures/device-state" };

    for (size_t k = 0; k < G_N_ELEMENTS(dirs); k++) {
        g_autoptr(GDir) d1 = g_dir_open(dirs[k], 0, NULL);
        const char *a;
        while (d1 && (a = g_dir_read_name(d1))) {
            g_autofree char *p1 = g_build_filename(dirs[k], a, NULL);
            g_autoptr(GDir) d2 = g_dir_open(p1, 0, NULL);
            const char *b;
            if (k >= 1) {
                const char *names[] = { "main.bin", "main.bin.zst" };
                for (size_t n = 0; n < 2; n++) {
                    char *p = g_build_filename(p1, names[n], NULL);
                    if (g_file_test(p, G_FILE_TEST_IS_REGULAR)) {
                        g_ptr_array_add(out, p);
                    } else {
                        g_free(p);
                    }
                }
                continue;
            }
            while (d2 && (b = g_dir_read_name(d2))) {
                char *p = g_build_filename(p1, b, "main.bin", NULL);
                if (g_file_test(p, G_FILE_TEST_IS_REGULAR)) {
                    g_ptr_array_add(out, p);
                } else {
                    g_free(p);
                }
            }
        }
    }
    return out;
}

/* The leaves (and subsection headers) of t cover its body back to back. */
static uint64_t check_tiling(const VmTree *t, const VmField *f, uint64_t at)
{
    const VmField *k = vmstate_first(t, f);

    g_assert_cmpuint(f->offset, ==, at);
    if (!k) {
        return at + f->size;
    }
    if (f->kind == VM_SUBSECTION) {
        at += 6 + strlen(f->name);
    }
    for (; k; k = vmstate_next(t, k)) {
        at = check_tiling(t, k, at);
    }
    g_assert_cmpuint(at, ==, f->offset + f->size);
    return at;
}

typedef struct Totals {
    guint streams, sections, fields, known;
} Totals;

static void check_stream(const char *path, Totals *tot)
{
    g_autoptr(StreamModel) m = load_stream(path);

    if (!m->vmdesc.parsed) {
        return;
    }
    tot->streams++;
    for (guint i = 0; i < m->sections->len; i++) {
        const StreamSection *s = &g_array_index(m->sections, StreamSection, i);
        json_object *desc = stream_section_desc(m, s);
        const uint8_t *body;
        size_t len;

        if (s->type != QEMU_VM_SECTION_FULL || !strcmp(s->idstr, "ram")) {
            continue;
        }
        g_assert_nonnull(desc);
        body = stream_section_body(m, s, &len);
        g_assert_nonnull(body);
        g_autoptr(VmTree) t = vmstate_decode(desc, body, len, s->body_offset);
        for (guint k = 0; k < t->mismatches->len; k++) {
            const VmMismatch *mm = &g_array_index(t->mismatches, VmMismatch,
                                                  k);
            g_test_message("%s: %s: %s at 0x%" G_GINT64_MODIFIER "x: %s", path,
                           s->idstr, mm->path, mm->offset, mm->msg);
        }
        if (strstr(path, "stream72-s390x") && !strcmp(s->idstr, "s390_css")) {
            /* QEMU 7.2 describes the 256 css pointers by the first (NULL)
             * one: the real css at index 0xfe is not in the vmdesc */
            g_assert_cmpuint(t->mismatches->len, ==, 1);
            g_assert_cmpstr(g_array_index(t->mismatches, VmMismatch, 0).path,
                            ==, "css[254]");
            tot->known++;
            continue;
        }
        g_assert_cmpuint(t->mismatches->len, ==, 0);
        g_assert_cmpuint(t->described, ==, len);
        g_assert_cmpuint(check_tiling(t, vmstate_root(t), s->body_offset), ==,
                         s->body_end);
        tot->sections++;
        tot->fields += t->fields->len;
    }
}

static void test_real_streams(void)
{
    g_autoptr(GPtrArray) paths = stream_paths();
    Totals tot = { 0 };

    for (guint i = 0; i < paths->len; i++) {
        check_stream(g_ptr_array_index(paths, i), &tot);
    }
    g_test_message("%u streams, %u device sections, %u fields", tot.streams,
                   tot.sections, tot.fields);
    /* the streams with a vmdesc: 10 shared fixtures, the bundled ones
     * but postcopy (no vmdesc), and the arm one */
    g_assert_cmpuint(tot.streams, >=, 14);
    g_assert_cmpuint(tot.sections, >=, 14 * 29);
    g_assert_cmpuint(tot.known, ==, 1);
}

/* Hand-made headers: a 64-bit prefetchable BAR takes two registers; a bridge
 * (type 1) has two BARs and its ROM at 0x38; no device: vendor 0xffff. */
static void test_pci_config(void)
{
    uint8_t cfg[256] = { 0xf4, 0x1a, 0x41, 0x10, 0x02, 0x00 };
    PciConfig c;

    cfg[0x20] = 0x0c;                       /* BAR4: mem64, prefetchable */
    cfg[0x23] = 0xfe;
    cfg[0x24] = 0x01;                       /* BAR5: upper half */
    g_assert_true(pci_config_decode(cfg, sizeof(cfg), &c));
    g_assert_cmpuint(c.nbars, ==, 6);       /* 0-3, 4 (64-bit), ROM */
    g_assert_cmpuint(c.bars[4].index, ==, 4);
    g_assert_cmpuint(c.bars[4].type, ==, PCI_BAR_MEM64);
    g_assert_true(c.bars[4].prefetch);
    g_assert_cmphex(c.bars[4].address, ==, 0x1fe000000ull);
    g_assert_true(c.bars[4].decoding);
    g_assert_false(c.bars[0].decoding);     /* address 0 */
    g_assert_cmpstr(pci_bar_type_name(c.bars[4].type), ==, "mem64");
    cfg[0x0e] = 0x81;                       /* bridge, multi-function */
    cfg[0x38] = 0x01;
    cfg[0x39] = 0xf8;                       /* ROM 0xf800, enabled */
    g_assert_true(pci_config_decode(cfg, sizeof(cfg), &c));
    g_assert_true(c.multifunction);
    g_assert_cmpuint(c.nbars, ==, 3);
    g_assert_cmphex(c.bars[2].address, ==, 0xf800);
    g_assert_true(c.bars[2].decoding);
    memset(cfg, 0xff, 2);
    g_assert_false(pci_config_decode(cfg, sizeof(cfg), &c));
    g_assert_false(pci_config_decode(cfg, 63, &c));
}

/* ---- the JSON writer (cprdump/render/device_json.c) ---- */

/* "fields" and "field-layout" of t, written by device_json.c, are exactly
 * what json-c itself prints for the same values in its one-line forms; the
 * pretty forms (rows on one line, device_json.c) hold the same document.
 * Takes t. */
static char *writer_text(const VmTree *t, int form)
{
    DevHeld *h = dev_held_new(t);
    json_object *o = json_object_new_object();
    char *text;

    json_object_object_add(o, "fields", dev_json_fields(h));
    json_object_object_add(o, "field-layout", dev_json_layout(h));
    dev_held_unref(h);
    text = g_strdup(json_object_to_json_string_ext(o, form));
    json_object_put(o);
    return text;
}

static void check_writer(VmTree *t)
{
    static const int forms[] = {
        JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
            JSON_C_TO_STRING_NOSLASHESCAPE,
        JSON_C_TO_STRING_PLAIN, JSON_C_TO_STRING_SPACED,
        JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_PRETTY_TAB,
    };
    g_autofree char *plain = writer_text(t, JSON_C_TO_STRING_PLAIN);

    for (size_t k = 0; k < G_N_ELEMENTS(forms); k++) {
        /* placeholders print once: a new pair per form, from a kept tree
         * (writer_text() decodes at print time) */
        DevHeld *h = dev_held_new(t);
        dev_held_keep(h, vmstate_decode(t->desc, t->body, t->body_size,
                                        t->body_offset));
        json_object *o = json_object_new_object();
        json_object_object_add(o, "fields", dev_json_fields(h));
        json_object_object_add(o, "field-layout", dev_json_layout(h));
        dev_held_unref(h);
        g_autofree char *ours = g_strdup(json_object_to_json_string_ext(
                                             o, forms[k]));
        json_object *back = json_tokener_parse(ours);
        bool pretty = forms[k] & JSON_C_TO_STRING_PRETTY;
        g_assert_nonnull(back);
        if (pretty) {
            g_assert_cmpstr(json_object_to_json_string_ext(
                                back, JSON_C_TO_STRING_PLAIN), ==, plain);
            for (const char *r = ours; (r = strstr(r, "\"path\": "));
                 r++) {
                g_assert_true(r - ours >= 2 && !strncmp(r - 2, "{ ", 2));
            }
        } else {
            g_assert_cmpstr(json_object_to_json_string_ext(back, forms[k]),
                            ==, ours);
        }
        /* printed again: the placeholders are spent */
        if (k == 0) {
            g_assert_nonnull(strstr(json_object_to_json_string_ext(
                o, JSON_C_TO_STRING_PLAIN), "\"fields\":null"));
        }
        json_object_put(back);
        json_object_put(o);
    }
    vmstate_free(t);
}

static void test_json_writer(void)
{
    g_autoptr(GPtrArray) paths = stream_paths();
    guint sections = 0;
    /* names a writer must escape, a repeated name, a float, a string */
    const char *desc_text =
        "{\"name\":\"d\",\"instance_id\":0,\"vmsd_name\":\"d\",\"version\":1,"
        "\"fields\":[{\"name\":\"a/b\",\"type\":\"uint8\",\"size\":1},"
        "{\"name\":\"q\\\"\\n\\u0001\",\"type\":\"int32\",\"size\":4},"
        "{\"name\":\"x\",\"type\":\"uint8\",\"size\":1},"
        "{\"name\":\"y\",\"type\":\"float64\",\"size\":8},"
        "{\"name\":\"x\",\"type\":\"uint16\",\"size\":2},"
        "{\"name\":\"c\",\"type\":\"capability\",\"size\":4},"
        "{\"name\":\"e\",\"type\":\"struct\",\"size\":0,"
        "\"struct\":{\"vmsd_name\":\"e\",\"version\":1,\"fields\":[]}},"
        "{\"name\":\"pi\",\"type\":\"int16\",\"size\":2,\"array_len\":2},"
        "{\"name\":\"pb\",\"type\":\"bool\",\"size\":1,\"array_len\":2},"
        "{\"name\":\"pu\",\"type\":\"uint64\",\"size\":8,\"array_len\":1},"
        "{\"name\":\"pf\",\"type\":\"float64\",\"size\":8,\"array_len\":1}]}";
    /* ... then packed arrays: int16 [-2, 5], bool [true, false], a uint64
     * above 2^53, a float64 */
    const uint8_t body[] = { 7, 0xff, 0xff, 0xff, 0xfe, 1, 0x3f, 0xf8, 0, 0,
                             0, 0, 0, 0, 0, 2, 3, 'a', '/', 'b',
                             0xff, 0xfe, 0, 5, 1, 0,
                             0x80, 0, 0, 0, 0, 0, 0, 1,
                             0x40, 0x04, 0, 0, 0, 0, 0, 0 };
    json_object *desc = json_tokener_parse(desc_text);

    g_assert_nonnull(desc);
    VmTree *t = vmstate_decode(desc, body, sizeof(body), 0x100);
    g_assert_cmpuint(t->mismatches->len, ==, 0);
    g_assert_cmpuint(vmstate_lookup(t, "pi")->packed, ==, VM_INT);
    g_assert_cmpint(vmstate_int(vmstate_lookup(t, "pi[0]")), ==, -2);
    g_assert_cmpuint(vmstate_lookup(t, "pb")->packed, ==, VM_BOOL);
    g_assert_cmpuint(vmstate_lookup(t, "pu")->packed, ==, VM_UINT);
    g_assert_cmpuint(vmstate_lookup(t, "pf")->packed, ==, VM_FLOAT);
    check_writer(t);
    json_object_put(desc);
    for (guint i = 0; i < paths->len; i++) {
        StreamModel *m = load_stream(g_ptr_array_index(paths, i));
        for (guint k = 0; k < m->sections->len; k++) {
            const StreamSection *s = &g_array_index(m->sections, StreamSection,
                                                    k);
            json_object *d = stream_section_desc(m, s);
            size_t len;
            const uint8_t *b = stream_section_body(m, s, &len);
            if (s->type == QEMU_VM_SECTION_FULL && d && b) {
                check_writer(vmstate_decode(d, b, len, s->body_offset));
                sections++;
            }
        }
        stream_free(m);
    }
    g_test_message("%u sections of %u streams written as json-c writes them",
                   sections, paths->len);
    g_assert_cmpuint(sections, >, 500);
}

/* ---- known values ---- */

typedef struct Dev {
    StreamModel *m;
    VmTree *t;
    const StreamSection *s;
} Dev;

static void dev_open(Dev *d, const char *path, const char *idstr,
                     uint32_t instance)
{
    size_t len;

    memset(d, 0, sizeof(*d));
    d->m = load_stream(path);
    for (guint i = 0; i < d->m->sections->len; i++) {
        const StreamSection *s = &g_array_index(d->m->sections, StreamSection,
                                                i);
        if (s->type == QEMU_VM_SECTION_FULL && !strcmp(s->idstr, idstr) &&
            s->instance_id == instance) {
            d->s = s;
        }
    }
    g_assert_nonnull(d->s);
    const uint8_t *body = stream_section_body(d->m, d->s, &len);
    d->t = vmstate_decode(stream_section_desc(d->m, d->s), body, len,
                          d->s->body_offset);
    g_assert_cmpuint(d->t->mismatches->len, ==, 0);
}

static void dev_close(Dev *d)
{
    vmstate_free(d->t);
    stream_free(d->m);
}

static const VmField *at(Dev *d, const char *path)
{
    const VmField *f = vmstate_lookup(d->t, path);

    if (!f) {
        g_error("%s: no field %s", d->s->idstr, path);
    }
    return f;
}

static uint64_t u(Dev *d, const char *path)
{
    return at(d, path)->value;
}

static char *fixture(const char *rel)
{
    return g_build_filename(fixtures_dir(), rel, NULL);
}

/* e1000's saved config space header (formats/pci_config.c): Intel 82540EM,
 * an Ethernet controller, BAR0 32-bit memory and BAR1 I/O, then the ROM. */
static void test_e1000_pci(Dev *d)
{
    const VmField *f = at(d, "parent_obj.config[0]");
    PciConfig c;

    g_assert_true(pci_config_decode(vmstate_bytes(d->t, f), (size_t)f->size,
                                    &c));
    g_assert_cmphex(c.vendor_id, ==, 0x8086);
    g_assert_cmphex(c.device_id, ==, 0x100e);
    g_assert_cmphex(c.class_code, ==, 0x020000);
    g_assert_cmpuint(c.header_type, ==, 0);
    g_assert_cmpuint(c.nbars, ==, 7);
    g_assert_cmpuint(c.bars[0].type, ==, PCI_BAR_MEM32);
    g_assert_cmpuint(c.bars[1].type, ==, PCI_BAR_IO);
    g_assert_cmphex(c.bars[1].address & 3, ==, 0);
    g_assert_cmpuint(c.bars[6].type, ==, PCI_BAR_ROM);
    g_assert_cmpuint(c.bars[6].index, ==, 6);
    g_assert_cmpuint(c.interrupt_pin, ==, 1);
}

/* Placeholders for the full sections of m, three times over: the first
 * three in doc["nested"]["deeper"] (printed first: the helper then writes
 * at their level), the others in doc["sections"], with two sections of one
 * 5 MiB buffer (longer than a text written ahead may be) in the middle. */
static json_object *ahead_doc(StreamModel *m, json_object *big_desc,
                              const uint8_t *big, size_t big_len)
{
    json_object *root = json_object_new_object();
    json_object *arr = json_object_new_array();
    json_object *deeper = json_object_new_array();
    guint n = 0;

    /* three times over: more sections than a helper is started for */
    for (guint k = 0; k < 3 * m->sections->len; k++) {
        const StreamSection *s = &g_array_index(m->sections, StreamSection,
                                                k % m->sections->len);
        json_object *d = stream_section_desc(m, s);
        size_t len;
        const uint8_t *b = stream_section_body(m, s, &len);
        if (s->type != QEMU_VM_SECTION_FULL || !d || !b) {
            continue;
        }
        for (int rep = n == 5 ? 3 : 1; rep > 0; rep--) {
            VmTree *t = rep > 1 ? vmstate_decode(big_desc, big, big_len, 0)
                                : vmstate_decode(d, b, len, s->body_offset);
            DevHeld *h = dev_held_new(t);
            json_object *o = json_object_new_object();
            if (n % 3) {
                dev_held_keep(h, t);
            } else {
                vmstate_free(t);
            }
            json_object_object_add(o, "fields", dev_json_fields(h));
            json_object_object_add(o, "field-layout", dev_json_layout(h));
            json_object_array_add(n < 3 && rep == 1 ? deeper : arr, o);
            dev_held_unref(h);
        }
        n++;
    }
    json_object *wrap = json_object_new_object();
    json_object_object_add(wrap, "deeper", deeper);
    json_object_object_add(root, "nested", wrap);
    json_object_object_add(root, "sections", arr);
    return root;
}

/* Printed to a stream as out_finish() prints (the helper thread writing
 * every other section ahead), a document is what json-c prints in memory. */
static void test_writer_ahead(void)
{
    static const int forms[] = {
        JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
            JSON_C_TO_STRING_NOSLASHESCAPE,
        JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_PRETTY_TAB,
        JSON_C_TO_STRING_PLAIN,
    };
    g_autofree char *path = g_build_filename(fixtures_dir(), "11.1",
                                             "exec-pc-devices", "main.bin",
                                             NULL);
    StreamModel *m = load_stream(path);
    size_t big_len = 5u << 20;
    g_autofree uint8_t *big = g_malloc(big_len);
    g_autofree char *big_text = g_strdup_printf(
        "{\"name\":\"big\",\"instance_id\":0,\"vmsd_name\":\"big\","
        "\"version\":1,\"fields\":[{\"name\":\"b\",\"type\":\"buffer\","
        "\"size\":%zu}]}", big_len);
    json_object *big_desc = json_tokener_parse(big_text);

    for (size_t i = 0; i < big_len; i++) {
        big[i] = (uint8_t)(i * 7);
    }
    for (size_t k = 0; k < G_N_ELEMENTS(forms); k++) {
        json_object *mem = ahead_doc(m, big_desc, big, big_len);
        json_object *streamed = ahead_doc(m, big_desc, big, big_len);
        g_autofree char *want = g_strdup(json_object_to_json_string_ext(
                                             mem, forms[k]));
        g_autofree char *got = NULL;
        size_t got_len = 0;
        FILE *fp = open_memstream(&got, &got_len);

        dev_json_sink(fp);
        fputs(json_object_to_json_string_ext(streamed, forms[k]), fp);
        dev_json_sink(NULL);
        fclose(fp);
        g_assert_cmpuint(got_len, ==, strlen(want));
        g_assert_true(memcmp(got, want, got_len) == 0);
        g_assert_nonnull(strstr(want, "\"mac_reg\""));
        /* the helper did write (about half of the ~120 sections' two
         * members, the 5 MiB buffers' fields excepted) */
        g_test_message("form %zu: %u members written ahead", k,
                       dev_json_ahead_used());
        if (g_get_num_processors() > 1) {
            g_assert_cmpuint(dev_json_ahead_used(), >, 20);
        } else {
            g_assert_cmpuint(dev_json_ahead_used(), ==, 0);
        }
        json_object_put(mem);
        json_object_put(streamed);
    }
    json_object_put(big_desc);
    stream_free(m);
}

static void test_pc_devices(void)
{
    g_autofree char *path = fixture("11.1/exec-pc-devices/main.bin");
    Dev d;
    const VmField *f;

    /* PCI config space of the host bridge: vendor 0x8086, device 0x1237 */
    dev_open(&d, path, "0000:00:00.0/I440FX", 0);
    f = at(&d, "parent_obj.config[0]");
    g_assert_cmpuint(f->kind, ==, VM_BYTES);
    g_assert_cmpuint(f->size, ==, 256);
    g_assert_cmpmem(vmstate_bytes(d.t, f), 4, "\x86\x80\x37\x12", 4);
    f = at(&d, "parent_obj.irq_state");
    g_assert_cmpuint(f->kind, ==, VM_ARRAY);
    g_assert_cmpuint(f->count, ==, 4);
    g_assert_cmpstr(at(&d, "parent_obj.version_id")->type, ==, "int32 le");
    g_assert_cmpint(vmstate_int(at(&d, "parent_obj.version_id")), ==, 2);
    dev_close(&d);

    /* e1000: the second NIC, QEMU's default MAC 52:54:00:12:34:57 in
     * RAL0/RAH0 (mac_reg 0x5400/4, with the address-valid bit) */
    dev_open(&d, path, "0000:00:04.0/e1000", 0);
    g_assert_cmpmem(vmstate_bytes(d.t, at(&d, "parent_obj.config[0]")), 4,
                    "\x86\x80\x0e\x10", 4);
    f = at(&d, "e1000/full_mac_state");
    g_assert_cmpuint(f->kind, ==, VM_SUBSECTION);
    g_assert_cmpuint(f->version, ==, 1);
    g_assert_cmpuint(u(&d, "e1000/full_mac_state.mac_reg[5376]"), ==,
                     0x12005452);
    g_assert_cmpuint(u(&d, "e1000/full_mac_state.mac_reg[5377]"), ==,
                     0x80005734);
    test_e1000_pci(&d);
    dev_close(&d);

    /* cpu 0 of 2: the path of a compressed array element */
    dev_open(&d, path, "cpu", 0);
    f = at(&d, "env.regs[4]");
    g_assert_cmpuint(f->kind, ==, VM_UINT);
    g_assert_cmpuint(f->width, ==, 8);
    g_autofree char *p = vmstate_path(d.t, f);
    g_assert_cmpstr(p, ==, "env.regs[4]");
    g_assert_cmpuint(at(&d, "env.regs")->count, ==, 16);
    g_assert_cmpuint(at(&d, "cpu/tsc_khz")->kind, ==, VM_SUBSECTION);
    dev_close(&d);

    /* the virtio device is one opaque field of 46165 bytes */
    dev_open(&d, path, "0000:00:03.0/virtio-net", 0);
    f = at(&d, "virtio");
    g_assert_cmpuint(f->kind, ==, VM_BYTES);
    g_assert_true(f->flags & VMF_OPAQUE);
    g_assert_cmpuint(f->size, ==, 46165);
    dev_close(&d);

    /* old-style section: one "data" buffer */
    dev_open(&d, path, "slirp", 0);
    g_assert_cmpuint(at(&d, "data")->size, ==, 131);
    dev_close(&d);
}

/* The opaque virtio field of virtio-net-pci (the first NIC: MAC
 * 52:54:00:12:34:56): transitional PCI id 0x1000, 4 MSI-X vectors, rx/tx
 * queues of 256 and the control queue of 64. */
/* fuzz-pci-config found it: a config space with a PCI Express capability
 * (4096 bytes) in a field cut before its end was passed over, and the
 * renderer dumped the bytes "after" it from beyond the field. */
static void test_virtio_pcie_cut(const uint8_t *field)
{
    uint8_t cut[700];
    VirtioState s;
    const uint8_t *cfg = cut + 4;

    memcpy(cut, field, sizeof(cut));
    cut[4 + (cfg[0x34] & 0xfc)] = 0x10;    /* first capability: PCIe */
    g_assert_false(virtio_state_decode(cut, sizeof(cut), 0x1000, &s));
    g_assert_true(s.express);
    g_assert_cmpstr(s.stop, ==, "ends inside the PCI device's config space");
    g_assert_cmpuint(s.common_size, <=, sizeof(cut));
    virtio_state_clear(&s);
}

static void test_virtio(void)
{
    g_autofree char *path = fixture("11.1/exec-pc-devices/main.bin");
    Dev d;
    VirtioState s;
    const VmField *f;

    dev_open(&d, path, "0000:00:03.0/virtio-net", 0);
    f = at(&d, "virtio");
    g_assert_true(virtio_state_decode(vmstate_bytes(d.t, f), (size_t)f->size,
                                      f->offset, &s));
    g_assert_cmphex(s.vendor_id, ==, 0x1af4);
    g_assert_cmphex(s.device_id, ==, 0x1000);
    g_assert_cmpuint(s.virtio_id, ==, VIRTIO_ID_NET);
    g_assert_false(s.express);
    g_assert_cmpuint(s.msix_entries, ==, 4);
    g_assert_cmpuint(s.queues->len, ==, 3);
    g_assert_cmpuint(g_array_index(s.queues, VirtioQueue, 0).num, ==, 256);
    g_assert_cmpuint(g_array_index(s.queues, VirtioQueue, 2).num, ==, 64);
    g_assert_cmpuint(s.config_len, ==, 8);
    g_assert_true(s.has_features64);
    g_assert_cmpmem(vmstate_bytes(d.t, f) + (s.device_offset - f->offset), 6,
                    "\x52\x54\x00\x12\x34\x56", 6);
    /* virtio-net's own part: QEMU's default MAC (52:54:00:12:34:56), link up,
     * promiscuous after reset, no filters, the 512-byte VLAN bitmap all set
     * (no CTRL_VLAN), and it ends where virtio/64bit_features begins */
    g_assert_true(s.net.present);
    g_assert_null(s.net.stop);
    g_assert_cmpmem(s.net.mac, 6, "\x52\x54\x00\x12\x34\x56", 6);
    g_assert_cmpuint(s.net.status, ==, 1);
    g_assert_cmpuint(s.net.promisc, ==, 1);
    g_assert_cmpuint(s.net.mac_table_in_use, ==, 0);
    g_assert_cmpuint(s.net.vlans_allowed, ==, 4096);
    g_assert_cmpuint(s.net.vlans_offset - s.net.offset, ==, 6 + 4 + 4 + 2 + 2 + 4);
    g_assert_false(s.net.multiqueue);
    g_assert_cmpuint(s.net.size, ==, s.device_size);
    g_assert_cmpuint(s.net.size, ==, 6 + 4 + 4 + 2 + 1 + 1 + 4 + 512 + 4 + 7);
    g_assert_cmpuint(s.subs->len, ==, 4);
    test_virtio_pcie_cut(vmstate_bytes(d.t, f));
    g_assert_cmpstr(g_array_index(s.subs, VirtioSub, 0).name, ==,
                    "virtio/64bit_features");
    g_assert_cmpstr(g_array_index(s.subs, VirtioSub, 3).name, ==,
                    "virtio/disabled");
    virtio_state_clear(&s);
    dev_close(&d);

    g_assert_cmpstr(virtio_feature_name(VIRTIO_ID_NET, 5), ==,
                    "VIRTIO_NET_F_MAC");
    g_assert_cmpstr(virtio_feature_name(VIRTIO_ID_BLOCK, 9), ==,
                    "VIRTIO_BLK_F_FLUSH");
    g_assert_cmpstr(virtio_feature_name(VIRTIO_ID_BLOCK, 32), ==,
                    "VIRTIO_F_VERSION_1");
    g_assert_null(virtio_feature_name(VIRTIO_ID_RNG, 3));
    /* QEMU's names (x-query-virtio-status of QEMU 7.2), not the spec's */
    g_assert_cmpstr(virtio_feature_name(VIRTIO_ID_NET, 28), ==,
                    "VIRTIO_RING_F_INDIRECT_DESC");
    g_assert_cmpstr(virtio_feature_name(VIRTIO_ID_NET, 29), ==,
                    "VIRTIO_RING_F_EVENT_IDX");
    g_assert_cmpstr(virtio_feature_name(VIRTIO_ID_NET, 30), ==,
                    "VHOST_USER_F_PROTOCOL_FEATURES");
    g_assert_cmpstr(virtio_feature_name(VIRTIO_ID_NET, 33), ==,
                    "VIRTIO_F_IOMMU_PLATFORM");
    g_assert_cmpstr(virtio_feature_name(VIRTIO_ID_NET, 57), ==,
                    "VIRTIO_NET_F_HASH_REPORT");
    g_assert_cmpuint(virtio_id_from_pci(0x1041), ==, VIRTIO_ID_NET);
    g_assert_cmpuint(virtio_id_from_pci(0x1001), ==, VIRTIO_ID_BLOCK);
}

/* The arm cpu of a cortex-a57 virt machine (QEMU 11.1, TCG): its cpreg
 * lists, named; SCTLR_EL1 holds the a57's reset value 0x00c50838 and the
 * AArch32 debug id register DBGDIDR (cp14 0 c0 c0 0) 0x3516d000. */
static void test_arm_cpregs(void)
{
    Dev d;
    const VmField *idx, *val;
    bool sctlr = false, dbgdidr = false;
    ArmCpreg r;

    dev_open(&d, "tests/fixtures/device-state/arm-virt-a57/main.bin.zst", "cpu", 0);
    idx = at(&d, "cpreg_vmstate_indexes");
    val = at(&d, "cpreg_vmstate_values");
    g_assert_cmpuint(idx->count, ==, val->count);
    g_assert_cmpuint(idx->count, ==, u(&d, "cpreg_vmstate_array_len"));
    VmIter ik = vmstate_iter(d.t, idx), iv = vmstate_iter(d.t, val);
    for (const VmField *k, *v; (k = vmstate_iter_next(&ik)) &&
                               (v = vmstate_iter_next(&iv));) {
        g_assert_true(arm_cpreg_decode(k->value, &r));
        if (r.name && !strcmp(r.name, "SCTLR_EL1")) {
            g_assert_cmphex(v->value, ==, 0x00c50838);
            g_assert_cmphex(k->value, ==, 0x603000000013c080ull);
            sctlr = true;
        }
        if (r.kind == ARM_CPREG_CP32 && r.op0 == 14 && !r.op1 && !r.crn &&
            !r.crm && !r.op2) {
            g_assert_cmphex(v->value, ==, 0x3516d000);
            dbgdidr = true;
        }
    }
    g_assert_true(sctlr && dbgdidr);
    dev_close(&d);
    g_assert_true(arm_cpreg_decode(0x603000000013c000ull, &r));
    g_assert_cmpstr(r.name, ==, "MIDR_EL1");
    g_assert_true(arm_cpreg_decode(0x603000000013c100ull, &r));
    g_assert_cmpstr(r.name, ==, "TTBR0_EL1");
    g_assert_false(arm_cpreg_decode(0x1234, &r));
}

/* ---- hand-made bodies ---- */

#define BASE 0x1000u

static VmTree *decode_json(const char *json, const void *body, size_t len)
{
    json_object *d = json_tokener_parse(json);
    VmTree *t;

    g_assert_nonnull(d);
    t = vmstate_decode(d, body, len, BASE);
    json_object_put(d);      /* the tree holds its own reference */
    return t;
}

static const VmMismatch *only_mismatch(const VmTree *t)
{
    g_assert_cmpuint(t->mismatches->len, ==, 1);
    return &g_array_index(t->mismatches, VmMismatch, 0);
}

static void test_types(void)
{
    static const uint8_t body[] = {
        0xff,                                   /* int8 -1 */
        0xff, 0xfe,                             /* int16 -2 */
        0xff, 0xff, 0xff, 0xfd,                 /* int32 le -3 */
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* int64 equal */
        0x80,                                   /* uint8 equal */
        0x02,                                   /* bool true */
        0x3f, 0xf8, 0, 0, 0, 0, 0, 0,           /* float64 1.5 */
        0x40, 0x04, 0, 0, 0, 0, 0, 0,           /* CPU_Double_U 2.5 */
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* timer -1 */
        0, 0, 0, 0, 0, 0, 0, 1, 0x80, 0, 0, 0, 0, 0, 0, 0, /* bitmap */
        0x30,                                   /* nullptr */
        0x31,                                   /* ptr-marker */
        0xaa, 0xbb, 0xcc,                       /* unknown type */
        0, 0, 0, 1, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 4,
                                                /* pci irq state */
        0x05, 'p', 'c', '-', 'q', '3',          /* capability */
        0x12, 0x34,                             /* tmp: inline u16 */
    };
    const char *json = "{\"vmsd_name\":\"t\",\"version\":1,\"fields\":["
        "{\"name\":\"a\",\"type\":\"int8\",\"size\":1},"
        "{\"name\":\"b\",\"type\":\"int16\",\"size\":2},"
        "{\"name\":\"c\",\"type\":\"int32 le\",\"size\":4},"
        "{\"name\":\"d\",\"type\":\"int64 equal\",\"size\":8},"
        "{\"name\":\"e\",\"type\":\"uint8 equal\",\"size\":1},"
        "{\"name\":\"f\",\"type\":\"bool\",\"size\":1},"
        "{\"name\":\"g\",\"type\":\"float64\",\"size\":8},"
        "{\"name\":\"h\",\"type\":\"CPU_Double_U\",\"size\":8},"
        "{\"name\":\"i\",\"type\":\"timer\",\"size\":8},"
        "{\"name\":\"j\",\"type\":\"bitmap\",\"size\":16},"
        "{\"name\":\"k\",\"type\":\"nullptr\",\"size\":1},"
        "{\"name\":\"l\",\"type\":\"ptr-marker\",\"size\":1},"
        "{\"name\":\"m\",\"type\":\"frobnicator\",\"size\":3},"
        "{\"name\":\"n\",\"type\":\"pci irq state\",\"size\":16},"
        "{\"name\":\"o\",\"type\":\"capability\",\"size\":6},"
        "{\"name\":\"p\",\"type\":\"tmp\",\"size\":2,\"vmsd_name\":\"tmp\","
        "\"version\":0,\"fields\":[{\"name\":\"x\",\"type\":\"uint16\","
        "\"size\":2}]}]}";
    g_autoptr(VmTree) t = decode_json(json, body, sizeof(body));
    const VmField *f;

    g_assert_cmpuint(t->mismatches->len, ==, 0);
    g_assert_cmpuint(t->described, ==, sizeof(body));
    g_assert_cmpint(vmstate_int(vmstate_lookup(t, "a")), ==, -1);
    g_assert_cmpint(vmstate_int(vmstate_lookup(t, "b")), ==, -2);
    g_assert_cmpint(vmstate_int(vmstate_lookup(t, "c")), ==, -3);
    f = vmstate_lookup(t, "d");
    g_assert_cmpuint(f->kind, ==, VM_UINT);    /* "int64 equal" is unsigned */
    g_assert_cmpuint(f->value, ==, UINT64_MAX);
    g_assert_cmpuint(vmstate_lookup(t, "e")->kind, ==, VM_UINT);
    g_assert_cmpuint(vmstate_lookup(t, "e")->value, ==, 0x80);
    g_assert_cmpuint(vmstate_lookup(t, "f")->kind, ==, VM_BOOL);
    g_assert_cmpuint(vmstate_lookup(t, "f")->value, ==, 2);
    g_assert_cmpfloat(vmstate_float(vmstate_lookup(t, "g")), ==, 1.5);
    g_assert_cmpfloat(vmstate_float(vmstate_lookup(t, "h")), ==, 2.5);
    f = vmstate_lookup(t, "i");
    g_assert_cmpuint(f->kind, ==, VM_TIMER);
    g_assert_cmpint((int64_t)f->value, ==, -1);
    f = vmstate_lookup(t, "j");
    g_assert_cmpuint(f->kind, ==, VM_ARRAY);
    g_assert_cmpuint(f->count, ==, 2);
    g_assert_cmpuint(vmstate_lookup(t, "j[1]")->value, ==,
                     0x8000000000000000ull);
    g_assert_cmpuint(vmstate_lookup(t, "j[1]")->offset, ==, BASE + 0x31);
    g_assert_cmpuint(vmstate_lookup(t, "k")->value, ==, 0x30);
    g_assert_cmpuint(vmstate_lookup(t, "l")->value, ==, 0x31);
    f = vmstate_lookup(t, "m");
    g_assert_cmpuint(f->kind, ==, VM_RAW);
    g_assert_true(f->flags & VMF_UNKNOWN_TYPE);
    g_assert_cmpuint(f->size, ==, 3);
    g_assert_cmpint(vmstate_int(vmstate_lookup(t, "n[2]")), ==, -1);
    g_assert_cmpuint(vmstate_lookup(t, "o")->kind, ==, VM_STRING);
    f = vmstate_lookup(t, "p.x");
    g_assert_nonnull(f);
    g_assert_cmpuint(f->value, ==, 0x1234);
    g_autofree char *path = vmstate_path(t, f);
    g_assert_cmpstr(path, ==, "p.x");
}

/* A run of plain numbers is one packed node whatever its length: read
 * through VmIter, vmstate_elem and vmstate_lookup as if its elements were
 * nodes. A run that mixes types, or overruns, is decoded element by
 * element. */
static void test_packed(void)
{
    static const uint8_t body[] = {
        0x00, 0x01, 0x00, 0x02, 0xff, 0xff,     /* u16 a[3] */
        0, 0, 0, 7, 0, 0, 0, 8,                 /* r: two uint32 entries */
        0x01, 0x00, 0x02,                       /* m: uint8 then uint16 */
        0xde, 0xad,                             /* o: uint32 x 1, 2 left */
    };
    const char *json = "{\"vmsd_name\":\"t\",\"version\":1,\"fields\":["
        "{\"name\":\"a\",\"type\":\"uint16\",\"size\":2,\"array_len\":3},"
        "{\"name\":\"r\",\"type\":\"uint32\",\"size\":4},"
        "{\"name\":\"r\",\"type\":\"uint32\",\"size\":4,\"index\":1},"
        "{\"name\":\"m\",\"type\":\"uint8\",\"size\":1},"
        "{\"name\":\"m\",\"type\":\"uint16\",\"size\":2},"
        "{\"name\":\"o\",\"type\":\"uint32\",\"size\":4,\"array_len\":1}]}";
    g_autoptr(VmTree) t = decode_json(json, body, sizeof(body));
    const VmField *a = vmstate_lookup(t, "a"), *r, *m, *k;
    VmIter it = vmstate_iter(t, a);
    uint64_t want[] = { 1, 2, 0xffff };
    guint n = 0;

    g_assert_cmpuint(a->kind, ==, VM_ARRAY);
    g_assert_cmpuint(a->packed, ==, VM_UINT);
    g_assert_cmpuint(a->count, ==, 3);
    g_assert_cmpuint(a->size, ==, 6);
    g_assert_cmpuint(a->first, ==, VM_NONE);
    while ((k = vmstate_iter_next(&it))) {
        g_autofree char *path = vmstate_path(t, k);
        g_autofree char *want_path = g_strdup_printf("a[%u]", n);
        g_assert_cmpuint(k->kind, ==, VM_UINT);
        g_assert_cmpuint(k->width, ==, 2);
        g_assert_cmpuint(k->offset, ==, BASE + 2 * n);
        g_assert_cmpuint(k->value, ==, want[n]);
        g_assert_cmpstr(path, ==, want_path);
        n++;
    }
    g_assert_cmpuint(n, ==, 3);
    r = vmstate_lookup(t, "r");
    g_assert_cmpuint(r->packed, ==, VM_UINT);
    g_assert_cmpuint(r->count, ==, 2);
    g_assert_cmpuint(vmstate_lookup(t, "r[1]")->value, ==, 8);
    g_assert_cmpuint(vmstate_lookup(t, "r[1]")->offset, ==, BASE + 10);
    g_assert_null(vmstate_lookup(t, "r[2]"));
    m = vmstate_lookup(t, "m");
    g_assert_cmpuint(m->packed, ==, 0);
    g_assert_cmpuint(m->count, ==, 2);
    g_assert_cmpuint(vmstate_first(t, m)->next, !=, VM_NONE);
    /* the overrun: one mismatch, the rest undescribed, as before packing */
    g_assert_cmpuint(t->mismatches->len, ==, 1);
    g_assert_cmpuint(g_array_index(t->mismatches, VmMismatch, 0).offset, ==,
                     BASE + 17);
    g_assert_cmpuint(vmstate_lookup(t, "o")->packed, ==, 0);
    /* root, a, r, m and its 2 elements, o and its undescribed rest */
    g_assert_cmpuint(t->fields->len, ==, 8);
}

/* Same-name entries are one array whatever "index" says; structs carry
 * subsections; a subsection nested in a struct element. */
static void test_runs_and_subsections(void)
{
    static const uint8_t body[] = {
        0x01, 0x05, 0x08, 'd', 'r', 'v', '/', 'r', 'a', 't', 'e',
        0, 0, 0, 1, 0x2a,                       /* drives[0] + subsection */
        0x02,                                   /* drives[1] */
        0x11, 0x22,                             /* regs[2] compressed */
        0x05, 0x05, 'd', 'e', 'v', '/', 's', 0, 0, 0, 3, 0x77,
    };
    const char *json = "{\"vmsd_name\":\"dev\",\"version\":1,\"fields\":["
        "{\"name\":\"drives\",\"type\":\"struct\",\"size\":16,\"index\":0,"
        "\"struct\":{\"vmsd_name\":\"drv\",\"version\":1,\"fields\":["
        "{\"name\":\"v\",\"type\":\"uint8\",\"size\":1}],\"subsections\":["
        "{\"vmsd_name\":\"drv/rate\",\"version\":1,\"fields\":["
        "{\"name\":\"r\",\"type\":\"uint8\",\"size\":1}]}]}},"
        "{\"name\":\"drives\",\"type\":\"struct\",\"size\":1,"
        "\"struct\":{\"vmsd_name\":\"drv\",\"version\":1,\"fields\":["
        "{\"name\":\"v\",\"type\":\"uint8\",\"size\":1}]}},"
        "{\"name\":\"regs\",\"type\":\"uint8\",\"size\":1,\"array_len\":2}],"
        "\"subsections\":[{\"vmsd_name\":\"dev/s\",\"version\":3,"
        "\"fields\":[{\"name\":\"q\",\"type\":\"uint8\",\"size\":1}]}]}";
    g_autoptr(VmTree) t = decode_json(json, body, sizeof(body));
    const VmField *f;

    g_assert_cmpuint(t->mismatches->len, ==, 0);
    g_assert_cmpuint(t->described, ==, sizeof(body));
    f = vmstate_lookup(t, "drives");
    g_assert_cmpuint(f->kind, ==, VM_ARRAY);
    g_assert_cmpuint(f->count, ==, 2);
    g_assert_cmpuint(f->size, ==, 17);
    g_assert_cmpuint(vmstate_lookup(t, "drives[0].drv/rate.r")->value, ==,
                     0x2a);
    g_assert_cmpuint(vmstate_lookup(t, "drives[1].v")->value, ==, 2);
    g_assert_cmpuint(vmstate_lookup(t, "regs[1]")->value, ==, 0x22);
    f = vmstate_lookup(t, "dev/s");
    g_assert_cmpuint(f->kind, ==, VM_SUBSECTION);
    g_assert_cmpuint(f->version, ==, 3);
    g_assert_cmpuint(f->offset, ==, BASE + 19);
    g_assert_cmpuint(vmstate_lookup(t, "dev/s.q")->value, ==, 0x77);
    g_autofree char *p = vmstate_path(t, vmstate_lookup(t, "drives[0].drv/"
                                                           "rate.r"));
    g_assert_cmpstr(p, ==, "drives[0].drv/rate.r");
}

static const char two_fields[] = "{\"vmsd_name\":\"d\",\"fields\":["
    "{\"name\":\"a\",\"type\":\"uint32\",\"size\":4},"
    "{\"name\":\"b\",\"type\":\"uint64\",\"size\":8}],\"subsections\":["
    "{\"vmsd_name\":\"d/s\",\"version\":1,\"fields\":["
    "{\"name\":\"c\",\"type\":\"uint8\",\"size\":1}]}]}";

static void test_mismatches(void)
{
    uint8_t body[32] = { 0 };
    const VmMismatch *mm;

    /* a field overruns the body */
    {
        g_autoptr(VmTree) t = decode_json(two_fields, body, 6);
        mm = only_mismatch(t);
        g_assert_cmpuint(mm->offset, ==, BASE + 4);
        g_assert_cmpstr(mm->path, ==, "b");
        g_assert_cmpint(mm->code, ==, FMT_ERR_TRUNCATED);
        g_assert_true(vmstate_lookup(t, "b")->flags & VMF_MISMATCH);
        g_assert_cmpuint(vmstate_lookup(t, "b")->size, ==, 2);
        g_assert_cmpuint(t->described, ==, 4);
    }
    /* a missing subsection marker */
    {
        body[12] = 0x06;
        g_autoptr(VmTree) t = decode_json(two_fields, body, 20);
        mm = only_mismatch(t);
        g_assert_cmpuint(mm->offset, ==, BASE + 12);
        g_assert_cmpstr(mm->path, ==, "d/s");
        g_test_message("%s", mm->msg);
        g_assert_nonnull(strstr(mm->msg, "0x06"));
        const VmField *rest = vmstate_lookup(t, "(undescribed)");
        g_assert_nonnull(rest);
        g_assert_cmpuint(rest->size, ==, 8);
    }
    /* a misnamed one */
    {
        memcpy(body + 12, "\x05\x03" "d/t" "\0\0\0\1" "\x09", 10);
        g_autoptr(VmTree) t = decode_json(two_fields, body, 22);
        mm = only_mismatch(t);
        g_assert_cmpuint(mm->offset, ==, BASE + 13);
        g_assert_nonnull(strstr(mm->msg, "\"d/t\" where \"d/s\""));
    }
    /* the right name with a wrong length byte: the lengths are shown */
    {
        memcpy(body + 12, "\x05\x07" "d/s" "\0\0\0\1" "\x09", 10);
        g_autoptr(VmTree) t = decode_json(two_fields, body, 22);
        mm = only_mismatch(t);
        g_assert_cmpuint(mm->offset, ==, BASE + 13);
        g_assert_cmpstr(mm->msg, ==, "subsection name of 7 bytes (\"d/s\") "
                        "where \"d/s\" (3) belongs");
    }
    /* bytes left before the footer */
    {
        memcpy(body + 12, "\x05\x03" "d/s" "\0\0\0\1" "\x09", 10);
        g_autoptr(VmTree) t = decode_json(two_fields, body, 25);
        mm = only_mismatch(t);
        g_assert_cmpuint(mm->offset, ==, BASE + 22);
        g_assert_cmpint(mm->code, ==, FMT_ERR_TRAILING);
        g_assert_cmpuint(vmstate_lookup(t, "d/s.c")->value, ==, 9);
        g_assert_cmpuint(t->described, ==, 22);
    }
    /* a struct element whose fields take less than its size: the rest of
     * the element is undescribed and decoding goes on after it */
    {
        const char *j = "{\"fields\":[{\"name\":\"s\",\"type\":\"struct\","
            "\"size\":4,\"struct\":{\"fields\":[{\"name\":\"x\",\"type\":"
            "\"uint16\",\"size\":2}]}},{\"name\":\"y\",\"type\":\"uint8\","
            "\"size\":1}]}";
        g_autoptr(VmTree) t = decode_json(j, body, 5);
        mm = only_mismatch(t);
        g_assert_cmpstr(mm->path, ==, "s");
        g_assert_cmpuint(mm->offset, ==, BASE + 2);
        g_assert_cmpuint(vmstate_lookup(t, "y")->offset, ==, BASE + 4);
    }
}

/* Descriptions that ask for too much: bounded work, a clear mismatch. */
static void test_hostile_descriptions(void)
{
    uint8_t body[64] = { 0 };

    {
        g_autoptr(VmTree) t = decode_json("{\"fields\":[{\"name\":\"a\","
            "\"type\":\"uint8\",\"size\":0,\"array_len\":9000000000000000000}]}",
            body, 8);
        g_assert_cmpint(only_mismatch(t)->code, ==, FMT_ERR_LIMIT);
        g_assert_cmpuint(t->fields->len, <, 16);
    }
    {
        g_autoptr(VmTree) t = decode_json("{\"fields\":[{\"name\":\"a\","
            "\"type\":\"uint64\",\"size\":4611686018427387904,\"array_len\":"
            "4}]}", body, 8);
        g_assert_cmpint(only_mismatch(t)->code, ==, FMT_ERR_TRUNCATED);
    }
    {
        g_autoptr(VmTree) t = decode_json("{\"fields\":[{\"name\":\"a\","
            "\"type\":\"uint8\",\"size\":-1}, {\"name\":5}, 7]}", body, 8);
        g_assert_cmpint(only_mismatch(t)->code, ==, FMT_ERR_INVALID);
    }
    {
        /* 100 levels of structs: stops at VMSTATE_DEPTH_MAX */
        GString *j = g_string_new(NULL);
        for (int i = 0; i < 100; i++) {
            g_string_append(j, "{\"fields\":[{\"name\":\"s\",\"type\":"
                            "\"struct\",\"size\":1,\"struct\":");
        }
        g_string_append(j, "{\"fields\":[{\"name\":\"v\",\"type\":\"uint8\","
                        "\"size\":1}]}");
        for (int i = 0; i < 100; i++) {
            g_string_append(j, "}]}");
        }
        json_tokener *tok = json_tokener_new_ex(1000);
        json_object *d = json_tokener_parse_ex(tok, j->str, (int)j->len);
        json_tokener_free(tok);
        g_assert_nonnull(d);
        g_autoptr(VmTree) t = vmstate_decode(d, body, 1, BASE);
        json_object_put(d);
        g_assert_cmpuint(t->mismatches->len, >=, 1);
        g_assert_cmpint(g_array_index(t->mismatches, VmMismatch, 0).code, ==,
                        FMT_ERR_LIMIT);
        g_string_free(j, TRUE);
    }
    {
        /* 10^6 one-byte fields over a 10^6-byte body: all decoded */
        GString *j = g_string_new("{\"fields\":[");
        for (int i = 0; i < 1000000; i++) {
            g_string_append_printf(j, "%s{\"name\":\"f%d\",\"type\":\"uint8\","
                                   "\"size\":1}", i ? "," : "", i % 7);
        }
        g_string_append(j, "]}");
        g_autofree uint8_t *big = g_malloc0(1000000);
        g_autoptr(VmTree) t = decode_json(j->str, big, 1000000);
        g_assert_cmpuint(t->mismatches->len, ==, 0);
        g_assert_cmpuint(t->fields->len, ==, 1000001);
        g_string_free(j, TRUE);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vmstate/real-streams", test_real_streams);
    g_test_add_func("/vmstate/pc-devices", test_pc_devices);
    g_test_add_func("/vmstate/virtio", test_virtio);
    g_test_add_func("/vmstate/pci-config", test_pci_config);
    g_test_add_func("/vmstate/json-writer", test_json_writer);
    g_test_add_func("/vmstate/writer-ahead", test_writer_ahead);
    g_test_add_func("/vmstate/arm-cpregs", test_arm_cpregs);
    g_test_add_func("/vmstate/types", test_types);
    g_test_add_func("/vmstate/packed", test_packed);
    g_test_add_func("/vmstate/runs-and-subsections",
                    test_runs_and_subsections);
    g_test_add_func("/vmstate/mismatches", test_mismatches);
    g_test_add_func("/vmstate/hostile-descriptions",
                    test_hostile_descriptions);
    return g_test_run();
}
