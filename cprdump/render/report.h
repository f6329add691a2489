/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Turns decode errors into the one stderr line and the JSON "error" object:
 *   cprdump: FILE: truncated fd record 3 at offset 0x4c: name (need 27 bytes, 12 left)
 * Records are counted from 0, as in the POS column; offsets are absolute, in
 * decompressed bytes, and point at the start of the failing field.
 */
#ifndef CPRDUMP_REPORT_H
#define CPRDUMP_REPORT_H

#include <glib.h>

#include "fmt_error.h"
#include "render/out.h"

char *report_message(const char *label, const FmtError *err);
json_object *report_json(const char *label, const FmtError *err);
int report_exit_code(const FmtError *err);

/* Prints the stderr line; in JSON mode also adds the "error" object. */
void report_fmt_error(Out *o, const char *label, const FmtError *err);
void report_gerror(Out *o, const GError *error);

#endif
