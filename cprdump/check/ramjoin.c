/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "check/ramjoin.h"

#include <string.h>

#include "check/preflight.h"
#include "cpr_kind.h"
#include "input/qemu_argv.h"

const char *ramjoin_verdict_name(RamVerdict v)
{
    switch (v) {
    case RAM_PRESERVED_BY_FD:
        return "preserved-by-fd";
    case RAM_SENT_AS_PAGES:
        return "sent-as-pages";
    case RAM_FILE_BACKED:
        return "file-backed";
    case RAM_PRESERVED_BY_PATH:
        return "preserved-by-path";
    case RAM_FD_RECORDED:
        return "fd-recorded";
    default:
        return "lost";
    }
}

const char *ramjoin_match_name(RamMatch m)
{
    switch (m) {
    case RAM_MATCH_EXACT:
        return "exact";
    case RAM_MATCH_SUFFIX:
        return "suffix";
    default:
        return NULL;
    }
}

static const char *suffix(const char *s)
{
    const char *slash = strrchr(s, '/');

    return slash ? slash + 1 : s;
}

/* The first fd not taken yet whose name matches idstr in this way. */
static int64_t find_fd(const CprState *st, const bool *taken,
                       const char *idstr, RamMatch how)
{
    for (guint i = 0; i < st->fds->len; i++) {
        const char *name = g_array_index(st->fds, CprFd, i).name;
        if (taken[i]) {
            continue;
        }
        if (how == RAM_MATCH_EXACT ? !strcmp(name, idstr)
                                   : !strcmp(suffix(name), suffix(idstr))) {
            return i;
        }
    }
    return -1;
}

static bool block_sent(const RamBlock *b)
{
    return ram_has_pages(b) || (b->has_mapped && b->mapped.pages_offset);
}

/* A memory backend's idstr is its object id or "/objects/<id>"; an id starts
 * with a letter and has only letters, digits, '-', '.' and '_' (QEMU's
 * id_wellformed). */
static bool may_be_backend(const char *name)
{
    const char *id = g_str_has_prefix(name, "/objects/") ? name + 9 : name;

    if (!g_ascii_isalpha(*id)) {
        return false;
    }
    for (; *id; id++) {
        if (!g_ascii_isalnum(*id) && !strchr("-._", *id)) {
            return false;
        }
    }
    return true;
}

/* QEMU makes and records a memfd of its own only for shared RAM (ROMs and
 * device RAM with aux-ram-share=on, memory-backend-ram share=on): only a
 * memory-backend-memfd is recorded whatever its share= (preflight-facts §5). */
static bool fd_is_shared_by_qemu(const CprFd *fd)
{
    switch (cpr_kind_classify(fd->name, false).kind) {
    case CPR_KIND_ROM:
    case CPR_KIND_DEVICE_RAM:
    case CPR_KIND_FLASH:
    case CPR_KIND_BOARD_MEMORY:
        return true;
    case CPR_KIND_UNKNOWN:
        return !may_be_backend(fd->name);
    default:
        return false;
    }
}

static void verdict_by_fd(RamJoinRow *r, const CprState *st)
{
    if (st->mode == CPR_MODE_TRANSFER) {
        r->verdict = RAM_PRESERVED_BY_FD;
        r->reason = "an fd in the CPR state carries it (cpr-transfer: QEMU "
                    "refuses the migration while any block is not shared)";
    } else if (fd_is_shared_by_qemu(r->fd)) {
        r->verdict = RAM_PRESERVED_BY_FD;
        r->reason = "an fd in the CPR state carries it: a memfd QEMU made "
                    "itself, which it does only for shared RAM";
    } else {
        r->verdict = RAM_FD_RECORDED;
        r->reason = "an fd in the CPR state carries it if the old QEMU mapped "
                    "it shared; a memory-backend-memfd with share=off is "
                    "recorded too but its data is lost, which a state and a "
                    "stream cannot tell (--pid, --fd or a capture can)";
    }
}

