/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Device state field by field: one section body decoded as its vmdesc entry
 * describes it (QEMU migration/vmstate.c, vmstate-types.c). Layout and rules:
 * formats/vmstate.md. Pure: bytes and a json-c description in, a tree out.
 * Bad bodies never fail: each place where the body and its description part
 * is a VmMismatch (offset, field path, message), and the rest of the body is
 * kept as an undescribed byte range.
 */
#ifndef CPRDUMP_VMSTATE_H
#define CPRDUMP_VMSTATE_H

#include <glib.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fmt_error.h"

#define VM_NONE UINT32_MAX
/* Deepest nesting of structs, arrays and subsections decoded. */
#define VMSTATE_DEPTH_MAX 64u

typedef enum VmKind {
    VM_SECTION,      /* the root: the whole body; children are its fields */
    VM_INT,          /* signed integer of 'width' bytes (value: the bits) */
    VM_UINT,         /* unsigned integer of 'width' bytes */
    VM_BOOL,
    VM_FLOAT,        /* float64 / CPU_Double_U: value holds the IEEE bits */
    VM_TIMER,        /* BE s64 expiry in ns; -1: not armed */
    VM_BYTES,        /* buffer, unused_buffer, pci config, ... */
    VM_STRUCT,       /* struct, tmp, vstruct; children: fields, subsections */
    VM_ARRAY,        /* children: the elements, in wire order */
    VM_SUBSECTION,   /* 0x05 + name + version header; children: its fields */
    VM_POINTER,      /* nullptr / ptr-marker byte: value 0x30 null, 0x31 set */
    VM_STRING,       /* capability: u8 length + text */
    VM_RAW,          /* bytes with no usable description (see flags) */
} VmKind;

enum {
    VMF_UNKNOWN_TYPE = 1u << 0,  /* type name cprdump does not know: bytes */
    VMF_MISMATCH = 1u << 1,      /* the body disagrees here (a VmMismatch) */
    VMF_UNDESCRIBED = 1u << 2,   /* bytes no description covers */
    VMF_OPAQUE = 1u << 3,        /* known type whose inside is not described
                                    (virtio, qtailq, qlist, gtree, ...) */
    VMF_ODD_SIZE = 1u << 4,      /* an integer type with an unusual size */
};

typedef struct VmField {
    const char *name;       /* as in the vmdesc (with QEMU's [n] suffix);
                               array elements repeat their array's name */
    const char *type;       /* vmdesc type name ("uint32", "struct", ...) */
    uint8_t kind;           /* VmKind */
    uint8_t width;          /* integer / float: bytes of the value; packed
                               array: bytes of each element */
    uint16_t flags;         /* VMF_* */
    uint8_t packed;         /* VM_ARRAY of plain numbers: the VmKind of its
                               'count' elements, which are not nodes (read
                               them with VmIter or vmstate_elem); else 0 */
    uint32_t parent;        /* indices into VmTree.fields, or VM_NONE */
    uint32_t first;         /* first child */
    uint32_t last;          /* last child */
    uint32_t next;          /* next sibling */
    uint32_t count;         /* number of children */
    uint32_t version;       /* subsection: its version */
    uint64_t offset;        /* absolute offset in the stream */
    uint64_t size;          /* bytes on the wire (subsection: with header) */
    uint64_t value;         /* the bits of an int/uint/bool/float/timer/
                               pointer value, big-endian decoded */
} VmField;

typedef struct VmMismatch {
    uint64_t offset;        /* absolute */
    char *path;             /* field path (vmstate_path) */
    char *msg;              /* lowercase, no location */
    FmtErrCode code;        /* FMT_ERR_INVALID, _TRUNCATED, _TRAILING, _LIMIT */
} VmMismatch;

typedef struct VmTree {
    GArray *fields;         /* VmField; [0] is the root (VM_SECTION) */
    VmField *scratch;       /* vmstate_lookup()'s packed element */
    GArray *mismatches;     /* VmMismatch, in body order */
    const uint8_t *body;    /* borrowed: valid while the caller keeps it */
    uint64_t body_offset;   /* absolute offset of body[0] */
    size_t body_size;
    json_object *desc;      /* the description (a reference is held) */
    uint64_t described;     /* bytes covered by described fields and headers */
} VmTree;

