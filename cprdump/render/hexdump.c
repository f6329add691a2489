/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "render/hexdump.h"

#include <glib.h>
#include <stdbool.h>
#include <string.h>

static void format_line(char *out, size_t cap, const uint8_t *p, size_t n,
                        uint64_t off)
{
    static const char hex[] = "0123456789abcdef";
    char ascii[17];
    size_t at = (size_t)g_snprintf(out, cap, "%08" G_GINT64_MODIFIER "x ",
                                   off);

    for (size_t i = 0; i < 16; i++) {
        if (i == 8) {
            out[at++] = ' ';
        }
        out[at++] = ' ';
        out[at++] = i < n ? hex[p[i] >> 4] : ' ';
        out[at++] = i < n ? hex[p[i] & 15] : ' ';
        ascii[i] = i < n ? (p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.')
                         : '\0';
    }
    ascii[MIN(n, (size_t)16)] = '\0';
    g_snprintf(out + at, cap - at, "  |%s|", ascii);
}

void hexdump(const uint8_t *p, size_t n, uint64_t base, HexdumpLineFn fn,
             void *opaque)
{
    char line[96];
    bool starred = false;

    for (size_t i = 0; i < n; i += 16) {
        size_t k = MIN((size_t)16, n - i);
        if (i && k == 16 && !memcmp(p + i, p + i - 16, 16)) {
            if (!starred) {
                fn(opaque, "*");
                starred = true;
            }
            continue;
        }
        starred = false;
        format_line(line, sizeof(line), p + i, k, base + i);
        fn(opaque, line);
    }
    g_snprintf(line, sizeof(line), "%08" G_GINT64_MODIFIER "x",
               base + (uint64_t)n);
    fn(opaque, line);
}

char *hex_string(const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    char *s = g_malloc(n * 2 + 1);

    for (size_t i = 0; i < n; i++) {
        s[2 * i] = hex[p[i] >> 4];
        s[2 * i + 1] = hex[p[i] & 15];
    }
    s[n * 2] = '\0';
    return s;
}
