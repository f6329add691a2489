/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hostile input through the decoders: every prefix of every fixture and
 * seeded, structure-aware mutations of them, each checked with the invariants
 * of tests/fuzz/hostile.h (a failure has an offset within the input, a
 * truncation says left < need, names match their bytes, the human text has no
 * control byte in a UTF-8 or the C locale, the JSON is valid strict UTF-8).
 * Every input is copied to a heap block of exactly its size, so an over-read
 * is caught by ASan: `make check` also runs this binary built with ASan+UBSan
 * ($(BUILD)/san/tests/test-mutations), and `make check-sanitize` with clang's.
 *
 * Fixtures: the real states in $CPRDUMP_FIXTURES (default
 * ../shared/fixtures/qemu, from the repository root) and tests/fixtures/synthetic;
 * the smallest real migration stream (main.bin) there. Streams are decoded
 * from memory and through an FmtSource with and without skip, which must agree.
 * $HOSTILE_MUTATIONS: CPR state mutations (default 12000);
 * $HOSTILE_STREAM_MUTATIONS: stream mutations (default 3000, a stream is 77 KB). $HOSTILE_SAVE: a
 * file each input is written to before it is checked (to debug a hang).
 */
#include <glib.h>
#include <zlib.h>
#include <zstd.h>
#include <string.h>

#include "../fuzz/hostile.h"
#include "multifd_seed.h"

#define SEED 0x51435052u
#define PREFIX_ALL 4096      /* every prefix up to this size, then a stride */
#define PREFIX_STRIDE 997
#define RENDER_MAX 4096      /* render (slower) only inputs up to this size */

typedef struct Fixture {
    char *path;
    GBytes *bytes;
} Fixture;

static GPtrArray *real_states;    /* Fixture * */
static GPtrArray *synthetic;      /* Fixture * */

static void fixture_free(gpointer p)
{
    Fixture *f = p;

    g_free(f->path);
    g_bytes_unref(f->bytes);
    g_free(f);
}

static void add_fixture(GPtrArray *to, const char *path)
{
    g_autoptr(GError) e = NULL;
    char *data;
    gsize len;
    Fixture *f;

    if (!g_file_get_contents(path, &data, &len, &e)) {
        g_error("%s: %s", path, e->message);
    }
    f = g_new0(Fixture, 1);
    f->path = g_strdup(path);
    f->bytes = g_bytes_new_take(data, len);
    g_ptr_array_add(to, f);
}

static gint cmp_str_ptr(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Files named 'name' at depth 'depth' under dir (name NULL: any *.bin). */
static void find_files(GPtrArray *found, const char *dir, int depth,
                       const char *name)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *e;

    while (d && (e = g_dir_read_name(d))) {
        char *p = g_build_filename(dir, e, NULL);
        if (depth > 0) {
            find_files(found, p, depth - 1, name);
            g_free(p);
        } else if (g_file_test(p, G_FILE_TEST_IS_REGULAR) &&
                   (name ? !strcmp(e, name) : g_str_has_suffix(e, ".bin"))) {
            g_ptr_array_add(found, p);
        } else {
            g_free(p);
        }
    }
}

static GPtrArray *load(const char *dir, int depth, const char *name)
{
    g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func(g_free);
    GPtrArray *out = g_ptr_array_new_with_free_func(fixture_free);

    find_files(found, dir, depth, name);
    g_ptr_array_sort(found, cmp_str_ptr);
    for (guint i = 0; i < found->len; i++) {
        add_fixture(out, g_ptr_array_index(found, i));
    }
    return out;
}

static const char *fixtures_dir(void)
{
    const char *d = g_getenv("CPRDUMP_FIXTURES");

    return d && *d ? d : "../shared/fixtures/qemu";
}

/* ---- driving one input ---- */

typedef void (*CheckFn)(const uint8_t *buf, size_t len, bool render);

/* A heap copy of exactly len bytes: reading one byte more is an ASan report. */
static void run_exact(CheckFn fn, const uint8_t *buf, size_t len, bool render)
{
    uint8_t *copy = g_malloc(len ? len : 1);
    const char *save = g_getenv("HOSTILE_SAVE");

    if (save) {   /* debugging a hang: the input being checked */
        g_file_set_contents(save, (const char *)buf, (gssize)len, NULL);
    }
    memcpy(copy, buf, len);
    fn(copy, len, render);
    g_free(copy);
}

static void check_cpr(const uint8_t *buf, size_t len, bool render)
{
    hostile_cpr_state(buf, len);
    if (render) {
        hostile_render_cpr_bytes(buf, len);
    }
}

static uint64_t prefixes(const Fixture *f, CheckFn fn)
{
    gsize len;
    const uint8_t *buf = g_bytes_get_data(f->bytes, &len);
    uint64_t runs = 0;

    hostile_set_case(f->path);
    for (size_t n = 0; n <= len;
         n += n < PREFIX_ALL || n + 64 >= len ? 1 : PREFIX_STRIDE) {
        run_exact(fn, buf, n, len <= RENDER_MAX);
        runs++;
    }
    return runs;
}

/* ---- structure-aware mutations ---- */

typedef struct Layout {
    GArray *len;       /* size_t pairs: offset and width (1, 2, 4, 8) of BE
                          length fields (namelen, used_length, ...) */
    GArray *marker;    /* size_t: offsets of one-byte markers / types */
    GArray *rec;       /* size_t pairs: [start, end) of whole records */
} Layout;

static void layout_init(Layout *l)
{
    l->len = g_array_new(FALSE, FALSE, sizeof(size_t));
    l->marker = g_array_new(FALSE, FALSE, sizeof(size_t));
    l->rec = g_array_new(FALSE, FALSE, sizeof(size_t));
}

static void layout_clear(Layout *l)
{
    g_array_unref(l->len);
    g_array_unref(l->marker);
    g_array_unref(l->rec);
}

static void add_off(GArray *a, size_t off)
{
    g_array_append_val(a, off);
}

static void add_len(Layout *l, size_t off, size_t width)
{
    add_off(l->len, off);
    add_off(l->len, width);
}

static void layout_cpr(const uint8_t *buf, size_t len, Layout *l)
{
    CprState *st = NULL;
    FmtError err;
    size_t end_marker = 8;

    cpr_state_decode(buf, len, CPR_MODE_AUTO, &st, &err);
    for (guint i = 0; i < st->fds->len; i++) {
        const CprFd *fd = &g_array_index(st->fds, CprFd, i);
        size_t fd_len = st->mode == CPR_MODE_EXEC ? 4 : 1;

        add_off(l->marker, fd->offset);
        add_len(l, fd->name_offset - 4, 4);
        add_off(l->marker, fd->fd_offset);
        add_off(l->rec, fd->offset);
        add_off(l->rec, fd->fd_offset + fd_len);
        end_marker = fd->fd_offset + fd_len;
    }
    if (end_marker < len) {
        add_off(l->marker, end_marker);
    }
    if (st->has_vfio) {
        add_off(l->marker, st->vfio_offset);
        add_len(l, st->vfio_offset + 1, 1);
    }
    for (guint i = 0; i < st->vfio_devices->len; i++) {
        const CprVfioDevice *d = &g_array_index(st->vfio_devices,
                                                CprVfioDevice, i);
        size_t end = d->offset + 1 + 4 + strlen(d->name) + 1 + 12;

        add_off(l->marker, d->offset);
        add_len(l, d->offset + 1, 4);
        add_off(l->rec, d->offset);
        add_off(l->rec, end);
        if (end < len) {
            add_off(l->marker, end);
        }
    }
    cpr_state_free(st);
}

