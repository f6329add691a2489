/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The vmdesc read ahead from the end of a seekable stream, so that its
 * "page_size" can be used for the RAM records that come before it. Like
 * QEMU's analyze-migration.py, but exact: the 0x06 byte whose length field
 * reaches precisely to the end, after an EOF byte, starting a JSON object.
 */
#include "vmdesc.h"

#include <string.h>

static uint32_t be32_at(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

bool vmdesc_find_tail(const uint8_t *buf, size_t n, uint64_t total,
                      Vmdesc *vd, uint64_t *offset)
{
    if (n < 6 || n > total) {
        return false;
    }
    /* the EOF byte before 0x06 must be in buf: a window that cuts it off
     * finds nothing (and a larger one decides), whatever the bytes */
    for (size_t i = n - 6 + 1; i-- > 1;) {
        if (buf[i] != 0x06 || buf[i + 5] != '{' ||
            be32_at(buf + i + 1) != n - i - 5 ||
            buf[i - 1] != 0x00) {
            continue;
        }
        FmtError err;
        Rd rd;
        memset(&err, 0, sizeof(err));
        rd_init_mem(&rd, buf + i + 5, n - i - 5, &err);
        if (vmdesc_read(&rd, (uint32_t)(n - i - 5), vd)) {
            *offset = total - n + i;
            return true;
        }
        vmdesc_clear(vd);
        vmdesc_init(vd);
    }
    return false;
}
