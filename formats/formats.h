/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The registry of wire formats: every format bids on the first bytes of an
 * input (like libarchive's readers); the highest bid wins.
 */
#ifndef CPRDUMP_FORMATS_H
#define CPRDUMP_FORMATS_H

#include <stddef.h>
#include <stdint.h>

typedef enum FmtKind {
    FMT_KIND_NONE = 0,
    FMT_KIND_CPR_STATE,
    FMT_KIND_STREAM,
    FMT_KIND_CAPTURE,
    FMT_KIND_LIBVIRT_SAVE,
} FmtKind;

typedef struct FormatDesc {
    FmtKind kind;
    const char *name;    /* "cpr-state" */
    const char *title;   /* "QEMU CPR state (QCPR)" */
    int (*probe)(const uint8_t *buf, size_t len);
} FormatDesc;

/* Bytes every probe needs to see. */
#define FORMATS_PROBE_BYTES 16

/* The best bidder, or NULL when no format knows these bytes. */
const FormatDesc *formats_probe(const uint8_t *buf, size_t len, int *bid);
const FormatDesc *formats_by_name(const char *name);
/* What well-known data these bytes are instead, or NULL. */
const char *formats_describe_foreign(const uint8_t *buf, size_t len);

#endif