static size_t pick(GArray *a, GRand *r)
{
    return g_array_index(a, size_t, g_rand_int_range(r, 0, (gint32)a->len));
}

static void put_be(GByteArray *b, size_t off, size_t w, uint64_t v)
{
    for (size_t i = 0; i < w && off + w <= b->len; i++) {
        b->data[off + i] = (uint8_t)(v >> (8 * (w - 1 - i)));
    }
}

static uint64_t get_be(const GByteArray *b, size_t off, size_t w)
{
    uint64_t v = 0;

    for (size_t i = 0; i < w && off + w <= b->len; i++) {
        v = v << 8 | b->data[off + i];
    }
    return v;
}

static void insert_bytes(GByteArray *b, size_t at, const uint8_t *p, size_t n)
{
    size_t old = b->len;

    g_byte_array_set_size(b, (guint)(old + n));
    memmove(b->data + at + n, b->data + at, old - at);
    memcpy(b->data + at, p, n);
}

static size_t rand_pos(GRand *r, size_t len)
{
    return len ? (size_t)g_rand_int_range(r, 0, (gint32)len) : 0;
}

/* Chunk [a, a + n) of b, clamped. */
static void rand_chunk(GRand *r, size_t len, size_t *a, size_t *n)
{
    size_t want = (size_t)g_rand_int_range(r, 1, 64);

    *a = rand_pos(r, len);
    *n = MIN(want, len - *a);
}

enum {
    M_FLIP, M_LEN, M_LEN2, M_MARKER, M_DUP_REC, M_DEL_REC, M_SWAP_REC,
    M_DUP_CHUNK, M_DEL_CHUNK, M_INSERT, M_TRUNCATE, M__COUNT
};

/* One mutation; structural ones use the seed's layout (first op only). */
static void mutate(GByteArray *b, const Layout *l, bool structural, GRand *r,
                   size_t seed_len)
{
    static const uint64_t lens[] = {
        0, 1, 0xffffffffu, 0x7fffffffu, 0x80000000u, 0xfffffff0u, 0x10000,
    };
    static const uint8_t markers[] = {
        0x00, 0x01, 0x05, 0x20, 0x02, 0x03, 0x04, 0x06, 0x07, 0x08, 0x7e, 0xff,
    };
    int op = g_rand_int_range(r, 0, M__COUNT);
    size_t a, n, off;

    if (!structural && op >= M_LEN && op <= M_SWAP_REC) {
        op = M_FLIP;
    }
    switch (op) {
    case M_LEN:
    case M_LEN2:
        if (l->len->len) {
            guint i = (guint)g_rand_int_range(r, 0, (gint32)l->len->len / 2);
            size_t w = g_array_index(l->len, size_t, 2 * i + 1);
            uint64_t top = w == 8 ? UINT64_MAX : (1ull << (8 * w)) - 1;
            uint64_t v;

            off = g_array_index(l->len, size_t, 2 * i);
            switch (g_rand_int_range(r, 0, 8)) {
            case 0:
                v = seed_len + 1;
                break;
            case 1:
                v = get_be(b, off, w) + 1;
                break;
            case 2:
                v = get_be(b, off, w) - 1;
                break;
            case 3:
                v = top;
                break;
            case 4:
                v = top >> 1;     /* 0x7f.., 0x7fffffff, ... */
                break;
            case 5:
                v = w == 8 ? 1ull << 60 : top - 15;
                break;
            case 6:
                v = get_be(b, off, w) + 4096;
                break;
            default:
                v = lens[g_rand_int_range(r, 0, G_N_ELEMENTS(lens))];
            }
            put_be(b, off, w, v & top);
            return;
        }
        break;
    case M_MARKER:
        if (l->marker->len && (off = pick(l->marker, r)) < b->len) {
            b->data[off] = markers[g_rand_int_range(r, 0,
                                                    G_N_ELEMENTS(markers))];
            return;
        }
        break;
    case M_DUP_REC:
    case M_DEL_REC:
    case M_SWAP_REC:
        if (l->rec->len >= 2) {
            guint i = (guint)g_rand_int_range(r, 0, (gint32)l->rec->len / 2);
            size_t s = g_array_index(l->rec, size_t, 2 * i);
            size_t e = g_array_index(l->rec, size_t, 2 * i + 1);
            g_autofree uint8_t *copy = NULL;

            if (e > b->len || s >= e) {
                break;
            }
            copy = g_memdup2(b->data + s, e - s);
            if (op == M_DUP_REC) {
                insert_bytes(b, e, copy, e - s);
            } else if (op == M_DEL_REC) {
                g_byte_array_remove_range(b, (guint)s, (guint)(e - s));
            } else if (i + 1 < l->rec->len / 2 &&
                       g_array_index(l->rec, size_t, 2 * i + 3) <= b->len &&
                       g_array_index(l->rec, size_t, 2 * i + 2) == e) {
                /* swap with the next record */
                size_t e2 = g_array_index(l->rec, size_t, 2 * i + 3);
                g_byte_array_remove_range(b, (guint)s, (guint)(e - s));
                insert_bytes(b, s + (e2 - e), copy, e - s);
            }
            return;
        }
        break;
    case M_DUP_CHUNK:
        if (b->len) {
            rand_chunk(r, b->len, &a, &n);
            g_autofree uint8_t *copy = g_memdup2(b->data + a, n);
            insert_bytes(b, a + n, copy, n);
        }
        return;
    case M_DEL_CHUNK:
        if (b->len) {
            rand_chunk(r, b->len, &a, &n);
            g_byte_array_remove_range(b, (guint)a, (guint)n);
        }
        return;
    case M_INSERT: {
        uint8_t junk[8];
        n = (size_t)g_rand_int_range(r, 1, sizeof(junk) + 1);
        for (size_t i = 0; i < n; i++) {
            junk[i] = markers[g_rand_int_range(r, 0, G_N_ELEMENTS(markers))];
        }
        insert_bytes(b, rand_pos(r, b->len + 1), junk, n);
        return;
    }
    case M_TRUNCATE:
        g_byte_array_set_size(b, (guint)rand_pos(r, b->len + 1));
        return;
    default:
        break;
    }
    /* M_FLIP, and the fallback of an op the seed has nothing for */
    n = (size_t)g_rand_int_range(r, 1, 5);
    for (size_t i = 0; i < n && b->len; i++) {
        b->data[rand_pos(r, b->len)] ^= (uint8_t)g_rand_int_range(r, 1, 256);
    }
}

