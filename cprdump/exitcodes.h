/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Exit codes: documented in README.md, --help and cprdump.1. Keep in step. */
#ifndef CPRDUMP_EXITCODES_H
#define CPRDUMP_EXITCODES_H

enum {
    EXIT_OK = 0,
    EXIT_CHECK = 1,        /* --check: a verdict other than ok */
    EXIT_USAGE = 2,        /* bad options or arguments */
    EXIT_INPUT = 3,        /* input cannot be read: missing, directory, device,
                              I/O error, corrupt zstd */
    EXIT_FORMAT = 4,       /* not a known format, or unsupported version */
    EXIT_MALFORMED = 5,    /* truncated or invalid data; partial result shown */
    EXIT_NO_PROCESS = 6,   /* --pid: no such process */
    EXIT_PERMISSION = 7,   /* --pid/--fd: permission denied */
    EXIT_NO_STATE = 8,     /* --pid/--fd: no CPR state memfd there */
    EXIT_VANISHED = 9,     /* --pid: the process exited while being read */
    EXIT_CANNOT_TELL = 10, /* --against: cannot tell whether it loads */
    EXIT_OUTPUT = 11,      /* --extract-ram: the output cannot be written
                              (directory, a file in it, write error) */
};

#endif
