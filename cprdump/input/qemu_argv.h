/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The memory options of a QEMU command line (as /proc/PID/cmdline gives it):
 * -object memory-backend-* (key=value or JSON), -machine memory-backend= and
 * aux-ram-share=, -m, -mem-path, and which backends -numa/-device memdev=
 * use. Pure: argv in, model out. Backends added with object-add, -readconfig
 * or in other ways are not seen: the maps verdict never depends on this model,
 * only the names and the remedies do (preflight-facts §4.3).
 */
#ifndef CPRDUMP_QEMU_ARGV_H
#define CPRDUMP_QEMU_ARGV_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct QBackend {
    char *id;
    char *type;               /* "memory-backend-memfd", ... */
    bool has_size;
    uint64_t size;
    bool share;               /* as given, else the type's default */
    bool share_given;
    char *mem_path;           /* memory-backend-file */
    bool canonical;           /* x-use-canonical-path-for-ramblock-id=on */
    bool used;                /* named by memory-backend= or memdev= */
} QBackend;

typedef struct QemuArgv {
    bool is_qemu;             /* a qemu-system-* argument was seen */
    char *target;             /* its TARGET (x86_64, aarch64, ...) */
    GArray *backends;         /* QBackend, command-line order */
    char *machine;            /* machine type, or NULL */
    char *memory_backend;     /* -machine memory-backend=, or NULL */
    int aux_ram_share;        /* 1 on, 0 off, -1 not given */
    bool has_ram_size;
    uint64_t ram_size;        /* -m, bytes */
    char *mem_path;           /* -mem-path DIR */
    bool numa_memdev;         /* some -numa node has memdev= */
} QemuArgv;

QemuArgv *qemu_argv_parse(char *const *argv);
void qemu_argv_free(QemuArgv *q);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QemuArgv, qemu_argv_free)

/* The backend with this id, or NULL. */
const QBackend *qemu_argv_backend(const QemuArgv *q, const char *id);
/* The RAMBlock idstr of a backend: its id, or /objects/<id> (canonical). */
char *qemu_backend_idstr(const QBackend *b);
/* True when QEMU creates the default backend "pc.ram" (no memory-backend=,
 * no -numa memdev). */
bool qemu_argv_default_ram(const QemuArgv *q);
/* "128M" style sizes (QEMU's suffixes; no suffix = 'unit'). */
bool qemu_parse_size(const char *s, uint64_t unit, uint64_t *out);

#endif
