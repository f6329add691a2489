/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --against field by field: the fields this stream wrote (its vmdesc: name,
 * type, bytes per element, count) against the fields the destination reads
 * at that version (its dump: name, version_id, field_exists, C size, static
 * count, nested vmsd, subsections). Where they part, the destination reads
 * the rest of the section at the wrong offset: "Missing section footer".
 *
 * Alignment is by name. A destination field with field_exists that the
 * stream lacks is taken as not sent (the same test ran in the source); a
 * destination field without one that the stream lacks may be an empty
 * variable array: cannot tell. Sizes are compared only for integer-like
 * types, whose wire size is their C size; structs are compared inside.
 */
#include <string.h>

#include "check/against.h"
#include "json_get.h"

typedef struct Cmp {
    Against *a;
    guint dest;
    const StreamSection *s;
    GString *path;
    bool stopped;           /* a shift was found: the rest is not compared */
} Cmp;

/* vmdesc types whose bytes per element equal the C size of the field. */
static bool size_comparable(const char *type, int64_t size)
{
    static const char *const types[] = {
        "bool", "int8", "int16", "int32", "int64", "uint8", "uint16",
        "uint32", "uint64", "int32 le", "int32 equal", "uint8 equal",
        "uint16 equal", "uint32 equal", "int64 equal", "float64",
        "CPU_Double_U", "unused_buffer",
    };

    if (!type || (!strcmp(type, "uint64") && size == 1)) {
        return false;       /* before 10.0: a NULL pointer marker */
    }
    for (size_t i = 0; i < G_N_ELEMENTS(types); i++) {
        if (!strcmp(type, types[i])) {
            return true;
        }
    }
    return false;
}

typedef struct Group {
    const char *name;
    const char *type;
    int64_t size;           /* of one element (first entry) */
    uint64_t count;         /* elements over the group's entries */
    size_t first, end;      /* entries [first, end) of the fields array */
} Group;

/* Consecutive entries with one name are one field (uncompressed arrays,
 * NULL-split pointer arrays): vmdesc §3.3. */
static size_t group_at(json_object *fields, size_t i, Group *g)
{
    size_t n = json_object_array_length(fields);
    json_object *f = json_object_array_get_idx(fields, i);

    g->name = json_get_str(f, "name");
    g->type = json_get_str(f, "type");
    g->size = json_get_int(f, "size", -1);
    g->first = i;
    g->count = 0;
    for (; i < n; i++) {
        json_object *e = json_object_array_get_idx(fields, i);
        const char *name = json_get_str(e, "name");
        int64_t len = json_get_int(e, "array_len", 1);
        if (i > g->first && (!name || !g->name || strcmp(name, g->name))) {
            break;
        }
        g->count += len > 0 ? (uint64_t)len : 1;
    }
    g->end = i;
    return i;
}

/* One finding about this section's field; qemu_line (taken) is NULL unless
 * the load fails. */
static void field_finding(Cmp *c, AgRuleId rule, AgVerdict v,
                          const char *field, char *qemu_line,
                          const char *fmt, va_list ap)
{
    g_autofree char *why = g_strdup_vprintf(fmt, ap);

    ag_add(c->a, rule, v, c->dest, c->s->idstr, c->s->instance_id, field,
           qemu_line, "%s", why);
}

