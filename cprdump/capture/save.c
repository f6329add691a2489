/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "capture/save.h"

#include "capture/capture_write.h"
#include "capture/redact.h"
#include "check/join_facts.h"
#include "cli_error.h"
#include "exitcodes.h"
#include "live/live_json.h"
#include "render/report.h"

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
    /* a libvirt save is captured as the stream inside it */
    json_object *prov = capture_provenance_new(l->libvirt ? "stream"
                                               : l->fmt->name, l->source_kind
                                               ? l->source_kind : "file",
                                               input_label(l->in));
    json_object *source;

    if (l->live && json_object_object_get_ex(prov, "source", &source)) {
        live_provenance_source(source, l->live);
        json_object_object_add(prov, "live", live_check_to_json(l->live));
    }
    join_facts_to_provenance(l, prov);
    return prov;
}

/* --save: the bytes as decoded (a stream with its guest memory zeroed), with
 * the capture's provenance when the input was one, else a new provenance. */
int capture_save(Session *s, Loaded *l)
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
