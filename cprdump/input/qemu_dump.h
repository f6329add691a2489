/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Runs a destination QEMU binary read-only for its -dump-vmstate:
 *   BINARY [-M TYPE] -nodefaults -dump-vmstate TMPDIR/dump.json
 * with a clean environment, no accelerator, stdin/stdout on /dev/null,
 * stderr captured, a private temporary directory, and a timeout after which
 * its whole process group is killed. As root it runs in a private mount
 * namespace where the host's QEMU module directories are hidden behind an
 * empty one unless the binary is the host's own (/usr/bin): a foreign QEMU
 * would otherwise load the host's modules and abort ("failed to initialize
 * module").
 */
#ifndef CPRDUMP_INPUT_QEMU_DUMP_H
#define CPRDUMP_INPUT_QEMU_DUMP_H

#include <glib.h>
#include <stdbool.h>

#define QEMU_DUMP_TIMEOUT_MS 20000

typedef struct QemuDumpRun {
    GBytes *dump;           /* the dump's bytes, or NULL */
    char *error;            /* why there is none (one line), or NULL */
    bool machine_refused;   /* QEMU said "unsupported machine type" */
    int status;             /* wait status */
    bool timed_out;
    bool namespaced;        /* ran in a private mount namespace */
} QemuDumpRun;

/* True when this looks like a machine type name QEMU could take alone
 * (letters, digits, '.', '-', '_'): never an option string. */
bool qemu_machine_name_ok(const char *machine);

/* machine may be NULL (the binary's default). */
void qemu_dump_run(const char *binary, const char *machine, int timeout_ms,
                   QemuDumpRun *r);
void qemu_dump_run_clear(QemuDumpRun *r);

#endif
