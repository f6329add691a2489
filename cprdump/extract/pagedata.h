/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Turning a page record into the page's content: legacy compressed pages
 * (zlib, QEMU <= 9.0) are inflated, XBZRLE deltas applied to the current
 * content. Shared by --extract-ram, --dump-ram and --find.
 */
#ifndef CPRDUMP_EXTRACT_PAGEDATA_H
#define CPRDUMP_EXTRACT_PAGEDATA_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "ram.h"

/* Inflates a COMPRESS_PAGE payload into exactly page_size bytes. */
bool page_inflate(const RamPage *pg, uint8_t *out, uint32_t page_size,
                  const char *label, GError **errp);
/* Applies an XBZRLE payload to page (its current content). */
bool page_xbzrle(const RamPage *pg, uint8_t *page, uint32_t page_size,
                 const char *label, GError **errp);

#endif
