/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "check/diff_stream.h"

#include <json-c/json.h>
#include <string.h>

#include "check/diff_cpreg.h"
#include "json_get.h"
#include "vmdesc_fields.h"

/* Leaves longer than this are compared in chunks of this size ("NAME+0x20"),
 * so that one changed byte of a 46 KiB virtio blob is one short line. */
#define CHUNK 16u

/* ---- the bytes ---- */

static gint by_offset(gconstpointer x, gconstpointer y)
{
    const ByteRange *a = x, *b = y;

    return a->offset < b->offset ? -1 : a->offset > b->offset;
}

static bool is_device(const StreamSection *s)
{
    return s->type == QEMU_VM_SECTION_FULL && s->how != BODY_PARSED;
}

GArray *diff_stream_ranges(const StreamModel *m)
{
    GArray *r = g_array_new(FALSE, TRUE, sizeof(ByteRange));

    for (guint i = 0; i < m->sections->len; i++) {
        const StreamSection *s = &g_array_index(m->sections, StreamSection, i);
        if (is_device(s) && s->complete && s->body_end > s->body_offset) {
            ByteRange b = { s->body_offset, s->body_end - s->body_offset, 0 };
            g_array_append_val(r, b);
        }
    }
    if (m->vmdesc.parsed) {
        ByteRange b = { m->vmdesc.offset + 5, m->vmdesc.size, 0 };
        g_array_append_val(r, b);
    }
    g_array_sort(r, by_offset);
    return r;
}

/* ---- configuration, framing, RAM ---- */

static void config_facts(const StreamModel *m, DiffFacts *f)
{
    const StreamConfig *c = &m->config;
    uint32_t g;

    if (!c->present) {
        return;
    }
    g = diff_fact(f, DIFF_NO_PARENT, 0, "configuration", "", "present");
    diff_fact(f, g, 0, "configuration", "machine-type", "%s",
              c->machine_type ? c->machine_type : "");
    if (c->has_page_bits) {
        diff_fact(f, g, 0, "configuration", "target-page-bits", "%u",
                  c->page_bits);
    }
    for (guint i = 0; i < c->caps->len; i++) {
        g_autofree char *p = g_strdup_printf(
            "capability %s", (const char *)g_ptr_array_index(c->caps, i));
        diff_fact(f, g, 0, "configuration", p, "on");
    }
    if (c->has_uuid) {
        const uint8_t *u = c->uuid;
        diff_fact(f, g, 0, "configuration", "uuid",
                  "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                  "%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2], u[3], u[4],
                  u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
                  u[14], u[15]);
    }
}

/* A command's name, or its number when QEMU defines none. */
static char *command_key(uint16_t cmd)
{
    const char *name = stream_command_name(cmd);

    return name ? g_strdup(name) : g_strdup_printf("0x%04x", cmd);
}

static void framing_facts(const StreamModel *m, DiffFacts *f)
{
    uint32_t g = diff_fact(f, DIFF_NO_PARENT, 0, "stream", "", "QEVM");
    g_autoptr(GHashTable) cmds = g_hash_table_new_full(g_str_hash, g_str_equal,
                                                       g_free, NULL);

    diff_fact(f, g, FACT_VERSION, "stream", "version", "%u", m->version);
    diff_fact(f, g, 0, "stream", "footers", "%s", m->footers == 1 ? "on"
              : m->footers == 0 ? "off" : "unknown");
    diff_fact(f, g, 0, "stream", "target-page-size", "%u", m->ps.size);
    diff_fact(f, g, 0, "stream", "vmdesc", "%s", m->vmdesc.present
              ? "present" : "absent");
    if (m->vmdesc.parsed && m->vmdesc.desc.page_size >= 0) {
        diff_fact(f, g, 0, "stream", "vmdesc page_size", "%" G_GINT64_FORMAT,
                  m->vmdesc.desc.page_size);
    }
    for (guint i = 0; i < m->commands->len; i++) {
        const StreamCommand *c = &g_array_index(m->commands, StreamCommand, i);
        char *name = command_key(c->cmd);
        guint n = GPOINTER_TO_UINT(g_hash_table_lookup(cmds, name));
        g_hash_table_replace(cmds, name, GUINT_TO_POINTER(n + 1));
    }
    for (guint i = 0; i < m->commands->len; i++) {
        const StreamCommand *c = &g_array_index(m->commands, StreamCommand, i);
        g_autofree char *name = command_key(c->cmd);
        g_autofree char *p = g_strdup_printf("command %s", name);
        diff_fact(f, g, 0, "stream", p, "%u", GPOINTER_TO_UINT(
                      g_hash_table_lookup(cmds, name)));
    }
}

static void pages_facts(DiffFacts *f, uint32_t parent, const char *prefix,
                        const RamPages *p)
{
    static const char *const names[] = { "zero", "normal", "xbzrle",
                                         "compressed" };
    const uint64_t v[] = { p->zero, p->normal, p->xbzrle, p->compressed };

    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *path = g_strdup_printf("%spages.%s", prefix,
                                                names[i]);
        diff_fact(f, parent, 0, "ram", path, "%" G_GUINT64_FORMAT, v[i]);
    }
}

