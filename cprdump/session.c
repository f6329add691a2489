/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "session.h"

#include <stdio.h>
#include <string.h>

#include "capture_read.h"
#include "capture_write.h"
#include "cli_error.h"
#include "exitcodes.h"
#include "proc.h"
#include "live_json.h"
#include "ramjoin.h"
#include "redact.h"
#include "render_cpr.h"
#include "render_join.h"
#include "render_stream.h"
#include "report.h"

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

    input_source(l->in, &src);
    stream_decode(&src, &l->stream, &l->err);
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

bool session_load(Session *s, Input *in, Loaded *l)
{
    l->in = in;
    return load_payload(s, l, 0);
}

void session_loaded_clear(Loaded *l)
{
    json_object_put(l->provenance);
    if (l->bytes) {
        g_bytes_unref(l->bytes);
    }
    cpr_state_free(l->state);
    live_check_free(l->live);
    stream_free(l->stream);
    input_free(l->in);
    memset(l, 0, sizeof(*l));
}

int session_show(Session *s, Loaded *l)
{
    InputInfo info = { input_label(l->in), input_file_size(l->in),
                       input_is_zstd(l->in) };
    bool usable = l->state ? l->state->header_ok : l->stream->header_ok;

    if (l->provenance) {
        render_capture(s->out, l->provenance);
    }
    if (usable || !fmt_error_is_set(&l->err)) {
        if (l->state) {
            render_cpr_state_live(s->out, &info, l->state, l->live);
        } else {
            render_stream(s->out, &info, l->stream);
        }
    }
    if (!fmt_error_is_set(&l->err)) {
        return EXIT_OK;
    }
    report_fmt_error(s->out, input_label(l->in), &l->err);
    return report_exit_code(&l->err);
}

static bool save_stream(Session *s, Loaded *l, json_object *prov,
                        uint64_t *written, GError **errp)
{
    RedactStats st = { 0 };
    CaptureWriter *w;
    json_object *r = json_object_new_object();

    if (!l->path || l->provenance) {
        json_object_put(r);
        g_set_error(errp, CPRDUMP_ERROR, EXIT_USAGE, "--save of a stream "
                    "needs the stream as a file (it is read twice)");
        return false;
    }
    json_object_object_add(prov, "redacted",
                           json_object_new_boolean(!s->keep_pages));
    w = capture_writer_open(s->save, s->force, prov, CAPTURE_PAYLOAD_TO_END,
                            errp);
    if (!w || !redact_copy(l->path, w, s->keep_pages, &st, errp)) {
        json_object_put(r);
        if (w) {
            capture_writer_abort(w);
        }
        return false;
    }
    json_object_object_add(r, "runs", json_object_new_int64((int64_t)st.runs));
    json_object_object_add(r, "bytes-zeroed", json_u64(st.zeroed));
    out_json(s->out, "redaction", r);
    out_int(s->out, NULL, "redacted", (int64_t)st.zeroed);
    return capture_writer_commit(w, written, errp);
}

static bool save_bytes(Session *s, Loaded *l, json_object *prov,
                       uint64_t *written, GError **errp)
{
    gsize len;
    const uint8_t *buf = g_bytes_get_data(l->bytes, &len);
    CaptureWriter *w = capture_writer_open(s->save, s->force, prov, len,
                                           errp);

    if (!w) {
        return false;
    }
    if (!capture_writer_write(w, buf, len, errp)) {
        capture_writer_abort(w);
        return false;
    }
    return capture_writer_commit(w, written, errp);
}

static json_object *new_provenance(const Loaded *l)
{
    json_object *prov = capture_provenance_new(l->fmt->name, l->source_kind
                                               ? l->source_kind : "file",
                                               input_label(l->in));
    json_object *source;

    if (l->live && json_object_object_get_ex(prov, "source", &source)) {
        live_provenance_source(source, l->live);
        json_object_object_add(prov, "live", live_check_to_json(l->live));
    }
    return prov;
}

/* --save: the bytes as decoded (a stream with its guest memory zeroed), with
 * the capture's provenance when the input was one, else a new provenance. */
