/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "input/load.h"

#include "check/join_facts.h"
#include "check/preflight.h"

#include <stdio.h>
#include <string.h>

#include "capture/capture_read.h"
#include "cli_error.h"
#include "exitcodes.h"
#include "live/live_json.h"
#include "render/report.h"

static void unknown_format(const uint8_t *head, size_t n, FmtError *err)
{
    const char *foreign = formats_describe_foreign(head, n);
    char shown[5] = "";

    if (n < 4) {
        fmt_error_truncated(err, 0, "header", -1, "magic", 4, n);
        return;
    }
    for (int i = 0; i < 4; i++) {
        shown[i] = g_ascii_isprint(head[i]) ? (char)head[i] : '.';
    }
    fmt_error_set(err, FMT_ERR_MAGIC, 0, "header", -1, "magic",
                  "magic 0x%02x%02x%02x%02x (\"%s\") is neither QCPR (CPR "
                  "state), QEVM (migration stream) nor a libvirt save "
                  "image%s%s", head[0], head[1],
                  head[2], head[3], shown, foreign ? "; this is " : "",
                  foreign ? foreign : "");
}

/* For a forced format that does not match: say what the bytes are. */
static void add_foreign_hint(FmtError *err, const uint8_t *head, size_t n)
{
    const char *foreign = formats_describe_foreign(head, n);
    size_t len = strlen(err->msg);

    if (err->code == FMT_ERR_MAGIC && foreign) {
        snprintf(err->msg + len, sizeof(err->msg) - len, "; this is %s",
                 foreign);
    }
}

static bool fail_gerror(Session *s, Loaded *l, const GError *e)
{
    report_gerror(s->out, e);
    l->rc = e->code;
    return false;
}

static bool fail_fmt(Session *s, Loaded *l)
{
    report_fmt_error(s->out, input_label(l->in), &l->err);
    l->rc = report_exit_code(&l->err);
    return false;
}

static bool load_state(Session *s, Loaded *l, const uint8_t *head, size_t n)
{
    g_autoptr(GError) e = NULL;
    const uint8_t *buf;
    gsize len;

    l->bytes = input_slurp(l->in, INPUT_SLURP_MAX, &e);
    if (!l->bytes) {
        return fail_gerror(s, l, e);
    }
    buf = g_bytes_get_data(l->bytes, &len);
    cpr_state_decode(buf, len, s->mode, &l->state, &l->err);
    add_foreign_hint(&l->err, head, n);
    return true;
}

static bool load_stream(Session *s, Loaded *l, const uint8_t *head, size_t n)
{
    FmtSource src;

    /* --device and --diff decode device fields from the kept bodies */
    StreamOpts o = { .keep_bodies = device_view_active(&s->devices) ||
                                    s->diff };

    input_source(l->in, &src);
    l->devices = &s->devices;
    stream_decode_opts(&src, &o, &l->stream, &l->err);
    if (l->err.code == FMT_ERR_IO && input_error(l->in)) {
        if (!l->stream || !l->stream->header_ok) {
            return fail_gerror(s, l, input_error(l->in));
        }
        /* cut short (a truncated compressed file): show what was decoded */
        l->input_err = g_error_copy(input_error(l->in));
    }
    add_foreign_hint(&l->err, head, n);
    return true;
}

static bool load_payload(Session *s, Loaded *l, int depth);

/* A capture taken from a process shows its saved cross-check again. */
static void restore_live(Loaded *l)
{
    json_object *live;

    if (l->state && json_object_object_get_ex(l->provenance, "live", &live)) {
        l->live = live_check_from_json(live, l->state->fds->len);
    }
    if (l->state) {
        join_facts_from_provenance(l, l->provenance);
    }
}

static bool load_capture(Session *s, Loaded *l, int depth)
{
    if (depth > 0) {
        fmt_error_set(&l->err, FMT_ERR_INVALID, 0, "capture header", -1,
                      "magic", "a capture inside a capture");
        return fail_fmt(s, l);
    }
    l->provenance = capture_read_header(l->in, &l->err);
    if (!l->provenance) {
        return fail_fmt(s, l);
    }
    if (!load_payload(s, l, depth + 1)) {
        return false;
    }
    restore_live(l);
    return true;
}

static const Codec libvirt_codecs[LIBVIRT_COMP_COUNT] = {
    [LIBVIRT_COMP_RAW] = CODEC_NONE, [LIBVIRT_COMP_GZIP] = CODEC_GZIP,
    [LIBVIRT_COMP_BZIP2] = CODEC_BZIP2, [LIBVIRT_COMP_XZ] = CODEC_XZ,
    [LIBVIRT_COMP_LZOP] = CODEC_LZOP, [LIBVIRT_COMP_ZSTD] = CODEC_ZSTD,
};

/* The data area, refused before it is read when the file is too short. */
static bool libvirt_data(Loaded *l, LibvirtSave *h)
{
    int64_t size = input_file_size(l->in);
    g_autofree uint8_t *data = NULL;
    size_t got;

    if (size >= 0 && !strcmp(input_compression(l->in), "none") &&
        h->payload_offset > (uint64_t)size) {
        fmt_error_truncated(&l->err, LIBVIRT_SAVE_HEADER_LEN, "libvirt data",
                            -1, "data area", h->data_len,
                            (uint64_t)size - LIBVIRT_SAVE_HEADER_LEN);
        return false;
    }
    data = g_malloc(h->data_len);
    input_read_exact(l->in, data, h->data_len, &got);
    return !input_error(l->in) &&
           libvirt_save_decode_data(data, got, h, &l->err);
}