static guint mutation_count_env(const char *var, guint dflt)
{
    const char *s = g_getenv(var);

    return s && *s ? (guint)g_ascii_strtoull(s, NULL, 10) : dflt;
}

static guint mutation_count(void)
{
    return mutation_count_env("HOSTILE_MUTATIONS", 12000);
}

typedef void (*LayoutFn)(const uint8_t *buf, size_t len, Layout *l);

/* Mutates seeds round-robin; returns how many inputs were checked. Renders
 * those up to render_max bytes (render_max 0: every 64th). */
static guint mutations(GPtrArray *seeds, LayoutFn layout_fn, CheckFn fn,
                       guint count, size_t render_max)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(SEED);
    Layout *layouts = g_new0(Layout, seeds->len);
    char what[512];
    guint done = 0;

    for (guint i = 0; i < seeds->len; i++) {
        Fixture *f = g_ptr_array_index(seeds, i);
        gsize len;
        const uint8_t *buf = g_bytes_get_data(f->bytes, &len);
        layout_init(&layouts[i]);
        layout_fn(buf, len, &layouts[i]);
    }
    for (guint k = 0; k < count; k++) {
        guint i = k % seeds->len;
        Fixture *f = g_ptr_array_index(seeds, i);
        gsize len;
        const uint8_t *buf = g_bytes_get_data(f->bytes, &len);
        g_autoptr(GByteArray) b = g_byte_array_sized_new((guint)len + 64);
        int ops = g_rand_int_range(r, 1, 4);

        g_byte_array_append(b, buf, (guint)len);
        for (int j = 0; j < ops; j++) {
            mutate(b, &layouts[i], j == 0, r, len);
        }
        snprintf(what, sizeof(what), "mutation %u of %s", k, f->path);
        hostile_set_case(what);
        run_exact(fn, b->data, b->len, b->len <= render_max ||
                  (render_max == 0 && k % 64 == 0));
        done++;
    }
    for (guint i = 0; i < seeds->len; i++) {
        layout_clear(&layouts[i]);
    }
    g_free(layouts);
    hostile_set_case("");
    return done;
}

/* ---- CPR state ---- */

static void test_cpr_fixtures_found(void)
{
    if (!real_states->len) {
        g_test_message("no state.bin under %s (set CPRDUMP_FIXTURES)",
                       fixtures_dir());
        g_test_fail();
    }
    g_assert_cmpuint(synthetic->len, >, 0);
    g_test_message("%u real states, %u synthetic", real_states->len,
                   synthetic->len);
}

static void test_cpr_prefixes(gconstpointer data)
{
    GPtrArray *set = (GPtrArray *)data;
    uint64_t runs = 0;

    for (guint i = 0; i < set->len; i++) {
        runs += prefixes(g_ptr_array_index(set, i), check_cpr);
    }
    g_test_message("%" G_GUINT64_FORMAT " prefixes, 3 modes each", runs);
    g_assert_cmpuint(runs, >, 0);
}

static void test_cpr_mutations(void)
{
    g_autoptr(GPtrArray) seeds = g_ptr_array_new();
    guint done;

    for (guint i = 0; i < real_states->len; i++) {
        g_ptr_array_add(seeds, g_ptr_array_index(real_states, i));
    }
    for (guint i = 0; i < synthetic->len; i++) {
        Fixture *f = g_ptr_array_index(synthetic, i);
        if (g_bytes_get_size(f->bytes) <= RENDER_MAX) {
            g_ptr_array_add(seeds, f);
        }
    }
    g_assert_cmpuint(seeds->len, >, 0);
    done = mutations(seeds, layout_cpr, check_cpr, mutation_count(),
                     RENDER_MAX);
    g_test_message("%u mutations of %u seeds", done, seeds->len);
    g_assert_cmpuint(done, ==, mutation_count());
}

/* ---- migration stream ---- */

static Fixture *smallest_stream;

static void check_stream(const uint8_t *buf, size_t len, bool render)
{
    hostile_stream(buf, len);
    if (render) {
        hostile_render_stream_bytes(buf, len);
    }
}

static void layout_stream(const uint8_t *buf, size_t len, Layout *l)
{
    StreamModel *m = NULL;
    FmtError err;

    stream_decode_mem(buf, len, &m, &err);
    if (m->config.present) {
        add_len(l, m->config.offset + 1, 4);     /* machine type length */
    }
    for (guint i = 0; i < m->sections->len; i++) {
        const StreamSection *s = &g_array_index(m->sections, StreamSection, i);

        add_off(l->marker, s->offset);
        add_len(l, s->offset + 1, 4);            /* section id */
        if (s->type == QEMU_VM_SECTION_START ||
            s->type == QEMU_VM_SECTION_FULL) {
            add_len(l, s->offset + 5, 1);        /* idstr length */
        }
        if (s->complete && s->footer == 1) {
            add_off(l->marker, s->body_end);
            add_len(l, s->body_end + 1, 4);      /* footer section id */
        }
        if (s->complete) {
            add_off(l->rec, s->offset);
            add_off(l->rec, s->end);
        }
        if (s->complete && s->iter.kind != ITER_NONE) {
            /* the first framing field: htab header, record header, flags */
            add_len(l, s->body_offset, s->iter.kind == ITER_HTAB ? 4
                                       : s->iter.kind == ITER_DIRTY_BITMAP ? 1
                                       : 8);
        }
    }
    if (m->ram.inference.done) {
        add_len(l, m->ram.inference.offset, 8);  /* first page record */
    }
    for (guint i = 0; i < m->commands->len; i++) {
        const StreamCommand *c = &g_array_index(m->commands, StreamCommand, i);
        add_off(l->marker, c->offset);
        add_len(l, c->offset + 3, 2);            /* command length */
    }
    for (guint i = 0; i < m->ram.blocks->len; i++) {
        const RamBlock *b = &g_array_index(m->ram.blocks, RamBlock, i);
        add_len(l, b->offset, 1);                /* idstr length */
        add_len(l, b->offset + 1 + b->idlen, 8); /* used_length */
    }
    if (m->ram.present) {
        add_len(l, m->ram.mem_size_offset, 8);   /* MEM_SIZE record header */
    }
    if (m->has_eof) {
        add_off(l->marker, m->eof_offset);
    }
    if (m->vmdesc.present) {
        add_off(l->marker, m->vmdesc.offset);
        add_len(l, m->vmdesc.offset + 1, 4);     /* vmdesc length */
    }
    stream_free(m);
}

static void test_stream_fixtures_found(void)
{
    if (!smallest_stream) {
        g_test_message("no main.bin under %s (set CPRDUMP_FIXTURES)",
                       fixtures_dir());
        g_test_fail();
        return;
    }
    g_test_message("smallest stream: %s, %zu bytes", smallest_stream->path,
                   g_bytes_get_size(smallest_stream->bytes));
}