static int save(Session *s, Loaded *l)
{
    g_autoptr(GError) e = NULL;
    json_object *prov;
    uint64_t written = 0;
    bool ok;

    if (!l->fmt) {
        return EXIT_OK;  /* nothing was recognised: nothing to save */
    }
    prov = l->provenance ? json_object_get(l->provenance)
                         : new_provenance(l);
    out_begin(s->out, "saved", NULL);
    ok = l->bytes ? save_bytes(s, l, prov, &written, &e)
                  : save_stream(s, l, prov, &written, &e);
    json_object_put(prov);
    if (!ok) {
        out_end(s->out);
        report_gerror(s->out, e);
        return e->code;
    }
    out_str(s->out, "path", "saved", s->save);
    out_int(s->out, "bytes", NULL, (int64_t)written);
    out_end(s->out);
    return EXIT_OK;
}

static bool load_path(Session *s, const char *path, Loaded *l)
{
    g_autoptr(GError) e = NULL;
    Input *in = input_open_path(path, &e);

    if (!in) {
        report_gerror(s->out, e);
        l->rc = e->code;
        return false;
    }
    l->path = strcmp(path, "-") ? path : NULL;
    return session_load(s, in, l);
}

static void warn_blocks(const RamJoin *j, const char *stream_label)
{
    g_autofree char *label = g_strescape(stream_label, NULL);

    for (guint i = 0; i < j->rows->len; i++) {
        const RamJoinRow *r = &g_array_index(j->rows, RamJoinRow, i);
        g_autofree char *id = g_strescape(r->block->idstr, NULL);
        if (r->verdict == RAM_NOT_PRESERVED) {
            fprintf(stderr, "cprdump: %s: RAM block \"%s\" (%" G_GUINT64_FORMAT
                    " bytes) is not preserved: no fd in the CPR state and no "
                    "page in the stream; guest memory is lost\n", label, id,
                    r->block->used_length);
        } else if (r->has_fd_size && !r->fd_size_ok) {
            fprintf(stderr, "cprdump: %s: RAM block \"%s\": its memfd holds "
                    "%" G_GUINT64_FORMAT " bytes, less than used_length %"
                    G_GUINT64_FORMAT "\n", label, id, r->fd_size,
                    r->block->used_length);
        } else if (r->verdict == RAM_FILE_BACKED) {
            fprintf(stderr, "cprdump: warning: %s: RAM block \"%s\" has no fd "
                    "and no page (x-ignore-shared): preserved only if the new "
                    "QEMU maps the same file\n", label, id);
        }
    }
}

/* With a live state: each preserving memfd must hold its block's used_length. */
static void join_live_sizes(RamJoin *j, const LiveCheck *lc)
{
    for (guint i = 0; lc && lc->fds && i < j->rows->len; i++) {
        const RamJoinRow *r = &g_array_index(j->rows, RamJoinRow, i);
        const LiveFd *f = r->fd && r->fd_index < lc->fds->len
                          ? &g_array_index(lc->fds, LiveFd, r->fd_index) : NULL;
        if (f && f->has_size) {
            ramjoin_set_fd_size(j, i, (uint64_t)f->size);
        }
    }
}

static int join(Session *s, Loaded *st, Loaded *sm)
{
    int rc_st = session_show(s, st), rc_sm = session_show(s, sm);
    int rc = rc_st ? rc_st : rc_sm;

    if (st->state->header_ok && sm->stream->header_ok) {
        g_autoptr(RamJoin) j = ramjoin_build(st->state, sm->stream);
        join_live_sizes(j, st->live);
        render_join(s->out, j);
        warn_blocks(j, input_label(sm->in));
        if (rc == EXIT_OK && s->check && (j->lost_count || j->short_count)) {
            rc = EXIT_CHECK;
        }
    }
    return rc;
}

int session_run_paths(Session *s, char **paths)
{
    Loaded l[2] = { { 0 } };
    int n = paths[1] ? 2 : 1;
    int rc = EXIT_OK;

    for (int i = 0; i < n; i++) {
        if (!load_path(s, paths[i], &l[i])) {
            rc = l[i].rc;
            goto out;
        }
    }
    if (n == 1) {
        rc = session_show(s, &l[0]);
    } else if (!!l[0].state == !!l[1].state) {
        fprintf(stderr, "cprdump: expected one CPR state and one migration "
                "stream, got two %ss\n", l[0].fmt->name);
        rc = EXIT_USAGE;
    } else {
        rc = l[0].state ? join(s, &l[0], &l[1]) : join(s, &l[1], &l[0]);
    }
    if (s->save) {
        /* A state that fails to decode is worth a capture too. */
        int rs = save(s, &l[0]);
        rc = rc ? rc : rs;
    }
out:
    session_loaded_clear(&l[0]);
    session_loaded_clear(&l[1]);
    return rc;
}

