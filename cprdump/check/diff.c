/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "check/diff.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Most facts one input gives: far above any real stream (tens of thousands),
 * so that a hostile input costs bounded memory. */
#define DIFF_FACTS_MAX 4000000u

static char *fact_key(const char *group, const char *path)
{
    /* the group's length first: unambiguous whatever bytes the names hold */
    size_t lg = strlen(group), lp = strlen(path);
    char num[24];
    int ln = snprintf(num, sizeof(num), "%zu:", lg);
    char *k = g_malloc((size_t)ln + lg + lp + 1);

    memcpy(k, num, (size_t)ln);
    memcpy(k + ln, group, lg);
    memcpy(k + ln + lg, path, lp + 1);
    return k;
}

static void fact_clear(gpointer p)
{
    g_free(((DiffFact *)p)->value);
}

DiffFacts *diff_facts_new(void)
{
    DiffFacts *f = g_new0(DiffFacts, 1);

    f->facts = g_array_new(FALSE, TRUE, sizeof(DiffFact));
    g_array_set_clear_func(f->facts, fact_clear);
    f->index = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    f->group_order = g_hash_table_new(g_str_hash, g_str_equal);
    f->strings = g_string_chunk_new(4096);
    f->limit = DIFF_FACTS_MAX;
    return f;
}

void diff_facts_free(DiffFacts *f)
{
    if (!f) {
        return;
    }
    g_array_unref(f->facts);
    g_hash_table_unref(f->index);
    g_hash_table_unref(f->group_order);
    g_string_chunk_free(f->strings);
    g_free(f);
}

uint32_t diff_fact_take(DiffFacts *f, uint32_t parent, unsigned flags,
                        const char *group, const char *path, char *value)
{
    char *key = fact_key(group, path);
    DiffFact d = { .parent = parent, .flags = flags, .key = key,
                   .value = value };
    uint32_t i = f->facts->len;
    bool dup = g_hash_table_contains(f->index, key);

    if (dup || (f->limit && f->facts->len >= f->limit)) {
        f->over |= !dup;
        g_free(key);
        g_free(value);
        return DIFF_NO_PARENT;
    }
    /* facts come group by group: the last group is the likely one */
    if (f->last_group && !strcmp(f->last_group, group)) {
        d.group = f->last_group;
    } else {
        d.group = g_string_chunk_insert_const(f->strings, group);
        f->last_group = d.group;
        if (!g_hash_table_contains(f->group_order, d.group)) {
            g_hash_table_insert(f->group_order, (gpointer)d.group,
                                GUINT_TO_POINTER(i + 1));
        }
    }
    d.path = g_string_chunk_insert(f->strings, path);
    g_array_append_val(f->facts, d);
    g_hash_table_insert(f->index, key, GUINT_TO_POINTER(i + 1));
    return i;
}

uint32_t diff_fact(DiffFacts *f, uint32_t parent, unsigned flags,
                   const char *group, const char *path, const char *fmt, ...)
{
    va_list ap;
    char *value;

    va_start(ap, fmt);
    value = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return diff_fact_take(f, parent, flags, group, path, value);
}

static const DiffFact *find_key(const DiffFacts *f, const char *key)
{
    guint i = GPOINTER_TO_UINT(g_hash_table_lookup(f->index, key));

    return i ? &g_array_index(f->facts, DiffFact, i - 1) : NULL;
}

const DiffFact *diff_facts_find(const DiffFacts *f, const char *group,
                                const char *path)
{
    g_autofree char *key = fact_key(group, path);

    return find_key(f, key);
}

const char *diff_kind_name(DiffKind k)
{
    static const char *const names[] = { "added", "removed", "changed",
                                         "version" };

    return k < G_N_ELEMENTS(names) ? names[k] : "?";
}

char *diff_full_path(const char *group, const char *path)
{
    return *path ? g_strdup_printf("%s: %s", group, path) : g_strdup(group);
}

static bool ignored(const DiffOpts *o, const char *group, const char *path)
{
    g_autofree char *full = diff_full_path(group, path);

    if (o->ignore_volatile && diff_is_volatile(full)) {
        return true;
    }
    for (size_t i = 0; o->ignore && o->ignore[i]; i++) {
        if (g_pattern_match_simple(o->ignore[i], full)) {
            return true;
        }
    }
    return false;
}

/* The fact's parent is missing on the other side, or is a FACT_WHOLE fact
 * whose value differs: the parent is reported, not this fact. */
