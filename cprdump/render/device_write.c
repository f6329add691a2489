/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A section's "fields" and "field-layout" written from its tree in json-c's
 * own format (json_object.c of json-c 0.16: the same bytes json-c prints
 * for the same objects, every flag form), without a json-c object per
 * field: one object per field cost 1.4 GB and 7 times the summary's time
 * on 5,000 sections (doc/performance.md).
 */
#include "render/device_write.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

/* ---- a writer in json-c's format (json_object.c of json-c 0.16) ---- */

#define JW_BUF (1u << 16)

typedef struct DevWriter {
    struct printbuf *pb;    /* json-c's buffer, and */
    FILE *fp;               /* the stream, or NULL: into pb */
    GString *mem;           /* else: into memory, up to */
    size_t cap;             /* cap bytes ('over' past them) */
    bool over;
    int flags;
    const char *plain_type; /* the last layout type found plain */
    size_t n;               /* bytes in buf */
    char buf[JW_BUF];       /* written out when full */
} Jw;

/* n bytes to where w writes */
static void emit(Jw *w, const char *s, size_t n)
{
    if (w->mem) {
        w->over = w->over || n > w->cap - w->mem->len;
        if (!w->over) {
            g_string_append_len(w->mem, s, (gssize)n);
        }
    } else if (w->fp) {
        if (w->pb->bpos) {
            fwrite(w->pb->buf, 1, (size_t)w->pb->bpos, w->fp);
            printbuf_reset(w->pb);
        }
        fwrite(s, 1, n, w->fp);
    } else {
        printbuf_memappend(w->pb, s, (int)n);
    }
}

static void flush(Jw *w)
{
    emit(w, w->buf, w->n);
    w->n = 0;
}

static void put_long(Jw *w, const char *s, size_t n)
{
    flush(w);
    if (n > JW_BUF) {
        emit(w, s, n);
        return;
    }
    memcpy(w->buf, s, n);
    w->n = n;
}

static inline void put(Jw *w, const char *s, size_t n)
{
    if (n > JW_BUF - w->n) {
        put_long(w, s, n);
        return;
    }
    memcpy(w->buf + w->n, s, n);
    w->n += n;
}

#define PUT(w, lit) put((w), "" lit, sizeof(lit) - 1)

/* Where to write n more bytes (n <= JW_BUF), flushing first when the
 * buffer has not room for them; the caller adds what it wrote to w->n. */
static inline char *room(Jw *w, size_t n)
{
    if (n > JW_BUF - w->n) {
        flush(w);
    }
    return w->buf + w->n;
}

static bool pretty(const Jw *w)
{
    return w->flags & JSON_C_TO_STRING_PRETTY;
}

/* A newline and the indentation of up to INDENT_MAX levels: indent() and
 * item() put a slice of one of these. */
#define INDENT_MAX 128
static char comma_spaces[2 + 2 * INDENT_MAX];
static char comma_tabs[2 + INDENT_MAX];

static void indent_init(void)
{
    static gsize done;

    if (g_once_init_enter(&done)) {
        memset(comma_spaces, ' ', sizeof(comma_spaces));
        memset(comma_tabs, '\t', sizeof(comma_tabs));
        memcpy(comma_spaces, ",\n", 2);
        memcpy(comma_tabs, ",\n", 2);
        g_once_init_leave(&done, 1);
    }
}

/* ",\n" (comma: 2 bytes, else just the indentation) and level levels. */
static void newline_indent(Jw *w, int level, size_t comma)
{
    bool tab = w->flags & JSON_C_TO_STRING_PRETTY_TAB;
    const char *src = tab ? comma_tabs : comma_spaces;
    size_t per = tab ? 1 : 2;
    int k = CLAMP(level, 0, INDENT_MAX);

    put(w, src + 2 - comma, comma + (size_t)k * per);
    for (level -= k; level > 0; level -= k) {
        k = MIN(level, INDENT_MAX);
        put(w, src + 2, (size_t)k * per);
    }
}

static void indent(Jw *w, int level)
{
    if (pretty(w) && level > 0) {
        newline_indent(w, level, 0);
    }
}

