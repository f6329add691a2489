/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "render/render_stream.h"

#include <glib.h>
#include <string.h>

#include "render/escape.h"
#include "render/columns.h"
#include "render/table.h"

/* ---- sections ---- */

static const StreamSection *sec(const void *row)
{
    return row;
}

/* ctx of the sections table: the model, and with --device the decoded
 * sections (the "fields" columns). */
typedef struct SecCtx {
    const StreamModel *m;
    const DeviceSet *ds;
} SecCtx;

static guint sec_index(const void *row, const void *ctx)
{
    const StreamModel *m = ((const SecCtx *)ctx)->m;

    return (guint)(sec(row) - &g_array_index(m->sections, StreamSection, 0));
}

static void sc_index(const void *row, const void *ctx, Cell *c)
{
    cell_int(c, sec_index(row, ctx));
}

static void sc_type(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, stream_section_type_name(sec(row)->type));
}

static void sc_id(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_int(c, sec(row)->section_id);
}

static void sc_idstr(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, sec(row)->idstr);
}

static void sc_instance(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_int(c, sec(row)->instance_id);
}

static void sc_version(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_int(c, sec(row)->version);
}

static void sc_offset(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_int(c, (int64_t)sec(row)->offset);
}

static void sc_end(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    if (sec(row)->complete) {
        cell_int(c, (int64_t)sec(row)->end);
    } else {
        cell_null(c, "?");
    }
}

static void sc_size(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    if (sec(row)->complete) {
        cell_int(c, (int64_t)(sec(row)->end - sec(row)->offset));
    } else {
        cell_null(c, "?");
    }
}

static void sc_body_size(const void *row, const void *ctx, Cell *c)
{
    const StreamSection *s = sec(row);

    (void)ctx;
    if (s->body_end >= s->body_offset && s->body_end) {
        cell_int(c, (int64_t)(s->body_end - s->body_offset));
    } else {
        cell_null(c, "?");
    }
}

static void sc_footer(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    if (sec(row)->footer < 0) {
        cell_null(c, "?");
    } else {
        cell_bool(c, sec(row)->footer);
    }
}

static void sc_vmsd(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, sec(row)->vmsd_name);
}

static void sc_vmsd_version(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    if (sec(row)->vmsd_version >= 0) {
        cell_int(c, sec(row)->vmsd_version);
    } else {
        cell_null(c, NULL);
    }
}

static void sc_vmdesc_size(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    if (sec(row)->vmdesc_size >= 0) {
        cell_int(c, sec(row)->vmdesc_size);
    } else {
        cell_null(c, NULL);
    }
}

static void sc_inferred(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_bool(c, sec(row)->how == BODY_SCAN);
}

static void sc_how(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    switch (sec(row)->how) {
    case BODY_PARSED:
        cell_str(c, "parsed");
        break;
    case BODY_VMDESC:
        cell_str(c, "vmdesc");
        break;
    default:
        cell_str(c, "inferred");
        break;
    }
}

static void sc_size_check(const void *row, const void *ctx, Cell *c)
{
    const StreamSection *s = sec(row);

    (void)ctx;
    if (s->how == BODY_VMDESC) {
        cell_str(c, "confirmed");
    } else if (s->vmdesc_differs) {
        cell_take(c, g_strdup_printf("differs: body %" G_GUINT64_FORMAT
                                     ", vmdesc %" G_GINT64_FORMAT,
                                     s->body_end - s->body_offset,
                                     s->vmdesc_size));
    } else {
        cell_null(c, NULL);
    }
}