/*
 * Decodes body (len bytes, body[0] at absolute offset 'at') as desc (one
 * vmdesc "devices" entry, or any object with "fields" / "subsections")
 * describes it. Always returns a tree; mismatches are in tree->mismatches.
 * Time and memory are bounded by the body size and the description size.
 */
VmTree *vmstate_decode(json_object *desc, const uint8_t *body, size_t len,
                       uint64_t at);
void vmstate_free(VmTree *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmTree, vmstate_free)

static inline const VmField *vmstate_field(const VmTree *t, uint32_t i)
{
    return i == VM_NONE ? NULL : &g_array_index(t->fields, VmField, i);
}

static inline const VmField *vmstate_root(const VmTree *t)
{
    return vmstate_field(t, 0);
}

static inline const VmField *vmstate_first(const VmTree *t, const VmField *f)
{
    return vmstate_field(t, f->first);
}

static inline const VmField *vmstate_next(const VmTree *t, const VmField *f)
{
    return vmstate_field(t, f->next);
}

static inline const VmField *vmstate_parent(const VmTree *t, const VmField *f)
{
    return vmstate_field(t, f->parent);
}

/* The bytes of f (f->size of them) inside the body. */
static inline const uint8_t *vmstate_bytes(const VmTree *t, const VmField *f)
{
    return t->body + (f->offset - t->body_offset);
}

/* n (<= 8) bytes at p as a big-endian number. */
static inline uint64_t vmstate_load_be(const uint8_t *p, size_t n)
{
    uint64_t v = 0;

    for (size_t k = 0; k < n; k++) {
        v = (v << 8) | p[k];
    }
    return v;
}

/* The bits of element i (< arr->count) of a packed array (the
 * VmField.value vmstate_elem would give it). */
static inline uint64_t vmstate_elem_bits(const VmTree *t, const VmField *arr,
                                         uint32_t i)
{
    return vmstate_load_be(vmstate_bytes(t, arr) + (size_t)i * arr->width,
                           arr->width);
}

/* Element i (< arr->count) of a packed array, written to *buf. */
const VmField *vmstate_elem(const VmTree *t, const VmField *arr, uint32_t i,
                            VmField *buf);

/*
 * The children of any field, packed array elements included:
 *   VmIter it = vmstate_iter(t, f);
 *   for (const VmField *k; (k = vmstate_iter_next(&it));) ...
 * A packed element lives in the iterator until the next call.
 */
typedef struct VmIter {
    const VmTree *t;
    const VmField *parent;
    const VmField *cur;
    uint32_t i;
    VmField buf;
} VmIter;

static inline VmIter vmstate_iter(const VmTree *t, const VmField *parent)
{
    return (VmIter) { .t = t, .parent = parent };
}

const VmField *vmstate_iter_next(VmIter *it);

/* bits of a width-byte signed number, sign-extended. */
static inline int64_t vmstate_sext(uint64_t bits, unsigned width)
{
    unsigned n = width * 8u;

    if (n == 0 || n >= 64) {
        return (int64_t)bits;
    }
    uint64_t sign = 1ull << (n - 1);
    return (int64_t)((bits ^ sign) - sign);
}

/* The value of a VM_INT as a signed number (sign-extended from its width). */
static inline int64_t vmstate_int(const VmField *f)
{
    return vmstate_sext(f->value, f->width);
}
/* VM_FLOAT as a double. */
double vmstate_float(const VmField *f);
/* Index of an element in its array (f's parent is a VM_ARRAY), else -1. */
int64_t vmstate_index(const VmTree *t, const VmField *f);
/* The first field of struct/subsection/section p named name, or NULL. */
const VmField *vmstate_child(const VmTree *t, const VmField *p,
                             const char *name);

/*
 * Field paths (vmstate.md "Paths"): from the section down, a field is its
 * vmdesc name, an array element is "[i]" after its array, a subsection is its
 * full vmsd name, and steps are joined by '.' (none before "[i]"):
 * "mac_reg[0][3]", "env.regs[4]", "state.drives[1].fdrive/media_rate.media_rate",
 * "e1000/mit_state.mit_ide". Tools print "IDSTR: PATH" for the whole stream.
 */
char *vmstate_path(const VmTree *t, const VmField *f);
/* The field at path (longest name match at each step), or NULL. An element
 * of a packed array is returned in t->scratch, valid until the next call. */
const VmField *vmstate_lookup(const VmTree *t, const char *path);

#endif