/* "{" or "[": in pretty form a newline follows at once, even when the
 * container stays empty. */
static void open_with(Jw *w, char c)
{
    put(w, &c, 1);
    if (pretty(w)) {
        PUT(w, "\n");
    }
}

/* Before each member or element of a container at 'level'. */
static void item(Jw *w, int level, bool *had)
{
    bool comma = *had;

    *had = true;
    if (pretty(w)) {
        newline_indent(w, level + 1, comma ? 2 : 0);
        return;
    }
    if (comma) {
        PUT(w, ",");
    }
    if (w->flags & JSON_C_TO_STRING_SPACED) {
        PUT(w, " ");
    }
}

static void close_with(Jw *w, int level, bool had, char c)
{
    char end[3] = { ' ', c, '\0' };

    if (pretty(w)) {
        if (had) {
            PUT(w, "\n");
        }
        indent(w, level);
    }
    if ((w->flags & JSON_C_TO_STRING_SPACED) && !pretty(w)) {
        put(w, end, 2);
    } else {
        put(w, end + 1, 1);
    }
}

/* json_escape_str: \b \n \r \t \f \" \\ (and \/ without NOSLASHESCAPE),
 * other control bytes as \u00xx; everything else as it is. */
static void escaped(Jw *w, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t start = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *rep = NULL;
        char u[7];

        switch (c) {
        case '\b': rep = "\\b"; break;
        case '\n': rep = "\\n"; break;
        case '\r': rep = "\\r"; break;
        case '\t': rep = "\\t"; break;
        case '\f': rep = "\\f"; break;
        case '"': rep = "\\\""; break;
        case '\\': rep = "\\\\"; break;
        case '/':
            rep = w->flags & JSON_C_TO_STRING_NOSLASHESCAPE ? NULL : "\\/";
            break;
        default:
            if (c < ' ') {
                memcpy(u, "\\u00", 4);
                u[4] = hex[c >> 4];
                u[5] = hex[c & 0xf];
                u[6] = '\0';
                rep = u;
            }
            break;
        }
        if (rep) {
            put(w, s + start, i - start);
            put(w, rep, strlen(rep));
            start = i + 1;
        }
    }
    put(w, s + start, n - start);
}

/* Bytes json_escape_str changes: control bytes, '"', '\\' and '/' (the
 * last only without NOSLASHESCAPE: 2 here); bytes from 0x80 need a UTF-8
 * check. */