/* A live section's records, in words. */
static char *iter_summary(const IterChunk *k)
{
    switch (k->kind) {
    case ITER_HTAB:
        if (k->htab_header < 0) {
            return g_strdup("no HPT");
        }
        if (k->htab_header > 0) {
            return g_strdup_printf("hash table 2^%" G_GINT64_FORMAT " bytes",
                                   k->htab_header);
        }
        return g_strdup_printf("%" G_GUINT64_FORMAT " chunk(s): %"
                               G_GUINT64_FORMAT " valid, %" G_GUINT64_FORMAT
                               " invalid HPTEs, %" G_GUINT64_FORMAT " bytes%s",
                               k->htab_chunks, k->htab_valid, k->htab_invalid,
                               k->bytes, k->ended ? ", end marker" : "");
    case ITER_STATTR:
        return g_strdup_printf("%" G_GUINT64_FORMAT " MORE (%" G_GUINT64_FORMAT
                               " attribute bytes)%s%s", k->stattr_more,
                               k->bytes, k->stattr_done ? ", DONE" : "",
                               k->ended ? ", EOS" : "");
    case ITER_DIRTY_BITMAP:
        return g_strdup_printf("%" G_GUINT64_FORMAT " start, %" G_GUINT64_FORMAT
                               " complete, %" G_GUINT64_FORMAT " bits (%"
                               G_GUINT64_FORMAT " zeroes), %" G_GUINT64_FORMAT
                               " bytes%s", k->dbm_start, k->dbm_complete,
                               k->dbm_bits, k->dbm_zeroes, k->bytes,
                               k->ended ? ", EOS" : "");
    case ITER_BLOCK:
        return g_strdup_printf("%" G_GUINT64_FORMAT " block(s) (%"
                               G_GUINT64_FORMAT " zero), %" G_GUINT64_FORMAT
                               " progress, %" G_GUINT64_FORMAT " bytes%s",
                               k->blk_blocks, k->blk_zero_blocks,
                               k->blk_progress, k->bytes,
                               k->ended ? ", EOS" : "");
    default:
        return NULL;
    }
}

static void add_count(json_object *o, const char *key, uint64_t v)
{
    json_object_object_add(o, key, json_u64(v));
}

static void sc_iterative(const void *row, const void *ctx, Cell *c)
{
    const IterChunk *k = &sec(row)->iter;
    json_object *o;

    (void)ctx;
    if (k->kind == ITER_NONE) {
        cell_null(c, NULL);
        return;
    }
    o = json_object_new_object();
    json_object_object_add(o, "kind",
                           json_object_new_string(iter_kind_name(k->kind)));
    add_count(o, "records", k->records);
    add_count(o, "bytes", k->bytes);
    json_object_object_add(o, "ended", json_object_new_boolean(k->ended));
    switch (k->kind) {
    case ITER_HTAB:
        json_object_object_add(o, "header",
                               json_object_new_int64(k->htab_header));
        add_count(o, "chunks", k->htab_chunks);
        add_count(o, "valid", k->htab_valid);
        add_count(o, "invalid", k->htab_invalid);
        break;
    case ITER_STATTR:
        add_count(o, "more", k->stattr_more);
        add_count(o, "done", k->stattr_done);
        break;
    case ITER_DIRTY_BITMAP:
        add_count(o, "start", k->dbm_start);
        add_count(o, "complete", k->dbm_complete);
        add_count(o, "bits", k->dbm_bits);
        add_count(o, "zeroes", k->dbm_zeroes);
        break;
    default:
        add_count(o, "blocks", k->blk_blocks);
        add_count(o, "zero-blocks", k->blk_zero_blocks);
        add_count(o, "progress", k->blk_progress);
        break;
    }
    cell_json_text(c, o, iter_summary(k));
}

static const ColDesc section_cols[] = {
    { "POS", "index", COL_DEC, 1, 0, "position in the stream, from 0",
      sc_index },
    { "TYPE", "type", COL_TEXT, 0, 0, "start, part, end or full", sc_type },
    { "ID", "section-id", COL_DEC, 1, 0, "section id", sc_id },
    { "IDSTR", "idstr", COL_TEXT, 0, 0, "handler name", sc_idstr },
    { "INST", "instance-id", COL_DEC, 1, 0, "instance id", sc_instance },
    { "VER", "version", COL_DEC, 1, 0, "section version", sc_version },
    { "OFFSET", "offset", COL_HEX, 1, 0, "offset of the type byte",
      sc_offset },
    { "END", "end", COL_HEX, 1, 1, "offset after the footer", sc_end },
    { "SIZE", "size", COL_SIZE, 1, 0, "bytes from type byte to footer end",
      sc_size },
    { "BODY", "body-size", COL_DEC, 1, 1, "bytes of the body", sc_body_size },
    { "FOOTER", "footer", COL_TEXT, 0, 0, "footer read and checked",
      sc_footer },
    { "VMSD", "vmsd-name", COL_TEXT, 0, 0, "vmsd name from the vmdesc",
      sc_vmsd },
    { "VMSDVER", "vmsd-version", COL_DEC, 1, 1, "vmsd version (vmdesc)",
      sc_vmsd_version },
    { "VMDESCSIZE", "vmdesc-size", COL_DEC, 1, 1, "body size per vmdesc",
      sc_vmdesc_size },
    { "INFERRED", "inferred", COL_TEXT, 0, 1, "delimited by a scan only",
      sc_inferred },
    { "BODYHOW", "delimited-by", COL_TEXT, 0, 0, "parsed, vmdesc (scan confirmed "
      "by vmdesc sizes) or inferred (scan only)", sc_how },
    { "SIZECHECK", "vmdesc-size-check", COL_TEXT, 0, 1, "body size against "
      "the vmdesc: confirmed, or differs (both sizes)", sc_size_check },
    { "RECORDS", "iterative", COL_TEXT, 0, 0, "live sections other than ram, "
      "read by their framing: records, bytes, end marker", sc_iterative },
};

