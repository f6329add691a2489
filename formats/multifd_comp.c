/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "multifd_comp.h"

#include <zlib.h>
#include <zstd.h>

#include "multifd.h"

struct MultifdInflater {
    uint32_t method;          /* MULTIFD_FLAG_ZLIB or _ZSTD, 0 until the first */
    z_stream zs;
    ZSTD_DStream *zds;
    bool broken;              /* an earlier packet failed: the stream is lost */
};

MultifdInflater *multifd_inflater_new(void)
{
    return g_new0(MultifdInflater, 1);
}

void multifd_inflater_free(MultifdInflater *z)
{
    if (!z) {
        return;
    }
    if (z->method == MULTIFD_FLAG_ZLIB) {
        inflateEnd(&z->zs);
    }
    ZSTD_freeDStream(z->zds);
    g_free(z);
}

const char *multifd_comp_name(uint32_t flags)
{
    switch (flags & MULTIFD_FLAG_COMPRESSION_MASK) {
    case MULTIFD_FLAG_ZLIB:
        return "zlib";
    case MULTIFD_FLAG_ZSTD:
        return "zstd";
    default:
        return NULL;
    }
}

static bool start(MultifdInflater *z, uint32_t method, const char **why)
{
    if (z->method) {
        *why = "the channel changed its compression method";
        return z->method == method;
    }
    z->method = method;
    if (method == MULTIFD_FLAG_ZLIB) {
        if (inflateInit(&z->zs) != Z_OK) {
            z->method = 0;
            *why = "zlib inflateInit failed";
            return false;
        }
        return true;
    }
    z->zds = ZSTD_createDStream();
    *why = "zstd stream could not be created";
    return z->zds && !ZSTD_isError(ZSTD_initDStream(z->zds));
}

/* As QEMU's receiver: inflate until the pages are full; input left after
 * them (the end of the sync flush) is dropped, as QEMU drops it. */
static bool run_zlib(z_stream *zs, const uint8_t *in, size_t in_len,
                     uint8_t *out, size_t out_len, const char **why)
{
    int ret;

    zs->next_in = (Bytef *)in;
    zs->avail_in = (uInt)in_len;
    zs->next_out = out;
    zs->avail_out = (uInt)out_len;
    do {
        ret = inflate(zs, Z_SYNC_FLUSH);
    } while (ret == Z_OK && zs->avail_in && zs->avail_out);
    if (ret != Z_OK && !(ret == Z_BUF_ERROR && !zs->avail_out)) {
        *why = ret == Z_STREAM_END ? "zlib stream ended inside the channel"
                                   : "zlib data does not inflate";
        return false;
    }
    *why = "zlib data inflates to fewer bytes than normal_pages pages";
    return !zs->avail_out;
}

static bool run_zstd(ZSTD_DStream *zds, const uint8_t *in, size_t in_len,
                     uint8_t *out, size_t out_len, const char **why)
{
    ZSTD_inBuffer ib = { in, in_len, 0 };
    ZSTD_outBuffer ob = { out, out_len, 0 };
    size_t ret;

    do {
        ret = ZSTD_decompressStream(zds, &ob, &ib);
        if (ZSTD_isError(ret)) {
            *why = "zstd data does not decompress";
            return false;
        }
    } while (ret > 0 && ib.pos < ib.size && ob.pos < ob.size);
    *why = "zstd data decompresses to fewer bytes than normal_pages pages";
    return ob.pos == ob.size;
}

bool multifd_inflate(MultifdInflater *z, uint32_t flags, const uint8_t *in,
                     size_t in_len, uint8_t *out, size_t out_len,
                     const char **why)
{
    uint32_t method = flags & MULTIFD_FLAG_COMPRESSION_MASK;
    bool ok;

    if (!multifd_comp_name(flags)) {
        *why = "compression method cprdump cannot inflate (qpl, uadk or "
               "qatzip)";
        return false;
    }
    if (z->broken) {
        *why = "an earlier packet of this channel did not inflate";
        return false;
    }
    if (in_len > MULTIFD_COMP_MAX_IN || out_len > MULTIFD_PACKET_SIZE) {
        *why = "more data than a multifd packet holds";
        return false;
    }
    if (!out_len) {
        *why = "compressed data in a packet without normal pages";
        return !in_len;
    }
    ok = start(z, method, why) &&
         (method == MULTIFD_FLAG_ZLIB
          ? run_zlib(&z->zs, in, in_len, out, out_len, why)
          : run_zstd(z->zds, in, in_len, out, out_len, why));
    z->broken = !ok;
    return ok;
}
