/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A device section body, field by field, as its vmdesc entry describes it
 * (formats/vmstate.md). Every element of an entry is exactly 'size' bytes,
 * compressed arrays repeat an entry 'array_len' times, consecutive entries
 * with one name are one array, and each listed subsection follows its
 * parent's fields as 0x05, u8 length, name, BE u32 version, body.
 */
#include "vmstate.h"

#include <math.h>
#include <string.h>

#include "json_get.h"

/* Nodes allowed per body byte (plus a constant): zero-size fields are legal,
 * but a description cannot make cprdump build more than this. */
#define NODES_PER_BYTE 2u
#define NODES_EXTRA 65536u

typedef struct TypeInfo {
    const char *name;
    uint8_t kind;
    uint8_t width;
    uint16_t flags;
} TypeInfo;

/* Special layouts handled by decode_leaf(). */
enum { K_IRQ_STATE = 100, K_BITMAP };

static const TypeInfo types[] = {
    { "int8", VM_INT, 1, 0 },
    { "int16", VM_INT, 2, 0 },
    { "int32", VM_INT, 4, 0 },
    { "int64", VM_INT, 8, 0 },
    { "uint8", VM_UINT, 1, 0 },
    { "uint16", VM_UINT, 2, 0 },
    { "uint32", VM_UINT, 4, 0 },
    { "uint64", VM_UINT, 8, 0 },
    { "int32 equal", VM_INT, 4, 0 },
    { "int32 le", VM_INT, 4, 0 },       /* "less or equal", still BE */
    { "uint8 equal", VM_UINT, 1, 0 },
    { "uint16 equal", VM_UINT, 2, 0 },
    { "uint32 equal", VM_UINT, 4, 0 },
    { "int64 equal", VM_UINT, 8, 0 },   /* QEMU's uint64-equal info */
    { "uint64 equal", VM_UINT, 8, 0 },
    { "bool", VM_BOOL, 1, 0 },
    { "timer", VM_TIMER, 8, 0 },
    { "float64", VM_FLOAT, 8, 0 },
    { "CPU_Double_U", VM_FLOAT, 8, 0 }, /* BE u32 upper, BE u32 lower */
    { "buffer", VM_BYTES, 0, 0 },
    { "unused_buffer", VM_BYTES, 0, 0 },
    { "pci config", VM_BYTES, 0, 0 },
    { "pci irq state", K_IRQ_STATE, 4, 0 },
    { "bitmap", K_BITMAP, 8, 0 },
    { "nullptr", VM_POINTER, 1, 0 },
    { "ptr-marker", VM_POINTER, 1, 0 },
    { "capability", VM_STRING, 0, 0 },
    { "struct", VM_STRUCT, 0, 0 },
    { "tmp", VM_STRUCT, 0, 0 },
    { "vstruct", VM_STRUCT, 0, 0 },
    { "virtio", VM_BYTES, 0, VMF_OPAQUE },
    { "qtailq", VM_BYTES, 0, VMF_OPAQUE },
    { "qlist", VM_BYTES, 0, VMF_OPAQUE },
    { "gtree", VM_BYTES, 0, VMF_OPAQUE },
    { "fd", VM_BYTES, 0, VMF_OPAQUE },
};

static const TypeInfo unknown_type = { NULL, VM_RAW, 0, VMF_UNKNOWN_TYPE };

static gpointer types_index(gpointer unused)
{
    GHashTable *h = g_hash_table_new(g_str_hash, g_str_equal);

    (void)unused;
    for (size_t i = 0; i < G_N_ELEMENTS(types); i++) {
        g_hash_table_insert(h, (gpointer)types[i].name, (gpointer)&types[i]);
    }
    return h;
}

static const TypeInfo *type_info(const char *name)
{
    static GOnce once = G_ONCE_INIT;
    const TypeInfo *ti;

    if (!name) {
        return &unknown_type;
    }
    ti = g_hash_table_lookup(g_once(&once, types_index, NULL), name);
    return ti ? ti : &unknown_type;
}

