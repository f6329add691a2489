/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading a capture: its header and provenance, then the payload's decoder. */
#ifndef CPRDUMP_CAPTURE_READ_H
#define CPRDUMP_CAPTURE_READ_H

#include <json-c/json.h>

#include "fmt_error.h"
#include "input/input.h"
#include "render/out.h"

/* Reads header and provenance; on success the input is limited to the
 * payload and the provenance object is returned (owned). */
json_object *capture_read_header(Input *in, FmtError *err);
/* The "capture" object / the human block that says where bytes came from. */
void render_capture(Out *o, json_object *prov);

#endif
