/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CPRDUMP_RENDER_AGAINST_H
#define CPRDUMP_RENDER_AGAINST_H

#include "check/against.h"
#include "render/out.h"

/* The "against" object / the human verdict and its tables. */
void render_against(Out *o, const char *stream_label, const Against *a);

#endif
