/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A CPR state as diff facts (check/diff.h): header and mode, one fd record
 * per (name, id) with its fd number and kind, the vfio devices. */
#ifndef CPRDUMP_CHECK_DIFF_CPR_H
#define CPRDUMP_CHECK_DIFF_CPR_H

#include "check/diff.h"
#include "cpr_state.h"

void diff_cpr_facts(const CprState *st, DiffFacts *f);

#endif
