/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Migration stream framing (QEMU migration/savevm.c): header, configuration,
 * sections with footers, commands, EOF, vmdesc. The "ram" section body is
 * decoded by ram.c; other device bodies are vmstate data that only the vmdesc
 * describes, so they are delimited by their footer (0x7e + section id).
 */
#include "stream.h"

#include "stream_pagesize.h"

#include <string.h>

#define FOOTER_LOOKAHEAD (5 + 1 + 4 + 1 + 255 + 8)

typedef struct Dec {
    Rd rd;
    StreamModel *m;
    const FmtSource *src;  /* NULL: memory input (rd holds all of it) */
    GHashTable *by_id;     /* section id -> index + 1 of its START/FULL */
    RamOpts ram;
    IterState iter;
    bool keep_bodies;
} Dec;

static const char *const cmd_names[] = {
    [0] = "INVALID",
    [MIG_CMD_OPEN_RETURN_PATH] = "OPEN_RETURN_PATH",
    [MIG_CMD_PING] = "PING",
    [MIG_CMD_POSTCOPY_ADVISE] = "POSTCOPY_ADVISE",
    [MIG_CMD_POSTCOPY_LISTEN] = "POSTCOPY_LISTEN",
    [MIG_CMD_POSTCOPY_RUN] = "POSTCOPY_RUN",
    [MIG_CMD_POSTCOPY_RAM_DISCARD] = "POSTCOPY_RAM_DISCARD",
    [MIG_CMD_PACKAGED] = "PACKAGED",
    [MIG_CMD_ENABLE_COLO] = "ENABLE_COLO",
    [MIG_CMD_POSTCOPY_RESUME] = "POSTCOPY_RESUME",
    [MIG_CMD_RECV_BITMAP] = "RECV_BITMAP",
    [MIG_CMD_SWITCHOVER_START] = "SWITCHOVER_START",
};

const char *stream_command_name(uint16_t cmd)
{
    return cmd >= 1 && cmd < G_N_ELEMENTS(cmd_names) ? cmd_names[cmd] : NULL;
}

const char *stream_section_type_name(uint8_t type)
{
    switch (type) {
    case QEMU_VM_SECTION_START:
        return "start";
    case QEMU_VM_SECTION_PART:
        return "part";
    case QEMU_VM_SECTION_END:
        return "end";
    case QEMU_VM_SECTION_FULL:
        return "full";
    default:
        return "?";
    }
}

int stream_probe(const uint8_t *buf, size_t len)
{
    if (len < 4 || memcmp(buf, "QEVM", 4)) {
        return 0;
    }
    if (len >= 8 && !memcmp(buf + 4, "\0\0\0\3", 4)) {
        return 64;
    }
    return 32;
}

bool stream_has_cap(const StreamModel *m, const char *cap)
{
    for (guint i = 0; m->config.caps && i < m->config.caps->len; i++) {
        if (!strcmp(g_ptr_array_index(m->config.caps, i), cap)) {
            return true;
        }
    }
    return false;
}

/* ---- header and configuration ---- */

static bool read_header(Dec *d)
{
    Rd *rd = &d->rd;
    StreamModel *m = d->m;

    rd_context(rd, "header", -1);
    if (!rd_be32(rd, "magic", &m->magic)) {
        return false;
    }
    if (m->magic != STREAM_MAGIC) {
        fmt_error_set(rd->err, FMT_ERR_MAGIC, 0, "header", -1, "magic",
                      "magic 0x%08x is not QEVM (0x%08x)", m->magic,
                      STREAM_MAGIC);
        return false;
    }
    if (!rd_be32(rd, "version", &m->version)) {
        return false;
    }
    if (m->version != STREAM_VERSION) {
        fmt_error_set(rd->err, FMT_ERR_VERSION, 4, "header", -1, "version",
                      "unsupported QEVM version %u (only 3 is known)",
                      m->version);
        return false;
    }
    m->header_ok = true;
    return true;
}

