/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include "extract/find.h"

#include <string.h>
#include <unistd.h>

#include "cli_error.h"
#include "exitcodes.h"
#include "extract/pagedata.h"

static bool bad(GError **errp, const char *pattern, const char *why)
{
    g_set_error(errp, CPRDUMP_ERROR, EXIT_USAGE, "--find=%s: %s", pattern,
                why);
    return false;
}

GBytes *find_parse(const char *pattern, GError **errp)
{
    GByteArray *b = g_byte_array_new();
    bool zero = true;

    if (g_str_has_prefix(pattern, "0x")) {
        const char *h = pattern + 2;
        size_t n = strlen(h);
        for (size_t i = 0; i + 1 < n + 1 && i < n; i += 2) {
            int hi = g_ascii_xdigit_value(h[i]);
            int lo = i + 1 < n ? g_ascii_xdigit_value(h[i + 1]) : -1;
            if (hi < 0 || lo < 0) {
                g_byte_array_unref(b);
                bad(errp, pattern, "0x must be followed by pairs of hex digits");
                return NULL;
            }
            guint8 c = (guint8)(hi << 4 | lo);
            g_byte_array_append(b, &c, 1);
        }
    } else {
        g_byte_array_append(b, (const guint8 *)pattern, strlen(pattern));
    }
    for (guint i = 0; i < b->len; i++) {
        zero = zero && !b->data[i];
    }
    if (!b->len || b->len > FIND_MAX_PATTERN || zero) {
        g_byte_array_unref(b);
        bad(errp, pattern, "the pattern must be 1 to 256 bytes, not all zero "
            "(zero bytes are every zero page)");
        return NULL;
    }
    return g_byte_array_free_to_bytes(b);
}

static guint64 *page_key(guint block, uint64_t page)
{
    guint64 *k = g_new(guint64, 1);

    *k = (guint64)block << 48 | page;
    return k;
}

void finder_init(Finder *f, GBytes *needle, const char *label, int map_fd)
{
    memset(f, 0, sizeof(*f));
    f->needle = needle;
    f->label = label;
    f->map_fd = map_fd;
    f->by_page = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
                                       (GDestroyNotify)g_array_unref);
}

void finder_clear(Finder *f)
{
    g_bytes_unref(f->needle);
    g_hash_table_unref(f->by_page);
    g_free(f->page);
    g_free(f->carry);
    g_clear_error(&f->err);
}

static void forget(Finder *f, guint block, uint64_t page)
{
    guint64 k = (guint64)block << 48 | page;
    GArray *a = f->matches ? g_hash_table_lookup(f->by_page, &k) : NULL;

    if (a) {
        f->matches -= a->len;
        g_hash_table_remove(f->by_page, &k);
    }
}

static void add(Finder *f, guint block, uint64_t page, uint64_t offset)
{
    guint64 k = (guint64)block << 48 | page;
    GArray *a = g_hash_table_lookup(f->by_page, &k);

    if (f->matches >= FIND_MAX_MATCHES) {
        f->truncated = true;
        return;
    }
    if (!a) {
        a = g_array_new(FALSE, FALSE, sizeof(uint64_t));
        g_hash_table_insert(f->by_page, page_key(block, page), a);
    }
    g_array_append_val(a, offset);
    f->matches++;
}

/* Matches in buf[0, n) whose first byte is before 'limit'. */
static void scan(Finder *f, guint block, uint64_t base, uint32_t ps,
                 const uint8_t *buf, size_t n, size_t limit)
{
    gsize nl;
    const uint8_t *nd = g_bytes_get_data(f->needle, &nl);
    const uint8_t *p = buf, *end = buf + n;

    while ((size_t)(end - p) >= nl) {
        const uint8_t *hit = memmem(p, (size_t)(end - p), nd, nl);
        if (!hit || (size_t)(hit - buf) >= limit) {
            return;
        }
        uint64_t off = base + (uint64_t)(hit - buf);
        add(f, block, off / ps, off);
        p = hit + 1;
    }
}

/* One page's final content arrived (data NULL: a zero page, which cannot
 * hold the pattern): its old matches go, new ones come, and a match that
 * starts in the previous page record (if it was the page just before) and
 * ends here. */
