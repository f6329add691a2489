/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The join of a CPR state and a migration stream: for every RAM block of the
 * stream, the fd that preserves it (if any) and what a live update does with
 * its memory. Pure logic, no printing: render_join.c shows the result.
 *
 * Matching (formats-facts §2): an fd whose name equals the block's idstr;
 * else an fd whose part after the last '/' equals the idstr's part after the
 * last '/' (device RAM registered without its device, e.g. idstr "vga.vram",
 * fd "0000:00:02.0/vga.vram"). Each fd preserves at most one block.
 *
 * Verdict, first rule that applies:
 *   preserved-by-fd  an fd matched;
 *   sent-as-pages    the stream has page records for the block (or mapped-ram
 *                    page space for it);
 *   file-backed      no fd and no pages, and the stream has x-ignore-shared:
 *                    QEMU skipped it as a shared named file, so the memory
 *                    survives only if the new QEMU maps the same file;
 *   not-preserved    no fd, no pages, no x-ignore-shared: guest memory lost.
 */
#ifndef CPRDUMP_RAMJOIN_H
#define CPRDUMP_RAMJOIN_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "cpr_state.h"
#include "stream.h"

typedef enum RamVerdict {
    RAM_PRESERVED_BY_FD,
    RAM_SENT_AS_PAGES,
    RAM_FILE_BACKED,
    RAM_NOT_PRESERVED,
} RamVerdict;

typedef enum RamMatch {
    RAM_MATCH_NONE,
    RAM_MATCH_EXACT,
    RAM_MATCH_SUFFIX,
} RamMatch;

typedef struct RamJoinRow {
    const RamBlock *block;    /* borrowed from the StreamModel */
    const CprFd *fd;          /* borrowed from the CprState, or NULL */
    guint fd_index;           /* with fd: its index in CprState.fds */
    RamMatch match;
    RamVerdict verdict;
    bool has_fd_size;         /* live state: the memfd's size is known */
    uint64_t fd_size;
    bool fd_size_ok;          /* fd_size >= used_length */
} RamJoinRow;

typedef struct RamJoin {
    GArray *rows;             /* RamJoinRow, stream block order */
    GPtrArray *unmatched;     /* const CprFd *, wire order, no RAM block */
    uint64_t preserved_count; /* RAM_PRESERVED_BY_FD rows */
    uint64_t sent_count;      /* RAM_SENT_AS_PAGES rows */
    uint64_t lost_count;      /* RAM_NOT_PRESERVED rows */
    uint64_t file_backed_count;
    uint64_t short_count;     /* rows whose live memfd is too small */
} RamJoin;

RamJoin *ramjoin_build(const CprState *st, const StreamModel *m);
void ramjoin_free(RamJoin *j);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RamJoin, ramjoin_free)

const char *ramjoin_verdict_name(RamVerdict v);
const char *ramjoin_match_name(RamMatch m);

/* --pid, --fd: records the live size of row i's fd and counts it when it is
 * smaller than the block's used_length. */
void ramjoin_set_fd_size(RamJoin *j, guint i, uint64_t fd_size);

#endif
