/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * formats/vmstate.c on real QEMU streams (../shared/fixtures/qemu, or
 * $CPRDUMP_FIXTURES, and tests/fixtures/real): every device section decodes
 * with no mismatch and its leaves tile the body exactly; known values are
 * checked; and hand-made bodies that disagree with their description.
 */
#include <glib.h>
#include <string.h>

#include "input.h"
#include "stream.h"
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
    const char *reals[] = { "tests/fixtures/real" };
    const char *dirs[] = { pat, reals[0] };

    for (size_t k = 0; k < G_N_ELEMENTS(dirs); k++) {
        g_autoptr(GDir) d1 = g_dir_open(dirs[k], 0, NULL);
        const char *a;
        while (d1 && (a = g_dir_read_name(d1))) {
            g_autofree char *p1 = g_build_filename(dirs[k], a, NULL);
            g_autoptr(GDir) d2 = g_dir_open(p1, 0, NULL);
            const char *b;
            if (k == 1) {
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
    guint streams, sections, fields;
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
    /* the 15 streams with a vmdesc: 10 shared fixtures + 4 bundled ones,
     * minus postcopy (no vmdesc) + 1 (exec-q35-* are in both places) */
    g_assert_cmpuint(tot.streams, >=, 14);
    g_assert_cmpuint(tot.sections, >=, 14 * 29);
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

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vmstate/real-streams", test_real_streams);
    g_test_add_func("/vmstate/pc-devices", test_pc_devices);
    return g_test_run();
}
