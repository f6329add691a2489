/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "input/lzop.h"

#include <glib.h>
#include <lzo/lzo1x.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

/* Header flags (lzop's F_*). */
#define F_ADLER32_D     0x00000001u
#define F_ADLER32_C     0x00000002u
#define F_H_EXTRA_FIELD 0x00000040u
#define F_CRC32_D       0x00000100u
#define F_CRC32_C       0x00000200u
#define F_H_FILTER      0x00000800u
#define F_H_CRC32       0x00001000u

#define VERSION_NEW_FIELDS 0x0940

struct Lzop {
    const FmtSource *src;
    uint64_t base, consumed;
    bool header_done, done, failed;
    uint32_t flags;
    GByteArray *hdr;            /* header bytes for its checksum */
    uint8_t *cbuf, *dbuf;       /* one block, compressed and decompressed */
    size_t cap_c, cap_d;
    size_t d_len, d_pos;
    char err[256];
};

static void fail(Lzop *l, uint64_t at, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static void fail(Lzop *l, uint64_t at, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (l->failed) {
        return;
    }
    l->failed = true;
    n = snprintf(l->err, sizeof(l->err), "corrupt lzop data at compressed "
                 "offset 0x%" G_GINT64_MODIFIER "x: ", l->base + at);
    va_start(ap, fmt);
    vsnprintf(l->err + n, sizeof(l->err) - (size_t)n, fmt, ap);
    va_end(ap);
}

/* Exactly n bytes, or false (truncation or source error). */
static bool pull(Lzop *l, void *buf, size_t n)
{
    size_t got = 0;

    while (got < n) {
        ssize_t k = l->src->read(l->src->opaque, (uint8_t *)buf + got, n - got);

        if (k < 0) {
            l->failed = true;       /* the source said why */
            return false;
        }
        if (k == 0) {
            l->consumed += got;
            l->failed = true;
            snprintf(l->err, sizeof(l->err), "truncated lzop file at "
                     "compressed offset 0x%" G_GINT64_MODIFIER "x",
                     l->base + l->consumed);
            return false;
        }
        got += (size_t)k;
    }
    if (l->hdr) {
        g_byte_array_append(l->hdr, buf, (guint)n);
    }
    l->consumed += n;
    return true;
}

static bool be(Lzop *l, size_t n, uint32_t *v)
{
    uint8_t b[4];

    if (!pull(l, b, n)) {
        return false;
    }
    *v = 0;
    for (size_t i = 0; i < n; i++) {
        *v = *v << 8 | b[i];
    }
    return true;
}

static bool check_header_sum(Lzop *l)
{
    uint32_t want, got;
    uint64_t at = l->consumed;

    got = l->flags & F_H_CRC32
        ? (uint32_t)crc32(0, l->hdr->data, l->hdr->len)
        : (uint32_t)adler32(1, l->hdr->data, l->hdr->len);
    g_byte_array_free(l->hdr, true);
    l->hdr = NULL;
    if (!be(l, 4, &want)) {
        return false;
    }
    if (want != got) {
        fail(l, at, "header checksum 0x%08x, computed 0x%08x", want, got);
        return false;
    }
    return true;
}

static bool skip_extra(Lzop *l)
{
    uint32_t len, sum;
    uint8_t chunk[256];

    if (!(l->flags & F_H_EXTRA_FIELD)) {
        return true;
    }
    if (!be(l, 4, &len)) {
        return false;
    }
    for (uint32_t k; len > 0; len -= k) {
        k = MIN(len, (uint32_t)sizeof(chunk));
        if (!pull(l, chunk, k)) {
            return false;
        }
    }
    return be(l, 4, &sum);
}

static bool read_header(Lzop *l)
{
    uint8_t magic[9], name[255];
    uint32_t version, v, method, name_len;

    if (!pull(l, magic, sizeof(magic))) {
        return false;
    }
    if (memcmp(magic, "\x89LZO\0\r\n\x1a\n", 9)) {
        fail(l, 0, "not lzop data (bad magic)");
        return false;
    }
    l->hdr = g_byte_array_new();
    if (!be(l, 2, &version) || !be(l, 2, &v) ||
        (version >= VERSION_NEW_FIELDS && !be(l, 2, &v)) ||
        !be(l, 1, &method) ||
        (version >= VERSION_NEW_FIELDS && !be(l, 1, &v)) ||
        !be(l, 4, &l->flags)) {
        return false;
    }
    if (method < 1 || method > 3) {
        fail(l, l->consumed, "method %u is not LZO1X (1..3)", method);
        return false;
    }
    if (l->flags & F_H_FILTER) {
        fail(l, l->consumed, "lzop filters are not supported");
        return false;
    }
    if (!be(l, 4, &v) || !be(l, 4, &v) ||
        (version >= VERSION_NEW_FIELDS && !be(l, 4, &v)) ||
        !be(l, 1, &name_len) || !pull(l, name, name_len)) {
        return false;
    }
    if (!check_header_sum(l) || !skip_extra(l)) {
        return false;
    }
    l->header_done = true;
    return true;
}

static bool check_sum(Lzop *l, uint64_t at, uint32_t flag_adler,
                      uint32_t flag_crc, const uint32_t sums[2],
                      const uint8_t *data, size_t len)
{
    if ((l->flags & flag_adler) &&
        sums[0] != (uint32_t)adler32(1, data, (uInt)len)) {
        fail(l, at, "block adler32 checksum does not match");
        return false;
    }
    if ((l->flags & flag_crc) &&
        sums[1] != (uint32_t)crc32(0, data, (uInt)len)) {
        fail(l, at, "block crc32 checksum does not match");
        return false;
    }
    return true;
}

static bool read_sums(Lzop *l, uint32_t fa, uint32_t fc, uint32_t sums[2])
{
    return (!(l->flags & fa) || be(l, 4, &sums[0])) &&
           (!(l->flags & fc) || be(l, 4, &sums[1]));
}

static void *room(uint8_t **buf, size_t *cap, size_t n)
{
    if (*cap < n) {
        *buf = g_realloc(*buf, n);
        *cap = n;
    }
    return *buf;
}

static bool inflate_block(Lzop *l, uint64_t at, uint32_t dlen, uint32_t clen,
                          const uint32_t dsum[2])
{
    uint32_t csum[2] = { 0, 0 };
    lzo_uint out = dlen;

    if (clen < dlen && !read_sums(l, F_ADLER32_C, F_CRC32_C, csum)) {
        return false;
    }
    room(&l->cbuf, &l->cap_c, clen);
    room(&l->dbuf, &l->cap_d, dlen);
    if (!pull(l, l->cbuf, clen)) {
        return false;
    }
    if (clen == dlen) {
        memcpy(l->dbuf, l->cbuf, dlen);
    } else if (!check_sum(l, at, F_ADLER32_C, F_CRC32_C, csum, l->cbuf, clen)) {
        return false;
    } else if (lzo1x_decompress_safe(l->cbuf, clen, l->dbuf, &out, NULL) !=
               LZO_E_OK || out != dlen) {
        fail(l, at, "LZO1X block does not decompress to its %u bytes", dlen);
        return false;
    }
    l->d_len = dlen;
    l->d_pos = 0;
    return check_sum(l, at, F_ADLER32_D, F_CRC32_D, dsum, l->dbuf, dlen);
}

static bool next_block(Lzop *l)
{
    uint64_t at = l->consumed;
    uint32_t dlen, clen, dsum[2] = { 0, 0 };

    if (!be(l, 4, &dlen)) {
        return false;
    }
    if (dlen == 0) {
        l->done = true;
        return true;
    }
    if (dlen > LZOP_BLOCK_MAX) {
        fail(l, at, "block of %u bytes is over lzop's 64 MiB maximum", dlen);
        return false;
    }
    if (!be(l, 4, &clen) || !read_sums(l, F_ADLER32_D, F_CRC32_D, dsum)) {
        return false;
    }
    if (clen == 0 || clen > dlen) {
        fail(l, at, "block of %u bytes compressed to %u", dlen, clen);
        return false;
    }
    return inflate_block(l, at, dlen, clen, dsum);
}

ssize_t lzop_read(Lzop *l, void *buf, size_t n)
{
    size_t k;

    if (l->failed) {
        return -1;
    }
    if (!l->header_done && !read_header(l)) {
        return -1;
    }
    while (l->d_pos == l->d_len && !l->done) {
        if (!next_block(l)) {
            return -1;
        }
    }
    if (l->done && l->d_pos == l->d_len) {
        return 0;
    }
    k = MIN(n, l->d_len - l->d_pos);
    memcpy(buf, l->dbuf + l->d_pos, k);
    l->d_pos += k;
    return (ssize_t)k;
}

Lzop *lzop_new(const FmtSource *src, uint64_t base)
{
    Lzop *l = g_new0(Lzop, 1);

    l->src = src;
    l->base = base;
    if (lzo_init() != LZO_E_OK) {
        l->failed = true;
        g_strlcpy(l->err, "liblzo2 failed to initialise", sizeof(l->err));
    }
    return l;
}

void lzop_free(Lzop *l)
{
    if (!l) {
        return;
    }
    if (l->hdr) {
        g_byte_array_free(l->hdr, true);
    }
    g_free(l->cbuf);
    g_free(l->dbuf);
    g_free(l);
}

const char *lzop_error(const Lzop *l)
{
    return l->failed && l->err[0] ? l->err : NULL;
}

uint64_t lzop_consumed(const Lzop *l)
{
    return l->consumed;
}
