/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cprdump: inspect QEMU CPR state (live update) and migration streams.
 */
#include <glib.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cli_error.h"
#include "cpr_state.h"
#include "exitcodes.h"
#include "formats.h"
#include "input.h"
#include "out.h"
#include "ramjoin.h"
#include "render_cpr.h"
#include "render_join.h"
#include "render_stream.h"
#include "report.h"
#include "stream.h"

#ifndef CPRDUMP_VERSION
#define CPRDUMP_VERSION "0.1.0"
#endif

typedef struct Options {
    gboolean json;
    char *output;
    char *mode;
    char *format;
    gboolean version;
    gboolean check;
    char **files;
} Options;

typedef struct Run {
    Out *out;
    CprMode mode;
    const FormatDesc *format;   /* forced with --format, else NULL */
    bool check;                 /* --check: lost guest memory is an error */
} Run;

/* One decoded input of a two-file join. */
typedef struct Loaded {
    Input *in;
    const FormatDesc *fmt;
    CprState *state;
    StreamModel *stream;
    FmtError err;
    int rc;                     /* exit code of this input alone */
} Loaded;

static const char help_description[] =
    "Input kinds: a CPR state (magic QCPR, as QEMU writes it for cpr-exec and\n"
    "cpr-transfer), a migration stream (magic QEVM: sections, commands, RAM\n"
    "blocks and page counts, vmdesc), any of them compressed with zstd\n"
    "(recognised by its magic), or '-' for standard input.\n"
    "\n"
    "Given a CPR state and a stream (in either order), cprdump also joins\n"
    "them: one row per RAM block with the fd that preserves it and a verdict\n"
    "(preserved-by-fd, sent-as-pages, file-backed, not-preserved), and the\n"
    "fds that preserve no RAM block. With --check, a not-preserved block\n"
    "(guest memory a live update would lose) exits with 1.\n"
    "\n"
    "Exit status:\n"
    "  0  success\n"
    "  1  --check found a problem\n"
    "  2  bad options or arguments\n"
    "  3  the input cannot be read (missing, directory, device node, I/O error,\n"
    "     corrupt zstd data)\n"
    "  4  not a known format, or an unsupported version\n"
    "  5  truncated or invalid data (the part decoded so far is still shown)\n"
    "  6  --pid: no such process\n"
    "  7  permission denied\n"
    "  8  --pid/--fd: no CPR state there\n"
    "  9  --pid: the process exited while it was being read\n"
    "\n"
    "Errors are one line on stderr: cprdump: FILE: what, record (counted\n"
    "from 0), offset, field. With --json the same error is also in the\n"
    "document's \"error\" object.\n"
    "\n"
    "Report bugs with the --json output attached.";

