/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "extract/pageset.h"

#define WORDS (PAGESET_CHUNK / 64)

void pageset_init(PageSet *s)
{
    s->chunks = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
                                      g_free);
    s->last = NULL;
    s->last_no = 0;
}

void pageset_clear(PageSet *s)
{
    if (s->chunks) {
        g_hash_table_unref(s->chunks);
    }
    s->chunks = NULL;
    s->last = NULL;
}

static uint64_t *chunk(PageSet *s, uint64_t no, bool create)
{
    uint64_t *c;

    if (s->last && s->last_no == no) {
        return s->last;
    }
    c = g_hash_table_lookup(s->chunks, &no);
    if (!c && create) {
        uint64_t *key = g_new(uint64_t, 1);
        *key = no;
        c = g_new0(uint64_t, WORDS);
        g_hash_table_insert(s->chunks, key, c);
    }
    if (c) {
        s->last = c;
        s->last_no = no;
    }
    return c;
}

bool pageset_test(PageSet *s, uint64_t page)
{
    uint64_t *c = chunk(s, page / PAGESET_CHUNK, false);
    uint64_t i = page % PAGESET_CHUNK;

    return c && (c[i / 64] >> (i % 64) & 1);
}

void pageset_set(PageSet *s, uint64_t page, bool on)
{
    uint64_t *c = chunk(s, page / PAGESET_CHUNK, on);
    uint64_t i = page % PAGESET_CHUNK, m = 1ull << (i % 64);

    if (c) {
        c[i / 64] = on ? c[i / 64] | m : c[i / 64] & ~m;
    }
}

/* The smallest chunk number >= no that has a bitmap, or UINT64_MAX. */
static uint64_t next_chunk(PageSet *s, uint64_t no)
{
    uint64_t best = UINT64_MAX;
    GHashTableIter it;
    gpointer k;

    g_hash_table_iter_init(&it, s->chunks);
    while (g_hash_table_iter_next(&it, &k, NULL)) {
        uint64_t n = *(uint64_t *)k;
        if (n >= no && n < best) {
            best = n;
        }
    }
    return best;
}

uint64_t pageset_next(PageSet *s, uint64_t from, uint64_t to)
{
    uint64_t page = from;

    while (page < to) {
        uint64_t *c = chunk(s, page / PAGESET_CHUNK, false);
        uint64_t chunk_end = (page / PAGESET_CHUNK + 1) * PAGESET_CHUNK;
        if (!c) {             /* skip to the next chunk that has pages */
            uint64_t n = next_chunk(s, page / PAGESET_CHUNK);
            if (n == UINT64_MAX || n >= to / PAGESET_CHUNK + 1) {
                return to;
            }
            page = MAX(page, n * PAGESET_CHUNK);
            continue;
        }
        for (uint64_t i = page % PAGESET_CHUNK; page < MIN(to, chunk_end);) {
            uint64_t w = c[i / 64] >> (i % 64);
            if (w) {
                page += (uint64_t)__builtin_ctzll(w);
                return MIN(page, to);
            }
            page += 64 - i % 64;
            i = page % PAGESET_CHUNK;
        }
    }
    return to;
}