typedef struct Ctx {
    VmTree *t;
    const uint8_t *b;     /* body */
    size_t budget;        /* nodes left */
    bool stopped;         /* a limit was hit: unwind */
    GHashTable *descs;    /* json_object * -> Desc *: compiled descriptions */
} Ctx;

static const char UNDESCRIBED[] = "(undescribed)";

/* ---- descriptions, read from json-c once per decode ----
 * A description object (a section's, a struct's, a subsection's) is looked
 * up in json-c once, however many elements it describes (ich9_ahci's six
 * ports, an array of 1,024 structs). */

typedef struct Entry {
    const char *name, *type;
    const TypeInfo *ti;
    int64_t size, count;    /* count: array_len, or 1 without one */
    bool has_len;           /* "array_len" present: an array even of 1 */
    json_object *nested;    /* struct, tmp, vstruct: the description */
    size_t run_end;         /* a run's first entry: past its last */
    uint64_t pack;          /* a run's first entry: its element count when
                               it is one packed array (vmstate.h), else 0 */
} Entry;

typedef struct Sub {
    json_object *desc;
    const char *name;       /* vmsd_name */
    int64_t version;
} Sub;

typedef struct Desc {
    Entry *fields;
    size_t nf;
    Sub *subs;
    size_t ns;
} Desc;

static void desc_free(gpointer p)
{
    Desc *d = p;

    g_free(d->fields);
    g_free(d->subs);
    g_free(d);
}

static size_t array_len_of(json_object *o, const char *key, json_object **a)
{
    if (!json_object_object_get_ex(o, key, a) ||
        !json_object_is_type(*a, json_type_array)) {
        return 0;
    }
    return json_object_array_length(*a);
}

/* An integer, bool, float or timer of its type's own width: nothing about
 * one element can go wrong. */
static bool plain_number(const TypeInfo *ti, int64_t size)
{
    return (ti->kind == VM_INT || ti->kind == VM_UINT ||
            ti->kind == VM_BOOL || ti->kind == VM_FLOAT ||
            ti->kind == VM_TIMER) && size == ti->width;
}

/* One pass over the entry's members (a lookup per key cost more than the
 * decoding itself on 5,000 sections). */
static void read_entry(json_object *f, Entry *e)
{
    json_object *len = NULL, *st = NULL;
    bool fields = false;

    e->size = -1;
    if (json_object_is_type(f, json_type_object)) {
        json_object_object_foreach(f, key, v) {
            switch (key[0]) {
            case 'n':
                e->name = strcmp(key, "name") ? e->name : json_str_of(v);
                break;
            case 't':
                e->type = strcmp(key, "type") ? e->type : json_str_of(v);
                break;
            case 's':
                if (!strcmp(key, "size")) {
                    e->size = json_int_of(v, -1);
                } else if (!strcmp(key, "struct")) {
                    st = v;
                }
                break;
            case 'a':
                if (!strcmp(key, "array_len")) {
                    len = v;
                    e->has_len = true;
                }
                break;
            case 'f':
                /* even null, as json-c's get_ex */
                fields = fields || !strcmp(key, "fields");
                break;
            }
        }
    }
    e->ti = type_info(e->type);
    e->count = e->has_len ? json_int_of(len, -1) : 1;
    if (e->ti->kind == VM_STRUCT) {
        /* the nested description: "struct" for struct, the entry itself
         * for tmp / vstruct (vmstate.md) */
        e->nested = json_object_is_type(st, json_type_object) ? st
                    : fields ? f : NULL;
    }
}

static const char *entry_name(const Entry *e)
{
    return e->name ? e->name : "?";
}

/* Entries [i, j) share one name: one array (QEMU 7.2, 10.0 and 11.1 write
 * "index" differently, so runs are grouped by name alone). Packed when all
 * are plain numbers of one type. */