/* Every prefix of the first 4 KiB, then a stride, then the last 64; the
 * rendering of every 16th. */
static void check_stream_render16(const uint8_t *buf, size_t len, bool render)
{
    check_stream(buf, len, render && len % 16 == 0);
}

static void test_stream_prefixes(void)
{
    uint64_t runs;

    if (!smallest_stream) {
        g_test_skip("no stream fixture");
        return;
    }
    runs = prefixes(smallest_stream, check_stream_render16);
    g_test_message("%" G_GUINT64_FORMAT " prefixes of %s, each from memory "
                   "and through a source with and without skip", runs,
                   smallest_stream->path);
}

static void test_stream_mutations(void)
{
    g_autoptr(GPtrArray) seeds = g_ptr_array_new();
    guint done;

    if (!smallest_stream) {
        g_test_skip("no stream fixture");
        return;
    }
    g_ptr_array_add(seeds, smallest_stream);
    /* 77 KB each, three decodes: about 7 ms apiece under ASan */
    guint want = mutation_count_env("HOSTILE_STREAM_MUTATIONS", 3000);
    done = mutations(seeds, layout_stream, check_stream, want, 0);
    g_test_message("%u mutations of %s", done, smallest_stream->path);
    g_assert_cmpuint(done, ==, want);
}

/* ---- device bodies, field by field ---- */

/* Every FULL section decoded as its vmdesc describes it (the invariants of
 * hostile_vmstate_tree), and every 16th input rendered with --device=all. */
static void check_devices(const uint8_t *buf, size_t len, bool render)
{
    StreamOpts o = { .keep_bodies = true };
    StreamModel *m = NULL;
    FmtError err;

    stream_decode_mem_opts(buf, len, &o, &m, &err);
    for (guint i = 0; i < m->sections->len; i++) {
        const StreamSection *s = &g_array_index(m->sections, StreamSection, i);
        size_t blen;
        const uint8_t *body = stream_section_body(m, s, &blen);
        if (body && s->desc) {
            hostile_vmstate_tree(s->desc, body, blen);
        }
    }
    stream_free(m);
    if (render) {
        hostile_render_stream_bytes(buf, len);
    }
}

static void check_devices16(const uint8_t *buf, size_t len, bool render)
{
    static guint n;

    check_devices(buf, len, render && n++ % 16 == 0);
}

/* Mutations aimed at the device bodies: each field is a record (duplicated,
 * deleted, swapped), each subsection header a marker and a length. */
static void layout_devices(const uint8_t *buf, size_t len, Layout *l)
{
    StreamOpts o = { .keep_bodies = true };
    StreamModel *m = NULL;
    FmtError err;

    stream_decode_mem_opts(buf, len, &o, &m, &err);
    for (guint i = 0; i < m->sections->len; i++) {
        const StreamSection *s = &g_array_index(m->sections, StreamSection, i);
        size_t blen;
        const uint8_t *body = stream_section_body(m, s, &blen);
        if (!body || !s->desc) {
            continue;
        }
        VmTree *t = vmstate_decode(s->desc, body, blen, s->body_offset);
        for (guint k = 1; k < t->fields->len; k++) {
            const VmField *f = vmstate_field(t, k);
            if (f->kind == VM_SUBSECTION) {
                add_off(l->marker, f->offset);
                add_len(l, f->offset + 1, 1);
            }
            if (f->size && f->offset + f->size <= len) {
                add_off(l->rec, f->offset);
                add_off(l->rec, f->offset + f->size);
            }
        }
        vmstate_free(t);
    }
    stream_free(m);
}

static void test_device_mutations(void)
{
    g_autoptr(GPtrArray) seeds = g_ptr_array_new();
    guint done;

    if (!smallest_stream) {
        g_test_skip("no stream fixture");
        return;
    }
    g_ptr_array_add(seeds, smallest_stream);
    guint want = mutation_count_env("HOSTILE_DEVICE_MUTATIONS", 800);
    done = mutations(seeds, layout_devices, check_devices16, want,
                     G_MAXSIZE);
    g_test_message("%u mutations of the device bodies of %s", done,
                   smallest_stream->path);
    g_assert_cmpuint(done, ==, want);
}

/* ---- a stream without section footers (QEMU 7.2, pc-i440fx-2.3) ---- */

#define NOFOOTER_ZST \
    "tests/fixtures/real/stream72-pc23-nofooter/main.bin.zst"

static Fixture *load_zst(const char *path)
{
    g_autoptr(GError) e = NULL;
    g_autofree char *z = NULL;
    gsize zlen;
    unsigned long long n;
    Fixture *f;
    void *out;

    if (!g_file_get_contents(path, &z, &zlen, &e)) {
        g_error("%s: %s", path, e->message);
    }
    n = ZSTD_getFrameContentSize(z, zlen);
    g_assert_cmpuint(n, <, 64u << 20);
    out = g_malloc(n);
    g_assert_cmpuint(ZSTD_decompress(out, n, z, zlen), ==, n);
    f = g_new0(Fixture, 1);
    f->path = g_strdup(path);
    f->bytes = g_bytes_new_take(out, n);
    return f;
}

/* The device sections are where the footer-less scan runs: every 7th
 * prefix that ends among them, then 600 mutations. */
static void test_stream_no_footers(void)
{
    Fixture *f = load_zst(NOFOOTER_ZST);
    g_autoptr(GPtrArray) seeds = g_ptr_array_new_with_free_func(fixture_free);
    gsize len;
    const uint8_t *buf = g_bytes_get_data(f->bytes, &len);
    StreamModel *m = NULL;
    FmtError err;
    uint64_t first = 0, runs = 0;
    guint full = 0;

    g_ptr_array_add(seeds, f);
    g_assert_true(stream_decode_mem(buf, len, &m, &err));
    g_assert_cmpint(m->footers, ==, 0);
    g_assert_cmpuint(m->inferred_count, ==, 0);
    for (guint i = 0; i < m->sections->len; i++) {
        const StreamSection *sec = &g_array_index(m->sections, StreamSection, i);
        if (sec->type == QEMU_VM_SECTION_FULL) {
            g_assert_cmpint(sec->how, ==, BODY_VMDESC);
            first = first ? first : sec->offset;
            full++;
        }
    }
    g_assert_cmpuint(full, ==, m->vmdesc.desc.devices->len);
    g_assert_cmpuint(full, ==, 29);   /* with VGA */
    hostile_set_case(f->path);
    for (uint64_t n = first; n <= m->eof_offset + 8; n += 7, runs++) {
        run_exact(check_stream, buf, n, false);
    }
    stream_free(m);
    g_test_message("%" G_GUINT64_FORMAT " prefixes from 0x%" G_GINT64_MODIFIER
                   "x, %u mutations", runs, first,
                   mutations(seeds, layout_stream, check_stream, 600, 0));
}