static bool read_name8(Rd *rd, const char *lfield, const char *field,
                       char **out)
{
    const uint8_t *p;
    uint8_t len;

    if (!rd_u8(rd, lfield, &len) || !rd_bytes(rd, field, len, &p)) {
        return false;
    }
    *out = g_strndup((const char *)p, len);
    return true;
}

static bool read_caps(Rd *rd, StreamConfig *c)
{
    uint64_t at = rd_offset(rd);
    uint32_t count;

    if (!rd_be32(rd, "capability count", &count)) {
        return false;
    }
    if (count > STREAM_CAPS_MAX) {
        fmt_error_set(rd->err, FMT_ERR_LIMIT, at, rd->record, rd->index,
                      "capability count", "%u capabilities (cprdump reads at "
                      "most %u; QEMU has about 30)", count, STREAM_CAPS_MAX);
        return false;
    }
    for (uint32_t i = 0; i < count; i++) {
        char *cap;
        rd_context(rd, "capability", i);
        if (!read_name8(rd, "capability length", "capability", &cap)) {
            return false;
        }
        g_ptr_array_add(c->caps, cap);
    }
    return true;
}

static bool read_config_subsection(Rd *rd, StreamConfig *c, int64_t index)
{
    g_autofree char *name = NULL;
    uint64_t at = rd_offset(rd);
    const uint8_t *p;
    uint32_t version;
    uint8_t type;

    rd_context(rd, "configuration subsection", index);
    if (!rd_u8(rd, "type", &type) ||
        !read_name8(rd, "name length", "name", &name) ||
        !rd_be32(rd, "version", &version)) {
        return false;
    }
    if (!strcmp(name, "configuration/target-page-bits")) {
        c->has_page_bits = true;
        return rd_be32(rd, "target page bits", &c->page_bits);
    }
    if (!strcmp(name, "configuration/capabilities")) {
        return read_caps(rd, c);
    }
    if (!strcmp(name, "configuration/uuid")) {
        c->has_uuid = true;
        if (!rd_bytes(rd, "uuid", 16, &p)) {
            return false;
        }
        memcpy(c->uuid, p, 16);
        return true;
    }
    g_autofree char *safe = g_strescape(name, NULL);
    fmt_error_set(rd->err, FMT_ERR_INVALID, at + 2, rd->record, index, "name",
                  "unknown configuration subsection \"%s\": its size cannot "
                  "be known", safe);
    return false;
}

static bool read_config(Dec *d)
{
    Rd *rd = &d->rd;
    StreamConfig *c = &d->m->config;
    const uint8_t *p;
    uint32_t len;
    uint8_t b;

    if (!rd_peek_u8(rd, &b) || b != QEMU_VM_CONFIGURATION) {
        return true;
    }
    rd_context(rd, "configuration", -1);
    c->present = true;
    c->offset = rd_offset(rd);
    if (!rd_u8(rd, "type", &b) || !rd_be32(rd, "machine type length", &len)) {
        return false;
    }
    if (len > 255) {
        fmt_error_set(rd->err, FMT_ERR_INVALID, c->offset + 1, rd->record, -1,
                      "machine type length", "machine type of %u bytes "
                      "(QEMU names are short)", len);
        return false;
    }
    if (!rd_bytes(rd, "machine type", len, &p)) {
        return false;
    }
    c->machine_type = g_strndup((const char *)p, len);
    for (int64_t i = 0; rd_peek_u8(rd, &b) && b == QEMU_VM_SUBSECTION; i++) {
        if (!read_config_subsection(rd, c, i)) {
            return false;
        }
    }
    return true;
}

/* ---- commands ---- */

static void decode_discard(StreamCommand *c, const uint8_t *p)
{
    size_t n = c->length, name_len;

    if (n < 3) {
        c->length_ok = false;
        return;
    }
    c->discard_version = p[0];
    name_len = p[1];
    if (2 + name_len + 1 > n) {
        c->length_ok = false;
        return;
    }
    c->ramblock = g_strndup((const char *)p + 2, name_len);
    c->range_count = (n - 3 - name_len) / 16;
    c->length_ok = (n - 3 - name_len) % 16 == 0;
}