static void verdict(RamJoinRow *r, const CprState *st, const StreamModel *m)
{
    if (r->fd) {
        verdict_by_fd(r, st);
    } else if (block_sent(r->block)) {
        r->verdict = RAM_SENT_AS_PAGES;
        r->reason = "the stream carries its pages";
    } else if (stream_has_cap(m, "x-ignore-shared")) {
        r->verdict = RAM_FILE_BACKED;
        r->reason = "no fd and no page, with x-ignore-shared: kept only if "
                    "the new QEMU maps the same file";
    } else {
        r->verdict = RAM_LOST;
        r->reason = "no fd and no page: lost, unless it is a shared "
                    "memory-backend-file that the new QEMU reopens by path, "
                    "which a state and a stream cannot tell";
    }
}

/* The counts follow the verdicts, after every refinement. */
static void count(RamJoin *j)
{
    uint64_t n[RAM_VERDICT__COUNT] = { 0 };

    for (guint i = 0; i < j->rows->len; i++) {
        n[g_array_index(j->rows, RamJoinRow, i).verdict]++;
    }
    j->preserved_count = n[RAM_PRESERVED_BY_FD];
    j->recorded_count = n[RAM_FD_RECORDED];
    j->sent_count = n[RAM_SENT_AS_PAGES];
    j->lost_count = n[RAM_LOST];
    j->file_backed_count = n[RAM_FILE_BACKED];
    j->by_path_count = n[RAM_PRESERVED_BY_PATH];
}

/* Exact names first over every block, then suffixes, so that a suffix match
 * never takes the fd another block names exactly. */
static void match_all(RamJoin *j, const CprState *st, bool *taken)
{
    static const RamMatch order[] = { RAM_MATCH_EXACT, RAM_MATCH_SUFFIX };

    for (size_t k = 0; k < G_N_ELEMENTS(order); k++) {
        for (guint i = 0; i < j->rows->len; i++) {
            RamJoinRow *r = &g_array_index(j->rows, RamJoinRow, i);
            int64_t f;
            if (r->fd) {
                continue;
            }
            f = find_fd(st, taken, r->block->idstr, order[k]);
            if (f >= 0) {
                taken[f] = true;
                r->fd = &g_array_index(st->fds, CprFd, f);
                r->fd_index = (guint)f;
                r->match = order[k];
            }
        }
    }
}

RamJoin *ramjoin_build(const CprState *st, const StreamModel *m)
{
    RamJoin *j = g_new0(RamJoin, 1);
    g_autofree bool *taken = g_new0(bool, st->fds->len + 1);
    const GArray *blocks = m->ram.blocks;

    j->rows = g_array_new(FALSE, TRUE, sizeof(RamJoinRow));
    j->unmatched = g_ptr_array_new();
    for (guint i = 0; blocks && i < blocks->len; i++) {
        RamJoinRow r = { .block = &g_array_index(blocks, RamBlock, i) };
        g_array_append_val(j->rows, r);
    }
    match_all(j, st, taken);
    for (guint i = 0; i < j->rows->len; i++) {
        RamJoinRow *r = &g_array_index(j->rows, RamJoinRow, i);
        verdict(r, st, m);
    }
    count(j);
    for (guint i = 0; i < st->fds->len; i++) {
        if (!taken[i]) {
            g_ptr_array_add(j->unmatched, &g_array_index(st->fds, CprFd, i));
        }
    }
    return j;
}

void ramjoin_free(RamJoin *j)
{
    if (j) {
        g_array_unref(j->rows);
        g_ptr_array_unref(j->unmatched);
        g_free(j);
    }
}

void ramjoin_set_fd_size(RamJoin *j, guint i, uint64_t fd_size)
{
    RamJoinRow *r = &g_array_index(j->rows, RamJoinRow, i);

    r->has_fd_size = true;
    r->fd_size = fd_size;
    r->fd_size_ok = !r->fd || fd_size >= r->block->used_length;
    j->short_count += !r->fd_size_ok;
}

