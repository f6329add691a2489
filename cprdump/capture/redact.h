/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Copies a migration stream into a capture with its guest memory zeroed: the
 * stream is decoded a second time, and every run of page data the decoder
 * reports is written as zeros while the structure around it is copied as is.
 * Offsets, sections, RAM blocks and page counts stay the same; zstd squeezes
 * the zeros away.
 */
#ifndef CPRDUMP_REDACT_H
#define CPRDUMP_REDACT_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "capture/capture_write.h"

typedef struct RedactStats {
    uint64_t runs;          /* page-data runs zeroed */
    uint64_t zeroed;        /* bytes zeroed */
    uint64_t copied;        /* bytes written in all */
} RedactStats;

/* Copies the stream at path into w; keep_pages copies it unchanged. */
bool redact_copy(const char *path, CaptureWriter *w, bool keep_pages,
                 RedactStats *stats, GError **errp);

#endif
