/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The -dump-vmstate parser on QEMU 7.2's and 11.1's real dumps
 * (tests/fixtures/real/against), with values checked against the JSON. */
#include <glib.h>
#include <string.h>
#include <zstd.h>

#include "vmstate_dump.h"

#define DIR "tests/fixtures/real/against/"

static VmstateDump *load(const char *name)
{
    g_autofree char *path = g_strconcat(DIR, name, NULL);
    g_autofree char *z = NULL;
    gsize zlen;
    FmtError err;

    g_assert_true(g_file_get_contents(path, &z, &zlen, NULL));
    unsigned long long n = ZSTD_getFrameContentSize(z, zlen);
    g_autofree uint8_t *buf = g_malloc(n);
    g_assert_cmpuint(ZSTD_decompress(buf, n, z, zlen), ==, n);
    g_assert_cmpint(vmstate_dump_probe(buf, n), ==, 64);
    VmstateDump *d = vmstate_dump_parse(buf, n, &err);
    if (!d) {
        g_error("%s: %s", path, err.msg);
    }
    return d;
}

static const VdField *field(const VdVmsd *v, const char *key)
{
    for (guint i = 0; i < v->fields->len; i++) {
        const VdField *f = g_ptr_array_index(v->fields, i);
        if (!strcmp(f->key, key)) {
            return f;
        }
    }
    return NULL;
}

static void test_72(void)
{
    g_autoptr(VmstateDump) d = load("dump-7.2-pc-i440fx-7.2.json.zst");
    const VdVmsd *v;
    const VdField *f;

    g_assert_cmpstr(d->machine, ==, "pc-i440fx-7.2");
    g_assert_cmpuint(d->devices->len, ==, 213);
    v = vmstate_dump_find(d, "i8259");
    g_assert_nonnull(v);
    g_assert_cmpint(v->version_id, ==, 1);
    g_assert_cmpint(v->minimum_version_id, ==, 1);
    g_assert_cmpuint(v->subsections->len, ==, 0);       /* no ltim in 7.2 */
    v = vmstate_dump_find(d, "fw_cfg");
    g_assert_nonnull(v);
    /* a name twice in one vmsd: keys as the vmdesc writes them */
    f = field(v, "cur_offset[0]");
    g_assert_nonnull(f);
    g_assert_cmpint(f->version_id, ==, 0);
    f = field(v, "cur_offset[1]");
    g_assert_nonnull(f);
    g_assert_cmpint(f->version_id, ==, 2);
    g_assert_cmpint(f->size, ==, 4);
    g_assert_cmpint(f->num, ==, -1);                    /* 7.2 writes no num */
    v = vmstate_dump_find(d, "e1000");
    g_assert_cmpuint(v->fields->len, ==, 68);
    g_assert_nonnull(vdvmsd_subsection(v, "e1000/tx_tso_state"));
    g_assert_null(vdvmsd_subsection(v, "e1000/none"));
    g_assert_null(vmstate_dump_find(d, "cpu"));         /* not a device type */
}

static void test_111(void)
{
    g_autoptr(VmstateDump) d = load("dump-11.1-pc-i440fx-7.2.json.zst");
    const VdVmsd *v = vmstate_dump_find(d, "i8259");
    bool any_num = false;

    g_assert_cmpstr(d->machine, ==, "pc-i440fx-7.2");
    g_assert_cmpuint(d->devices->len, ==, 236);
    g_assert_nonnull(vdvmsd_subsection(v, "i8259/ltim"));
    v = vmstate_dump_find(d, "esp");
    g_assert_null(v);                                   /* only nested */
    v = vmstate_dump_find(d, "vga-isa");                /* 7.2: "vga" */
    g_assert_nonnull(v);
    g_assert_cmpint(v->version_id, ==, 1);
    for (guint i = 0; i < d->devices->len && !any_num; i++) {
        const VdDevice *dev = g_ptr_array_index(d->devices, i);
        for (guint k = 0; k < dev->vmsd->fields->len; k++) {
            any_num |= ((VdField *)g_ptr_array_index(dev->vmsd->fields,
                                                     k))->num > 0;
        }
    }
    g_assert_true(any_num);                             /* 8.1+ writes num */
}

static void test_errors(void)
{
    static const char *const bad[] = {
        "", "{", "[]", "{\"vmschkmachine\": 1}",
        "{\"vmschkmachine\": {\"Name\": \"pc\"}} {}",
        "{\"x\": {\"Name\": \"x\"}}",
    };
    FmtError err;

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        VmstateDump *d = vmstate_dump_parse((const uint8_t *)bad[i],
                                            strlen(bad[i]), &err);
        g_assert_null(d);
        g_assert_cmpint(err.code, !=, FMT_OK);
        g_assert_cmpuint(err.offset, <=, strlen(bad[i]));
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vmstate-dump/qemu-7.2", test_72);
    g_test_add_func("/vmstate-dump/qemu-11.1", test_111);
    g_test_add_func("/vmstate-dump/errors", test_errors);
    return g_test_run();
}
