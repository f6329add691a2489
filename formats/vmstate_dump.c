/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -dump-vmstate JSON (QEMU migration/savevm.c dump_vmstate_json_to_file,
 * dump_vmstate_vmsd, dump_vmstate_vmsf): parsed whole with json-c, then
 * walked into a tree of VdVmsd / VdField with every key type-checked.
 */
#include "vmstate_dump.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

typedef struct Walk {
    VmstateDump *d;
    FmtError *err;
    GString *path;          /* JSON path of the node being read */
} Walk;

static void vd_vmsd_free(gpointer p);

static void vd_field_free(gpointer p)
{
    VdField *f = p;

    g_free(f->name);
    g_free(f->key);
    vd_vmsd_free(f->vmsd);
    g_free(f);
}

static void vd_vmsd_free(gpointer p)
{
    VdVmsd *v = p;

    if (!v) {
        return;
    }
    g_free(v->name);
    g_ptr_array_unref(v->fields);
    g_ptr_array_unref(v->subsections);
    g_free(v);
}

static void vd_device_free(gpointer p)
{
    VdDevice *dev = p;

    g_free(dev->type);
    vd_vmsd_free(dev->vmsd);
    g_free(dev);
}

void vmstate_dump_free(VmstateDump *d)
{
    if (!d) {
        return;
    }
    g_free(d->machine);
    g_ptr_array_unref(d->devices);
    g_hash_table_unref(d->by_name);
    g_free(d);
}

int vmstate_dump_probe(const uint8_t *buf, size_t len)
{
    static const char key[] = "\"vmschkmachine\"";
    size_t i = 0;

    while (i < len && g_ascii_isspace(buf[i])) {
        i++;
    }
    if (i >= len || buf[i] != '{') {
        return 0;
    }
    for (i++; i < len && g_ascii_isspace(buf[i]); i++) {
    }
    return len - i >= sizeof(key) - 1 && !memcmp(buf + i, key,
                                                   sizeof(key) - 1) ? 64 : 0;
}

static bool bad(Walk *w, const char *field, const char *what)
{
    g_autofree char *safe = g_strescape(w->path->str, NULL);

    fmt_error_set(w->err, FMT_ERR_INVALID, 0, "vmstate dump", -1, field,
                  "%s at %s", what, safe);
    return false;
}

static bool get_typed(Walk *w, json_object *o, const char *key,
                      json_type type, bool required, json_object **out)
{
    static const char *const names[] = {
        [json_type_null] = "null", [json_type_boolean] = "a boolean",
        [json_type_double] = "a number", [json_type_int] = "an integer",
        [json_type_object] = "an object", [json_type_array] = "an array",
        [json_type_string] = "a string",
    };
    g_autofree char *what = NULL;

    *out = NULL;
    if (!json_object_object_get_ex(o, key, out)) {
        if (!required) {
            return true;
        }
        what = g_strdup_printf("\"%s\" is missing", key);
        return bad(w, key, what);
    }
    if (!json_object_is_type(*out, type)) {
        what = g_strdup_printf("\"%s\" is not %s", key, names[type]);
        return bad(w, key, what);
    }
    return true;
}

/* An integer key in [lo, hi]. */
static bool get_int(Walk *w, json_object *o, const char *key, int64_t lo,
                    int64_t hi, bool required, int64_t *v)
{
    json_object *j;

    if (!get_typed(w, o, key, json_type_int, required, &j)) {
        return false;
    }
    if (!j) {
        return true;
    }
    errno = 0;
    *v = json_object_get_int64(j);
    if (errno || *v < lo || *v > hi) {
        g_autofree char *what = g_strdup_printf(
            "\"%s\" is out of range [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
            "]", key, lo, hi);
        return bad(w, key, what);
    }
    return true;
}

static bool get_str(Walk *w, json_object *o, const char *key, char **out)
{
    json_object *j;

    if (!get_typed(w, o, key, json_type_string, true, &j)) {
        return false;
    }
    *out = g_strndup(json_object_get_string(j), json_object_get_string_len(j));
    return true;
}

static bool count_node(Walk *w)
{
    if (++w->d->nodes > VDUMP_NODES_MAX) {
        fmt_error_set(w->err, FMT_ERR_LIMIT, 0, "vmstate dump", -1, "Fields",
                      "more than %u vmsds and fields (cprdump's limit; real "
                      "dumps have about 6,000)", VDUMP_NODES_MAX);
        return false;
    }
    return true;
}

