/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CPR state decoder. The record layouts are field tables that follow QEMU's
 * vmstate descriptions line by line (migration/cpr.c vmstate_cpr_fd,
 * hw/vfio/cpr-iommufd.c vmstate_cpr_vfio_device); one walker reads them.
 */
#include "cpr_state.h"

#include <string.h>

#include "reader.h"

typedef enum Wire {
    W_NAMELEN,   /* BE u32, length of the next field, counts the NUL */
    W_NAME,      /* namelen raw bytes, NUL-terminated */
    W_S32,
    W_U32,
    W_FD,        /* VMSTATE_FD: BE s32 (cpr-exec) or 0x20 (cpr-transfer) */
} Wire;

typedef struct FieldDesc {
    const char *name;
    Wire wire;
} FieldDesc;

/* migration/cpr.c vmstate_cpr_fd */
static const FieldDesc cpr_fd_fields[] = {
    { "namelen", W_NAMELEN },
    { "name", W_NAME },
    { "id", W_S32 },
    { "fd", W_FD },
    { NULL, 0 },
};

/* hw/vfio/cpr-iommufd.c vmstate_cpr_vfio_device (wire order, not struct) */
static const FieldDesc cpr_vfio_fields[] = {
    { "namelen", W_NAMELEN },
    { "name", W_NAME },
    { "devid", W_S32 },
    { "ioas_id", W_U32 },
    { "hwpt_id", W_U32 },
    { NULL, 0 },
};

#define MAX_FIELDS 8

typedef struct FieldVals {
    uint32_t namelen;
    char *name;
    bool has_fd;
    int64_t v[MAX_FIELDS];
    uint64_t off[MAX_FIELDS];
} FieldVals;

const char *cpr_mode_name(CprMode mode)
{
    switch (mode) {
    case CPR_MODE_EXEC:
        return "cpr-exec";
    case CPR_MODE_TRANSFER:
        return "cpr-transfer";
    case CPR_MODE_NONE:
        return "none";
    default:
        return "auto";
    }
}

int cpr_state_probe(const uint8_t *buf, size_t len)
{
    if (len < 4 || memcmp(buf, "QCPR", 4)) {
        return 0;
    }
    if (len >= 8 && !memcmp(buf + 4, "\0\0\0\1", 4)) {
        return 64;
    }
    return 32;
}

static bool read_name(Rd *rd, const char *field, uint32_t namelen,
                      FieldVals *fv)
{
    uint64_t at = rd_offset(rd);
    const uint8_t *p;

    if (namelen == 0) {
        fmt_error_set(rd->err, FMT_ERR_INVALID, at - 4, rd->record, rd->index,
                      "namelen", "namelen is 0 (QEMU counts the trailing NUL)");
        return false;
    }
    if (!rd_bytes(rd, field, namelen, &p)) {
        return false;
    }
    if (p[namelen - 1] != 0) {
        fmt_error_set(rd->err, FMT_ERR_INVALID, at + namelen - 1, rd->record,
                      rd->index, field,
                      "name of %u bytes does not end with a NUL byte", namelen);
        return false;
    }
    if (memchr(p, 0, namelen) != p + namelen - 1) {
        fmt_error_set(rd->err, FMT_ERR_INVALID,
                      at + (size_t)((const uint8_t *)memchr(p, 0, namelen) - p),
                      rd->record, rd->index, field,
                      "name has a NUL byte before its end");
        return false;
    }
    fv->name = g_strndup((const char *)p, namelen - 1);
    return true;
}

static bool read_fd(Rd *rd, const char *field, CprMode mode, int64_t *v,
                    bool *has_fd)
{
    uint64_t at = rd_offset(rd);
    uint8_t b;
    uint32_t u;

    if (mode == CPR_MODE_EXEC) {
        if (!rd_be32(rd, field, &u)) {
            return false;
        }
        *v = (int32_t)u;
        *has_fd = true;
        return true;
    }
    if (!rd_u8(rd, field, &b)) {
        return false;
    }
    if (b != 0x20) {
        fmt_error_set(rd->err, FMT_ERR_INVALID, at, rd->record, rd->index,
                      field, "byte 0x%02x where cpr-transfer puts its 0x20 "
                      "placeholder", b);
        return false;
    }
    *has_fd = false;
    return true;
}

