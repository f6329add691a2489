/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the RAM join learns beyond the bytes of a state and a stream
 * (ramjoin_apply_maps, ramjoin_apply_argv), where it comes from, and how a
 * capture keeps it:
 *   --pid PID       the process's mappings (a preflight of it) and its
 *                   command line;
 *   --fd            the command line of the nearest ancestor that is a QEMU
 *                   command line (the cpr-exec-command wrapper, which holds
 *                   the new QEMU's argv); cprdump's own mappings hold no
 *                   guest RAM;
 *   a capture       the provenance keys "maps" {from, blocks [name, fd,
 *                   verdict]} and "qemu-cmdline" {from, argv} saved with it.
 */
#ifndef CPRDUMP_CHECK_JOIN_FACTS_H
#define CPRDUMP_CHECK_JOIN_FACTS_H

#include <json-c/json.h>

#include "check/ramjoin.h"
#include "input/load.h"
#include "input/proc.h"

void join_facts_from_pid(Loaded *l, const ProcTarget *t);
void join_facts_from_ancestors(Loaded *l);
void join_facts_from_provenance(Loaded *l, json_object *prov);
void join_facts_to_provenance(const Loaded *l, json_object *prov);
/* The mappings when known, else the command line; returns what was used
 * ("mappings", "command-line") or NULL. */
const char *join_facts_apply(RamJoin *j, const Loaded *st);

#endif
