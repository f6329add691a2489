/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside the preflight (check/preflight.h): naming the RAMBlock mappings from
 * the command line and from QMP (preflight_names.c), and the change that keeps
 * a lost block (preflight_fix.c).
 */
#ifndef CPRDUMP_PREFLIGHT_NAMES_H
#define CPRDUMP_PREFLIGHT_NAMES_H

#include "check/preflight.h"

/* Names from the command line (preflight-facts §4.3). */
void pf_name_by_argv(GArray *blocks, const QemuArgv *q);
/* Names, used lengths and RO from `info ramblock` by HVA (§4.1); blocks QMP
 * lists but no mapping holds are added with mapping "none". */
void pf_name_by_qmp(GArray *blocks, const QmpFacts *f);
/* Backend id and type of a named block, from QMP's memdevs. */
void pf_backend_from_qmp(PfBlock *b, const QmpFacts *f);
/* The option or -object change that keeps lost block b. */
char *pf_fix_for(const PfBlock *b, const PfReport *r);

#endif
