/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The join's verdict for a recorded fd (check/ramjoin.h): preserved-by-fd only
 * where the record itself proves a shared mapping, fd-recorded where it may be a
 * memory-backend-memfd with share=off (preflight-facts §6, config b2). The
 * names are those QEMU 11.1.3 records (tests/qemu, shared/fixtures/qemu).
 */
#include <glib.h>

#include "check/ramjoin.h"

typedef struct Case {
    const char *name;
    const char *want;
} Case;

static void join_one(CprMode mode, const Case *c)
{
    CprState st = { .mode = mode };
    StreamModel m = { 0 };
    CprFd fd = { .name = (char *)c->name, .has_fd = mode == CPR_MODE_EXEC,
                 .fd = 20 };
    RamBlock b = { .idstr = (char *)c->name, .used_length = 4096 };
    g_autoptr(RamJoin) j = NULL;

    st.fds = g_array_new(FALSE, TRUE, sizeof(CprFd));
    g_array_append_val(st.fds, fd);
    m.ram.blocks = g_array_new(FALSE, TRUE, sizeof(RamBlock));
    g_array_append_val(m.ram.blocks, b);
    j = ramjoin_build(&st, &m);
    g_assert_cmpstr(ramjoin_verdict_name(
        g_array_index(j->rows, RamJoinRow, 0).verdict), ==, c->want);
    g_assert_cmpuint(j->preserved_count + j->recorded_count, ==, 1);
    g_array_unref(st.fds);
    g_array_unref(m.ram.blocks);
}

static void test_exec(void)
{
    static const Case cases[] = {
        /* QEMU's own memfds: made only for shared RAM */
        { "pc.bios", "preserved-by-fd" },
        { "/rom@etc/acpi/tables", "preserved-by-fd" },
        { "0000:00:02.0/vga.vram", "preserved-by-fd" },
        { "0000:00:03.0/e1000.rom", "preserved-by-fd" },
        { "vmsvga.fifo", "preserved-by-fd" },
        { "virt.flash0", "preserved-by-fd" },
        /* not an object id: no backend has this idstr */
        { "0000:00:04.0/some-device.region", "preserved-by-fd" },
        /* memory backends (libvirt names its main RAM backend pc.ram) */
        { "ram0", "fd-recorded" },
        { "/objects/ram0", "fd-recorded" },
        { "pc.ram", "fd-recorded" },
        { "mem_1-a", "fd-recorded" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        join_one(CPR_MODE_EXEC, &cases[i]);
    }
}

/* QEMU blocks cpr-transfer while any block is private: every record is kept. */
static void test_transfer(void)
{
    static const Case cases[] = {
        { "ram0", "preserved-by-fd" },
        { "pc.bios", "preserved-by-fd" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        join_one(CPR_MODE_TRANSFER, &cases[i]);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ramjoin/exec", test_exec);
    g_test_add_func("/ramjoin/transfer", test_transfer);
    return g_test_run();
}