const TableDesc table_sections = { "sections", "stream: one row per section", section_cols,
                         G_N_ELEMENTS(section_cols), 1 };

/* --device: json_only columns, present on the selected sections only */

static const DeviceSet *dev_set(const void *row, const void *ctx, guint *i)
{
    const DeviceSet *ds = ((const SecCtx *)ctx)->ds;

    *i = sec_index(row, ctx);
    return ds && ds->selected[*i] ? ds : NULL;
}

static void dc_fields(const void *row, const void *ctx, Cell *c)
{
    guint i;
    const DeviceSet *ds = dev_set(row, ctx, &i);

    ds ? cell_json(c, device_fields_json(ds, i)) : cell_absent(c);
}

static void dc_layout(const void *row, const void *ctx, Cell *c)
{
    guint i;
    const DeviceSet *ds = dev_set(row, ctx, &i);

    ds ? cell_json(c, device_layout_json(ds, i)) : cell_absent(c);
}

static void dc_mismatches(const void *row, const void *ctx, Cell *c)
{
    guint i;
    const DeviceSet *ds = dev_set(row, ctx, &i);

    ds ? cell_json(c, device_mismatches_json(ds, i)) : cell_absent(c);
}

static void dc_described(const void *row, const void *ctx, Cell *c)
{
    guint i;
    const DeviceSet *ds = dev_set(row, ctx, &i);

    if (!ds) {
        cell_absent(c);
    } else if (device_described(ds, i) >= 0) {
        cell_int(c, device_described(ds, i));
    } else {
        cell_null(c, NULL);
    }
}

static void dc_why(const void *row, const void *ctx, Cell *c)
{
    guint i;
    const DeviceSet *ds = dev_set(row, ctx, &i);

    if (!ds) {
        cell_absent(c);
    } else {
        cell_str(c, device_why(ds, i));
    }
}

static void dc_head(const void *row, const void *ctx, Cell *c)
{
    guint i;
    const DeviceSet *ds = dev_set(row, ctx, &i);

    ds ? cell_json(c, device_body_head_json(ds, i)) : cell_absent(c);
}

static void dc_decoded(const void *row, const void *ctx, Cell *c)
{
    guint i;
    const DeviceSet *ds = dev_set(row, ctx, &i);
    json_object *j = ds ? device_decoded_json(ds, i) : NULL;

    j ? cell_json(c, j) : cell_absent(c);
}

static const ColDesc device_cols[] = {
    { "FIELDS", "fields", COL_TEXT, 0, 1, "--device: the body field by field "
      "(wire order, vmdesc names)", dc_fields },
    { "LAYOUT", "field-layout", COL_TEXT, 0, 1, "--device: path, type, "
      "offset and size of every field", dc_layout },
    { "MISMATCHES", "field-mismatches", COL_TEXT, 0, 1, "--device: where the "
      "body does not match its vmdesc", dc_mismatches },
    { "DESCRIBED", "fields-described", COL_DEC, 1, 1, "--device: body bytes "
      "covered by fields and subsection headers", dc_described },
    { "WHY", "no-fields-reason", COL_TEXT, 0, 1, "--device: why the section "
      "has no fields", dc_why },
    { "HEAD", "body-head", COL_TEXT, 0, 1, "--device, no fields: the first "
      "256 body bytes in hex", dc_head },
    { "DECODED", "decoded", COL_TEXT, 0, 1, "--device: names for the virtio "
      "field and the arm cpreg lists", dc_decoded },
};

