/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Names come from untrusted bytes. In human text every control byte, DEL and
 * byte of invalid UTF-8 becomes \xNN (and '\' becomes \\), and every C1 control,
 * format, separator or unassigned code point \uNNNN (\UNNNNNNNN), so a name
 * can never move the cursor, reorder the line (bidi overrides) or start a
 * terminal escape. Outside a UTF-8 locale every non-ASCII byte becomes \xNN.
 * In JSON, invalid UTF-8 becomes U+FFFD and json-c escapes control characters.
 */
#ifndef CPRDUMP_ESCAPE_H
#define CPRDUMP_ESCAPE_H

#include <json-c/json.h>
#include <stdbool.h>

char *text_escape(const char *s);
json_object *json_text(const char *s);
bool text_is_clean(const char *s);

#endif
