/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /proc/PID/maps and /proc/PID/smaps text -> one ProcMap per mapping. Pure:
 * text in, model out, no I/O. The smaps counters (Size:, Rss:, ...) are
 * skipped; only the header line and VmFlags: are kept, so a snapshot that
 * holds just those two lines per mapping parses the same.
 *
 * Header: "start-end perms offset major:minor inode [pathname]" (proc(5)).
 * A pathname may contain spaces; a deleted file ends in " (deleted)".
 */
#ifndef CPRDUMP_PROCMAPS_H
#define CPRDUMP_PROCMAPS_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct ProcMap {
    uint64_t start, end;      /* [start, end) */
    char perms[5];            /* "rw-s" */
    uint64_t offset;
    unsigned dev_major, dev_minor;
    uint64_t inode;
    char *path;               /* pathname without " (deleted)", or NULL */
    bool deleted;
    bool has_vmflags;         /* smaps: a VmFlags: line was seen */
    char *vmflags;            /* "rd wr sh mr mw me ms dc hg" */
} ProcMap;

/* 'dc' (MADV_DONTFORK) in VmFlags: QEMU's guest RAM (preflight-facts §0.4). */
bool procmap_dontfork(const ProcMap *m);
bool procmap_shared(const ProcMap *m);   /* perms[3] == 's' */
bool procmap_has_flag(const ProcMap *m, const char *flag);

/* Parses maps or smaps text. A malformed header line is an error naming its
 * line number (CPRDUMP_ERROR, EXIT_INPUT); lines that are smaps counters are
 * skipped. Returns a GArray of ProcMap (with clear func). */
GArray *procmaps_parse(const char *text, gsize len, GError **errp);

#endif
