/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What --extract-ram, --dump-ram and --find found, for both outputs (one
 * column table per list). The extraction's JSON is also its manifest.
 */
#ifndef CPRDUMP_RENDER_EXTRACT_H
#define CPRDUMP_RENDER_EXTRACT_H

#include <glib.h>

#include "extract/extractor.h"
#include "extract/find.h"
#include "extract/range.h"
#include "render/out.h"
#include "stream.h"

typedef struct ExtractView {
    const char *input;
    const char *directory;
    const StreamModel *m;
    const Extractor *x;
    GArray *channels;         /* ChannelInfo, or NULL */
    bool complete;            /* every record was applied */
} ExtractView;

void render_extract(Out *o, const ExtractView *v);
void render_dump(Out *o, const char *input, const Ranger *g,
                 const StreamModel *m);
void render_find(Out *o, const char *input, const Finder *f, GArray *matches,
                 const StreamModel *m);

#endif
