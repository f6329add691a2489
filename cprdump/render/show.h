/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shows a loaded input: a capture's provenance, then the decoded state or
 * stream (what decoded before an error too), then its error line. */
#ifndef CPRDUMP_RENDER_SHOW_H
#define CPRDUMP_RENDER_SHOW_H

#include "input/load.h"
#include "render/out.h"

/* Returns the input's exit code (0, or that of its decode error). */
int show_loaded(Out *o, Loaded *l);

#endif
