/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CPRDUMP_RENDER_JOIN_H
#define CPRDUMP_RENDER_JOIN_H

#include "render/out.h"
#include "check/ramjoin.h"

/* The "ram-join" object / the human join table and verdict lines. */
void render_join(Out *o, const RamJoin *j);

#endif
