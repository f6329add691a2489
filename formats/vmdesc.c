/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmdesc trailer (QEMU migration/savevm.c, vmstate.c vmsd_desc_field_*).
 * A device's body size is the sum over its fields of size x array_len, plus
 * for each subsection its header (0x05, u8 name length, name, BE u32 version)
 * and its own fields and subsections.
 */
#include "vmdesc.h"

#include "json_get.h"

#include <json-c/json.h>
#include <string.h>

#define FEED_CHUNK (64u << 10)

static void device_clear(gpointer p)
{
    VmdescDevice *d = p;

    g_free(d->name);
    g_free(d->vmsd_name);
}

void vmdesc_init(Vmdesc *vd)
{
    vd->page_size = -1;
    vd->doc = NULL;         /* callers init Vmdesc on the stack */
    vd->index = NULL;
    vd->devices = g_array_new(FALSE, TRUE, sizeof(VmdescDevice));
    g_array_set_clear_func(vd->devices, device_clear);
}

void vmdesc_clear(Vmdesc *vd)
{
    if (vd->devices) {
        g_array_unref(vd->devices);
        vd->devices = NULL;
    }
    json_object_put(vd->doc);
    vd->doc = NULL;
    if (vd->index) {
        g_hash_table_unref(vd->index);
        vd->index = NULL;
    }
}

static uint64_t desc_size(json_object *desc);

static uint64_t fields_size(json_object *fields)
{
    uint64_t sum = 0;
    size_t n = json_object_is_type(fields, json_type_array)
               ? json_object_array_length(fields) : 0;

    for (size_t i = 0; i < n; i++) {
        json_object *f = json_object_array_get_idx(fields, i);
        int64_t size = json_get_int(f, "size", 0);
        int64_t count = json_get_int(f, "array_len", 1);
        if (size > 0 && count > 0) {
            sum += (uint64_t)size * (uint64_t)count;
        }
    }
    return sum;
}

static uint64_t subsections_size(json_object *subs)
{
    uint64_t sum = 0;
    size_t n = json_object_is_type(subs, json_type_array)
               ? json_object_array_length(subs) : 0;

    for (size_t i = 0; i < n; i++) {
        json_object *s = json_object_array_get_idx(subs, i);
        const char *name = json_get_str(s, "vmsd_name");
        sum += 1 + 1 + (name ? strlen(name) : 0) + 4 + desc_size(s);
    }
    return sum;
}

static uint64_t desc_size(json_object *desc)
{
    json_object *fields = NULL, *subs = NULL;

    json_object_object_get_ex(desc, "fields", &fields);
    json_object_object_get_ex(desc, "subsections", &subs);
    return fields_size(fields) + subsections_size(subs);
}

static void add_device(Vmdesc *vd, json_object *dev)
{
    const char *name = json_get_str(dev, "name");
    const char *vmsd = json_get_str(dev, "vmsd_name");
    VmdescDevice d = {
        .name = g_strdup(name ? name : ""),
        .instance_id = (uint32_t)json_get_int(dev, "instance_id", 0),
        .vmsd_name = g_strdup(vmsd),
        .version = json_get_int(dev, "version", -1),
        .size = desc_size(dev),
        .desc = dev,
    };

    g_array_append_val(vd->devices, d);
}

static bool take_document(Rd *rd, uint64_t at, json_object *doc, Vmdesc *vd)
{
    json_object *devs;

    if (!json_object_is_type(doc, json_type_object)) {
        fmt_error_set(rd->err, FMT_ERR_INVALID, at, rd->record, rd->index,
                      "json", "vmdesc is not a JSON object");
        return false;
    }
    vd->page_size = json_get_int(doc, "page_size", -1);
    vd->doc = json_object_get(doc);
    if (json_object_object_get_ex(doc, "devices", &devs) &&
        json_object_is_type(devs, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(devs); i++) {
            add_device(vd, json_object_array_get_idx(devs, i));
        }
    }
    return true;
}

bool vmdesc_read(Rd *rd, uint32_t len, Vmdesc *vd)
{
    json_tokener *tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH * 4);
    json_object *doc = NULL;
    uint64_t at = rd_offset(rd);
    uint32_t done = 0;
    bool ok = false;

    if (len > VMDESC_MAX) {
        fmt_error_set(rd->err, FMT_ERR_LIMIT, at - 4, rd->record, rd->index,
                      "length", "vmdesc of %u bytes is over cprdump's limit "
                      "of %u MiB", len, VMDESC_MAX >> 20);
        json_tokener_free(tok);
        return false;
    }
    while (done < len && !doc) {
        size_t n = MIN(len - done, FEED_CHUNK);
        const uint8_t *p;
        if (!rd_bytes(rd, "json", n, &p)) {
            goto out;
        }
        doc = json_tokener_parse_ex(tok, (const char *)p, (int)n);
        enum json_tokener_error je = json_tokener_get_error(tok);
        if (!doc && je != json_tokener_continue) {
            fmt_error_set(rd->err, FMT_ERR_INVALID,
                          at + done + json_tokener_get_parse_end(tok),
                          rd->record, rd->index, "json", "vmdesc JSON: %s",
                          json_tokener_error_desc(je));
            goto out;
        }
        done += (uint32_t)n;
    }
    if (!doc) {
        fmt_error_set(rd->err, FMT_ERR_INVALID, at + len, rd->record,
                      rd->index, "json", "vmdesc JSON ends early");
        goto out;
    }
    ok = take_document(rd, at, doc, vd) &&
         rd_skip(rd, "json", len - done);
out:
    json_object_put(doc);
    json_tokener_free(tok);
    return ok;
}

/* The devices of one idstr and instance id, in JSON order; 'next' skips
 * those already used, so that a stream of n sections is matched in O(n). */
typedef struct VmdescRun {
    GArray *at;             /* guint indices into devices */
    guint next;
} VmdescRun;

static void run_free(gpointer p)
{
    VmdescRun *r = p;

    g_array_unref(r->at);
    g_free(r);
}

static char *index_key(const char *name, uint32_t instance_id)
{
    return g_strdup_printf("%u:%s", instance_id, name);
}

static GHashTable *build_index(Vmdesc *vd)
{
    GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                          run_free);

    for (guint i = 0; vd->devices && i < vd->devices->len; i++) {
        VmdescDevice *d = &g_array_index(vd->devices, VmdescDevice, i);
        char *key = index_key(d->name, d->instance_id);
        VmdescRun *r = g_hash_table_lookup(h, key);
        if (!r) {
            r = g_new0(VmdescRun, 1);
            r->at = g_array_new(FALSE, FALSE, sizeof(guint));
            g_hash_table_insert(h, g_strdup(key), r);
        }
        g_array_append_val(r->at, i);
        g_free(key);
    }
    return h;
}

VmdescDevice *vmdesc_find(Vmdesc *vd, const char *name, uint32_t instance_id)
{
    g_autofree char *key = index_key(name, instance_id);
    VmdescRun *r;

    if (!vd->index) {
        vd->index = build_index(vd);
    }
    r = g_hash_table_lookup(vd->index, key);
    for (; r && r->next < r->at->len; r->next++) {
        VmdescDevice *d = &g_array_index(vd->devices, VmdescDevice,
                                         g_array_index(r->at, guint, r->next));
        if (!d->used) {
            return d;
        }
    }
    return NULL;
}
