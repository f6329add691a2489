/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "extract/channels.h"

#include <string.h>

#include "cli_error.h"
#include "exitcodes.h"
#include "input/input.h"
#include "multifd_comp.h"
#include "render/report.h"

typedef struct Chan {
    Input *in;
    FmtSource src;
    Rd rd;
    FmtError err;
    MultifdPacket *pk;
    bool has;                 /* pk holds the next packet */
    const char *path;
    MultifdInflater *z;       /* multifd-compression: the channel's stream */
    uint8_t *pages;           /* its inflated pages, one packet's worth */
} Chan;

static bool fmt_fail(Chan *c, GError **errp)
{
    g_autofree char *msg = NULL;

    if (c->err.code == FMT_ERR_IO && input_error(c->in)) {
        g_propagate_error(errp, g_error_copy(input_error(c->in)));
        return false;
    }
    msg = report_message(c->path, &c->err);
    g_set_error(errp, CPRDUMP_ERROR, report_exit_code(&c->err), "%s", msg);
    return false;
}

static bool chan_open(Chan *c, const char *path, ChannelInfo *info,
                      GError **errp)
{
    MultifdInit init;

    c->path = path;
    c->in = input_open_path(path, errp);
    if (!c->in) {
        return false;
    }
    input_source(c->in, &c->src);
    rd_init_source(&c->rd, &c->src, &c->err);
    c->pk = g_new(MultifdPacket, 1);
    if (!multifd_read_init(&c->rd, &init)) {
        return fmt_fail(c, errp);
    }
    info->id = init.id;
    return true;
}

static bool chan_next(Chan *c, uint32_t ps, ChannelInfo *info, GError **errp)
{
    c->has = false;
    if (rd_at_end(&c->rd)) {
        return !fmt_error_is_set(&c->err) || fmt_fail(c, errp);
    }
    rd_context(&c->rd, "multifd packet", (int64_t)info->counts.packets);
    if (!multifd_read_packet(&c->rd, ps, c->pk)) {
        return fmt_fail(c, errp);
    }
    c->has = true;
    info->counts.packets++;
    info->counts.syncs += !!(c->pk->flags & MULTIFD_FLAG_SYNC);
    info->counts.device_packets += c->pk->device_state;
    info->counts.normal += c->pk->normal_pages;
    info->counts.zero += c->pk->zero_pages;
    return true;
}

static int find_block(const RamModel *ram, const MultifdPacket *p)
{
    for (guint i = 0; i < ram->blocks->len; i++) {
        const RamBlock *b = &g_array_index(ram->blocks, RamBlock, i);
        if (b->idlen == p->ramblock_len && !memcmp(b->idstr, p->ramblock,
                                                   b->idlen)) {
            return (int)i;
        }
    }
    return -1;
}

static bool bad_packet(Chan *c, GError **errp, const char *what)
{
    g_autofree char *safe = g_strescape(c->pk->ramblock, NULL);

    g_set_error(errp, CPRDUMP_ERROR, EXIT_MALFORMED, "%s: multifd packet at "
                "offset 0x%" G_GINT64_MODIFIER "x (RAM block \"%s\"): %s",
                c->path, c->pk->offset, safe, what);
    return false;
}

/* The normal pages' data of c->pk: in the channel, or inflated into
 * c->pages from the packet's compressed data. */
static bool packet_data(Chan *c, uint32_t ps, ChannelInfo *info,
                        const uint8_t **data, GError **errp)
{
    const MultifdPacket *p = c->pk;
    size_t len = (size_t)p->normal_pages * ps;
    const uint8_t *in;
    const char *why;

    if (!(p->flags & MULTIFD_FLAG_COMPRESSION_MASK)) {
        return rd_bytes(&c->rd, "page data", len, data) || fmt_fail(c, errp);
    }
    if (!multifd_comp_name(p->flags)) {
        g_set_error(errp, CPRDUMP_ERROR, EXIT_FORMAT, "%s: multifd packet at "
                    "offset 0x%" G_GINT64_MODIFIER "x: compression flags 0x%x "
                    "(qpl, uadk or qatzip) cannot be inflated", c->path,
                    p->offset, p->flags);
        return false;
    }
    if (!rd_bytes(&c->rd, "compressed data", p->next_packet_size, &in)) {
        return fmt_fail(c, errp);
    }
    if (!c->z) {
        c->z = multifd_inflater_new();
        c->pages = g_malloc(MULTIFD_PACKET_SIZE);
    }
    if (!multifd_inflate(c->z, p->flags, in, p->next_packet_size, c->pages,
                         len, &why)) {
        return bad_packet(c, errp, why);
    }
    *data = c->pages;
    info->compression = multifd_comp_name(p->flags);
    return true;
}

