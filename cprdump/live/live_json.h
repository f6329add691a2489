/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The live cross-check as plain JSON and back: a capture taken from a process
 * (--pid/--fd --save) keeps it in its provenance ("live"), and reading the
 * capture rebuilds the same LiveCheck, so it is shown exactly as it was live.
 */
#ifndef CPRDUMP_LIVE_JSON_H
#define CPRDUMP_LIVE_JSON_H

#include <json-c/json.h>

#include "live/livecheck.h"

json_object *live_check_to_json(const LiveCheck *lc);
/* NULL when the object does not hold a cross-check of nfds records. */
LiveCheck *live_check_from_json(json_object *o, unsigned nfds);
/* Adds pid, comm, cmdline and the environ entry to a provenance "source". */
void live_provenance_source(json_object *source, const LiveCheck *lc);

#endif