static const PfBlock *block_by_fd(const PfReport *p, int fd)
{
    for (guint i = 0; i < p->blocks->len; i++) {
        const PfBlock *b = &g_array_index(p->blocks, PfBlock, i);

        if (b->fd == fd && fd >= 0) {
            return b;
        }
    }
    return NULL;
}

static bool recorded(const RamJoinRow *r)
{
    return r->verdict == RAM_PRESERVED_BY_FD || r->verdict == RAM_FD_RECORDED;
}

static void set(RamJoinRow *r, RamVerdict v, const char *reason)
{
    r->verdict = v;
    r->reason = reason;
    r->from_maps = true;
}

static void by_maps(RamJoinRow *r, const PfReport *p)
{
    const PfBlock *b;

    if (recorded(r) && r->fd->has_fd && (b = block_by_fd(p, r->fd->fd))) {
        if (b->verdict == PF_LOST) {
            set(r, RAM_LOST, "recorded in the CPR state, but its memfd is "
                "mapped private (share=off): the guest's writes were in the "
                "old QEMU's private pages");
        } else {
            set(r, RAM_PRESERVED_BY_FD, "an fd in the CPR state carries it, "
                "and the process maps that memfd shared");
        }
    } else if (r->verdict == RAM_LOST &&
               (b = preflight_block(p, r->block->idstr))) {
        if (b->verdict == PF_PRESERVED_BY_PATH) {
            set(r, RAM_PRESERVED_BY_PATH, "no fd and no page, but a shared "
                "file mapping: the data is in the file the new QEMU opened "
                "again");
        } else {
            set(r, RAM_LOST, "no fd and no page, and not a shared file "
                "mapping in the process: lost");
        }
    }
}

void ramjoin_apply_maps(RamJoin *j, const PfReport *p)
{
    j->with_maps = true;
    j->facts = "mappings";
    for (guint i = 0; i < j->rows->len; i++) {
        by_maps(&g_array_index(j->rows, RamJoinRow, i), p);
    }
    count(j);
}

static bool is_memfd_backend(const QBackend *b)
{
    return b && !strcmp(b->type, "memory-backend-memfd");
}

static void by_argv(RamJoinRow *r, const QBackend *b)
{
    if (recorded(r) && is_memfd_backend(b) && !b->share) {
        set(r, RAM_LOST, "recorded in the CPR state, but the QEMU command "
            "line has share=off for this memory-backend-memfd: it is mapped "
            "private, so the guest's writes are not in the memfd");
    } else if (r->verdict == RAM_FD_RECORDED) {
        set(r, RAM_PRESERVED_BY_FD, is_memfd_backend(b)
            ? "an fd in the CPR state carries it, and the QEMU command line "
              "has share=on for this memory-backend-memfd"
            : "an fd in the CPR state carries it, and the QEMU command line "
              "has no memory-backend-memfd for it (the only kind recorded "
              "when private)");
    } else if (r->verdict == RAM_LOST && b &&
               !strcmp(b->type, "memory-backend-file") && b->share) {
        set(r, RAM_PRESERVED_BY_PATH, "no fd and no page, but the QEMU "
            "command line has a memory-backend-file with share=on: the data "
            "is in the file the new QEMU opens again");
    } else if (r->verdict == RAM_LOST && b) {
        set(r, RAM_LOST, "no fd and no page, and the QEMU command line has "
            "no shared file backend for it: lost");
    }
}

void ramjoin_apply_argv(RamJoin *j, const QemuArgv *q)
{
    j->with_maps = true;
    j->facts = "command-line";
    for (guint i = 0; i < j->rows->len; i++) {
        RamJoinRow *r = &g_array_index(j->rows, RamJoinRow, i);

        by_argv(r, qemu_argv_backend(q, r->block->idstr));
    }
    count(j);
}
