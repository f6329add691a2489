/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Recorded multifd channels (--channel=FILE): replayed after the main stream,
 * their packets merged across channels in packet_num order (the order QEMU
 * sent them in), each page handed to the same RamPageFn as the main stream's
 * page records: normal pages as RAM_PAGE_NORMAL, zero pages as RAM_PAGE_ZERO.
 * One packet header per channel is held at a time: flat memory. With
 * multifd-compression zlib or zstd each channel's stream is inflated in its
 * own packet order (formats/multifd_comp.h).
 */
#ifndef CPRDUMP_EXTRACT_CHANNELS_H
#define CPRDUMP_EXTRACT_CHANNELS_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "multifd.h"
#include "ram.h"

typedef struct ChannelInfo {
    char *path;
    uint8_t id;
    MultifdCounts counts;
    const char *compression;  /* "none", "zlib" or "zstd" (static) */
} ChannelInfo;

/* Fills infos (ChannelInfo per path; freed by channels_info_free). */
bool channels_replay(char **paths, const RamModel *ram, RamPageFn fn,
                     void *opaque, GArray **infos, GError **errp);
void channels_info_free(GArray *infos);

#endif
