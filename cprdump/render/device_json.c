/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --device in JSON: a section's "fields" and "field-layout" are written
 * straight from its decoded tree while the document is printed (a json-c
 * custom serializer on a placeholder object), in json-c's own format, so
 * no json-c object is built per field: one object per field cost 1.4 GB
 * and 7 times the summary's time on 5,000 sections (doc/performance.md).
 * The placeholder keeps the tree and a copy of the body alive until then.
 */
#include "render/device_json.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "render/hexdump.h"

struct DevHeld {
    gint refs;
    VmTree *t;
    uint8_t *body;          /* the tree's bytes, owned (the model is gone by
                               the time the document is printed) */
};

DevHeld *dev_held_new(VmTree *t)
{
    DevHeld *h = g_new0(DevHeld, 1);

    h->refs = 1;
    h->t = t;
    h->body = t->body ? g_memdup2(t->body, t->body_size ? t->body_size : 1)
                      : NULL;
    t->body = h->body;
    return h;
}

static DevHeld *held_ref(DevHeld *h)
{
    g_atomic_int_inc(&h->refs);
    return h;
}

void dev_held_unref(DevHeld *h)
{
    if (h && g_atomic_int_dec_and_test(&h->refs)) {
        vmstate_free(h->t);
        g_free(h->body);
        g_free(h);
    }
}

static void held_delete(json_object *jso, void *userdata)
{
    (void)jso;
    dev_held_unref(userdata);
}

/* ---- a writer in json-c's format (json_object.c of json-c 0.16) ---- */

#define JW_BUF (1u << 16)

typedef struct Jw {
    struct printbuf *pb;
    int flags;
    size_t n;               /* bytes in buf */
    char buf[JW_BUF];       /* written to pb (or the sink) when full */
} Jw;

/* While out_finish() prints the document, its stream: what json-c has
 * printed so far is written out first, then these members go straight to
 * it, so the document is never held whole. */
static FILE *sink;

void dev_json_sink(FILE *fp)
{
    sink = fp;
}

static void flush(Jw *w)
{
    if (sink) {
        if (w->pb->bpos) {
            fwrite(w->pb->buf, 1, (size_t)w->pb->bpos, sink);
            printbuf_reset(w->pb);
        }
        fwrite(w->buf, 1, w->n, sink);
    } else {
        printbuf_memappend(w->pb, w->buf, (int)w->n);
    }
    w->n = 0;
}

static void put(Jw *w, const char *s, size_t n)
{
    if (n > JW_BUF - w->n) {
        flush(w);
        if (n > JW_BUF) {
            w->n = 0;
            if (sink) {
                fwrite(s, 1, n, sink);
            } else {
                printbuf_memappend(w->pb, s, (int)n);
            }
            return;
        }
    }
    memcpy(w->buf + w->n, s, n);
    w->n += n;
}

#define PUT(w, lit) put((w), "" lit, sizeof(lit) - 1)

static Jw *jw_new(struct printbuf *pb, int flags)
{
    Jw *w = g_new(Jw, 1);

    w->pb = pb;
    w->flags = flags;
    w->n = 0;
    return w;
}

static void jw_done(Jw *w)
{
    flush(w);
    g_free(w);
}

static bool pretty(const Jw *w)
{
    return w->flags & JSON_C_TO_STRING_PRETTY;
}

static void indent(Jw *w, int level)
{
    static const char spaces[] = "                                "
                                 "                                ";
    static const char tabs[] = "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t";
    size_t n;
    bool tab;

    if (!pretty(w) || level <= 0) {
        return;
    }
    tab = w->flags & JSON_C_TO_STRING_PRETTY_TAB;
    n = tab ? (size_t)level : (size_t)level * 2;
    while (n) {
        size_t k = MIN(n, tab ? sizeof(tabs) - 1 : sizeof(spaces) - 1);
        put(w, tab ? tabs : spaces, k);
        n -= k;
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
    if (*had) {
        PUT(w, ",");
        if (pretty(w)) {
            PUT(w, "\n");
        }
    }
    *had = true;
    if ((w->flags & JSON_C_TO_STRING_SPACED) && !pretty(w)) {
        PUT(w, " ");
    }
    indent(w, level + 1);
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
 * last only without NOSLASHESCAPE); bytes from 0x80 need a UTF-8 check. */
static bool plain_ascii(const char *s, size_t *len, bool slash)
{
    size_t i = 0;

    for (; s[i]; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\' ||
            (c == '/' && slash)) {
            for (; s[i]; i++) {
            }
            *len = i;
            return false;
        }
    }
    *len = i;
    return true;
}

