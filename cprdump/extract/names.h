/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * File names for RAM block images: the idstr percent-encoded, so that any
 * idstr (slashes, "..", a leading dot, control bytes, non-UTF-8) becomes one
 * plain ASCII file name in the output directory, and the idstr can be read
 * back from it. Kept as is: letters, digits and "_-+,=:@" and a '.' that is
 * not the first byte; every other byte is %XX. ".img" is appended. An encoded
 * name over NAME_MAX is cut and ends in "~" + 16 hex digits of the idstr's
 * SHA-256 (the manifest then gives the idstr).
 */
#ifndef CPRDUMP_EXTRACT_NAMES_H
#define CPRDUMP_EXTRACT_NAMES_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#define EXTRACT_SUFFIX ".img"

char *extract_file_name(const char *idstr, size_t len, bool *shortened);
/* The idstr back from a name that was not shortened; NULL if malformed. */
GBytes *extract_name_decode(const char *name);

#endif
