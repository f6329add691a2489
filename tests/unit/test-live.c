/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the live cross-check: the check run on the state fd after it
 * was obtained (a target may swap the number for a FIFO or a device), the
 * link parsing, and verdicts for kinds the shell tests cannot create (VFIO).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_error.h"
#include "exitcodes.h"
#include "live/livecheck.h"
#include "input/proc.h"

static void test_memfd_name(void)
{
    g_autofree char *a = proc_memfd_name("/memfd:pc.bios (deleted)");
    g_autofree char *b = proc_memfd_name("/memfd:0000:00:02.0/vga.vram");
    g_autofree char *c = proc_memfd_name("/dev/shm/qemu-1-shm-0 (deleted)");

    g_assert_cmpstr(a, ==, "pc.bios");
    g_assert_cmpstr(b, ==, "0000:00:02.0/vga.vram");
    g_assert_null(c);
    g_assert_null(proc_memfd_name(NULL));
}

static void test_check_memfd_ok(void)
{
    g_autoptr(GError) e = NULL;
    int fd = memfd_create(PROC_STATE_NAME, MFD_CLOEXEC);

    g_assert_cmpint(fd, >=, 0);
    g_assert_true(proc_check_memfd(fd, PROC_STATE_NAME, "fd", &e));
    g_assert_no_error(e);
    close(fd);
}

static void test_check_memfd_wrong_name(void)
{
    g_autoptr(GError) e = NULL;
    int fd = memfd_create("pc.bios", MFD_CLOEXEC);

    g_assert_false(proc_check_memfd(fd, PROC_STATE_NAME, "pid 1 fd 9", &e));
    g_assert_error(e, CPRDUMP_ERROR, EXIT_NO_STATE);
    g_assert_nonnull(strstr(e->message, "/memfd:pc.bios"));
    g_assert_nonnull(strstr(e->message, "refusing to read it"));
    close(fd);
}

