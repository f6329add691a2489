/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The modes of operation, one module each, dispatched by main.c (as iproute2's
 * ip dispatches its objects): the first mode whose selects() is true runs.
 */
#ifndef CPRDUMP_MODES_H
#define CPRDUMP_MODES_H

#include <stdbool.h>

#include "session.h"

typedef struct Mode {
    const char *name;
    bool (*selects)(const Session *s);
    int (*run)(Session *s);     /* returns the exit code */
} Mode;

/* cprdump FILE, or STATE STREAM (either order): decode, show, join. */
extern const Mode mode_show;
/* --pid PID / --fd [N]: a live process's state and the fd cross-check. */
extern const Mode mode_live;
/* --against DEST... STREAM: will the stream load into the destination? */
extern const Mode mode_against;
/* --pid PID on a QEMU with no CPR state yet, --preflight, --proc-snapshot DIR:
 * which guest RAM a cpr-exec would keep. */
extern const Mode mode_preflight;

/* --diff A B: what differs between two streams or two CPR states. */
extern const Mode mode_diff;
/* --extract-ram DIR, --dump-ram RANGE, --find PATTERN: guest memory out of
 * a migration stream. */
extern const Mode mode_extract;

#endif
