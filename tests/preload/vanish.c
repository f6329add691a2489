// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * LD_PRELOAD shim for the "process exited mid-read" test: the first time
 * cprdump preads a fd that links to the CPR state memfd, SIGKILL the pid in
 * $CPRDUMP_TEST_VANISH_PID and wait until it has exited, then do the read.
 * cprdump then holds the state (its own copy of the fd) but the process is
 * gone before the cross-check: exactly the race exit code 9 is for.
 * Test-only; the signal comes from the test, never from cprdump itself.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

ssize_t pread(int fd, void *buf, size_t n, off_t off);
ssize_t pread64(int fd, void *buf, size_t n, off_t off);

static bool is_state_fd(int fd)
{
    char path[64], link[256];
    ssize_t k;

    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    k = readlink(path, link, sizeof(link) - 1);
    if (k < 0) {
        return false;
    }
    link[k] = '\0';
    return strstr(link, "memfd:QEMU_CPR_EXEC_STATE") != NULL;
}

/* true once /proc/PID is gone or a zombie */
static bool exited(const char *pid)
{
    char path[64], buf[512];
    FILE *f;
    char *p;

    snprintf(path, sizeof(path), "/proc/%s/stat", pid);
    f = fopen(path, "r");
    if (!f) {
        return true;
    }
    p = fgets(buf, sizeof(buf), f);
    fclose(f);
    p = p ? strrchr(buf, ')') : NULL;
    return !p || p[2] == 'Z' || p[2] == 'X';
}

static void vanish(int fd)
{
    static bool done;
    const char *pid = getenv("CPRDUMP_TEST_VANISH_PID");
    struct timespec ts = { 0, 10 * 1000 * 1000 };

    if (done || !pid || !is_state_fd(fd)) {
        return;
    }
    done = true;
    kill(atoi(pid), SIGKILL);
    for (int i = 0; i < 500 && !exited(pid); i++) {
        nanosleep(&ts, NULL);
    }
}

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
    vanish(fd);
    return syscall(SYS_pread64, fd, buf, n, off);
}

ssize_t pread64(int fd, void *buf, size_t n, off_t off)
{
    return pread(fd, buf, n, off);
}
