/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Live processes: finding and opening a process's cpr-exec state memfd
 * ("/memfd:QEMU_CPR_EXEC_STATE (deleted)", formats-facts §1.8) and reading
 * what /proc says about its other fds. No printing here.
 *
 * Rules kept by every function: the inspected process is never written to,
 * signalled or stopped; its fds are never read with read() (which would move
 * the file offset it shares with us after pidfd_getfd); nothing but a memfd
 * is ever opened through /proc/PID/fd (a FIFO or a device could block or
 * have side effects on open); the other fds are only readlink()ed and stat()ed.
 *
 * GErrors are in CPRDUMP_ERROR with the exit code as code (exitcodes.h).
 */
#ifndef CPRDUMP_PROC_H
#define CPRDUMP_PROC_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

/* The memfd name and the environment variable QEMU's cpr-exec uses. */
#define PROC_STATE_NAME "QEMU_CPR_EXEC_STATE"
#define PROC_STATE_ENV "QEMU_CPR_EXEC_STATE"

typedef enum ProcMethod {
    PROC_METHOD_PIDFD_GETFD,  /* dup of the target's fd (shared offset) */
    PROC_METHOD_PROC_OPEN,    /* open of /proc/PID/fd/N (own offset) */
    PROC_METHOD_INHERITED,    /* --fd: our own fd */
} ProcMethod;

/* "pidfd_getfd", "proc-open", "inherited" */
const char *proc_method_name(ProcMethod m);

typedef struct ProcTarget {
    pid_t pid;
    bool self;            /* /proc/self: --fd */
    char *dir;            /* "/proc/1234" or "/proc/self" */
    char *comm;           /* from /proc/PID/comm, "?" if unreadable */
    int pidfd;            /* -1 if pidfd_open is not available */
    bool try_getfd;       /* default true; false forces proc-open */
} ProcTarget;

/* Errors: EXIT_NO_PROCESS (absent or zombie), EXIT_PERMISSION. */
ProcTarget *proc_target_open(pid_t pid, GError **errp);
ProcTarget *proc_target_self(void);
void proc_target_free(ProcTarget *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProcTarget, proc_target_free)

/* False once the process has exited (even if not yet reaped). */
bool proc_target_alive(const ProcTarget *t);

/* What /proc says about one fd number of the target. */
typedef struct ProcFdInfo {
    int fd;
    bool open;            /* fd/N exists */
    char *link;           /* readlink of fd/N */
    bool has_stat;
    struct stat st;       /* stat() of fd/N: follows the link, opens nothing */
    bool has_flags;
    unsigned long flags;  /* fdinfo "flags:" (octal) */
    int64_t pos;          /* fdinfo "pos:", -1 if unknown */
} ProcFdInfo;

/* Fills *out; a closed fd is not an error (out->open false). Errors:
 * EXIT_PERMISSION, EXIT_INPUT. */
bool proc_fd_info(const ProcTarget *t, int fd, ProcFdInfo *out,
                  GError **errp);
void proc_fd_info_clear(ProcFdInfo *info);

/* "/memfd:NAME (deleted)" -> "NAME" (newly allocated), else NULL. */
char *proc_memfd_name(const char *link);

/* The state as found: our fd to pread, and how it was found. */
typedef struct ProcState {
    int fd;               /* ours, or the inherited one; -1 if none */
    bool own;             /* close fd when done */
    int target_fd;        /* the number in the target */
    ProcMethod method;
    char *picked_by;      /* "environ QEMU_CPR_EXEC_STATE=26", "--fd 7", ... */
    char *link;           /* link target of the state fd in the target */
    char *label;          /* "pid 1234 fd 33", "fd 7": the input label */
} ProcState;

/*
 * Finds the target's state memfd (using QEMU_CPR_EXEC_STATE from its
 * environ to choose among several), obtains it with pidfd_getfd or, failing
 * that, by opening /proc/PID/fd/N, and checks that what we got is still that
 * memfd. Errors: EXIT_PERMISSION, EXIT_NO_STATE, EXIT_VANISHED.
 */
bool proc_open_state(ProcTarget *t, ProcState *out, GError **errp);

/* --fd N (fd >= 0) or --fd alone (fd < 0: $QEMU_CPR_EXEC_STATE). The fd must
 * be a regular file or memfd (pread). Errors: EXIT_NO_STATE, EXIT_INPUT. */
bool proc_inherited_state(int fd, ProcState *out, GError **errp);

void proc_state_clear(ProcState *s);

/* Our fd is a regular file whose /proc/self/fd link is "/memfd:NAME ...":
 * the check run after obtaining the state fd (the target may have swapped
 * the number for a FIFO or a device). Errors: EXIT_NO_STATE. */
bool proc_check_memfd(int fd, const char *name, const char *label,
                      GError **errp);

/* Whether the target holds a state memfd: 1 yes, 0 no, -1 cannot tell
 * (permission, exited). Reads fd links only. */
int proc_has_state(const ProcTarget *t);
/* Its comm or an argv word is qemu-system-*: a QEMU (maybe behind a loader). */
bool proc_looks_like_qemu(const ProcTarget *t);

/* Human words for a file type: "a FIFO", "a character device", ... */
const char *proc_file_type(mode_t mode);

#endif
