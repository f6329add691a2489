/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --extract-ram=DIR, --dump-ram=BLOCK[@OFFSET[+LENGTH]], --find=PATTERN:
 * guest memory out of a migration stream (and its recorded multifd channels).
 * One pass: the stream is decoded once and every page record goes, in stream
 * order, to the one consumer the option picked (cprdump/extract/).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "capture/capture_read.h"
#include "cli_error.h"
#include "exitcodes.h"
#include "extract/channels.h"
#include "extract/extractor.h"
#include "extract/find.h"
#include "extract/range.h"
#include "input/input.h"
#include "json_get.h"
#include "modes/modes.h"
#include "render/render_extract.h"
#include "render/report.h"

typedef struct Src {
    Input *in;
    int map_fd;               /* the plain stream file, for mapped-ram */
    const char *label;
} Src;

static bool refuse(GError **errp, int code, const char *label, const char *why)
{
    g_set_error(errp, CPRDUMP_ERROR, code, "%s: %s", label, why);
    return false;
}

/* A capture: its payload must be a stream whose pages were kept. */
static bool unwrap_capture(Src *s, GError **errp)
{
    FmtError err = { 0 };
    json_object *prov = capture_read_header(s->in, &err), *v;
    bool redacted, stream;

    if (!prov) {
        g_autofree char *msg = report_message(s->label, &err);
        g_set_error(errp, CPRDUMP_ERROR, report_exit_code(&err), "%s", msg);
        return false;
    }
    redacted = !json_object_object_get_ex(prov, "redacted", &v) ||
               json_object_get_boolean(v);
    stream = json_object_object_get_ex(prov, "payload-format", &v) &&
             !strcmp(json_object_get_string(v), "stream");
    json_object_put(prov);
    if (!stream) {
        return refuse(errp, EXIT_FORMAT, s->label, "this capture holds a CPR "
                      "state, which has no guest memory");
    }
    if (redacted) {
        return refuse(errp, EXIT_FORMAT, s->label, "this capture's guest "
                      "memory was redacted (zeroed) when it was saved; "
                      "nothing can be extracted from it (save it with "
                      "--keep-pages to keep the pages)");
    }
    return true;
}

static bool open_src(const char *path, Src *s, GError **errp)
{
    const uint8_t *head;
    const FormatDesc *fmt;
    size_t n;

    s->map_fd = -1;
    s->label = path;
    s->in = input_open_path(path, errp);
    if (!s->in) {
        return false;
    }
    n = input_peek(s->in, &head, FORMATS_PROBE_BYTES);
    fmt = formats_probe(head, n, NULL);
    if (fmt && fmt->kind == FMT_KIND_CAPTURE) {
        if (!unwrap_capture(s, errp)) {
            return false;
        }
        n = input_peek(s->in, &head, FORMATS_PROBE_BYTES);
        fmt = formats_probe(head, n, NULL);
    } else if (fmt && fmt->kind == FMT_KIND_STREAM && strcmp(path, "-") &&
               !strcmp(input_compression(s->in), "none")) {
        s->map_fd = open(path, O_RDONLY | O_CLOEXEC);
    }
    if (!fmt || fmt->kind != FMT_KIND_STREAM) {
        return refuse(errp, EXIT_FORMAT, path, fmt ? "a CPR state holds no "
                      "guest memory: give the migration stream" : "not a "
                      "migration stream (magic QEVM)");
    }
    return true;
}

static void close_src(Src *s)
{
    input_free(s->in);
    if (s->map_fd >= 0) {
        close(s->map_fd);
    }
}

/* Decodes the stream into fn; returns the exit code of the decode (0 ok),
 * the consumer's own error first. */
static int decode(Session *ss, Src *s, RamPageFn fn, void *opaque,
                  GError **consumer_err, StreamModel **m)
{
    FmtSource src;
    FmtError err;

    input_source(s->in, &src);
    if (stream_decode_pages(&src, fn, opaque, m, &err)) {
        return EXIT_OK;
    }
    if (*consumer_err) {
        report_gerror(ss->out, *consumer_err);
        return (*consumer_err)->code;
    }
    if (err.code == FMT_ERR_IO && input_error(s->in)) {
        report_gerror(ss->out, input_error(s->in));
        return input_error(s->in)->code;
    }
    report_fmt_error(ss->out, s->label, &err);
    return report_exit_code(&err);
}

/* The configuration does not list multifd: the main channel of a multifd
 * migration is known by its MULTIFD_FLUSH records and no page at all. */
static bool is_multifd(const StreamModel *m)
{
    return m->no_pages_reason && g_str_has_prefix(m->no_pages_reason,
                                                  "multifd:");
}

/* A multifd main channel has no page record: the page size the channels
 * need is the stream's (configuration, vmdesc, mapped-ram). */
static bool channel_page_size(Session *ss, StreamModel *m)
{
    if (!m->ram.page_size) {
        m->ram.page_size = m->ps.size;
    }
    if (m->ram.page_size) {
        return true;
    }
    fprintf(stderr, "cprdump: %s: the stream does not say its target page "
            "size, which the multifd channels need\n", ss->files[0]);
    return false;
}

