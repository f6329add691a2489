/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a cpr-exec does with one RAMBlock, from its host mapping alone
 * (preflight-facts §0.3, measured on QEMU 11.1.3: it never sends RAM pages in
 * cpr-exec, so a block is kept by its fd, kept by its path, or lost):
 *
 *   mapping                         shared   verdict
 *   memfd / POSIX shm, an fd holds  s        preserved-by-fd
 *   memfd (memory-backend-memfd)    p        lost (recorded, private pages)
 *   regular file, not deleted       s        preserved-by-path
 *   regular file                    p        lost
 *   deleted file (-mem-path DIR)    any      lost
 *   anonymous                       p        lost
 * and a lost block that is read-only (a ROM) is not-preserved-rebuilt: the
 * new QEMU rebuilds it from its own firmware files.
 */
#ifndef CPRDUMP_PREFLIGHT_RULES_H
#define CPRDUMP_PREFLIGHT_RULES_H

#include <stdbool.h>

typedef enum PfVerdict {
    PF_PRESERVED_BY_FD,
    PF_PRESERVED_BY_PATH,
    PF_LOST,
    PF_REBUILT,               /* not-preserved-rebuilt */
    PF_VERDICT__COUNT
} PfVerdict;

typedef enum PfMapKind {
    PF_MAP_MEMFD,
    PF_MAP_SHM,               /* /dev/shm/qemu-PID-shm-N (deleted) */
    PF_MAP_FILE,              /* a file that still has its name */
    PF_MAP_DELETED_FILE,      /* e.g. -mem-path DIR's temporary file */
    PF_MAP_ANONYMOUS,
    PF_MAP_NONE,              /* QMP names a block no mapping holds */
    PF_MAP__COUNT
} PfMapKind;

typedef struct PfRule {
    PfMapKind map;
    int shared;               /* 1 's', 0 'p', -1 either */
    int has_fd;               /* 1, 0, -1 either */
    PfVerdict verdict;
    const char *id;           /* short kebab-case rule name (JSON "rule") */
    const char *why;          /* the reason, for humans */
} PfRule;

/* The first rule of the table that fits; never NULL. */
const PfRule *pf_rule_find(PfMapKind map, bool shared, bool has_fd);
/* Read-only blocks that a rule calls lost are rebuilt. */
PfVerdict pf_verdict_for(const PfRule *r, int ro);

const char *pf_verdict_name(PfVerdict v);
const char *pf_map_name(PfMapKind m);

#endif
