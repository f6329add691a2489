/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Typed look-ups in untrusted JSON (vmdesc, capture provenance). */
#ifndef CPRDUMP_JSON_GET_H
#define CPRDUMP_JSON_GET_H

#include <json-c/json.h>
#include <stdint.h>

/* v as a string, or NULL when it is not one (NULL included). */
const char *json_str_of(json_object *v);
/* v as an integer, or dflt when it is not one (NULL included). */
int64_t json_int_of(json_object *v, int64_t dflt);
/* The string at key, or NULL when absent or not a string. */
const char *json_get_str(json_object *o, const char *key);
/* The integer at key, or dflt when absent or not an integer. */
int64_t json_get_int(json_object *o, const char *key, int64_t dflt);

#endif
