/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "render/render_join.h"

#include "render/escape.h"
#include "render/render_stream.h"
#include "render/columns.h"
#include "render/table.h"

static const RamJoinRow *jr(const void *row)
{
    return row;
}

static void jc_idstr(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, jr(row)->block->idstr);
}

static void jc_used(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_int(c, (int64_t)jr(row)->block->used_length);
}

static void jc_fd_name(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, jr(row)->fd ? jr(row)->fd->name : NULL);
}

static void jc_fd(const void *row, const void *ctx, Cell *c)
{
    const CprFd *fd = jr(row)->fd;

    (void)ctx;
    if (fd && fd->has_fd) {
        cell_int(c, fd->fd);
    } else {
        cell_null(c, fd ? "SCM_RIGHTS" : NULL);
    }
}

static void jc_match(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, ramjoin_match_name(jr(row)->match));
}

static void jc_verdict(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, ramjoin_verdict_name(jr(row)->verdict));
}

static void jc_reason(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, jr(row)->reason);
}

static void jc_from_maps(const void *row, const void *ctx, Cell *c)
{
    const RamJoin *j = ctx;

    if (j->with_maps) {
        cell_bool(c, jr(row)->from_maps);
    } else {
        cell_null(c, NULL);
    }
}

static void jc_pages(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_json(c, render_ram_pages_json(&jr(row)->block->pages));
}

static void jc_fd_size(const void *row, const void *ctx, Cell *c)
{
    const RamJoinRow *r = jr(row);

    (void)ctx;
    if (r->has_fd_size) {
        cell_int(c, (int64_t)r->fd_size);
    } else {
        cell_null(c, NULL);
    }
}

static void jc_size_ok(const void *row, const void *ctx, Cell *c)
{
    const RamJoinRow *r = jr(row);

    (void)ctx;
    if (r->has_fd_size) {
        cell_str(c, r->fd_size_ok ? "ok" : "too-small");
    } else {
        cell_null(c, NULL);
    }
}

static const ColDesc join_cols[] = {
    { "IDSTR", "idstr", COL_TEXT, 0, 0, "RAM block (stream)", jc_idstr },
    { "USED", "used-length", COL_SIZE, 1, 0, "used_length", jc_used },
    { "FD-NAME", "fd-name", COL_TEXT, 0, 0, "CPR fd that preserves it",
      jc_fd_name },
    { "FD", "fd", COL_DEC, 1, 0, "fd number (cpr-exec)", jc_fd },
    { "MATCH", "match", COL_TEXT, 0, 0, "exact or suffix after the last '/'",
      jc_match },
    { "VERDICT", "verdict", COL_TEXT, 0, 0, "what a live update does with "
      "the memory", jc_verdict },
    { "MAPS", "from-maps", COL_TEXT, 0, 1, "decided by the process's "
      "mappings or command line (see facts)", jc_from_maps },
    { "REASON", "reason", COL_TEXT, 0, 1, "why", jc_reason },
    { "PAGES", "pages", COL_TEXT, 0, 1, "page records of the block",
      jc_pages },
    { "FDSIZE", "fd-size", COL_SIZE, 1, 0, "live memfd size (--pid, --fd)",
      jc_fd_size },
    { "SIZE-CHECK", "fd-size-check", COL_TEXT, 0, 0, "live memfd holds "
      "used_length", jc_size_ok },
};

const TableDesc table_join = { "ram join", "STATE STREAM: one row per RAM block", join_cols,
                         G_N_ELEMENTS(join_cols), 0 };

static const CprFd *ufd(const void *row)
{
    return *(const CprFd *const *)row;
}

static void uc_name(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, ufd(row)->name);
}

static void uc_id(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_int(c, ufd(row)->id);
}

static void uc_fd(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    if (ufd(row)->has_fd) {
        cell_int(c, ufd(row)->fd);
    } else {
        cell_null(c, "SCM_RIGHTS");
    }
}

static void uc_kind(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, cpr_kind_name(ufd(row)->kind.kind));
}

static const ColDesc unmatched_cols[] = {
    { "NAME", "name", COL_TEXT, 0, 0, "fd name", uc_name },
    { "ID", "id", COL_DEC, 1, 0, "fd id", uc_id },
    { "FD", "fd", COL_DEC, 1, 0, "fd number (cpr-exec)", uc_fd },
    { "KIND", "kind", COL_TEXT, 0, 0, "what the fd is, from its name",
      uc_kind },
};

const TableDesc table_unmatched = { "unmatched fds", "STATE STREAM: fds that preserve no RAM block", unmatched_cols,
                         G_N_ELEMENTS(unmatched_cols), 0 };

/* Human: the same two facts as a second table, so that the main one stays
 * narrow (JSON has them in "blocks"). */
static const ColDesc why_cols[] = {
    { "IDSTR", "idstr", COL_TEXT, 0, 0, "RAM block (stream)", jc_idstr },
    { "VERDICT", "verdict", COL_TEXT, 0, 0, "what a live update does with "
      "the memory", jc_verdict },
    { "MAPS", "from-maps", COL_TEXT, 0, 0, "decided by the process's "
      "mappings or command line (facts)", jc_from_maps },
    { "REASON", "reason", COL_TEXT, 0, 0, "why", jc_reason },
};

const TableDesc table_join_why = { "ram join reasons", "STATE STREAM: why each "
                                   "RAM block has its verdict", why_cols,
                                   G_N_ELEMENTS(why_cols), 0 };

static void render_rows(Out *o, const RamJoin *j)
{
    if (!out_is_json(o)) {
        out_line(o, "\nRAM blocks and the fds that preserve them");
    }
    table_emit(o, "blocks", join_cols, G_N_ELEMENTS(join_cols),
               j->rows->data, sizeof(RamJoinRow), j->rows->len, j);
    if (!out_is_json(o) && j->rows->len) {
        out_line(o, "\nwhy");
        table_emit(o, NULL, why_cols, G_N_ELEMENTS(why_cols), j->rows->data,
                   sizeof(RamJoinRow), j->rows->len, j);
    }
}

void render_join(Out *o, const RamJoin *j)
{
    out_begin(o, "ram-join", NULL);
    render_rows(o, j);
    if (!out_is_json(o) && j->unmatched->len) {
        out_line(o, "\nfds with no RAM block");
    }
    out_int(o, "unmatched-count", NULL, (int64_t)j->unmatched->len);
    table_emit(o, "unmatched-fds", unmatched_cols,
               G_N_ELEMENTS(unmatched_cols), j->unmatched->pdata,
               sizeof(gpointer), j->unmatched->len, j);
    out_line(o, "%s", "");
    out_int(o, "preserved-count", "preserved", (int64_t)j->preserved_count);
    out_int(o, "fd-recorded-count", "fd recorded", (int64_t)j->recorded_count);
    out_int(o, "sent-count", "sent", (int64_t)j->sent_count);
    out_int(o, "lost-count", "lost blocks", (int64_t)j->lost_count);
    out_int(o, "file-backed-count", "file-backed", (int64_t)j->file_backed_count);
    out_int(o, "preserved-by-path-count", "by path", (int64_t)j->by_path_count);
    out_str(o, "facts", "also from", j->facts);
    out_int(o, "too-small-count", "too small", (int64_t)j->short_count);
    out_end(o);
}
