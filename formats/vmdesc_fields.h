/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fields of one device section as its vmdesc entry lists them, walked in
 * wire order with each element's offset in the body (formats/vmdesc_fields.md):
 * names, types, sizes, array lengths, nested structs and subsections, and,
 * when the body bytes are given, the bytes of each element. No value is
 * interpreted: that is the field decoder's job. Pure: JSON and bytes in.
 */
#ifndef CPRDUMP_VMDESC_FIELDS_H
#define CPRDUMP_VMDESC_FIELDS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Deepest nesting of structs and subsections walked. */
#define VMDESC_FIELDS_DEPTH_MAX 32u

typedef enum VdfKind {
    VDF_LEAF,          /* one element: bytes, if inside the body */
    VDF_ARRAY,         /* count elements follow as children */
    VDF_STRUCT,        /* a nested vmsd: its fields and subsections follow */
    VDF_SUBSECTION,    /* 0x05 + name + version, then its fields */
} VdfKind;

typedef struct VdfItem {
    VdfKind kind;
    const char *path;       /* "mac_reg[3]", "e1000/mit_state.mit_ide" */
    const char *type;       /* vmdesc type name; struct: "struct" */
    const char *vmsd;       /* struct and subsection: the vmsd name */
    int64_t version;        /* struct and subsection, -1 when absent */
    uint64_t size;          /* one element's bytes (subsection: header) */
    uint64_t count;         /* array: elements */
    uint64_t offset;        /* in the body */
    const uint8_t *bytes;   /* leaf: size bytes at offset, or NULL when no
                               body was given or it ends before them */
} VdfItem;

/* Called for every item, parents before children; returns a handle that the
 * walk passes as 'parent' to the item's children. */
typedef uint32_t (*VdfFn)(void *opaque, uint32_t parent, const VdfItem *it);

/*
 * Walks dev (a vmdesc "devices" entry) over body (len bytes; NULL: layout
 * only). Returns the body bytes the description covers. Elements beyond the
 * body are not visited, so the visits are bounded by len (and, without a body,
 * by the description's size).
 */
uint64_t vmdesc_fields_walk(json_object *dev, const uint8_t *body, size_t len,
                            uint32_t root, VdfFn fn, void *opaque);

#endif