/* ---- other targets: slim copies of the real streams (tests/fixtures/slim) ---- */

typedef struct Slim {
    const char *file;
    uint32_t page_size;
    StreamPageSource from;
    IterKind iter;            /* a live section it must have, or ITER_NONE */
    uint64_t vmdesc_differs;
} Slim;

static const Slim slims[] = {
    { "arm-vexpress-1k.bin", 1024, PS_SRC_VMDESC, ITER_NONE, 0 },
    { "arm-vexpress-1k-nodesc.bin", 1024, PS_SRC_INFERRED, ITER_NONE, 0 },
    { "ppc64-htab.bin", 4096, PS_SRC_VMDESC, ITER_HTAB, 0 },
    { "s390x-stattr.bin", 4096, PS_SRC_VMDESC, ITER_STATTR, 1 },
};

/* Each decodes as its real stream did (page size and its source, the live
 * sections by their framing, s390_css's size differing from the vmdesc),
 * then every prefix and HOSTILE_SLIM_MUTATIONS (default 1500) mutations of
 * them all, each also from memory and through sources. */
static void test_stream_slim(void)
{
    g_autoptr(GPtrArray) seeds = g_ptr_array_new_with_free_func(fixture_free);
    uint64_t runs = 0;

    for (size_t i = 0; i < G_N_ELEMENTS(slims); i++) {
        g_autofree char *path = g_build_filename("tests/fixtures/slim",
                                                 slims[i].file, NULL);
        g_autoptr(GPtrArray) one = g_ptr_array_new();
        add_fixture(one, path);
        Fixture *f = g_ptr_array_index(one, 0);
        gsize len;
        const uint8_t *buf = g_bytes_get_data(f->bytes, &len);
        StreamModel *m = NULL;
        FmtError err;
        guint iter = 0;

        g_assert_true(stream_decode_mem(buf, len, &m, &err));
        g_assert_cmpuint(m->ps.size, ==, slims[i].page_size);
        g_assert_cmpint(m->ps.from, ==, slims[i].from);
        g_assert_cmpuint(m->vmdesc_differs, ==, slims[i].vmdesc_differs);
        for (guint k = 0; k < m->sections->len; k++) {
            const StreamSection *s = &g_array_index(m->sections, StreamSection,
                                                    k);
            iter += s->iter.kind != ITER_NONE && s->iter.kind == slims[i].iter;
        }
        g_assert_cmpuint(iter, ==, slims[i].iter == ITER_NONE ? 0 : 3);
        stream_free(m);
        runs += prefixes(f, check_stream);
        g_ptr_array_add(seeds, f);
    }
    guint want = mutation_count_env("HOSTILE_SLIM_MUTATIONS", 1500);
    guint done = mutations(seeds, layout_stream, check_stream, want, 0);
    g_test_message("%" G_GUINT64_FORMAT " prefixes, %u mutations of %u slim "
                   "streams", runs, done, seeds->len);
    g_assert_cmpuint(done, ==, want);
}

/* ---- -dump-vmstate JSON (and --against on a real stream) ---- */

#define DUMP_SUBSET "tests/fixtures/real/against/dump-7.2-subset.json"
#define DUMP_FULL_ZST "tests/fixtures/real/against/dump-7.2-pc-i440fx-7.2.json.zst"
#define LTIM_ZST "tests/fixtures/real/against/src-11.1-ltim.bin.zst"

static StreamModel *ltim_stream;

static void check_dump(const uint8_t *buf, size_t len, bool render)
{
    hostile_vmstate_dump(buf, len, render ? ltim_stream : NULL);
}

/* JSON has no length fields: its structure bytes are the markers, its
 * objects the records. */
static void layout_dump(const uint8_t *buf, size_t len, Layout *l)
{
    GArray *open = g_array_new(FALSE, FALSE, sizeof(size_t));

    for (size_t i = 0; i < len; i++) {
        if (strchr("{}[]\":,", buf[i])) {
            add_off(l->marker, i);
        }
        if (buf[i] == '{') {
            g_array_append_val(open, i);
        } else if (buf[i] == '}' && open->len) {
            add_off(l->rec, g_array_index(open, size_t, open->len - 1));
            add_off(l->rec, i + 1);
            g_array_set_size(open, open->len - 1);
        }
    }
    g_array_unref(open);
}

static void test_dump_real(void)
{
    Fixture *f = load_zst(DUMP_FULL_ZST);
    gsize len;
    const uint8_t *buf = g_bytes_get_data(f->bytes, &len);

    hostile_set_case(f->path);
    run_exact(check_dump, buf, len, true);
    for (size_t n = 0; n < len; n += len / 61) {
        run_exact(check_dump, buf, n, false);
    }
    fixture_free(f);
}

static void test_dump_mutations(void)
{
    g_autoptr(GPtrArray) seeds = g_ptr_array_new_with_free_func(fixture_free);
    Fixture *f = g_new0(Fixture, 1);
    g_autoptr(GError) e = NULL;
    g_autofree char *text = NULL;
    gsize len;

    g_assert_true(g_file_get_contents(DUMP_SUBSET, &text, &len, &e));
    f->path = g_strdup(DUMP_SUBSET);
    f->bytes = g_bytes_new_take(g_steal_pointer(&text), len);
    g_ptr_array_add(seeds, f);
    /* 40 KB each; every 8th also checked against the stream and rendered */
    guint want = mutation_count_env("HOSTILE_DUMP_MUTATIONS", 1500);
    guint done = mutations(seeds, layout_dump, check_dump, want, 0);
    g_test_message("%u mutations of %s", done, DUMP_SUBSET);
    g_assert_cmpuint(done, ==, want);
}

/* ---- the preflight's /proc and QMP text (hostile_procsnap) ---- */

static GPtrArray *procsnap_seeds;

static void check_procsnap(const uint8_t *buf, size_t len, bool render)
{
    hostile_procsnap(buf, len, render);
}

static void layout_none(const uint8_t *buf, size_t len, Layout *l)
{
    (void)buf;
    (void)len;
    (void)l;
}

static void test_procsnap_prefixes(void)
{
    uint64_t runs = 0;

    g_assert_cmpuint(procsnap_seeds->len, >=, 8);
    for (guint i = 0; i < procsnap_seeds->len; i++) {
        Fixture *f = g_ptr_array_index(procsnap_seeds, i);
        gsize len;
        const uint8_t *buf = g_bytes_get_data(f->bytes, &len);

        hostile_set_case(f->path);
        for (size_t n = 0; n <= len; n += n < 256 ? 1 : 61, runs++) {
            run_exact(check_procsnap, buf, n, n % 31 == 0 || n == len);
        }
    }
    hostile_set_case("");
    g_test_message("%" G_GUINT64_FORMAT " prefixes", runs);
}

