/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "capture/redact.h"

#include "cli_error.h"
#include "exitcodes.h"
#include "input/input.h"
#include "input/load.h"
#include "render/report.h"
#include "stream.h"

#define CHUNK (256u << 10)

typedef struct Copier {
    FmtSource src;          /* the second reading of the stream */
    CaptureWriter *w;
    uint64_t pos;           /* bytes of src consumed */
    RedactStats *stats;
    uint8_t *buf;
    GError *err;
} Copier;

/* Moves n bytes of src to w, as they are or as zeros. */
static bool pass(Copier *c, uint64_t n, bool zero)
{
    while (n && !c->err) {
        ssize_t got = c->src.read(c->src.opaque, c->buf,
                                  (size_t)MIN(n, (uint64_t)CHUNK));
        if (got <= 0) {
            g_set_error(&c->err, CPRDUMP_ERROR, EXIT_INPUT,
                        "stream ended while copying it at offset 0x%"
                        G_GINT64_MODIFIER "x", c->pos);
            return false;
        }
        if (zero) {
            memset(c->buf, 0, (size_t)got);
        }
        capture_writer_write(c->w, c->buf, (size_t)got, &c->err);
        c->pos += (uint64_t)got;
        c->stats->copied += (uint64_t)got;
        n -= (uint64_t)got;
    }
    return !c->err;
}

static void on_payload(void *opaque, uint64_t offset, uint64_t len)
{
    Copier *c = opaque;

    if (c->err || offset < c->pos) {
        return;
    }
    if (pass(c, offset - c->pos, false) && pass(c, len, true)) {
        c->stats->runs++;
        c->stats->zeroed += len;
    }
}

static void copy_rest(Copier *c)
{
    ssize_t got = 0;

    while (!c->err &&
           (got = c->src.read(c->src.opaque, c->buf, CHUNK)) > 0) {
        capture_writer_write(c->w, c->buf, (size_t)got, &c->err);
        c->pos += (uint64_t)got;
        c->stats->copied += (uint64_t)got;
    }
    if (got < 0 && !c->err) {
        g_set_error(&c->err, CPRDUMP_ERROR, EXIT_INPUT, "read error while "
                    "copying the stream at offset 0x%" G_GINT64_MODIFIER "x",
                    c->pos);
    }
}

static bool decode_reporting(const char *path, Copier *c, GError **errp)
{
    g_autoptr(Input) in = load_open_stream(path, errp);
    g_autoptr(StreamModel) m = NULL;
    FmtError err;
    FmtSource src;

    if (!in) {
        return false;
    }
    input_source(in, &src);
    if (!stream_decode_ex(&src, on_payload, c, &m, &err)) {
        g_autofree char *msg = report_message(path, &err);
        g_set_error(errp, CPRDUMP_ERROR, report_exit_code(&err),
                    "cannot redact a stream that does not decode completely "
                    "(%s); --keep-pages saves it unredacted", msg);
        return false;
    }
    return true;
}

bool redact_copy(const char *path, CaptureWriter *w, bool keep_pages,
                 RedactStats *stats, GError **errp)
{
    g_autoptr(Input) copy = load_open_stream(path, errp);
    g_autofree uint8_t *buf = g_malloc(CHUNK);
    Copier c = { .w = w, .stats = stats, .buf = buf };

    if (!copy) {
        return false;
    }
    input_source(copy, &c.src);
    if (!keep_pages && !decode_reporting(path, &c, errp)) {
        g_clear_error(&c.err);
        return false;
    }
    copy_rest(&c);
    if (c.err) {
        g_propagate_error(errp, c.err);
        return false;
    }
    return true;
}