static void fail_shift(Cmp *c, AgRuleId rule, const char *field,
                       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A field that shifts the rest of the section: QEMU then misses the footer. */
static void fail_shift(Cmp *c, AgRuleId rule, const char *field,
                       const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    field_finding(c, rule, AG_FAILS, field,
                  g_strdup_printf("Missing section footer for %s",
                                  c->s->idstr), fmt, ap);
    va_end(ap);
    c->stopped = true;
}

static void unsure(Cmp *c, AgRuleId rule, const char *field,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void unsure(Cmp *c, AgRuleId rule, const char *field,
                   const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    field_finding(c, rule, AG_CANNOT_TELL, field, NULL, fmt, ap);
    va_end(ap);
}

static char *path_with(Cmp *c, const char *name)
{
    return c->path->len ? g_strdup_printf("%s.%s", c->path->str, name)
                        : g_strdup(name);
}

static void compare_vmsd(Cmp *c, json_object *desc, const VdVmsd *v,
                         int64_t version);

static void compare_struct(Cmp *c, json_object *fields, const Group *g,
                           const VdField *df)
{
    size_t old = c->path->len;

    g_string_append_printf(c->path, "%s%s", old ? "." : "", g->name);
    for (size_t i = g->first; i < g->end && !c->stopped; i++) {
        json_object *e = json_object_array_get_idx(fields, i), *sub = NULL;

        if (!strcmp(g->type, "struct")) {
            json_object_object_get_ex(e, "struct", &sub);
        } else if (json_object_object_get_ex(e, "fields", NULL)) {
            sub = e;        /* tmp, vstruct: the description is inline */
        }
        if (sub) {
            compare_vmsd(c, sub, df->vmsd, df->vmsd->version_id);
        }
    }
    g_string_truncate(c->path, old);
}

static void compare_field(Cmp *c, json_object *fields, const Group *g,
                          const VdField *df)
{
    g_autofree char *at = path_with(c, g->name);

    if (g->type && size_comparable(g->type, g->size) && !df->vmsd &&
        df->size != g->size) {
        fail_shift(c, AGR_FIELD_SIZE, at, "field '%s' (%s): the stream "
                   "writes %" G_GINT64_FORMAT " bytes per element, the "
                   "destination reads %" G_GINT64_FORMAT, g->name, g->type,
                   g->size, df->size);
        return;
    }
    if (df->num > 0 && g->count != (uint64_t)df->num) {
        fail_shift(c, AGR_FIELD_COUNT, at, "field '%s': the stream has %"
                   G_GUINT64_FORMAT " elements, the destination reads %"
                   G_GINT64_FORMAT, g->name, g->count, df->num);
        return;
    }
    if (g->type && (!strcmp(g->type, "struct") || !strcmp(g->type, "tmp") ||
                    !strcmp(g->type, "vstruct"))) {
        if (df->vmsd) {
            compare_struct(c, fields, g, df);
        } else {
            unsure(c, AGR_FIELD_UNCOMPARABLE, at, "field '%s' is a %s in the "
                   "stream but the dump has no nested description",
                   g->name, g->type);
        }
    }
}

/* Is a field with this key read later, from destination field j on? */
static bool dest_has_later(const VdVmsd *v, guint j, int64_t version,
                           const char *name)
{
    for (; name && j < v->fields->len; j++) {
        const VdField *f = g_ptr_array_index(v->fields, j);
        if (f->version_id <= version && !strcmp(f->key, name)) {
            return true;
        }
    }
    return false;
}

static bool stream_has_later(json_object *fields, size_t i, const char *key)
{
    size_t n = json_object_array_length(fields);

    for (; i < n; i++) {
        const char *name = json_get_str(json_object_array_get_idx(fields, i),
                                        "name");
        if (name && !strcmp(name, key)) {
            return true;
        }
    }
    return false;
}

/* The next destination field read at this version, from j on. */
static guint next_read(const VdVmsd *v, guint j, int64_t version)
{
    while (j < v->fields->len &&
           ((const VdField *)g_ptr_array_index(v->fields, j))->version_id >
           version) {
        j++;
    }
    return j;
}

/* A destination field the stream lacks: with field_exists, not sent (the
 * same test ran in the source); a static array (count in the dump) always
 * sends its elements, so the rest shifts; otherwise it is taken as a
 * variable array with no element, which the vmdesc omits and QEMU reads as
 * zero bytes (the count comes from the stream). */
static void dest_field_absent(Cmp *c, const VdField *df)
{
    g_autofree char *at = path_with(c, df->key);

    if (df->field_exists) {
        return;
    }
    if (df->num > 0 && df->size > 0) {
        fail_shift(c, AGR_FIELD_MISSING, at, "the destination reads %"
                   G_GINT64_FORMAT " elements of field '%s', which the stream "
                   "does not carry", df->num, df->key);
        return;
    }
    ag_add(c->a, AGR_FIELD_MISSING, AG_LOADS, c->dest, c->s->idstr,
           c->s->instance_id, at, NULL, "field '%s' is not in the stream: "
           "taken as a variable array with no element (the vmdesc omits "
           "those; QEMU reads the count from the stream)", df->key);
}

/* Both sides have a field here, under other names: the same layout loads
 * (the wire has no names), another one shifts. */
static void compare_renamed(Cmp *c, const Group *g, const VdField *df)
{
    g_autofree char *at = path_with(c, g->name);
    bool comparable = size_comparable(g->type, g->size) && !df->vmsd;

    if (comparable && df->size == g->size &&
        (df->num <= 0 || (uint64_t)df->num == g->count)) {
        return;
    }
    if (comparable) {
        fail_shift(c, AGR_FIELD_SIZE, at, "the stream writes field '%s' (%"
                   G_GINT64_FORMAT " bytes) where the destination reads '%s' "
                   "(%" G_GINT64_FORMAT " bytes)", g->name, g->size, df->key,
                   df->size);
        return;
    }
    unsure(c, AGR_FIELD_UNCOMPARABLE, at, "the stream writes field '%s' "
           "where the destination reads '%s'", g->name, df->key);
}

static void compare_fields(Cmp *c, json_object *fields, const VdVmsd *v,
                           int64_t version)
{
    size_t n = json_object_is_type(fields, json_type_array)
               ? json_object_array_length(fields) : 0, i = 0;
    guint j = next_read(v, 0, version);
    Group g = { 0 };

    while (!c->stopped && (i < n || j < v->fields->len)) {
        const VdField *df = j < v->fields->len
                            ? g_ptr_array_index(v->fields, j) : NULL;
        size_t next = i < n ? group_at(fields, i, &g) : i;

        if (i < n && !g.name) {
            unsure(c, AGR_FIELD_UNCOMPARABLE, c->path->str, "a vmdesc field "
                   "without a name");
            return;
        }
        if (df && i < n && !strcmp(df->key, g.name)) {
            compare_field(c, fields, &g, df);
            i = next;
            j = next_read(v, j + 1, version);
        } else if (df && (i >= n || dest_has_later(v, j + 1, version,
                                                   g.name))) {
            dest_field_absent(c, df);
            j = next_read(v, j + 1, version);
        } else if (!df || stream_has_later(fields, next, df->key)) {
            g_autofree char *at = path_with(c, g.name);
            fail_shift(c, AGR_FIELD_EXTRA, at, "the stream has field '%s' "
                       "that the destination's %s does not read at version %"
                       G_GINT64_FORMAT, g.name, v->name, version);
        } else if (df->field_exists) {
            j = next_read(v, j + 1, version);  /* not sent, as in the source */
        } else {
            compare_renamed(c, &g, df);
            i = next;
            j = next_read(v, j + 1, version);
        }
    }
}

static void compare_subsections(Cmp *c, json_object *subs, const VdVmsd *v)
{
    size_t n = json_object_is_type(subs, json_type_array)
               ? json_object_array_length(subs) : 0;

    for (size_t i = 0; i < n && !c->stopped; i++) {
        json_object *sub = json_object_array_get_idx(subs, i);
        const char *name = json_get_str(sub, "vmsd_name");
        int64_t ver = json_get_int(sub, "version", -1);
        const VdVmsd *dv = name ? vdvmsd_subsection(v, name) : NULL;
        g_autofree char *at = path_with(c, name ? name : "?");

        if (!dv) {
            ag_add(c->a, AGR_SUBSECTION_UNKNOWN, AG_FAILS, c->dest,
                   c->s->idstr, c->s->instance_id, at,
                   g_strdup_printf("VM subsection '%s' in '%s' does not "
                                   "exist", name ? name : "?", v->name),
                   "the destination's %s has no subsection '%s'", v->name,
                   name ? name : "?");
            c->stopped = true;
            return;
        }
        if (ver > dv->version_id || ver < dv->minimum_version_id) {
            bool newer = ver > dv->version_id;
            ag_add(c->a, newer ? AGR_SUBSECTION_NEW : AGR_SUBSECTION_OLD,
                   AG_FAILS, c->dest, c->s->idstr, c->s->instance_id, at,
                   g_strdup_printf("%s: incoming version_id %" G_GINT64_FORMAT
                                   " is too %s for local %sversion_id %"
                                   G_GINT64_FORMAT, name, ver,
                                   newer ? "new" : "old",
                                   newer ? "" : "minimum ",
                                   newer ? dv->version_id
                                         : dv->minimum_version_id),
                   "subsection version %" G_GINT64_FORMAT " is outside the "
                   "destination's [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                   "]", ver, dv->minimum_version_id, dv->version_id);
            c->stopped = true;
            return;
        }
        size_t old = c->path->len;
        g_string_assign(c->path, at);
        compare_vmsd(c, sub, dv, ver);
        g_string_truncate(c->path, old);
    }
}

static void compare_vmsd(Cmp *c, json_object *desc, const VdVmsd *v,
                         int64_t version)
{
    json_object *fields = NULL, *subs = NULL;

    json_object_object_get_ex(desc, "fields", &fields);
    json_object_object_get_ex(desc, "subsections", &subs);
    compare_fields(c, fields, v, version);
    if (!c->stopped) {
        compare_subsections(c, subs, v);
    }
}

void ag_compare_fields(Against *a, guint dest, const StreamSection *s,
                       json_object *desc, const VdVmsd *v)
{
    g_autoptr(GString) path = g_string_new(NULL);
    Cmp c = { .a = a, .dest = dest, .s = s, .path = path };

    if (!json_get_str(desc, "vmsd_name")) {
        unsure(&c, AGR_FIELD_UNCOMPARABLE, NULL, "an old-style section "
               "(no vmsd): its bytes are one opaque buffer");
        return;
    }
    compare_vmsd(&c, desc, v, s->version);
}
