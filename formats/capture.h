/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cprdump capture ("CPRDCAPT"): a bug-report attachment that holds the raw
 * bytes of a CPR state or migration stream plus where and when they were taken.
 * Layout: formats/capture.md. This module decodes the header only; the payload
 * is decoded by its own format's decoder.
 */
#ifndef CPRDUMP_CAPTURE_H
#define CPRDUMP_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fmt_error.h"

#define CAPTURE_MAGIC "CPRDCAPT"
#define CAPTURE_MAGIC_LEN 8
#define CAPTURE_VERSION 1u
/* Fixed part: magic, version, provenance length. */
#define CAPTURE_FIXED_LEN 16
/* Provenance JSON is small; anything larger is refused before allocating. */
#define CAPTURE_PROVENANCE_MAX (16u << 20)

typedef struct CaptureHeader {
    uint32_t version;
    uint32_t provenance_len;
    uint64_t provenance_offset;   /* = CAPTURE_FIXED_LEN */
    uint64_t payload_len;
    uint64_t payload_offset;      /* = 16 + provenance_len + 8 */
} CaptureHeader;

int capture_probe(const uint8_t *buf, size_t len);

/* Decodes the fixed part (CAPTURE_FIXED_LEN bytes). */
bool capture_decode_fixed(const uint8_t *buf, size_t len, CaptureHeader *h,
                          FmtError *err);
/* Decodes the payload length that follows the provenance (8 bytes at
 * h->provenance_offset + h->provenance_len). */
bool capture_decode_payload_len(const uint8_t *buf, size_t len,
                                CaptureHeader *h, FmtError *err);
/* Encodes the fixed part and the payload length (for the writer). */
void capture_encode_fixed(uint8_t out[CAPTURE_FIXED_LEN], uint32_t prov_len);
void capture_encode_payload_len(uint8_t out[8], uint64_t payload_len);

#endif