static uint64_t be_at(const uint8_t *p, size_t n)
{
    uint64_t v = 0;

    for (size_t i = 0; i < n; i++) {
        v = (v << 8) | p[i];
    }
    return v;
}

static void decode_payload(Dec *d, StreamCommand *c, const uint8_t *p)
{
    c->known = stream_command_name(c->cmd) != NULL;
    c->length_ok = c->length == 0;
    switch (c->cmd) {
    case MIG_CMD_PING:
        c->length_ok = c->length == 4;
        c->value = c->length_ok ? (uint32_t)be_at(p, 4) : 0;
        break;
    case MIG_CMD_POSTCOPY_ADVISE:
        c->length_ok = c->length == 16 || c->length == 0;
        if (c->length == 16) {
            c->summary = be_at(p, 8);
            c->target_page_size = be_at(p + 8, 8);
            d->ram.postcopy_summary = c->summary;
        }
        d->ram.postcopy = true;
        break;
    case MIG_CMD_POSTCOPY_RAM_DISCARD:
        decode_discard(c, p);
        break;
    case MIG_CMD_PACKAGED:
        c->length_ok = c->length == 4;
        c->package_size = c->length_ok ? (uint32_t)be_at(p, 4) : 0;
        break;
    case MIG_CMD_RECV_BITMAP:
        c->length_ok = c->length >= 1 && p[0] + 1u == c->length;
        if (c->length_ok) {
            c->ramblock = g_strndup((const char *)p + 1, p[0]);
        }
        break;
    default:
        break;
    }
}

static bool read_command(Dec *d)
{
    Rd *rd = &d->rd;
    StreamCommand c = { .offset = rd_offset(rd) };
    const uint8_t *p;
    uint8_t type;

    rd_context(rd, "command", d->m->commands->len);
    if (!rd_u8(rd, "type", &type) || !rd_be16(rd, "command", &c.cmd) ||
        !rd_be16(rd, "length", &c.length) ||
        !rd_bytes(rd, "payload", c.length, &p)) {
        return false;
    }
    decode_payload(d, &c, p);
    if (c.cmd == MIG_CMD_POSTCOPY_ADVISE) {
        stream_ps_advise(d->m, &c);
    }
    g_array_append_val(d->m->commands, c);
    return true;
}

/* ---- sections ---- */

/* The by_id key of a section id: never NULL (section id 0xffffffff is 0). */
static gpointer id_key(uint32_t id)
{
    return GSIZE_TO_POINTER((gsize)id + 1);
}

static bool printable(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] < 0x20 || p[i] > 0x7e) {
            return false;
        }
    }
    return true;
}

/* Is there a plausible stream item at p (n bytes, end: nothing follows)? */
static bool plausible_next(Dec *d, const uint8_t *p, size_t n, bool end)
{
    if (n == 0) {
        return end;
    }
    switch (p[0]) {
    case QEMU_VM_EOF:
        return n == 1 ? end : p[1] == QEMU_VM_VMDESCRIPTION;
    case QEMU_VM_SECTION_START:
    case QEMU_VM_SECTION_FULL:
        if (n < 6) {
            return end;
        }
        return p[5] && printable(p + 6, MIN((size_t)p[5], n - 6)) &&
               (n >= 6u + p[5] || end);
    case QEMU_VM_SECTION_PART:
    case QEMU_VM_SECTION_END:
        return n < 5 ? end
            : g_hash_table_contains(d->by_id,
                                    id_key((uint32_t)be_at(p + 1, 4)));
    case QEMU_VM_COMMAND:
        return n < 3 ? end : be_at(p + 1, 2) >= 1 && be_at(p + 1, 2) < 64;
    default:
        return false;
    }
}

/* Moves the cursor to the footer of section id: 0x7e, BE u32 id, followed by
 * a plausible next item. Memory stays at the reader's window. */
