/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The target page size of a migration stream: which source decides it and
 * whether the sources agree (formats/ram.md, "Target page size").
 * Internal to the stream decoder.
 */
#ifndef CPRDUMP_STREAM_PAGESIZE_H
#define CPRDUMP_STREAM_PAGESIZE_H

#include "stream.h"

/* After the configuration: takes its target-page-bits, else the vmdesc found
 * in tail (the last n bytes of a stream of total bytes; NULL: not seekable). */
void stream_ps_begin(StreamModel *m, const uint8_t *tail, size_t n,
                     uint64_t total);
/* A POSTCOPY_ADVISE with a target page size. */
void stream_ps_advise(StreamModel *m, const StreamCommand *c);
/* At the end: the mapped-ram and inferred sizes from the RAM model, the
 * vmdesc read at the end, the detail and any conflict. A conflict makes a
 * decode that was ok fail (FMT_ERR_INVALID at the disagreeing source). */
bool stream_ps_finish(StreamModel *m, bool ok, FmtError *err);

#endif
