/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * XBZRLE page deltas (QEMU migration/xbzrle.c xbzrle_decode_buffer): pairs of
 * (zero run, non-zero run) lengths as 1-2 byte ULEB128, each non-zero run
 * followed by its bytes; a zero run keeps the old bytes, a non-zero run
 * replaces them. Layout: formats/ram.md. Pure.
 */
#ifndef CPRDUMP_XBZRLE_H
#define CPRDUMP_XBZRLE_H

#include <stddef.h>
#include <stdint.h>

/* Applies src[0, slen) to page[0, plen); returns the bytes of the page
 * covered, or -1 when the delta is malformed (QEMU refuses the same). */
long xbzrle_apply(const uint8_t *src, size_t slen, uint8_t *page, size_t plen);

#endif
