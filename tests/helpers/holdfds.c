/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * holdfds: a stand-in for a process after cpr-exec, for tests/cli/live.sh.
 * Puts memfds, pipes, FIFOs and /dev/null at chosen fd numbers, then either
 * waits until killed or execs a command that inherits them.
 *
 *   holdfds [OPTION]... [-- COMMAND [ARG]...]
 *     --state N:FILE       memfd "QEMU_CPR_EXEC_STATE" holding FILE's bytes at
 *                          fd N, written with write() so that the offset ends
 *                          at the size, as QEMU leaves it
 *     --memfd N:SIZE:NAME  memfd NAME (may contain ':') of SIZE bytes at fd N
 *     --pipe N             read end of a pipe at fd N
 *     --null N             /dev/null at fd N
 *     --fifo N:PATH        a new FIFO at PATH, opened O_RDWR (never blocks)
 *     --cloexec N          set FD_CLOEXEC on fd N
 *   Without COMMAND: prints "ready PID" on stdout, then pause()s.
 *
 * Not a GTest binary (those are tests/unit/test-*).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static void die(const char *what, const char *arg)
{
    fprintf(stderr, "holdfds: %s %s: %s\n", what, arg,
            errno ? strerror(errno) : "bad argument");
    exit(2);
}

/* Parses "N:" at the start of s; returns the rest. */
static const char *parse_num(const char *s, long *n, const char *arg)
{
    char *end;

    errno = 0;
    *n = strtol(s, &end, 10);
    if (end == s || *n < 0 || errno) {
        errno = 0;
        die("bad number in", arg);
    }
    if (*end == ':') {
        end++;
    } else if (*end) {
        errno = 0;
        die("expected N: in", arg);
    }
    return end;
}

static void place(int fd, long target, const char *arg)
{
    if (fd < 0) {
        die("cannot create", arg);
    }
    if (fd != target) {
        if (dup2(fd, (int)target) < 0) {
            die("dup2", arg);
        }
        close(fd);
    }
}

static int make_memfd(const char *name, long size, const char *arg)
{
    int fd = memfd_create(name, 0);

    if (fd < 0 || ftruncate(fd, size) < 0) {
        die("memfd", arg);
    }
    return fd;
}

static int make_state(const char *path, const char *arg)
{
    int fd = memfd_create("QEMU_CPR_EXEC_STATE", 0);
    int in = open(path, O_RDONLY);
    char buf[65536];
    ssize_t n;

    if (fd < 0 || in < 0) {
        die("state", arg);
    }
    while ((n = read(in, buf, sizeof(buf))) > 0) {
        if (write(fd, buf, (size_t)n) != n) {
            die("write state", arg);
        }
    }
    close(in);
    return fd;
}

int main(int argc, char **argv)
{
    int i;

    for (i = 1; i < argc; i++) {
        const char *opt = argv[i], *arg = i + 1 < argc ? argv[i + 1] : NULL;
        const char *rest;
        long n, size;

        if (!strcmp(opt, "--")) {
            i++;
            break;
        }
        if (!arg) {
            errno = 0;
            die("missing argument for", opt);
        }
        i++;
        rest = parse_num(arg, &n, arg);
        if (!strcmp(opt, "--state")) {
            place(make_state(rest, arg), n, arg);
        } else if (!strcmp(opt, "--memfd")) {
            rest = parse_num(rest, &size, arg);
            place(make_memfd(rest, size, arg), n, arg);
        } else if (!strcmp(opt, "--pipe")) {
            int p[2];

            if (pipe(p) < 0) {
                die("pipe", arg);
            }
            close(p[1]);
            place(p[0], n, arg);
        } else if (!strcmp(opt, "--null")) {
            place(open("/dev/null", O_RDONLY), n, arg);
        } else if (!strcmp(opt, "--fifo")) {
            if (mkfifo(rest, 0600) < 0) {
                die("mkfifo", arg);
            }
            place(open(rest, O_RDWR), n, arg);
        } else if (!strcmp(opt, "--cloexec")) {
            if (fcntl((int)n, F_SETFD, FD_CLOEXEC) < 0) {
                die("F_SETFD", arg);
            }
        } else {
            errno = 0;
            die("unknown option", opt);
        }
    }
    if (i < argc) {
        execvp(argv[i], argv + i);
        die("exec", argv[i]);
    }
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    for (;;) {
        pause();
    }
}
