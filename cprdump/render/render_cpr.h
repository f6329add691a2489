/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CPRDUMP_RENDER_CPR_H
#define CPRDUMP_RENDER_CPR_H

#include "cpr_state.h"
#include "live/livecheck.h"
#include "render/out.h"

typedef struct InputInfo {
    const char *label;
    int64_t file_size;    /* -1 if unknown */
    const char *compression;  /* "none", "zstd", "gzip", ... */
} InputInfo;

/* The "cpr-state" object / the human header block and fd table. */
void render_cpr_state(Out *o, const InputInfo *in, const CprState *st);
/* The same with what a live process has at each record's fd number: the
 * "live" object and, when the cross-check is possible, the live columns
 * (JSON: "fds"[i]."live"). live NULL: as render_cpr_state. */
void render_cpr_state_live(Out *o, const InputInfo *in, const CprState *st,
                           const LiveCheck *live);

#endif
