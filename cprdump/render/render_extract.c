/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "render/render_extract.h"

#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "extract/channels.h"
#include "render/escape.h"
#include "render/hexdump.h"
#include "render/columns.h"
#include "render/table.h"

typedef struct Row {
    const RamBlock *rb;
    const ExtractBlock *xb;
    int64_t disk;             /* bytes allocated on disk, -1 unknown */
} Row;

static const Row *row(const void *r)
{
    return r;
}

static void c_idstr(const void *r, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, row(r)->rb->idstr);
}

static void c_used(const void *r, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_int(c, (int64_t)row(r)->rb->used_length);
}

static void c_file(const void *r, const void *ctx, Cell *c)
{
    (void)ctx;
    if (row(r)->xb->file) {
        cell_str(c, row(r)->xb->file);
    } else {
        cell_null(c, NULL);
    }
}

static void c_status(const void *r, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, row(r)->xb->failed ? "failed"
                : row(r)->xb->file ? "written" : "skipped");
}

static void c_data(const void *r, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_int(c, (int64_t)row(r)->xb->stats.data_pages);
}

static void c_zero(const void *r, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_int(c, (int64_t)row(r)->xb->stats.zero_pages);
}

static void c_rewrites(const void *r, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_int(c, (int64_t)row(r)->xb->stats.rewrites);
}

static void c_copied(const void *r, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_int(c, (int64_t)row(r)->xb->stats.copied_bytes);
}

static void c_disk(const void *r, const void *ctx, Cell *c)
{
    (void)ctx;
    if (row(r)->disk >= 0) {
        cell_int(c, row(r)->disk);
    } else {
        cell_null(c, NULL);
    }
}

static void c_reason(const void *r, const void *ctx, Cell *c)
{
    (void)ctx;
    if (row(r)->xb->reason) {
        cell_str(c, row(r)->xb->reason);
    } else {
        cell_null(c, NULL);
    }
}

static const ColDesc block_cols[] = {
    { "IDSTR", "idstr", COL_TEXT, 0, 0, "RAM block name", c_idstr },
    { "USED", "used-length", COL_SIZE, 1, 0, "used_length: the image size",
      c_used },
    { "STATUS", "status", COL_TEXT, 0, 0, "written, skipped (no page "
      "record) or failed", c_status },
    { "FILE", "file", COL_TEXT, 0, 0, "image file in the directory", c_file },
    { "DATA", "data-pages", COL_DEC, 1, 0, "pages written with data",
      c_data },
    { "ZERO", "zero-pages", COL_DEC, 1, 0, "zero pages (holes)", c_zero },
    { "REWRITES", "rewrites", COL_DEC, 1, 0, "records that replaced an "
      "earlier copy of their page", c_rewrites },
    { "COPIED", "copied-bytes", COL_SIZE, 1, 1, "mapped-ram bytes copied "
      "file to file", c_copied },
    { "DISK", "disk-bytes", COL_SIZE, 1, 0, "bytes allocated on disk",
      c_disk },
    { "REASON", "reason", COL_TEXT, 0, 0, "why it was not written", c_reason },
};

const TableDesc table_extract_blocks = { "extracted blocks", "--extract-ram: "
    "one row per RAM block", block_cols, G_N_ELEMENTS(block_cols), 0 };

