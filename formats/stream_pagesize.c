/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Target page size: configuration/target-page-bits (present only when the
 * target's page size is above its legacy minimum), else the vmdesc
 * "page_size" read ahead from the end of a seekable input, else the first
 * mapped-ram header, else POSTCOPY_ADVISE, else inferred from the records.
 * Every source present is compared with the one used.
 */
#include "stream_pagesize.h"

#include <string.h>

static const struct {
    const char *name;
    const char *title;
} sources[PS_SRC__COUNT + 1] = {
    [PS_SRC_CONFIG] = { "configuration", "configuration/target-page-bits" },
    [PS_SRC_VMDESC] = { "vmdesc", "vmdesc page_size" },
    [PS_SRC_MAPPED] = { "mapped-ram", "mapped-ram header" },
    [PS_SRC_ADVISE] = { "postcopy-advise", "POSTCOPY_ADVISE" },
    [PS_SRC_INFERRED] = { "inferred", "inferred from the RAM records" },
    [PS_SRC_NONE] = { "none", "none (no source, and no page record needed "
                      "one)" },
};

const char *stream_page_source_name(StreamPageSource src)
{
    return (unsigned)src <= PS_SRC__COUNT ? sources[src].name : "none";
}

const char *stream_page_source_title(StreamPageSource src)
{
    return (unsigned)src <= PS_SRC__COUNT ? sources[src].title : "none";
}

static bool usable(uint64_t v)
{
    return v >= 1024 && v <= (1u << 24) && !(v & (v - 1));
}

static void use(StreamModel *m, StreamPageSource src)
{
    m->ps.size = (uint32_t)m->ps.said[src];
    m->ps.from = src;
    m->ram.page_size = m->ps.size;
    m->ram.page_size_from = RAM_PS_GIVEN;
}

void stream_ps_begin(StreamModel *m, const uint8_t *tail, size_t n,
                     uint64_t total)
{
    StreamConfig *c = &m->config;
    Vmdesc vd;
    uint64_t at;

    m->ps.from = PS_SRC_NONE;
    if (c->has_page_bits) {
        m->ps.said[PS_SRC_CONFIG] = c->page_bits < 64 ? 1ull << c->page_bits
                                                      : 0;
        m->ps.at[PS_SRC_CONFIG] = c->offset;
    }
    vmdesc_init(&vd);
    if (tail && vmdesc_find_tail(tail, n, total, &vd, &at) &&
        vd.page_size > 0) {
        m->ps.said[PS_SRC_VMDESC] = (uint64_t)vd.page_size;
        m->ps.at[PS_SRC_VMDESC] = at;
        m->ps.vmdesc_ahead = true;
    }
    vmdesc_clear(&vd);
    if (usable(m->ps.said[PS_SRC_CONFIG])) {
        use(m, PS_SRC_CONFIG);
    } else if (usable(m->ps.said[PS_SRC_VMDESC])) {
        use(m, PS_SRC_VMDESC);
    }
}

void stream_ps_advise(StreamModel *m, const StreamCommand *c)
{
    if (m->ps.said[PS_SRC_ADVISE] || c->length != 16) {
        return;
    }
    m->ps.said[PS_SRC_ADVISE] = c->target_page_size;
    m->ps.at[PS_SRC_ADVISE] = c->offset;
    if (!m->ps.size && !m->ram.present && usable(c->target_page_size)) {
        use(m, PS_SRC_ADVISE);
    }
}

/* Which candidates fit, as "1024, 4096". */
static char *fits_list(const RamInference *inf)
{
    static const unsigned shifts[RAM_INFER_N] = RAM_INFER_SHIFTS;
    GString *s = g_string_new(NULL);

    for (int i = 0; i < RAM_INFER_N; i++) {
        if (inf->fits & (1u << i)) {
            g_string_append_printf(s, "%s%u", s->len ? ", " : "",
                                   1u << shifts[i]);
        }
    }
    return g_string_free(s, FALSE);
}

static uint64_t inferred_records(const RamInference *inf, uint32_t size)
{
    static const unsigned shifts[RAM_INFER_N] = RAM_INFER_SHIFTS;

    for (int i = 0; i < RAM_INFER_N; i++) {
        if (1u << shifts[i] == size) {
            return inf->records[i];
        }
    }
    return 0;
}

static void take_ram(StreamModel *m)
{
    const RamModel *r = &m->ram;

    for (guint i = 0; r->blocks && i < r->blocks->len; i++) {
        const RamBlock *b = &g_array_index(r->blocks, RamBlock, i);
        if (b->has_mapped) {
            m->ps.said[PS_SRC_MAPPED] = b->mapped.page_size;
            m->ps.at[PS_SRC_MAPPED] = b->offset;
            break;
        }
    }
    if (r->page_size_from == RAM_PS_MAPPED) {
        m->ps.size = r->page_size;
        m->ps.from = PS_SRC_MAPPED;
    } else if (r->page_size_from == RAM_PS_INFERRED) {
        m->ps.size = r->page_size;
        m->ps.from = PS_SRC_INFERRED;
        m->ps.said[PS_SRC_INFERRED] = r->page_size;
        m->ps.at[PS_SRC_INFERRED] = r->inference.offset;
    }
}

static void describe(StreamModel *m)
{
    const RamInference *inf = &m->ram.inference;

    if (m->ps.from == PS_SRC_INFERRED) {
        g_autofree char *fits = fits_list(inf);
        m->ps.detail = g_strdup_printf(
            inf->decisive
                ? "inferred: only %s makes the %" G_GUINT64_FORMAT " RAM "
                  "records read ahead from 0x%" G_GINT64_MODIFIER "x valid"
                : "inferred, ambiguous: %s all make the %" G_GUINT64_FORMAT
                  " RAM records read ahead from 0x%" G_GINT64_MODIFIER "x "
                  "valid (no full page among them); the largest is used",
            fits, inferred_records(inf, m->ps.size), inf->offset);
        if (m->ps.said[PS_SRC_VMDESC] == m->ps.size) {
            char *d = g_strconcat(m->ps.detail, "; the vmdesc at the end "
                                  "agrees", NULL);
            g_free(m->ps.detail);
            m->ps.detail = d;
        }
    } else if (m->ps.from == PS_SRC_VMDESC) {
        m->ps.detail = g_strdup(m->ps.vmdesc_ahead
                                ? "vmdesc page_size, read ahead from the end"
                                : "vmdesc page_size, read at the end (no "
                                  "record needed it before)");
    } else {
        m->ps.detail = g_strdup(stream_page_source_title(m->ps.from));
    }
}

/* The first source that disagrees with the one used. */
static bool find_conflict(StreamModel *m, FmtError *err, bool ok)
{
    for (int i = 0; i < PS_SRC__COUNT; i++) {
        uint64_t v = m->ps.said[i];
        if (!v || i == (int)m->ps.from || (m->ps.size && v == m->ps.size)) {
            continue;
        }
        if (!m->ps.size && usable(v)) {
            continue;   /* unused and unneeded, but the only one */
        }
        m->ps.conflict = g_strdup_printf(
            "target page size: %s says %" G_GUINT64_FORMAT " but %s says %"
            G_GUINT64_FORMAT, stream_page_source_title(m->ps.from),
            (uint64_t)m->ps.size, stream_page_source_title(i), v);
        if (!m->ps.size) {
            g_free(m->ps.conflict);
            m->ps.conflict = g_strdup_printf(
                "target page size: %s says %" G_GUINT64_FORMAT ", which is "
                "not a power of two from 1 KiB to 16 MiB",
                stream_page_source_title(i), v);
        }
        if (ok) {
            fmt_error_set(err, FMT_ERR_INVALID, m->ps.at[i], "page size",
                          -1, stream_page_source_name(i), "%s",
                          m->ps.conflict);
        }
        return false;
    }
    return true;
}

bool stream_ps_finish(StreamModel *m, bool ok, FmtError *err)
{
    take_ram(m);
    if (m->vmdesc.parsed && m->vmdesc.desc.page_size > 0) {
        m->ps.said[PS_SRC_VMDESC] = (uint64_t)m->vmdesc.desc.page_size;
        m->ps.at[PS_SRC_VMDESC] = m->vmdesc.offset;
    }
    if (!m->ps.size) {
        /* nothing needed it: report the best source present, if usable */
        for (int i = 0; i < PS_SRC__COUNT; i++) {
            if (usable(m->ps.said[i])) {
                m->ps.size = (uint32_t)m->ps.said[i];
                m->ps.from = (StreamPageSource)i;
                break;
            }
        }
    }
    describe(m);
    if (m->ram.mapped_mismatch >= 0 && !m->ps.conflict) {
        const RamBlock *b = &g_array_index(m->ram.blocks, RamBlock,
                                           m->ram.mapped_mismatch);
        m->ps.conflict = g_strdup_printf(
            "target page size: %s says %u but the mapped-ram header of block "
            "%" G_GINT64_FORMAT " says %" G_GUINT64_FORMAT,
            stream_page_source_title(m->ps.from), m->ps.size,
            m->ram.mapped_mismatch, b->mapped.page_size);
        if (ok) {
            fmt_error_set(err, FMT_ERR_INVALID, b->offset, "page size", -1,
                          "mapped-ram page_size", "%s", m->ps.conflict);
        }
        return false;
    }
    return find_conflict(m, err, ok) && ok;
}
