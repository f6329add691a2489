/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "input/load.h"

#include "check/join_facts.h"
#include "check/preflight.h"

#include <stdio.h>
#include <string.h>

#include "capture/capture_read.h"
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
                  "state) nor QEVM (migration stream)%s%s", head[0], head[1],
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

    StreamOpts o = { .keep_bodies = device_view_active(&s->devices) };

    input_source(l->in, &src);
    l->devices = &s->devices;
    stream_decode_opts(&src, &o, &l->stream, &l->err);
    if (l->err.code == FMT_ERR_IO && input_error(l->in)) {
        return fail_gerror(s, l, input_error(l->in));
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
    case FMT_KIND_STREAM:
        return load_stream(s, l, head, n);
    default:
        return load_state(s, l, head, n);
    }
}

bool load_input(Session *s, Input *in, Loaded *l)
{
    l->in = in;
    return load_payload(s, l, 0);
}

void loaded_clear(Loaded *l)
{
    json_object_put(l->provenance);
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
