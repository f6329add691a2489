/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --against: will this stream load into that destination? Each check is a row
 * of the rule table (against_rules.c) with the line QEMU prints when it fails;
 * each finding names the rule, the destination, the section / RAM block /
 * field, a verdict and why.
 */
#ifndef CPRDUMP_CHECK_AGAINST_H
#define CPRDUMP_CHECK_AGAINST_H

#include <glib.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "stream.h"
#include "vmstate_dump.h"

/* Ordered: the worse verdict is the larger. */
typedef enum AgVerdict {
    AG_UNCHECKED,           /* no destination describes it */
    AG_LOADS,
    AG_CANNOT_TELL,
    AG_FAILS,
} AgVerdict;

typedef enum AgRuleId {
    AGR_MACHINE,
    AGR_MACHINE_UNKNOWN,
    AGR_SECTION_UNKNOWN,
    AGR_SECTION_NOT_DESCRIBED,
    AGR_VERSION_NEW,
    AGR_VERSION_OLD,
    AGR_SUBSECTION_UNKNOWN,
    AGR_SUBSECTION_NEW,
    AGR_SUBSECTION_OLD,
    AGR_FIELD_EXTRA,
    AGR_FIELD_MISSING,
    AGR_FIELD_SIZE,
    AGR_FIELD_COUNT,
    AGR_FIELD_UNCOMPARABLE,
    AGR_FIELDS_NO_VMDESC,
    AGR_RAMBLOCK_UNKNOWN,
    AGR_RAMBLOCK_SIZE,
    AGR_RAMBLOCK_RESIZEABLE,
    AGR_COUNT
} AgRuleId;

typedef struct AgRule {
    const char *id;         /* JSON and human name of the check */
    const char *help;       /* what it checks */
    const char *qemu_line;  /* what QEMU prints when it fails (a description
                               with the names filled in by the finding) */
} AgRule;

const AgRule *ag_rule(AgRuleId id);
const char *ag_verdict_name(AgVerdict v);

typedef enum AgDestKind {
    AGD_DUMP,               /* a -dump-vmstate file */
    AGD_STREAM,             /* a reference stream of the destination */
    AGD_BINARY,             /* the destination QEMU, run for its dump */
} AgDestKind;

typedef struct AgDest {
    char *label;            /* as given */
    AgDestKind kind;
    VmstateDump *dump;      /* AGD_DUMP, AGD_BINARY (NULL: it failed) */
    StreamModel *stream;    /* AGD_STREAM */
    char *machine;          /* the destination's machine type, or NULL */
    char *run_error;        /* AGD_BINARY: why it gave no dump, or NULL */
    bool machine_refused;   /* AGD_BINARY: it rejected the machine type */
} AgDest;

typedef struct AgFinding {
    AgRuleId rule;
    AgVerdict verdict;
    guint dest;             /* index into the destinations */
    char *subject;          /* section idstr, RAM block, "configuration" */
    int64_t instance_id;    /* sections, else -1 */
    char *field;            /* field path inside the section, or NULL */
    char *reason;
    char *qemu_line;        /* what QEMU would print; NULL unless it fails */
} AgFinding;

typedef struct AgSection {
    const StreamSection *s;
    const char *vmsd_name;  /* from the vmdesc, or the idstr's last part */
    AgVerdict verdict;
    guint first_bad;        /* finding that decided it, or G_MAXUINT */
    guint findings;         /* how many findings name it */
} AgSection;

typedef struct AgBlock {
    const RamBlock *b;
    AgVerdict verdict;
    int64_t dest_length;    /* the reference stream's, -1 when absent */
    guint first_bad;
} AgBlock;

typedef struct Against {
    const StreamModel *m;
    GPtrArray *dests;       /* AgDest * (borrowed) */
    GArray *findings;       /* AgFinding */
    GArray *sections;       /* AgSection, FULL/START sections in order */
    GArray *blocks;         /* AgBlock, the stream's RAM blocks */
    AgVerdict machine_verdict;
    AgVerdict verdict;
    guint decisive;         /* the finding behind the verdict, or G_MAXUINT */
    bool fields_compared;   /* some dump's fields met the stream's vmdesc */
    bool has_vmdesc;
    uint64_t unchecked;     /* sections no destination describes */
} Against;

Against *against_run(const StreamModel *m, GPtrArray *dests);
void against_free(Against *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Against, against_free)

/* Used by the field comparison (against_fields.c). */
void ag_add(Against *a, AgRuleId rule, AgVerdict v, guint dest,
            const char *subject, int64_t instance, const char *field,
            char *qemu_line, const char *fmt, ...)
    __attribute__((format(printf, 9, 10)));

/* Compares one section's vmdesc entry with the destination's vmsd. */
void ag_compare_fields(Against *a, guint dest, const StreamSection *s,
                       json_object *desc, const VdVmsd *v);

void ag_dest_free(AgDest *d);

#endif
