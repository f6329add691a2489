/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The page data of a compressed multifd packet (multifd-compression zlib or
 * zstd; QEMU migration/multifd-zlib.c, multifd-zstd.c). Each channel is one
 * compressed stream from its first packet to its last: the sender flushes at
 * the end of every packet but never resets, so a packet inflates only after
 * every earlier packet of the same channel. Layout: formats/multifd.md.
 * Pure: bytes in, pages out.
 */
#ifndef CPRDUMP_MULTIFD_COMP_H
#define CPRDUMP_MULTIFD_COMP_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MULTIFD_FLAG_ZLIB (1u << 1)
#define MULTIFD_FLAG_ZSTD (2u << 1)

typedef struct MultifdInflater MultifdInflater;

/* The state of one channel's stream. */
MultifdInflater *multifd_inflater_new(void);
void multifd_inflater_free(MultifdInflater *z);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MultifdInflater, multifd_inflater_free)

/* The method a packet's flags name: "zlib", "zstd", or NULL for one cprdump
 * cannot inflate (qpl, uadk, qatzip: hardware formats). */
const char *multifd_comp_name(uint32_t flags);

/* Inflates in (one packet's next_packet_size bytes) into exactly out_len
 * bytes (normal_pages pages). A channel keeps one method. false with *why
 * (static text) when the bytes do not inflate to exactly out_len. */
bool multifd_inflate(MultifdInflater *z, uint32_t flags, const uint8_t *in,
                     size_t in_len, uint8_t *out, size_t out_len,
                     const char **why);

#endif