static bool scan_footer(Dec *d, uint32_t id)
{
    Rd *rd = &d->rd;
    uint8_t want[5] = { QEMU_VM_SECTION_FOOTER, id >> 24, id >> 16, id >> 8,
                        id };

    for (;;) {
        if (!rd_ensure(rd, 1)) {
            fmt_error_truncated(rd->err, rd_offset(rd), rd->record, rd->index,
                                "footer", 5, 0);
            return false;
        }
        const uint8_t *p = rd->buf + rd->pos;
        const uint8_t *hit = memchr(p, QEMU_VM_SECTION_FOOTER,
                                    rd->len - rd->pos);
        if (!hit) {
            rd->pos = rd->len;
            continue;
        }
        rd->pos = (size_t)(hit - rd->buf);
        rd_ensure(rd, FOOTER_LOOKAHEAD);
        size_t n = rd->len - rd->pos;
        if (n < 5 && rd->eof) {
            fmt_error_truncated(rd->err, rd_offset(rd), rd->record, rd->index,
                                "footer", 5, n);
            return false;
        }
        if (!memcmp(rd->buf + rd->pos, want, 5) &&
            plausible_next(d, rd->buf + rd->pos + 5, n - 5, rd->eof)) {
            return true;
        }
        rd->pos++;
    }
}

/* Without footers: could p (n bytes; end: nothing follows) start the item
 * after a device body? Only EOF (then nothing, or the vmdesc 0x06 + u32 +
 * '{') or a START/FULL of a new section id with a printable idstr and an
 * instance id and version below 2^16: nothing else follows device sections. */
static bool plausible_bare(Dec *d, const uint8_t *p, size_t n, bool end)
{
    size_t len;

    switch (p[0]) {
    case QEMU_VM_EOF:
        return n == 1 ? end : n >= 7 && p[1] == QEMU_VM_VMDESCRIPTION &&
               p[6] == '{';
    case QEMU_VM_SECTION_START:
    case QEMU_VM_SECTION_FULL:
        if (n < 6 || !p[5] || n < 6u + p[5] + 8) {
            return false;
        }
        len = p[5];
        return !g_hash_table_contains(d->by_id,
                                      id_key((uint32_t)be_at(p + 1, 4))) &&
               printable(p + 6, len) && be_at(p + 6 + len, 4) < 0x10000 &&
               be_at(p + 10 + len, 4) < 0x10000;
    default:
        return false;
    }
}

/* Machine types <= 2.3 write no footers: moves the cursor to the first byte
 * that can start the next item (see plausible_bare). */
static bool scan_next_item(Dec *d)
{
    Rd *rd = &d->rd;

    for (;;) {
        rd_ensure(rd, FOOTER_LOOKAHEAD);
        size_t n = rd->len - rd->pos;
        if (n == 0) {
            fmt_error_truncated(rd->err, rd_offset(rd), rd->record, rd->index,
                                "body", 1, 0);
            return false;
        }
        if (plausible_bare(d, rd->buf + rd->pos, n, rd->eof)) {
            return true;
        }
        rd->pos++;
    }
}

static bool read_footer(Dec *d, StreamSection *s)
{
    Rd *rd = &d->rd;
    uint64_t at = rd_offset(rd);
    uint32_t id;
    uint8_t b;

    if (d->m->footers == 0) {
        s->footer = 0;
        return true;
    }
    if (!rd_peek_u8(rd, &b) || b != QEMU_VM_SECTION_FOOTER) {
        if (d->m->footers < 0 && (rd_at_end(rd) || b <= QEMU_VM_COMMAND)) {
            d->m->footers = 0;       /* machine types <= 2.3 */
            s->footer = 0;
            return true;
        }
        if (!rd_u8(rd, "footer", &b)) {
            return false;
        }
        fmt_error_set(rd->err, FMT_ERR_INVALID, at, rd->record, rd->index,
                      "footer", "byte 0x%02x where the section footer 0x7e "
                      "belongs", b);
        return false;
    }
    rd->pos++;
    if (!rd_be32(rd, "footer section id", &id)) {
        return false;
    }
    if (id != s->section_id) {
        fmt_error_set(rd->err, FMT_ERR_INVALID, at + 1, rd->record, rd->index,
                      "footer section id", "footer of section %u ends section "
                      "%u", id, s->section_id);
        return false;
    }
    d->m->footers = 1;
    s->footer = 1;
    return true;
}

