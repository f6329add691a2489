/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "check/preflight_names.h"

#include <string.h>

static char *size_arg(uint64_t size)
{
    if (size && !(size % (UINT64_C(1) << 30))) {
        return g_strdup_printf("%" G_GUINT64_FORMAT "G", size >> 30);
    }
    if (size && !(size % (UINT64_C(1) << 20))) {
        return g_strdup_printf("%" G_GUINT64_FORMAT "M", size >> 20);
    }
    return g_strdup_printf("%" G_GUINT64_FORMAT, size);
}

static char *memfd_instead(const PfBlock *b, const char *id)
{
    g_autofree char *sz = size_arg(b->size);

    return g_strdup_printf("-object memory-backend-memfd,id=%s,size=%s,"
                           "share=on and -machine memory-backend=%s", id, sz,
                           id);
}

char *pf_fix_for(const PfBlock *b, const PfReport *r)
{
    const char *type = b->backend_type, *id = b->backend;
    /* QEMU's own default backend (pc.ram): not an -object of the argv */
    bool is_default = type && !strcmp(type, "memory-backend-ram") &&
                      !b->cmdline_backend;

    switch (b->map) {
    case PF_MAP_MEMFD:
        return g_strdup_printf("share=on in -object memory-backend-memfd,"
                               "id=%s (share=on is its default)",
                               id ? id : "...");
    case PF_MAP_FILE:
        return g_strdup_printf("share=on in -object memory-backend-file,"
                               "id=%s (kept by its path), or a "
                               "memory-backend-memfd with share=on",
                               id ? id : "...");
    case PF_MAP_DELETED_FILE:
        if (!b->cmdline_backend) {   /* -mem-path DIR: the default RAM */
            g_autofree char *m = memfd_instead(b, "ram0");
            return g_strdup_printf("drop -mem-path; use %s", m);
        }
        return g_strdup_printf("share=on and a mem-path that is a file, or "
                               "-object memory-backend-memfd,id=%s,share=on",
                               id ? id : "...");
    case PF_MAP_ANONYMOUS:
        if (is_default) {
            return memfd_instead(b, "ram0");
        }
        if (type && !strcmp(type, "memory-backend-ram")) {
            return g_strdup_printf("share=on in -object memory-backend-ram,"
                                   "id=%s", id);
        }
        if (!b->name) {
            return g_strdup("-machine aux-ram-share=on, if it is QEMU's own "
                            "RAM (ROM, video RAM); --qmp names it");
        }
        return g_strdup(r->aux_ram_share == 1
            ? "a shared memory backend for it (aux-ram-share=on is set)"
            : "-machine aux-ram-share=on");
    case PF_MAP_SHM:
        return g_strdup_printf("share=on in -object memory-backend-shm,id=%s",
                               id ? id : "...");
    default:
        return g_strdup("none known: no host mapping was found for it");
    }
}