/*
 * The cross-check, once the state is decoded. On error (the process exited,
 * permission lost) the decoded state is still shown, without its live part,
 * then the error; false with l->rc set.
 */
static bool live_check(Session *s, Loaded *l, const ProcTarget *t,
                       const ProcState *ps)
{
    g_autoptr(GError) e = NULL;

    l->live = live_check_run(l->state, t, ps, &e);
    if (l->live && !proc_target_alive(t)) {
        g_set_error(&e, CPRDUMP_ERROR, EXIT_VANISHED,
                    "pid %d (%s): the process exited while it was being read",
                    (int)t->pid, t->comm);
        g_clear_pointer(&l->live, live_check_free);
    }
    if (!l->live) {
        session_show(s, l);
        report_gerror(s->out, e);
        l->rc = e->code;
        return false;
    }
    return true;
}

/* --check: one line on stderr, exit 1, for any verdict other than ok. */
static int live_check_exit(Session *s, Loaded *l)
{
    const LiveCheck *lc = l->live;

    if (!s->check || !lc || !live_check_problems(lc)) {
        return EXIT_OK;
    }
    fprintf(stderr, "cprdump: %s: check failed: %u missing, %u "
            "unexpected-kind (of %u fd records)\n", input_label(l->in),
            lc->counts[LIVE_MISSING], lc->counts[LIVE_UNEXPECTED_KIND],
            lc->fds->len);
    return EXIT_CHECK;
}

/* --stream FILE with a live state. */
static int join_stream(Session *s, Loaded *l)
{
    Loaded sm = { 0 };
    int rc;

    if (!load_path(s, s->stream, &sm)) {
        rc = sm.rc;
    } else if (!sm.stream) {
        fprintf(stderr, "cprdump: %s: --stream wants a migration stream, "
                "this is a %s\n", s->stream, sm.fmt->name);
        rc = EXIT_USAGE;
    } else {
        rc = join(s, l, &sm);
    }
    session_loaded_clear(&sm);
    return rc;
}

static int run_live(Session *s, ProcTarget *t, ProcState *ps)
{
    g_autoptr(GError) e = NULL;
    Input *in = input_open_fd(ps->fd, false, ps->label, &e);
    Loaded l = { 0 };
    int rc;

    if (!in) {
        report_gerror(s->out, e);
        return e->code;
    }
    l.source_kind = t->self ? "fd" : "pid";
    if (!session_load(s, in, &l)) {
        rc = l.rc;
        goto out;
    }
    if (l.state && l.state->header_ok && !live_check(s, &l, t, ps)) {
        rc = l.rc;
        goto out;
    }
    if (s->stream) {
        rc = join_stream(s, &l);
    } else {
        rc = session_show(s, &l);
    }
    if (rc == EXIT_OK || rc == EXIT_CHECK) {
        int rl = live_check_exit(s, &l);
        rc = rc ? rc : rl;
    }
    if (s->save) {
        int rs = save(s, &l);
        rc = rc ? rc : rs;
    }
out:
    session_loaded_clear(&l);
    return rc;
}

int session_run_live(Session *s)
{
    g_autoptr(GError) e = NULL;
    g_autoptr(ProcTarget) t = NULL;
    ProcState ps;
    int rc;

    if (s->pid) {
        t = proc_target_open(s->pid, &e);
        if (!t) {
            report_gerror(s->out, e);
            return e->code;
        }
        /* Tests and kernels without pidfd_getfd: CPRDUMP_LIVE_METHOD. */
        t->try_getfd = g_strcmp0(g_getenv("CPRDUMP_LIVE_METHOD"),
                                 "proc-open") != 0;
    } else {
        t = proc_target_self();
    }
    if (s->pid ? !proc_open_state(t, &ps, &e)
               : !proc_inherited_state(s->fd, &ps, &e)) {
        proc_state_clear(&ps);
        report_gerror(s->out, e);
        return e->code;
    }
    rc = run_live(s, t, &ps);
    proc_state_clear(&ps);
    return rc;
}