static bool parent_missing(const DiffFacts *self, const DiffFact *d,
                           const DiffFacts *other)
{
    if (d->parent == DIFF_NO_PARENT) {
        return false;
    }
    const DiffFact *p = &g_array_index(self->facts, DiffFact, d->parent);
    const DiffFact *q = find_key(other, p->key);
    return !q || ((p->flags & FACT_WHOLE) && strcmp(p->value, q->value));
}

typedef struct Pending {
    DiffChange c;
    guint order;              /* group order, then the order added */
    guint seq;
} Pending;

static const char *keep(DiffResult *r, const char *s)
{
    return s ? g_string_chunk_insert(r->strings, s) : NULL;
}

static void add_change(const DiffOpts *o, DiffResult *r, guint order,
                       DiffKind k, const DiffFact *d, const char *a,
                       const char *b)
{
    Pending p = { { k, NULL, NULL, NULL, NULL }, order, r->pending->len };

    if (ignored(o, d->group, d->path)) {
        r->ignored++;
        return;
    }
    if (r->pending->len >= DIFF_CHANGES_MAX) {
        r->over = true;
        return;
    }
    p.c.group = g_string_chunk_insert_const(r->strings, d->group);
    p.c.path = keep(r, d->path);
    p.c.a = keep(r, a);
    p.c.b = keep(r, b);
    r->counts[k]++;
    g_array_append_val(r->pending, p);
}

static gint by_order(gconstpointer x, gconstpointer y)
{
    const Pending *p = x, *q = y;

    if (p->order != q->order) {
        return p->order < q->order ? -1 : 1;
    }
    return p->seq < q->seq ? -1 : p->seq > q->seq;
}

guint diff_group_order(const DiffFacts *a, const char *group)
{
    return GPOINTER_TO_UINT(g_hash_table_lookup(a->group_order, group));
}

static void compare_a(const DiffFacts *a, const DiffFacts *b,
                      const DiffOpts *o, guint fixed, DiffResult *r)
{
    for (guint i = 0; i < a->facts->len; i++) {
        const DiffFact *d = &g_array_index(a->facts, DiffFact, i);
        const DiffFact *e = find_key(b, d->key);
        guint order = fixed ? fixed : diff_group_order(a, d->group);
        if (!e) {
            if (!parent_missing(a, d, b)) {
                add_change(o, r, order, DIFF_REMOVED, d, d->value, NULL);
            }
        } else if (parent_missing(a, d, b)) {
            continue;
        } else if (strcmp(d->value, e->value)) {
            add_change(o, r, order, (d->flags | e->flags) & FACT_VERSION
                       ? DIFF_VERSION : DIFF_CHANGED, d, d->value, e->value);
        }
    }
}

static void compare_b(const DiffFacts *a, const DiffFacts *b,
                      const DiffOpts *o, guint fixed, DiffResult *r)
{
    for (guint i = 0; i < b->facts->len; i++) {
        const DiffFact *e = &g_array_index(b->facts, DiffFact, i);
        guint order = fixed;
        if (find_key(a, e->key) || parent_missing(b, e, a)) {
            continue;
        }
        /* groups A lacks come after all of A's */
        if (!order && !(order = diff_group_order(a, e->group))) {
            order = DIFF_FACTS_MAX + diff_group_order(b, e->group);
        }
        add_change(o, r, order, DIFF_ADDED, e, NULL, e->value);
    }
}

void diff_result_init(DiffResult *r)
{
    memset(r, 0, sizeof(*r));
    r->changes = g_array_new(FALSE, FALSE, sizeof(DiffChange));
    r->pending = g_array_new(FALSE, FALSE, sizeof(Pending));
    r->strings = g_string_chunk_new(4096);
}

void diff_compare_add(const DiffFacts *a, const DiffFacts *b,
                      const DiffOpts *o, guint order, DiffResult *r)
{
    compare_a(a, b, o, order, r);
    compare_b(a, b, o, order, r);
}

void diff_result_finish(DiffResult *r)
{
    g_array_sort(r->pending, by_order);
    for (guint i = 0; i < r->pending->len; i++) {
        g_array_append_val(r->changes, g_array_index(r->pending, Pending,
                                                     i).c);
    }
    g_array_set_size(r->pending, 0);
}

void diff_compare(const DiffFacts *a, const DiffFacts *b, const DiffOpts *o,
                  DiffResult *r)
{
    diff_result_init(r);
    diff_compare_add(a, b, o, 0, r);
    diff_result_finish(r);
}

void diff_result_clear(DiffResult *r)
{
    if (r->changes) {
        g_array_unref(r->changes);
    }
    if (r->pending) {
        g_array_unref(r->pending);
    }
    if (r->strings) {
        g_string_chunk_free(r->strings);
    }
    memset(r, 0, sizeof(*r));
}
