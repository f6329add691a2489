/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An input loaded into its model: opened, probed by magic (or --format), a
 * capture or a libvirt save image unwrapped (the save's payload decompressed
 * as its header says), then decoded as a CPR state or a migration stream.
 */
#ifndef CPRDUMP_INPUT_LOAD_H
#define CPRDUMP_INPUT_LOAD_H

#include <glib.h>
#include <json-c/json.h>
#include <stdbool.h>

#include "cpr_state.h"
#include "fmt_error.h"
#include "formats.h"
#include "libvirt_save.h"
#include "input/input.h"
#include "live/livecheck.h"
#include "session.h"
#include "stream.h"

typedef struct Loaded {
    Input *in;
    const char *path;           /* as typed, NULL for other sources */
    const FormatDesc *fmt;
    json_object *provenance;    /* when the input was a capture */
    LibvirtSave *libvirt;       /* when the input was a libvirt save image */
    bool show_xml;              /* --show-xml: print its domain XML */
    GError *input_err;          /* the input failed after a partial decode */
    GBytes *bytes;              /* a CPR state's bytes */
    CprState *state;
    StreamModel *stream;
    FmtError err;
    int rc;                     /* exit code of this input alone */
    const char *source_kind;    /* provenance of --save: NULL (file), "pid",
                                   "fd" */
    LiveCheck *live;            /* --pid/--fd: the cross-check, or NULL */
    /* What tells the join more than the bytes (check/ramjoin.h): the
     * process's mappings (--pid, or a capture of it), else the new QEMU's
     * command line (--pid, --fd: a wrapper's ancestor, or a capture). */
    struct PfReport *maps;
    char *maps_from;            /* "pid 1234", "capture" */
    char **qemu_argv;
    char *argv_from;            /* "pid 1234", "ancestor pid 77", "capture" */
    const DeviceView *devices;  /* --device: the session's, or NULL */
} Loaded;

/* Loads an opened input (takes ownership); false when nothing could be
 * decoded, with l->rc set and the error already reported. */
bool load_input(Session *s, Input *in, Loaded *l);
/* The same for a path ("-": standard input). */
bool load_path(Session *s, const char *path, Loaded *l);
void loaded_clear(Loaded *l);
/* path opened again for its stream alone (--save reads a stream twice): a
 * libvirt save image's header and data area passed over, its payload
 * decompressed; other inputs as input_open_path. */
Input *load_open_stream(const char *path, GError **errp);

#endif
