/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "render_cpr.h"

#include <glib.h>

#include "table.h"

static void col_index(const void *row, const void *ctx, Cell *c)
{
    const CprState *st = ctx;
    cell_int(c, (const CprFd *)row - &g_array_index(st->fds, CprFd, 0));
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
                                            in->zstd ? " (decompressed)" : "");

    out_str(o, "input", "file", in->label);
    out_str(o, "compression", NULL, in->zstd ? "zstd" : "none");
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

void render_cpr_state(Out *o, const InputInfo *in, const CprState *st)
{
    out_begin(o, "cpr-state", NULL);
    render_header(o, in, st);
    out_bool(o, "complete", NULL, st->fds_complete);
    if (st->mode == CPR_MODE_TRANSFER) {
        out_line(o, "%-12s %s", "fds", "travelled by SCM_RIGHTS beside these "
                 "bytes (one 0x20 byte each): their numbers are not in the "
                 "state");
    }
    out_line(o, "%s", "");
    table_emit(o, "fds", fd_cols, G_N_ELEMENTS(fd_cols), st->fds->data,
               sizeof(CprFd), st->fds->len, st);
    render_vfio(o, st);
    out_end(o);
}
