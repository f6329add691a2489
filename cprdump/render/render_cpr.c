/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "render/render_cpr.h"

#include <glib.h>
#include <string.h>

#include "render/columns.h"
#include "render/table.h"

/* The ctx of the fd table's getters. */
typedef struct FdCtx {
    const CprState *st;
    const LiveCheck *live;   /* NULL unless --pid/--fd */
} FdCtx;

static guint fd_index(const void *row, const FdCtx *fc)
{
    return (guint)((const CprFd *)row - &g_array_index(fc->st->fds, CprFd, 0));
}

static void col_index(const void *row, const void *ctx, Cell *c)
{
    cell_int(c, fd_index(row, ctx));
}

static void col_offset(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_int(c, (int64_t)((const CprFd *)row)->offset);
}

static void col_name(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, ((const CprFd *)row)->name);
}

static void col_id(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_int(c, ((const CprFd *)row)->id);
}

static void col_fd(const void *row, const void *ctx, Cell *c)
{
    const CprFd *fd = row;

    (void)ctx;
    if (fd->has_fd) {
        cell_int(c, fd->fd);
    } else {
        cell_null(c, "SCM_RIGHTS");
    }
}

static void col_kind(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, cpr_kind_name(((const CprFd *)row)->kind.kind));
}

static void col_detail(const void *row, const void *ctx, Cell *c)
{
    const CprFd *fd = row;

    (void)ctx;
    if (fd->kind.id_is_vector) {
        cell_take(c, g_strdup_printf("vector %d", fd->id));
    } else if (fd->kind.id_is_group) {
        cell_take(c, g_strdup_printf("IOMMU group %d", fd->id));
    } else {
        cell_str(c, cpr_kind_title(fd->kind.kind));
    }
}

static void col_vector(const void *row, const void *ctx, Cell *c)
{
    const CprFd *fd = row;

    (void)ctx;
    if (fd->kind.id_is_vector) {
        cell_int(c, fd->id);
    } else {
        cell_null(c, NULL);
    }
}

static void col_rule(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, ((const CprFd *)row)->kind.rule);
}

static void col_fd_offset(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_int(c, (int64_t)((const CprFd *)row)->fd_offset);
}

static void col_namelen(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_int(c, ((const CprFd *)row)->namelen);
}

static const ColDesc fd_cols[] = {
    { "POS", "index", COL_DEC, 1, 0, "position in wire order, from 0",
      col_index },
    { "OFFSET", "offset", COL_HEX, 1, 0, "byte offset of the record",
      col_offset },
    { "NAME", "name", COL_TEXT, 0, 0, "name QEMU saved the fd under",
      col_name },
    { "ID", "id", COL_DEC, 1, 0, "per-subsystem id", col_id },
    { "FD", "fd", COL_DEC, 1, 0, "fd number (cpr-exec); null for "
      "cpr-transfer", col_fd },
    { "KIND", "kind", COL_TEXT, 0, 0, "what the fd is, from its name",
      col_kind },
    { "DETAIL", "detail", COL_TEXT, 0, 0, "vector, group or description",
      col_detail },
    { "VECTOR", "vector", COL_DEC, 0, 1, "interrupt vector", col_vector },
    { "RULE", "kind-rule", COL_TEXT, 0, 1, "naming rule that gave KIND",
      col_rule },
    { "NAMELEN", "namelen", COL_DEC, 0, 1, "namelen field (counts the NUL)",
      col_namelen },
    { "FDOFF", "fd-offset", COL_HEX, 0, 1, "byte offset of the fd field",
      col_fd_offset },
};

const TableDesc table_fds = { "fd records", "CPR state: one row per fd record", fd_cols,
                         G_N_ELEMENTS(fd_cols), 1 };

/* Live columns: what the process has at the record's number. */
static const LiveFd *live_fd(const void *row, const void *ctx)
{
    const FdCtx *fc = ctx;
    guint i = fd_index(row, fc);

    return i < fc->live->fds->len ? &g_array_index(fc->live->fds, LiveFd, i)
                                  : NULL;
}

static void lcol_link(const void *row, const void *ctx, Cell *c)
{
    const LiveFd *lf = live_fd(row, ctx);

    if (lf && lf->open) {
        cell_str(c, lf->link);
    } else {
        cell_null(c, "(not open)");
    }
}

static void lcol_memfd(const void *row, const void *ctx, Cell *c)
{
    const LiveFd *lf = live_fd(row, ctx);

    cell_str(c, lf ? lf->memfd_name : NULL);
}

