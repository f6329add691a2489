/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CPRDUMP_RENDER_JOIN_H
#define CPRDUMP_RENDER_JOIN_H

#include "out.h"
#include "ramjoin.h"

/* The "ram-join" object / the human join table and verdict lines. */
void render_join(Out *o, const RamJoin *j);

#endif
