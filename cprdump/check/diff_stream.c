/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "check/diff_stream.h"

#include <string.h>

#include "check/diff_fields.h"

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

static char *group_name(const StreamSection *s)
{
    return g_strdup_printf("%s#%u", s->idstr ? s->idstr : "", s->instance_id);
}

static bool has_fields(const StreamSection *s)
{
    return s->type == QEMU_VM_SECTION_FULL && s->how != BODY_PARSED &&
           s->idstr;
}

static void section_facts(const StreamSection *s, DiffFacts *f)
{
    g_autofree char *group = group_name(s);
    uint32_t g = diff_fact(f, DIFF_NO_PARENT, 0, group, "", "%s",
                           s->vmsd_name ? s->vmsd_name : "section");

    if (g == DIFF_NO_PARENT) {
        return;     /* the same idstr and instance again (PART, END) */
    }
    diff_fact(f, g, FACT_VERSION, group, "version", "%u", s->version);
    if (s->complete) {
        diff_fact(f, g, 0, group, "body-size", "%" G_GUINT64_FORMAT,
                  s->body_end - s->body_offset);
    }
}

void diff_section_fields(const StreamModel *m, const StreamSection *s,
                         const char *group, DiffFacts *f)
{
    const uint8_t *body;
    size_t len = 0;

    if (!has_fields(s) || !s->desc ||
        !(body = stream_section_body(m, s, &len))) {
        return;
    }
    g_autoptr(VmTree) t = vmstate_decode(s->desc, body, len, s->body_offset);
    diff_tree_facts(t, group, f);
}

static void device_facts(const StreamModel *m, DiffFacts *f)
{
    for (guint i = 0; i < m->sections->len; i++) {
        const StreamSection *s = &g_array_index(m->sections, StreamSection, i);
        if (s->how == BODY_PARSED || !s->idstr) {
            continue;       /* "ram": its own group */
        }
        section_facts(s, f);
    }
}

void diff_stream_facts(const StreamModel *m, DiffFacts *f)
{
    framing_facts(m, f);
    config_facts(m, f);
    ram_facts(m, f);
    device_facts(m, f);
}

/* B's first FULL device section per group. */
static GHashTable *sections_by_group(const StreamModel *m)
{
    GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                          NULL);

    for (guint i = 0; i < m->sections->len; i++) {
        const StreamSection *s = &g_array_index(m->sections, StreamSection, i);
        char *g;
        if (!has_fields(s)) {
            continue;
        }
        g = group_name(s);
        if (g_hash_table_contains(h, g)) {
            g_free(g);
        } else {
            g_hash_table_insert(h, g, (gpointer)s);
        }
    }
    return h;
}

void diff_stream_fields(const StreamModel *a, const StreamModel *b,
                        const DiffFacts *top, const DiffOpts *o,
                        DiffResult *r)
{
    g_autoptr(GHashTable) in_b = sections_by_group(b);

    for (guint i = 0; i < a->sections->len; i++) {
        const StreamSection *s = &g_array_index(a->sections, StreamSection, i);
        g_autofree char *group = NULL;
        const StreamSection *t;

        if (!has_fields(s)) {
            continue;
        }
        group = group_name(s);
        t = g_hash_table_lookup(in_b, group);
        if (!t) {
            continue;       /* removed: the section's own line says it */
        }
        g_hash_table_remove(in_b, group);   /* once per group */
        g_autoptr(DiffFacts) fa = diff_facts_new();
        g_autoptr(DiffFacts) fb = diff_facts_new();
        diff_section_fields(a, s, group, fa);
        diff_section_fields(b, t, group, fb);
        diff_compare_add(fa, fb, o, diff_group_order(top, group), r);
    }
}

void diff_run(const DiffFacts *fa, const StreamModel *ma,
              const DiffFacts *fb, const StreamModel *mb, const DiffOpts *o,
              DiffResult *r)
{
    diff_result_init(r);
    diff_compare_add(fa, fb, o, 0, r);
    if (ma && mb) {
        diff_stream_fields(ma, mb, fa, o, r);
    }
    diff_result_finish(r);
}
