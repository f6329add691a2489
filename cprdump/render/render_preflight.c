/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "render/render_preflight.h"

#include "render/columns.h"
#include "render/table.h"

static const PfBlock *pb(const void *row)
{
    return *(const PfBlock *const *)row;
}

#define GETTER(fn) static void fn(const void *row, const void *ctx, Cell *c)

GETTER(pc_name)
{
    (void)ctx;
    if (pb(row)->name) {
        cell_str(c, pb(row)->name);
    } else {
        cell_null(c, "?");
    }
}

GETTER(pc_size)
{
    (void)ctx;
    cell_int(c, (int64_t)pb(row)->size);
}

GETTER(pc_used)
{
    (void)ctx;
    if (pb(row)->has_used) {
        cell_int(c, (int64_t)pb(row)->used);
    } else {
        cell_null(c, NULL);
    }
}

GETTER(pc_hva)
{
    (void)ctx;
    cell_int(c, (int64_t)pb(row)->hva);
}

GETTER(pc_ro)
{
    (void)ctx;
    cell_str(c, pb(row)->ro < 0 ? "unknown" : pb(row)->ro ? "ro" : "rw");
}

GETTER(pc_ro_from)
{
    (void)ctx;
    cell_str(c, pb(row)->ro_from);
}

GETTER(pc_map)
{
    (void)ctx;
    cell_str(c, pf_map_name(pb(row)->map));
}

GETTER(pc_path)
{
    (void)ctx;
    cell_str(c, pb(row)->path);
}

GETTER(pc_shared)
{
    (void)ctx;
    if (pb(row)->map == PF_MAP_NONE) {
        cell_null(c, NULL);
    } else {
        cell_str(c, pb(row)->shared ? "shared" : "private");
    }
}

GETTER(pc_fd)
{
    (void)ctx;
    if (pb(row)->fd >= 0) {
        cell_int(c, pb(row)->fd);
    } else {
        cell_null(c, NULL);
    }
}

GETTER(pc_verdict)
{
    (void)ctx;
    cell_str(c, pf_verdict_name(pb(row)->verdict));
}

GETTER(pc_backend)
{
    (void)ctx;
    cell_str(c, pb(row)->backend);
}

GETTER(pc_backend_type)
{
    (void)ctx;
    cell_str(c, pb(row)->backend_type);
}

GETTER(pc_name_from)
{
    (void)ctx;
    cell_str(c, pb(row)->name_from);
}

GETTER(pc_in_stream)
{
    (void)ctx;
    cell_bool(c, pb(row)->in_stream);
}

GETTER(pc_rule)
{
    (void)ctx;
    cell_str(c, pb(row)->rule->id);
}

GETTER(pc_reason)
{
    (void)ctx;
    cell_str(c, pb(row)->reason);
}

GETTER(pc_fix)
{
    (void)ctx;
    cell_str(c, pb(row)->fix);
}

GETTER(pc_digest)
{
    (void)ctx;
    cell_str(c, pb(row)->digest);
}

GETTER(pc_digest_data)
{
    (void)ctx;
    if (pb(row)->digest) {
        cell_int(c, (int64_t)pb(row)->digest_data);
    } else {
        cell_null(c, NULL);
    }
}

/* Every column, in JSON order. The human tables pick from it. */
static const ColDesc pf_cols[] = {
    { "NAME", "name", COL_TEXT, 0, 0, "RAMBlock idstr (null: not known)",
      pc_name },
    { "SIZE", "size", COL_SIZE, 1, 0, "length of the mapping", pc_size },
    { "USED", "used-length", COL_SIZE, 1, 0, "used length (QMP)", pc_used },
    { "RO", "access", COL_TEXT, 0, 0, "ro, rw or unknown", pc_ro },
    { "MAPPING", "mapping", COL_TEXT, 0, 0, "what backs it", pc_map },
    { "PATH", "path", COL_TEXT, 0, 0, "memfd name or file path", pc_path },
    { "SHARED", "sharing", COL_TEXT, 0, 0, "shared or private", pc_shared },
    { "FD", "fd", COL_DEC, 1, 0, "fd that carries it", pc_fd },
    { "VERDICT", "verdict", COL_TEXT, 0, 0, "what cpr-exec does with it",
      pc_verdict },
    { "HVA", "hva", COL_HEX, 1, 0, "host address", pc_hva },
    { "BACKEND", "backend", COL_TEXT, 0, 0, "memory backend id", pc_backend },
    { "TYPE", "backend-type", COL_TEXT, 0, 0, "memory backend type",
      pc_backend_type },
    { "NAMED-BY", "name-from", COL_TEXT, 0, 0, "where the name comes from",
      pc_name_from },
    { "RO-BY", "access-from", COL_TEXT, 0, 0, "where ro/rw comes from",
      pc_ro_from },
    { "IN-STREAM", "in-stream", COL_TEXT, 0, 0, "has an idstr (unused "
      "backends do not)", pc_in_stream },
    { "RULE", "rule", COL_TEXT, 0, 0, "the rule that decided", pc_rule },
    { "REASON", "reason", COL_TEXT, 0, 0, "why", pc_reason },
    { "TO-KEEP-IT", "fix", COL_TEXT, 0, 0, "what keeps a lost block",
      pc_fix },
    { "DIGEST", "digest", COL_TEXT, 0, 0, "--digest: SHA-256 of its non-zero "
      "pages", pc_digest },
    { "DATA", "digest-data-bytes", COL_SIZE, 1, 0, "--digest: bytes in "
      "non-zero pages", pc_digest_data },
};