static void lcol_size(const void *row, const void *ctx, Cell *c)
{
    const LiveFd *lf = live_fd(row, ctx);

    if (lf && lf->has_size) {
        cell_int(c, lf->size);
    } else {
        cell_null(c, NULL);
    }
}

static void lcol_cloexec(const void *row, const void *ctx, Cell *c)
{
    const LiveFd *lf = live_fd(row, ctx);

    if (lf && lf->has_cloexec) {
        cell_bool(c, lf->cloexec);
    } else {
        cell_null(c, NULL);
    }
}

static void lcol_verdict(const void *row, const void *ctx, Cell *c)
{
    const LiveFd *lf = live_fd(row, ctx);

    cell_str(c, lf ? live_verdict_name(lf->verdict) : NULL);
}

static void lcol_reason(const void *row, const void *ctx, Cell *c)
{
    const LiveFd *lf = live_fd(row, ctx);

    cell_str(c, lf ? lf->reason : NULL);
}

static const ColDesc live_cols[] = {
    { "LINK", "link", COL_TEXT, 0, 0, "what the fd number links to in the "
      "live process; null if not open", lcol_link, "live" },
    { "MEMFD", "memfd-name", COL_TEXT, 0, 1, "the memfd's name, if a memfd",
      lcol_memfd, "live" },
    { "SIZE", "size", COL_SIZE, 1, 0, "size of a memfd or file, bytes",
      lcol_size, "live" },
    { "CLOEXEC", "cloexec", COL_TEXT, 0, 0, "close-on-exec flag (fdinfo)",
      lcol_cloexec, "live" },
    { "VERDICT", "verdict", COL_TEXT, 0, 0, "ok, missing or unexpected-kind",
      lcol_verdict, "live" },
    { "REASON", "reason", COL_TEXT, 0, 0, "why the verdict", lcol_reason,
      "live" },
};

const TableDesc table_fds_live = { "fd records (live)", "--pid/--fd: appended to the fd records", live_cols,
                         G_N_ELEMENTS(live_cols), 1 };

static void vcol_name(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, ((const CprVfioDevice *)row)->name);
}

static void vcol_offset(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_int(c, (int64_t)((const CprVfioDevice *)row)->offset);
}

static void vcol_devid(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_int(c, ((const CprVfioDevice *)row)->devid);
}

static void vcol_ioas(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_int(c, ((const CprVfioDevice *)row)->ioas_id);
}

static void vcol_hwpt(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_int(c, ((const CprVfioDevice *)row)->hwpt_id);
}

static const ColDesc vfio_cols[] = {
    { "OFFSET", "offset", COL_HEX, 1, 0, "byte offset of the record",
      vcol_offset },
    { "NAME", "name", COL_TEXT, 0, 0, "VFIO device name", vcol_name },
    { "DEVID", "devid", COL_DEC, 1, 0, "iommufd device id", vcol_devid },
    { "IOAS", "ioas-id", COL_DEC, 1, 0, "IOAS id", vcol_ioas },
    { "HWPT", "hwpt-id", COL_DEC, 1, 0, "HW page table id", vcol_hwpt },
};

const TableDesc table_vfio = { "vfio devices", "CPR state: the vfio subsection's devices", vfio_cols,
                         G_N_ELEMENTS(vfio_cols), 0 };

static char *vfio_summary(const CprState *st)
{
    if (!st->has_vfio) {
        return g_strdup("no subsection (the QEMU 10.0 form)");
    }
    if (st->vfio_body == CPR_VFIO_BODY_EMPTY) {
        return g_strdup_printf("\"%s\" v%u, empty body (QEMU built without "
                               "iommufd)", CPR_VFIO_SUBSECTION,
                               st->vfio_version);
    }
    return g_strdup_printf("\"%s\" v%u, %u device(s)", CPR_VFIO_SUBSECTION,
                           st->vfio_version, st->vfio_devices->len);
}

static void render_vfio(Out *o, const CprState *st)
{
    out_begin(o, "vfio-subsection", st->vfio_devices->len
                                    ? "VFIO devices (iommufd)" : NULL);
    out_bool(o, "present", NULL, st->has_vfio);
    if (st->has_vfio) {
        out_hex(o, "offset", NULL, st->vfio_offset);
        out_int(o, "version", NULL, st->vfio_version);
        out_str(o, "body", NULL,
                st->vfio_body == CPR_VFIO_BODY_EMPTY ? "empty" : "list");
    }
    table_emit(o, "devices", vfio_cols, G_N_ELEMENTS(vfio_cols),
               st->vfio_devices->data, sizeof(CprVfioDevice),
               st->vfio_devices->len, st);
    out_end(o);
}