static bool read_field(Rd *rd, const FieldDesc *f, CprMode mode,
                       FieldVals *fv, size_t i)
{
    uint32_t u;

    fv->off[i] = rd_offset(rd);
    switch (f->wire) {
    case W_NAMELEN:
        if (!rd_be32(rd, f->name, &fv->namelen)) {
            return false;
        }
        fv->v[i] = fv->namelen;
        return true;
    case W_NAME:
        return read_name(rd, f->name, fv->namelen, fv);
    case W_S32:
    case W_U32:
        if (!rd_be32(rd, f->name, &u)) {
            return false;
        }
        fv->v[i] = f->wire == W_S32 ? (int64_t)(int32_t)u : (int64_t)u;
        return true;
    case W_FD:
        return read_fd(rd, f->name, mode, &fv->v[i], &fv->has_fd);
    }
    return false;
}

static bool read_fields(Rd *rd, const FieldDesc *fields, CprMode mode,
                        FieldVals *fv)
{
    memset(fv, 0, sizeof(*fv));
    for (size_t i = 0; fields[i].name; i++) {
        if (!read_field(rd, &fields[i], mode, fv, i)) {
            g_clear_pointer(&fv->name, g_free);
            return false;
        }
    }
    return true;
}

/* QLIST framing: 0x01 before every element, 0x00 after the last. */
static bool read_marker(Rd *rd, bool *more)
{
    uint64_t at = rd_offset(rd);
    uint8_t b;

    if (!rd_u8(rd, "list marker", &b)) {
        return false;
    }
    if (b > 1) {
        fmt_error_set(rd->err, FMT_ERR_INVALID, at, rd->record, rd->index,
                      "list marker", "list marker 0x%02x (expected 0x01 or "
                      "0x00)", b);
        return false;
    }
    *more = b == 1;
    return true;
}

static bool read_fd_list(Rd *rd, CprState *st)
{
    for (int64_t i = 0;; i++) {
        uint64_t at = rd_offset(rd);
        FieldVals fv;
        bool more;

        rd_context(rd, "fd record", i);
        if (!read_marker(rd, &more)) {
            return false;
        }
        if (!more) {
            st->fds_complete = true;
            return true;
        }
        if (!read_fields(rd, cpr_fd_fields, st->mode, &fv)) {
            return false;
        }
        CprFd fd = {
            .offset = at, .name_offset = fv.off[1], .fd_offset = fv.off[3],
            .namelen = fv.namelen, .name = fv.name, .id = (int32_t)fv.v[2],
            .has_fd = fv.has_fd, .fd = (int32_t)fv.v[3],
        };
        g_array_append_val(st->fds, fd);
    }
}

static bool read_vfio_list(Rd *rd, CprState *st)
{
    for (int64_t i = 0;; i++) {
        uint64_t at = rd_offset(rd);
        FieldVals fv;
        bool more;

        rd_context(rd, "vfio device", i);
        if (!read_marker(rd, &more)) {
            return false;
        }
        if (!more) {
            return true;
        }
        if (!read_fields(rd, cpr_vfio_fields, st->mode, &fv)) {
            return false;
        }
        CprVfioDevice dev = {
            .offset = at, .name = fv.name, .devid = (int32_t)fv.v[2],
            .ioas_id = (uint32_t)fv.v[3], .hwpt_id = (uint32_t)fv.v[4],
        };
        g_array_append_val(st->vfio_devices, dev);
    }
}

