/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One decoded device section (formats/vmstate.h) as diff facts: every field
 * by the path of --device's JSON "fields" (a name seen again in the same
 * struct gets "#2", "#3", ... as there), its value as --device prints it
 * (render/field_text.h); buffers longer than 16 bytes in 16-byte pieces
 * "PATH+0xOFF"; the virtio state (status, feature bits by name) and the Arm
 * cpregs by register name. doc/diff.md.
 */
#ifndef CPRDUMP_CHECK_DIFF_FIELDS_H
#define CPRDUMP_CHECK_DIFF_FIELDS_H

#include "check/diff.h"
#include "vmstate.h"

/* Byte buffers longer than this are compared in pieces of this size. */
#define DIFF_PIECE 16u
/* The path of the fact every field hangs from: a section decoded on one
 * side only is this one line, not one per field. */
#define DIFF_FIELDS_PATH "(fields)"

void diff_tree_facts(const VmTree *t, const char *group, DiffFacts *f);

#endif
