/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "escape.h"

#include <glib.h>
#include <string.h>

static bool is_plain(gunichar c)
{
    return c >= 0x20 && c != 0x7f && !(c >= 0x80 && c < 0xa0) && c != '\\';
}

char *text_escape(const char *s)
{
    GString *out = g_string_sized_new(strlen(s));
    const char *p = s;
    const char *end = s + strlen(s);

    while (p < end) {
        gunichar c = g_utf8_get_char_validated(p, end - p);
        if (c == (gunichar)-1 || c == (gunichar)-2) {
            g_string_append_printf(out, "\\x%02x", (unsigned char)*p++);
        } else if (!is_plain(c)) {
            if (c == '\\') {
                g_string_append(out, "\\\\");
            } else {
                g_string_append_printf(out, "\\x%02x", (unsigned)c);
            }
            p = g_utf8_next_char(p);
        } else {
            const char *next = g_utf8_next_char(p);
            g_string_append_len(out, p, next - p);
            p = next;
        }
    }
    return g_string_free(out, FALSE);
}

bool text_is_clean(const char *s)
{
    g_autofree char *e = text_escape(s);
    return !strcmp(e, s);
}

json_object *json_text(const char *s)
{
    g_autofree char *valid = g_utf8_make_valid(s, -1);
    return json_object_new_string(valid);
}
