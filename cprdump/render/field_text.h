/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One decoded device field's value as text, the way --device prints it and
 * --diff compares it: unsigned values in hex (zero-padded to their width),
 * counts, lengths and indices (by the field's name) and signed values in
 * decimal, bool as true/false, timers in ns, byte buffers as hex pairs.
 */
#ifndef CPRDUMP_RENDER_FIELD_TEXT_H
#define CPRDUMP_RENDER_FIELD_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmstate.h"

/* A name that holds a count, length or index ("num_tx", "len", "idx"). */
bool field_countish(const char *name);
/* "aa bb cc": n bytes as space-separated hex pairs. */
char *field_hex_pairs(const uint8_t *p, size_t n);
/* f's value; count: print an unsigned value in decimal. */
char *field_value_text(const VmTree *t, const VmField *f, bool count);

#endif