/* ---- commands ---- */

static const StreamCommand *cmd(const void *row)
{
    return row;
}

static void cc_offset(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_int(c, (int64_t)cmd(row)->offset);
}

static void cc_name(const void *row, const void *ctx, Cell *c)
{
    const char *n = stream_command_name(cmd(row)->cmd);

    (void)ctx;
    if (n) {
        cell_str(c, n);
    } else {
        cell_take(c, g_strdup_printf("unknown %u (skipped)", cmd(row)->cmd));
    }
}

static void cc_length(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_int(c, cmd(row)->length);
}

static char *command_detail(const StreamCommand *k)
{
    const char *bad = k->known && !k->length_ok ? " (unexpected length)" : "";

    switch (k->cmd) {
    case MIG_CMD_PING:
        return g_strdup_printf("value %u%s", k->value, bad);
    case MIG_CMD_POSTCOPY_ADVISE:
        return k->length ? g_strdup_printf("page sizes 0x%" G_GINT64_MODIFIER
                                           "x, target page size %"
                                           G_GUINT64_FORMAT "%s", k->summary,
                                           k->target_page_size, bad)
                         : g_strdup("dirty bitmaps only");
    case MIG_CMD_POSTCOPY_RAM_DISCARD:
        return g_strdup_printf("block %s, %" G_GUINT64_FORMAT " range(s)%s",
                               k->ramblock ? k->ramblock : "?",
                               k->range_count, bad);
    case MIG_CMD_PACKAGED:
        return g_strdup_printf("%u bytes of nested stream follow%s",
                               k->package_size, bad);
    case MIG_CMD_RECV_BITMAP:
        return g_strdup_printf("block %s%s", k->ramblock ? k->ramblock : "?",
                               bad);
    default:
        return g_strdup(bad[0] ? bad + 1 : "");
    }
}

static json_object *command_extra_json(const StreamCommand *k);

/* The decoded payload: a sentence in the table, its own keys in JSON. */
static void cc_detail(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_json_text(c, command_extra_json(cmd(row)), command_detail(cmd(row)));
}

static void cc_command(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_int(c, cmd(row)->cmd);
}

static void cc_known(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_bool(c, cmd(row)->known);
}

static void cc_length_ok(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_bool(c, cmd(row)->length_ok);
}

static void cc_json_name(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, stream_command_name(cmd(row)->cmd));
}

static const ColDesc command_cols[] = {
    { "OFFSET", "offset", COL_HEX, 1, 0, "offset of the 0x08 byte",
      cc_offset },
    { "CMD", "command", COL_DEC, 1, 1, "command number", cc_command },
    { "NAME", "name", COL_TEXT, 0, 1, "command name (null: unknown)",
      cc_json_name },
    { "COMMAND", NULL, COL_TEXT, 0, 0, "command name", cc_name },
    { "LENGTH", "length", COL_DEC, 1, 0, "payload length", cc_length },
    { "KNOWN", "known", COL_TEXT, 0, 1, "a command this QEMU version knows",
      cc_known },
    { "LENGTHOK", "length-ok", COL_TEXT, 0, 1, "payload length as expected",
      cc_length_ok },
    { "PAYLOAD", NULL, COL_TEXT, 0, 0, "decoded payload", cc_detail },
};

const TableDesc table_commands = { "commands", "stream: one row per command", command_cols,
                         G_N_ELEMENTS(command_cols), 0 };

static void add_u64(json_object *o, const char *key, uint64_t v)
{
    json_object_object_add(o, key, json_u64(v));
}

/* The keys of a command's decoded payload (merged into its JSON row). */
static json_object *command_extra_json(const StreamCommand *k)
{
    json_object *o = json_object_new_object();

    switch (k->cmd) {
    case MIG_CMD_PING:
        add_u64(o, "value", k->value);
        break;
    case MIG_CMD_POSTCOPY_ADVISE:
        if (k->length == 16) {
            add_u64(o, "page-size-summary", k->summary);
            add_u64(o, "target-page-size", k->target_page_size);
        }
        break;
    case MIG_CMD_POSTCOPY_RAM_DISCARD:
        json_object_object_add(o, "discard-version",
                               json_object_new_int(k->discard_version));
        json_object_object_add(o, "ramblock", k->ramblock
                               ? json_text(k->ramblock) : NULL);
        add_u64(o, "range-count", k->range_count);
        break;
    case MIG_CMD_PACKAGED:
        add_u64(o, "package-size", k->package_size);
        break;
    case MIG_CMD_RECV_BITMAP:
        json_object_object_add(o, "ramblock", k->ramblock
                               ? json_text(k->ramblock) : NULL);
        break;
    default:
        break;
    }
    return o;
}

