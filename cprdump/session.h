/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One run of cprdump: every input is loaded (opened, probed, decoded into its
 * model), then shown (rendered, its error reported), then saved (--save), and
 * a CPR state and a stream given together are joined. main.c only parses the
 * options into a Session.
 */
#ifndef CPRDUMP_SESSION_H
#define CPRDUMP_SESSION_H

#include <glib.h>
#include <json-c/json.h>
#include <stdbool.h>

#include "cpr_state.h"
#include "formats.h"
#include "input.h"
#include "livecheck.h"
#include "out.h"
#include "stream.h"

typedef struct Session {
    Out *out;
    CprMode mode;               /* --mode */
    const FormatDesc *format;   /* --format, or NULL: by magic */
    bool check;                 /* --check */
    const char *save;           /* --save FILE, or NULL */
    bool force;                 /* --force */
    bool keep_pages;            /* --keep-pages: do not redact streams */
    int pid;                    /* --pid, or 0 */
    bool fd_given;              /* --fd */
    int fd;                     /* --fd N, or -1: $QEMU_CPR_EXEC_STATE */
    const char *stream;         /* --stream FILE (with --pid, --fd) */
} Session;

typedef struct Loaded {
    Input *in;
    const char *path;           /* as typed, NULL for other sources */
    const FormatDesc *fmt;
    json_object *provenance;    /* when the input was a capture */
    GBytes *bytes;              /* a CPR state's bytes */
    CprState *state;
    StreamModel *stream;
    FmtError err;
    int rc;                     /* exit code of this input alone */
    const char *source_kind;    /* provenance of --save: NULL (file), "pid",
                                   "fd" */
    LiveCheck *live;            /* --pid/--fd: the cross-check, or NULL */
} Loaded;

/* Loads an opened input (takes ownership); false when nothing could be
 * decoded, with l->rc set and the error already reported. */
bool session_load(Session *s, Input *in, Loaded *l);
/* Renders what was loaded and reports its decode error; returns the code. */
int session_show(Session *s, Loaded *l);
void session_loaded_clear(Loaded *l);

/* cprdump FILE, or cprdump STATE STREAM (either order). */
int session_run_paths(Session *s, char **paths);
/* cprdump --pid PID, or --fd [N]: the state of a live process and the
 * cross-check of its fds (livecheck.h). */
int session_run_live(Session *s);

#endif
