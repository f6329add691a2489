/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "check/preflight_names.h"

#include <string.h>

#define BACKEND_MEMFD_NAME "memory-backend-memfd"
#define DEFAULT_RAM_SIZE (UINT64_C(128) << 20)   /* QEMU's -m default */
#define MEM_PATH_PREFIX "qemu_back_mem."

/* ---- names from the command line -------------------------------------------- */

static void set_backend(PfBlock *b, const QBackend *q, const char *from)
{
    g_free(b->name);
    b->name = qemu_backend_idstr(q);
    b->name_from = from;
    g_free(b->backend);
    b->backend = g_strdup(q->id);
    g_free(b->backend_type);
    b->backend_type = g_strdup(q->type);
    b->cmdline_backend = true;
    b->in_stream = q->used;
}

static gint cmp_block_fd(gconstpointer a, gconstpointer b)
{
    int x = (*(PfBlock *const *)a)->fd, y = (*(PfBlock *const *)b)->fd;

    return (x > y) - (x < y);
}

/* memory-backend-memfd and -shm memfds: -object order = ascending fd. */
static void name_in_fd_order(GArray *blocks, const QemuArgv *q, bool *taken,
                             PfMapKind map, const char *type)
{
    g_autoptr(GPtrArray) v = g_ptr_array_new();
    guint k = 0;

    for (guint i = 0; i < blocks->len; i++) {
        PfBlock *b = &g_array_index(blocks, PfBlock, i);

        if (!b->name && b->map == map && b->fd >= 0 &&
            (map != PF_MAP_MEMFD || !strcmp(b->path, BACKEND_MEMFD_NAME))) {
            g_ptr_array_add(v, b);
        }
    }
    g_ptr_array_sort(v, cmp_block_fd);
    for (guint i = 0; i < q->backends->len && k < v->len; i++) {
        const QBackend *qb = &g_array_index(q->backends, QBackend, i);
        PfBlock *b = g_ptr_array_index(v, k);

        if (taken[i] || strcmp(qb->type, type)) {
            continue;
        }
        if (qb->has_size && qb->size != b->size) {
            break;   /* the order no longer holds: leave the rest unnamed */
        }
        set_backend(b, qb, "command-line");
        taken[i] = true;
        k++;
    }
}

static int backend_index(const QemuArgv *q, const char *id)
{
    for (guint i = 0; id && i < q->backends->len; i++) {
        if (!strcmp(g_array_index(q->backends, QBackend, i).id, id)) {
            return (int)i;
        }
    }
    return -1;
}

static void name_memfd_own(GArray *blocks, const QemuArgv *q, bool *taken)
{
    for (guint i = 0; i < blocks->len; i++) {
        PfBlock *b = &g_array_index(blocks, PfBlock, i);
        int k;

        if (b->map != PF_MAP_MEMFD || !strcmp(b->path, BACKEND_MEMFD_NAME)) {
            continue;
        }
        k = backend_index(q, b->path);
        if (k >= 0 && !taken[k]) {
            set_backend(b, &g_array_index(q->backends, QBackend, k),
                        "memfd-name");
            taken[k] = true;
        } else {
            b->name = g_strdup(b->path);
            b->name_from = "memfd-name";
        }
    }
}

/* "DIR/qemu_back_mem.pc.ram.XXXXXX" -> "pc.ram" */
static char *mem_path_idstr(const char *path)
{
    g_autofree char *base = g_path_get_basename(path);
    const char *dot;

    if (!g_str_has_prefix(base, MEM_PATH_PREFIX) ||
        !(dot = strrchr(base, '.')) || dot < base + strlen(MEM_PATH_PREFIX)) {
        return NULL;
    }
    return g_strndup(base + strlen(MEM_PATH_PREFIX),
                     (gsize)(dot - base) - strlen(MEM_PATH_PREFIX));
}

