/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "input/decompress.h"

#include <bzlib.h>
#include <glib.h>
#include <lzma.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "input/lzop.h"

#define INBUF_SIZE (128u << 10)

typedef enum Step {
    STEP_OK,      /* progress; more to come */
    STEP_END,     /* a frame, member or stream ended */
    STEP_ERR,     /* corrupt data: d->err says why */
} Step;

struct Decomp {
    Codec codec;
    const FmtSource *src;
    uint64_t base;
    uint8_t *in;
    size_t in_len, in_pos;
    uint64_t in_used;       /* compressed bytes consumed */
    uint64_t out_total;
    bool src_eof;
    bool in_member;         /* inside a frame: the end of input truncates */
    bool need_reset;        /* a member ended: the next one starts afresh */
    bool failed;
    char err[256];
    union {
        ZSTD_DStream *zs;
        z_stream z;
        bz_stream bz;
        lzma_stream xz;
    } u;
    Lzop *lzop;
};

static const struct {
    Codec codec;
    const char *name;
    const char *unit;           /* what a truncation cuts */
    const char *magic;
    size_t magic_len;
} codecs[] = {
    { CODEC_NONE, "none", "", "", 0 },
    { CODEC_ZSTD, "zstd", "frame", "\x28\xb5\x2f\xfd", 4 },
    { CODEC_GZIP, "gzip", "member", "\x1f\x8b", 2 },
    { CODEC_BZIP2, "bzip2", "stream", "BZh", 3 },
    { CODEC_XZ, "xz", "stream", "\xfd" "7zXZ\0", 6 },
    { CODEC_LZOP, "lzop", "file", "\x89LZO\0\r\n\x1a\n", 9 },
};

const char *codec_name(Codec c)
{
    return codecs[c].name;
}

Codec codec_sniff(const uint8_t *buf, size_t len)
{
    for (size_t i = 1; i < G_N_ELEMENTS(codecs); i++) {
        if (len >= codecs[i].magic_len &&
            !memcmp(buf, codecs[i].magic, codecs[i].magic_len)) {
            return codecs[i].codec;
        }
    }
    return CODEC_NONE;
}

