/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A bounded big-endian cursor. Either over one memory buffer (the whole input),
 * or over a pull source with a refillable window, so that a multi-GiB stream is
 * decoded in constant memory. Every read names its field: a short read becomes an
 * FmtError with the field's absolute offset, the bytes needed and the bytes left.
 */
#ifndef CPRDUMP_READER_H
#define CPRDUMP_READER_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fmt_error.h"

typedef struct FmtSource {
    /* Read up to len bytes: returns the count, 0 at the end, -1 on error. */
    ssize_t (*read)(void *opaque, void *buf, size_t len);
    /* Skip n bytes; returns the bytes skipped (< n at the end), -1 on error.
     * May be NULL: the reader then reads and discards. */
    int64_t (*skip)(void *opaque, uint64_t n);
    /* Copies the last min(len, size) bytes of the whole input into buf
     * without moving the read position and sets *size to the input's whole
     * (decompressed) size; returns the count, or -1 when the input cannot
     * (a pipe); len 0 (buf may be NULL) asks for the size only. May be NULL.
     * Used to read the vmdesc ahead. */
    ssize_t (*tail)(void *opaque, void *buf, size_t len, uint64_t *size);
    void *opaque;
} FmtSource;

typedef struct Rd {
    const uint8_t *buf;     /* window */
    size_t len;             /* valid bytes in the window */
    size_t pos;             /* cursor inside the window */
    uint64_t base;          /* absolute offset of buf[0] */
    const FmtSource *src;   /* NULL: buf is the whole input */
    uint8_t *own;           /* window storage when src != NULL */
    size_t cap;
    bool eof;               /* src reported the end */
    FmtError *err;
    const char *record;     /* error context: record kind and index */
    int64_t index;
    /* Told of every guest-memory payload before it is skipped (redaction). */
    void (*on_payload)(void *opaque, uint64_t offset, uint64_t len);
    void *payload_opaque;
    /* Tap: while tap is set, every byte the cursor passes is also appended
     * to it (device bodies kept for field decoding), up to tap_max bytes in
     * all; past that tap_over is set and nothing more is kept. */
    GByteArray *tap;
    size_t tap_pos;         /* window index the tap has copied up to */
    size_t tap_max;
    bool tap_over;
} Rd;

void rd_init_mem(Rd *rd, const uint8_t *buf, size_t len, FmtError *err);
void rd_init_source(Rd *rd, const FmtSource *src, FmtError *err);
void rd_release(Rd *rd);

static inline uint64_t rd_offset(const Rd *rd)
{
    return rd->base + rd->pos;
}

/* A BE u64 at p, for hot loops that read straight from the window. */
static inline uint64_t rd_load_be64(const uint8_t *p)
{
    uint64_t v;

    __builtin_memcpy(&v, p, 8);
    return __builtin_bswap64(v);
}

static inline void rd_context(Rd *rd, const char *record, int64_t index)
{
    rd->record = record;
    rd->index = index;
}

/* Starts copying the bytes the cursor passes into dst (see Rd.tap). */
void rd_tap_start(Rd *rd, GByteArray *dst, size_t max);
/* Copies the rest up to the cursor and stops; false when tap_max was hit. */
bool rd_tap_stop(Rd *rd);

/* Bytes known to be left: exact for memory input, what is buffered for sources. */
size_t rd_buffered(const Rd *rd);
/* Makes at least n bytes available at the cursor; false at the end. */
bool rd_ensure(Rd *rd, size_t n);
bool rd_at_end(Rd *rd);

bool rd_u8(Rd *rd, const char *field, uint8_t *v);
bool rd_peek_u8(Rd *rd, uint8_t *v);
bool rd_be16(Rd *rd, const char *field, uint16_t *v);
bool rd_be32(Rd *rd, const char *field, uint32_t *v);
bool rd_be64(Rd *rd, const char *field, uint64_t *v);
/* A view of n bytes valid until the next reader call. */
bool rd_bytes(Rd *rd, const char *field, size_t n, const uint8_t **p);
bool rd_skip(Rd *rd, const char *field, uint64_t n);
/* rd_skip for bytes of guest memory (page data): reported to on_payload. */
bool rd_skip_payload(Rd *rd, const char *field, uint64_t n);

#endif