static bool parse_options(int *argc, char ***argv, Options *opt,
                          GError **errp)
{
    GOptionEntry entries[] = {
        { "json", 'j', 0, G_OPTION_ARG_NONE, &opt->json,
          "Print one JSON document (same as --output=json)", NULL },
        { "output", 'o', 0, G_OPTION_ARG_STRING, &opt->output,
          "Output format: human (default) or json", "FORMAT" },
        { "mode", 'm', 0, G_OPTION_ARG_STRING, &opt->mode,
          "CPR fd encoding: auto (default), exec or transfer", "MODE" },
        { "format", 'f', 0, G_OPTION_ARG_STRING, &opt->format,
          "Input format: auto (default) or cpr-state", "FORMAT" },
        { "check", 'c', 0, G_OPTION_ARG_NONE, &opt->check,
          "Exit 1 when a RAM block would not be preserved", NULL },
        { "version", 'V', 0, G_OPTION_ARG_NONE, &opt->version,
          "Print the version and exit", NULL },
        { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt->files,
          NULL, "FILE" },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new(
        "FILE [FILE] - decode QEMU CPR state and migration streams");

    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(ctx, help_description);
    return g_option_context_parse(ctx, argc, argv, errp);
}

static bool check_options(const Options *opt, Run *run, OutMode *mode,
                          GError **errp)
{
    *mode = opt->json ? OUT_JSON : OUT_HUMAN;
    if (opt->output && !strcmp(opt->output, "json")) {
        *mode = OUT_JSON;
    } else if (opt->output && strcmp(opt->output, "human")) {
        g_set_error(errp, CPRDUMP_ERROR, EXIT_USAGE,
                    "--output: unknown format '%s' (human or json)",
                    opt->output);
        return false;
    }
    run->mode = CPR_MODE_AUTO;
    if (opt->mode && !strcmp(opt->mode, "exec")) {
        run->mode = CPR_MODE_EXEC;
    } else if (opt->mode && !strcmp(opt->mode, "transfer")) {
        run->mode = CPR_MODE_TRANSFER;
    } else if (opt->mode && strcmp(opt->mode, "auto")) {
        g_set_error(errp, CPRDUMP_ERROR, EXIT_USAGE,
                    "--mode: unknown mode '%s' (auto, exec or transfer)",
                    opt->mode);
        return false;
    }
    if (opt->format && strcmp(opt->format, "auto")) {
        run->format = formats_by_name(opt->format);
        if (!run->format) {
            g_set_error(errp, CPRDUMP_ERROR, EXIT_USAGE,
                        "--format: unknown format '%s'", opt->format);
            return false;
        }
    }
    if (!opt->files || g_strv_length(opt->files) < 1 ||
        g_strv_length(opt->files) > 2) {
        g_set_error(errp, CPRDUMP_ERROR, EXIT_USAGE,
                    "expected one FILE, or a CPR state and a stream "
                    "(see --help)");
        return false;
    }
    run->check = opt->check;
    return true;
}

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

static int run_cpr_state(Run *run, Input *in, const uint8_t *head, size_t n)
{
    g_autoptr(GError) e = NULL;
    g_autoptr(GBytes) bytes = input_slurp(in, INPUT_SLURP_MAX, &e);
    g_autoptr(CprState) st = NULL;
    FmtError err = { 0 };
    gsize len;
    const uint8_t *buf;

    if (!bytes) {
        report_gerror(run->out, e);
        return e->code;
    }
    buf = g_bytes_get_data(bytes, &len);
    cpr_state_decode(buf, len, run->mode, &st, &err);
    InputInfo info = { input_label(in), input_file_size(in),
                       input_is_zstd(in) };
    if (st->header_ok || !fmt_error_is_set(&err)) {
        render_cpr_state(run->out, &info, st);
    }
    if (!fmt_error_is_set(&err)) {
        return EXIT_OK;
    }
    add_foreign_hint(&err, head, n);
    report_fmt_error(run->out, input_label(in), &err);
    return report_exit_code(&err);
}

static int run_stream(Run *run, Input *in, const uint8_t *head, size_t n)
{
    g_autoptr(StreamModel) m = NULL;
    FmtError err = { 0 };
    FmtSource src;

    input_source(in, &src);
    stream_decode(&src, &m, &err);
    if (err.code == FMT_ERR_IO && input_error(in)) {
        report_gerror(run->out, input_error(in));
        return input_error(in)->code;
    }
    InputInfo info = { input_label(in), input_file_size(in),
                       input_is_zstd(in) };
    if (m->header_ok || !fmt_error_is_set(&err)) {
        render_stream(run->out, &info, m);
    }
    if (!fmt_error_is_set(&err)) {
        return EXIT_OK;
    }
    add_foreign_hint(&err, head, n);
    report_fmt_error(run->out, input_label(in), &err);
    return report_exit_code(&err);
}

static int run_path(Run *run, const char *path)
{
    g_autoptr(GError) e = NULL;
    g_autoptr(Input) in = input_open_path(path, &e);
    const FormatDesc *fmt;
    const uint8_t *head;
    FmtError err = { 0 };
    size_t n;

    if (!in) {
        report_gerror(run->out, e);
        return e->code;
    }
    n = input_peek(in, &head, FORMATS_PROBE_BYTES);
    if (input_error(in)) {
        report_gerror(run->out, input_error(in));
        return input_error(in)->code;
    }
    fmt = run->format ? run->format : formats_probe(head, n, NULL);
    if (!fmt) {
        unknown_format(head, n, &err);
        report_fmt_error(run->out, input_label(in), &err);
        return report_exit_code(&err);
    }
    if (fmt->kind == FMT_KIND_STREAM) {
        return run_stream(run, in, head, n);
    }
    return run_cpr_state(run, in, head, n);
}

/* Opens, probes and decodes one input; reports open and probe errors. */
static bool load(Run *run, const char *path, Loaded *l)
{
    g_autoptr(GError) e = NULL;
    const uint8_t *head;
    size_t n;

    l->in = input_open_path(path, &e);
    if (!l->in) {
        report_gerror(run->out, e);
        l->rc = e->code;
        return false;
    }
    n = input_peek(l->in, &head, FORMATS_PROBE_BYTES);
    if (input_error(l->in)) {
        report_gerror(run->out, input_error(l->in));
        l->rc = input_error(l->in)->code;
        return false;
    }
    l->fmt = run->format ? run->format : formats_probe(head, n, NULL);
    if (!l->fmt) {
        unknown_format(head, n, &l->err);
        report_fmt_error(run->out, input_label(l->in), &l->err);
        l->rc = report_exit_code(&l->err);
        return false;
    }
    if (l->fmt->kind == FMT_KIND_STREAM) {
        FmtSource src;
        input_source(l->in, &src);
        stream_decode(&src, &l->stream, &l->err);
        return true;
    }
    g_autoptr(GBytes) bytes = input_slurp(l->in, INPUT_SLURP_MAX, &e);
    if (!bytes) {
        report_gerror(run->out, e);
        l->rc = e->code;
        return false;
    }
    gsize len;
    const uint8_t *buf = g_bytes_get_data(bytes, &len);
    cpr_state_decode(buf, len, run->mode, &l->state, &l->err);
    return true;
}

static void loaded_clear(Loaded *l)
{
    cpr_state_free(l->state);
    stream_free(l->stream);
    input_free(l->in);
}

/* Renders a decoded input and reports its error; returns its exit code. */
static int show(Run *run, Loaded *l)
{
    InputInfo info = { input_label(l->in), input_file_size(l->in),
                       input_is_zstd(l->in) };
    bool usable = l->state ? l->state->header_ok : l->stream->header_ok;

    if (usable || !fmt_error_is_set(&l->err)) {
        if (l->state) {
            render_cpr_state(run->out, &info, l->state);
        } else {
            render_stream(run->out, &info, l->stream);
        }
    }
    if (!fmt_error_is_set(&l->err)) {
        return EXIT_OK;
    }
    report_fmt_error(run->out, input_label(l->in), &l->err);
    return report_exit_code(&l->err);
}

static void warn_blocks(const RamJoin *j, const char *stream_label)
{
    for (guint i = 0; i < j->rows->len; i++) {
        const RamJoinRow *r = &g_array_index(j->rows, RamJoinRow, i);
        g_autofree char *id = g_strescape(r->block->idstr, NULL);
        g_autofree char *label = g_strescape(stream_label, NULL);
        if (r->verdict == RAM_NOT_PRESERVED) {
            fprintf(stderr, "cprdump: %s: RAM block \"%s\" (%" G_GUINT64_FORMAT
                    " bytes) is not preserved: no fd in the CPR state and no "
                    "page in the stream; guest memory is lost\n", label, id,
                    r->block->used_length);
        } else if (r->verdict == RAM_FILE_BACKED) {
            fprintf(stderr, "cprdump: warning: %s: RAM block \"%s\" has no fd "
                    "and no page (x-ignore-shared): preserved only if the new "
                    "QEMU maps the same file\n", label, id);
        }
    }
}

static int run_join(Run *run, char **paths)
{
    Loaded l[2] = { { 0 } };
    int rc = EXIT_OK;

    for (int i = 0; i < 2; i++) {
        if (!load(run, paths[i], &l[i])) {
            rc = l[i].rc;
            goto out;
        }
    }
    if (!!l[0].state == !!l[1].state) {
        fprintf(stderr, "cprdump: expected one CPR state and one migration "
                "stream, got two %ss\n", l[0].fmt->name);
        rc = EXIT_USAGE;
        goto out;
    }
    Loaded *st = l[0].state ? &l[0] : &l[1];
    Loaded *sm = l[0].state ? &l[1] : &l[0];
    int rc_st = show(run, st), rc_sm = show(run, sm);
    rc = rc_st ? rc_st : rc_sm;
    if (st->state->header_ok && sm->stream->header_ok) {
        g_autoptr(RamJoin) j = ramjoin_build(st->state, sm->stream);
        render_join(run->out, j);
        warn_blocks(j, input_label(sm->in));
        if (rc == EXIT_OK && run->check && j->lost_count) {
            rc = EXIT_CHECK;
        }
    }
out:
    loaded_clear(&l[0]);
    loaded_clear(&l[1]);
    return rc;
}

int main(int argc, char **argv)
{
    g_autoptr(GError) e = NULL;
    Options opt = { 0 };
    Run run = { 0 };
    OutMode mode;
    int rc;

    setlocale(LC_ALL, "");
    if (!parse_options(&argc, &argv, &opt, &e)) {
        fprintf(stderr, "cprdump: %s\n", e->message);
        return EXIT_USAGE;
    }
    if (opt.version) {
        printf("cprdump %s\n", CPRDUMP_VERSION);
        return EXIT_OK;
    }
    if (!check_options(&opt, &run, &mode, &e)) {
        fprintf(stderr, "cprdump: %s\n", e->message);
        return EXIT_USAGE;
    }
    run.out = out_new(mode, stdout);
    rc = opt.files[1] ? run_join(&run, opt.files) : run_path(&run,
                                                             opt.files[0]);
    out_finish(run.out);
    g_strfreev(opt.files);
    g_free(opt.output);
    g_free(opt.mode);
    g_free(opt.format);
    return rc;
}
