/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of formats/cpr_state.c on annotated wire images. */
#include <glib.h>
#include <string.h>

#include "cpr_state.h"

/* QEMU 11.1 cpr-exec: two records, empty vfio list. */
static const uint8_t wire_exec[] = {
    0x51, 0x43, 0x50, 0x52,             /* 0x00 magic "QCPR" */
    0x00, 0x00, 0x00, 0x01,             /* 0x04 version 1 */
    0x01,                               /* 0x08 list marker: element */
    0x00, 0x00, 0x00, 0x07,             /* 0x09 namelen 7 (counts NUL) */
    'p', 'c', '.', 'r', 'a', 'm', 0,    /* 0x0d name */
    0x00, 0x00, 0x00, 0x00,             /* 0x14 id 0 */
    0x00, 0x00, 0x00, 0x0c,             /* 0x18 fd 12 */
    0x01,                               /* 0x1c list marker: element */
    0x00, 0x00, 0x00, 0x0b,             /* 0x1d namelen 11 */
    'v', 'f', 'i', 'o', '_', 'g', 'r', 'o', 'u', 'p', 0, /* 0x21 name */
    0x00, 0x00, 0x00, 0x2a,             /* 0x2c id 42 (IOMMU group) */
    0x00, 0x00, 0x00, 0x1f,             /* 0x30 fd 31 */
    0x00,                               /* 0x34 list marker: end */
    0x05, 0x15,                         /* 0x35 subsection, name length 21 */
    'C', 'p', 'r', 'S', 't', 'a', 't', 'e', '/', 'v', 'f', 'i', 'o', ' ',
    'd', 'e', 'v', 'i', 'c', 'e', 's',  /* 0x37 name */
    0x00, 0x00, 0x00, 0x01,             /* 0x4c version 1 */
    0x00,                               /* 0x50 vfio list: end */
};

/* cpr-transfer: one record, fd is a 0x20 placeholder; 10.0 form (no sub). */
static const uint8_t wire_transfer_10_0[] = {
    'Q', 'C', 'P', 'R', 0, 0, 0, 1,     /* header */
    0x01,                               /* 0x08 element */
    0x00, 0x00, 0x00, 0x05,             /* 0x09 namelen 5 */
    'r', 'a', 'm', '0', 0,              /* 0x0d name */
    0x00, 0x00, 0x00, 0x00,             /* 0x12 id 0 */
    0x20,                               /* 0x16 fd placeholder */
    0x00,                               /* 0x17 end */
};

/* cpr-exec, a VFIO device record in the subsection, then an empty body. */
static const uint8_t wire_vfio_device[] = {
    'Q', 'C', 'P', 'R', 0, 0, 0, 1,
    0x01, 0, 0, 0, 13, '0', '0', '0', '0', ':', '3', 'b', ':', '0', '0', '.',
    '0', 0,                             /* 0x08 name 0000:3b:00.0 */
    0xff, 0xff, 0xff, 0xff,             /* id -1 */
    0, 0, 0, 40,                        /* fd 40 */
    0x00,                               /* end of fds */
    0x05, 0x15, 'C', 'p', 'r', 'S', 't', 'a', 't', 'e', '/', 'v', 'f', 'i',
    'o', ' ', 'd', 'e', 'v', 'i', 'c', 'e', 's', 0, 0, 0, 1,
    0x01,                               /* vfio device element */
    0, 0, 0, 13, '0', '0', '0', '0', ':', '3', 'b', ':', '0', '0', '.', '0', 0,
    0, 0, 0, 3,                         /* devid 3 */
    0, 0, 0, 2,                         /* ioas_id 2 */
    0, 0, 0, 7,                         /* hwpt_id 7 */
    0x00,                               /* end */
};

static CprState *decode_ok(const uint8_t *buf, size_t len, CprMode mode)
{
    CprState *st = NULL;
    FmtError err;

    g_assert_true(cpr_state_decode(buf, len, mode, &st, &err));
    g_assert_cmpint(err.code, ==, FMT_OK);
    return st;
}

static const CprFd *fd_at(const CprState *st, guint i)
{
    return &g_array_index(st->fds, CprFd, i);
}

