/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A migration stream as diff facts (check/diff.h): configuration, framing,
 * RAM blocks and page totals, and per device section its version and the
 * fields its vmdesc entry lists, each with the bytes it has in the body.
 * The bytes come from a StreamBytes: the whole input in memory, or only the
 * ranges the diff needs, re-read from the input after decoding
 * (input/reread.h), so that no page is ever held.
 */
#ifndef CPRDUMP_CHECK_DIFF_STREAM_H
#define CPRDUMP_CHECK_DIFF_STREAM_H

#include <glib.h>

#include "check/diff.h"
#include "input/reread.h"
#include "stream.h"

/* The ranges the diff of m reads: complete device bodies, the vmdesc JSON. */
GArray *diff_stream_ranges(const StreamModel *m);

/* The stream's facts; b may be NULL (layout from the model alone). */
void diff_stream_facts(const StreamModel *m, const StreamBytes *b,
                       DiffFacts *f);

#endif
