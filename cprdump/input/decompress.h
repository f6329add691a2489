/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Streaming decompression in flat memory, with each codec's own Debian
 * library: zstd (libzstd), gzip (zlib), bzip2 (libbz2), xz (liblzma) and lzop
 * (liblzo2, the lzop container read here). Concatenated frames/members decode
 * as one stream, as the compressor programs do. Bounded: at most
 * DECOMP_RATIO_MAX decompressed bytes per compressed byte once past
 * DECOMP_FREE_BYTES (a decompression bomb is refused, not decoded for ever),
 * xz's dictionary within DECOMP_XZ_MEMLIMIT, an lzop block within 64 MiB.
 */
#ifndef CPRDUMP_INPUT_DECOMPRESS_H
#define CPRDUMP_INPUT_DECOMPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "reader.h"

typedef enum Codec {
    CODEC_NONE = 0,
    CODEC_ZSTD,
    CODEC_GZIP,
    CODEC_BZIP2,
    CODEC_XZ,
    CODEC_LZOP,
} Codec;

#define DECOMP_RATIO_MAX 16384u
#define DECOMP_FREE_BYTES (64ull << 20)
#define DECOMP_XZ_MEMLIMIT (256ull << 20)
/* Bytes codec_sniff needs (lzop's magic is the longest). */
#define CODEC_SNIFF_BYTES 9

/* "zstd", "gzip", ... ("none" for CODEC_NONE). */
const char *codec_name(Codec c);
/* The codec whose magic starts buf, or CODEC_NONE. */
Codec codec_sniff(const uint8_t *buf, size_t len);

typedef struct Decomp Decomp;

/* Decompresses what src yields; base is the offset of src's first byte in
 * the input, for messages. */
Decomp *decomp_new(Codec c, const FmtSource *src, uint64_t base);
void decomp_free(Decomp *d);
/* Up to n decompressed bytes: the count, 0 at the end, -1 on error (then
 * decomp_error() says what, or NULL when src itself failed). */
ssize_t decomp_read(Decomp *d, void *buf, size_t n);
const char *decomp_error(const Decomp *d);
Codec decomp_codec(const Decomp *d);

#endif
