/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A migration stream as diff facts (check/diff.h): configuration, framing,
 * RAM blocks and page totals, one group per device section (its vmsd,
 * version and body size), and, section by section, the fields its vmdesc
 * entry describes, decoded by formats/vmstate.h and written as --device
 * writes them (render/field_text.h), with the virtio state and the Arm
 * cpregs by name. The model must have kept its device bodies
 * (StreamOpts.keep_bodies); pages are never held.
 */
#ifndef CPRDUMP_CHECK_DIFF_STREAM_H
#define CPRDUMP_CHECK_DIFF_STREAM_H

#include <glib.h>

#include "check/diff.h"
#include "stream.h"

/* The stream's facts, without the device fields. */
void diff_stream_facts(const StreamModel *m, DiffFacts *f);

/* The fields of section s as facts of group 'group' (none when the section
 * has no vmdesc entry or no kept body). */
void diff_section_fields(const StreamModel *m, const StreamSection *s,
                         const char *group, DiffFacts *f);

/* Compares the fields of every device section a and b both have, one
 * section at a time, into r (each under its group; top: a's facts from
 * diff_stream_facts, for the group order). */
void diff_stream_fields(const StreamModel *a, const StreamModel *b,
                        const DiffFacts *top, const DiffOpts *o,
                        DiffResult *r);

/* A whole diff into r (initialised and finished here): fa against fb, then,
 * when ma and mb are the streams they came from, their device fields. */
void diff_run(const DiffFacts *fa, const StreamModel *ma,
              const DiffFacts *fb, const StreamModel *mb, const DiffOpts *o,
              DiffResult *r);

#endif
