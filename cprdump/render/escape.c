/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "render/escape.h"

#include <glib.h>
#include <string.h>

/* Characters a terminal shows as themselves, one column or more, without
 * moving the cursor or reordering text: no C0/C1 control, DEL, format
 * character (bidi overrides, zero-width space, BOM, soft hyphen, tags),
 * line/paragraph separator, unassigned or surrogate code point. */
static bool is_plain(gunichar c)
{
    if (c < 0x80) {
        return c >= 0x20 && c != 0x7f && c != '\\';
    }
    switch (g_unichar_type(c)) {
    case G_UNICODE_CONTROL:
    case G_UNICODE_FORMAT:
    case G_UNICODE_UNASSIGNED:
    case G_UNICODE_SURROGATE:
    case G_UNICODE_LINE_SEPARATOR:
    case G_UNICODE_PARAGRAPH_SEPARATOR:
        return false;
    default:
        return true;
    }
}

static void escape_char(GString *out, gunichar c)
{
    if (c == '\\') {
        g_string_append(out, "\\\\");
    } else if (c < 0x80) {
        g_string_append_printf(out, "\\x%02x", (unsigned)c);
    } else if (c < 0x10000) {
        g_string_append_printf(out, "\\u%04x", (unsigned)c);
    } else {
        g_string_append_printf(out, "\\U%08x", (unsigned)c);
    }
}

char *text_escape(const char *s)
{
    GString *out = g_string_sized_new(strlen(s));
    const char *p = s;
    const char *end = s + strlen(s);
    /* Outside a UTF-8 locale every non-ASCII byte is escaped: the terminal
     * would not show it, and libsmartcols cannot measure it (it loops). */
    bool utf8 = g_get_charset(NULL);

    while (p < end) {
        gunichar c = g_utf8_get_char_validated(p, end - p);
        if (c == (gunichar)-1 || c == (gunichar)-2 || (!utf8 && c >= 0x80)) {
            g_string_append_printf(out, "\\x%02x", (unsigned char)*p++);
        } else if (!is_plain(c)) {
            escape_char(out, c);
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