const TableDesc table_preflight = { "preflight", "--pid on a QEMU with no CPR "
                                    "state, --proc-snapshot: one row per RAM "
                                    "block (the human output shows it as four "
                                    "tables)", pf_cols, G_N_ELEMENTS(pf_cols),
                                    0 };

/* Human tables: indexes into pf_cols. */
static const int human_main[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8 };
static const int human_more[] = { 0, 9, 10, 11, 12, 13, 14, 15 };
static const int human_reason[] = { 0, 16 };
static const int human_fix[] = { 0, 8, 17 };
static const int human_digest[] = { 0, 8, 18, 19 };

static void emit_subset(Out *o, const int *idx, size_t n, GPtrArray *rows)
{
    g_autofree ColDesc *cols = g_new0(ColDesc, n);

    for (size_t i = 0; i < n; i++) {
        cols[i] = pf_cols[idx[i]];
    }
    table_emit(o, NULL, cols, n, rows->pdata, sizeof(gpointer), rows->len,
               NULL);
}

static void source(Out *o, const ProcSnap *snap, const PfReport *r,
                   const char *qmp_socket, const char *qmp_from)
{
    out_begin(o, "source", NULL);
    out_str(o, "kind", NULL, snap->from_dir ? "snapshot" : "pid");
    out_str(o, "label", "process", snap->label);
    if (snap->pid) {
        out_int(o, "pid", NULL, snap->pid);
    } else {
        out_null(o, "pid", NULL, NULL);
    }
    out_str(o, "comm", "comm", snap->comm);
    out_end(o);
    out_str(o, "qmp", "qmp", qmp_from ? qmp_from : NULL);
    if (qmp_socket) {
        out_str(o, "qmp-socket", "qmp socket", qmp_socket);
    } else {
        out_null(o, "qmp-socket", NULL, NULL);
    }
    if (r->aux_ram_share < 0) {
        out_null(o, "aux-ram-share", "aux-ram-share", "unknown");
    } else {
        out_bool(o, "aux-ram-share", "aux-ram-share", r->aux_ram_share);
    }
}

static void counts(Out *o, const PfReport *r)
{
    out_line(o, "%s", "");
    out_int(o, "block-count", "RAM blocks", r->blocks->len);
    out_int(o, "preserved-by-fd-count", "by fd", r->counts[PF_PRESERVED_BY_FD]);
    out_int(o, "preserved-by-path-count", "by path",
            r->counts[PF_PRESERVED_BY_PATH]);
    out_int(o, "lost-count", "lost", r->counts[PF_LOST]);
    out_int(o, "rebuilt-count", "rebuilt", r->counts[PF_REBUILT]);
    out_int(o, "unnamed-count", "unnamed", r->unnamed);
    out_int(o, "state-only-count", "state only", r->state_only);
}

void render_preflight(Out *o, const ProcSnap *snap, const PfReport *r,
                      const char *qmp_socket, const char *qmp_from)
{
    g_autoptr(GPtrArray) all = g_ptr_array_new();
    g_autoptr(GPtrArray) lost = g_ptr_array_new();
    g_autoptr(GPtrArray) state_only = g_ptr_array_new();

    for (guint i = 0; i < r->blocks->len; i++) {
        PfBlock *b = &g_array_index(r->blocks, PfBlock, i);

        g_ptr_array_add(all, b);
        if (b->fix) {
            g_ptr_array_add(lost, b);
        }
        if (!b->in_stream && b->verdict == PF_PRESERVED_BY_FD) {
            g_ptr_array_add(state_only, b);
        }
    }
    out_begin(o, "preflight", NULL);
    out_line(o, "cpr-exec preflight: what a cpr-exec of this QEMU keeps");
    source(o, snap, r, qmp_socket, qmp_from);
    if (out_is_json(o)) {
        table_emit(o, "blocks", pf_cols, G_N_ELEMENTS(pf_cols), all->pdata,
                   sizeof(gpointer), all->len, NULL);
    } else {
        out_line(o, "\nRAM blocks");
        emit_subset(o, human_main, G_N_ELEMENTS(human_main), all);
        out_line(o, "\nhow each was found");
        emit_subset(o, human_more, G_N_ELEMENTS(human_more), all);
        out_line(o, "\nwhy");
        emit_subset(o, human_reason, G_N_ELEMENTS(human_reason), all);
        if (lost->len) {
            out_line(o, "\nto keep the lost blocks, change");
            emit_subset(o, human_fix, G_N_ELEMENTS(human_fix), lost);
        }
        if (r->with_digest) {
            out_line(o, "\ncontents (--digest: compare with the other QEMU)");
            emit_subset(o, human_digest, G_N_ELEMENTS(human_digest), all);
        }
        if (state_only->len) {
            out_line(o, "\ncarried by the CPR state but in no stream "
                     "(unused backends)");
            emit_subset(o, (const int[]){ 0, 1, 7 }, 3, state_only);
        }
    }
    counts(o, r);
    out_end(o);
}