/* The payload: decompressed as the header says, then a migration stream. */
static bool libvirt_payload(Session *s, Loaded *l, LibvirtSave *h)
{
    g_autoptr(GError) e = NULL;
    const uint8_t *head;
    size_t n;

    if (h->compression == LIBVIRT_COMP_SPARSE) {
        fmt_error_set(&l->err, FMT_ERR_VERSION, 28, "libvirt header", -1,
                      "compression", "the sparse (mapped-ram) layout of "
                      "libvirt 11 is not decoded by cprdump");
        return true;
    }
    if (libvirt_codecs[h->compression] != CODEC_NONE &&
        !input_push_codec(l->in, libvirt_codecs[h->compression], &e)) {
        return fail_gerror(s, l, e);
    }
    n = input_peek(l->in, &head, FORMATS_PROBE_BYTES);
    if (input_error(l->in)) {
        l->input_err = g_error_copy(input_error(l->in));
        return true;
    }
    if (n < 4) {
        fmt_error_truncated(&l->err, 0, "libvirt payload", -1, "magic", 4, n);
        return true;
    }
    if (!stream_probe(head, n)) {
        fmt_error_set(&l->err, FMT_ERR_MAGIC, 0, "libvirt payload", -1,
                      "magic", "the %s payload at file offset 0x%"
                      G_GINT64_MODIFIER "x is not a QEMU migration stream "
                      "(QEVM)", libvirt_compression_name(h->compression),
                      h->payload_offset);
        return true;
    }
    return load_stream(s, l, head, n);
}

static bool load_libvirt(Session *s, Loaded *l)
{
    uint8_t hdr[LIBVIRT_SAVE_HEADER_LEN];
    size_t got;

    l->libvirt = g_new0(LibvirtSave, 1);
    input_read_exact(l->in, hdr, sizeof(hdr), &got);
    if (input_error(l->in)) {
        return fail_gerror(s, l, input_error(l->in));
    }
    if (!libvirt_save_decode_header(hdr, got, l->libvirt, &l->err)) {
        /* no version: nothing to show */
        return l->libvirt->version ? true : fail_fmt(s, l);
    }
    if (!libvirt_data(l, l->libvirt)) {
        if (input_error(l->in)) {
            return fail_gerror(s, l, input_error(l->in));
        }
        return true;
    }
    return libvirt_payload(s, l, l->libvirt);
}

static bool load_payload(Session *s, Loaded *l, int depth)
{
    const uint8_t *head;
    size_t n = input_peek(l->in, &head, FORMATS_PROBE_BYTES);

    if (input_error(l->in)) {
        return fail_gerror(s, l, input_error(l->in));
    }
    l->fmt = s->format && depth == 0 ? s->format
                                     : formats_probe(head, n, NULL);
    if (!l->fmt) {
        unknown_format(head, n, &l->err);
        return fail_fmt(s, l);
    }
    switch (l->fmt->kind) {
    case FMT_KIND_CAPTURE:
        return load_capture(s, l, depth);
    case FMT_KIND_LIBVIRT_SAVE:
        return load_libvirt(s, l);
    case FMT_KIND_STREAM:
        return load_stream(s, l, head, n);
    default:
        return load_state(s, l, head, n);
    }
}

bool load_input(Session *s, Input *in, Loaded *l)
{
    l->in = in;
    l->show_xml = s->show_xml;
    return load_payload(s, l, 0);
}

void loaded_clear(Loaded *l)
{
    json_object_put(l->provenance);
    if (l->libvirt) {
        libvirt_save_clear(l->libvirt);
        g_free(l->libvirt);
    }
    g_clear_error(&l->input_err);
    if (l->bytes) {
        g_bytes_unref(l->bytes);
    }
    cpr_state_free(l->state);
    live_check_free(l->live);
    preflight_free(l->maps);
    g_free(l->maps_from);
    g_strfreev(l->qemu_argv);
    g_free(l->argv_from);
    stream_free(l->stream);
    input_free(l->in);
    memset(l, 0, sizeof(*l));
}

/* The libvirt header and data area passed over, the payload's codec pushed. */
static bool open_libvirt_payload(Input *in, const char *path, GError **errp)
{
    uint8_t hdr[LIBVIRT_SAVE_HEADER_LEN];
    g_autofree uint8_t *data = NULL;
    LibvirtSave h;
    FmtError err = { 0 };
    size_t got;
    bool ok = input_read_exact(in, hdr, sizeof(hdr), &got) &&
              libvirt_save_decode_header(hdr, got, &h, &err) &&
              h.compression != LIBVIRT_COMP_SPARSE;

    if (ok) {
        data = g_malloc(h.data_len);
        ok = input_read_exact(in, data, h.data_len, &got);
    }
    if (!ok) {
        g_set_error(errp, CPRDUMP_ERROR, EXIT_MALFORMED, "%s: the stream of "
                    "this libvirt save image cannot be read again (%s)", path,
                    err.msg[0] ? err.msg : "header, data area or layout");
        return false;
    }
    return libvirt_codecs[h.compression] == CODEC_NONE ||
           input_push_codec(in, libvirt_codecs[h.compression], errp);
}

Input *load_open_stream(const char *path, GError **errp)
{
    Input *in = input_open_path(path, errp);
    const uint8_t *head;
    size_t n;

    if (!in) {
        return NULL;
    }
    n = input_peek(in, &head, FORMATS_PROBE_BYTES);
    if (libvirt_save_probe(head, n) && !open_libvirt_payload(in, path, errp)) {
        input_free(in);
        return NULL;
    }
    return in;
}

bool load_path(Session *s, const char *path, Loaded *l)
{
    g_autoptr(GError) e = NULL;
    Input *in = input_open_path(path, &e);

    if (!in) {
        report_gerror(s->out, e);
        l->rc = e->code;
        return false;
    }
    l->path = strcmp(path, "-") ? path : NULL;
    return load_input(s, in, l);
}