static void search_page(Finder *f, guint block, uint64_t off, uint32_t ps,
                        const uint8_t *data)
{
    gsize nl;

    g_bytes_get_data(f->needle, &nl);
    forget(f, block, off / ps);
    if (data) {
        scan(f, block, off, ps, data, ps, ps);
    }
    if (nl > 1 && f->has_carry && !f->carry_zero && f->carry_block == block &&
        f->carry_offset + ps == off) {
        uint8_t j[2 * (FIND_MAX_PATTERN - 1)] = { 0 };
        memcpy(j, f->carry + ps - (nl - 1), nl - 1);
        if (data) {
            memcpy(j + nl - 1, data, nl - 1);
        }
        scan(f, block, off - (nl - 1), ps, j, 2 * (nl - 1), nl - 1);
    }
    /* a zero tail followed by anything cannot start a match that is not all
     * zero (refused): the next junction is skipped */
    f->carry_zero = !data;
    if (data) {
        memcpy(f->carry, data, ps);
        f->carry_zero = true;
        for (size_t i = ps - (nl - 1); i < ps && f->carry_zero; i++) {
            f->carry_zero = !data[i];
        }
    }
    f->has_carry = true;
    f->carry_block = block;
    f->carry_offset = off;
}

static bool search_mapped(Finder *f, const RamPage *pg, uint32_t ps)
{
    for (uint64_t k = 0; k < pg->len; k += ps) {
        if (pread(f->map_fd, f->page, ps, (off_t)(pg->data_offset + k)) !=
            (ssize_t)ps) {
            g_set_error(&f->err, CPRDUMP_ERROR, EXIT_MALFORMED, "%s: mapped-"
                        "ram page at offset 0x%" G_GINT64_MODIFIER "x cannot "
                        "be read", f->label, pg->data_offset + k);
            return false;
        }
        search_page(f, pg->block, pg->offset + k, ps, f->page);
    }
    return true;
}

bool finder_page(void *opaque, const RamModel *ram, const RamPage *pg)
{
    Finder *f = opaque;
    uint32_t ps = ram->page_size;

    if (!f->page) {
        f->page = g_malloc(ps);
        f->carry = g_malloc(ps);
    }
    switch (pg->kind) {
    case RAM_PAGE_ZERO:
        if (pg->fill) {
            memset(f->page, pg->fill, ps);
        }
        for (uint64_t k = 0; k < pg->len; k += ps) {
            search_page(f, pg->block, pg->offset + k, ps,
                        pg->fill ? f->page : NULL);
        }
        return true;
    case RAM_PAGE_NORMAL:
        search_page(f, pg->block, pg->offset, ps, pg->data);
        return true;
    case RAM_PAGE_COMPRESSED:
        if (!page_inflate(pg, f->page, ps, f->label, &f->err)) {
            return false;
        }
        break;
    case RAM_PAGE_XBZRLE:
        forget(f, pg->block, pg->offset / ps);
        f->unsearched++;
        f->has_carry = false;
        return true;
    case RAM_PAGE_MAPPED:
        return f->map_fd >= 0 ? search_mapped(f, pg, ps)
            : (g_set_error(&f->err, CPRDUMP_ERROR, EXIT_FORMAT, "%s: a "
                           "mapped-ram stream is read by offset: give it as a "
                           "plain file", f->label), false);
    }
    search_page(f, pg->block, pg->offset, ps, f->page);
    return true;
}

static gint by_place(gconstpointer a, gconstpointer b)
{
    const FindMatch *x = a, *y = b;

    if (x->block != y->block) {
        return x->block < y->block ? -1 : 1;
    }
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

GArray *finder_results(Finder *f)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(FindMatch));
    GHashTableIter it;
    gpointer k, v;

    g_hash_table_iter_init(&it, f->by_page);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        GArray *a = v;
        for (guint i = 0; i < a->len; i++) {
            FindMatch m = { .block = (guint)(*(guint64 *)k >> 48),
                            .offset = g_array_index(a, uint64_t, i) };
            g_array_append_val(out, m);
        }
    }
    g_array_sort(out, by_place);
    return out;
}