static int replay_channels(Session *ss, StreamModel *m, Extractor *x,
                           GArray **infos)
{
    g_autoptr(GError) e = NULL;

    if (ss->channels && ss->channels[0] && !channel_page_size(ss, m)) {
        return EXIT_MALFORMED;
    }
    if (!ss->channels || !ss->channels[0]) {
        if (is_multifd(m)) {
            fprintf(stderr, "cprdump: %s: a multifd stream: its pages are on "
                    "the multifd channels; add each recorded channel with "
                    "--channel=FILE\n", ss->files[0]);
            return EXIT_USAGE;
        }
        return EXIT_OK;
    }
    if (!channels_replay(ss->channels, &m->ram, extractor_page, x, infos,
                         &e)) {
        GError *shown = e ? e : x->err;
        report_gerror(ss->out, shown);
        return shown->code;
    }
    return EXIT_OK;
}

/* The manifest: the same document as --json, in DIR/manifest.json. */
static int write_manifest(Extractor *x, const ExtractView *v)
{
    g_autoptr(GError) e = NULL;
    int fd = outdir_create(&x->dir, "manifest.json", &e);
    FILE *fp;

    if (fd < 0 || !(fp = fdopen(fd, "w"))) {
        if (fd >= 0) {
            close(fd);
        }
        fprintf(stderr, "cprdump: %s\n", e ? e->message : "manifest.json: "
                "cannot write");
        return EXIT_OUTPUT;
    }
    Out *o = out_new(OUT_JSON, fp);
    render_extract(o, v);
    out_finish(o);
    return fclose(fp) == 0 ? EXIT_OK : EXIT_OUTPUT;
}

static int run_extract(Session *ss, Src *s)
{
    g_autoptr(StreamModel) m = NULL;
    g_autoptr(GError) e = NULL;
    GArray *infos = NULL;
    Extractor x;
    int rc, rc2;

    extractor_init(&x, s->label, s->map_fd);
    if (!outdir_open(&x.dir, ss->extract_dir, ss->force, &e)) {
        report_gerror(ss->out, e);
        extractor_clear(&x);
        return e->code;
    }
    rc = decode(ss, s, extractor_page, &x, &x.err, &m);
    if (!rc) {
        rc = replay_channels(ss, m, &x, &infos);
    }
    if (!extractor_finish(&x, m) && !rc) {
        report_gerror(ss->out, x.err);
        rc = x.err->code;
    }
    ExtractView v = { s->label, ss->extract_dir, m, &x, infos, rc == 0 };
    render_extract(ss->out, &v);
    rc2 = write_manifest(&x, &v);
    channels_info_free(infos);
    extractor_clear(&x);
    return rc ? rc : rc2;
}

static int run_dump(Session *ss, Src *s)
{
    g_autoptr(StreamModel) m = NULL;
    g_autoptr(GError) e = NULL;
    GArray *infos = NULL;
    RangeSpec spec;
    Ranger g;
    int rc;

    if (!range_parse(ss->dump_ram, &spec, &e)) {
        report_gerror(ss->out, e);
        return e->code;
    }
    ranger_init(&g, &spec, s->label, s->map_fd);
    rc = decode(ss, s, ranger_page, &g, &g.err, &m);
    if (!rc && ss->channels && ss->channels[0] && !channel_page_size(ss, m)) {
        rc = EXIT_MALFORMED;
    }
    if (!rc && ss->channels && ss->channels[0] &&
        !channels_replay(ss->channels, &m->ram, ranger_page, &g, &infos, &e)) {
        GError *shown = e ? e : g.err;
        report_gerror(ss->out, shown);
        rc = shown->code;
    }
    channels_info_free(infos);
    if (!rc && !ranger_finish(&g, &m->ram)) {
        report_gerror(ss->out, g.err);
        rc = g.err->code;
    }
    if (g.buf) {
        render_dump(ss->out, s->label, &g, m);
    }
    ranger_clear(&g);
    return rc;
}

static int run_find(Session *ss, Src *s)
{
    g_autoptr(StreamModel) m = NULL;
    g_autoptr(GError) e = NULL;
    GArray *infos = NULL;
    GBytes *needle = find_parse(ss->find, &e);
    Finder f;
    int rc;

    if (!needle) {
        report_gerror(ss->out, e);
        return e->code;
    }
    finder_init(&f, needle, s->label, s->map_fd);
    rc = decode(ss, s, finder_page, &f, &f.err, &m);
    if (!rc && ss->channels && ss->channels[0] && !channel_page_size(ss, m)) {
        rc = EXIT_MALFORMED;
    }
    if (!rc && ss->channels && ss->channels[0] &&
        !channels_replay(ss->channels, &m->ram, finder_page, &f, &infos, &e)) {
        GError *shown = e ? e : f.err;
        report_gerror(ss->out, shown);
        rc = shown->code;
    }
    channels_info_free(infos);
    g_autoptr(GArray) matches = finder_results(&f);
    render_find(ss->out, s->label, &f, matches, m);
    finder_clear(&f);
    return rc;
}

static int run(Session *ss)
{
    g_autoptr(GError) e = NULL;
    Src s = { 0 };
    int rc;

    if (!open_src(ss->files[0], &s, &e)) {
        report_gerror(ss->out, e);
        close_src(&s);
        return e->code;
    }
    rc = ss->extract_dir ? run_extract(ss, &s)
       : ss->dump_ram ? run_dump(ss, &s) : run_find(ss, &s);
    close_src(&s);
    return rc;
}

static bool selects(const Session *s)
{
    return s->extract_dir || s->dump_ram || s->find;
}

const Mode mode_extract = { "extract", selects, run };