static void name_files(GArray *blocks, const QemuArgv *q, bool *taken)
{
    for (guint i = 0; i < blocks->len; i++) {
        PfBlock *b = &g_array_index(blocks, PfBlock, i);
        g_autofree char *dir = NULL;

        if (b->name || (b->map != PF_MAP_FILE &&
                        b->map != PF_MAP_DELETED_FILE)) {
            continue;
        }
        dir = g_path_get_dirname(b->path);
        for (guint k = 0; k < q->backends->len; k++) {
            const QBackend *qb = &g_array_index(q->backends, QBackend, k);

            if (!taken[k] && qb->mem_path &&
                (!strcmp(qb->mem_path, b->path) ||
                 !strcmp(qb->mem_path, dir))) {
                set_backend(b, qb, "command-line");
                taken[k] = true;
                break;
            }
        }
        if (!b->name && q->mem_path && !strcmp(q->mem_path, dir)) {
            b->name = mem_path_idstr(b->path);
            b->name_from = b->name ? "mem-path" : NULL;
        }
    }
}

/* The idstr of the RAM QEMU makes when no backend is given: the machine
 * class's default_ram_id (hw/i386/pc.c, microvm.c, hw/arm/virt.c,
 * hw/riscv/virt.c, hw/s390x/s390-virtio-ccw.c, hw/ppc/spapr.c). Real QEMU
 * 11.1.3: pc.ram (pc, q35) and mach-virt.ram (aarch64 virt, tests/qemu). */
static const char *default_ram_name(const QemuArgv *q)
{
    static const struct {
        const char *target_prefix, *machine_prefix, *idstr;
    } ids[] = {
        { "x86_64", "microvm", "microvm.ram" },
        { "x86_64", "", "pc.ram" },           /* pc, q35, isapc; the default */
        { "i386", "microvm", "microvm.ram" },
        { "i386", "", "pc.ram" },
        { "aarch64", "virt", "mach-virt.ram" },
        { "arm", "virt", "mach-virt.ram" },
        { "riscv", "virt", "riscv_virt_board.ram" },
        { "s390x", "s390-ccw-virtio", "s390.ram" },
        { "ppc64", "pseries", "ppc_spapr.ram" },
    };
    const char *t = q->target ? q->target : "x86_64";
    const char *m = q->machine ? q->machine : "";

    for (size_t i = 0; i < G_N_ELEMENTS(ids); i++) {
        if (g_str_has_prefix(t, ids[i].target_prefix) &&
            g_str_has_prefix(m, ids[i].machine_prefix)) {
            return ids[i].idstr;
        }
    }
    return NULL;
}

static void name_anonymous(GArray *blocks, const QemuArgv *q, bool *taken)
{
    bool default_taken = !qemu_argv_default_ram(q) || q->mem_path;
    uint64_t ram = q->has_ram_size ? q->ram_size : DEFAULT_RAM_SIZE;

    for (guint i = 0; i < blocks->len; i++) {
        PfBlock *b = &g_array_index(blocks, PfBlock, i);

        if (b->name || b->map != PF_MAP_ANONYMOUS) {
            continue;
        }
        for (guint k = 0; k < q->backends->len; k++) {
            const QBackend *qb = &g_array_index(q->backends, QBackend, k);

            if (!taken[k] && !strcmp(qb->type, "memory-backend-ram") &&
                !qb->share && qb->has_size && qb->size == b->size) {
                set_backend(b, qb, "command-line");
                taken[k] = true;
                break;
            }
        }
        if (!b->name && !default_taken && b->size == ram &&
            default_ram_name(q)) {
            b->name = g_strdup(default_ram_name(q));
            b->name_from = "default-ram";
            b->backend = g_strdup(b->name);
            b->backend_type = g_strdup("memory-backend-ram");
            default_taken = true;
        }
    }
}

void pf_name_by_argv(GArray *blocks, const QemuArgv *q)
{
    g_autofree bool *taken = g_new0(bool, q->backends->len + 1);

    name_memfd_own(blocks, q, taken);
    name_in_fd_order(blocks, q, taken, PF_MAP_MEMFD, "memory-backend-memfd");
    name_in_fd_order(blocks, q, taken, PF_MAP_SHM, "memory-backend-shm");
    name_files(blocks, q, taken);
    name_anonymous(blocks, q, taken);
}