static void test_exec(void)
{
    g_autoptr(CprState) st = decode_ok(wire_exec, sizeof(wire_exec),
                                       CPR_MODE_AUTO);

    g_assert_cmpint(st->mode, ==, CPR_MODE_EXEC);
    g_assert_cmpuint(st->fds->len, ==, 2);
    g_assert_cmpstr(fd_at(st, 0)->name, ==, "pc.ram");
    g_assert_cmpuint(fd_at(st, 0)->offset, ==, 0x08);
    g_assert_cmpuint(fd_at(st, 0)->fd_offset, ==, 0x18);
    g_assert_cmpint(fd_at(st, 0)->fd, ==, 12);
    g_assert_cmpint(fd_at(st, 0)->kind.kind, ==, CPR_KIND_GUEST_RAM);
    g_assert_cmpstr(fd_at(st, 1)->name, ==, "vfio_group");
    g_assert_cmpint(fd_at(st, 1)->id, ==, 42);
    g_assert_cmpint(fd_at(st, 1)->fd, ==, 31);
    g_assert_cmpint(fd_at(st, 1)->kind.kind, ==, CPR_KIND_VFIO_GROUP);
    g_assert_true(st->has_vfio);
    g_assert_cmpint(st->vfio_body, ==, CPR_VFIO_BODY_LIST);
    g_assert_cmpuint(st->vfio_offset, ==, 0x35);
    g_assert_cmpuint(st->vfio_devices->len, ==, 0);
}

static void test_transfer_10_0(void)
{
    g_autoptr(CprState) st = decode_ok(wire_transfer_10_0,
                                       sizeof(wire_transfer_10_0),
                                       CPR_MODE_AUTO);

    g_assert_cmpint(st->mode, ==, CPR_MODE_TRANSFER);
    g_assert_cmpuint(st->fds->len, ==, 1);
    g_assert_false(fd_at(st, 0)->has_fd);
    g_assert_cmpuint(fd_at(st, 0)->fd_offset, ==, 0x16);
    g_assert_cmpint(fd_at(st, 0)->kind.kind, ==, CPR_KIND_RAM_BACKEND);
    g_assert_false(st->has_vfio);
}

/* A build without iommufd: subsection header, zero body bytes. */
static void test_empty_vfio_body(void)
{
    g_autoptr(CprState) st = decode_ok(wire_exec, sizeof(wire_exec) - 1,
                                       CPR_MODE_AUTO);

    g_assert_true(st->has_vfio);
    g_assert_cmpint(st->vfio_body, ==, CPR_VFIO_BODY_EMPTY);
}

static void test_vfio_device(void)
{
    g_autoptr(CprState) st = decode_ok(wire_vfio_device,
                                       sizeof(wire_vfio_device),
                                       CPR_MODE_AUTO);
    const CprVfioDevice *d;

    g_assert_cmpuint(st->vfio_devices->len, ==, 1);
    d = &g_array_index(st->vfio_devices, CprVfioDevice, 0);
    g_assert_cmpstr(d->name, ==, "0000:3b:00.0");
    g_assert_cmpint(d->devid, ==, 3);
    g_assert_cmpuint(d->ioas_id, ==, 2);
    g_assert_cmpuint(d->hwpt_id, ==, 7);
    g_assert_cmpint(fd_at(st, 0)->id, ==, -1);
    g_assert_cmpint(fd_at(st, 0)->kind.kind, ==, CPR_KIND_VFIO_DEVICE);
    g_assert_cmpstr(fd_at(st, 0)->kind.rule, ==,
                    "listed in CprState/vfio devices");
}

/* Every strict prefix fails as truncated (or, for a prefix that ends right
 * after the fd list, is a valid 10.0 state), never reads past the end. */
static void test_every_prefix(void)
{
    for (size_t n = 0; n < sizeof(wire_exec); n++) {
        CprState *st = NULL;
        FmtError err;
        bool ok = cpr_state_decode(wire_exec, n, CPR_MODE_EXEC, &st, &err);

        if (n == 0x35 || n == 0x50) {
            g_assert_true(ok); /* 10.0 form / empty vfio body */
        } else {
            g_assert_false(ok);
            g_assert_cmpint(err.code, ==, FMT_ERR_TRUNCATED);
            g_assert_cmpuint(err.offset, <=, n);
            g_assert_cmpuint(err.left, ==, n - err.offset);
            g_assert_cmpuint(err.need, >, err.left);
        }
        cpr_state_free(st);
    }
}

typedef struct TruncCase {
    size_t len;
    const char *record;
    int64_t index;
    const char *field;
    uint64_t offset;
    uint64_t need;
} TruncCase;