static int64_t disk_bytes(const Extractor *x, const char *file)
{
    struct stat st;

    if (!file || fstatat(x->dir.dfd, file, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        return -1;
    }
    return (int64_t)st.st_blocks * 512;
}

static void render_channels(Out *o, GArray *ch)
{
    json_object *arr = json_object_new_array();

    for (guint i = 0; i < ch->len; i++) {
        const ChannelInfo *c = &g_array_index(ch, ChannelInfo, i);
        json_object *j = json_object_new_object();
        json_object_object_add(j, "file", json_text(c->path));
        json_object_object_add(j, "id", json_object_new_int(c->id));
        json_object_object_add(j, "packets", json_u64(c->counts.packets));
        json_object_object_add(j, "syncs", json_u64(c->counts.syncs));
        json_object_object_add(j, "normal-pages", json_u64(c->counts.normal));
        json_object_object_add(j, "zero-pages", json_u64(c->counts.zero));
        json_object_object_add(j, "device-packets",
                               json_u64(c->counts.device_packets));
        json_object_object_add(j, "compression",
                               json_object_new_string(c->compression));
        json_object_array_add(arr, j);
        if (!out_is_json(o)) {
            g_autofree char *p = text_escape(c->path);
            out_line(o, "channel      %s: id %u, %" G_GINT64_MODIFIER "u "
                     "packets (%" G_GINT64_MODIFIER "u sync), %"
                     G_GINT64_MODIFIER "u normal + %" G_GINT64_MODIFIER "u "
                     "zero pages, %" G_GINT64_MODIFIER "u device-state "
                     "packets, compression %s", p, c->id, c->counts.packets,
                     c->counts.syncs, c->counts.normal, c->counts.zero,
                     c->counts.device_packets, c->compression);
        }
    }
    out_json(o, "channels", arr);
}

void render_extract(Out *o, const ExtractView *v)
{
    const GArray *blocks = v->m->ram.blocks;
    g_autofree Row *rows = g_new0(Row, blocks->len + 1);
    guint written = 0;

    for (guint i = 0; i < blocks->len; i++) {
        rows[i].rb = &g_array_index(blocks, RamBlock, i);
        rows[i].xb = &g_array_index(v->x->blocks, ExtractBlock, i);
        rows[i].disk = disk_bytes(v->x, rows[i].xb->file);
        written += rows[i].xb->file && !rows[i].xb->failed;
    }
    out_begin(o, "extract-ram", NULL);
    out_str(o, "input", "file", v->input);
    out_str(o, "directory", "directory", v->directory);
    out_int(o, "blocks-written", "written", written);
    out_int(o, "blocks-skipped", "skipped", blocks->len - written);
    out_int(o, "page-records", "records", (int64_t)v->x->records);
    out_bool(o, "complete", "complete", v->complete);
    if (v->channels) {
        render_channels(o, v->channels);
    }
    if (!out_is_json(o)) {
        out_line(o, "%s", "");
    }
    table_emit(o, "blocks", block_cols, G_N_ELEMENTS(block_cols), rows,
               sizeof(Row), blocks->len, NULL);
    out_end(o);
}

static void add_line(void *opaque, const char *line)
{
    json_object_array_add(opaque, json_object_new_string(line));
}

static void print_line(void *opaque, const char *line)
{
    out_line(opaque, "%s", line);
}

void render_dump(Out *o, const char *input, const Ranger *g,
                 const StreamModel *m)
{
    (void)m;
    out_begin(o, "dump-ram", NULL);
    out_str(o, "input", "file", input);
    out_str(o, "block", "block", g->spec.block);
    out_hex(o, "offset", "offset", g->spec.offset);
    out_int(o, "length", "length", (int64_t)g->spec.length);
    out_int(o, "block-length", "block size", (int64_t)g->used);
    out_int(o, "page-records", "records", (int64_t)g->records);
    if (out_is_json(o)) {
        json_object *arr = json_object_new_array();
        hexdump(g->buf, g->spec.length, g->spec.offset, add_line, arr);
        out_json(o, "lines", arr);
    } else {
        out_line(o, "%s", "");
        hexdump(g->buf, g->spec.length, g->spec.offset, print_line, o);
    }
    out_end(o);
}

typedef struct MatchCtx {
    const StreamModel *m;
} MatchCtx;

static void m_block(const void *r, const void *ctx, Cell *c)
{
    const MatchCtx *mc = ctx;

    cell_str(c, g_array_index(mc->m->ram.blocks, RamBlock,
                              ((const FindMatch *)r)->block).idstr);
}

static void m_offset(const void *r, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_int(c, (int64_t)((const FindMatch *)r)->offset);
}

static const ColDesc match_cols[] = {
    { "BLOCK", "block", COL_TEXT, 0, 0, "RAM block", m_block },
    { "OFFSET", "offset", COL_HEX, 1, 0, "offset in the block", m_offset },
};

const TableDesc table_find_matches = { "matches", "--find: every match",
    match_cols, G_N_ELEMENTS(match_cols), 0 };

void render_find(Out *o, const char *input, const Finder *f, GArray *matches,
                 const StreamModel *m)
{
    MatchCtx mc = { m };
    gsize n;
    const uint8_t *p = g_bytes_get_data(f->needle, &n);
    GString *hex = g_string_new("0x");

    for (gsize i = 0; i < n; i++) {
        g_string_append_printf(hex, "%02x", p[i]);
    }
    out_begin(o, "find", NULL);
    out_str(o, "input", "file", input);
    out_str(o, "pattern", "pattern", hex->str);
    out_int(o, "match-count", "matches", matches->len);
    out_bool(o, "truncated", "truncated", f->truncated);
    out_int(o, "unsearched-pages", "unsearched", (int64_t)f->unsearched);
    if (!out_is_json(o)) {
        out_line(o, "%s", "");
    }
    table_emit(o, "matches", match_cols, G_N_ELEMENTS(match_cols),
               matches->data, sizeof(FindMatch), matches->len, &mc);
    out_end(o);
    g_string_free(hex, TRUE);
}
