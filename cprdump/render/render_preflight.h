/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The preflight report (check/preflight.h) as tables: human and JSON from one
 * column declaration. */
#ifndef CPRDUMP_RENDER_PREFLIGHT_H
#define CPRDUMP_RENDER_PREFLIGHT_H

#include "check/preflight.h"
#include "input/procsnap.h"
#include "render/out.h"

/* qmp_socket: --qmp, or NULL; qmp_from: "--qmp", "snapshot" or NULL. */
void render_preflight(Out *o, const ProcSnap *snap, const PfReport *r,
                      const char *qmp_socket, const char *qmp_from);

#endif