static void test_procsnap_mutations(void)
{
    g_test_message("%u mutations", mutations(
        procsnap_seeds, layout_none, check_procsnap,
        mutation_count_env("HOSTILE_PROCSNAP_MUTATIONS", 2000), 0));
}

/* ---- diff: a fixture against its mutations ---- */

static GBytes *diff_base;

static void check_diff(const uint8_t *buf, size_t len, bool render)
{
    gsize n;
    const uint8_t *base = g_bytes_get_data(diff_base, &n);

    hostile_diff(base, n, buf, len, render);
}

/* The leaf field holding body byte 'at' (absolute), or NULL. */
static const VmField *leaf_at(const VmTree *t, uint64_t at)
{
    for (guint i = 1; i < t->fields->len; i++) {
        const VmField *f = vmstate_field(t, i);
        if (f->first == VM_NONE && at >= f->offset && at - f->offset < f->size) {
            return f;
        }
    }
    return NULL;
}

typedef struct Cand {
    const StreamSection *s;
    char *group;
} Cand;

/* One bit of a described device field flipped: --diff shows at least one
 * change, all of them in that section's group (a field, or the named
 * virtio/cpreg facts it feeds); and the pair passes hostile_diff. */
static void test_diff_device_bytes(void)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(SEED);
    g_autoptr(GArray) cands = g_array_new(FALSE, FALSE, sizeof(Cand));
    HostileSide sa;
    gsize len;
    const uint8_t *base;
    guint done = 0, fields = 0;

    g_assert_nonnull(smallest_stream);
    base = g_bytes_get_data(smallest_stream->bytes, &len);
    hostile_diff_side(base, len, &sa);
    g_assert_nonnull(sa.m);
    for (guint i = 0; i < sa.m->sections->len; i++) {
        const StreamSection *s = &g_array_index(sa.m->sections, StreamSection,
                                                i);
        size_t n = 0;
        const uint8_t *body = stream_section_body(sa.m, s, &n);
        if (s->type != QEMU_VM_SECTION_FULL || !s->desc || !body || !n) {
            continue;
        }
        g_autoptr(VmTree) t = vmstate_decode(s->desc, body, n, s->body_offset);
        if (t->mismatches->len == 0 && g_strcmp0(s->idstr, "ram")) {
            Cand c = { s, g_strdup_printf("%s#%u", s->idstr, s->instance_id) };
            g_array_append_val(cands, c);
        }
    }
    g_assert_cmpuint(cands->len, >, 3);
    for (guint k = 0; k < 150; k++) {
        const Cand *c = &g_array_index(cands, Cand,
                                       g_rand_int_range(r, 0, (gint32)cands->len));
        uint64_t off = c->s->body_offset + (uint64_t)g_rand_int_range(
            r, 0, (gint32)(c->s->body_end - c->s->body_offset));
        size_t n = 0;
        const uint8_t *body = stream_section_body(sa.m, c->s, &n);
        g_autoptr(VmTree) t = vmstate_decode(c->s->desc, body, n,
                                             c->s->body_offset);
        const VmField *f = leaf_at(t, off);
        g_autofree uint8_t *b = NULL;
        HostileSide sb;
        DiffOpts o = { NULL, false };
        DiffResult res;

        if (!f || f->kind == VM_BOOL) {
            continue;       /* any non-zero byte is the same true */
        }
        b = g_memdup2(base, len);
        b[off] ^= (uint8_t)(1u << g_rand_int_range(r, 0, 8));
        hostile_diff_side(b, len, &sb);
        diff_run(sa.facts, sa.m, sb.facts, sb.m, &o, &res);
        g_autofree char *where = vmstate_path(t, f);
        if (res.changes->len == 0) {
            g_error("%s: %s at 0x%" G_GINT64_MODIFIER "x (%s): no change",
                    c->group, where, off, f->type);
        }
        for (guint i = 0; i < res.changes->len; i++) {
            const DiffChange *d = &g_array_index(res.changes, DiffChange, i);
            if (strcmp(d->group, c->group)) {
                g_error("%s: %s at 0x%" G_GINT64_MODIFIER "x: a change in %s",
                        c->group, where, off, d->group);
            }
            fields += d->kind == DIFF_CHANGED && *d->path;
        }
        diff_result_clear(&res);
        hostile_diff_side_clear(&sb);
        if (k % 25 == 0) {
            hostile_diff(base, len, b, len, true);
        }
        done++;
    }
    g_test_message("%u device-body bit flips in %u sections of %s, %u field "
                   "changes", done, cands->len, smallest_stream->path, fields);
    g_assert_cmpuint(done, >, 100);
    for (guint i = 0; i < cands->len; i++) {
        g_free(g_array_index(cands, Cand, i).group);
    }
    hostile_diff_side_clear(&sa);
}

/* Each mutation diffed against the bytes it came from, both ways. */
static void test_diff_mutations(void)
{
    g_autoptr(GPtrArray) seeds = g_ptr_array_new();
    guint done_s = 0, done_c;

    if (smallest_stream) {
        g_ptr_array_add(seeds, smallest_stream);
        diff_base = smallest_stream->bytes;
        done_s = mutations(seeds, layout_stream, check_diff,
                           mutation_count_env("HOSTILE_DIFF_MUTATIONS", 150), 0);
    }
    g_assert_cmpuint(real_states->len, >, 0);
    g_ptr_array_set_size(seeds, 0);
    g_ptr_array_add(seeds, g_ptr_array_index(real_states, 0));
    diff_base = ((Fixture *)g_ptr_array_index(real_states, 0))->bytes;
    done_c = mutations(seeds, layout_cpr, check_diff, 1000, RENDER_MAX);
    g_test_message("%u stream and %u CPR state mutations, each diffed against "
                   "its fixture", done_s, done_c);
    g_assert_cmpuint(done_c, ==, 1000);
}

/* ---- libvirt save image (tests/fixtures/real/libvirt-save-raw) ---- */

#define LIBVIRT_ZST "tests/fixtures/real/libvirt-save-raw/save.sav.zst"
/* the seeds keep the header, the data area and this much of the payload */
#define LIBVIRT_PAYLOAD_KEEP (24u << 10)

static void check_libvirt(const uint8_t *buf, size_t len, bool render)
{
    (void)render;
    hostile_libvirt(buf, len);
}

static void layout_libvirt(const uint8_t *buf, size_t len, Layout *l)
{
    LibvirtSave h;
    FmtError err;

    add_off(l->marker, 0);                       /* magic */
    for (size_t off = 16; off < 36; off += 4) {  /* version .. cookie offset */
        add_len(l, off, 4);
    }
    if (libvirt_save_decode_header(buf, len, &h, &err)) {
        add_off(l->marker, LIBVIRT_SAVE_HEADER_LEN);
        add_off(l->rec, LIBVIRT_SAVE_HEADER_LEN);
        add_off(l->rec, (size_t)MIN(h.payload_offset, (uint64_t)len));
        if (h.cookie_offset) {
            add_off(l->marker, LIBVIRT_SAVE_HEADER_LEN + h.cookie_offset - 1);
        }
        add_off(l->marker, (size_t)MIN(h.payload_offset, (uint64_t)len));
    }
    libvirt_save_clear(&h);
}

