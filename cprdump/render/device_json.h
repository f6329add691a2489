/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --device in JSON: "fields" and "field-layout" written from the decoded
 * tree at print time (device_json.c). */
#ifndef CPRDUMP_RENDER_DEVICE_JSON_H
#define CPRDUMP_RENDER_DEVICE_JSON_H

#include <json-c/json.h>
#include <stdio.h>

#include "vmstate.h"

/* A decoded tree kept alive for printing, with its own copy of the body. */
typedef struct DevHeld DevHeld;

/* Takes t (its body is copied and t re-pointed at the copy). */
DevHeld *dev_held_new(VmTree *t);
void dev_held_unref(DevHeld *h);

/* Placeholders printed as the section's "fields" / "field-layout" (each
 * holds a reference to h). */
json_object *dev_json_fields(DevHeld *h);
json_object *dev_json_layout(DevHeld *h);

/* out_finish(): while the document is printed to fp, these members go to
 * fp directly (after what json-c has printed before them); NULL after. */
void dev_json_sink(FILE *fp);

#endif