static void render_commands(Out *o, const StreamModel *m)
{
    if (m->commands->len && !out_is_json(o)) {
        out_line(o, "\nCommands");
    }
    table_emit(o, "commands", command_cols, G_N_ELEMENTS(command_cols),
               m->commands->data, sizeof(StreamCommand), m->commands->len, m);
}

/* ---- RAM ---- */

static const RamBlock *blk(const void *row)
{
    return row;
}

static void rc_idstr(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, blk(row)->idstr);
}

static void rc_used(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_int(c, (int64_t)blk(row)->used_length);
}

static void rc_page_size(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    if (blk(row)->has_page_size) {
        cell_int(c, (int64_t)blk(row)->page_size);
    } else {
        cell_null(c, NULL);
    }
}

static void rc_mr_addr(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    if (blk(row)->has_mr_addr) {
        cell_int(c, (int64_t)blk(row)->mr_addr);
    } else {
        cell_null(c, NULL);
    }
}

static void rc_zero(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_int(c, (int64_t)blk(row)->pages.zero);
}

static void rc_normal(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_int(c, (int64_t)blk(row)->pages.normal);
}

static void rc_xbzrle(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_int(c, (int64_t)blk(row)->pages.xbzrle);
}

static void rc_compressed(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_int(c, (int64_t)blk(row)->pages.compressed);
}

static void rc_normal_bytes(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_int(c, (int64_t)blk(row)->pages.normal_bytes);
}

static void rc_xbzrle_bytes(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_int(c, (int64_t)blk(row)->pages.xbzrle_bytes);
}

static void rc_compressed_bytes(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_int(c, (int64_t)blk(row)->pages.compressed_bytes);
}

static uint64_t data_bytes(const RamPages *p)
{
    return p->normal_bytes + p->xbzrle_bytes + p->compressed_bytes;
}

static void rc_bytes(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_int(c, (int64_t)data_bytes(&blk(row)->pages));
}

static void rc_offset(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_int(c, (int64_t)blk(row)->offset);
}

static json_object *mapped_json(const RamBlock *b)
{
    json_object *o = json_object_new_object();

    json_object_object_add(o, "version",
                           json_object_new_int64(b->mapped.version));
    add_u64(o, "page-size", b->mapped.page_size);
    add_u64(o, "bitmap-offset", b->mapped.bitmap_offset);
    add_u64(o, "pages-offset", b->mapped.pages_offset);
    return o;
}

static void rc_mapped(const void *row, const void *ctx, Cell *c)
{
    const RamBlock *b = blk(row);

    (void)ctx;
    if (!b->has_mapped) {
        cell_null(c, NULL);
    } else if (!b->mapped.pages_offset) {
        cell_json_text(c, mapped_json(b), g_strdup("ignored"));
    } else {
        cell_json_text(c, mapped_json(b), g_strdup_printf(
                           "pages at 0x%" G_GINT64_MODIFIER "x",
                           b->mapped.pages_offset));
    }
}

