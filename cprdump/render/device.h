/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --device=PATTERN: the device sections of a stream field by field
 * (formats/vmstate.h), as an indented tree in human text and as "fields",
 * "field-layout", "field-mismatches", "fields-described", "no-fields-reason"
 * and "body-head" in each selected JSON section object.
 * doc/device-state.md.
 */
#ifndef CPRDUMP_RENDER_DEVICE_H
#define CPRDUMP_RENDER_DEVICE_H

#include <json-c/json.h>
#include <stdbool.h>

#include "render/out.h"
#include "stream.h"
#include "vmstate.h"

/* Decoded trees kept from decoding to printing, at most (past it, a
 * section is decoded again while it is printed): a second decode costs
 * more than the memory on a 5,000-section stream, but memory must not grow
 * with the stream. */
#define DEVICE_TREES_KEPT (64u << 20)

/* Bytes of an undescribed body shown when a section has no fields. */
#define DEVICE_RAW_SHOW 256u

typedef struct DeviceView {
    char **patterns;        /* globs on idstr or vmsd name; "all" */
    bool offsets;           /* --offsets: offset and size before each line */
    bool quiet;             /* no warning lines on stderr (tests) */
} DeviceView;

/* What a selected section with fields gives its JSON object, from one
 * decode. */
typedef struct DevFacts {
    int64_t described;          /* fields-described */
    json_object *mismatches;    /* field-mismatches */
    json_object *decoded;       /* named fields, or NULL */
    struct DevHeld *held;       /* fields and field-layout (device_json.h) */
} DevFacts;

/* The selected sections of one stream. */
typedef struct DeviceSet {
    const StreamModel *m;
    const DeviceView *view;
    const char *label;      /* input label, for warnings */
    bool *selected;         /* per section */
    DevFacts *facts;        /* per section: held NULL when it has no fields */
    size_t kept;            /* bytes of the trees kept (DEVICE_TREES_KEPT) */
    const char **why;       /* per section: why it has no fields */
} DeviceSet;

bool device_view_active(const DeviceView *v);

/* Decodes the sections v selects (two at a time with a second processor)
 * and prints one warning line on stderr per mismatch, in section order. */
DeviceSet *device_set_new(const StreamModel *m, const DeviceView *v,
                          const char *label);
void device_set_free(DeviceSet *ds);

/* JSON members of section i's object (NULL when not selected). */
json_object *device_fields_json(const DeviceSet *ds, guint i);
json_object *device_layout_json(const DeviceSet *ds, guint i);
json_object *device_mismatches_json(const DeviceSet *ds, guint i);
/* Bytes covered by fields and subsection headers, or -1 (no fields). */
int64_t device_described(const DeviceSet *ds, guint i);
/* Why section i has no fields (NULL: it has them). */
const char *device_why(const DeviceSet *ds, guint i);
/* No fields: the first DEVICE_RAW_SHOW body bytes as hex, or NULL. */
json_object *device_body_head_json(const DeviceSet *ds, guint i);

/* Names for hand-decoded fields ("virtio", "cpregs"), or NULL. */
json_object *device_decoded_json(const DeviceSet *ds, guint i);

/* Section i's tree, decoded again (free it), or NULL without fields. */
VmTree *device_tree(const DeviceSet *ds, guint i);

/* The human "Devices" block: one tree per selected section. */
void device_render_human(Out *o, const DeviceSet *ds);

#endif
