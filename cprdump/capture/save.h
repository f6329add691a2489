/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --save: writes what was loaded as a capture (capture_write.h), a stream with
 * its guest memory zeroed (redact.h) unless --keep-pages. */
#ifndef CPRDUMP_CAPTURE_SAVE_H
#define CPRDUMP_CAPTURE_SAVE_H

#include "input/load.h"
#include "session.h"

/* Returns 0 or the exit code of the failure (already reported). */
int capture_save(Session *s, Loaded *l);

#endif
