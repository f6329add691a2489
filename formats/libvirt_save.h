/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libvirt's QEMU save image (virsh save, managedsave, the memory file of an
 * external snapshot): a fixed header, the domain XML and a cookie in a padded
 * data area, then the QEMU migration stream, possibly compressed. See
 * libvirt_save.md. Pure: bytes in, model out.
 */
#ifndef CPRDUMP_LIBVIRT_SAVE_H
#define CPRDUMP_LIBVIRT_SAVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fmt_error.h"

#define LIBVIRT_SAVE_MAGIC_LEN 16
#define LIBVIRT_SAVE_HEADER_LEN 92
/* cprdump's limit on the data area (libvirt writes the XML + 64 KiB). */
#define LIBVIRT_SAVE_DATA_MAX (16u << 20)

typedef enum LibvirtCompression {
    LIBVIRT_COMP_RAW = 0,
    LIBVIRT_COMP_GZIP = 1,
    LIBVIRT_COMP_BZIP2 = 2,
    LIBVIRT_COMP_XZ = 3,
    LIBVIRT_COMP_LZOP = 4,
    LIBVIRT_COMP_ZSTD = 5,
    LIBVIRT_COMP_SPARSE = 6,
    LIBVIRT_COMP_COUNT
} LibvirtCompression;

typedef struct LibvirtDomain {
    char *type;            /* <domain type=...> */
    char *name;
    char *uuid;
    char *arch;            /* <os><type arch=...> */
    char *machine;         /* <os><type machine=...> */
    uint64_t memory;       /* <memory>, in bytes; 0 when absent */
    bool has_memory;
    char *emulator;        /* <devices><emulator> */
    uint32_t devices;      /* children of <devices> other than <emulator> */
} LibvirtDomain;

typedef struct LibvirtSave {
    bool partial;          /* magic "LibvirtQemudPart": the save never finished */
    bool big_endian;       /* header fields written by a big-endian host */
    uint32_t version;      /* 1 or 2; 0 when the header was not understood */
    uint32_t data_len;     /* XML + cookie + padding */
    uint32_t was_running;
    uint32_t compression;  /* LibvirtCompression */
    uint32_t cookie_offset;/* version 2: cookie start inside the data area, 0: none */
    uint64_t payload_offset;
    /* from the data area (libvirt_save_decode_data) */
    char *xml;             /* NUL-terminated, as stored */
    uint32_t xml_len;      /* strlen(xml) */
    char *cookie;          /* NULL when there is none */
    LibvirtDomain dom;
    FmtError xml_err;      /* the XML did not parse: the summary is partial */
} LibvirtSave;

int libvirt_save_probe(const uint8_t *buf, size_t len);
/* The 92-byte header; h->payload_offset and h->data_len are then known. */
bool libvirt_save_decode_header(const uint8_t *buf, size_t len,
                                LibvirtSave *h, FmtError *err);
/* The data area (h->data_len bytes after the header): XML, cookie, summary. */
bool libvirt_save_decode_data(const uint8_t *buf, size_t len, LibvirtSave *h,
                              FmtError *err);
void libvirt_save_clear(LibvirtSave *h);

/* "raw", "gzip", ... or NULL for an unknown code. */
const char *libvirt_compression_name(uint32_t code);

#endif