static const uint8_t special[256] = {
    [0 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1, ['/'] = 2, [0x80 ... 0xff] = 1,
};

static bool plain_ascii(const char *s, size_t *len, bool slash)
{
    uint8_t stop = slash ? 3 : 1;
    size_t i = 0;

    for (; s[i]; i++) {
        if (special[(unsigned char)s[i]] & stop) {
            *len = i + strlen(s + i);
            return false;
        }
    }
    *len = i;
    return true;
}

/* s quoted, copied while it is scanned, when none of its bytes needs an
 * escape or a UTF-8 check and it fits the buffer; else false and nothing
 * written; *hash: its key_hash(). */
static bool quoted_hashed(Jw *w, const char *s, guint *hash)
{
    uint8_t stop = w->flags & JSON_C_TO_STRING_NOSLASHESCAPE ? 1 : 3;
    size_t room = JW_BUF - w->n;
    char *p = w->buf + w->n;
    guint h = 5381;
    size_t i = 0;

    if (room < 2) {
        return false;
    }
    for (; s[i]; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((special[c] & stop) || i + 2 >= room) {
            return false;
        }
        p[1 + i] = (char)c;
        h = h * 33 + c;
    }
    p[0] = '"';
    p[1 + i] = '"';
    w->n += i + 2;
    *hash = h;
    return true;
}

static bool quoted_fast(Jw *w, const char *s)
{
    guint hash;

    return quoted_hashed(w, s, &hash);
}

/* s (n bytes) quoted, known to need no escape. */
static void quoted_plain(Jw *w, const char *s, size_t n)
{
    PUT(w, "\"");
    put(w, s, n);
    PUT(w, "\"");
}

/* Whether str() writes s as it is. */
static bool is_plain(const Jw *w, const char *s)
{
    size_t n;

    return plain_ascii(s, &n, !(w->flags & JSON_C_TO_STRING_NOSLASHESCAPE));
}

static void str(Jw *w, const char *s)
{
    size_t n;

    if (quoted_fast(w, s)) {
        return;
    }
    if (!plain_ascii(s, &n, !(w->flags & JSON_C_TO_STRING_NOSLASHESCAPE))) {
        PUT(w, "\"");
        escaped(w, s, n);
        PUT(w, "\"");
    } else if (n + 2 <= JW_BUF - w->n) {
        char *p = w->buf + w->n;
        p[0] = '"';
        memcpy(p + 1, s, n);
        p[n + 1] = '"';
        w->n += n + 2;
    } else {
        PUT(w, "\"");
        put(w, s, n);
        PUT(w, "\"");
    }
}

/* A string as json_text() makes it: valid UTF-8. */
static void text(Jw *w, const char *s)
{
    size_t n;

    if (quoted_fast(w, s)) {
        return;
    }
    if (plain_ascii(s, &n, !(w->flags & JSON_C_TO_STRING_NOSLASHESCAPE)) ||
        g_utf8_validate(s, (gssize)n, NULL)) {
        str(w, s);
        return;
    }
    g_autofree char *valid = g_utf8_make_valid(s, -1);
    str(w, valid);
}

static void colon(Jw *w)
{
    if (w->flags & JSON_C_TO_STRING_SPACED) {
        PUT(w, ": ");
    } else {
        PUT(w, ":");
    }
}

static void key(Jw *w, const char *k)
{
    str(w, k);
    colon(w);
}

static const char digit_pairs[201] =
    "0001020304050607080910111213141516171819"
    "2021222324252627282930313233343536373839"
    "4041424344454647484950515253545556575859"
    "6061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* The decimal digits of v (at most 20) written at p, two at a time (no
 * printf: this runs for every number of the document); returns their end. */
static char *decimal(char *p, uint64_t v)
{
    unsigned n = 1;

    for (uint64_t ten = 10; n < 20 && v >= ten; ten *= 10) {
        n++;
    }
    char *end = p + n, *q = end;
    while (v >= 100) {
        q -= 2;
        memcpy(q, digit_pairs + 2 * (v % 100), 2);
        v /= 100;
    }
    if (v >= 10) {
        memcpy(q - 2, digit_pairs + 2 * v, 2);
    } else {
        q[-1] = (char)('0' + v);
    }
    return end;
}