/* The real save cut to its header, data area and the start of the payload;
 * and the same with the payload gzip-compressed, compression code 1. */
static GPtrArray *libvirt_seeds(void)
{
    GPtrArray *seeds = g_ptr_array_new_with_free_func(fixture_free);
    Fixture *f = load_zst(LIBVIRT_ZST), *gz = g_new0(Fixture, 1);
    GBytes *whole;
    gsize len;
    const uint8_t *buf = g_bytes_get_data(f->bytes, &len);
    LibvirtSave h;
    FmtError err;
    z_stream z = { 0 };
    uint8_t *out;
    size_t keep;

    g_assert_true(libvirt_save_decode_header(buf, len, &h, &err));
    keep = (size_t)h.payload_offset + LIBVIRT_PAYLOAD_KEEP;
    g_assert_cmpuint(keep, <, len);
    out = g_malloc(keep + 1024);
    memcpy(out, buf, (size_t)h.payload_offset);
    out[28] = LIBVIRT_COMP_GZIP;
    g_assert_cmpint(deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY),
                    ==, Z_OK);
    z.next_in = (Bytef *)buf + h.payload_offset;
    z.avail_in = LIBVIRT_PAYLOAD_KEEP;
    z.next_out = out + h.payload_offset;
    z.avail_out = LIBVIRT_PAYLOAD_KEEP + 1024;
    g_assert_cmpint(deflate(&z, Z_FINISH), ==, Z_STREAM_END);
    gz->path = g_strdup(LIBVIRT_ZST " (payload gzip)");
    gz->bytes = g_bytes_new_take(out, (size_t)h.payload_offset + z.total_out);
    deflateEnd(&z);
    whole = f->bytes;
    f->bytes = g_bytes_new(buf, keep);
    g_bytes_unref(whole);
    libvirt_save_clear(&h);
    g_ptr_array_add(seeds, f);
    g_ptr_array_add(seeds, gz);
    return seeds;
}

static void test_libvirt_real(void)
{
    Fixture *f = load_zst(LIBVIRT_ZST);
    gsize len;
    const uint8_t *buf = g_bytes_get_data(f->bytes, &len);
    LibvirtSave h;
    FmtError err;

    g_assert_true(libvirt_save_decode_header(buf, len, &h, &err));
    g_assert_cmpuint(h.version, ==, 2);
    g_assert_cmpuint(h.data_len, ==, 66758);
    g_assert_cmpuint(h.cookie_offset, ==, 986);
    g_assert_cmpuint(h.compression, ==, LIBVIRT_COMP_RAW);
    g_assert_cmpuint(h.payload_offset, ==, 0x10522);
    g_assert_true(libvirt_save_decode_data(buf + LIBVIRT_SAVE_HEADER_LEN,
                                           h.data_len, &h, &err));
    g_assert_cmpuint(h.xml_len, ==, 985);
    g_assert_cmpstr(h.dom.name, ==, "cprdump-raw");
    g_assert_cmpstr(h.dom.machine, ==, "pc-i440fx-7.2");
    g_assert_cmpuint(h.dom.memory, ==, 32u << 20);
    g_assert_cmpuint(h.dom.devices, ==, 4);
    g_assert_false(fmt_error_is_set(&h.xml_err));
    g_assert_true(!memcmp(buf + h.payload_offset, "QEVM", 4));
    libvirt_save_clear(&h);
    hostile_set_case(f->path);
    run_exact(check_libvirt, buf, len, false);
    fixture_free(f);
}

static void test_libvirt_prefixes(void)
{
    g_autoptr(GPtrArray) seeds = libvirt_seeds();
    uint64_t runs = 0;

    for (guint i = 0; i < seeds->len; i++) {
        runs += prefixes(g_ptr_array_index(seeds, i), check_libvirt);
    }
    g_test_message("%" G_GUINT64_FORMAT " prefixes of the real save, raw "
                   "and gzip", runs);
}

static void test_libvirt_mutations(void)
{
    g_autoptr(GPtrArray) seeds = libvirt_seeds();
    guint want = mutation_count_env("HOSTILE_LIBVIRT_MUTATIONS", 1500);
    guint done = mutations(seeds, layout_libvirt, check_libvirt, want, 0);

    g_test_message("%u mutations of the real save, raw and gzip", done);
    g_assert_cmpuint(done, ==, want);
}

/* ---- page records and multifd channels (extraction) ---- */

static void check_pages(const uint8_t *buf, size_t len, bool render)
{
    (void)render;
    hostile_ram_pages(buf, len);
}

/* The page records of a real 7.2 stream with pages (every 97th prefix
 * among the RAM records, then 300 mutations). */
static void test_ram_pages(void)
{
    Fixture *f = load_zst(NOFOOTER_ZST);
    g_autoptr(GPtrArray) seeds = g_ptr_array_new_with_free_func(fixture_free);
    gsize len;
    const uint8_t *buf = g_bytes_get_data(f->bytes, &len);
    uint64_t runs = 0;

    g_ptr_array_add(seeds, f);
    hostile_set_case(f->path);
    for (uint64_t n = 0; n <= len; n += 997, runs++) {
        run_exact(check_pages, buf, n, false);
    }
    g_test_message("%" G_GUINT64_FORMAT " prefixes, %u mutations", runs,
                   mutations(seeds, layout_stream, check_pages, 300, 0));
}

#define CHANNEL_ZST "tests/fixtures/real/multifd-q35-channels/multifd-1.bin.zst"

static void check_multifd(const uint8_t *buf, size_t len, bool render)
{
    (void)render;
    hostile_multifd(buf, len);
}

static void layout_multifd(const uint8_t *buf, size_t len, Layout *l)
{
    size_t at = MULTIFD_INIT_SIZE;

    add_off(l->marker, 0);
    while (at + MULTIFD_RAM_HEADER_SIZE + 1024 <= len) {
        uint32_t nps = (uint32_t)rd_load_be64(buf + at + 16) & 0xffffffffu;
        add_off(l->marker, at);
        add_len(l, at + 12, 4);             /* pages_alloc */
        add_len(l, at + 16, 4);             /* normal_pages */
        add_len(l, at + 20, 4);             /* next_packet_size */
        add_len(l, at + 32, 4);             /* zero_pages */
        add_off(l->rec, at);
        at += MULTIFD_RAM_HEADER_SIZE + 1024 + nps;
        add_off(l->rec, MIN(at, len));
    }
}

/* A real recorded channel: every 61st prefix of its first 8 KiB, every
 * packet boundary, then 400 mutations. */
