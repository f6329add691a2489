/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * multifd channel packets (QEMU migration/multifd.c multifd_recv_initial_packet,
 * multifd_recv_unfill_packet; multifd-nocomp.c multifd_ram_unfill_packet).
 * Every field is big-endian. The RAM packet's offset array always has
 * page_count entries on the wire, whatever pages_alloc says.
 */
#include "multifd.h"

#include <string.h>

#include <glib.h>

static bool invalid(Rd *rd, uint64_t at, const char *field, const char *msg)
{
    fmt_error_set(rd->err, FMT_ERR_INVALID, at, rd->record, rd->index, field,
                  "%s", msg);
    return false;
}

uint32_t multifd_page_count(uint32_t page_size)
{
    return page_size >= 1024 && page_size <= MULTIFD_PACKET_SIZE &&
           !(page_size & (page_size - 1)) ? MULTIFD_PACKET_SIZE / page_size
                                          : 0;
}

static bool check_magic(Rd *rd, uint64_t at, uint32_t magic, uint32_t version)
{
    if (magic != MULTIFD_MAGIC) {
        fmt_error_set(rd->err, FMT_ERR_MAGIC, at, rd->record, rd->index,
                      "magic", "magic 0x%08x is not the multifd magic "
                      "0x%08x", magic, MULTIFD_MAGIC);
        return false;
    }
    if (version != MULTIFD_VERSION) {
        fmt_error_set(rd->err, FMT_ERR_VERSION, at + 4, rd->record, rd->index,
                      "version", "unsupported multifd version %u (only 1 is "
                      "known)", version);
        return false;
    }
    return true;
}

bool multifd_read_init(Rd *rd, MultifdInit *init)
{
    uint64_t at = rd_offset(rd);
    const uint8_t *p;

    rd_context(rd, "multifd init packet", -1);
    memset(init, 0, sizeof(*init));
    if (!rd_be32(rd, "magic", &init->magic) ||
        !rd_be32(rd, "version", &init->version)) {
        return false;
    }
    if (!check_magic(rd, at, init->magic, init->version) ||
        !rd_bytes(rd, "uuid", 16, &p)) {
        return false;
    }
    memcpy(init->uuid, p, 16);
    return rd_u8(rd, "id", &init->id) &&
           rd_skip(rd, "unused", MULTIFD_INIT_SIZE - 25);
}

static bool read_name(Rd *rd, const char *field, char *out, uint8_t *len)
{
    const uint8_t *p;

    if (!rd_bytes(rd, field, 256, &p)) {
        return false;
    }
    size_t n = strnlen((const char *)p, 256);
    memcpy(out, p, n);
    out[n] = '\0';
    *len = (uint8_t)MIN(n, 255u);
    if (n == 256) {
        return invalid(rd, rd_offset(rd) - 256, field,
                       "name fills all 256 bytes (QEMU idstrs are shorter)");
    }
    return true;
}

static bool read_device(Rd *rd, MultifdPacket *p)
{
    p->device_state = true;
    return read_name(rd, "idstr", p->ramblock, &p->ramblock_len) &&
           rd_be32(rd, "instance_id", &p->instance_id) &&
           rd_be32(rd, "next_packet_size", &p->next_packet_size);
}

static bool read_offsets(Rd *rd, uint32_t count, MultifdPacket *p)
{
    uint32_t used = p->normal_pages + p->zero_pages;
    const uint8_t *b;

    if (!rd_bytes(rd, "offset", (size_t)count * 8, &b)) {
        return false;
    }
    for (uint32_t i = 0; i < used; i++) {
        p->offsets[i] = rd_load_be64(b + (size_t)i * 8);
    }
    return true;
}

static bool read_ram(Rd *rd, uint32_t page_size, MultifdPacket *p)
{
    uint32_t count = multifd_page_count(page_size), skip32;
    uint64_t at = rd_offset(rd);

    if (!rd_be32(rd, "pages_alloc", &p->pages_alloc) ||
        !rd_be32(rd, "normal_pages", &p->normal_pages) ||
        !rd_be32(rd, "next_packet_size", &p->next_packet_size) ||
        !rd_be64(rd, "packet_num", &p->packet_num) ||
        !rd_be32(rd, "zero_pages", &p->zero_pages) ||
        !rd_be32(rd, "unused32", &skip32) ||
        !rd_skip(rd, "unused64", 24) ||
        !read_name(rd, "ramblock", p->ramblock, &p->ramblock_len)) {
        return false;
    }
    if (p->pages_alloc > count) {
        return invalid(rd, at, "pages_alloc", "more pages than a multifd "
                       "packet holds (512 KiB / page size)");
    }
    if ((uint64_t)p->normal_pages + p->zero_pages > p->pages_alloc) {
        return invalid(rd, at + 4, "normal_pages", "normal + zero pages "
                       "exceed pages_alloc");
    }
    if (!(p->flags & MULTIFD_FLAG_COMPRESSION_MASK) &&
        p->next_packet_size != (uint64_t)p->normal_pages * page_size) {
        return invalid(rd, at + 8, "next_packet_size", "uncompressed packet "
                       "whose data size is not normal_pages pages");
    }
    if (p->next_packet_size > MULTIFD_COMP_MAX_IN) {
        return invalid(rd, at + 8, "next_packet_size", "compressed data "
                       "larger than QEMU's receive buffer (1 MiB)");
    }
    if (p->normal_pages + p->zero_pages && !p->ramblock_len) {
        return invalid(rd, at + 52, "ramblock", "pages without a RAM block "
                       "name");
    }
    return read_offsets(rd, count, p);
}

bool multifd_read_packet(Rd *rd, uint32_t page_size, MultifdPacket *p)
{
    uint32_t magic, version;

    memset(p, 0, offsetof(MultifdPacket, offsets));
    p->offset = rd_offset(rd);
    if (!multifd_page_count(page_size)) {
        return invalid(rd, p->offset, "page size", "target page size is not "
                       "a power of two between 1 KiB and 512 KiB");
    }
    if (!rd_be32(rd, "magic", &magic) || !rd_be32(rd, "version", &version) ||
        !check_magic(rd, p->offset, magic, version) ||
        !rd_be32(rd, "flags", &p->flags)) {
        return false;
    }
    if (!((p->flags & MULTIFD_FLAG_DEVICE_STATE) ? read_device(rd, p)
                                                 : read_ram(rd, page_size, p))) {
        return false;
    }
    p->data_offset = rd_offset(rd);
    return true;
}

bool multifd_walk(Rd *rd, uint32_t page_size, MultifdInit *init,
                  MultifdCounts *c)
{
    g_autofree MultifdPacket *p = g_new(MultifdPacket, 1); /* 4 KiB */

    memset(c, 0, sizeof(*c));
    if (!multifd_read_init(rd, init)) {
        return false;
    }
    while (!rd_at_end(rd)) {
        rd_context(rd, "multifd packet", (int64_t)c->packets);
        if (!multifd_read_packet(rd, page_size, p) ||
            !rd_skip(rd, "page data", p->next_packet_size)) {
            return false;
        }
        c->packets++;
        c->syncs += !!(p->flags & MULTIFD_FLAG_SYNC);
        c->device_packets += p->device_state;
        c->normal += p->normal_pages;
        c->zero += p->zero_pages;
    }
    return true;
}