/* The pages of the packet in c->pk, in order. */
static bool apply_packet(Chan *c, const RamModel *ram, ChannelInfo *info,
                         RamPageFn fn, void *opaque, GError **errp)
{
    const MultifdPacket *p = c->pk;
    uint32_t ps = ram->page_size;
    const uint8_t *data = NULL;
    int bi;

    if (p->device_state || !(p->normal_pages + p->zero_pages)) {
        return rd_skip(&c->rd, "data", p->next_packet_size) ||
               fmt_fail(c, errp);
    }
    bi = find_block(ram, p);
    if (bi < 0) {
        return bad_packet(c, errp, "no such block in the main stream's "
                          "MEM_SIZE list");
    }
    uint64_t used = g_array_index(ram->blocks, RamBlock, bi).used_length;
    uint64_t data_at = rd_offset(&c->rd);
    if (!packet_data(c, ps, info, &data, errp)) {
        return false;
    }
    for (uint32_t i = 0; i < p->normal_pages + p->zero_pages; i++) {
        RamPage pg = { .block = (guint)bi, .offset = p->offsets[i],
                       .kind = i < p->normal_pages ? RAM_PAGE_NORMAL
                                                   : RAM_PAGE_ZERO,
                       .len = ps };
        if (pg.offset >= used || pg.offset % ps) {
            return bad_packet(c, errp, "page offset beyond the block or not "
                              "page aligned");
        }
        if (pg.kind == RAM_PAGE_NORMAL) {
            /* compressed: the packet's data, where the page has no offset */
            pg.data_offset = data_at + (data == c->pages ? 0 : (uint64_t)i * ps);
            pg.data = data + (size_t)i * ps;
        }
        if (!fn(opaque, ram, &pg)) {
            return false;
        }
    }
    return true;
}

static Chan *earliest(Chan *ch, guint n)
{
    Chan *best = NULL;

    for (guint i = 0; i < n; i++) {
        if (ch[i].has && (!best || ch[i].pk->packet_num < best->pk->packet_num)) {
            best = &ch[i];
        }
    }
    return best;
}

static void chans_free(Chan *ch, guint n)
{
    for (guint i = 0; i < n; i++) {
        rd_release(&ch[i].rd);
        input_free(ch[i].in);
        g_free(ch[i].pk);
        multifd_inflater_free(ch[i].z);
        g_free(ch[i].pages);
    }
    g_free(ch);
}

void channels_info_free(GArray *infos)
{
    for (guint i = 0; infos && i < infos->len; i++) {
        g_free(g_array_index(infos, ChannelInfo, i).path);
    }
    if (infos) {
        g_array_unref(infos);
    }
}

bool channels_replay(char **paths, const RamModel *ram, RamPageFn fn,
                     void *opaque, GArray **infos, GError **errp)
{
    guint n = g_strv_length(paths);
    Chan *ch = g_new0(Chan, n), *c;
    bool ok = true;

    *infos = g_array_sized_new(FALSE, TRUE, sizeof(ChannelInfo), n);
    g_array_set_size(*infos, n);
    for (guint i = 0; i < n; i++) {
        g_array_index(*infos, ChannelInfo, i).path = g_strdup(paths[i]);
        g_array_index(*infos, ChannelInfo, i).compression = "none";
    }
    for (guint i = 0; i < n && ok; i++) {
        ChannelInfo *info = &g_array_index(*infos, ChannelInfo, i);
        ok = chan_open(&ch[i], paths[i], info, errp) &&
             chan_next(&ch[i], ram->page_size, info, errp);
    }
    while (ok && (c = earliest(ch, n))) {
        ChannelInfo *info = &g_array_index(*infos, ChannelInfo, c - ch);
        ok = apply_packet(c, ram, info, fn, opaque, errp) &&
             chan_next(c, ram->page_size, info, errp);
    }
    chans_free(ch, n);
    return ok;
}