static void i64(Jw *w, int64_t v)
{
    char *start = room(w, 21), *p = start;

    if (v < 0) {
        *p++ = '-';
    }
    p = decimal(p, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
    w->n += (size_t)(p - start);
}

/* json_u64: a number below 2^53, else a "0x..." string. */
static void u64(Jw *w, uint64_t v)
{
    char buf[24];

    if (v < (UINT64_C(1) << 53)) {
        i64(w, (int64_t)v);
        return;
    }
    int n = g_snprintf(buf, sizeof(buf), "\"0x%" PRIx64 "\"", v);
    put(w, buf, (size_t)n);
}

/* Signed values beyond +-2^53: "0x..." of their bits (device.c json_s64). */
static void s64(Jw *w, int64_t v, unsigned width)
{
    char buf[24];
    uint64_t bits;

    if (v > -(1ll << 53) && v < (1ll << 53)) {
        i64(w, v);
        return;
    }
    bits = width >= 8 ? (uint64_t)v : (uint64_t)v & ((1ull << (width * 8)) - 1);
    int n = g_snprintf(buf, sizeof(buf), "\"0x%0*" PRIx64 "\"", width * 2, bits);
    put(w, buf, (size_t)n);
}

/* Anything rare enough to go through json-c itself (a float64): its own
 * serializer, so the digits are json-c's. */
static void via_json_c(Jw *w, json_object *j)
{
    const char *s = json_object_to_json_string_ext(j, w->flags);

    put(w, s, strlen(s));
    json_object_put(j);
}

static void hexbytes(Jw *w, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    char buf[512];
    size_t k = 0;

    PUT(w, "\"");
    for (size_t i = 0; i < n; i++) {
        buf[k++] = hex[p[i] >> 4];
        buf[k++] = hex[p[i] & 0xf];
        if (k == sizeof(buf)) {
            put(w, buf, k);
            k = 0;
        }
    }
    put(w, buf, k);
    PUT(w, "\"");
}

/* ---- "fields": values in wire order (device.c had built them as json-c
 * objects: the same keys, values and order) ---- */

static void value(Jw *w, const VmTree *t, const VmField *f, int level);

/* The keys of one object so far: an open-addressing set of (hash, key)
 * at most half full, in the object's own slots until it has more than
 * KEYS_INLINE / 2 keys. */
#define KEYS_INLINE 16

typedef struct KeySlot {
    const char *k;              /* NULL: empty */
    guint h;
} KeySlot;

typedef struct Keys {
    KeySlot *slot;              /* cap of them */
    guint cap, n;
    GPtrArray *owned;           /* keys made here; made on first use */
    KeySlot inline_slot[KEYS_INLINE];
} Keys;

static void keys_init(Keys *ks)
{
    memset(ks->inline_slot, 0, sizeof(ks->inline_slot));
    ks->slot = ks->inline_slot;
    ks->cap = KEYS_INLINE;
    ks->n = 0;
    ks->owned = NULL;
}

/* djb2, as g_str_hash */
static guint key_hash(const char *k)
{
    guint h = 5381;

    for (; *k; k++) {
        h = h * 33 + (unsigned char)*k;
    }
    return h;
}

/* k's slot, or the empty one where it would go. */
static KeySlot *keys_slot(const Keys *ks, const char *k, guint h)
{
    guint mask = ks->cap - 1;

    for (guint i = h & mask;; i = (i + 1) & mask) {
        KeySlot *s = &ks->slot[i];
        if (!s->k || (s->h == h && !strcmp(s->k, k))) {
            return s;
        }
    }
}

static bool keys_has(const Keys *ks, const char *k, guint h)
{
    return keys_slot(ks, k, h)->k != NULL;
}

/* k (not in ks, and valid while ks is) added. */
static void keys_add(Keys *ks, const char *k, guint h)
{
    if (2 * (ks->n + 1) > ks->cap) {
        KeySlot *old = ks->slot;
        guint n = ks->cap;

        ks->cap *= 2;
        ks->slot = g_new0(KeySlot, ks->cap);
        for (guint i = 0; i < n; i++) {
            if (old[i].k) {
                *keys_slot(ks, old[i].k, old[i].h) = old[i];
            }
        }
        if (old != ks->inline_slot) {
            g_free(old);
        }
    }
    *keys_slot(ks, k, h) = (KeySlot) { k, h };
    ks->n++;
}

static const char *keys_own(Keys *ks, char *k)
{
    if (!ks->owned) {
        ks->owned = g_ptr_array_new_with_free_func(g_free);
    }
    g_ptr_array_add(ks->owned, k);
    return k;
}

static void keys_clear(Keys *ks)
{
    if (ks->slot != ks->inline_slot) {
        g_free(ks->slot);
    }
    if (ks->owned) {
        g_ptr_array_unref(ks->owned);
    }
}

/* A name seen again, not next to its first run (so not one array): "#2",
 * "#3", ... counted per name. */
static char *repeat_key(GHashTable **seen, const char *name)
{
    gpointer n;

    if (!*seen) {
        *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    }
    n = g_hash_table_lookup(*seen, name);
    n = GUINT_TO_POINTER(n ? GPOINTER_TO_UINT(n) + 1 : 2);
    g_hash_table_replace(*seen, g_strdup(name), n);
    return g_strdup_printf("%s#%u", name, GPOINTER_TO_UINT(n));
}

static const char *member_key(Keys *ks, GHashTable **seen, const char *name)
{
    guint h = key_hash(name);
    char *k;

    if (!keys_has(ks, name, h)) {
        keys_add(ks, name, h);
        return name;
    }
    k = NULL;
    do {
        g_free(k);
        k = repeat_key(seen, name);
        h = key_hash(k);
    } while (keys_has(ks, k, h));
    keys_add(ks, keys_own(ks, k), h);
    return k;
}

static void object(Jw *w, const VmTree *t, const VmField *f, int level)
{
    Keys ks;
    GHashTable *seen = NULL;
    bool had = false;

    keys_init(&ks);
    open_with(w, '{');
    for (const VmField *k = vmstate_first(t, f); k; k = vmstate_next(t, k)) {
        size_t mark;
        guint h;

        item(w, level, &had);
        mark = w->n;
        if (quoted_hashed(w, k->name, &h) && !keys_has(&ks, k->name, h)) {
            keys_add(&ks, k->name, h);
            colon(w);
        } else {
            /* names come from the vmdesc: keep the document valid UTF-8 */
            const char *name = k->name;
            size_t n;
            w->n = mark;
            if (!plain_ascii(name, &n, false) &&
                !g_utf8_validate(name, -1, NULL)) {
                name = keys_own(&ks, g_utf8_make_valid(name, -1));
            }
            key(w, member_key(&ks, &seen, name));
        }
        value(w, t, k, level + 1);
    }
    close_with(w, level, had, '}');
    if (seen) {
        g_hash_table_unref(seen);
    }
    keys_clear(&ks);
}

/* Pretty output writes a row (a packed array of numbers, a field-layout
 * entry) on one line, as json-c's spaced form does: a column of 16,384
 * numbers (ICH9LPC's chip_config) is neither readable nor cheap. */
static int one_line(Jw *w)
{
    int flags = w->flags;

    if (pretty(w)) {
        w->flags = (flags & ~(JSON_C_TO_STRING_PRETTY |
                              JSON_C_TO_STRING_PRETTY_TAB)) |
                   JSON_C_TO_STRING_SPACED;
    }
    return flags;
}

/* A VM_BOOL, VM_UINT, VM_INT or VM_TIMER of width bytes, from its bits. */
static void number(Jw *w, unsigned kind, uint64_t bits, unsigned width)
{
    if (kind == VM_BOOL && bits) {
        PUT(w, "true");
    } else if (kind == VM_BOOL) {
        PUT(w, "false");
    } else if (kind == VM_UINT) {
        u64(w, bits);
    } else {
        s64(w, vmstate_sext(bits, width), width);
    }
}

/* A packed array of integers or bools in the one-line form: what array()
 * writes for it, without its per-element dispatch. */
static void packed_numbers(Jw *w, const VmTree *t, const VmField *f)
{
    bool spaced = w->flags & JSON_C_TO_STRING_SPACED;

    put(w, spaced ? "[ " : "[", spaced ? 2 : 1);
    for (uint32_t i = 0; i < f->count; i++) {
        if (i && spaced) {
            PUT(w, ", ");
        } else if (i) {
            PUT(w, ",");
        }
        number(w, f->packed, vmstate_elem_bits(t, f, i), f->width);
    }
    put(w, spaced ? " ]" : "]", spaced ? 2 : 1);
}

static void array(Jw *w, const VmTree *t, const VmField *f, int level)
{
    VmIter it = vmstate_iter(t, f);
    int flags = f->packed ? one_line(w) : w->flags;
    bool had = false;

    if (f->packed == VM_UINT || f->packed == VM_INT || f->packed == VM_BOOL) {
        packed_numbers(w, t, f);
        w->flags = flags;
        return;
    }
    open_with(w, '[');
    for (const VmField *k; (k = vmstate_iter_next(&it));) {
        item(w, level, &had);
        value(w, t, k, level + 1);
    }
    close_with(w, level, had, ']');
    w->flags = flags;
}

static void value(Jw *w, const VmTree *t, const VmField *f, int level)
{
    switch (f->kind) {
    case VM_SECTION:
    case VM_STRUCT:
    case VM_SUBSECTION:
        object(w, t, f, level);
        return;
    case VM_ARRAY:
        array(w, t, f, level);
        return;
    case VM_INT:
    case VM_TIMER:
    case VM_UINT:
    case VM_BOOL:
        number(w, f->kind, f->value, f->width);
        return;
    case VM_FLOAT: {
        double d = vmstate_float(f);
        if (isfinite(d)) {
            via_json_c(w, json_object_new_double(d));
        } else {
            str(w, isnan(d) ? "nan" : d > 0 ? "inf" : "-inf");
        }
        return;
    }
    case VM_POINTER:
        if (f->value == 0x30) {
            PUT(w, "null");
        } else if (f->value == 0x31) {
            PUT(w, "true");
        } else {
            i64(w, (int64_t)f->value);
        }
        return;
    case VM_STRING: {
        g_autofree char *s = g_strndup((const char *)vmstate_bytes(t, f) + 1,
                                       (size_t)f->size - 1);
        text(w, s);
        return;
    }
    default:
        hexbytes(w, vmstate_bytes(t, f), (size_t)f->size);
        return;
    }
}

static void write_fields(Jw *w, const VmTree *t, int level)
{
    if (t) {
        value(w, t, vmstate_root(t), level);
    } else {
        PUT(w, "null");
    }
}

/* ---- "field-layout": offset and size of every field ---- */

static void flags_array(Jw *w, uint16_t flags, int level)
{
    static const struct { uint16_t bit; const char *name; } names[] = {
        { VMF_UNKNOWN_TYPE, "unknown-type" },
        { VMF_MISMATCH, "mismatch" },
        { VMF_UNDESCRIBED, "undescribed" },
        { VMF_OPAQUE, "opaque" },
        { VMF_ODD_SIZE, "odd-size" },
    };
    bool had = false;

    open_with(w, '[');
    for (size_t k = 0; k < G_N_ELEMENTS(names); k++) {
        if (flags & names[k].bit) {
            item(w, level, &had);
            str(w, names[k].name);
        }
    }
    close_with(w, level, had, ']');
}

/* Elements of f all leaves of one size: listed once on the array entry. */
static uint64_t uniform_leaves(const VmTree *t, const VmField *f)
{
    const VmField *k = vmstate_first(t, f);
    uint64_t size = k ? k->size : 0;

    if (f->packed) {
        return f->width;
    }
    if (f->kind != VM_ARRAY || !k) {
        return 0;
    }
    for (; k; k = vmstate_next(t, k)) {
        if (k->first != VM_NONE || k->size != size || k->flags) {
            return 0;
        }
    }
    return size;
}

/* The next member of a one-line object (never pretty: see one_line()), in
 * json-c's spaced or plain form. */
#define MEMBER(w, spaced, name) \
    ((spaced) ? PUT(w, ", \"" name "\": ") : PUT(w, ",\"" name "\":"))

/* One field-layout row. path_plain: path needs no escape (layout_walk
 * checks each name once); a type is checked once while it repeats. */
static void place(Jw *w, const VmField *k, const GString *path,
                  bool path_plain, uint64_t esize, int level)
{
    int flags = one_line(w);
    bool spaced = w->flags & JSON_C_TO_STRING_SPACED;

    if (spaced) {
        PUT(w, "{ \"path\": ");
    } else {
        PUT(w, "{\"path\":");
    }
    if (path_plain) {
        quoted_plain(w, path->str, path->len);
    } else {
        text(w, path->str);
    }
    MEMBER(w, spaced, "type");
    if (k->type != w->plain_type && is_plain(w, k->type)) {
        w->plain_type = k->type;
    }
    if (k->type == w->plain_type) {
        quoted_plain(w, k->type, strlen(k->type));
    } else {
        text(w, k->type);
    }
    MEMBER(w, spaced, "offset");
    u64(w, k->offset);
    MEMBER(w, spaced, "size");
    u64(w, k->size);
    if (k->kind == VM_ARRAY) {
        MEMBER(w, spaced, "count");
        i64(w, k->count);
    }
    if (k->kind == VM_SUBSECTION) {
        MEMBER(w, spaced, "version");
        i64(w, k->version);
    }
    if (k->flags) {
        MEMBER(w, spaced, "flags");
        flags_array(w, k->flags, level + 1);
    }
    if (esize) {
        MEMBER(w, spaced, "element-size");
        u64(w, esize);
    }
    if (spaced) {
        PUT(w, " }");
    } else {
        PUT(w, "}");
    }
    w->flags = flags;
}

static void layout_walk(Jw *w, const VmTree *t, const VmField *f,
                        GString *path, bool plain, int level, bool *had)
{
    int64_t idx = 0;

    for (const VmField *k = vmstate_first(t, f); k; k = vmstate_next(t, k)) {
        size_t keep = path->len;
        bool k_plain = plain;
        uint64_t esize;

        if (f->kind == VM_ARRAY) {
            char buf[24], *end;
            buf[0] = '[';
            end = decimal(buf + 1, (uint64_t)idx++);
            *end++ = ']';
            g_string_append_len(path, buf, end - buf);
        } else {
            if (path->len) {
                g_string_append_c(path, '.');
            }
            g_string_append(path, k->name);
            k_plain = plain && is_plain(w, k->name);
        }
        esize = uniform_leaves(t, k);
        item(w, level, had);
        place(w, k, path, k_plain, esize, level + 1);
        if (!esize) {
            layout_walk(w, t, k, path, k_plain, level, had);
        }
        g_string_truncate(path, keep);
    }
}

static void write_layout(Jw *w, const VmTree *t, int level)
{
    GString *path = g_string_new(NULL);
    bool had = false;

    open_with(w, '[');
    if (t) {
        layout_walk(w, t, vmstate_root(t), path, true, level, &had);
    }
    close_with(w, level, had, ']');
    g_string_free(path, TRUE);
}

typedef void WriteFn(Jw *w, const VmTree *t, int level);
static WriteFn *const writers[] = { write_fields, write_layout };

/* ---- the interface ---- */

DevWriter *dev_writer_new(void)
{
    indent_init();
    return g_new(Jw, 1);
}

void dev_writer_free(DevWriter *w)
{
    g_free(w);
}

static void jw_init(Jw *w, int flags, struct printbuf *pb, FILE *fp,
                    GString *mem, size_t cap)
{
    w->pb = pb;
    w->fp = fp;
    w->mem = mem;
    w->cap = cap;
    w->over = false;
    w->flags = flags;
    w->plain_type = NULL;
    w->n = 0;
}

void dev_write(DevWriter *w, DevMember m, const VmTree *t, int level,
               int flags, struct printbuf *pb, FILE *fp)
{
    jw_init(w, flags, pb, fp, NULL, 0);
    writers[m](w, t, level);
    flush(w);
}

bool dev_write_mem(DevWriter *w, DevMember m, const VmTree *t, int level,
                   int flags, GString *mem, size_t cap)
{
    jw_init(w, flags, NULL, NULL, mem, cap);
    writers[m](w, t, level);
    flush(w);
    return !w->over;
}

/* Each line's indentation moved from 'from' levels to 'to' (only a
 * document that nests sections at two depths needs it). */
void dev_write_text(DevWriter *w, const GString *text, int from, int to,
                    int flags, struct printbuf *pb, FILE *fp)
{
    size_t per = flags & JSON_C_TO_STRING_PRETTY_TAB ? 1 : 2;
    size_t skip = (size_t)from * per;
    const char *p = text->str, *end = p + text->len, *nl;

    jw_init(w, flags, pb, fp, NULL, 0);
    while (from != to && pretty(w) &&
           (nl = memchr(p, '\n', (size_t)(end - p)))) {
        size_t k = 0;
        put(w, p, (size_t)(nl + 1 - p));
        p = nl + 1;
        while (k < skip && p + k < end && (p[k] == ' ' || p[k] == '\t')) {
            k++;
        }
        p += k;
        indent(w, to);
    }
    put(w, p, (size_t)(end - p));
    flush(w);
}
