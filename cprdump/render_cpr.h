/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CPRDUMP_RENDER_CPR_H
#define CPRDUMP_RENDER_CPR_H

#include "cpr_state.h"
#include "out.h"

typedef struct InputInfo {
    const char *label;
    int64_t file_size;    /* -1 if unknown */
    bool zstd;
} InputInfo;

/* The "cpr-state" object / the human header block and fd table. */
void render_cpr_state(Out *o, const InputInfo *in, const CprState *st);

#endif
