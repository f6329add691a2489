/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Input sources: a path, standard input ("-"), or an fd read with pread from
 * offset 0 (inherited fd, or a live process's memfd). zstd, gzip, bzip2, xz and
 * lzop are recognised by their magic, whatever the name, and decompressed as a
 * stream (input/decompress.h), so decoders only ever see decompressed bytes and
 * offsets count decompressed bytes. A container whose payload is compressed
 * (a libvirt save image) pushes a second codec for the rest of the input.
 */
#ifndef CPRDUMP_INPUT_H
#define CPRDUMP_INPUT_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "input/decompress.h"
#include "reader.h"

typedef struct Input Input;

/* The largest CPR state cprdump loads into memory (real ones are < 64 KiB). */
#define INPUT_SLURP_MAX (256u << 20)

Input *input_open_path(const char *path, GError **errp);
/* Reads fd with pread from offset 0; never moves its file offset. */
Input *input_open_fd(int fd, bool own, const char *label, GError **errp);
void input_free(Input *in);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Input, input_free)

const char *input_label(const Input *in);
/* The innermost compression: "none", "zstd", "gzip", ... */
const char *input_compression(const Input *in);
/* From here on, what is read is decompressed with c (after the outer codec). */
bool input_push_codec(Input *in, Codec c, GError **errp);
/* Bytes read so far (decompressed by the outer codec, before the inner). */
uint64_t input_position(const Input *in);
/* Size of the underlying file when known (compressed size), or -1. */
int64_t input_file_size(const Input *in);

/* Peeks at the first decompressed bytes without consuming them. */
size_t input_peek(Input *in, const uint8_t **buf, size_t want);
/* Reads exactly n bytes; false (with *got < n) at the end or on error. */
bool input_read_exact(Input *in, void *buf, size_t n, size_t *got);
/* From here on, at most n more bytes are read (a capture's payload). */
void input_set_limit(Input *in, uint64_t n);
/* Reads the whole (decompressed) input; fails over max bytes. */
GBytes *input_slurp(Input *in, size_t max, GError **errp);
/* A pull source for the streaming decoders. */
void input_source(Input *in, FmtSource *src);
/* After an FmtError of kind FMT_ERR_IO: what the input layer saw. */
const GError *input_error(const Input *in);

#endif
