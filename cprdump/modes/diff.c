/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cprdump --diff A B: both inputs decoded as usual (what decoded before an
 * error still counts), turned into facts (check/diff_cpr.h,
 * check/diff_stream.h) and compared (check/diff.h). A stream is read twice:
 * once by its decoder, in constant memory, then for the device bodies and
 * the vmdesc alone (input/reread.h). Standard input is spooled to an unlinked
 * temporary file first, so that it can be read twice too.
 */
#define _GNU_SOURCE     /* O_TMPFILE */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check/diff.h"
#include "check/diff_cpr.h"
#include "check/diff_stream.h"
#include "cli_error.h"
#include "exitcodes.h"
#include "input/load.h"
#include "input/reread.h"
#include "modes/modes.h"
#include "render/escape.h"
#include "render/render_diff.h"
#include "render/report.h"

typedef struct Side {
    const char *path;
    int spool_fd;            /* "-": stdin copied here; else -1 */
    Loaded l;
    StreamBytes bytes;
    DiffFacts *facts;
} Side;

static int spool_stdin(GError **errp)
{
    const char *dir = g_get_tmp_dir();
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    char buf[1 << 16];
    ssize_t n;

    if (fd < 0) {
        g_set_error(errp, CPRDUMP_ERROR, EXIT_INPUT, "<stdin>: cannot spool "
                    "to %s: %s", dir, g_strerror(errno));
        return -1;
    }
    while ((n = read(STDIN_FILENO, buf, sizeof(buf))) != 0) {
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 || write(fd, buf, (size_t)n) != n) {
            g_set_error(errp, CPRDUMP_ERROR, EXIT_INPUT, "<stdin>: %s",
                        g_strerror(errno));
            close(fd);
            return -1;
        }
    }
    return fd;
}

static Input *open_side(Side *sd, GError **errp)
{
    if (sd->spool_fd >= 0) {
        return input_open_fd(sd->spool_fd, false, "<stdin>", errp);
    }
    return input_open_path(sd->path, errp);
}

static bool load_side(Session *s, Side *sd)
{
    g_autoptr(GError) e = NULL;
    Input *in;

    if (!strcmp(sd->path, "-")) {
        sd->spool_fd = spool_stdin(&e);
        if (sd->spool_fd < 0) {
            report_gerror(s->out, e);
            sd->l.rc = e->code;
            return false;
        }
    }
    in = open_side(sd, &e);
    if (!in) {
        report_gerror(s->out, e);
        sd->l.rc = e->code;
        return false;
    }
    sd->l.path = sd->path;
    return load_input(s, in, &sd->l);
}

/* The facts of one side; a stream's bytes are read a second time. */
static int side_facts(Session *s, Side *sd)
{
    g_autoptr(GError) e = NULL;
    Input *in;

    sd->facts = diff_facts_new();
    if (sd->l.state) {
        diff_cpr_facts(sd->l.state, sd->facts);
        return EXIT_OK;
    }
    g_autoptr(GArray) ranges = diff_stream_ranges(sd->l.stream);
    in = open_side(sd, &e);
    if (!in || !reread_ranges(in, ranges, &sd->bytes, &e)) {
        report_gerror(s->out, e);
        return e->code;
    }
    diff_stream_facts(sd->l.stream, &sd->bytes, sd->facts);
    return EXIT_OK;
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

    diff_compare(sd[0].facts, sd[1].facts, &o, &r);
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
    Side sd[2] = { { .path = s->files[0], .spool_fd = -1 },
                   { .path = s->files[1], .spool_fd = -1 } };
    int rc = EXIT_OK;

    for (int i = 0; i < 2 && !rc; i++) {
        if (!load_side(s, &sd[i])) {
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
    for (int i = 0; i < 2 && !rc; i++) {
        rc = side_facts(s, &sd[i]);
    }
    if (!rc) {
        rc = compare(s, sd);
    }
    for (int i = 0; i < 2; i++) {
        diff_facts_free(sd[i].facts);
        stream_bytes_clear(&sd[i].bytes);
        loaded_clear(&sd[i].l);
        if (sd[i].spool_fd >= 0) {
            close(sd[i].spool_fd);
        }
    }
    return rc;
}

static bool selects_diff(const Session *s)
{
    return s->diff;
}

const Mode mode_diff = { "diff", selects_diff, run_diff };
