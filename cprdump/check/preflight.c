/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "check/preflight.h"

#include <stdio.h>
#include <string.h>

#include "cpr_kind.h"
#include "check/preflight_names.h"
#include "input/procmaps.h"

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
        b->fix = b->verdict == PF_LOST ? pf_fix_for(b, r) : NULL;
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
    pf_name_by_argv(r->blocks, q);
    r->aux_ram_share = q->aux_ram_share;
    if (qmp) {
        r->with_qmp = true;
        pf_name_by_qmp(r->blocks, qmp);
        for (guint i = 0; i < r->blocks->len; i++) {
            pf_backend_from_qmp(&g_array_index(r->blocks, PfBlock, i), qmp);
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