static void test_multifd_channel(void)
{
    Fixture *f = load_zst(CHANNEL_ZST);
    g_autoptr(GPtrArray) seeds = g_ptr_array_new_with_free_func(fixture_free);
    gsize len;
    const uint8_t *buf = g_bytes_get_data(f->bytes, &len);
    MultifdInit init;
    MultifdCounts c;
    FmtError err = { 0 };
    Rd rd;
    uint64_t runs = 0;

    g_ptr_array_add(seeds, f);
    rd_init_mem(&rd, buf, len, &err);
    g_assert_true(multifd_walk(&rd, 4096, &init, &c));
    g_assert_cmpuint(init.id, ==, 1);
    g_assert_cmpuint(c.packets, ==, 279);
    g_assert_cmpuint(c.normal, ==, 39);
    g_assert_cmpuint(c.zero, ==, 34731);
    hostile_set_case(f->path);
    for (uint64_t n = 0; n <= MIN(len, 8192u); n += 61, runs++) {
        run_exact(check_multifd, buf, n, false);
    }
    g_test_message("%" G_GUINT64_FORMAT " prefixes, %u mutations", runs,
                   mutations(seeds, layout_multifd, check_multifd, 400, 0));
}

/* ---- compressed multifd page data ---- */

static void check_inflate(const uint8_t *buf, size_t len, bool render)
{
    (void)render;
    hostile_multifd_inflate(buf, len);
}

static void layout_inflate(const uint8_t *buf, size_t len, Layout *l)
{
    add_off(l->marker, 0);
    for (size_t at = 1; at + 3 <= len;) {
        size_t n = (size_t)buf[at + 1] << 8 | buf[at + 2];
        add_off(l->marker, at);             /* page count */
        add_len(l, at + 1, 2);              /* data length */
        add_off(l->rec, at);
        at = MIN(at + 3 + n, len);
        add_off(l->rec, at);
    }
}

/* A channel of zlib and one of zstd packets as QEMU makes them, in the
 * fuzz target's framing (tests/unit/multifd_seed.h). */
static Fixture *inflate_seed(bool zstd)
{
    static const guint npages[] = { 2, 9, 1, 4 };
    g_autoptr(GPtrArray) pk = seed_compress(zstd, npages, G_N_ELEMENTS(npages));
    GByteArray *b = g_byte_array_new();
    Fixture *f = g_new0(Fixture, 1);
    uint8_t head = zstd;

    g_byte_array_append(b, &head, 1);
    for (guint i = 0; i < pk->len; i++) {
        gsize n;
        const uint8_t *d = g_bytes_get_data(pk->pdata[i], &n);
        uint8_t h[3] = { (uint8_t)npages[i], (uint8_t)(n >> 8), (uint8_t)n };
        g_assert_cmpuint(n, <, 65536);
        g_byte_array_append(b, h, 3);
        g_byte_array_append(b, d, (guint)n);
    }
    f->path = g_strdup(zstd ? "zstd packets" : "zlib packets");
    f->bytes = g_byte_array_free_to_bytes(b);
    return f;
}

/* Every 7th prefix of both seeds, then 300 mutations. */
static void test_multifd_inflate(void)
{
    g_autoptr(GPtrArray) seeds = g_ptr_array_new_with_free_func(fixture_free);
    uint64_t runs = 0;

    g_ptr_array_add(seeds, inflate_seed(false));
    g_ptr_array_add(seeds, inflate_seed(true));
    for (guint i = 0; i < seeds->len; i++) {
        const Fixture *f = seeds->pdata[i];
        gsize len;
        const uint8_t *buf = g_bytes_get_data(f->bytes, &len);
        hostile_set_case(f->path);
        for (size_t n = 0; n <= len; n += 7, runs++) {
            run_exact(check_inflate, buf, n, false);
        }
    }
    g_test_message("%" G_GUINT64_FORMAT " prefixes, %u mutations", runs,
                   mutations(seeds, layout_inflate, check_inflate, 300, 0));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    real_states = load(fixtures_dir(), 2, "state.bin");
    synthetic = load("tests/fixtures/synthetic", 0, NULL);

    g_test_add_func("/mutations/cpr-state/fixtures-found",
                    test_cpr_fixtures_found);
    g_test_add_data_func("/mutations/cpr-state/prefixes-real", real_states,
                         test_cpr_prefixes);
    g_test_add_data_func("/mutations/cpr-state/prefixes-synthetic", synthetic,
                         test_cpr_prefixes);
    g_test_add_func("/mutations/cpr-state/mutations", test_cpr_mutations);
    g_autoptr(GPtrArray) streams = load(fixtures_dir(), 2, "main.bin");
    for (guint i = 0; i < streams->len; i++) {
        Fixture *f = g_ptr_array_index(streams, i);
        if (!smallest_stream || g_bytes_get_size(f->bytes) <
                                g_bytes_get_size(smallest_stream->bytes)) {
            smallest_stream = f;
        }
    }
    g_test_add_func("/mutations/stream/fixtures-found",
                    test_stream_fixtures_found);
    g_test_add_func("/mutations/stream/prefixes", test_stream_prefixes);
    g_test_add_func("/mutations/stream/mutations", test_stream_mutations);
    g_test_add_func("/mutations/stream/no-footers", test_stream_no_footers);
    g_test_add_func("/mutations/stream/other-targets", test_stream_slim);
    g_test_add_func("/mutations/ram-pages/real-7.2", test_ram_pages);
    g_test_add_func("/mutations/multifd/channel", test_multifd_channel);
    g_test_add_func("/mutations/multifd/inflate", test_multifd_inflate);
    g_test_add_func("/mutations/libvirt/real", test_libvirt_real);
    g_test_add_func("/mutations/libvirt/prefixes", test_libvirt_prefixes);
    g_test_add_func("/mutations/libvirt/mutations", test_libvirt_mutations);
    g_test_add_func("/mutations/diff/pairs", test_diff_mutations);
    g_test_add_func("/mutations/diff/device-bytes", test_diff_device_bytes);
    {
        Fixture *lf = load_zst(LTIM_ZST);
        gsize n;
        const uint8_t *b = g_bytes_get_data(lf->bytes, &n);
        FmtError err;
        g_assert_true(stream_decode_mem(b, n, &ltim_stream, &err));
        fixture_free(lf);
    }
    g_test_add_func("/mutations/vmstate-dump/real", test_dump_real);
    g_test_add_func("/mutations/vmstate-dump/mutations", test_dump_mutations);
    procsnap_seeds = load("tests/fuzz/corpus/fuzz-procsnap", 0, NULL);
    g_test_add_func("/mutations/procsnap/prefixes", test_procsnap_prefixes);
    g_test_add_func("/mutations/procsnap/mutations", test_procsnap_mutations);
    g_test_add_func("/mutations/stream/device-bodies", test_device_mutations);
    int rc = g_test_run();
    g_ptr_array_unref(procsnap_seeds);
    g_ptr_array_unref(real_states);
    g_ptr_array_unref(synthetic);
    stream_free(ltim_stream);
    return rc;
}
