/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The preflight: for every RAMBlock of a QEMU that has not migrated yet, its
 * host mapping, the fd that will carry it, and what cpr-exec will do with it
 * (check/preflight_rules.h), with the reason and the option that keeps a lost
 * block. Pure: it works on a ProcSnap (and the QMP facts, if any), so it runs
 * the same on a live process and on a snapshot directory.
 *
 * RAMBlocks are the smaps entries with VmFlags 'dc' (QEMU madvises all guest
 * RAM MADV_DONTFORK, preflight-facts §0.4); adjacent pieces of one file are
 * merged. Names (§4.3): a memfd's own name unless it is
 * "memory-backend-memfd"; memory-backend-memfd/-shm memfds are given to those
 * -object entries in command-line order (= ascending fd), the size checked; a
 * file to the backend with that mem-path (or the -mem-path DIR file of
 * pc.ram); an anonymous mapping to a share=off memory-backend-ram of its
 * size, else to the default pc.ram. With QMP facts, `info ramblock` names
 * every block by its HVA, gives its used length and its RO flag.
 */
#ifndef CPRDUMP_PREFLIGHT_H
#define CPRDUMP_PREFLIGHT_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "check/preflight_rules.h"
#include "input/procsnap.h"
#include "input/qemu_argv.h"
#include "live/qmp.h"

typedef struct PfBlock {
    char *name;               /* idstr, or NULL when it cannot be known */
    const char *name_from;    /* "qmp", "memfd-name", "command-line",
                                 "default-ram", "mem-path", NULL */
    uint64_t hva, size;       /* the mapping */
    bool has_used;
    uint64_t used;            /* QMP used length */
    int ro;                   /* 1 read-only, 0 writable, -1 unknown */
    const char *ro_from;      /* "qmp", "name", NULL */
    PfMapKind map;
    char *path;               /* memfd name, file path, or NULL */
    bool shared;
    int fd;                   /* -1: none */
    uint64_t inode;
    char *backend;            /* backend id, or NULL */
    char *backend_type;
    bool cmdline_backend;     /* the backend is an -object of the argv */
    bool in_stream;           /* false: an unused backend (no idstr) */
    const PfRule *rule;
    PfVerdict verdict;
    char *reason;
    char *fix;                /* what keeps a lost block, or NULL */
    char *digest;             /* --digest (live/digest.h), or NULL */
    uint64_t digest_data;     /* bytes of non-zero pages hashed */
} PfBlock;

typedef struct PfReport {
    GArray *blocks;           /* PfBlock, by host address */
    bool with_qmp;
    bool with_digest;         /* --digest was asked for */
    int aux_ram_share;        /* 1, 0, -1 unknown */
    bool is_qemu;             /* the command line is a qemu-system-* */
    unsigned counts[PF_VERDICT__COUNT];
    unsigned unnamed;         /* blocks with no name */
    unsigned state_only;      /* kept by an fd, but in no stream */
} PfReport;

/* qmp may be NULL. */
PfReport *preflight_build(const ProcSnap *snap, const QmpFacts *qmp);
void preflight_free(PfReport *r);
/* An empty report, to be filled (a capture's saved mappings). */
PfReport *preflight_report_new(void);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PfReport, preflight_free)

/* The block named idstr (exact), or NULL. */
const PfBlock *preflight_block(const PfReport *r, const char *idstr);

#endif
