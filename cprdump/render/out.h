/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One printing path for human text and JSON (after iproute2's print_*): each
 * call names both the JSON key and the human label. Human text is written as it
 * comes; JSON is built with json-c and printed once by out_finish().
 */
#ifndef CPRDUMP_OUT_H
#define CPRDUMP_OUT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* The JSON document's "format-version"; bump on any schema change. */
#define CPRDUMP_JSON_FORMAT_VERSION 3

typedef enum OutMode {
    OUT_HUMAN,
    OUT_JSON,
} OutMode;

typedef struct Out Out;

Out *out_new(OutMode mode, FILE *fp);
void out_finish(Out *o);        /* prints the JSON document, frees o */
bool out_is_json(const Out *o);
FILE *out_fp(const Out *o);

/* --columns: the human columns of the main tables (table_emit_main), by
 * header name (case-insensitive) in the given order; add: after the default
 * set (--columns=+LIST). NULL: the default set. Borrowed, not copied. */
void out_set_columns(Out *o, char **names, bool add);
char **out_columns(const Out *o, bool *add);

/* A nested JSON object; in human text a blank line and the title if any. */
void out_begin(Out *o, const char *key, const char *title);
void out_end(Out *o);

/* key NULL: human only; label NULL: JSON only. */
void out_str(Out *o, const char *key, const char *label, const char *value);
void out_int(Out *o, const char *key, const char *label, int64_t v);
/* JSON number below 2^53, else a "0x..." string; human text in hex. */
void out_hex(Out *o, const char *key, const char *label, uint64_t v);
void out_bool(Out *o, const char *key, const char *label, bool v);
void out_null(Out *o, const char *key, const char *label, const char *human);
/* Adds a built JSON value (takes ownership); nothing in human text. */
void out_json(Out *o, const char *key, json_object *v);
/* A free line of human text (nothing in JSON). */
void out_line(Out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The JSON value for a u64 that may exceed 2^53. */
json_object *json_u64(uint64_t v);

#endif