static void test_truncation_fields(void)
{
    static const TruncCase cases[] = {
        { 2, "header", -1, "magic", 0x00, 4 },
        { 6, "header", -1, "version", 0x04, 4 },
        { 8, "fd record", 0, "list marker", 0x08, 1 },
        { 11, "fd record", 0, "namelen", 0x09, 4 },
        { 0x10, "fd record", 0, "name", 0x0d, 7 },
        { 0x16, "fd record", 0, "id", 0x14, 4 },
        { 0x1a, "fd record", 0, "fd", 0x18, 4 },
        { 0x25, "fd record", 1, "name", 0x21, 11 },
        { 0x36, "subsection", 0, "name length", 0x36, 1 },
        { 0x40, "subsection", 0, "name", 0x37, 21 },
        { 0x4e, "subsection", 0, "version", 0x4c, 4 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        CprState *st = NULL;
        FmtError err;

        g_assert_false(cpr_state_decode(wire_exec, cases[i].len,
                                        CPR_MODE_EXEC, &st, &err));
        g_assert_cmpstr(err.record, ==, cases[i].record);
        g_assert_cmpint(err.index, ==, cases[i].index);
        g_assert_cmpstr(err.field, ==, cases[i].field);
        g_assert_cmpuint(err.offset, ==, cases[i].offset);
        g_assert_cmpuint(err.need, ==, cases[i].need);
        g_assert_cmpuint(err.left, ==, cases[i].len - cases[i].offset);
        cpr_state_free(st);
    }
}

static void expect_error(const uint8_t *buf, size_t len, FmtErrCode code,
                         uint64_t offset, const char *field,
                         guint decoded_fds)
{
    CprState *st = NULL;
    FmtError err;

    g_assert_false(cpr_state_decode(buf, len, CPR_MODE_AUTO, &st, &err));
    g_assert_cmpint(err.code, ==, code);
    g_assert_cmpuint(err.offset, ==, offset);
    g_assert_cmpstr(err.field, ==, field);
    g_assert_cmpuint(st->fds->len, ==, decoded_fds);
    cpr_state_free(st);
}

static void test_bad_magic_version(void)
{
    uint8_t b[sizeof(wire_exec)];

    memcpy(b, wire_exec, sizeof(b));
    memcpy(b, "QEVM", 4);
    expect_error(b, sizeof(b), FMT_ERR_MAGIC, 0, "magic", 0);
    memcpy(b, "QCPR\0\0\0\2", 8);
    expect_error(b, sizeof(b), FMT_ERR_VERSION, 4, "version", 0);
    g_assert_cmpint(cpr_state_probe(b, sizeof(b)), ==, 32);
    g_assert_cmpint(cpr_state_probe(wire_exec, sizeof(wire_exec)), ==, 64);
    g_assert_cmpint(cpr_state_probe((const uint8_t *)"QEVM", 4), ==, 0);
}

static void test_invalid_fields(void)
{
    uint8_t b[sizeof(wire_exec) + 3];

    /* namelen larger than the rest of the file */
    memcpy(b, wire_exec, sizeof(wire_exec));
    b[0x1d] = 0x7f;
    expect_error(b, sizeof(wire_exec), FMT_ERR_TRUNCATED, 0x21, "name", 1);
    /* a name without its trailing NUL */
    memcpy(b, wire_exec, sizeof(wire_exec));
    b[0x13] = 'x';
    expect_error(b, sizeof(wire_exec), FMT_ERR_INVALID, 0x13, "name", 0);
    /* bad list marker */
    memcpy(b, wire_exec, sizeof(wire_exec));
    b[0x1c] = 0x02;
    expect_error(b, sizeof(wire_exec), FMT_ERR_INVALID, 0x1c, "list marker",
                 1);
    /* unknown subsection */
    memcpy(b, wire_exec, sizeof(wire_exec));
    b[0x37] = 'X';
    expect_error(b, sizeof(wire_exec), FMT_ERR_INVALID, 0x37, "name", 2);
    /* bytes after the end */
    memcpy(b, wire_exec, sizeof(wire_exec));
    memcpy(b + sizeof(wire_exec), "abc", 3);
    expect_error(b, sizeof(b), FMT_ERR_TRAILING, sizeof(wire_exec), "end", 2);
}

static void test_forced_mode(void)
{
    CprState *st = NULL;
    FmtError err;

    /* The exec image read as cpr-transfer: the fd field is not 0x20. */
    g_assert_false(cpr_state_decode(wire_exec, sizeof(wire_exec),
                                    CPR_MODE_TRANSFER, &st, &err));
    g_assert_cmpint(err.code, ==, FMT_ERR_INVALID);
    g_assert_cmpuint(err.offset, ==, 0x18);
    g_assert_cmpstr(err.field, ==, "fd");
    g_assert_true(st->mode_forced);
    cpr_state_free(st);
}

static void test_kinds(void)
{
    static const struct {
        const char *name;
        CprKind kind;
    } cases[] = {
        { "pc.ram", CPR_KIND_GUEST_RAM },
        { "ram0", CPR_KIND_RAM_BACKEND },
        { "/objects/mem1", CPR_KIND_RAM_BACKEND },
        { "iommufd0", CPR_KIND_IOMMUFD },
        { "pc.bios", CPR_KIND_ROM },
        { "/rom@etc/acpi/rsdp", CPR_KIND_ROM },
        { "0000:00:03.0/virtio-net-pci.rom", CPR_KIND_ROM },
        { "0000:00:02.0/vga.vram", CPR_KIND_DEVICE_RAM },
        { "vga.vram", CPR_KIND_DEVICE_RAM },
        { "vmsvga.fifo", CPR_KIND_DEVICE_RAM },
        { "vfio_group", CPR_KIND_VFIO_GROUP },
        { "vfio_container_for_group", CPR_KIND_VFIO_CONTAINER },
        { "0000:3b:00.0", CPR_KIND_VFIO_DEVICE },
        { "0000:3b:00.0_interrupt", CPR_KIND_VFIO_INTERRUPT },
        { "0000:3b:00.0_kvm_interrupt", CPR_KIND_VFIO_KVM_INTERRUPT },
        { "0000:3b:00.0_intx-unmask", CPR_KIND_VFIO_EVENTFD },
        { "0000:3b:00.0_err_notifier", CPR_KIND_VFIO_EVENTFD },
        /* other targets' board regions (QEMU 7.2 and 11.1 info ramblock) */
        { "virt.flash0", CPR_KIND_FLASH },
        { "virt.flash1", CPR_KIND_FLASH },
        { "vexpress.flash0", CPR_KIND_FLASH },
        { "vexpress.flash1", CPR_KIND_FLASH },
        { "vexpress.sram", CPR_KIND_BOARD_MEMORY },
        { "vexpress.vram", CPR_KIND_DEVICE_RAM },
        { "vexpress.highmem", CPR_KIND_GUEST_RAM },
        { "mach-virt.ram", CPR_KIND_GUEST_RAM },
        { "ppc_spapr.ram", CPR_KIND_GUEST_RAM },
        { "s390.ram", CPR_KIND_GUEST_RAM },
        { "riscv_virt_board.ram", CPR_KIND_GUEST_RAM },
        { "riscv_virt_board.mrom", CPR_KIND_ROM },
        { "virt.flashy", CPR_KIND_UNKNOWN },
        { "vexpress.mystery", CPR_KIND_UNKNOWN },
        { "0000:00:04.0/mystery", CPR_KIND_UNKNOWN },
        { "9lives", CPR_KIND_UNKNOWN },
        { "has space", CPR_KIND_UNKNOWN },
        { "", CPR_KIND_UNKNOWN },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        CprKindInfo k = cpr_kind_classify(cases[i].name, false);
        if (k.kind != cases[i].kind) {
            g_error("%s: kind %s, want %s", cases[i].name,
                    cpr_kind_name(k.kind), cpr_kind_name(cases[i].kind));
        }
    }
    g_assert_true(cpr_kind_classify("0000:3b:00.0_interrupt", false)
                  .id_is_vector);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cpr-state/exec", test_exec);
    g_test_add_func("/cpr-state/transfer-10.0", test_transfer_10_0);
    g_test_add_func("/cpr-state/empty-vfio-body", test_empty_vfio_body);
    g_test_add_func("/cpr-state/vfio-device", test_vfio_device);
    g_test_add_func("/cpr-state/every-prefix", test_every_prefix);
    g_test_add_func("/cpr-state/truncation-fields", test_truncation_fields);
    g_test_add_func("/cpr-state/bad-magic-version", test_bad_magic_version);
    g_test_add_func("/cpr-state/invalid-fields", test_invalid_fields);
    g_test_add_func("/cpr-state/forced-mode", test_forced_mode);
    g_test_add_func("/cpr-state/kinds", test_kinds);
    return g_test_run();
}