static void block_facts(DiffFacts *f, uint32_t g, const RamBlock *b)
{
    g_autofree char *key = g_strdup_printf("block[%s]", b->idstr);
    g_autofree char *pre = g_strconcat(key, ".", NULL);
    g_autofree char *p_used = g_strconcat(pre, "used-length", NULL);
    g_autofree char *p_ps = g_strconcat(pre, "page-size", NULL);
    g_autofree char *p_mr = g_strconcat(pre, "mr-addr", NULL);
    uint32_t r = diff_fact(f, g, 0, "ram", key, "block");

    if (r == DIFF_NO_PARENT) {
        return;
    }
    diff_fact(f, r, 0, "ram", p_used, "%" G_GUINT64_FORMAT, b->used_length);
    if (b->has_page_size) {
        diff_fact(f, r, 0, "ram", p_ps, "%" G_GUINT64_FORMAT, b->page_size);
    }
    if (b->has_mr_addr) {
        diff_fact(f, r, 0, "ram", p_mr, "0x%" G_GINT64_MODIFIER "x",
                  b->mr_addr);
    }
    pages_facts(f, r, pre, &b->pages);
}

static void ram_facts(const StreamModel *m, DiffFacts *f)
{
    const RamModel *r = &m->ram;
    RamPages sum;
    uint32_t g;

    if (!r->present) {
        return;
    }
    g = diff_fact(f, DIFF_NO_PARENT, 0, "ram", "", "present");
    diff_fact(f, g, 0, "ram", "mem-size", "%" G_GUINT64_FORMAT, r->mem_size);
    diff_fact(f, g, 0, "ram", "block-count", "%u", r->blocks->len);
    ram_totals(r, &sum);
    pages_facts(f, g, "", &sum);
    for (guint i = 0; i < r->blocks->len; i++) {
        block_facts(f, g, &g_array_index(r->blocks, RamBlock, i));
    }
}

/* ---- device sections ---- */

/* ARM cpu sections list their coprocessor registers as two parallel arrays
 * (ids, values): they are compared by register, not by position. */
#define CPREG_IDS "cpreg_vmstate_indexes"
#define CPREG_VALUES "cpreg_vmstate_values"

typedef struct FieldCtx {
    DiffFacts *f;
    const char *group;
    GArray *cp_ids;           /* uint64 */
    GArray *cp_values;
} FieldCtx;

static bool cpreg_element(FieldCtx *c, const VdfItem *it)
{
    GArray *to = g_str_has_prefix(it->path, CPREG_IDS "[") ? c->cp_ids
               : g_str_has_prefix(it->path, CPREG_VALUES "[") ? c->cp_values
               : NULL;
    uint64_t v = 0;

    if (!to || it->kind != VDF_LEAF) {
        return false;
    }
    for (uint64_t i = 0; it->bytes && i < it->size && i < 8; i++) {
        v = v << 8 | it->bytes[i];
    }
    if (it->bytes && it->size == 8) {
        g_array_append_val(to, v);
    }
    return true;
}

static void cpreg_facts(FieldCtx *c, uint32_t parent)
{
    if (c->cp_ids->len != c->cp_values->len) {
        return;   /* a truncated body: the positional facts say enough */
    }
    for (guint i = 0; i < c->cp_ids->len; i++) {
        g_autofree char *name = cpreg_name(g_array_index(c->cp_ids, uint64_t,
                                                         i));
        g_autofree char *p = g_strdup_printf("cpreg %s", name);
        diff_fact(c->f, parent, 0, c->group, p, "0x%016" G_GINT64_MODIFIER
                  "x", g_array_index(c->cp_values, uint64_t, i));
    }
}

static char *hex(const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    char *s = g_malloc(3 + 2 * n);

    s[0] = '0';
    s[1] = 'x';
    for (size_t i = 0; i < n; i++) {
        s[2 + 2 * i] = digits[p[i] >> 4];
        s[3 + 2 * i] = digits[p[i] & 15];
    }
    s[2 + 2 * n] = '\0';
    return s;
}

static void leaf_facts(FieldCtx *c, uint32_t parent, const VdfItem *it)
{
    if (!it->bytes) {
        diff_fact(c->f, parent, 0, c->group, it->path, "%s %" G_GUINT64_FORMAT
                  " bytes", it->type, it->size);
        return;
    }
    if (it->size <= CHUNK) {
        diff_fact_take(c->f, parent, 0, c->group, it->path,
                       hex(it->bytes, it->size));
        return;
    }
    uint32_t n = diff_fact(c->f, parent, FACT_WHOLE, c->group, it->path, "%s %"
                           G_GUINT64_FORMAT " bytes", it->type, it->size);
    for (uint64_t at = 0; n != DIFF_NO_PARENT && at < it->size; at += CHUNK) {
        g_autofree char *p = g_strdup_printf("%s+0x%" G_GINT64_MODIFIER "x",
                                             it->path, at);
        diff_fact_take(c->f, n, 0, c->group, p,
                       hex(it->bytes + at, MIN(CHUNK, it->size - at)));
    }
}

