/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bytes of an input at known offsets, read again after the input was
 * decoded: the decoders walk a multi-GiB stream in constant memory and keep
 * no byte, so a consumer that needs a few ranges (device bodies, the vmdesc)
 * opens the input a second time and reads just those, skipping the rest
 * (with lseek when the file allows it).
 */
#ifndef CPRDUMP_INPUT_REREAD_H
#define CPRDUMP_INPUT_REREAD_H

#include <glib.h>
#include <stdint.h>

#include "input/input.h"

typedef struct ByteRange {
    uint64_t offset;          /* in the decoded (decompressed) bytes */
    uint64_t len;
    uint64_t at;              /* index of its first byte in StreamBytes.data */
} ByteRange;

typedef struct StreamBytes {
    const uint8_t *whole;     /* the whole input in memory, or NULL */
    size_t whole_len;
    GArray *ranges;           /* ByteRange, by offset: those that were read */
    GByteArray *data;
} StreamBytes;

/* Most bytes kept for one input. */
#define STREAM_BYTES_MAX (256u << 20)

/* Reads the ranges (sorted by offset) from in, a fresh open of the input
 * (a capture's header is skipped); takes in. Ranges past STREAM_BYTES_MAX
 * or past the end are left out. */
bool reread_ranges(Input *in, const GArray *ranges, StreamBytes *out,
                   GError **errp);
/* len bytes at offset, when one kept range holds them all; else NULL. */
const uint8_t *stream_bytes_at(const StreamBytes *b, uint64_t offset,
                               uint64_t len);
void stream_bytes_clear(StreamBytes *b);

#endif
