/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The JSON that `qemu-system-ARCH -M TYPE -dump-vmstate FILE` writes: the
 * machine type and, per device type with a vmsd, that vmsd with its version,
 * minimum version, fields (version, field_exists, C size, array count, nested
 * vmsd) and subsections. What a destination build accepts. Layout:
 * formats/vmstate_dump.md. Pure: bytes in, model out.
 */
#ifndef CPRDUMP_VMSTATE_DUMP_H
#define CPRDUMP_VMSTATE_DUMP_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fmt_error.h"

/* Largest dump cprdump parses (real ones are about 1 MB). */
#define VDUMP_MAX_BYTES (64u << 20)
/* Deepest vmsd nesting (real dumps: 6); JSON depth is about 3 per level. */
#define VDUMP_DEPTH_MAX 32u
/* Most vmsds and fields in one dump (real ones: about 6,000 in all). */
#define VDUMP_NODES_MAX 2000000u
/* Most distinct vmsds kept under one name (real dumps: 2); more are
 * dropped, so that comparing a hostile dump's many look-alikes stays cheap. */
#define VDUMP_SAME_NAME_MAX 8u

typedef struct VdVmsd VdVmsd;

typedef struct VdField {
    char *name;             /* "field" as QEMU names it */
    char *key;              /* the name the vmdesc gives it: name, or
                               name[k] when the vmsd has it more than once */
    int64_t version_id;     /* sent from this vmsd version on */
    bool field_exists;      /* sent only when a test says so */
    int64_t size;           /* C size of one element */
    int64_t num;            /* static array count, -1 when not written
                               (QEMU before 8.1 never writes it) */
    VdVmsd *vmsd;           /* nested description (struct), or NULL */
} VdField;

struct VdVmsd {
    char *name;
    int64_t version_id;
    int64_t minimum_version_id;
    GPtrArray *fields;      /* VdField *, in order */
    GPtrArray *subsections; /* VdVmsd *, in order */
};

typedef struct VdDevice {
    char *type;             /* QOM type name (the top-level key) */
    VdVmsd *vmsd;
} VdDevice;

typedef struct VmstateDump {
    char *machine;          /* "vmschkmachine" Name, or NULL */
    GPtrArray *devices;     /* VdDevice *, file order */
    GHashTable *by_name;    /* vmsd name -> GPtrArray of VdDevice *: the
                               first device type of each distinct vmsd with
                               that name (several types can share one vmsd;
                               different vmsds can share a name: 7.2's
                               isa-vga and VGA are both "vga") */
    uint64_t nodes;         /* vmsds and fields */
} VmstateDump;

/* 64: a JSON object whose first key is "vmschkmachine"; 0: not a dump. */
int vmstate_dump_probe(const uint8_t *buf, size_t len);

/*
 * Parses a whole dump. Returns NULL with *err set (offset: where the JSON is
 * bad, or 0 with the JSON path in err->field for a structural error).
 */
VmstateDump *vmstate_dump_parse(const uint8_t *buf, size_t len,
                                FmtError *err);
void vmstate_dump_free(VmstateDump *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmstateDump, vmstate_dump_free)

/* The first top-level vmsd with this name, or NULL. */
const VdVmsd *vmstate_dump_find(const VmstateDump *d, const char *vmsd_name);
/* Every distinct top-level vmsd with this name (VdDevice *), or NULL. */
const GPtrArray *vmstate_dump_find_all(const VmstateDump *d,
                                       const char *vmsd_name);
/* Same name, versions, fields and subsections, all the way down. */
bool vdvmsd_equal(const VdVmsd *a, const VdVmsd *b);
/* The subsection of v named name (full "parent/child" name), or NULL. */
const VdVmsd *vdvmsd_subsection(const VdVmsd *v, const char *name);

#endif
