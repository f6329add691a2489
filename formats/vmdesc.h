/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The vmdesc JSON trailer of a migration stream (QEMU_VM_VMDESCRIPTION): which
 * vmsd each device section holds and how many bytes each field wrote.
 * Parsed with json-c's incremental tokenizer, fed in chunks from the reader.
 */
#ifndef CPRDUMP_VMDESC_H
#define CPRDUMP_VMDESC_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "reader.h"

/* Largest trailer cprdump parses (real ones are tens of KiB). */
#define VMDESC_MAX (64u << 20)

typedef struct VmdescDevice {
    char *name;             /* section idstr */
    uint32_t instance_id;
    char *vmsd_name;        /* NULL for old-style (non-vmsd) devices */
    int64_t version;        /* -1 when absent */
    uint64_t size;          /* body bytes: fields and subsection headers */
    bool used;              /* matched to a section */
    struct json_object *desc; /* the entry itself (borrowed from doc) */
} VmdescDevice;

typedef struct Vmdesc {
    int64_t page_size;      /* "page_size", -1 when absent */
    GArray *devices;        /* VmdescDevice, JSON order */
    struct json_object *doc; /* the whole document (owned), or NULL */
    GHashTable *index;      /* vmdesc_find(): "instance:idstr" -> VmdescRun */
} Vmdesc;

void vmdesc_init(Vmdesc *vd);
void vmdesc_clear(Vmdesc *vd);

/* Reads len bytes of JSON at the cursor. */
bool vmdesc_read(Rd *rd, uint32_t len, Vmdesc *vd);

/* Bytes of the end of a stream cprdump reads to find the vmdesc ahead. */
#define VMDESC_TAIL_MAX (1u << 20)

/*
 * The vmdesc in the last n bytes of a stream (buf ends where the stream
 * ends; the stream is total bytes long): 0x00 (EOF), 0x06, BE u32 length,
 * then exactly that many bytes of JSON up to the end. Fills *vd and *offset
 * (of the 0x06 byte) and returns true when such a vmdesc parses.
 */
bool vmdesc_find_tail(const uint8_t *buf, size_t n, uint64_t total,
                      Vmdesc *vd, uint64_t *offset);

/* The first unused device with this idstr and instance id, or NULL. */
VmdescDevice *vmdesc_find(Vmdesc *vd, const char *name, uint32_t instance_id);

#endif
