/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "render/field_text.h"

#include <glib.h>
#include <string.h>

#include "render/escape.h"

/* Names that hold counts, lengths or indices print in decimal. */
static bool count_word(const char *w, size_t n)
{
    static const char *const words[] = {
        "count", "cnt", "num", "nb", "nr", "len", "length", "size", "idx",
        "index", "n", "entries", "nentries",
    };

    for (size_t i = 0; i < G_N_ELEMENTS(words); i++) {
        if (strlen(words[i]) == n && !g_ascii_strncasecmp(w, words[i], n)) {
            return true;
        }
    }
    return (n > 3 && !g_ascii_strncasecmp(w, "num", 3)) ||
           (n > 5 && !g_ascii_strncasecmp(w + n - 5, "count", 5));
}

bool field_countish(const char *name)
{
    for (const char *p = name; *p;) {
        size_t n = 0;
        while (g_ascii_isalnum(p[n])) {
            n++;
        }
        if (n && count_word(p, n)) {
            return true;
        }
        p += n ? n : 1;
    }
    return false;
}

char *field_hex_pairs(const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    char *s = g_malloc(n ? 3 * n : 1);

    for (size_t i = 0; i < n; i++) {
        s[3 * i] = digits[p[i] >> 4];
        s[3 * i + 1] = digits[p[i] & 15];
        s[3 * i + 2] = ' ';
    }
    s[n ? 3 * n - 1 : 0] = '\0';
    return s;
}

char *field_value_text(const VmTree *t, const VmField *f, bool count)
{
    int64_t v;

    switch (f->kind) {
    case VM_INT:
        v = vmstate_int(f);
        return v < 0 ? g_strdup_printf("%" G_GINT64_FORMAT " (0x%0*"
                                       G_GINT64_MODIFIER "x)", v,
                                       f->width * 2, f->value)
                     : g_strdup_printf("%" G_GINT64_FORMAT, v);
    case VM_UINT:
        return count ? g_strdup_printf("%" G_GUINT64_FORMAT, f->value)
                     : g_strdup_printf("0x%0*" G_GINT64_MODIFIER "x",
                                       f->width * 2, f->value);
    case VM_BOOL:
        return g_strdup(f->value ? "true" : "false");
    case VM_FLOAT:
        return g_strdup_printf("%.17g", vmstate_float(f));
    case VM_TIMER:
        v = vmstate_int(f);
        return v == -1 ? g_strdup("-1 (not armed)")
                       : g_strdup_printf("%" G_GINT64_FORMAT " ns", v);
    case VM_POINTER:
        return g_strdup(f->value == 0x30 ? "null" : f->value == 0x31
                        ? "present" : "(not a pointer marker)");
    case VM_STRING: {
        g_autofree char *s = g_strndup((const char *)vmstate_bytes(t, f) + 1,
                                       (size_t)f->size - 1);
        g_autofree char *e = text_escape(s);
        return g_strdup_printf("\"%s\"", e);
    }
    default:
        return field_hex_pairs(vmstate_bytes(t, f), (size_t)f->size);
    }
}
