/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The checks of --against, one row each, with the line QEMU prints when the
 * load fails for that reason (QEMU 11.1 wording; 7.2 words some differently,
 * noted). Sources: migration/savevm.c (configuration_post_load,
 * qemu_loadvm_section_start_full), migration/vmstate.c (vmstate_load_state,
 * vmstate_subsection_load), migration/ram.c (parse_ramblock), and the loads of
 * tests/qemu/pairs.py.
 */
#include "check/against.h"

static const AgRule rules[AGR_COUNT] = {
    [AGR_MACHINE] = { "machine-type",
        "the stream's machine type against the destination's (QEMU "
        "compares the received name's length of bytes)",
        "Machine type received is 'SRC' and local is 'DST'" },
    [AGR_MACHINE_UNKNOWN] = { "machine-type-unknown",
        "the destination binary refuses the stream's machine type",
        "unsupported machine type" },
    [AGR_SECTION_UNKNOWN] = { "section-unknown",
        "every section known to the destination by idstr and instance id "
        "(reference stream), or its vmsd known to the build (dump)",
        "Unknown savevm section or instance 'IDSTR' N. Make sure that your "
        "current VM setup matches your saved VM setup, including any "
        "hotplugged devices (11.1: \"Unknown section or instance\")" },
    [AGR_SECTION_NOT_DESCRIBED] = { "section-not-described",
        "a section no destination describes (a dump lists device vmsds "
        "only: not cpu, apic, timer, ram, ...)", NULL },
    [AGR_VERSION_NEW] = { "version-too-new",
        "the section's version is at most the destination's version_id",
        "savevm: unsupported version V for 'IDSTR' vLOCAL" },
    [AGR_VERSION_OLD] = { "version-too-old",
        "the section's version is at least the destination's "
        "minimum_version_id",
        "VMSD: incoming version_id V is too old for local minimum "
        "version_id MIN" },
    [AGR_SUBSECTION_UNKNOWN] = { "subsection-unknown",
        "every subsection in the stream is known to the destination's vmsd",
        "VM subsection 'NAME' in 'VMSD' does not exist (7.2: error while "
        "loading state for instance 0xN of device 'IDSTR')" },
    [AGR_SUBSECTION_NEW] = { "subsection-too-new",
        "a subsection's version is at most the destination's",
        "SUB: incoming version_id V is too new for local version_id LOCAL" },
    [AGR_SUBSECTION_OLD] = { "subsection-too-old",
        "a subsection's version is at least the destination's minimum",
        "SUB: incoming version_id V is too old for local minimum version_id "
        "MIN" },
    [AGR_FIELD_EXTRA] = { "field-extra",
        "a field the stream wrote that the destination does not read at "
        "this version: the rest of the section shifts",
        "Missing section footer for IDSTR" },
    [AGR_FIELD_MISSING] = { "field-missing",
        "a field the destination reads at this version that the stream "
        "does not carry", "Missing section footer for IDSTR" },
    [AGR_FIELD_SIZE] = { "field-size",
        "an integer field's size per element (vmdesc) against the "
        "destination's C size", "Missing section footer for IDSTR" },
    [AGR_FIELD_COUNT] = { "field-count",
        "an array's element count against the destination's static count "
        "(dumps of QEMU 8.1 and later)", "Missing section footer for IDSTR" },
    [AGR_FIELD_UNCOMPARABLE] = { "field-uncomparable",
        "a field whose layout the dump does not tell (nested description "
        "missing, renamed with a size that cannot be compared)", NULL },
    [AGR_FIELDS_NO_VMDESC] = { "fields-not-compared",
        "the stream has no vmdesc (postcopy, suppress-vmdesc): sections and "
        "versions only", NULL },
    [AGR_RAMBLOCK_UNKNOWN] = { "ramblock-unknown",
        "every RAM block of the stream exists in the destination "
        "(reference stream)",
        "Unknown ramblock \"BLOCK\", cannot accept migration" },
    [AGR_RAMBLOCK_SIZE] = { "ramblock-size",
        "every RAM block has the destination's used length",
        "Size mismatch: BLOCK: 0xSRC != 0xDST (7.2: Length mismatch: "
        "BLOCK: 0xSRC in != 0xDST)" },
    [AGR_RAMBLOCK_RESIZEABLE] = { "ramblock-resizeable",
        "a firmware blob (\"/rom@...\") of another length: QEMU resizes it "
        "up to a max_length no stream carries", NULL },
};

const AgRule *ag_rule(AgRuleId id)
{
    return id < AGR_COUNT ? &rules[id] : NULL;
}

const char *ag_verdict_name(AgVerdict v)
{
    switch (v) {
    case AG_LOADS:
        return "loads";
    case AG_FAILS:
        return "will-fail";
    case AG_CANNOT_TELL:
        return "cannot-tell";
    default:
        return "unchecked";
    }
}