/* ---- names from QMP ----------------------------------------------------------- */

static PfBlock *block_at(GArray *blocks, uint64_t hva)
{
    for (guint i = 0; i < blocks->len; i++) {
        PfBlock *b = &g_array_index(blocks, PfBlock, i);

        if (b->hva <= hva && hva - b->hva < b->size) {
            return b;
        }
    }
    return NULL;
}

static bool memdev_named(const QmpFacts *f, const char *id)
{
    for (guint i = 0; i < f->blocks->len; i++) {
        const char *n = g_array_index(f->blocks, QmpBlock, i).name;

        if (!strcmp(n, id) ||
            (g_str_has_prefix(n, "/objects/") && !strcmp(n + 9, id))) {
            return true;
        }
    }
    return false;
}

/* An unused backend's block (empty idstr): the backend that no named block
 * uses, of its size, in fd order (preflight-facts §4.1.3). */
static void name_unused(GArray *blocks, const QmpFacts *f)
{
    g_autofree bool *taken = g_new0(bool, f->memdevs->len + 1);
    g_autoptr(GPtrArray) v = g_ptr_array_new();

    for (guint i = 0; i < blocks->len; i++) {
        PfBlock *b = &g_array_index(blocks, PfBlock, i);

        if (!b->in_stream) {
            g_ptr_array_add(v, b);
        }
    }
    g_ptr_array_sort(v, cmp_block_fd);
    for (guint i = 0; i < v->len; i++) {
        PfBlock *b = g_ptr_array_index(v, i);

        if (b->name && qmp_facts_memdev(f, b->name) &&
            !memdev_named(f, b->name)) {
            continue;   /* the command line named it already */
        }
        g_clear_pointer(&b->name, g_free);
        b->name_from = NULL;
        for (guint k = 0; k < f->memdevs->len; k++) {
            const QmpMemdev *m = &g_array_index(f->memdevs, QmpMemdev, k);

            if (!taken[k] && !memdev_named(f, m->id) && m->size == b->size &&
                !preflight_block(&(PfReport){ .blocks = blocks }, m->id)) {
                b->name = g_strdup(m->id);
                b->name_from = "qmp";
                taken[k] = true;
                break;
            }
        }
    }
}

static void add_unmapped(GArray *blocks, const QmpBlock *qb)
{
    PfBlock b = { .map = PF_MAP_NONE, .fd = -1, .in_stream = *qb->name != 0 };

    b.name = *qb->name ? g_strdup(qb->name) : NULL;
    b.name_from = b.name ? "qmp" : NULL;
    b.hva = qb->hva;
    b.size = qb->total;
    b.has_used = true;
    b.used = qb->used;
    b.ro = qb->ro;
    b.ro_from = "qmp";
    g_array_append_val(blocks, b);
}

void pf_name_by_qmp(GArray *blocks, const QmpFacts *f)
{
    for (guint i = 0; i < f->blocks->len; i++) {
        const QmpBlock *qb = &g_array_index(f->blocks, QmpBlock, i);
        PfBlock *b = block_at(blocks, qb->hva);

        if (!b) {
            add_unmapped(blocks, qb);
            continue;
        }
        b->has_used = true;
        b->used = qb->used;
        b->ro = qb->ro;
        b->ro_from = "qmp";
        b->in_stream = *qb->name != 0;
        if (*qb->name) {
            g_free(b->name);
            b->name = g_strdup(qb->name);
            b->name_from = "qmp";
        }
    }
    name_unused(blocks, f);
}

/* Backend facts of a named block, from QMP's memdevs. */
void pf_backend_from_qmp(PfBlock *b, const QmpFacts *f)
{
    const QmpMemdev *m = b->name ? qmp_facts_memdev(f, b->name) : NULL;

    if (m) {
        g_free(b->backend);
        b->backend = g_strdup(m->id);
        if (m->type) {
            g_free(b->backend_type);
            b->backend_type = g_strdup(m->type);
        }
    }
}
