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
 *   preserved-by-fd  an fd matched, and it is one QEMU records only for shared
 *                    RAM: a memfd it made itself (ROM, device RAM, flash) or
 *                    any fd of a cpr-transfer state (QEMU blocks cpr-transfer
 *                    while a block is private);
 *   fd-recorded      an fd matched that may be a memory-backend-memfd: kept
 *                    if it was mapped shared, lost with share=off, which the
 *                    bytes cannot tell (preflight-facts §6, config b2);
 *   sent-as-pages    the stream has page records for the block (or mapped-ram
 *                    page space for it);
 *   file-backed      no fd and no pages, and the stream has x-ignore-shared:
 *                    QEMU skipped it as a shared named file, so the memory
 *                    survives only if the new QEMU maps the same file;
 *   lost             no fd, no pages, no x-ignore-shared: guest memory lost,
 *                    unless the block is a shared memory-backend-file (the
 *                    new QEMU reopens it by path), which a state and a stream
 *                    cannot tell (preflight-facts §6).
 * With the process's mappings (ramjoin_apply_maps: --pid on the new QEMU) or
 * its command line (ramjoin_apply_argv: --fd, fd captures), the undecided
 * ones become true (check/preflight_rules.h):
 *   preserved-by-fd   a recorded memfd mapped shared (share=on, or no
 *                     memory-backend-memfd on the command line);
 *   lost              a recorded memfd mapped private (share=off);
 *   preserved-by-path a block with no fd that is a shared file mapping.
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
    RAM_LOST,
    RAM_PRESERVED_BY_PATH,
    RAM_FD_RECORDED,
    RAM_VERDICT__COUNT
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
    const char *reason;       /* static text: why this verdict */
    bool from_maps;           /* decided by the process's mappings or its
                                 command line (RamJoin.facts says which) */
    bool has_fd_size;         /* live state: the memfd's size is known */
    uint64_t fd_size;
    bool fd_size_ok;          /* fd_size >= used_length */
} RamJoinRow;

typedef struct RamJoin {
    GArray *rows;             /* RamJoinRow, stream block order */
    GPtrArray *unmatched;     /* const CprFd *, wire order, no RAM block */
    bool with_maps;           /* ramjoin_apply_maps/argv was run */
    const char *facts;        /* "mappings" or "command-line" */
    uint64_t preserved_count; /* RAM_PRESERVED_BY_FD rows */
    uint64_t recorded_count;  /* RAM_FD_RECORDED rows */
    uint64_t sent_count;      /* RAM_SENT_AS_PAGES rows */
    uint64_t lost_count;      /* RAM_LOST rows */
    uint64_t by_path_count;   /* RAM_PRESERVED_BY_PATH rows */
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

struct PfReport;
/* The process's mappings (a preflight of the new QEMU) correct the verdicts:
 * a recorded fd mapped private is lost, a shared file is preserved-by-path. */
void ramjoin_apply_maps(RamJoin *j, const struct PfReport *maps);

struct QemuArgv;
/* Without mappings, the new QEMU's command line (--fd in a cpr-exec-command
 * wrapper, a capture of it): a recorded memory-backend-memfd with share=off
 * is lost, a memory-backend-file with share=on is preserved-by-path. */
void ramjoin_apply_argv(RamJoin *j, const struct QemuArgv *q);

#endif
