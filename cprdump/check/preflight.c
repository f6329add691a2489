/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "check/preflight.h"

#include <stdio.h>
#include <string.h>

#include "cpr_kind.h"
#include "input/procmaps.h"

#define BACKEND_MEMFD_NAME "memory-backend-memfd"
#define DEFAULT_RAM_SIZE (UINT64_C(128) << 20)   /* QEMU's -m default */
#define MEM_PATH_PREFIX "qemu_back_mem."

static void clear_block(gpointer p)
{
    PfBlock *b = p;

    g_free(b->name);
    g_free(b->path);
    g_free(b->backend);
    g_free(b->backend_type);
    g_free(b->reason);
    g_free(b->fix);
    g_free(b->digest);
}

void preflight_free(PfReport *r)
{
    if (r) {
        g_array_unref(r->blocks);
        g_free(r);
    }
}

PfReport *preflight_report_new(void)
{
    PfReport *r = g_new0(PfReport, 1);

    r->blocks = g_array_new(FALSE, TRUE, sizeof(PfBlock));
    g_array_set_clear_func(r->blocks, clear_block);
    r->aux_ram_share = -1;
    return r;
}

const PfBlock *preflight_block(const PfReport *r, const char *idstr)
{
    for (guint i = 0; i < r->blocks->len; i++) {
        const PfBlock *b = &g_array_index(r->blocks, PfBlock, i);

        if (b->name && !strcmp(b->name, idstr)) {
            return b;
        }
    }
    return NULL;
}

/* ---- mappings --------------------------------------------------------------- */

static bool is_shm_name(const char *path)
{
    int pid, n, len = 0;

    return sscanf(path, "/dev/shm/qemu-%d-shm-%d%n", &pid, &n, &len) == 2 &&
           path[len] == 0;
}

static void classify(PfBlock *b, const ProcMap *m, const ProcSnap *snap)
{
    const SnapFd *fd = NULL;

    b->shared = procmap_shared(m);
    b->fd = -1;
    b->inode = m->inode;
    if (!m->path || (m->inode == 0 && m->path[0] == '[')) {
        b->map = PF_MAP_ANONYMOUS;
        return;
    }
    if (g_str_has_prefix(m->path, "/memfd:")) {
        b->map = PF_MAP_MEMFD;
        b->path = g_strdup(m->path + strlen("/memfd:"));
    } else {
        b->map = m->deleted ? (is_shm_name(m->path) ? PF_MAP_SHM
                                                    : PF_MAP_DELETED_FILE)
                            : PF_MAP_FILE;
        b->path = g_strdup(m->path);
    }
    fd = procsnap_fd_for(snap, m->dev_major, m->dev_minor, m->inode);
    b->fd = fd ? fd->fd : -1;
}

/* The next piece of the same file, right after the previous one. */
static bool continues(const PfBlock *prev, const ProcMap *prev_map,
                      const ProcMap *m)
{
    return prev && prev_map->end == m->start && prev_map->inode == m->inode &&
           prev_map->dev_major == m->dev_major &&
           prev_map->dev_minor == m->dev_minor &&
           procmap_shared(prev_map) == procmap_shared(m) &&
           (m->inode == 0 ||
            prev_map->offset + (prev_map->end - prev_map->start) == m->offset);
}

static GArray *collect(const ProcSnap *snap)
{
    GArray *blocks = g_array_new(FALSE, TRUE, sizeof(PfBlock));
    const ProcMap *prev_map = NULL;

    g_array_set_clear_func(blocks, clear_block);
    for (guint i = 0; i < snap->maps->len; i++) {
        const ProcMap *m = &g_array_index(snap->maps, ProcMap, i);
        PfBlock *last = blocks->len
            ? &g_array_index(blocks, PfBlock, blocks->len - 1) : NULL;
        PfBlock b = { .ro = -1, .in_stream = true };

        if (!procmap_dontfork(m)) {
            prev_map = NULL;
            continue;
        }
        if (prev_map && continues(last, prev_map, m)) {
            last->size += m->end - m->start;
        } else {
            b.hva = m->start;
            b.size = m->end - m->start;
            classify(&b, m, snap);
            g_array_append_val(blocks, b);
        }
        prev_map = m;
    }
    return blocks;
}

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

