/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Live cross-check: for every fd record of a cpr-exec state, what the live
 * process really has at that number, and a verdict. The model only; printing
 * is in render_cpr.c.
 *
 * Verdicts:
 *   ok               the number is open and is what the record needs
 *   missing          the number is not open: the new QEMU would not find it
 *   unexpected-kind  open, but not what the record needs: a RAM/ROM record
 *                    whose fd is not a memfd (or /dev/shm POSIX shm), a memfd
 *                    whose name does not fit the record (formats-facts §2), a
 *                    VFIO/iommufd record whose fd is not that device/eventfd
 * Records whose name no rule knows are only checked for presence.
 */
#ifndef CPRDUMP_LIVECHECK_H
#define CPRDUMP_LIVECHECK_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cpr_state.h"
#include "input/proc.h"

typedef enum LiveVerdict {
    LIVE_OK,
    LIVE_MISSING,
    LIVE_UNEXPECTED_KIND,
    LIVE_VERDICT__COUNT
} LiveVerdict;

/* "ok", "missing", "unexpected-kind" */
const char *live_verdict_name(LiveVerdict v);

/* The memfd kernel name memory-backend-memfd gives all its memfds. */
#define LIVE_BACKEND_MEMFD_NAME "memory-backend-memfd"
/* memfd_create keeps at most this many bytes of a name (249). */
#define LIVE_MEMFD_NAME_MAX (255 - 6)

typedef struct LiveFd {
    bool open;
    char *link;           /* NULL when not open */
    char *memfd_name;     /* NULL unless a memfd */
    bool has_size;
    int64_t size;         /* regular files (memfds, shm) only */
    bool has_cloexec;
    bool cloexec;         /* fdinfo flags & O_CLOEXEC (02000000) */
    LiveVerdict verdict;
    char *reason;
} LiveFd;

typedef struct LiveCheck {
    pid_t pid;
    char *comm;
    bool self;             /* --fd: the calling process */
    int state_fd;          /* the state's number in the process */
    char *state_link;
    char *picked_by;
    ProcMethod method;
    bool possible;         /* false: the state has no fd numbers */
    const char *note;      /* why not possible; static, or note_owned */
    char *note_owned;      /* rebuilt from a capture */
    GArray *fds;           /* LiveFd, parallel to CprState.fds */
    unsigned counts[LIVE_VERDICT__COUNT];
} LiveCheck;

/* Pure: judges one record against what /proc said about its number. */
void live_judge(const CprFd *rec, const ProcFdInfo *info, LiveFd *out);
void live_fd_clear(LiveFd *lf);

/* Looks at every record's number in t (readlink, stat, fdinfo: nothing is
 * opened). Errors: EXIT_PERMISSION, EXIT_VANISHED, EXIT_INPUT. */
LiveCheck *live_check_run(const CprState *st, const ProcTarget *t,
                          const ProcState *ps, GError **errp);
/* Verdicts other than ok. */
unsigned live_check_problems(const LiveCheck *lc);
void live_check_free(LiveCheck *lc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LiveCheck, live_check_free)

#endif
