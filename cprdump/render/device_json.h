/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --device in JSON: "fields" and "field-layout" written from the decoded
 * tree at print time (device_json.c). */
#ifndef CPRDUMP_RENDER_DEVICE_JSON_H
#define CPRDUMP_RENDER_DEVICE_JSON_H

#include <json-c/json.h>
#include <stdio.h>

#include "vmstate.h"

/* What a section's "fields" and "field-layout" need at print time: its
 * description and a copy of its body, and its tree when kept. A tree not
 * kept is decoded again when the first of them is printed; either way it
 * is dropped after the last (doc/performance.md). */
typedef struct DevHeld DevHeld;

/* Copies t's body and takes a reference to its description. */
DevHeld *dev_held_new(const VmTree *t);
void dev_held_unref(DevHeld *h);
/* Takes t, already decoded, for the printing (then not decoded again). */
void dev_held_keep(DevHeld *h, VmTree *t);
/* The tree kept, or NULL. */
const VmTree *dev_held_kept(const DevHeld *h);

/* Placeholders printed as the section's "fields" / "field-layout" (each
 * holds a reference to h). Each prints once: a document printed again
 * shows them as null and []. */
json_object *dev_json_fields(DevHeld *h);
json_object *dev_json_layout(DevHeld *h);

/* out_finish(): while the document is printed to fp, these members go to
 * fp directly (after what json-c has printed before them); NULL after. In
 * between, with a second processor and 64 or more sections, a helper
 * thread writes every other section's members ahead; NULL joins it. */
void dev_json_sink(FILE *fp);
/* Members the helper wrote that the last such print used (tests). */
guint dev_json_ahead_used(void);

#endif