static VdVmsd *read_vmsd(Walk *w, json_object *o, unsigned depth);

/* Appends ".key" or "[i]" to the path; returns the old length. */
static size_t path_push(Walk *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static size_t path_push(Walk *w, const char *fmt, ...)
{
    size_t old = w->path->len;
    va_list ap;

    va_start(ap, fmt);
    g_string_append_vprintf(w->path, fmt, ap);
    va_end(ap);
    return old;
}

static VdField *read_field(Walk *w, json_object *o, unsigned depth)
{
    g_autoptr(GPtrArray) hold = g_ptr_array_new_with_free_func(vd_field_free);
    VdField *f = g_new0(VdField, 1);
    json_object *j;

    g_ptr_array_add(hold, f);
    f->num = -1;
    if (!json_object_is_type(o, json_type_object)) {
        bad(w, "Fields", "a field is not an object");
        return NULL;
    }
    if (!count_node(w) || !get_str(w, o, "field", &f->name) ||
        !get_int(w, o, "version_id", INT32_MIN, INT32_MAX, true,
                 &f->version_id) ||
        !get_typed(w, o, "field_exists", json_type_boolean, true, &j)) {
        return NULL;
    }
    f->field_exists = json_object_get_boolean(j);
    if (!get_int(w, o, "size", 0, INT64_MAX, true, &f->size) ||
        !get_int(w, o, "num", INT32_MIN, INT32_MAX, false, &f->num) ||
        !get_typed(w, o, "Description", json_type_object, false, &j)) {
        return NULL;
    }
    if (j) {
        size_t old = path_push(w, ".Description");
        f->vmsd = read_vmsd(w, j, depth + 1);
        if (!f->vmsd) {
            return NULL;
        }
        g_string_truncate(w->path, old);
    }
    return g_ptr_array_steal_index(hold, 0);
}

/* QEMU's vmdesc writes name[k] for the k-th of several same-named fields of
 * one vmsd (vmstate.c vmsd_desc_field_start); the key is that name. */
static void set_keys(GPtrArray *fields)
{
    g_autoptr(GHashTable) total = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

    for (guint i = 0; i < fields->len; i++) {
        const VdField *f = g_ptr_array_index(fields, i);
        guint n = GPOINTER_TO_UINT(g_hash_table_lookup(total, f->name));
        g_hash_table_insert(total, f->name, GUINT_TO_POINTER(n + 1));
    }
    for (guint i = 0; i < fields->len; i++) {
        VdField *f = g_ptr_array_index(fields, i);
        guint n = GPOINTER_TO_UINT(g_hash_table_lookup(total, f->name));
        guint k = GPOINTER_TO_UINT(g_hash_table_lookup(seen, f->name));

        g_hash_table_insert(seen, f->name, GUINT_TO_POINTER(k + 1));
        f->key = n > 1 ? g_strdup_printf("%s[%u]", f->name, k)
                       : g_strdup(f->name);
    }
}

static bool read_fields(Walk *w, json_object *arr, VdVmsd *v, unsigned depth)
{
    size_t n = arr ? json_object_array_length(arr) : 0;

    for (size_t i = 0; i < n; i++) {
        size_t old = path_push(w, ".Fields[%zu]", i);
        VdField *f = read_field(w, json_object_array_get_idx(arr, i), depth);
        if (!f) {
            return false;
        }
        g_ptr_array_add(v->fields, f);
        g_string_truncate(w->path, old);
    }
    set_keys(v->fields);
    return true;
}

static bool read_subsections(Walk *w, json_object *arr, VdVmsd *v,
                             unsigned depth)
{
    size_t n = arr ? json_object_array_length(arr) : 0;

    for (size_t i = 0; i < n; i++) {
        size_t old = path_push(w, ".Subsections[%zu]", i);
        VdVmsd *s = read_vmsd(w, json_object_array_get_idx(arr, i), depth + 1);
        if (!s) {
            return false;
        }
        g_ptr_array_add(v->subsections, s);
        g_string_truncate(w->path, old);
    }
    return true;
}

static VdVmsd *read_vmsd(Walk *w, json_object *o, unsigned depth)
{
    g_autoptr(GPtrArray) hold = g_ptr_array_new_with_free_func(vd_vmsd_free);
    VdVmsd *v = g_new0(VdVmsd, 1);
    json_object *fields, *subs;

    v->fields = g_ptr_array_new_with_free_func(vd_field_free);
    v->subsections = g_ptr_array_new_with_free_func(vd_vmsd_free);
    g_ptr_array_add(hold, v);
    if (depth > VDUMP_DEPTH_MAX) {
        g_autofree char *safe = g_strescape(w->path->str, NULL);
        fmt_error_set(w->err, FMT_ERR_LIMIT, 0, "vmstate dump", -1,
                      "Description", "vmsds nested more than %u deep at %s "
                      "(real dumps: 6)", VDUMP_DEPTH_MAX, safe);
        return NULL;
    }
    if (!json_object_is_type(o, json_type_object)) {
        bad(w, "Description", "a description is not an object");
        return NULL;
    }
    if (!count_node(w) || !get_str(w, o, "name", &v->name) ||
        !get_int(w, o, "version_id", INT32_MIN, INT32_MAX, true,
                 &v->version_id) ||
        !get_int(w, o, "minimum_version_id", INT32_MIN, INT32_MAX, true,
                 &v->minimum_version_id) ||
        !get_typed(w, o, "Fields", json_type_array, false, &fields) ||
        !get_typed(w, o, "Subsections", json_type_array, false, &subs) ||
        !read_fields(w, fields, v, depth) ||
        !read_subsections(w, subs, v, depth)) {
        return NULL;
    }
    return g_ptr_array_steal_index(hold, 0);
}

/* One top-level entry: the machine, or a device type and its vmsd. */
static bool read_entry(Walk *w, const char *key, json_object *o)
{
    g_autofree char *type = NULL;
    json_object *desc;
    int64_t ver, min;

    if (!json_object_is_type(o, json_type_object)) {
        return bad(w, key, "an entry is not an object");
    }
    if (!strcmp(key, "vmschkmachine")) {
        g_free(w->d->machine);
        return get_str(w, o, "Name", &w->d->machine);
    }
    if (!get_str(w, o, "Name", &type) ||
        !get_int(w, o, "version_id", INT32_MIN, INT32_MAX, true, &ver) ||
        !get_int(w, o, "minimum_version_id", INT32_MIN, INT32_MAX, true,
                 &min) ||
        !get_typed(w, o, "Description", json_type_object, true, &desc)) {
        return false;
    }
    size_t old = path_push(w, ".Description");
    VdVmsd *v = read_vmsd(w, desc, 0);
    if (!v) {
        return false;
    }
    g_string_truncate(w->path, old);
    VdDevice *dev = g_new0(VdDevice, 1);
    dev->type = g_strdup(key);
    dev->vmsd = v;
    g_ptr_array_add(w->d->devices, dev);
    if (ver != v->version_id || min != v->minimum_version_id) {
        return bad(w, "version_id", "the entry's versions contradict its "
                   "Description's");
    }
    GPtrArray *same = g_hash_table_lookup(w->d->by_name, v->name);
    if (!same) {
        same = g_ptr_array_new();
        g_hash_table_insert(w->d->by_name, v->name, same);
    }
    for (guint i = 0; i < same->len; i++) {
        if (vdvmsd_equal(((VdDevice *)g_ptr_array_index(same, i))->vmsd, v)) {
            return true;
        }
    }
    if (same->len < VDUMP_SAME_NAME_MAX) {
        g_ptr_array_add(same, dev);
    }
    return true;
}

static bool read_top(Walk *w, json_object *doc)
{
    if (!json_object_is_type(doc, json_type_object)) {
        fmt_error_set(w->err, FMT_ERR_INVALID, 0, "vmstate dump", -1, "json",
                      "the dump is not a JSON object");
        return false;
    }
    json_object_object_foreach(doc, key, val) {
        g_string_assign(w->path, "");
        g_autofree char *q = g_strescape(key, NULL);
        g_string_printf(w->path, "\"%s\"", q);
        if (!read_entry(w, key, val)) {
            return false;
        }
    }
    if (!w->d->machine) {
        fmt_error_set(w->err, FMT_ERR_INVALID, 0, "vmstate dump", -1,
                      "vmschkmachine", "no \"vmschkmachine\" entry (the "
                      "machine type the dump was written for)");
        return false;
    }
    return true;
}

static json_object *parse_json(const uint8_t *buf, size_t len, FmtError *err)
{
    json_tokener *tok = json_tokener_new_ex((int)(VDUMP_DEPTH_MAX * 3 + 8));
    json_object *doc;
    enum json_tokener_error je;
    size_t end;

    if (!tok) {
        fmt_error_set(err, FMT_ERR_LIMIT, 0, "vmstate dump", -1, "json",
                      "out of memory");
        return NULL;
    }
    doc = json_tokener_parse_ex(tok, (const char *)buf, (int)len);
    je = json_tokener_get_error(tok);
    end = json_tokener_get_parse_end(tok);
    if (!doc && je == json_tokener_continue) {
        fmt_error_truncated(err, len, "vmstate dump", -1, "json", 1, 0);
        snprintf(err->msg, sizeof(err->msg), "the JSON document ends early");
    } else if (!doc) {
        fmt_error_set(err, je == json_tokener_error_depth ? FMT_ERR_LIMIT
                      : FMT_ERR_INVALID, MIN(end, len), "vmstate dump", -1,
                      "json", "JSON: %s", json_tokener_error_desc(je));
    } else {
        while (end < len && g_ascii_isspace(buf[end])) {
            end++;
        }
        if (end < len) {
            fmt_error_set(err, FMT_ERR_TRAILING, end, "vmstate dump", -1,
                          "json", "%zu bytes after the JSON document",
                          len - end);
            json_object_put(doc);
            doc = NULL;
        }
    }
    json_tokener_free(tok);
    return doc;
}

VmstateDump *vmstate_dump_parse(const uint8_t *buf, size_t len,
                                FmtError *err)
{
    g_autoptr(GString) path = g_string_new(NULL);
    json_object *doc;
    Walk w = { .err = err, .path = path };
    bool ok;

    memset(err, 0, sizeof(*err));
    if (len > VDUMP_MAX_BYTES) {
        fmt_error_set(err, FMT_ERR_LIMIT, 0, "vmstate dump", -1, "json",
                      "dump of %zu bytes is over cprdump's limit of %u MiB",
                      len, VDUMP_MAX_BYTES >> 20);
        return NULL;
    }
    doc = parse_json(buf, len, err);
    if (!doc) {
        return NULL;
    }
    w.d = g_new0(VmstateDump, 1);
    w.d->devices = g_ptr_array_new_with_free_func(vd_device_free);
    w.d->by_name = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify)g_ptr_array_unref);
    ok = read_top(&w, doc);
    json_object_put(doc);
    if (!ok) {
        vmstate_dump_free(w.d);
        return NULL;
    }
    return w.d;
}