static bool read_body(Dec *d, StreamSection *s)
{
    Rd *rd = &d->rd;

    if (!strcmp(s->idstr, "ram") && s->instance_id == 0) {
        s->how = BODY_PARSED;
        if (!ram_read_chunk(rd, &d->m->ram, &d->ram)) {
            return false;
        }
        rd_context(rd, "section", d->m->sections->len - 1);
        s->body_end = rd_offset(rd);
        return true;
    }
    IterKind kind = iter_kind(s->idstr);
    if (kind != ITER_NONE && s->type != QEMU_VM_SECTION_FULL) {
        s->how = BODY_PARSED;
        if (!iter_read_chunk(rd, kind, &d->iter, &s->iter)) {
            return false;
        }
        rd_context(rd, "section", d->m->sections->len - 1);
        s->body_end = rd_offset(rd);
        return true;
    }
    s->how = BODY_SCAN;
    if (d->keep_bodies) {
        rd_tap_start(rd, d->m->bodies, STREAM_BODIES_MAX);
    }
    guint kept_at = d->m->bodies ? d->m->bodies->len : 0;
    bool found = d->m->footers == 0 ? scan_next_item(d)
                                    : scan_footer(d, s->section_id);
    if (d->keep_bodies) {
        if (rd_tap_stop(rd) && found) {
            s->body_kept = kept_at;
        } else {
            d->m->bodies_over |= found;
            g_byte_array_set_size(d->m->bodies, kept_at);
        }
    }
    if (!found) {
        return false;
    }
    s->body_end = rd_offset(rd);
    d->m->inferred_count++;
    return true;
}

static bool read_section_header(Dec *d, StreamSection *s)
{
    Rd *rd = &d->rd;
    uint64_t at;
    gpointer idx;

    if (!rd_u8(rd, "type", &s->type) ||
        !rd_be32(rd, "section id", &s->section_id)) {
        return false;
    }
    if (s->type == QEMU_VM_SECTION_START || s->type == QEMU_VM_SECTION_FULL) {
        at = rd_offset(rd);
        if (!read_name8(rd, "idstr length", "idstr", &s->idstr) ||
            !rd_be32(rd, "instance id", &s->instance_id) ||
            !rd_be32(rd, "version", &s->version)) {
            return false;
        }
        if (!s->idstr[0]) {
            fmt_error_set(rd->err, FMT_ERR_INVALID, at, rd->record, rd->index,
                          "idstr length", "empty section idstr");
            return false;
        }
        g_hash_table_insert(d->by_id, id_key(s->section_id),
                            GUINT_TO_POINTER(d->m->sections->len));
        return true;
    }
    idx = g_hash_table_lookup(d->by_id, id_key(s->section_id));
    if (!idx) {
        fmt_error_set(rd->err, FMT_ERR_INVALID, s->offset + 1, rd->record,
                      rd->index, "section id", "%s of section %u, which no "
                      "START section opened",
                      stream_section_type_name(s->type), s->section_id);
        return false;
    }
    const StreamSection *start = &g_array_index(d->m->sections, StreamSection,
                                                GPOINTER_TO_UINT(idx) - 1);
    s->idstr = g_strdup(start->idstr);
    s->instance_id = start->instance_id;
    s->version = start->version;
    return true;
}

static bool read_section(Dec *d)
{
    Rd *rd = &d->rd;
    StreamSection ns = { .offset = rd_offset(rd), .footer = -1,
                         .vmsd_version = -1, .vmdesc_size = -1,
                         .body_kept = -1 };
    StreamSection *s;
    guint i = d->m->sections->len;

    g_array_append_val(d->m->sections, ns);
    s = &g_array_index(d->m->sections, StreamSection, i);
    rd_context(rd, "section", i);
    if (!read_section_header(d, s)) {
        return false;
    }
    s->body_offset = rd_offset(rd);
    if (!read_body(d, s)) {
        return false;
    }
    s = &g_array_index(d->m->sections, StreamSection, i);
    if (!read_footer(d, s)) {
        return false;
    }
    s->end = rd_offset(rd);
    s->complete = true;
    return true;
}