static const ColDesc ram_cols[] = {
    { "IDSTR", "idstr", COL_TEXT, 0, 0, "RAM block name", rc_idstr },
    { "OFFSET", "offset", COL_HEX, 1, 1, "offset of the block's entry in "
      "the MEM_SIZE record", rc_offset },
    { "USED", "used-length", COL_SIZE, 1, 0, "used_length", rc_used },
    { "PAGESIZE", "page-size", COL_SIZE, 1, 0, "block page size (postcopy)",
      rc_page_size },
    { "MRADDR", "mr-addr", COL_HEX, 1, 0, "guest address (x-ignore-shared)",
      rc_mr_addr },
    { "ZERO", "zero", COL_DEC, 1, 0, "ZERO records", rc_zero, "pages" },
    { "NORMAL", "normal", COL_DEC, 1, 0, "PAGE records (mapped-ram: bits)",
      rc_normal, "pages" },
    { "XBZRLE", "xbzrle", COL_DEC, 1, 0, "XBZRLE records", rc_xbzrle,
      "pages" },
    { "COMPRESSED", "compressed", COL_DEC, 1, 1, "COMPRESS_PAGE records",
      rc_compressed, "pages" },
    { "NORMALBYTES", "normal-bytes", COL_DEC, 1, 1, "PAGE payload bytes",
      rc_normal_bytes, "pages" },
    { "XBZRLEBYTES", "xbzrle-bytes", COL_DEC, 1, 1, "XBZRLE payload bytes",
      rc_xbzrle_bytes, "pages" },
    { "COMPRBYTES", "compressed-bytes", COL_DEC, 1, 1, "compressed payload "
      "bytes", rc_compressed_bytes, "pages" },
    { "DATA", "data-bytes", COL_SIZE, 1, 0, "page payload bytes", rc_bytes,
      "pages" },
    { "MAPPED", "mapped-ram", COL_TEXT, 0, 0, "mapped-ram header",
      rc_mapped },
};

const TableDesc table_ram_blocks = { "ram blocks", "stream: the RAM section's blocks", ram_cols,
                         G_N_ELEMENTS(ram_cols), 0 };

json_object *render_ram_pages_json(const RamPages *p)
{
    json_object *o = json_object_new_object();

    add_u64(o, "zero", p->zero);
    add_u64(o, "normal", p->normal);
    add_u64(o, "xbzrle", p->xbzrle);
    add_u64(o, "compressed", p->compressed);
    add_u64(o, "normal-bytes", p->normal_bytes);
    add_u64(o, "xbzrle-bytes", p->xbzrle_bytes);
    add_u64(o, "compressed-bytes", p->compressed_bytes);
    add_u64(o, "data-bytes", data_bytes(p));
    return o;
}

/* The page totals over every block: one "pages" line, "totals" in JSON. */
static void render_ram_totals(Out *o, const RamModel *r)
{
    RamPages sum;
    g_autofree char *data = NULL;
    g_autofree char *line = NULL;

    ram_totals(r, &sum);
    data = format_size(data_bytes(&sum), G_FORMAT_SIZE_IEC_UNITS);
    line = g_strdup_printf("%" G_GUINT64_FORMAT " zero, %" G_GUINT64_FORMAT
                           " normal, %" G_GUINT64_FORMAT " xbzrle, %"
                           G_GUINT64_FORMAT " compressed; %s of page data",
                           sum.zero, sum.normal, sum.xbzrle, sum.compressed,
                           data);
    out_str(o, NULL, "pages", line);
    out_json(o, "totals", render_ram_pages_json(&sum));
}

/* The target page size: the one used, how it was decided, what every source
 * says (formats/ram.md), and a conflict between two of them. */
static void render_page_size(Out *o, const StreamPageSize *ps, bool shown)
{
    json_object *said = json_object_new_object();
    GString *text = g_string_new(NULL);

    if (ps->size) {
        out_int(o, "page-size", NULL, ps->size);
        g_string_printf(text, "%u (%s", ps->size, ps->detail);
    } else {
        out_null(o, "page-size", NULL, NULL);
        g_string_printf(text, "unknown (%s", ps->detail);
    }
    for (int i = 0; i < PS_SRC__COUNT; i++) {
        json_object_object_add(said, stream_page_source_name(i),
                               ps->said[i] ? json_u64(ps->said[i]) : NULL);
        if (ps->said[i] && i != (int)ps->from) {
            g_string_append_printf(text, "; %s says %" G_GUINT64_FORMAT,
                                   stream_page_source_name(i), ps->said[i]);
        }
    }
    g_string_append_c(text, ')');
    out_str(o, "page-size-source", NULL, stream_page_source_name(ps->from));
    out_str(o, "page-size-detail", NULL, ps->detail);
    out_str(o, NULL, shown ? "page size" : NULL, text->str);
    out_str(o, "page-size-conflict", ps->conflict ? "CONFLICT" : NULL,
            ps->conflict);
    out_bool(o, "vmdesc-read-ahead", NULL, ps->vmdesc_ahead);
    out_json(o, "page-size-sources", said);
    g_string_free(text, TRUE);
}