const GPtrArray *vmstate_dump_find_all(const VmstateDump *d,
                                       const char *vmsd_name)
{
    return vmsd_name ? g_hash_table_lookup(d->by_name, vmsd_name) : NULL;
}

const VdVmsd *vmstate_dump_find(const VmstateDump *d, const char *vmsd_name)
{
    const GPtrArray *all = vmstate_dump_find_all(d, vmsd_name);

    return all && all->len ? ((VdDevice *)g_ptr_array_index(all, 0))->vmsd
                           : NULL;
}

static bool field_equal(const VdField *a, const VdField *b)
{
    return !strcmp(a->name, b->name) && a->version_id == b->version_id &&
           a->field_exists == b->field_exists && a->size == b->size &&
           a->num == b->num && !a->vmsd == !b->vmsd &&
           (!a->vmsd || vdvmsd_equal(a->vmsd, b->vmsd));
}

bool vdvmsd_equal(const VdVmsd *a, const VdVmsd *b)
{
    if (a == b) {
        return true;
    }
    if (strcmp(a->name, b->name) || a->version_id != b->version_id ||
        a->minimum_version_id != b->minimum_version_id ||
        a->fields->len != b->fields->len ||
        a->subsections->len != b->subsections->len) {
        return false;
    }
    for (guint i = 0; i < a->fields->len; i++) {
        if (!field_equal(g_ptr_array_index(a->fields, i),
                         g_ptr_array_index(b->fields, i))) {
            return false;
        }
    }
    for (guint i = 0; i < a->subsections->len; i++) {
        if (!vdvmsd_equal(g_ptr_array_index(a->subsections, i),
                          g_ptr_array_index(b->subsections, i))) {
            return false;
        }
    }
    return true;
}

const VdVmsd *vdvmsd_subsection(const VdVmsd *v, const char *name)
{
    for (guint i = 0; v && i < v->subsections->len; i++) {
        const VdVmsd *s = g_ptr_array_index(v->subsections, i);
        if (!strcmp(s->name, name)) {
            return s;
        }
    }
    return NULL;
}
