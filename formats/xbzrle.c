/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "xbzrle.h"

#include <string.h>

/* A ULEB128 value below 2^14 (QEMU's uleb128_decode_small): 1 or 2 bytes. */
static int uleb_small(const uint8_t *p, size_t left, uint32_t *v)
{
    if (left < 1) {
        return 0;
    }
    if (!(p[0] & 0x80)) {
        *v = p[0];
        return 1;
    }
    if (left < 2 || (p[1] & 0x80)) {
        return 0;
    }
    *v = (uint32_t)(p[0] & 0x7f) | ((uint32_t)p[1] << 7);
    return 2;
}

long xbzrle_apply(const uint8_t *src, size_t slen, uint8_t *page, size_t plen)
{
    size_t i = 0, d = 0;
    uint32_t count;
    int n;

    while (i < slen) {
        n = uleb_small(src + i, slen - i, &count);
        if (!n || (i && !count)) {      /* only the first zero run may be 0 */
            return -1;
        }
        i += (size_t)n;
        d += count;
        if (d > plen) {
            return -1;
        }
        n = uleb_small(src + i, slen - i, &count);
        if (!n || !count) {
            return -1;
        }
        i += (size_t)n;
        if (d + count > plen || i + count > slen) {
            return -1;
        }
        memcpy(page + d, src + i, count);
        d += count;
        i += count;
    }
    return (long)d;
}
