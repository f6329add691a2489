/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "render/show.h"

#include "capture/capture_read.h"
#include "exitcodes.h"
#include "render/render_cpr.h"
#include "render/render_stream.h"
#include "render/report.h"

int show_loaded(Out *o, Loaded *l)
{
    InputInfo info = { input_label(l->in), input_file_size(l->in),
                       input_compression(l->in) };
    bool usable = l->state ? l->state->header_ok : l->stream->header_ok;

    if (l->provenance) {
        render_capture(o, l->provenance);
    }
    if (usable || !fmt_error_is_set(&l->err)) {
        if (l->state) {
            render_cpr_state_live(o, &info, l->state, l->live);
        } else {
            render_stream(o, &info, l->stream);
        }
    }
    if (!fmt_error_is_set(&l->err)) {
        return EXIT_OK;
    }
    report_fmt_error(o, input_label(l->in), &l->err);
    return report_exit_code(&l->err);
}