static void render_ram(Out *o, const StreamModel *m)
{
    const RamModel *r = &m->ram;
    g_autofree char *size = format_size(r->mem_size,
                                        G_FORMAT_SIZE_IEC_UNITS |
                                        G_FORMAT_SIZE_LONG_FORMAT);
    g_autofree char *mem = g_strdup_printf("%s in %u block(s)%s", size,
                                           r->blocks->len,
                                           r->blocks_complete ? ""
                                           : " (list incomplete)");

    out_begin(o, "ram", r->present ? "RAM (\"ram\" section)" : NULL);
    out_bool(o, "present", NULL, r->present);
    if (!r->present) {
        out_str(o, NULL, "ram", "no \"ram\" section");
    }
    out_hex(o, "mem-size", NULL, r->mem_size);
    out_str(o, NULL, r->present ? "mem size" : NULL, mem);
    out_bool(o, "blocks-complete", NULL, r->blocks_complete);
    render_page_size(o, &m->ps, r->present);
    if (r->present) {
        render_ram_totals(o, r);
    }
    out_int(o, "records", r->present ? "records" : NULL,
            (int64_t)r->records);
    out_int(o, "multifd-flushes", r->present ? "multifd flush" : NULL,
            (int64_t)r->multifd_flushes);
    out_int(o, "eos-count", r->present ? "EOS records" : NULL,
            (int64_t)r->eos_count);
    out_int(o, "hooks", r->present && r->hooks ? "hooks" : NULL,
            (int64_t)r->hooks);
    out_str(o, "no-pages-reason", m->no_pages_reason ? "no pages" : NULL,
            m->no_pages_reason);
    if (r->present) {
        out_line(o, "%s", "");
    }
    table_emit(o, "blocks", ram_cols, G_N_ELEMENTS(ram_cols),
               r->blocks->data, sizeof(RamBlock), r->blocks->len, m);
    out_end(o);
}

/* ---- header, configuration, vmdesc ---- */