static void render_header(Out *o, const InputInfo *in, const CprState *st)
{
    g_autofree char *mode = g_strdup_printf("%s (%s)", cpr_mode_name(st->mode),
                                            st->mode_reason ? st->mode_reason
                                                            : "");
    g_autofree char *fmt = g_strdup_printf("QEMU CPR state (QCPR), version %u",
                                           st->version);
    g_autofree char *summary = vfio_summary(st);
    g_autofree char *size = g_strdup_printf("%" G_GUINT64_FORMAT " bytes%s",
                                            st->size,
                                            strcmp(in->compression, "none")
                                            ? " (decompressed)" : "");

    out_str(o, "input", "file", in->label);
    out_str(o, "compression", NULL, in->compression);
    out_str(o, NULL, "format", fmt);
    out_hex(o, "magic", NULL, st->magic);
    out_int(o, "version", NULL, st->version);
    out_str(o, "mode", NULL, cpr_mode_name(st->mode));
    out_str(o, NULL, "mode", mode);
    out_bool(o, "mode-forced", NULL, st->mode_forced);
    out_str(o, "mode-reason", NULL, st->mode_reason);
    out_int(o, "fd-count", "fd records", st->fds->len);
    out_str(o, NULL, "vfio", summary);
    out_int(o, "size", NULL, (int64_t)st->size);
    out_str(o, NULL, "size", size);
}

static void render_live(Out *o, const LiveCheck *lc)
{
    g_autofree char *who = lc->self
        ? g_strdup_printf("this process (pid %d, %s)", (int)lc->pid, lc->comm)
        : g_strdup_printf("pid %d (%s)", (int)lc->pid, lc->comm);
    g_autofree char *line = g_strdup_printf("%s, state fd %d (%s), method "
                                            "%s", who, lc->state_fd,
                                            lc->picked_by,
                                            proc_method_name(lc->method));

    out_str(o, NULL, "live", line);
    out_begin(o, "live", NULL);
    out_int(o, "pid", NULL, lc->pid);
    out_str(o, "comm", NULL, lc->comm);
    out_bool(o, "self", NULL, lc->self);
    out_int(o, "state-fd", NULL, lc->state_fd);
    out_str(o, "state-link", NULL, lc->state_link);
    out_str(o, "picked-by", NULL, lc->picked_by);
    out_str(o, "method", NULL, proc_method_name(lc->method));
    out_bool(o, "cross-check", NULL, lc->possible);
    if (lc->possible) {
        out_null(o, "note", NULL, NULL);
    } else {
        out_str(o, "note", "cross-check", lc->note);
    }
    if (lc->possible) {
        g_autoptr(GString) human = g_string_new(NULL);
        json_object *v = json_object_new_object();

        for (int i = 0; i < LIVE_VERDICT__COUNT; i++) {
            json_object_object_add(v, live_verdict_name(i),
                                   json_object_new_int(lc->counts[i]));
            g_string_append_printf(human, "%s%u %s", i ? ", " : "",
                                   lc->counts[i], live_verdict_name(i));
        }
        out_json(o, "verdicts", v);
        out_str(o, NULL, "verdicts", human->str);
    } else {
        out_null(o, "verdicts", NULL, NULL);
    }
    out_end(o);
}

void render_cpr_state(Out *o, const InputInfo *in, const CprState *st)
{
    render_cpr_state_live(o, in, st, NULL);
}

void render_cpr_state_live(Out *o, const InputInfo *in, const CprState *st,
                           const LiveCheck *live)
{
    FdCtx fc = { st, live && live->possible ? live : NULL };
    g_autofree ColDesc *cols = NULL;
    size_t ncols = G_N_ELEMENTS(fd_cols);

    cols = g_new(ColDesc, G_N_ELEMENTS(fd_cols) + G_N_ELEMENTS(live_cols));
    memcpy(cols, fd_cols, sizeof(fd_cols));
    if (fc.live) {
        memcpy(cols + ncols, live_cols, sizeof(live_cols));
        ncols += G_N_ELEMENTS(live_cols);
    }
    out_begin(o, "cpr-state", NULL);
    render_header(o, in, st);
    if (live) {
        render_live(o, live);
    }
    out_bool(o, "complete", NULL, st->fds_complete);
    if (st->mode == CPR_MODE_TRANSFER) {
        out_line(o, "%-12s %s", "fds", "travelled by SCM_RIGHTS beside these "
                 "bytes (one 0x20 byte each): their numbers are not in the "
                 "state");
    }
    out_line(o, "%s", "");
    table_emit_main(o, "fds", cols, ncols, st->fds->data, sizeof(CprFd),
               st->fds->len, &fc);
    render_vfio(o, st);
    out_end(o);
}
