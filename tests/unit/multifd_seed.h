/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Compressed multifd page data made the way QEMU's senders make it
 * (migration/multifd-zlib.c, multifd-zstd.c): one compressor per channel,
 * flushed at the end of every packet and never reset. For the unit and
 * mutation tests of formats/multifd_comp.c; the real-QEMU suite checks the
 * real thing (tests/qemu: extract-multifd-zlib, extract-multifd-zstd).
 */
#ifndef CPRDUMP_TESTS_MULTIFD_SEED_H
#define CPRDUMP_TESTS_MULTIFD_SEED_H

#include <glib.h>
#include <zlib.h>
#include <zstd.h>

#define SEED_PAGE 4096u

/* Page k of packet p: a pattern that compresses, but not to nothing. */
static inline void seed_page(uint8_t *pg, guint p, guint k)
{
    for (guint i = 0; i < SEED_PAGE; i++) {
        pg[i] = (uint8_t)((i % 97 == 0) ? p * 31 + k : i / 64 + k);
    }
}

/* packets[i] gets npages[i] pages compressed; returns the GBytes per packet. */
static inline GPtrArray *seed_compress(bool zstd, const guint *npages,
                                       guint npackets)
{
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    z_stream zs = { 0 };
    ZSTD_CStream *zcs = zstd ? ZSTD_createCStream() : NULL;
    uint8_t pg[SEED_PAGE];

    g_assert_true(zstd ? !ZSTD_isError(ZSTD_initCStream(zcs, 1))
                       : deflateInit(&zs, 1) == Z_OK);
    for (guint p = 0; p < npackets; p++) {
        size_t cap = 2 * (npages[p] + 1) * SEED_PAGE, used = 0;
        uint8_t *buf = g_malloc(cap);

        for (guint k = 0; k < npages[p]; k++) {
            bool last = k + 1 == npages[p];
            seed_page(pg, p, k);
            if (zstd) {
                ZSTD_inBuffer in = { pg, SEED_PAGE, 0 };
                ZSTD_outBuffer ob = { buf, cap, used };
                size_t r;
                do {
                    r = ZSTD_compressStream2(zcs, &ob, &in, last ? ZSTD_e_flush
                                                                 : ZSTD_e_continue);
                    g_assert_false(ZSTD_isError(r));
                } while (in.pos < in.size || (last && r));
                used = ob.pos;
            } else {
                zs.next_in = pg;
                zs.avail_in = SEED_PAGE;
                zs.next_out = buf + used;
                zs.avail_out = (uInt)(cap - used);
                g_assert_cmpint(deflate(&zs, last ? Z_SYNC_FLUSH : Z_NO_FLUSH),
                                ==, Z_OK);
                used = cap - zs.avail_out;
            }
        }
        g_ptr_array_add(out, g_bytes_new_take(buf, used));
    }
    if (zstd) {
        ZSTD_freeCStream(zcs);
    } else {
        deflateEnd(&zs);
    }
    return out;
}

#endif
