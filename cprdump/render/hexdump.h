/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Byte ranges as `hexdump -C` prints them: 16 bytes a line (offset, hex in
 * two groups of 8, printable ASCII between bars), a run of lines equal to the
 * one before collapsed to one "*", and a last line with the end offset.
 * For device buffers, undescribed bodies, and later guest memory.
 */
#ifndef CPRDUMP_RENDER_HEXDUMP_H
#define CPRDUMP_RENDER_HEXDUMP_H

#include <stddef.h>
#include <stdint.h>

/* Called once per output line (no newline); line is valid for the call. */
typedef void (*HexdumpLineFn)(void *opaque, const char *line);

/* Dumps n bytes of p; offsets shown start at 'base'. */
void hexdump(const uint8_t *p, size_t n, uint64_t base, HexdumpLineFn fn,
             void *opaque);

/* Lowercase hex of n bytes, no separators (JSON byte strings). */
char *hex_string(const uint8_t *p, size_t n);

#endif