/* ---- EOF and vmdesc ---- */

static bool read_vmdesc(Dec *d)
{
    Rd *rd = &d->rd;
    StreamVmdescInfo *v = &d->m->vmdesc;
    uint8_t b;

    if (!rd_peek_u8(rd, &b)) {
        return true;     /* no vmdesc: postcopy or suppress-vmdesc */
    }
    rd_context(rd, "vmdesc", -1);
    v->offset = rd_offset(rd);
    if (b != QEMU_VM_VMDESCRIPTION) {
        fmt_error_set(rd->err, FMT_ERR_TRAILING, v->offset, "vmdesc", -1,
                      "type", "byte 0x%02x after EOF (expected the vmdesc "
                      "0x06 or the end of the data)", b);
        return false;
    }
    v->present = true;
    rd->pos++;
    if (!rd_be32(rd, "length", &v->size) ||
        !vmdesc_read(rd, v->size, &v->desc)) {
        return false;
    }
    v->parsed = true;
    if (!rd_at_end(rd)) {
        fmt_error_set(rd->err, FMT_ERR_TRAILING, rd_offset(rd), "vmdesc", -1,
                      "end", "%zu unexpected bytes after the vmdesc",
                      rd_buffered(rd));
        return false;
    }
    return true;
}

/* Names each non-"ram" section from the vmdesc and checks the footer scan
 * against the vmdesc's field sizes. */
static void apply_vmdesc(StreamModel *m)
{
    for (guint i = 0; i < m->sections->len; i++) {
        StreamSection *s = &g_array_index(m->sections, StreamSection, i);
        VmdescDevice *dev;

        if (s->type != QEMU_VM_SECTION_FULL || s->how == BODY_PARSED) {
            continue;
        }
        dev = vmdesc_find(&m->vmdesc.desc, s->idstr, s->instance_id);
        if (!dev) {
            continue;
        }
        dev->used = true;
        s->vmsd_name = dev->vmsd_name;
        s->vmsd_version = dev->version;
        s->vmdesc_size = (int64_t)dev->size;
        s->desc = dev->desc;
        if (s->complete && dev->size == s->body_end - s->body_offset) {
            s->how = BODY_VMDESC;
            m->inferred_count--;
        } else if (s->complete) {
            s->vmdesc_differs = true;
            m->vmdesc_differs++;
        }
    }
}

static void decide_no_pages(StreamModel *m)
{
    const RamModel *r = &m->ram;

    if (!r->present || !r->blocks->len) {
        return;
    }
    for (guint i = 0; i < r->blocks->len; i++) {
        if (ram_has_pages(&g_array_index(r->blocks, RamBlock, i))) {
            return;
        }
    }
    if (stream_has_cap(m, "mapped-ram")) {
        m->no_pages_reason = "mapped-ram: every bitmap is empty (all pages "
                             "zero, or blocks ignored)";
    } else if (r->multifd_flushes) {
        m->no_pages_reason = "multifd: page data travels on the multifd "
                             "channels, not in this stream";
    } else if (stream_has_cap(m, "x-ignore-shared")) {
        m->no_pages_reason = "x-ignore-shared: no block sent pages (shared "
                             "file-backed blocks are left to the new QEMU)";
    } else if (m->has_eof) {
        m->no_pages_reason = "cpr-exec/cpr-transfer: every block is to be "
                             "preserved by fd (see the CPR state), none is "
                             "sent as pages (blocks listed, no page record, "
                             "no x-ignore-shared); a multifd stream whose "
                             "pages all went to its channels looks the same";
    }
}