static void set_err(Decomp *d, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void set_err(Decomp *d, const char *fmt, ...)
{
    va_list ap;

    if (d->failed) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(d->err, sizeof(d->err), fmt, ap);
    va_end(ap);
    d->failed = true;
}

static uint64_t where(const Decomp *d)
{
    return d->base + d->in_used;
}

static void corrupt(Decomp *d, const char *why)
{
    set_err(d, "corrupt %s data at compressed offset 0x%" G_GINT64_MODIFIER
            "x: %s", codec_name(d->codec), where(d), why);
}

/* ---- the codecs: init, one step, reset after a member, end ---- */

static bool codec_init(Decomp *d)
{
    switch (d->codec) {
    case CODEC_ZSTD:
        d->u.zs = ZSTD_createDStream();
        return d->u.zs && !ZSTD_isError(ZSTD_initDStream(d->u.zs));
    case CODEC_GZIP:
        return inflateInit2(&d->u.z, 16 + MAX_WBITS) == Z_OK;
    case CODEC_BZIP2:
        return BZ2_bzDecompressInit(&d->u.bz, 0, 0) == BZ_OK;
    case CODEC_XZ:
        d->u.xz = (lzma_stream)LZMA_STREAM_INIT;
        return lzma_stream_decoder(&d->u.xz, DECOMP_XZ_MEMLIMIT, 0) == LZMA_OK;
    default:
        return false;
    }
}

static void codec_end(Decomp *d)
{
    switch (d->codec) {
    case CODEC_ZSTD:
        ZSTD_freeDStream(d->u.zs);
        break;
    case CODEC_GZIP:
        inflateEnd(&d->u.z);
        break;
    case CODEC_BZIP2:
        BZ2_bzDecompressEnd(&d->u.bz);
        break;
    case CODEC_XZ:
        lzma_end(&d->u.xz);
        break;
    default:
        break;
    }
    memset(&d->u, 0, sizeof(d->u));
}

static Step step_zstd(Decomp *d, const uint8_t *in, size_t in_len,
                      size_t *used, uint8_t *out, size_t out_len, size_t *made)
{
    ZSTD_inBuffer zi = { in, in_len, 0 };
    ZSTD_outBuffer zo = { out, out_len, 0 };
    size_t ret = ZSTD_decompressStream(d->u.zs, &zo, &zi);

    *used = zi.pos;
    *made = zo.pos;
    if (ZSTD_isError(ret)) {
        corrupt(d, ZSTD_getErrorName(ret));
        return STEP_ERR;
    }
    /* 0: a frame is complete and flushed; the DStream takes the next one */
    return ret == 0 ? STEP_END : STEP_OK;
}

static Step step_gzip(Decomp *d, const uint8_t *in, size_t in_len,
                      size_t *used, uint8_t *out, size_t out_len, size_t *made)
{
    z_stream *z = &d->u.z;
    int ret;

    z->next_in = (Bytef *)in;
    z->avail_in = (uInt)MIN(in_len, (size_t)UINT32_MAX);
    z->next_out = out;
    z->avail_out = (uInt)MIN(out_len, (size_t)UINT32_MAX);
    ret = inflate(z, Z_NO_FLUSH);
    *used = (size_t)(z->next_in - in);
    *made = (size_t)(z->next_out - out);
    if (ret == Z_STREAM_END) {
        return STEP_END;
    }
    if (ret == Z_OK || ret == Z_BUF_ERROR) {
        return STEP_OK;
    }
    corrupt(d, z->msg ? z->msg : "inflate failed");
    return STEP_ERR;
}

static Step step_bzip2(Decomp *d, const uint8_t *in, size_t in_len,
                       size_t *used, uint8_t *out, size_t out_len, size_t *made)
{
    bz_stream *b = &d->u.bz;
    int ret;

    b->next_in = (char *)in;
    b->avail_in = (unsigned)MIN(in_len, (size_t)UINT32_MAX);
    b->next_out = (char *)out;
    b->avail_out = (unsigned)MIN(out_len, (size_t)UINT32_MAX);
    ret = BZ2_bzDecompress(b);
    *used = (size_t)((uint8_t *)b->next_in - in);
    *made = (size_t)((uint8_t *)b->next_out - out);
    if (ret == BZ_STREAM_END) {
        return STEP_END;
    }
    if (ret == BZ_OK) {
        return STEP_OK;
    }
    corrupt(d, ret == BZ_DATA_ERROR_MAGIC ? "not bzip2 data"
               : ret == BZ_MEM_ERROR ? "out of memory" : "data error");
    return STEP_ERR;
}

static const char *lzma_why(lzma_ret ret)
{
    switch (ret) {
    case LZMA_FORMAT_ERROR:
        return "not xz data";
    case LZMA_OPTIONS_ERROR:
        return "unsupported xz options";
    case LZMA_MEMLIMIT_ERROR:
        return "needs more than 256 MiB of memory to decompress (cprdump's "
               "limit)";
    case LZMA_MEM_ERROR:
        return "out of memory";
    default:
        return "data error";
    }
}

static Step step_xz(Decomp *d, const uint8_t *in, size_t in_len,
                    size_t *used, uint8_t *out, size_t out_len, size_t *made)
{
    lzma_stream *s = &d->u.xz;
    lzma_ret ret;

    s->next_in = in;
    s->avail_in = in_len;
    s->next_out = out;
    s->avail_out = out_len;
    ret = lzma_code(s, LZMA_RUN);
    *used = in_len - s->avail_in;
    *made = out_len - s->avail_out;
    if (ret == LZMA_STREAM_END) {
        return STEP_END;
    }
    if (ret == LZMA_OK || ret == LZMA_BUF_ERROR) {
        return STEP_OK;
    }
    corrupt(d, lzma_why(ret));
    return STEP_ERR;
}

static Step codec_step(Decomp *d, uint8_t *out, size_t n, size_t *made)
{
    const uint8_t *in = d->in + d->in_pos;
    size_t len = d->in_len - d->in_pos, used = 0;
    Step st;

    switch (d->codec) {
    case CODEC_ZSTD:
        st = step_zstd(d, in, len, &used, out, n, made);
        break;
    case CODEC_GZIP:
        st = step_gzip(d, in, len, &used, out, n, made);
        break;
    case CODEC_BZIP2:
        st = step_bzip2(d, in, len, &used, out, n, made);
        break;
    default:
        st = step_xz(d, in, len, &used, out, n, made);
        break;
    }
    d->in_pos += used;
    d->in_used += used;
    return st;
}

/* ---- the driver ---- */

static bool refill(Decomp *d)
{
    ssize_t got = d->src->read(d->src->opaque, d->in, INBUF_SIZE);

    if (got < 0) {
        d->failed = true;       /* the source has said why */
        return false;
    }
    d->in_len = (size_t)got;
    d->in_pos = 0;
    d->src_eof = got == 0;
    return true;
}

static bool check_ratio(Decomp *d)
{
    if (d->out_total <= DECOMP_FREE_BYTES ||
        d->out_total / DECOMP_RATIO_MAX <= d->in_used) {
        return true;
    }
    set_err(d, "%s data at compressed offset 0x%" G_GINT64_MODIFIER "x "
            "inflates more than %u times (%" G_GUINT64_FORMAT " bytes from %"
            G_GUINT64_FORMAT "): refused as a decompression bomb",
            codec_name(d->codec), where(d), DECOMP_RATIO_MAX, d->out_total,
            d->in_used);
    return false;
}

/* The end of the input: fine between members, a truncation inside one. */
static ssize_t at_end(Decomp *d)
{
    if (d->in_member) {
        set_err(d, "truncated %s %s at compressed offset 0x%"
                G_GINT64_MODIFIER "x", codec_name(d->codec),
                codecs[d->codec].unit, where(d));
        return -1;
    }
    return 0;
}

static bool next_member(Decomp *d)
{
    d->need_reset = false;
    if (d->codec == CODEC_ZSTD) {
        return true;            /* the DStream starts the next frame itself */
    }
    codec_end(d);
    if (!codec_init(d)) {
        set_err(d, "cannot restart the %s decoder", codec_name(d->codec));
        return false;
    }
    return true;
}

static ssize_t stream_read(Decomp *d, uint8_t *out, size_t n)
{
    size_t made = 0;
    int idle = 0;

    while (made == 0) {
        if (d->in_pos == d->in_len) {
            if (d->src_eof) {
                return at_end(d);
            }
            if (!refill(d)) {
                return -1;
            }
            continue;
        }
        if (d->need_reset && !next_member(d)) {
            return -1;
        }
        uint64_t before = d->in_used;
        Step st = codec_step(d, out, n, &made);

        if (st == STEP_ERR) {
            return -1;
        }
        d->in_member = st != STEP_END;
        d->need_reset = st == STEP_END;
        /* no progress with input and room: a codec that would spin */
        if (made == 0 && d->in_used == before && st == STEP_OK && ++idle > 2) {
            corrupt(d, "the decoder makes no progress");
            return -1;
        }
    }
    return (ssize_t)made;
}

Decomp *decomp_new(Codec c, const FmtSource *src, uint64_t base)
{
    Decomp *d = g_new0(Decomp, 1);

    d->codec = c;
    d->src = src;
    d->base = base;
    if (c == CODEC_LZOP) {
        d->lzop = lzop_new(src, base);
        return d;
    }
    d->in = g_malloc(INBUF_SIZE);
    if (c == CODEC_NONE || !codec_init(d)) {
        set_err(d, "cannot start the %s decoder", codec_name(c));
    }
    return d;
}

void decomp_free(Decomp *d)
{
    if (!d) {
        return;
    }
    if (d->lzop) {
        lzop_free(d->lzop);
    } else {
        codec_end(d);
    }
    g_free(d->in);
    g_free(d);
}

ssize_t decomp_read(Decomp *d, void *buf, size_t n)
{
    ssize_t got;

    if (d->failed) {
        return -1;
    }
    if (n == 0) {
        return 0;
    }
    got = d->lzop ? lzop_read(d->lzop, buf, n) : stream_read(d, buf, n);
    if (d->lzop) {
        d->in_used = lzop_consumed(d->lzop);
        if (got < 0) {
            d->failed = true;
            if (lzop_error(d->lzop)) {
                g_strlcpy(d->err, lzop_error(d->lzop), sizeof(d->err));
            }
        }
    }
    if (got > 0) {
        d->out_total += (uint64_t)got;
        if (!check_ratio(d)) {
            return -1;
        }
    }
    return got;
}

const char *decomp_error(const Decomp *d)
{
    return d->failed && d->err[0] ? d->err : NULL;
}

Codec decomp_codec(const Decomp *d)
{
    return d->codec;
}