static bool read_subsection_header(Rd *rd, CprState *st, int64_t index)
{
    const uint8_t *name;
    uint8_t type, len;
    uint64_t at = rd_offset(rd);

    rd_context(rd, "subsection", index);
    if (!rd_u8(rd, "type", &type) || !rd_u8(rd, "name length", &len) ||
        !rd_bytes(rd, "name", len, &name)) {
        return false;
    }
    if (len != strlen(CPR_VFIO_SUBSECTION) ||
        memcmp(name, CPR_VFIO_SUBSECTION, len)) {
        g_autofree char *shown = g_strndup((const char *)name, len);
        g_autofree char *safe = g_strescape(shown, NULL);
        fmt_error_set(rd->err, FMT_ERR_INVALID, at + 2, "subsection", index,
                      "name", "unknown subsection \"%s\" (only \""
                      CPR_VFIO_SUBSECTION "\" is known)", safe);
        return false;
    }
    st->has_vfio = true;
    st->vfio_offset = at;
    at = rd_offset(rd);
    if (!rd_be32(rd, "version", &st->vfio_version)) {
        return false;
    }
    if (st->vfio_version != 1) {
        fmt_error_set(rd->err, FMT_ERR_VERSION, at, "subsection", index,
                      "version",
                      "unsupported " CPR_VFIO_SUBSECTION " version %u "
                      "(only 1 is known)", st->vfio_version);
        return false;
    }
    return true;
}

static bool read_subsections(Rd *rd, CprState *st)
{
    uint8_t b;

    if (!rd_peek_u8(rd, &b)) {
        return true; /* QEMU 10.0 form: no subsection at all */
    }
    if (b != 0x05) {
        fmt_error_set(rd->err, FMT_ERR_TRAILING, rd_offset(rd), "state", -1,
                      "end", "byte 0x%02x after the fd list (expected a "
                      "subsection 0x05 or the end of the data)", b);
        return false;
    }
    if (!read_subsection_header(rd, st, 0)) {
        return false;
    }
    if (rd_at_end(rd)) {
        st->vfio_body = CPR_VFIO_BODY_EMPTY; /* build without iommufd */
        return true;
    }
    st->vfio_body = CPR_VFIO_BODY_LIST;
    if (!read_vfio_list(rd, st)) {
        return false;
    }
    if (rd_peek_u8(rd, &b) && b == 0x05) {
        CprState again = { 0 };
        uint64_t at = rd_offset(rd);

        if (read_subsection_header(rd, &again, 1)) {
            fmt_error_set(rd->err, FMT_ERR_INVALID, at, "subsection", 1,
                          "name", "second \"" CPR_VFIO_SUBSECTION "\" "
                          "subsection");
        }
        return false;
    }
    return true;
}

static bool read_header(Rd *rd, CprState *st)
{
    rd_context(rd, "header", -1);
    if (!rd_be32(rd, "magic", &st->magic)) {
        return false;
    }
    if (st->magic != CPR_STATE_MAGIC) {
        fmt_error_set(rd->err, FMT_ERR_MAGIC, 0, "header", -1, "magic",
                      "magic 0x%08x is not QCPR (0x%08x)", st->magic,
                      CPR_STATE_MAGIC);
        return false;
    }
    if (!rd_be32(rd, "version", &st->version)) {
        return false;
    }
    if (st->version != CPR_STATE_VERSION) {
        fmt_error_set(rd->err, FMT_ERR_VERSION, 4, "header", -1, "version",
                      "unsupported QCPR version %u (only 1 is known)",
                      st->version);
        return false;
    }
    st->header_ok = true;
    return true;
}

static void fd_clear(gpointer p)
{
    g_free(((CprFd *)p)->name);
}

static void vfio_clear(gpointer p)
{
    g_free(((CprVfioDevice *)p)->name);
}

