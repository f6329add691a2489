/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "render/show.h"

#include "capture/capture_read.h"
#include "exitcodes.h"
#include "render/render_cpr.h"
#include "render/render_libvirt.h"
#include "render/render_stream.h"
#include "render/report.h"

/* A libvirt save that decoded to its end may still be unfinished, or carry
 * XML that does not parse: one error line each, after what was shown. */
static int libvirt_verdict(Out *o, Loaded *l)
{
    const LibvirtSave *h = l->libvirt;
    FmtError err = { 0 };

    if (!h) {
        return EXIT_OK;
    }
    if (h->partial) {
        fmt_error_set(&err, FMT_ERR_INVALID, 0, "libvirt header", -1, "magic",
                      "the save never finished (magic LibvirtQemudPart): "
                      "libvirt refuses to restore it");
    } else if (fmt_error_is_set(&h->xml_err)) {
        err = h->xml_err;
    } else {
        return EXIT_OK;
    }
    report_fmt_error(o, input_label(l->in), &err);
    return report_exit_code(&err);
}

int show_loaded(Out *o, Loaded *l)
{
    InputInfo info = { input_label(l->in), input_file_size(l->in),
                       input_compression(l->in) };
    bool usable = l->state ? l->state->header_ok
                           : l->stream && l->stream->header_ok;

    if (l->provenance) {
        render_capture(o, l->provenance);
    }
    if (l->libvirt) {
        render_libvirt(o, input_label(l->in), l->libvirt, l->show_xml);
    }
    if ((l->state || l->stream) && (usable || !fmt_error_is_set(&l->err))) {
        if (l->state) {
            render_cpr_state_live(o, &info, l->state, l->live);
        } else {
            render_stream(o, &info, l->stream, l->devices);
        }
    }
    if (l->input_err) {
        report_gerror(o, l->input_err);
        return l->input_err->code;
    }
    if (!fmt_error_is_set(&l->err)) {
        return libvirt_verdict(o, l);
    }
    report_fmt_error(o, input_label(l->in), &l->err);
    return report_exit_code(&l->err);
}
