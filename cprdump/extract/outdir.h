/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The output directory of --extract-ram: opened once, every file created
 * inside it with openat() relative to that fd, O_NOFOLLOW and O_EXCL, so that
 * neither a name nor a symlink planted in the directory can lead outside it.
 * An existing entry is refused (exit 2, as --save); with force it is
 * unlinked (the link itself, never its target) and created afresh.
 */
#ifndef CPRDUMP_EXTRACT_OUTDIR_H
#define CPRDUMP_EXTRACT_OUTDIR_H

#include <glib.h>
#include <stdbool.h>

typedef struct OutDir {
    char *path;
    int dfd;
    bool force;
} OutDir;

/* Creates the directory if missing (mode 0755), opens it. */
bool outdir_open(OutDir *d, const char *path, bool force, GError **errp);
void outdir_close(OutDir *d);
/* A new file named name (one path component) inside d; returns its fd. */
int outdir_create(OutDir *d, const char *name, GError **errp);

#endif
