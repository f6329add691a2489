/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The result of --diff: per group one table of PATH, A, B, KIND (one JSON
 * "changes" list), then the counts. */
#ifndef CPRDUMP_RENDER_DIFF_H
#define CPRDUMP_RENDER_DIFF_H

#include "check/diff.h"
#include "render/out.h"

void render_diff_changes(Out *o, const DiffResult *r);
void render_diff_summary(Out *o, const DiffResult *r);

#endif