static bool read_items(Dec *d)
{
    Rd *rd = &d->rd;
    uint8_t b;

    for (;;) {
        if (!rd_peek_u8(rd, &b)) {
            rd_context(rd, "stream", -1);
            fmt_error_truncated(rd->err, rd_offset(rd), "stream", -1,
                                "section type", 1, 0);
            return false;
        }
        switch (b) {
        case QEMU_VM_EOF:
            d->m->has_eof = true;
            d->m->eof_offset = rd_offset(rd);
            rd->pos++;
            return read_vmdesc(d);
        case QEMU_VM_SECTION_START:
        case QEMU_VM_SECTION_PART:
        case QEMU_VM_SECTION_END:
        case QEMU_VM_SECTION_FULL:
            if (!read_section(d)) {
                return false;
            }
            break;
        case QEMU_VM_COMMAND:
            if (!read_command(d)) {
                return false;
            }
            break;
        default:
            fmt_error_set(rd->err, FMT_ERR_INVALID, rd_offset(rd), "stream",
                          -1, "section type", "unknown section type 0x%02x",
                          b);
            return false;
        }
    }
}

static void section_clear(gpointer p)
{
    g_free(((StreamSection *)p)->idstr);
}

static void command_clear(gpointer p)
{
    g_free(((StreamCommand *)p)->ramblock);
}

static StreamModel *model_new(void)
{
    StreamModel *m = g_new0(StreamModel, 1);

    m->sections = g_array_new(FALSE, TRUE, sizeof(StreamSection));
    g_array_set_clear_func(m->sections, section_clear);
    m->commands = g_array_new(FALSE, TRUE, sizeof(StreamCommand));
    g_array_set_clear_func(m->commands, command_clear);
    m->config.caps = g_ptr_array_new_with_free_func(g_free);
    m->footers = -1;
    m->ps.from = PS_SRC_NONE;
    ram_model_init(&m->ram);
    vmdesc_init(&m->vmdesc.desc);
    return m;
}

void stream_free(StreamModel *m)
{
    if (!m) {
        return;
    }
    g_array_unref(m->sections);
    g_array_unref(m->commands);
    g_ptr_array_unref(m->config.caps);
    g_free(m->config.machine_type);
    g_free(m->ps.detail);
    g_free(m->ps.conflict);
    ram_model_clear(&m->ram);
    vmdesc_clear(&m->vmdesc.desc);
    if (m->bodies) {
        g_byte_array_unref(m->bodies);
    }
    g_free(m);
}

/* Without a usable configuration/target-page-bits, the vmdesc at the end of
 * a seekable input is read ahead for its page_size. */
static void read_ahead(Dec *d)
{
    Rd *rd = &d->rd;
    uint64_t total = 0;

    const StreamConfig *c = &d->m->config;

    if (c->has_page_bits && c->page_bits >= 10 && c->page_bits <= 24) {
        stream_ps_begin(d->m, NULL, 0, 0);
    } else if (!d->src) {
        size_t n = MIN(rd->len, (size_t)VMDESC_TAIL_MAX);
        stream_ps_begin(d->m, rd->buf + rd->len - n, n, rd->len);
    } else if (d->src->tail) {
        /* its size first (len 0); then 64 KiB (real vmdescs are tens of
         * KiB), then 1 MiB */
        if (d->src->tail(d->src->opaque, NULL, 0, &total) < 0) {
            stream_ps_begin(d->m, NULL, 0, 0);
            return;
        }
        for (size_t want = (size_t)MIN(total, (uint64_t)(64u << 10));;
             want = (size_t)MIN(total, (uint64_t)VMDESC_TAIL_MAX)) {
            g_autofree uint8_t *buf = g_malloc(want);
            ssize_t n = d->src->tail(d->src->opaque, buf, want, &total);
            stream_ps_begin(d->m, n > 0 ? buf : NULL, n > 0 ? (size_t)n : 0,
                            total);
            if (d->m->ps.vmdesc_ahead || n <= 0 || (size_t)n < want ||
                want >= MIN(total, (uint64_t)VMDESC_TAIL_MAX)) {
                break;
            }
        }
    } else {
        stream_ps_begin(d->m, NULL, 0, 0);
    }
}