static void render_config(Out *o, const StreamConfig *c)
{
    json_object *caps = json_object_new_array();
    g_autofree char *caps_text = NULL;

    out_begin(o, "configuration", NULL);
    out_bool(o, "present", NULL, c->present);
    out_str(o, "machine-type", "machine", c->present ? c->machine_type
                                                     : "(no configuration)");
    for (guint i = 0; i < c->caps->len; i++) {
        json_object_array_add(caps, json_text(g_ptr_array_index(c->caps, i)));
    }
    out_json(o, "capabilities", caps);
    GString *t = g_string_new(NULL);
    for (guint i = 0; i < c->caps->len; i++) {
        g_string_append_printf(t, "%s%s", i ? ", " : "",
                               (const char *)g_ptr_array_index(c->caps, i));
    }
    caps_text = g_string_free(t, FALSE);
    out_str(o, NULL, "capabilities", caps_text[0] ? caps_text : "none");
    if (c->has_page_bits) {
        out_int(o, "target-page-bits", "page bits", c->page_bits);
    } else {
        out_null(o, "target-page-bits", NULL, NULL);
    }
    if (c->has_uuid) {
        const uint8_t *u = c->uuid;
        g_autofree char *s = g_strdup_printf(
            "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
            "%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2], u[3], u[4], u[5],
            u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
        out_str(o, "uuid", "uuid", s);
    } else {
        out_null(o, "uuid", NULL, NULL);
    }
    out_end(o);
}

static void render_vmdesc(Out *o, const StreamModel *m)
{
    const StreamVmdescInfo *v = &m->vmdesc;
    g_autofree char *text = NULL;

    out_begin(o, "vmdesc", NULL);
    out_bool(o, "present", NULL, v->present);
    if (v->present) {
        out_hex(o, "offset", NULL, v->offset);
        out_int(o, "size", NULL, v->size);
    } else {
        out_null(o, "offset", NULL, NULL);
        out_null(o, "size", NULL, NULL);
    }
    if (v->parsed) {
        out_int(o, "device-count", NULL, v->desc.devices->len);
    } else {
        out_null(o, "device-count", NULL, NULL);
    }
    if (v->parsed && v->desc.page_size >= 0) {
        out_int(o, "page-size", NULL, v->desc.page_size);
    } else {
        out_null(o, "page-size", NULL, NULL);
    }
    out_end(o);
    if (!v->present) {
        text = g_strdup(m->has_eof ? "absent (postcopy, suppress-vmdesc, or "
                        "cut after EOF): device sections are delimited by "
                        "a scan only (inferred)" : "not reached");
    } else {
        text = g_strdup_printf("%u bytes at 0x%" G_GINT64_MODIFIER "x, %u "
                               "device(s), page size %" G_GINT64_FORMAT,
                               v->size, v->offset, v->parsed
                               ? v->desc.devices->len : 0,
                               v->parsed ? v->desc.page_size : -1);
    }
    out_str(o, NULL, "vmdesc", text);
}

/* Which device sections have a body of another size than the vmdesc's. */
static char *vmdesc_differs_text(const StreamModel *m)
{
    GString *t = g_string_new(NULL);

    g_string_printf(t, "%" G_GUINT64_FORMAT " section(s) whose body is not the "
                    "vmdesc's size:", m->vmdesc_differs);
    for (guint i = 0; i < m->sections->len; i++) {
        const StreamSection *s = &g_array_index(m->sections, StreamSection, i);
        if (s->vmdesc_differs) {
            g_string_append_printf(t, " %s (section %u: body %" G_GUINT64_FORMAT
                                   ", vmdesc %" G_GINT64_FORMAT ")", s->idstr,
                                   i, s->body_end - s->body_offset,
                                   s->vmdesc_size);
        }
    }
    return g_string_free(t, FALSE);
}

static void render_header(Out *o, const InputInfo *in, const StreamModel *m)
{
    g_autofree char *fmt = g_strdup_printf("QEMU migration stream (QEVM), "
                                           "version %u", m->version);
    g_autofree char *eof = m->has_eof
        ? g_strdup_printf("at 0x%" G_GINT64_MODIFIER "x", m->eof_offset)
        : g_strdup("not reached");
    g_autofree char *secs = g_strdup_printf(
        "%u (%" G_GUINT64_FORMAT " delimited by a scan only%s)",
        m->sections->len, m->inferred_count, m->footers == 0
        ? "; no section footers: machine type <= 2.3" : "");

    out_str(o, "input", "file", in->label);
    out_str(o, "compression", NULL, in->compression);
    out_str(o, NULL, "format", fmt);
    out_hex(o, "magic", NULL, m->magic);
    out_int(o, "version", NULL, m->version);
    render_config(o, &m->config);
    out_int(o, "section-count", NULL, m->sections->len);
    out_str(o, NULL, "sections", secs);
    out_str(o, NULL, "EOF", eof);
    if (m->has_eof) {
        out_hex(o, "eof-offset", NULL, m->eof_offset);
    } else {
        out_null(o, "eof-offset", NULL, NULL);
    }
    out_str(o, "footers", NULL, m->footers < 0 ? NULL
                                : m->footers ? "on" : "off");
    out_int(o, "inferred-count", NULL, (int64_t)m->inferred_count);
    out_int(o, "vmdesc-size-differs", NULL, (int64_t)m->vmdesc_differs);
    if (m->vmdesc_differs) {
        g_autofree char *t = vmdesc_differs_text(m);
        out_str(o, NULL, "vmdesc size", t);
    }
    render_vmdesc(o, m);
    out_hex(o, "end-offset", NULL, m->end_offset);
}

static void render_sections(Out *o, const StreamModel *m,
                            const DeviceSet *ds)
{
    SecCtx ctx = { m, ds };
    ColDesc cols[G_N_ELEMENTS(section_cols) + G_N_ELEMENTS(device_cols)];
    size_t n = G_N_ELEMENTS(section_cols);

    memcpy(cols, section_cols, sizeof(section_cols));
    if (ds) {
        memcpy(cols + n, device_cols, sizeof(device_cols));
        n += G_N_ELEMENTS(device_cols);
    }
    table_emit_main(o, "sections", cols, n, m->sections->data,
               sizeof(StreamSection), m->sections->len, &ctx);
}

void render_stream(Out *o, const InputInfo *in, const StreamModel *m,
                   const DeviceView *v)
{
    DeviceSet *ds = device_view_active(v) ? device_set_new(m, v, in->label)
                                          : NULL;

    out_begin(o, "stream", NULL);
    render_header(o, in, m);
    out_line(o, "\nSections");
    render_sections(o, m, ds);
    render_commands(o, m);
    render_ram(o, m);
    if (ds && !out_is_json(o)) {
        device_render_human(o, ds);
    }
    out_end(o);
    device_set_free(ds);
}
