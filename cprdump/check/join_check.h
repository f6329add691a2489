/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A CPR state and a stream given together: both shown, then the RAM join
 * (ramjoin.h) with its table, a warning line per lost or short block, and the
 * --check verdict. */
#ifndef CPRDUMP_CHECK_JOIN_CHECK_H
#define CPRDUMP_CHECK_JOIN_CHECK_H

#include "input/load.h"
#include "session.h"

/* st holds the state, sm the stream; returns the exit code. */
int join_check(Session *s, Loaded *st, Loaded *sm);

#endif
