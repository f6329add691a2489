/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cprdump --diff A B: both inputs decoded as usual, in one pass each (what
 * decoded before an error still counts; a stream keeps its device bodies,
 * never its pages), turned into facts (check/diff_cpr.h,
 * check/diff_stream.h) and compared (check/diff.h); a stream's device
 * fields section by section, each decoded by formats/vmstate.h.
 */
#include <string.h>

#include "check/diff.h"
#include "check/diff_cpr.h"
#include "check/diff_stream.h"
#include "cli_error.h"
#include "exitcodes.h"
#include "input/load.h"
#include "modes/modes.h"
#include "render/escape.h"
#include "render/render_diff.h"
#include "render/report.h"

typedef struct Side {
    const char *path;
    Loaded l;
    DiffFacts *facts;
} Side;

/* The facts of one side, without a stream's device fields. */
static void side_facts(Side *sd)
{
    sd->facts = diff_facts_new();
    if (sd->l.state) {
        diff_cpr_facts(sd->l.state, sd->facts);
    } else {
        diff_stream_facts(sd->l.stream, sd->facts);
    }
}

static const char *kind_name(const Loaded *l)
{
    return l->state ? "cpr-state" : "stream";
}

/* The "a" / "b" object: what the input is, and its decode error. */
static int render_side(Session *s, const char *key, Side *sd)
{
    const char *label = input_label(sd->l.in);
    int rc = EXIT_OK;

    out_begin(s->out, key, NULL);
    out_str(s->out, "input", NULL, label);
    out_str(s->out, "kind", NULL, kind_name(&sd->l));
    out_bool(s->out, "capture", NULL, sd->l.provenance != NULL);
    out_bool(s->out, "complete", NULL, !fmt_error_is_set(&sd->l.err));
    if (!out_is_json(s->out)) {
        g_autofree char *safe = text_escape(label);
        out_line(s->out, "%s   %s (%s%s%s)", key, safe, kind_name(&sd->l),
                 sd->l.provenance ? ", capture" : "",
                 fmt_error_is_set(&sd->l.err) ? ", partly decoded" : "");
    }
    if (fmt_error_is_set(&sd->l.err)) {
        report_fmt_error(s->out, label, &sd->l.err);
        rc = report_exit_code(&sd->l.err);
    }
    out_end(s->out);
    return rc;
}

static void render_opts(Session *s)
{
    json_object *globs = json_object_new_array();

    for (size_t i = 0; s->ignore && s->ignore[i]; i++) {
        json_object_array_add(globs, json_object_new_string(s->ignore[i]));
    }
    out_json(s->out, "ignore", globs);
    out_bool(s->out, "ignore-volatile", NULL, s->ignore_volatile);
}

static int compare(Session *s, Side *sd)
{
    DiffOpts o = { s->ignore, s->ignore_volatile };
    DiffResult r;
    int rc = EXIT_OK;

    diff_run(sd[0].facts, sd[0].l.stream, sd[1].facts, sd[1].l.stream, &o,
             &r);
    out_begin(s->out, "diff", NULL);
    for (int i = 0; i < 2; i++) {
        int ri = render_side(s, i ? "b" : "a", &sd[i]);
        rc = rc ? rc : ri;
    }
    render_opts(s);
    render_diff_changes(s->out, &r);
    render_diff_summary(s->out, &r);
    out_end(s->out);
    if (!rc) {
        rc = r.changes->len ? EXIT_CHECK : EXIT_OK;
    }
    diff_result_clear(&r);
    return rc;
}

static int run_diff(Session *s)
{
    Side sd[2] = { { .path = s->files[0] }, { .path = s->files[1] } };
    int rc = EXIT_OK;

    for (int i = 0; i < 2 && !rc; i++) {
        if (!load_path(s, sd[i].path, &sd[i].l)) {
            rc = sd[i].l.rc;
        }
    }
    if (!rc && !sd[0].l.state != !sd[1].l.state) {
        g_autoptr(GError) e = g_error_new(
            CPRDUMP_ERROR, EXIT_USAGE, "--diff compares two of a kind: %s is "
            "a %s, %s is a %s", input_label(sd[0].l.in), kind_name(&sd[0].l),
            input_label(sd[1].l.in), kind_name(&sd[1].l));
        report_gerror(s->out, e);
        rc = EXIT_USAGE;
    }
    if (!rc) {
        side_facts(&sd[0]);
        side_facts(&sd[1]);
        rc = compare(s, sd);
    }
    for (int i = 0; i < 2; i++) {
        diff_facts_free(sd[i].facts);
        loaded_clear(&sd[i].l);
    }
    return rc;
}

static bool selects_diff(const Session *s)
{
    return s->diff;
}

const Mode mode_diff = { "diff", selects_diff, run_diff };
