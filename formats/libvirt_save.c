/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "libvirt_save.h"

#include <glib.h>
#include <string.h>


#define MAGIC_STEM "LibvirtQemud"
#define VERSION_MAX 2
#define XML_DEPTH_MAX 64

static const char *const comp_names[LIBVIRT_COMP_COUNT] = {
    "raw", "gzip", "bzip2", "xz", "lzop", "zstd", "sparse",
};

const char *libvirt_compression_name(uint32_t code)
{
    return code < LIBVIRT_COMP_COUNT ? comp_names[code] : NULL;
}

int libvirt_save_probe(const uint8_t *buf, size_t len)
{
    if (len < 12 || memcmp(buf, MAGIC_STEM, 12)) {
        return 0;
    }
    if (len < LIBVIRT_SAVE_MAGIC_LEN) {
        return 32;
    }
    return !memcmp(buf + 12, "Save", 4) || !memcmp(buf + 12, "Part", 4) ? 100
                                                                       : 0;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint32_t field(const uint8_t *hdr, size_t off, bool big)
{
    uint32_t v = le32(hdr + off);

    return big ? GUINT32_SWAP_LE_BE(v) : v;
}

static bool check_magic(const uint8_t *m, LibvirtSave *h, FmtError *err)
{
    if (!memcmp(m, MAGIC_STEM "Save", LIBVIRT_SAVE_MAGIC_LEN)) {
        return true;
    }
    if (!memcmp(m, MAGIC_STEM "Part", LIBVIRT_SAVE_MAGIC_LEN)) {
        h->partial = true;
        return true;
    }
    fmt_error_set(err, FMT_ERR_MAGIC, 0, "libvirt header", -1, "magic",
                  "not a libvirt save image (magic is neither "
                  "LibvirtQemudSave nor LibvirtQemudPart)");
    return false;
}

/* libvirt writes the header in host order and swaps when the version reads
 * as more than it knows: so does cprdump. */
static bool read_version(const uint8_t *hdr, LibvirtSave *h, FmtError *err)
{
    h->version = field(hdr, 16, false);
    if (h->version > VERSION_MAX) {
        uint32_t swapped = field(hdr, 16, true);

        if (swapped == 0 || swapped > VERSION_MAX) {
            fmt_error_set(err, FMT_ERR_VERSION, 16, "libvirt header", -1,
                          "version", "unsupported libvirt save image version "
                          "%u (1 and 2 are known)", h->version);
            h->version = 0;     /* nothing of the header is known */
            return false;
        }
        h->version = swapped;
        h->big_endian = true;
    }
    if (h->version == 0) {
        fmt_error_set(err, FMT_ERR_VERSION, 16, "libvirt header", -1,
                      "version", "libvirt save image version 0 does not "
                      "exist (1 and 2 are known)");
        return false;
    }
    return true;
}

static bool check_data_len(LibvirtSave *h, FmtError *err)
{
    if (h->data_len == 0) {
        fmt_error_set(err, FMT_ERR_INVALID, 20, "libvirt header", -1,
                      "data length", "data length is 0: there is no domain "
                      "XML");
        return false;
    }
    if (h->data_len > LIBVIRT_SAVE_DATA_MAX) {
        fmt_error_set(err, FMT_ERR_LIMIT, 20, "libvirt header", -1,
                      "data length", "data area of %u bytes is over the %u "
                      "MiB limit", h->data_len, LIBVIRT_SAVE_DATA_MAX >> 20);
        return false;
    }
    return true;
}

static bool check_fields(LibvirtSave *h, FmtError *err)
{
    if (h->compression >= LIBVIRT_COMP_COUNT) {
        fmt_error_set(err, FMT_ERR_INVALID, 28, "libvirt header", -1,
                      "compression", "unknown compression code %u (0..%d "
                      "are raw, gzip, bzip2, xz, lzop, zstd, sparse)",
                      h->compression, LIBVIRT_COMP_COUNT - 1);
        return false;
    }
    if (h->cookie_offset && h->cookie_offset >= h->data_len) {
        fmt_error_set(err, FMT_ERR_INVALID, 32, "libvirt header", -1,
                      "cookie offset", "cookie offset %u is not inside the "
                      "%u-byte data area", h->cookie_offset, h->data_len);
        return false;
    }
    return true;
}

bool libvirt_save_decode_header(const uint8_t *buf, size_t len,
                                LibvirtSave *h, FmtError *err)
{
    memset(h, 0, sizeof(*h));
    if (len < LIBVIRT_SAVE_HEADER_LEN) {
        size_t at = len < LIBVIRT_SAVE_MAGIC_LEN ? 0 : len - len % 4;

        fmt_error_truncated(err, at, "libvirt header", -1,
                            len < LIBVIRT_SAVE_MAGIC_LEN ? "magic" : "header",
                            LIBVIRT_SAVE_HEADER_LEN - at, len - at);
        if (len < LIBVIRT_SAVE_MAGIC_LEN) {
            return false;
        }
    }
    if (!check_magic(buf, h, err) || len < LIBVIRT_SAVE_HEADER_LEN ||
        !read_version(buf, h, err)) {
        return false;
    }
    h->data_len = field(buf, 20, h->big_endian);
    h->was_running = field(buf, 24, h->big_endian);
    h->compression = field(buf, 28, h->big_endian);
    /* version 1 has no cookie: offset 32 is the first unused word */
    h->cookie_offset = h->version >= 2 ? field(buf, 32, h->big_endian) : 0;
    h->payload_offset = LIBVIRT_SAVE_HEADER_LEN + (uint64_t)h->data_len;
    return check_data_len(h, err) && check_fields(h, err);
}

/* ---- the domain XML ---- */

typedef struct XmlWalk {
    LibvirtDomain *d;
    const char *path[XML_DEPTH_MAX];
    int depth;
    GString *text;          /* text of the element being collected */
    char **into;            /* where that text goes, or NULL */
    const char *unit;       /* <memory unit=...> */
    bool in_memory;
    GString *memory_text;
} XmlWalk;

/* The element just opened is at this depth, under /domain/p1[/p2]. */
static bool is(const XmlWalk *w, int depth, const char *p1, const char *p2)
{
    return w->depth == depth && !strcmp(w->path[1], p1) &&
           (!p2 || !strcmp(w->path[2], p2));
}

static const char *attr(const char **names, const char **values,
                        const char *name)
{
    for (int i = 0; names[i]; i++) {
        if (!strcmp(names[i], name)) {
            return values[i];
        }
    }
    return NULL;
}

static void set_once(char **dst, const char *v)
{
    if (!*dst && v) {
        *dst = g_strdup(v);
    }
}

static void on_start(GMarkupParseContext *ctx, const char *el,
                     const char **names, const char **values, void *data,
                     GError **errp)
{
    XmlWalk *w = data;
    LibvirtDomain *d = w->d;

    (void)ctx;
    if (w->depth == XML_DEPTH_MAX) {
        g_set_error(errp, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                    "elements nested deeper than %d", XML_DEPTH_MAX);
        return;
    }
    if (w->depth == 0 && strcmp(el, "domain")) {
        g_set_error(errp, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                    "root element is <%s>, not <domain>", el);
        return;
    }
    w->path[w->depth++] = g_intern_string(el);
    if (w->depth == 1) {
        set_once(&d->type, attr(names, values, "type"));
    } else if (is(w, 3, "os", "type")) {
        set_once(&d->arch, attr(names, values, "arch"));
        set_once(&d->machine, attr(names, values, "machine"));
    } else if (is(w, 3, "devices", NULL) && strcmp(el, "emulator")) {
        d->devices++;
    }
    g_string_truncate(w->text, 0);
    w->into = NULL;
    w->in_memory = false;
    if (is(w, 2, "name", NULL) && !d->name) {
        w->into = &d->name;
    } else if (is(w, 2, "uuid", NULL) && !d->uuid) {
        w->into = &d->uuid;
    } else if (is(w, 3, "devices", "emulator") && !d->emulator) {
        w->into = &d->emulator;
    } else if (is(w, 2, "memory", NULL) && !d->has_memory) {
        w->in_memory = true;
        w->unit = g_intern_string(attr(names, values, "unit"));
    }
}

static void on_text(GMarkupParseContext *ctx, const char *text, gsize len,
                    void *data, GError **errp)
{
    XmlWalk *w = data;

    (void)ctx;
    (void)errp;
    if (w->into || w->in_memory) {
        g_string_append_len(w->text, text, (gssize)len);
    }
}

static const struct {
    const char *unit;
    uint64_t scale;
} units[] = {
    { "b", 1 }, { "bytes", 1 }, { "KB", 1000 }, { "k", 1024 },
    { "KiB", 1024 }, { "MB", 1000000 }, { "M", 1u << 20 },
    { "MiB", 1u << 20 }, { "GB", 1000000000 }, { "G", 1u << 30 },
    { "GiB", 1u << 30 }, { "TB", 1000000000000ull }, { "T", 1ull << 40 },
    { "TiB", 1ull << 40 },
};

/* libvirt's units, KiB when none is given. */
static bool memory_bytes(const char *text, const char *unit, uint64_t *out,
                         GError **errp)
{
    uint64_t scale = 0, v;
    char *end;

    for (size_t i = 0; i < G_N_ELEMENTS(units); i++) {
        if (!strcmp(unit ? unit : "KiB", units[i].unit)) {
            scale = units[i].scale;
        }
    }
    g_autofree char *t = g_strstrip(g_strdup(text));
    v = g_ascii_strtoull(t, &end, 10);
    if (!scale || !*t || *end || !g_ascii_isdigit(*t) ||
        v > UINT64_MAX / scale) {
        g_set_error(errp, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                    "<memory unit='%s'>%s</memory> is not a memory size",
                    unit ? unit : "KiB", t);
        return false;
    }
    *out = v * scale;
    return true;
}

static void on_end(GMarkupParseContext *ctx, const char *el, void *data,
                   GError **errp)
{
    XmlWalk *w = data;

    (void)ctx;
    (void)el;
    if (w->into) {
        *w->into = g_strstrip(g_strdup(w->text->str));
    } else if (w->in_memory) {
        w->d->has_memory = memory_bytes(w->text->str, w->unit,
                                        &w->d->memory, errp);
    }
    w->into = NULL;
    w->in_memory = false;
    w->depth--;
}

static void summarise(LibvirtSave *h)
{
    static const GMarkupParser parser = { on_start, on_end, on_text, NULL,
                                          NULL };
    XmlWalk w = { .d = &h->dom, .text = g_string_new(NULL) };
    g_autoptr(GError) e = NULL;
    GMarkupParseContext *ctx = g_markup_parse_context_new(&parser, 0, &w,
                                                          NULL);
    bool ok = g_markup_parse_context_parse(ctx, h->xml, h->xml_len, &e) &&
              g_markup_parse_context_end_parse(ctx, &e);

    if (!ok) {
        int line = 0, col = 0;

        g_markup_parse_context_get_position(ctx, &line, &col);
        fmt_error_set(&h->xml_err, FMT_ERR_INVALID, LIBVIRT_SAVE_HEADER_LEN,
                      "domain XML", -1, "xml", "the domain XML does not "
                      "parse at line %d char %d: %s", line, col, e->message);
    }
    g_markup_parse_context_free(ctx);
    g_string_free(w.text, true);
}

/* A NUL-terminated string at the start of [buf, buf + len). */
static bool take_string(const uint8_t *buf, size_t len, uint64_t offset,
                        const char *what, char **out, uint32_t *slen,
                        FmtError *err)
{
    const uint8_t *nul = memchr(buf, 0, len);

    if (!nul) {
        fmt_error_set(err, FMT_ERR_INVALID, offset, "libvirt data", -1, what,
                      "the %s has no terminating NUL in its %zu-byte area",
                      what, len);
        return false;
    }
    *out = g_strndup((const char *)buf, (size_t)(nul - buf));
    if (slen) {
        *slen = (uint32_t)(nul - buf);
    }
    return true;
}

bool libvirt_save_decode_data(const uint8_t *buf, size_t len, LibvirtSave *h,
                              FmtError *err)
{
    size_t xml_area = h->cookie_offset ? h->cookie_offset : h->data_len;

    if (len < h->data_len) {
        fmt_error_truncated(err, LIBVIRT_SAVE_HEADER_LEN + len,
                            "libvirt data", -1, "data area",
                            h->data_len - len, 0);
        return false;
    }
    if (!take_string(buf, xml_area, LIBVIRT_SAVE_HEADER_LEN, "domain XML",
                     &h->xml, &h->xml_len, err)) {
        return false;
    }
    summarise(h);
    if (h->cookie_offset &&
        !take_string(buf + h->cookie_offset, h->data_len - h->cookie_offset,
                     LIBVIRT_SAVE_HEADER_LEN + h->cookie_offset, "cookie",
                     &h->cookie, NULL, err)) {
        return false;
    }
    return true;
}

void libvirt_save_clear(LibvirtSave *h)
{
    LibvirtDomain *d = &h->dom;

    g_free(d->type);
    g_free(d->name);
    g_free(d->uuid);
    g_free(d->arch);
    g_free(d->machine);
    g_free(d->emulator);
    g_free(h->xml);
    g_free(h->cookie);
    memset(h, 0, sizeof(*h));
}