static void read_run(Desc *d, size_t i)
{
    Entry *e = &d->fields[i];
    size_t j = i + 1;
    uint64_t n = 0;

    while (j < d->nf && !strcmp(entry_name(&d->fields[j]), entry_name(e))) {
        j++;
    }
    e->run_end = j;
    if (j - i == 1 && !e->has_len) {
        return;
    }
    for (size_t k = i; k < j; k++) {
        const Entry *x = &d->fields[k];
        if (!e->type || !x->type || strcmp(x->type, e->type) ||
            !plain_number(x->ti, x->size) || x->count < 0 ||
            (uint64_t)x->count > UINT32_MAX - n) {
            return;
        }
        n += (uint64_t)x->count;
    }
    e->pack = n;
}

static const Desc *desc_of(Ctx *c, json_object *desc)
{
    Desc *d = g_hash_table_lookup(c->descs, desc);
    json_object *fields, *subs;

    if (d) {
        return d;
    }
    d = g_new0(Desc, 1);
    d->nf = array_len_of(desc, "fields", &fields);
    d->ns = array_len_of(desc, "subsections", &subs);
    d->fields = g_new0(Entry, d->nf);
    d->subs = g_new0(Sub, d->ns);
    for (size_t i = 0; i < d->nf; i++) {
        read_entry(json_object_array_get_idx(fields, i), &d->fields[i]);
    }
    for (size_t i = 0; i < d->nf; i = d->fields[i].run_end) {
        read_run(d, i);
    }
    for (size_t i = 0; i < d->ns; i++) {
        Sub *sub = &d->subs[i];
        sub->desc = json_object_array_get_idx(subs, i);
        sub->name = json_get_str(sub->desc, "vmsd_name");
        sub->version = json_get_int(sub->desc, "version", -1);
    }
    g_hash_table_insert(c->descs, desc, d);
    return d;
}

/* ---- tree building ---- */

static VmField *node(Ctx *c, uint32_t i)
{
    return &g_array_index(c->t->fields, VmField, i);
}

static uint32_t add_node(Ctx *c, uint32_t parent, const char *name,
                         const char *type, uint8_t kind, size_t pos,
                         uint64_t size)
{
    uint32_t i = c->t->fields->len;

    if (c->budget) {
        c->budget--;
    }
    g_array_set_size(c->t->fields, i + 1);
    *node(c, i) = (VmField) {
        .name = name ? name : "?", .type = type ? type : "?", .kind = kind,
        .parent = parent, .first = VM_NONE, .last = VM_NONE, .next = VM_NONE,
        .offset = c->t->body_offset + pos, .size = size,
    };
    if (parent != VM_NONE) {
        VmField *p = node(c, parent);
        if (p->last == VM_NONE) {
            p->first = i;
        } else {
            node(c, p->last)->next = i;
        }
        p->last = i;
        p->count++;
    }
    return i;
}

