/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the preflight reads of a process, from /proc alone: its command line,
 * its mappings (smaps: header and VmFlags), and for every fd the readlink and
 * stat() of /proc/PID/fd/N (which follows the link and opens nothing) with the
 * fdinfo flags. The same model is read from a snapshot directory, so that
 * the rules run offline (unit tests, the bench, bug reports):
 *
 *   DIR/cmdline   the bytes of /proc/PID/cmdline (NUL-separated argv)
 *   DIR/smaps     /proc/PID/smaps (or only each header line and VmFlags:)
 *   DIR/fds       one line per fd: "N MODE DEV INODE SIZE FLAGS LINK", tab-
 *                 separated; MODE and FLAGS octal, DEV "major:minor" in hex
 *                 as in maps; "-" for MODE..SIZE when stat() failed
 *   DIR/comm      optional, the process name
 *   DIR/qmp.json  optional, the QMP replies (live/qmp.h, qmp_facts_from_json)
 * scripts/proc-snapshot.py writes one from a live process.
 *
 * GErrors are CPRDUMP_ERROR with the exit code as code.
 */
#ifndef CPRDUMP_PROCSNAP_H
#define CPRDUMP_PROCSNAP_H

#include <glib.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "input/proc.h"

typedef struct SnapFd {
    int fd;
    char *link;
    bool has_stat;
    unsigned mode;            /* st_mode */
    unsigned dev_major, dev_minor;
    uint64_t inode;
    uint64_t size;
    bool has_flags;
    unsigned long flags;      /* fdinfo flags (octal in the file) */
} SnapFd;

typedef struct ProcSnap {
    int pid;                  /* 0 for a snapshot without one */
    char *comm;
    char *label;              /* "pid 1234", or the snapshot directory */
    bool from_dir;
    char **argv;              /* NULL-terminated, may be empty */
    GArray *maps;             /* ProcMap */
    GArray *fds;              /* SnapFd, ascending fd */
    json_object *qmp;         /* DIR/qmp.json, or NULL */
} ProcSnap;

/* Errors: EXIT_PERMISSION (with the ptrace hint), EXIT_VANISHED, EXIT_INPUT. */
ProcSnap *procsnap_read_pid(const ProcTarget *t, GError **errp);
/* Errors: EXIT_INPUT (missing file, bad line: file and line named). */
ProcSnap *procsnap_read_dir(const char *dir, GError **errp);
/* An empty one (fds with their clear function), to be filled. */
ProcSnap *procsnap_new(void);
void procsnap_free(ProcSnap *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProcSnap, procsnap_free)

/* The fd whose stat() is the file mapped (same dev and inode), or NULL. */
const SnapFd *procsnap_fd_for(const ProcSnap *s, unsigned dev_major,
                              unsigned dev_minor, uint64_t inode);

/* Pure: parses the text of DIR/fds into SnapFds (appended to fds). */
bool procsnap_parse_fds(const char *text, GArray *fds, const char *label,
                        GError **errp);
/* Pure: splits NUL-separated cmdline bytes. */
char **procsnap_split_cmdline(const char *buf, gsize len);

#endif