static CprState *state_new(size_t len, CprMode mode)
{
    CprState *st = g_new0(CprState, 1);

    st->size = len;
    st->mode = mode;
    st->fds = g_array_new(FALSE, TRUE, sizeof(CprFd));
    g_array_set_clear_func(st->fds, fd_clear);
    st->vfio_devices = g_array_new(FALSE, TRUE, sizeof(CprVfioDevice));
    g_array_set_clear_func(st->vfio_devices, vfio_clear);
    return st;
}

void cpr_state_free(CprState *st)
{
    if (st) {
        g_array_unref(st->fds);
        g_array_unref(st->vfio_devices);
        g_free(st);
    }
}

static bool is_vfio_device_name(const CprState *st, const char *name)
{
    for (guint i = 0; i < st->vfio_devices->len; i++) {
        if (!strcmp(g_array_index(st->vfio_devices, CprVfioDevice, i).name,
                    name)) {
            return true;
        }
    }
    return false;
}

static void classify_all(CprState *st)
{
    for (guint i = 0; i < st->fds->len; i++) {
        CprFd *fd = &g_array_index(st->fds, CprFd, i);
        fd->kind = cpr_kind_classify(fd->name,
                                     is_vfio_device_name(st, fd->name));
    }
}

static bool decode_as(const uint8_t *buf, size_t len, CprMode mode,
                      CprState **out, FmtError *err)
{
    CprState *st = state_new(len, mode);
    Rd rd;
    bool ok;

    memset(err, 0, sizeof(*err));
    rd_init_mem(&rd, buf, len, err);
    ok = read_header(&rd, st) && read_fd_list(&rd, st) &&
         read_subsections(&rd, st);
    if (ok && !rd_at_end(&rd)) {
        fmt_error_set(err, FMT_ERR_TRAILING, rd_offset(&rd), "state", -1,
                      "end", "%zu unexpected bytes after the end of the state",
                      rd_buffered(&rd));
        ok = false;
    }
    st->end_offset = rd_offset(&rd);
    classify_all(st);
    *out = st;
    return ok;
}

static const char *const reason_exec =
    "detected: every fd field is a 4-byte fd number";
static const char *const reason_transfer =
    "detected: every fd field is one 0x20 placeholder byte";

/* Which encoding explains the bytes: the one that decodes the whole state,
 * else the one that got further. */
static bool decode_auto(const uint8_t *buf, size_t len, CprState **out,
                        FmtError *err)
{
    CprState *ex = NULL, *tr = NULL;
    FmtError eex, etr;
    bool okex = decode_as(buf, len, CPR_MODE_EXEC, &ex, &eex);
    bool oktr = decode_as(buf, len, CPR_MODE_TRANSFER, &tr, &etr);
    bool pick_ex;

    if (ex->fds->len == 0 && tr->fds->len == 0 && okex == oktr) {
        ex->mode = CPR_MODE_NONE;
        ex->mode_reason = "no fd record: the fd encoding cannot be told";
        pick_ex = true;
    } else if (okex != oktr) {
        pick_ex = okex;
    } else {
        pick_ex = ex->end_offset >= tr->end_offset;
    }
    *out = pick_ex ? ex : tr;
    *err = pick_ex ? eex : etr;
    cpr_state_free(pick_ex ? tr : ex);
    if (!(*out)->mode_reason) {
        (*out)->mode_reason = (okex || oktr)
            ? (pick_ex ? reason_exec : reason_transfer)
            : (pick_ex ? "guessed: neither encoding decodes the whole state; "
                         "the 4-byte fd number reads further"
                       : "guessed: neither encoding decodes the whole state; "
                         "the 0x20 placeholder reads further");
    }
    return okex || oktr;
}

bool cpr_state_decode(const uint8_t *buf, size_t len, CprMode mode,
                      CprState **out, FmtError *err)
{
    bool ok;

    if (mode == CPR_MODE_AUTO) {
        return decode_auto(buf, len, out, err);
    }
    ok = decode_as(buf, len, mode, out, err);
    (*out)->mode_forced = true;
    (*out)->mode_reason = "forced with --mode";
    return ok;
}
