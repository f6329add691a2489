/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "capture.h"

#include <string.h>

#include "reader.h"

int capture_probe(const uint8_t *buf, size_t len)
{
    if (len < CAPTURE_MAGIC_LEN || memcmp(buf, CAPTURE_MAGIC,
                                          CAPTURE_MAGIC_LEN)) {
        return 0;
    }
    return len >= 12 && !memcmp(buf + 8, "\0\0\0\1", 4) ? 64 : 32;
}

bool capture_decode_fixed(const uint8_t *buf, size_t len, CaptureHeader *h,
                          FmtError *err)
{
    const uint8_t *magic;
    Rd rd;

    memset(h, 0, sizeof(*h));
    rd_init_mem(&rd, buf, len, err);
    rd_context(&rd, "capture header", -1);
    if (!rd_bytes(&rd, "magic", CAPTURE_MAGIC_LEN, &magic)) {
        return false;
    }
    if (memcmp(magic, CAPTURE_MAGIC, CAPTURE_MAGIC_LEN)) {
        fmt_error_set(err, FMT_ERR_MAGIC, 0, "capture header", -1, "magic",
                      "not a cprdump capture");
        return false;
    }
    if (!rd_be32(&rd, "version", &h->version)) {
        return false;
    }
    if (h->version != CAPTURE_VERSION) {
        fmt_error_set(err, FMT_ERR_VERSION, 8, "capture header", -1,
                      "version", "unsupported capture version %u (only 1 "
                      "is known)", h->version);
        return false;
    }
    if (!rd_be32(&rd, "provenance length", &h->provenance_len)) {
        return false;
    }
    if (h->provenance_len > CAPTURE_PROVENANCE_MAX) {
        fmt_error_set(err, FMT_ERR_LIMIT, 12, "capture header", -1,
                      "provenance length", "provenance of %u bytes is over "
                      "the %u MiB limit", h->provenance_len,
                      CAPTURE_PROVENANCE_MAX >> 20);
        return false;
    }
    h->provenance_offset = CAPTURE_FIXED_LEN;
    return true;
}

bool capture_decode_payload_len(const uint8_t *buf, size_t len,
                                CaptureHeader *h, FmtError *err)
{
    Rd rd;

    rd_init_mem(&rd, buf, len, err);
    rd.base = h->provenance_offset + h->provenance_len;
    rd_context(&rd, "capture header", -1);
    if (!rd_be64(&rd, "payload length", &h->payload_len)) {
        return false;
    }
    h->payload_offset = rd.base + 8;
    return true;
}

static void put_be(uint8_t *out, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        out[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    }
}

void capture_encode_fixed(uint8_t out[CAPTURE_FIXED_LEN], uint32_t prov_len)
{
    memcpy(out, CAPTURE_MAGIC, CAPTURE_MAGIC_LEN);
    put_be(out + 8, CAPTURE_VERSION, 4);
    put_be(out + 12, prov_len, 4);
}

void capture_encode_payload_len(uint8_t out[8], uint64_t payload_len)
{
    put_be(out, payload_len, 8);
}
