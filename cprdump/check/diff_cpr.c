/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "check/diff_cpr.h"

static void header_facts(const CprState *st, DiffFacts *f)
{
    uint32_t g = diff_fact(f, DIFF_NO_PARENT, 0, "cpr-state", "", "QCPR");

    diff_fact(f, g, FACT_VERSION, "cpr-state", "version", "%u", st->version);
    diff_fact(f, g, 0, "cpr-state", "mode", "%s", cpr_mode_name(st->mode));
    diff_fact(f, g, 0, "cpr-state", "fd-count", "%u", st->fds->len);
}

static void fd_facts(const CprState *st, DiffFacts *f)
{
    for (guint i = 0; i < st->fds->len; i++) {
        const CprFd *fd = &g_array_index(st->fds, CprFd, i);
        g_autofree char *key = g_strdup_printf("%s#%d", fd->name, fd->id);
        g_autofree char *p_fd = g_strconcat(key, ".fd", NULL);
        g_autofree char *p_kind = g_strconcat(key, ".kind", NULL);
        uint32_t r = diff_fact(f, DIFF_NO_PARENT, 0, "fds", key, "record");
        if (r == DIFF_NO_PARENT) {
            continue;      /* a repeated (name, id): QEMU keeps the first */
        }
        if (fd->has_fd) {
            diff_fact(f, r, 0, "fds", p_fd, "%d", fd->fd);
        } else {
            diff_fact(f, r, 0, "fds", p_fd, "SCM_RIGHTS");
        }
        diff_fact(f, r, 0, "fds", p_kind, "%s", cpr_kind_name(fd->kind.kind));
    }
}

static void vfio_facts(const CprState *st, DiffFacts *f)
{
    uint32_t g;

    if (!st->has_vfio) {
        return;
    }
    g = diff_fact(f, DIFF_NO_PARENT, 0, "vfio", "", "%s",
                  CPR_VFIO_SUBSECTION);
    diff_fact(f, g, FACT_VERSION, "vfio", "version", "%u", st->vfio_version);
    diff_fact(f, g, 0, "vfio", "body", "%s",
              st->vfio_body == CPR_VFIO_BODY_EMPTY ? "empty" : "list");
    for (guint i = 0; i < st->vfio_devices->len; i++) {
        const CprVfioDevice *d = &g_array_index(st->vfio_devices,
                                                CprVfioDevice, i);
        g_autofree char *p = g_strdup(d->name);
        g_autofree char *p_devid = g_strconcat(p, ".devid", NULL);
        g_autofree char *p_ioas = g_strconcat(p, ".ioas-id", NULL);
        g_autofree char *p_hwpt = g_strconcat(p, ".hwpt-id", NULL);
        uint32_t r = diff_fact(f, g, 0, "vfio", p, "device");
        if (r == DIFF_NO_PARENT) {
            continue;
        }
        diff_fact(f, r, 0, "vfio", p_devid, "%d", d->devid);
        diff_fact(f, r, 0, "vfio", p_ioas, "%u", d->ioas_id);
        diff_fact(f, r, 0, "vfio", p_hwpt, "%u", d->hwpt_id);
    }
}

void diff_cpr_facts(const CprState *st, DiffFacts *f)
{
    header_facts(st, f);
    fd_facts(st, f);
    vfio_facts(st, f);
}
