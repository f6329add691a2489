/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "input/procmaps.h"

#include "cli_error.h"
#include "exitcodes.h"
#include <string.h>

#define DELETED_SUFFIX " (deleted)"

bool procmap_shared(const ProcMap *m)
{
    return m->perms[3] == 's';
}

bool procmap_has_flag(const ProcMap *m, const char *flag)
{
    size_t n = strlen(flag);

    for (const char *p = m->vmflags; p && *p;) {
        const char *end = strchr(p, ' ');
        size_t len = end ? (size_t)(end - p) : strlen(p);

        if (len == n && !memcmp(p, flag, n)) {
            return true;
        }
        p = end ? end + 1 : p + len;
    }
    return false;
}

bool procmap_dontfork(const ProcMap *m)
{
    return procmap_has_flag(m, "dc");
}

static void clear_map(gpointer p)
{
    ProcMap *m = p;

    g_free(m->path);
    g_free(m->vmflags);
}

/* Reads a hex number ending at 'stop'; advances *p past the stop char. */
static bool hex_field(const char **p, char stop, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    int digits = 0;

    for (; g_ascii_isxdigit(*s); s++, digits++) {
        if (digits >= 16) {
            return false;
        }
        v = v << 4 | (uint64_t)g_ascii_xdigit_value(*s);
    }
    if (!digits || *s != stop) {
        return false;
    }
    *out = v;
    *p = s + 1;
    return true;
}

static bool dec_field(const char **p, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;

    if (!g_ascii_isdigit(*s)) {
        return false;
    }
    for (; g_ascii_isdigit(*s); s++) {
        if (v > (G_MAXUINT64 - 9) / 10) {
            return false;
        }
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    *p = s;
    return true;
}

static bool parse_header(const char *line, ProcMap *m)
{
    const char *p = line;
    uint64_t maj, min;

    if (!hex_field(&p, '-', &m->start) || !hex_field(&p, ' ', &m->end) ||
        m->end < m->start) {
        return false;
    }
    for (int i = 0; i < 4; i++) {
        if (!strchr("rwxsp-", p[i]) || !p[i]) {
            return false;
        }
        m->perms[i] = p[i];
    }
    p += 4;
    if (*p++ != ' ' || !hex_field(&p, ' ', &m->offset) ||
        !hex_field(&p, ':', &maj) || !hex_field(&p, ' ', &min) ||
        maj > G_MAXUINT || min > G_MAXUINT || !dec_field(&p, &m->inode)) {
        return false;
    }
    m->dev_major = (unsigned)maj;
    m->dev_minor = (unsigned)min;
    if (*p && *p != ' ') {
        return false;
    }
    while (*p == ' ') {
        p++;
    }
    if (*p) {
        size_t len = strlen(p);

        if (g_str_has_suffix(p, DELETED_SUFFIX)) {
            m->deleted = true;
            len -= strlen(DELETED_SUFFIX);
        }
        m->path = g_strndup(p, len);
    }
    return true;
}

/* A header line starts with "hex-hex "; an smaps counter with "Name:". */
static bool looks_like_header(const char *line)
{
    const char *p = line;

    while (g_ascii_isxdigit(*p)) {
        p++;
    }
    return p != line && *p == '-';
}

GArray *procmaps_parse(const char *text, gsize len, GError **errp)
{
    g_autoptr(GArray) maps = g_array_new(FALSE, TRUE, sizeof(ProcMap));
    g_autofree char *copy = g_strndup(text, len);
    char *save = NULL;
    unsigned lineno = 0;

    g_array_set_clear_func(maps, clear_map);
    if (memchr(text, 0, len)) {
        g_set_error(errp, CPRDUMP_ERROR, EXIT_INPUT,
                    "a NUL byte in the text");
        return NULL;
    }
    for (char *line = strtok_r(copy, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        if (looks_like_header(line)) {
            ProcMap m = { 0 };

            if (!parse_header(line, &m)) {
                clear_map(&m);
                g_set_error(errp, CPRDUMP_ERROR, EXIT_INPUT,
                            "line %u: not a mapping: %.60s", lineno, line);
                return NULL;
            }
            g_array_append_val(maps, m);
        } else if (g_str_has_prefix(line, "VmFlags:") && maps->len) {
            ProcMap *m = &g_array_index(maps, ProcMap, maps->len - 1);

            g_free(m->vmflags);
            m->vmflags = g_strstrip(g_strdup(line + strlen("VmFlags:")));
            m->has_vmflags = true;
        }
    }
    return g_steal_pointer(&maps);
}