static void str(Jw *w, const char *s)
{
    size_t n;

    PUT(w, "\"");
    if (plain_ascii(s, &n, !(w->flags & JSON_C_TO_STRING_NOSLASHESCAPE))) {
        put(w, s, n);
    } else {
        escaped(w, s, n);
    }
    PUT(w, "\"");
}

/* A string as json_text() makes it: valid UTF-8. */
static void text(Jw *w, const char *s)
{
    size_t n;

    if (plain_ascii(s, &n, !(w->flags & JSON_C_TO_STRING_NOSLASHESCAPE)) ||
        g_utf8_validate(s, (gssize)n, NULL)) {
        str(w, s);
        return;
    }
    g_autofree char *valid = g_utf8_make_valid(s, -1);
    str(w, valid);
}

static void key(Jw *w, const char *k)
{
    str(w, k);
    if (w->flags & JSON_C_TO_STRING_SPACED) {
        PUT(w, ": ");
    } else {
        PUT(w, ":");
    }
}

/* Decimal digits of v at the end of buf (no printf: this runs for every
 * number of the document); returns where they start. */
static char *decimal(char *end, uint64_t v)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

static void i64(Jw *w, int64_t v)
{
    char buf[24], *end = buf + sizeof(buf), *p;

    p = decimal(end, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
    if (v < 0) {
        *--p = '-';
    }
    put(w, p, (size_t)(end - p));
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

/* Has an earlier member of this object the key k? Few members: compared
 * one by one; many: a hash set. */
typedef struct Keys {
    GPtrArray *list;        /* char * (borrowed or owned by 'owned') */
    GHashTable *set;
    GPtrArray *owned;
} Keys;

static bool keys_has(Keys *ks, const char *k)
{
    if (ks->set) {
        return g_hash_table_contains(ks->set, k);
    }
    for (guint i = 0; i < ks->list->len; i++) {
        if (!strcmp(g_ptr_array_index(ks->list, i), k)) {
            return true;
        }
    }
    return false;
}

static void keys_add(Keys *ks, const char *k)
{
    if (!ks->set && ks->list->len >= 16) {
        ks->set = g_hash_table_new(g_str_hash, g_str_equal);
        for (guint i = 0; i < ks->list->len; i++) {
            g_hash_table_add(ks->set, g_ptr_array_index(ks->list, i));
        }
    }
    if (ks->set) {
        g_hash_table_add(ks->set, (gpointer)k);
    } else {
        g_ptr_array_add(ks->list, (gpointer)k);
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
    char *k;

    if (!keys_has(ks, name)) {
        keys_add(ks, name);
        return name;
    }
    k = NULL;
    do {
        g_free(k);
        k = repeat_key(seen, name);
    } while (keys_has(ks, k));
    g_ptr_array_add(ks->owned, k);
    keys_add(ks, k);
    return k;
}

static void object(Jw *w, const VmTree *t, const VmField *f, int level)
{
    Keys ks = { g_ptr_array_new(), NULL, g_ptr_array_new_with_free_func(g_free) };
    GHashTable *seen = NULL;
    bool had = false;

    open_with(w, '{');
    for (const VmField *k = vmstate_first(t, f); k; k = vmstate_next(t, k)) {
        /* names come from the vmdesc: keep the document valid UTF-8 */
        const char *name = k->name;
        size_t n;
        if (!plain_ascii(name, &n, false) && !g_utf8_validate(name, -1, NULL)) {
            name = g_utf8_make_valid(name, -1);
            g_ptr_array_add(ks.owned, (char *)name);
        }
        item(w, level, &had);
        key(w, member_key(&ks, &seen, name));
        value(w, t, k, level + 1);
    }
    close_with(w, level, had, '}');
    if (seen) {
        g_hash_table_unref(seen);
    }
    if (ks.set) {
        g_hash_table_unref(ks.set);
    }
    g_ptr_array_unref(ks.list);
    g_ptr_array_unref(ks.owned);
}

static void array(Jw *w, const VmTree *t, const VmField *f, int level)
{
    bool had = false;

    open_with(w, '[');
    for (const VmField *k = vmstate_first(t, f); k; k = vmstate_next(t, k)) {
        item(w, level, &had);
        value(w, t, k, level + 1);
    }
    close_with(w, level, had, ']');
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
        s64(w, vmstate_int(f), f->width);
        return;
    case VM_UINT:
        u64(w, f->value);
        return;
    case VM_BOOL:
        if (f->value) {
            PUT(w, "true");
        } else {
            PUT(w, "false");
        }
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

static int fields_to_string(json_object *jso, struct printbuf *pb, int level,
                            int flags)
{
    DevHeld *h = json_object_get_userdata(jso);
    Jw *w = jw_new(pb, flags);

    value(w, h->t, vmstate_root(h->t), level);
    jw_done(w);
    return 0;
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

static void place(Jw *w, const VmTree *t, const VmField *k, const char *path,
                  uint64_t esize, int level)
{
    bool had = false;

    open_with(w, '{');
    item(w, level, &had);
    key(w, "path");
    text(w, path);
    item(w, level, &had);
    key(w, "type");
    text(w, k->type);
    item(w, level, &had);
    key(w, "offset");
    u64(w, k->offset);
    item(w, level, &had);
    key(w, "size");
    u64(w, k->size);
    if (k->kind == VM_ARRAY) {
        item(w, level, &had);
        key(w, "count");
        i64(w, k->count);
    }
    if (k->kind == VM_SUBSECTION) {
        item(w, level, &had);
        key(w, "version");
        i64(w, k->version);
    }
    if (k->flags) {
        item(w, level, &had);
        key(w, "flags");
        flags_array(w, k->flags, level + 1);
    }
    if (esize) {
        item(w, level, &had);
        key(w, "element-size");
        u64(w, esize);
    }
    (void)t;
    close_with(w, level, had, '}');
}

static void layout_walk(Jw *w, const VmTree *t, const VmField *f,
                        GString *path, int level, bool *had)
{
    int64_t idx = 0;

    for (const VmField *k = vmstate_first(t, f); k; k = vmstate_next(t, k)) {
        size_t keep = path->len;
        uint64_t esize;

        if (f->kind == VM_ARRAY) {
            char buf[24], *end = buf + sizeof(buf), *p = decimal(end - 1,
                                                                 (uint64_t)idx++);
            end[-1] = ']';
            *--p = '[';
            g_string_append_len(path, p, end - p);
        } else {
            if (path->len) {
                g_string_append_c(path, '.');
            }
            g_string_append(path, k->name);
        }
        esize = uniform_leaves(t, k);
        item(w, level, had);
        place(w, t, k, path->str, esize, level + 1);
        if (!esize) {
            layout_walk(w, t, k, path, level, had);
        }
        g_string_truncate(path, keep);
    }
}

static int layout_to_string(json_object *jso, struct printbuf *pb, int level,
                            int flags)
{
    DevHeld *h = json_object_get_userdata(jso);
    Jw *w = jw_new(pb, flags);
    GString *path = g_string_new(NULL);
    bool had = false;

    open_with(w, '[');
    layout_walk(w, h->t, vmstate_root(h->t), path, level, &had);
    close_with(w, level, had, ']');
    jw_done(w);
    g_string_free(path, TRUE);
    return 0;
}

static json_object *placeholder(DevHeld *h, json_object_to_json_string_fn *fn)
{
    json_object *j = json_object_new_object();

    json_object_set_serializer(j, fn, held_ref(h), held_delete);
    return j;
}

json_object *dev_json_fields(DevHeld *h)
{
    return placeholder(h, fields_to_string);
}

json_object *dev_json_layout(DevHeld *h)
{
    return placeholder(h, layout_to_string);
}