/* A FIFO at the number: refused from fstat alone, nothing read. */
static void test_check_memfd_fifo(void)
{
    g_autoptr(GError) e = NULL;
    g_autofree char *dir = g_dir_make_tmp("cprdump-live-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "fifo", NULL);
    int fd;

    g_assert_cmpint(mkfifo(path, 0600), ==, 0);
    fd = open(path, O_RDWR | O_CLOEXEC);
    g_assert_cmpint(fd, >=, 0);
    g_assert_false(proc_check_memfd(fd, PROC_STATE_NAME, "pid 1 fd 9", &e));
    g_assert_error(e, CPRDUMP_ERROR, EXIT_NO_STATE);
    g_assert_nonnull(strstr(e->message, "a FIFO or pipe"));
    close(fd);
    g_unlink(path);
    g_rmdir(dir);
}

static void test_check_memfd_device(void)
{
    g_autoptr(GError) e = NULL;
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

    g_assert_false(proc_check_memfd(fd, PROC_STATE_NAME, "pid 1 fd 9", &e));
    g_assert_error(e, CPRDUMP_ERROR, EXIT_NO_STATE);
    g_assert_nonnull(strstr(e->message, "a character device (/dev/null)"));
    close(fd);
}

static CprFd record(const char *name, int32_t id, int32_t fd)
{
    CprFd r = { 0 };

    r.name = (char *)name;
    r.id = id;
    r.has_fd = true;
    r.fd = fd;
    r.kind = cpr_kind_classify(name, false);
    return r;
}

static ProcFdInfo fdinfo(int fd, const char *link, mode_t mode)
{
    ProcFdInfo i = { 0 };

    i.fd = fd;
    i.open = link != NULL;
    i.link = (char *)link;
    i.has_stat = link != NULL;
    i.st.st_mode = mode;
    i.st.st_size = mode == S_IFREG ? 4096 : 0;
    i.has_flags = true;
    i.flags = 02000002;
    i.pos = 0;
    return i;
}

typedef struct JudgeCase {
    const char *name;
    int32_t id;
    const char *link;     /* NULL: not open */
    mode_t mode;
    LiveVerdict want;
    const char *reason;   /* substring */
} JudgeCase;

static const JudgeCase judge_cases[] = {
    { "pc.bios", 0, "/memfd:pc.bios (deleted)", S_IFREG, LIVE_OK,
      "named like the record" },
    { "ram0", 0, "/memfd:memory-backend-memfd (deleted)", S_IFREG, LIVE_OK,
      "memory-backend-memfd" },
    { "pc.ram", 0, "/memfd:memory-backend-memfd (deleted)", S_IFREG, LIVE_OK,
      "memory-backend-memfd" },
    { "pc.rom", 0, "/memfd:memory-backend-memfd (deleted)", S_IFREG,
      LIVE_UNEXPECTED_KIND, "needs a memfd named like the record" },
    { "ram0", 0, "/dev/shm/qemu-42-shm-0 (deleted)", S_IFREG, LIVE_OK,
      "POSIX shm" },
    { "pc.bios", 0, "pipe:[1234]", S_IFIFO, LIVE_UNEXPECTED_KIND,
      "needs a memfd or POSIX shm" },
    { "pc.bios", 0, NULL, 0, LIVE_MISSING, "not open" },
    { "vfio_group", 12, "/dev/vfio/12", S_IFCHR, LIVE_OK, "VFIO group 12" },
    { "vfio_group", 12, "/dev/vfio/13", S_IFCHR, LIVE_UNEXPECTED_KIND,
      "needs /dev/vfio/12" },
    { "vfio_container_for_group", 12, "/dev/vfio/vfio", S_IFCHR, LIVE_OK,
      "/dev/vfio/vfio" },
    { "0000:3b:00.0", 0, "/dev/vfio/devices/vfio0", S_IFCHR, LIVE_OK,
      "VFIO device" },
    { "0000:3b:00.0", 0, "anon_inode:[vfio-device]", 0, LIVE_OK,
      "VFIO device" },
    { "0000:3b:00.0", 0, "/memfd:x (deleted)", S_IFREG, LIVE_UNEXPECTED_KIND,
      "a VFIO device fd" },
    { "0000:3b:00.0_interrupt", 3, "anon_inode:[eventfd]", 0, LIVE_OK,
      "eventfd" },
    { "0000:3b:00.0_err_notifier", 0, "/dev/null", S_IFCHR,
      LIVE_UNEXPECTED_KIND, "needs an eventfd" },
    { "iommufd0", 0, "/dev/iommu", S_IFCHR, LIVE_OK, "/dev/iommu" },
    { "0000:00:05.0/foo", 0, "/dev/net/tun", S_IFCHR, LIVE_OK,
      "only its presence" },
};

static void test_judge(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(judge_cases); i++) {
        const JudgeCase *jc = &judge_cases[i];
        CprFd rec = record(jc->name, jc->id, 20);
        ProcFdInfo info = fdinfo(20, jc->link, jc->mode);
        LiveFd lf;

        live_judge(&rec, &info, &lf);
        if (lf.verdict != jc->want || !strstr(lf.reason, jc->reason)) {
            g_test_message("case %zu: %s at %s: %s, %s", i, jc->name,
                           jc->link ? jc->link : "(closed)",
                           live_verdict_name(lf.verdict), lf.reason);
        }
        g_assert_cmpstr(live_verdict_name(lf.verdict), ==,
                        live_verdict_name(jc->want));
        g_assert_nonnull(strstr(lf.reason, jc->reason));
        g_assert_cmpint(lf.open, ==, jc->link != NULL);
        if (jc->link) {
            g_assert_true(lf.has_cloexec && lf.cloexec);
        }
        live_fd_clear(&lf);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/live/memfd-name", test_memfd_name);
    g_test_add_func("/live/check-memfd/ok", test_check_memfd_ok);
    g_test_add_func("/live/check-memfd/wrong-name",
                    test_check_memfd_wrong_name);
    g_test_add_func("/live/check-memfd/fifo", test_check_memfd_fifo);
    g_test_add_func("/live/check-memfd/device", test_check_memfd_device);
    g_test_add_func("/live/judge", test_judge);
    return g_test_run();
}
