/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A section's "fields" and "field-layout", written from its decoded tree
 * in json-c's format (device_write.c); device_json.c decides when and on
 * which thread. */
#ifndef CPRDUMP_RENDER_DEVICE_WRITE_H
#define CPRDUMP_RENDER_DEVICE_WRITE_H

#include <glib.h>
#include <json-c/json.h>
#include <stdio.h>

#include "vmstate.h"

/* A 64 KiB output buffer: one per thread, kept from one member to the
 * next (a fresh block per section made malloc consolidate its free lists
 * each time). */
typedef struct DevWriter DevWriter;

typedef enum DevMember {
    DEV_FIELDS,     /* "fields": values in wire order */
    DEV_LAYOUT,     /* "field-layout": offset and size of every field */
} DevMember;

DevWriter *dev_writer_new(void);
void dev_writer_free(DevWriter *w);

/* Member m of t (NULL: null / []) as json-c prints a value at 'level' in
 * the form 'flags': to fp after what pb holds, or with fp NULL into pb. */
void dev_write(DevWriter *w, DevMember m, const VmTree *t, int level,
               int flags, struct printbuf *pb, FILE *fp);
/* The same appended to mem, at most cap bytes: false past them. */
bool dev_write_mem(DevWriter *w, DevMember m, const VmTree *t, int level,
                   int flags, GString *mem, size_t cap);
/* text, written by dev_write_mem() at level 'from', as at level 'to'. */
void dev_write_text(DevWriter *w, const GString *text, int from, int to,
                    int flags, struct printbuf *pb, FILE *fp);

#endif
