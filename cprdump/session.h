/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One run of cprdump: the options main.c parsed, the output, and the mode that
 * runs (modes/modes.h). Every mode reads its inputs with input/load.h and shows
 * them with render/show.h.
 */
#ifndef CPRDUMP_SESSION_H
#define CPRDUMP_SESSION_H

#include <stdbool.h>

#include "cpr_state.h"
#include "formats.h"
#include "render/device.h"
#include "render/out.h"

typedef struct Session {
    Out *out;
    char **files;               /* FILE arguments (NULL-terminated) */
    CprMode mode;               /* --mode */
    const FormatDesc *format;   /* --format, or NULL: by magic */
    bool check;                 /* --check */
    const char *save;           /* --save FILE, or NULL */
    bool force;                 /* --force */
    bool keep_pages;            /* --keep-pages: do not redact streams */
    bool show_xml;              /* --show-xml: a libvirt save's domain XML */
    int pid;                    /* --pid, or 0 */
    bool fd_given;              /* --fd */
    int fd;                     /* --fd N, or -1: $QEMU_CPR_EXEC_STATE */
    const char *stream;         /* --stream FILE (with --pid, --fd) */
    char **against;             /* --against DEST..., or NULL */
    bool preflight;             /* --preflight */
    const char *snapshot;       /* --proc-snapshot DIR */
    const char *qmp;            /* --qmp SOCKET */
    bool digest;                /* --digest */
    DeviceView devices;         /* --device PATTERN..., --offsets */
    bool diff;                  /* --diff A B */
    const char *const *ignore;  /* --ignore GLOB..., NULL-terminated */
    bool ignore_volatile;       /* --ignore-volatile */
    const char *extract_dir;    /* --extract-ram DIR */
    char **channels;            /* --channel FILE... (multifd), or NULL */
    const char *dump_ram;       /* --dump-ram BLOCK[@OFFSET[+LENGTH]] */
    const char *find;           /* --find PATTERN */
} Session;

#endif