static void mismatch(Ctx *c, FmtErrCode code, size_t pos, uint32_t at,
                     const char *suffix, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Records a mismatch at body index pos for node 'at' (its path; suffix is
 * appended for something not yet in the tree, such as a subsection). */
static void mismatch(Ctx *c, FmtErrCode code, size_t pos, uint32_t at,
                     const char *suffix, const char *fmt, ...)
{
    g_autofree char *p = at ? vmstate_path(c->t, vmstate_field(c->t, at))
                            : g_strdup("");
    VmMismatch m = { .offset = c->t->body_offset + pos, .code = code };
    va_list ap;

    if (at) {
        node(c, at)->flags |= VMF_MISMATCH;
    }
    m.path = suffix ? g_strconcat(p, p[0] ? "." : "", suffix, NULL)
                    : g_steal_pointer(&p);
    va_start(ap, fmt);
    m.msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_array_append_val(c->t->mismatches, m);
}

/* Covers [pos, end) with one undescribed raw node of parent. */
static void add_rest(Ctx *c, uint32_t parent, size_t pos, size_t end)
{
    if (pos < end) {
        uint32_t i = add_node(c, parent, UNDESCRIBED, "raw", VM_RAW, pos,
                              end - pos);
        node(c, i)->flags |= VMF_UNDESCRIBED | VMF_MISMATCH;
    }
}

static bool budget_ok(Ctx *c, uint64_t want, size_t pos, uint32_t at)
{
    if (!c->stopped && want <= c->budget) {
        return true;
    }
    if (!c->stopped) {
        mismatch(c, FMT_ERR_LIMIT, pos, at, NULL, "the description asks for "
                 "more fields than cprdump decodes in a body of %zu bytes "
                 "(%u per byte + %u)", c->t->body_size, NODES_PER_BYTE,
                 NODES_EXTRA);
    }
    c->stopped = true;
    return false;
}

/* ---- leaves ---- */

/* An array of n values of width w synthesised from one field's bytes. */
static void add_words(Ctx *c, uint32_t arr, const char *name, uint8_t kind,
                      uint8_t w, size_t pos, uint64_t n)
{
    for (uint64_t k = 0; k < n; k++) {
        uint32_t i = add_node(c, arr, name, kind == VM_INT ? "int32"
                              : "uint64", kind, pos + k * w, w);
        node(c, i)->width = w;
        node(c, i)->value = vmstate_load_be(c->b + pos + k * w, w);
    }
}

static void decode_number(Ctx *c, uint32_t i, const TypeInfo *ti, size_t pos,
                          uint64_t size)
{
    VmField *f = node(c, i);

    if (size == ti->width || (size && size <= 8 && ti->kind != VM_BOOL &&
                              ti->kind != VM_POINTER)) {
        f->width = (uint8_t)size;
        f->value = vmstate_load_be(c->b + pos, (size_t)size);
        if (size != ti->width) {
            f->flags |= VMF_ODD_SIZE;
            if (ti->kind == VM_FLOAT || ti->kind == VM_TIMER) {
                f->kind = VM_BYTES;
            }
        }
        if (ti->kind == VM_POINTER && f->value != 0x30 && f->value != 0x31) {
            mismatch(c, FMT_ERR_INVALID, pos, i, NULL, "pointer marker 0x%02x "
                     "(0x30 null or 0x31 present)", (unsigned)f->value);
        }
        return;
    }
    f->kind = VM_BYTES;
    f->flags |= VMF_ODD_SIZE;
}

static bool decode_struct(Ctx *c, const Entry *e, uint32_t i, size_t pos,
                          unsigned depth);

/* One element of entry e at pos, e->size bytes (known to fit). */
static bool decode_element(Ctx *c, const Entry *e, uint32_t into, size_t pos,
                           unsigned depth)
{
    const TypeInfo *ti = e->ti;
    uint64_t size = (uint64_t)e->size;
    uint8_t kind = ti->kind >= K_IRQ_STATE ? VM_ARRAY : ti->kind;
    uint32_t i = add_node(c, into, e->name, e->type, kind, pos, size);

    node(c, i)->flags |= ti->flags;
    switch (ti->kind) {
    case VM_INT:
    case VM_UINT:
    case VM_BOOL:
    case VM_FLOAT:
    case VM_TIMER:
    case VM_POINTER:
        decode_number(c, i, ti, pos, size);
        break;
    case VM_STRING:
        if (!size || c->b[pos] + 1u != size) {
            node(c, i)->kind = VM_BYTES;
            node(c, i)->flags |= VMF_ODD_SIZE;
        }
        break;
    case K_IRQ_STATE:
    case K_BITMAP:
        if (size % ti->width || (ti->kind == K_IRQ_STATE && size != 16)) {
            node(c, i)->kind = VM_BYTES;
            node(c, i)->flags |= VMF_ODD_SIZE;
        } else if (budget_ok(c, size / ti->width, pos, i)) {
            add_words(c, i, e->name, ti->kind == K_IRQ_STATE ? VM_INT
                      : VM_UINT, ti->width, pos, size / ti->width);
        }
        break;
    case VM_STRUCT:
        return decode_struct(c, e, i, pos, depth);
    default:
        break;
    }
    c->t->described += size;
    return !c->stopped;
}

static bool decode_desc(Ctx *c, json_object *desc, uint32_t parent,
                        size_t *pos, size_t end, unsigned depth);

/* QEMU before 9.1.3 described an array of pointers by its first element
 * only: a NULL first slot makes every element a 1-byte struct with an empty
 * description. Slots holding 0x30 are NULL markers; any other byte starts a
 * real element that the vmdesc does not describe: the rest is undescribed. */
static bool decode_old_null(Ctx *c, uint32_t i, size_t pos)
{
    VmField *f = node(c, i);

    f->kind = VM_POINTER;
    f->width = 1;
    f->value = c->b[pos];
    c->t->described += 1;
    if (f->value == 0x30) {
        return true;
    }
    mismatch(c, FMT_ERR_INVALID, pos, i, NULL, "byte 0x%02x where the vmdesc "
             "has a NULL pointer: it describes this array of pointers by its "
             "first (NULL) element, as QEMU before 9.1.3 did, so this real "
             "element is not described", (unsigned)f->value);
    c->t->described -= 1;
    f->kind = VM_RAW;
    f->flags |= VMF_UNDESCRIBED;
    return false;
}

static bool decode_struct(Ctx *c, const Entry *e, uint32_t i, size_t pos,
                          unsigned depth)
{
    json_object *d = e->nested;
    uint64_t size = (uint64_t)e->size;
    size_t p = pos, end = pos + (size_t)size;
    bool ok;

    if (d && size == 1 && !json_object_object_length(d)) {
        return decode_old_null(c, i, pos);
    }
    if (!d) {
        node(c, i)->kind = VM_BYTES;
        node(c, i)->flags |= VMF_OPAQUE;
        c->t->described += size;
        return true;
    }
    ok = decode_desc(c, d, i, &p, end, depth + 1);
    if (ok && p < end) {
        mismatch(c, FMT_ERR_INVALID, p, i, NULL, "%s of %" G_GUINT64_FORMAT
                 " bytes per the vmdesc, but its fields and subsections take "
                 "%zu", node(c, i)->type, size, p - pos);
    }
    add_rest(c, i, p, end);
    return !c->stopped;
}

/* ---- entries, runs, subsections ---- */

/* Entry e (e->count elements of e->size bytes) at *pos into 'into'. */
static bool decode_entry(Ctx *c, const Entry *e, uint32_t into, size_t *pos,
                         size_t end, unsigned depth)
{
    size_t left = end - *pos;
    uint32_t bad;

    if (e->size < 0 || e->count < 0) {
        bad = add_node(c, into, e->name, e->type, VM_RAW, *pos, left);
        node(c, bad)->flags |= VMF_UNDESCRIBED;
        mismatch(c, FMT_ERR_INVALID, *pos, bad, NULL, "field without a "
                 "valid %s in the vmdesc", e->size < 0 ? "size" : "array_len");
        *pos = end;
        return false;
    }
    if (e->count && (uint64_t)e->size > left / (uint64_t)e->count) {
        bad = add_node(c, into, e->name, e->type, VM_RAW, *pos, left);
        node(c, bad)->flags |= VMF_UNDESCRIBED;
        mismatch(c, FMT_ERR_TRUNCATED, *pos, bad, NULL, "%s of %" G_GINT64_FORMAT
                 " x %" G_GINT64_FORMAT " bytes overruns the %s: %zu bytes "
                 "left", e->type ? e->type : "field", e->count, e->size,
                 into ? "enclosing field" : "section body", left);
        *pos = end;
        return false;
    }
    if (!budget_ok(c, (uint64_t)e->count, *pos, into)) {
        return false;
    }
    for (int64_t k = 0; k < e->count; k++) {
        bool ok = decode_element(c, e, into, *pos, depth);
        *pos += (size_t)e->size;
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* One node for a run of n plain numbers (vmstate.h "packed"). */
static void decode_packed(Ctx *c, const Entry *e, uint32_t parent,
                          size_t *pos)
{
    uint64_t size = e->pack * e->ti->width;
    uint32_t arr = add_node(c, parent, e->name, e->type, VM_ARRAY, *pos,
                            size);
    VmField *a = node(c, arr);

    a->packed = e->ti->kind;
    a->width = e->ti->width;
    a->count = (uint32_t)e->pack;
    c->t->described += size;
    *pos += (size_t)size;
}

/* The run of entries from d->fields[i]: one array when it has more than one
 * entry or an array_len. */
static bool decode_run(Ctx *c, const Desc *d, size_t i, uint32_t parent,
                       size_t *pos, size_t end, unsigned depth)
{
    const Entry *e = &d->fields[i];
    uint32_t into = parent, arr = VM_NONE;
    size_t start = *pos;
    bool ok = true;

    if (e->pack && e->pack <= (end - *pos) / e->ti->width) {
        decode_packed(c, e, parent, pos);
        return true;
    }
    if (e->run_end - i > 1 || e->has_len) {
        arr = into = add_node(c, parent, e->name, e->type, VM_ARRAY, *pos, 0);
    }
    for (size_t k = i; k < e->run_end && ok; k++) {
        ok = decode_entry(c, &d->fields[k], into, pos, end, depth);
    }
    if (arr != VM_NONE) {
        node(c, arr)->size = *pos - start;
    }
    return ok;
}

static bool decode_subsection(Ctx *c, const Sub *sub, uint32_t parent,
                              size_t *pos, size_t end, unsigned depth)
{
    const char *name = sub->name;
    int64_t version = sub->version;
    size_t len = name ? strlen(name) : 0, start = *pos;
    const uint8_t *b = c->b + *pos;
    g_autofree char *safe = g_strescape(name ? name : "?", NULL);
    uint32_t i;
    bool ok;

    if (!name || len > 255) {
        mismatch(c, FMT_ERR_INVALID, *pos, parent, safe, "subsection without "
                 "a usable vmsd_name in the vmdesc");
        return false;
    }
    if (end > *pos && b[0] != 0x05) {
        mismatch(c, FMT_ERR_INVALID, *pos, parent, name, "byte 0x%02x where "
                 "subsection \"%s\" (0x05) belongs", b[0], safe);
        return false;
    }
    if (end - *pos < 6 + len) {
        mismatch(c, FMT_ERR_TRUNCATED, *pos, parent, name, "subsection header "
                 "of %zu bytes overruns the %s: %zu bytes left", 6 + len,
                 parent ? "enclosing field" : "section body", end - *pos);
        return false;
    }
    if (b[1] != len || memcmp(b + 2, name, len)) {
        g_autofree char *wire = g_strndup((const char *)b + 2,
                                          MIN((size_t)b[1], end - *pos - 2));
        g_autofree char *wsafe = g_strescape(wire, NULL);
        if (b[1] != len) {
            mismatch(c, FMT_ERR_INVALID, *pos + 1, parent, name, "subsection "
                     "name of %u bytes (\"%s\") where \"%s\" (%zu) belongs",
                     b[1], wsafe, safe, len);
        } else {
            mismatch(c, FMT_ERR_INVALID, *pos + 1, parent, name, "subsection "
                     "\"%s\" where \"%s\" belongs", wsafe, safe);
        }
        return false;
    }
    i = add_node(c, parent, name, "subsection", VM_SUBSECTION, *pos, 0);
    node(c, i)->version = (uint32_t)vmstate_load_be(b + 2 + len, 4);
    if (node(c, i)->version != version) {
        mismatch(c, FMT_ERR_INVALID, *pos + 2 + len, i, NULL, "version %u "
                 "on the wire, %" G_GINT64_FORMAT " in the vmdesc",
                 node(c, i)->version, version);
    }
    *pos += 6 + len;
    c->t->described += 6 + len;
    ok = decode_desc(c, sub->desc, i, pos, end, depth + 1);
    node(c, i)->size = *pos - start;
    return ok;
}

/* desc's fields, then its subsections, into parent from *pos up to end.
 * false: the body stopped matching (recorded; *pos is where). */
static bool decode_desc(Ctx *c, json_object *desc, uint32_t parent,
                        size_t *pos, size_t end, unsigned depth)
{
    const Desc *d;

    if (depth >= VMSTATE_DEPTH_MAX) {
        mismatch(c, FMT_ERR_LIMIT, *pos, parent, NULL, "the vmdesc nests "
                 "deeper than %u levels", VMSTATE_DEPTH_MAX);
        c->stopped = true;
        return false;
    }
    d = desc_of(c, desc);
    for (size_t i = 0; i < d->nf; i = d->fields[i].run_end) {
        if (!decode_run(c, d, i, parent, pos, end, depth)) {
            return false;
        }
    }
    for (size_t i = 0; i < d->ns; i++) {
        if (!decode_subsection(c, &d->subs[i], parent, pos, end, depth)) {
            return false;
        }
    }
    return true;
}

/* ---- public ---- */

VmTree *vmstate_decode(json_object *desc, const uint8_t *body, size_t len,
                       uint64_t at)
{
    static const uint8_t empty[1];
    VmTree *t = g_new0(VmTree, 1);
    Ctx c = { .t = t, .b = body ? body : empty,
              .descs = g_hash_table_new_full(NULL, NULL, NULL, desc_free) };
    size_t pos = 0;

    body = c.b;
    len = body == empty ? 0 : len;
    t->fields = g_array_new(FALSE, FALSE, sizeof(VmField));
    t->scratch = g_new0(VmField, 1);
    t->mismatches = g_array_new(FALSE, FALSE, sizeof(VmMismatch));
    t->body = body;
    t->body_offset = at;
    t->body_size = len;
    t->desc = json_object_get(desc);
    c.budget = len > (SIZE_MAX - NODES_EXTRA) / NODES_PER_BYTE
               ? SIZE_MAX : len * NODES_PER_BYTE + NODES_EXTRA;
    add_node(&c, VM_NONE, json_get_str(desc, "vmsd_name"), "section",
             VM_SECTION, 0, len);
    if (decode_desc(&c, desc, 0, &pos, len, 0) && pos < len) {
        mismatch(&c, FMT_ERR_TRAILING, pos, 0, NULL, "%zu bytes left before "
                 "the footer that the vmdesc does not describe", len - pos);
    }
    add_rest(&c, 0, pos, len);
    g_hash_table_unref(c.descs);
    return t;
}

void vmstate_free(VmTree *t)
{
    if (!t) {
        return;
    }
    for (guint i = 0; i < t->mismatches->len; i++) {
        VmMismatch *m = &g_array_index(t->mismatches, VmMismatch, i);
        g_free(m->path);
        g_free(m->msg);
    }
    g_array_unref(t->mismatches);
    g_array_unref(t->fields);
    g_free(t->scratch);
    json_object_put(t->desc);
    g_free(t);
}

double vmstate_float(const VmField *f)
{
    double d;

    memcpy(&d, &f->value, sizeof(d));
    return d;
}

const VmField *vmstate_elem(const VmTree *t, const VmField *arr, uint32_t i,
                            VmField *buf)
{
    *buf = (VmField) {
        .name = arr->name, .type = arr->type, .kind = arr->packed,
        .width = arr->width,
        .parent = (uint32_t)(arr - vmstate_root(t)),
        .first = VM_NONE, .last = VM_NONE, .next = VM_NONE,
        .offset = arr->offset + (uint64_t)i * arr->width, .size = arr->width,
        .value = vmstate_elem_bits(t, arr, i),
    };
    return buf;
}

const VmField *vmstate_iter_next(VmIter *it)
{
    const VmField *p = it->parent;

    if (p->packed) {
        return it->i < p->count ? vmstate_elem(it->t, p, it->i++, &it->buf)
                                : NULL;
    }
    it->cur = it->cur ? vmstate_next(it->t, it->cur)
                      : vmstate_first(it->t, p);
    return it->cur;
}

int64_t vmstate_index(const VmTree *t, const VmField *f)
{
    const VmField *p = vmstate_parent(t, f);
    int64_t i = 0;

    if (!p || p->kind != VM_ARRAY) {
        return -1;
    }
    if (p->packed) {
        return p->width ? (int64_t)((f->offset - p->offset) / p->width) : 0;
    }
    for (const VmField *k = vmstate_first(t, p); k && k != f;
         k = vmstate_next(t, k)) {
        i++;
    }
    return i;
}

const VmField *vmstate_child(const VmTree *t, const VmField *p,
                             const char *name)
{
    for (const VmField *k = vmstate_first(t, p); k; k = vmstate_next(t, k)) {
        if (!strcmp(k->name, name)) {
            return k;
        }
    }
    return NULL;
}

char *vmstate_path(const VmTree *t, const VmField *f)
{
    GPtrArray *steps = g_ptr_array_new_with_free_func(g_free);
    GString *s = g_string_new(NULL);

    for (; f && f->parent != VM_NONE; f = vmstate_parent(t, f)) {
        int64_t i = vmstate_index(t, f);
        g_ptr_array_add(steps, i >= 0
                        ? g_strdup_printf("[%" G_GINT64_FORMAT "]", i)
                        : g_strdup(f->name));
    }
    for (guint k = steps->len; k-- > 0;) {
        const char *step = g_ptr_array_index(steps, k);
        if (s->len && step[0] != '[') {
            g_string_append_c(s, '.');
        }
        g_string_append(s, step);
    }
    g_ptr_array_unref(steps);
    return g_string_free(s, FALSE);
}

/* The child of p whose name is the longest prefix of r that ends at the end
 * of r, a '.' or a '['. */
static const VmField *match_child(const VmTree *t, const VmField *p,
                                  const char *r, size_t *used)
{
    const VmField *best = NULL;
    size_t best_len = 0;

    for (const VmField *k = vmstate_first(t, p); k; k = vmstate_next(t, k)) {
        size_t n = strlen(k->name);
        if (n > best_len && !strncmp(r, k->name, n) &&
            (r[n] == '\0' || r[n] == '.' || r[n] == '[')) {
            best = k;
            best_len = n;
        }
    }
    *used = best_len;
    return best;
}

const VmField *vmstate_lookup(const VmTree *t, const char *path)
{
    const VmField *f = vmstate_root(t);
    const char *r = path;

    while (f && *r) {
        size_t used = 0;
        if (*r == '[' && f->kind == VM_ARRAY) {
            char *end;
            guint64 i = g_ascii_strtoull(r + 1, &end, 10);
            if (end == r + 1 || *end != ']') {
                return NULL;
            }
            r = end + 1;
            if (f->packed) {
                return i < f->count && !*r
                       ? vmstate_elem(t, f, (uint32_t)i, t->scratch) : NULL;
            }
            f = vmstate_first(t, f);
            for (; f && i; i--) {
                f = vmstate_next(t, f);
            }
            continue;
        }
        if (*r == '.' && f != vmstate_root(t)) {
            r++;
        }
        f = match_child(t, f, r, &used);
        r += used;
    }
    return f;
}