static void set_opts(Dec *d)
{
    read_ahead(d);
    d->ram.ignore_shared = stream_has_cap(d->m, "x-ignore-shared");
    d->ram.mapped_ram = stream_has_cap(d->m, "mapped-ram");
}

static bool decode(Rd *rd, const FmtSource *src, bool keep_bodies,
                   RamPageFn on_page, void *page_opaque, StreamModel **out)
{
    Dec d = { .m = model_new(), .src = src, .iter = { .htab_shift = -1 },
              .keep_bodies = keep_bodies };
    bool ok;

    d.ram.on_page = on_page;
    d.ram.page_opaque = page_opaque;
    if (keep_bodies) {
        d.m->bodies = g_byte_array_new();
    }
    d.rd = *rd;
    d.by_id = g_hash_table_new(g_direct_hash, g_direct_equal);
    ok = read_header(&d) && read_config(&d);
    if (ok) {
        set_opts(&d);
        ok = read_items(&d);
    }
    if (d.m->vmdesc.parsed) {
        apply_vmdesc(d.m);
    }
    decide_no_pages(d.m);
    if (d.m->header_ok) {
        ok = stream_ps_finish(d.m, ok, d.rd.err);
    }
    d.m->end_offset = rd_offset(&d.rd);
    g_hash_table_unref(d.by_id);
    *rd = d.rd;
    *out = d.m;
    return ok;
}

bool stream_decode(const FmtSource *src, StreamModel **out, FmtError *err)
{
    return stream_decode_ex(src, NULL, NULL, out, err);
}

bool stream_decode_pages(const FmtSource *src, RamPageFn on_page, void *opaque,
                         StreamModel **out, FmtError *err)
{
    Rd rd;
    bool ok;

    memset(err, 0, sizeof(*err));
    rd_init_source(&rd, src, err);
    ok = decode(&rd, src, false, on_page, opaque, out);
    rd_release(&rd);
    return ok;
}

bool stream_decode_ex(const FmtSource *src, StreamPayloadFn on_payload,
                      void *opaque, StreamModel **out, FmtError *err)
{
    StreamOpts o = { .on_payload = on_payload, .opaque = opaque };

    return stream_decode_opts(src, &o, out, err);
}

bool stream_decode_opts(const FmtSource *src, const StreamOpts *opts,
                        StreamModel **out, FmtError *err)
{
    Rd rd;
    bool ok;

    memset(err, 0, sizeof(*err));
    rd_init_source(&rd, src, err);
    rd.on_payload = opts->on_payload;
    rd.payload_opaque = opts->opaque;
    ok = decode(&rd, src, opts->keep_bodies, NULL, NULL, out);
    rd_release(&rd);
    return ok;
}

bool stream_decode_mem_opts(const uint8_t *buf, size_t len,
                            const StreamOpts *opts, StreamModel **out,
                            FmtError *err)
{
    Rd rd;

    memset(err, 0, sizeof(*err));
    rd_init_mem(&rd, buf, len, err);
    rd.on_payload = opts->on_payload;
    rd.payload_opaque = opts->opaque;
    return decode(&rd, NULL, opts->keep_bodies, NULL, NULL, out);
}

bool stream_decode_mem(const uint8_t *buf, size_t len, StreamModel **out,
                       FmtError *err)
{
    StreamOpts o = { 0 };

    return stream_decode_mem_opts(buf, len, &o, out, err);
}

const uint8_t *stream_section_body(const StreamModel *m,
                                   const StreamSection *s, size_t *len)
{
    if (!m->bodies || s->body_kept < 0 || s->body_end < s->body_offset) {
        return NULL;
    }
    static const uint8_t empty[1];

    *len = (size_t)(s->body_end - s->body_offset);
    /* an empty array has no storage: NULL + 0 is undefined */
    return m->bodies->data ? m->bodies->data + s->body_kept : empty;
}

struct json_object *stream_section_desc(const StreamModel *m,
                                        const StreamSection *s)
{
    (void)m;
    return s->desc;
}
