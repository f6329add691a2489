/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "extract/names.h"

#include <limits.h>
#include <string.h>

static bool keep(char c, size_t i)
{
    return g_ascii_isalnum(c) || (c && strchr("_-+,=:@", c)) ||
           (c == '.' && i > 0);
}

char *extract_file_name(const char *idstr, size_t len, bool *shortened)
{
    GString *s = g_string_sized_new(len * 3 + sizeof(EXTRACT_SUFFIX));

    for (size_t i = 0; i < len; i++) {
        if (keep(idstr[i], i)) {
            g_string_append_c(s, idstr[i]);
        } else {
            g_string_append_printf(s, "%%%02X", (unsigned char)idstr[i]);
        }
    }
    *shortened = s->len + strlen(EXTRACT_SUFFIX) > NAME_MAX;
    if (*shortened) {
        g_autofree char *sum = g_compute_checksum_for_data(
            G_CHECKSUM_SHA256, (const guchar *)idstr, len);
        size_t cut = NAME_MAX - strlen(EXTRACT_SUFFIX) - 17;
        /* do not cut inside a %XX */
        for (size_t k = cut >= 2 ? cut - 2 : 0; k < cut; k++) {
            if (s->str[k] == '%') {
                cut = k;
                break;
            }
        }
        g_string_truncate(s, cut);
        g_string_append_printf(s, "~%.16s", sum);
    }
    g_string_append(s, EXTRACT_SUFFIX);
    return g_string_free(s, FALSE);
}

GBytes *extract_name_decode(const char *name)
{
    size_t n = strlen(name), sl = strlen(EXTRACT_SUFFIX);
    GByteArray *out;

    if (n <= sl || strcmp(name + n - sl, EXTRACT_SUFFIX)) {
        return NULL;
    }
    out = g_byte_array_new();
    for (size_t i = 0; i < n - sl; i++) {
        guint8 c = (guint8)name[i];
        if (c == '%') {
            int hi = i + 2 < n - sl ? g_ascii_xdigit_value(name[i + 1]) : -1;
            int lo = hi >= 0 ? g_ascii_xdigit_value(name[i + 2]) : -1;
            if (lo < 0) {
                g_byte_array_unref(out);
                return NULL;
            }
            c = (guint8)(hi << 4 | lo);
            i += 2;
        } else if (!keep((char)c, i)) {
            g_byte_array_unref(out);
            return NULL;
        }
        g_byte_array_append(out, &c, 1);
    }
    return g_byte_array_free_to_bytes(out);
}
