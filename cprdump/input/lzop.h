/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The lzop container (what `lzop -c` writes): a header, then blocks of at most
 * 64 MiB, each LZO1X-compressed or stored, with the checksums the header's
 * flags ask for, ended by a zero-length block. Blocks are decompressed with
 * liblzo2 (lzo1x_decompress_safe); one block is held at a time.
 */
#ifndef CPRDUMP_INPUT_LZOP_H
#define CPRDUMP_INPUT_LZOP_H

#include <stdint.h>
#include <sys/types.h>

#include "reader.h"

#define LZOP_BLOCK_MAX (64u << 20)

typedef struct Lzop Lzop;

Lzop *lzop_new(const FmtSource *src, uint64_t base);
void lzop_free(Lzop *l);
/* Decompressed bytes: the count, 0 at the end, -1 on error. */
ssize_t lzop_read(Lzop *l, void *buf, size_t n);
/* NULL when the source itself failed. */
const char *lzop_error(const Lzop *l);
uint64_t lzop_consumed(const Lzop *l);

#endif
