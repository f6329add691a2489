/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bytes as `hexdump -C` prints them: 16 a line (offset, two groups of 8 hex
 * bytes, the printable ASCII between bars), a run of lines equal to the one
 * before shown as one "*", and a last line with the end offset. Offsets are
 * at least 8 hex digits. (Same interface as the device-buffer dump of the
 * devstate branch, to be unified.)
 */
#ifndef CPRDUMP_RENDER_HEXDUMP_H
#define CPRDUMP_RENDER_HEXDUMP_H

#include <stddef.h>
#include <stdint.h>

/* Called once per line, without the newline; line is valid for the call. */
typedef void (*HexdumpLineFn)(void *opaque, const char *line);

/* n bytes of p, the first shown at offset base. */
void hexdump(const uint8_t *p, size_t n, uint64_t base, HexdumpLineFn fn,
             void *opaque);

#endif
