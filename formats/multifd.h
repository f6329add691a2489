/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A recorded multifd channel (QEMU migration/multifd.c, multifd.h,
 * multifd-nocomp.c): the init packet, then packets, each a header, an array
 * of page offsets and the normal pages' data. Layout: formats/multifd.md.
 * Pure: bytes in (through the reader), headers out; page data is left to the
 * caller, who reads normal_pages pages after each header.
 */
#ifndef CPRDUMP_MULTIFD_H
#define CPRDUMP_MULTIFD_H

#include <stdbool.h>
#include <stdint.h>

#include "reader.h"

#define MULTIFD_MAGIC 0x11223344u
#define MULTIFD_VERSION 1u
#define MULTIFD_INIT_SIZE 64u
#define MULTIFD_RAM_HEADER_SIZE 320u     /* before the offset array */
#define MULTIFD_DEVICE_HEADER_SIZE 276u
#define MULTIFD_PACKET_SIZE (512u << 10) /* page_count = this / page size */
#define MULTIFD_FLAG_SYNC 0x1u
#define MULTIFD_FLAG_COMPRESSION_MASK (0x1fu << 1)
#define MULTIFD_FLAG_DEVICE_STATE (32u << 1)
#define MULTIFD_MAX_PAGES (MULTIFD_PACKET_SIZE / 1024u)
/* QEMU's receive buffer for compressed data: twice a packet's pages */
#define MULTIFD_COMP_MAX_IN (2u * MULTIFD_PACKET_SIZE)

typedef struct MultifdInit {
    uint32_t magic;
    uint32_t version;
    uint8_t uuid[16];
    uint8_t id;               /* channel number */
} MultifdInit;

typedef struct MultifdPacket {
    uint64_t offset;          /* of the packet in the channel */
    uint32_t flags;
    bool device_state;        /* MULTIFD_FLAG_DEVICE_STATE: no pages */
    uint32_t pages_alloc;
    uint32_t normal_pages;
    uint32_t zero_pages;
    uint32_t next_packet_size; /* bytes of data after the header */
    uint64_t packet_num;      /* global across channels: the send order */
    char ramblock[257];       /* NUL-padded on the wire, NUL added here */
    uint8_t ramblock_len;
    uint32_t instance_id;     /* device state */
    /* normal pages first, then zero pages; block offsets */
    uint64_t offsets[MULTIFD_MAX_PAGES];
    uint64_t data_offset;     /* of the data that follows */
} MultifdPacket;

typedef struct MultifdCounts {
    uint64_t packets;
    uint64_t syncs;
    uint64_t device_packets;
    uint64_t normal;
    uint64_t zero;
} MultifdCounts;

/* Pages per packet for a target page size (power of two, 1 KiB .. 512 KiB). */
uint32_t multifd_page_count(uint32_t page_size);
/* The 64-byte init packet that opens every channel. */
bool multifd_read_init(Rd *rd, MultifdInit *init);
/* One packet header with its offset array, not the data after it. */
bool multifd_read_packet(Rd *rd, uint32_t page_size, MultifdPacket *p);
/* Walks a whole channel (init, every packet, data skipped), counting. */
bool multifd_walk(Rd *rd, uint32_t page_size, MultifdInit *init,
                  MultifdCounts *c);

#endif