static uint32_t on_field(void *opaque, uint32_t parent, const VdfItem *it)
{
    FieldCtx *c = opaque;

    if (cpreg_element(c, it)) {
        return DIFF_NO_PARENT;
    }
    switch (it->kind) {
    case VDF_ARRAY:
        return diff_fact(c->f, parent, 0, c->group, it->path, "%s %"
                         G_GUINT64_FORMAT " bytes x%" G_GUINT64_FORMAT,
                         it->type, it->size, it->count);
    case VDF_STRUCT:
        return diff_fact(c->f, parent, FACT_VERSION, c->group, it->path,
                         "%s v%" G_GINT64_FORMAT, it->vmsd ? it->vmsd : "?",
                         it->version);
    case VDF_SUBSECTION:
        return diff_fact(c->f, parent, FACT_VERSION, c->group, it->path,
                         "v%" G_GINT64_FORMAT, it->version);
    case VDF_LEAF:
        leaf_facts(c, parent, it);
        break;
    }
    return DIFF_NO_PARENT;
}

typedef struct DescEntry {
    json_object *desc;
    bool used;
} DescEntry;

/* The vmdesc's device entries, from its bytes (kept apart from the model so
 * that decoding a stream never holds its JSON). */
static json_object *parse_vmdesc(const StreamModel *m, const StreamBytes *b)
{
    const uint8_t *p;
    json_tokener *tok;
    json_object *doc;

    if (!m->vmdesc.parsed ||
        !(p = stream_bytes_at(b, m->vmdesc.offset + 5, m->vmdesc.size))) {
        return NULL;
    }
    tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH * 4);
    doc = json_tokener_parse_ex(tok, (const char *)p, (int)m->vmdesc.size);
    json_tokener_free(tok);
    return doc;
}

static json_object *find_desc(json_object *devs, GArray *used,
                              const StreamSection *s)
{
    size_t n = json_object_is_type(devs, json_type_array)
               ? json_object_array_length(devs) : 0;

    for (size_t i = 0; i < n && i < used->len; i++) {
        json_object *d = json_object_array_get_idx(devs, i);
        const char *name = json_get_str(d, "name");
        if (!g_array_index(used, bool, i) && name && !strcmp(name, s->idstr) &&
            (uint32_t)json_get_int(d, "instance_id", 0) == s->instance_id) {
            g_array_index(used, bool, i) = true;
            return d;
        }
    }
    return NULL;
}

static void section_facts(const StreamSection *s, const StreamBytes *b,
                          json_object *desc, DiffFacts *f)
{
    g_autofree char *group = g_strdup_printf("%s#%u", s->idstr ? s->idstr : "",
                                             s->instance_id);
    const char *vmsd = desc ? json_get_str(desc, "vmsd_name") : NULL;
    uint32_t g = diff_fact(f, DIFF_NO_PARENT, 0, group, "", "%s",
                           vmsd ? vmsd : "section");
    const uint8_t *body = NULL;
    uint64_t len = 0;

    if (g == DIFF_NO_PARENT) {
        return;     /* the same idstr and instance again (PART, END) */
    }
    diff_fact(f, g, FACT_VERSION, group, "version", "%u", s->version);
    if (s->complete) {
        len = s->body_end - s->body_offset;
        diff_fact(f, g, 0, group, "body-size", "%" G_GUINT64_FORMAT, len);
        body = stream_bytes_at(b, s->body_offset, len);
    }
    if (desc) {
        FieldCtx c = { f, group, g_array_new(FALSE, FALSE, sizeof(uint64_t)),
                       g_array_new(FALSE, FALSE, sizeof(uint64_t)) };
        vmdesc_fields_walk(desc, body, body ? len : 0, g, on_field, &c);
        cpreg_facts(&c, g);
        g_array_unref(c.cp_ids);
        g_array_unref(c.cp_values);
    }
}

static void device_facts(const StreamModel *m, const StreamBytes *b,
                         DiffFacts *f)
{
    json_object *doc = parse_vmdesc(m, b);
    json_object *devs = NULL;
    g_autoptr(GArray) used = g_array_new(FALSE, TRUE, sizeof(bool));

    if (doc) {
        json_object_object_get_ex(doc, "devices", &devs);
    }
    if (json_object_is_type(devs, json_type_array)) {
        g_array_set_size(used, json_object_array_length(devs));
    }
    for (guint i = 0; i < m->sections->len; i++) {
        const StreamSection *s = &g_array_index(m->sections, StreamSection, i);
        if (s->how == BODY_PARSED || !s->idstr) {
            continue;       /* "ram": its own group */
        }
        section_facts(s, b, is_device(s) ? find_desc(devs, used, s) : NULL, f);
    }
    json_object_put(doc);
}

void diff_stream_facts(const StreamModel *m, const StreamBytes *b,
                       DiffFacts *f)
{
    framing_facts(m, f);
    config_facts(m, f);
    ram_facts(m, f);
    device_facts(m, b, f);
}
