/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "render/hexdump.h"

#include <glib.h>
#include <stdbool.h>
#include <string.h>

#define LINE_MAX_LEN 100

static void one_line(char *out, const uint8_t *p, size_t n, uint64_t off)
{
    static const char hx[] = "0123456789abcdef";
    size_t at = (size_t)g_snprintf(out, LINE_MAX_LEN, "%08" G_GINT64_MODIFIER
                                   "x ", off);
    char ascii[17] = "";

    for (size_t i = 0; i < 16; i++) {
        if (i == 8) {
            out[at++] = ' ';
        }
        out[at++] = ' ';
        out[at++] = i < n ? hx[p[i] >> 4] : ' ';
        out[at++] = i < n ? hx[p[i] & 15] : ' ';
        if (i < n) {
            ascii[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.';
        }
    }
    g_snprintf(out + at, LINE_MAX_LEN - at, "  |%s|", ascii);
}

void hexdump(const uint8_t *p, size_t n, uint64_t base, HexdumpLineFn fn,
             void *opaque)
{
    char line[LINE_MAX_LEN];
    bool starred = false;

    for (size_t i = 0; i < n; i += 16) {
        size_t k = MIN((size_t)16, n - i);
        if (i && k == 16 && !memcmp(p + i, p + i - 16, 16)) {
            if (!starred) {
                fn(opaque, "*");
            }
            starred = true;
            continue;
        }
        starred = false;
        one_line(line, p + i, k, base + i);
        fn(opaque, line);
    }
    g_snprintf(line, sizeof(line), "%08" G_GINT64_MODIFIER "x",
               base + (uint64_t)n);
    fn(opaque, line);
}
