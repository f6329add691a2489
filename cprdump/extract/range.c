/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "extract/range.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cli_error.h"
#include "exitcodes.h"
#include "extract/pagedata.h"

static bool parse_num(const char *s, size_t n, uint64_t *v)
{
    g_autofree char *t = g_strndup(s, n);
    char *end;

    if (!n || !g_ascii_isdigit(t[0])) {
        return false;
    }
    errno = 0;
    *v = g_ascii_strtoull(t, &end, 0);
    return !*end && !errno;
}

static bool usage(GError **errp, const char *spec, const char *why)
{
    g_set_error(errp, CPRDUMP_ERROR, EXIT_USAGE, "--dump-ram=%s: %s", spec,
                why);
    return false;
}

bool range_parse(const char *spec, RangeSpec *r, GError **errp)
{
    const char *at = strrchr(spec, '@'), *plus;

    memset(r, 0, sizeof(*r));
    r->length = RANGE_DEFAULT_LENGTH;
    if (at && at > spec) {
        plus = strchr(at, '+');
        size_t olen = plus ? (size_t)(plus - at - 1) : strlen(at + 1);
        if (parse_num(at + 1, olen, &r->offset) &&
            (!plus || parse_num(plus + 1, strlen(plus + 1), &r->length))) {
            r->block = g_strndup(spec, (size_t)(at - spec));
        }
    }
    if (!r->block) {
        r->offset = 0;
        r->length = RANGE_DEFAULT_LENGTH;
        r->block = g_strdup(spec);
    }
    if (!r->block[0]) {
        return usage(errp, spec, "no RAM block named");
    }
    if (!r->length || r->length > RANGE_MAX_LENGTH) {
        g_free(r->block);
        r->block = NULL;
        return usage(errp, spec, "LENGTH must be 1 to 16 MiB (for a whole "
                     "block use --extract-ram)");
    }
    return true;
}

void ranger_init(Ranger *g, RangeSpec *spec, const char *label, int map_fd)
{
    memset(g, 0, sizeof(*g));
    g->spec = *spec;
    g->label = label;
    g->map_fd = map_fd;
    g->bi = -1;
}

void ranger_clear(Ranger *g)
{
    g_free(g->spec.block);
    g_free(g->buf);
    g_free(g->page);
    g_clear_error(&g->err);
}

static int64_t lookup(const RamModel *ram, const char *name)
{
    for (guint i = 0; i < ram->blocks->len; i++) {
        if (!strcmp(g_array_index(ram->blocks, RamBlock, i).idstr, name)) {
            return i;
        }
    }
    return -1;
}

/* Finds the block, clamps the range to it, allocates the buffer. */
static bool setup(Ranger *g, const RamModel *ram)
{
    g->bi = lookup(ram, g->spec.block);
    if (g->bi < 0) {
        g_autofree char *safe = g_strescape(g->spec.block, NULL);
        g_set_error(&g->err, CPRDUMP_ERROR, EXIT_USAGE, "%s: no RAM block "
                    "\"%s\" in the stream (its blocks are listed by "
                    "cprdump FILE)", g->label, safe);
        return false;
    }
    g->used = g_array_index(ram->blocks, RamBlock, g->bi).used_length;
    if (g->spec.offset >= g->used) {
        g_set_error(&g->err, CPRDUMP_ERROR, EXIT_USAGE, "%s: offset 0x%"
                    G_GINT64_MODIFIER "x is beyond RAM block \"%s\" (%"
                    G_GINT64_MODIFIER "u bytes)", g->label, g->spec.offset,
                    g->spec.block, g->used);
        return false;
    }
    g->spec.length = MIN(g->spec.length, g->used - g->spec.offset);
    g->buf = g_malloc0(g->spec.length);
    g->page = g_malloc0(ram->page_size);
    return true;
}

static bool read_mapped(Ranger *g, const RamPage *pg, uint64_t lo,
                        uint64_t hi)
{
    uint64_t done = 0, n = hi - lo;

    while (done < n) {
        ssize_t r = pread(g->map_fd, g->buf + (lo - g->spec.offset) + done,
                          n - done, (off_t)(pg->data_offset + (lo - pg->offset)
                                            + done));
        if (r <= 0) {
            g_set_error(&g->err, CPRDUMP_ERROR, EXIT_MALFORMED, "%s: mapped-"
                        "ram pages at offset 0x%" G_GINT64_MODIFIER "x cannot "
                        "be read", g->label, pg->data_offset);
            return false;
        }
        done += (uint64_t)r;
    }
    return true;
}

/* The page's new content into g->page (whole page); false on error. */
static bool content(Ranger *g, const RamModel *ram, const RamPage *pg,
                    uint64_t lo, uint64_t hi)
{
    uint32_t ps = ram->page_size;

    switch (pg->kind) {
    case RAM_PAGE_NORMAL:
        memcpy(g->page, pg->data, ps);
        return true;
    case RAM_PAGE_COMPRESSED:
        return page_inflate(pg, g->page, ps, g->label, &g->err);
    case RAM_PAGE_XBZRLE:
        /* positional: the in-range bytes come out right from the buffer */
        memcpy(g->page + (lo - pg->offset), g->buf + (lo - g->spec.offset),
               hi - lo);
        return page_xbzrle(pg, g->page, ps, g->label, &g->err);
    default:
        return false;
    }
}

bool ranger_page(void *opaque, const RamModel *ram, const RamPage *pg)
{
    Ranger *g = opaque;
    uint64_t span = pg->kind == RAM_PAGE_MAPPED || pg->kind == RAM_PAGE_ZERO
                    ? pg->len : ram->page_size;

    if (g->bi < 0 && !setup(g, ram)) {
        return false;
    }
    uint64_t lo = MAX(pg->offset, g->spec.offset);
    uint64_t hi = MIN(pg->offset + span, g->spec.offset + g->spec.length);
    if ((int64_t)pg->block != g->bi || lo >= hi) {
        return true;
    }
    g->records += (hi - 1) / ram->page_size - lo / ram->page_size + 1;
    if (pg->kind == RAM_PAGE_MAPPED) {
        return read_mapped(g, pg, lo, hi);
    }
    if (pg->kind == RAM_PAGE_ZERO) {
        memset(g->buf + (lo - g->spec.offset), pg->fill, hi - lo);
        return true;
    }
    if (!content(g, ram, pg, lo, hi)) {
        return false;
    }
    memcpy(g->buf + (lo - g->spec.offset), g->page + (lo - pg->offset),
           hi - lo);
    return true;
}

bool ranger_finish(Ranger *g, const RamModel *ram)
{
    return g->bi >= 0 || setup(g, ram);
}
