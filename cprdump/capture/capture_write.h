/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writes a capture (formats/capture.md): zstd-compressed, atomically (a
 * temporary file in the same directory, then a rename that never replaces an
 * existing file unless force is set).
 */
#ifndef CPRDUMP_CAPTURE_WRITE_H
#define CPRDUMP_CAPTURE_WRITE_H

#include <glib.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct CaptureWriter CaptureWriter;

/* payload_len may be CAPTURE_PAYLOAD_TO_END when unknown in advance. */
#define CAPTURE_PAYLOAD_TO_END UINT64_MAX

CaptureWriter *capture_writer_open(const char *path, bool force,
                                   json_object *provenance,
                                   uint64_t payload_len, GError **errp);
bool capture_writer_write(CaptureWriter *w, const void *buf, size_t len,
                          GError **errp);
/* Finishes the frame, fsyncs and renames into place; frees w. */
bool capture_writer_commit(CaptureWriter *w, uint64_t *written,
                           GError **errp);
/* Removes the temporary file; frees w. */
void capture_writer_abort(CaptureWriter *w);

/* The provenance every capture carries: version, time, kernel, source. */
json_object *capture_provenance_new(const char *payload_format,
                                    const char *source_kind,
                                    const char *label);

#endif