static const char *default_ram_name(const QemuArgv *q)
{
    const char *m = q->machine;

    if (!m || g_str_has_prefix(m, "pc") || g_str_has_prefix(m, "q35") ||
        g_str_has_prefix(m, "isapc") || g_str_has_prefix(m, "microvm")) {
        return "pc.ram";
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

static void name_by_argv(GArray *blocks, const QemuArgv *q)
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

static void name_by_qmp(GArray *blocks, const QmpFacts *f)
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
static void backend_from_qmp(PfBlock *b, const QmpFacts *f)
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

/* ---- verdicts ----------------------------------------------------------------- */

static void ro_from_name(PfBlock *b)
{
    CprKind k;

    if (b->ro >= 0 || !b->name) {
        return;
    }
    if (b->backend) {
        b->ro = 0;
        b->ro_from = "name";
        return;
    }
    k = cpr_kind_classify(b->name, false).kind;
    if (k != CPR_KIND_UNKNOWN) {
        b->ro = k == CPR_KIND_ROM;
        b->ro_from = "name";
    }
}

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

static char *fix_for(const PfBlock *b, const PfReport *r)
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

static char *reason_for(const PfBlock *b)
{
    GString *s = g_string_new(b->rule->why);

    if (b->fd >= 0) {
        g_string_append_printf(s, " (fd %d)", b->fd);
    }
    if (b->verdict == PF_PRESERVED_BY_PATH) {
        g_string_append_printf(s, ": %s must be the mem-path in the new "
                               "QEMU's command line too", b->path);
    }
    if (b->verdict == PF_REBUILT) {
        g_string_append(s, "; read-only (a ROM): the new QEMU rebuilds it "
                        "from its own firmware and ACPI tables");
    } else if (b->verdict == PF_LOST && b->ro < 0) {
        g_string_append(s, "; its name is not known without --qmp: a ROM "
                        "would be rebuilt, anything else is guest data lost");
    } else if (b->verdict == PF_LOST) {
        g_string_append(s, "; guest data lost");
    }
    if (!b->in_stream) {
        g_string_append(s, "; an unused backend (no idstr): in no stream, "
                        "not guest-visible");
    }
    return g_string_free(s, FALSE);
}

static int aux_from_maps(const GArray *blocks)
{
    for (guint i = 0; i < blocks->len; i++) {
        const PfBlock *b = &g_array_index(blocks, PfBlock, i);

        if (b->map == PF_MAP_MEMFD && !strcmp(b->path, "pc.bios")) {
            return 1;
        }
    }
    return -1;
}

static void judge(PfReport *r)
{
    for (guint i = 0; i < r->blocks->len; i++) {
        PfBlock *b = &g_array_index(r->blocks, PfBlock, i);

        ro_from_name(b);
        b->rule = pf_rule_find(b->map, b->shared, b->fd >= 0);
        b->verdict = pf_verdict_for(b->rule, b->ro);
        b->reason = reason_for(b);
        b->fix = b->verdict == PF_LOST ? fix_for(b, r) : NULL;
        r->counts[b->verdict]++;
        r->unnamed += !b->name;
        r->state_only += !b->in_stream && b->verdict == PF_PRESERVED_BY_FD;
    }
}

PfReport *preflight_build(const ProcSnap *snap, const QmpFacts *qmp)
{
    PfReport *r = g_new0(PfReport, 1);
    g_autoptr(QemuArgv) q = qemu_argv_parse(snap->argv);

    r->is_qemu = q->is_qemu;
    r->blocks = collect(snap);
    name_by_argv(r->blocks, q);
    r->aux_ram_share = q->aux_ram_share;
    if (qmp) {
        r->with_qmp = true;
        name_by_qmp(r->blocks, qmp);
        for (guint i = 0; i < r->blocks->len; i++) {
            backend_from_qmp(&g_array_index(r->blocks, PfBlock, i), qmp);
        }
        if (qmp->aux_ram_share >= 0) {
            r->aux_ram_share = qmp->aux_ram_share;
        }
    }
    if (r->aux_ram_share < 0) {
        r->aux_ram_share = aux_from_maps(r->blocks);
    }
    judge(r);
    return r;
}
