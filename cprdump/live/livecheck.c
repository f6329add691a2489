/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "live/livecheck.h"

#include <fcntl.h>
#include <string.h>

const char *live_verdict_name(LiveVerdict v)
{
    switch (v) {
    case LIVE_OK:
        return "ok";
    case LIVE_MISSING:
        return "missing";
    default:
        return "unexpected-kind";
    }
}

/* QEMU-created RAM memfds carry the record name (cut to what the kernel
 * keeps); memory-backend-memfd ones are named after the type. */
static bool memfd_name_fits(const CprFd *rec, const char *memfd)
{
    CprKind k = rec->kind.kind;

    if (!strcmp(memfd, rec->name)) {
        return true;
    }
    if (strlen(memfd) == LIVE_MEMFD_NAME_MAX &&
        g_str_has_prefix(rec->name, memfd)) {
        return true;
    }
    /* The default RAM backend of a machine can be named like RAM ("pc.ram"). */
    return !strcmp(memfd, LIVE_BACKEND_MEMFD_NAME) &&
           (k == CPR_KIND_RAM_BACKEND || k == CPR_KIND_GUEST_RAM);
}

static void verdict(LiveFd *out, LiveVerdict v, char *reason)
{
    out->verdict = v;
    out->reason = reason;
}

static void judge_memory(const CprFd *rec, const ProcFdInfo *info,
                         LiveFd *out)
{
    const char *kind = cpr_kind_name(rec->kind.kind);

    if (out->memfd_name) {
        if (!memfd_name_fits(rec, out->memfd_name)) {
            verdict(out, LIVE_UNEXPECTED_KIND, g_strdup_printf(
                "memfd named \"%s\", but a %s record \"%s\" needs a memfd "
                "named like the record%s", out->memfd_name, kind, rec->name,
                rec->kind.kind == CPR_KIND_RAM_BACKEND ||
                rec->kind.kind == CPR_KIND_GUEST_RAM
                ? " or \"" LIVE_BACKEND_MEMFD_NAME "\"" : ""));
        } else if (!strcmp(out->memfd_name, rec->name)) {
            verdict(out, LIVE_OK, g_strdup("memfd named like the record"));
        } else if (!strcmp(out->memfd_name, LIVE_BACKEND_MEMFD_NAME)) {
            verdict(out, LIVE_OK, g_strdup("memfd of a memory-backend-memfd "
                                           "object"));
        } else {
            verdict(out, LIVE_OK, g_strdup("memfd named like the record "
                                           "(name cut by the kernel)"));
        }
        return;
    }
    if (g_str_has_prefix(info->link, "/dev/shm/") && info->has_stat &&
        S_ISREG(info->st.st_mode)) {
        verdict(out, LIVE_OK, g_strdup("POSIX shm (its name is not checked)"));
        return;
    }
    verdict(out, LIVE_UNEXPECTED_KIND, g_strdup_printf(
        "a %s record needs a memfd or POSIX shm, fd %d is %s%s%s", kind,
        info->fd, info->has_stat ? proc_file_type(info->st.st_mode) : "",
        info->has_stat ? ": " : "", info->link));
}

typedef struct DeviceRule {
    CprKind kind;
    const char *prefix;   /* link prefix, or exact when 'exact' */
    bool exact;
    const char *what;
} DeviceRule;

static const DeviceRule device_rules[] = {
    { CPR_KIND_VFIO_CONTAINER, "/dev/vfio/vfio", true, "/dev/vfio/vfio" },
    { CPR_KIND_VFIO_DEVICE, "/dev/vfio/devices/", false,
      "a VFIO device fd" },
    { CPR_KIND_VFIO_DEVICE, "anon_inode:[vfio-device]", true,
      "a VFIO device fd" },
    { CPR_KIND_VFIO_INTERRUPT, "anon_inode:[eventfd]", true, "an eventfd" },
    { CPR_KIND_VFIO_KVM_INTERRUPT, "anon_inode:[eventfd]", true,
      "an eventfd" },
    { CPR_KIND_VFIO_EVENTFD, "anon_inode:[eventfd]", true, "an eventfd" },
    { CPR_KIND_IOMMUFD, "/dev/iommu", true, "/dev/iommu" },
};

static void judge_device(const CprFd *rec, const ProcFdInfo *info,
                         LiveFd *out)
{
    const char *kind = cpr_kind_name(rec->kind.kind);
    const char *what = NULL;

    if (rec->kind.kind == CPR_KIND_VFIO_GROUP) {
        g_autofree char *want = g_strdup_printf("/dev/vfio/%d", rec->id);

        if (!strcmp(info->link, want)) {
            verdict(out, LIVE_OK, g_strdup_printf("VFIO group %d", rec->id));
        } else {
            verdict(out, LIVE_UNEXPECTED_KIND, g_strdup_printf(
                "a vfio-group record with id %d needs %s, fd %d is %s",
                rec->id, want, info->fd, info->link));
        }
        return;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(device_rules); i++) {
        const DeviceRule *r = &device_rules[i];

        if (r->kind != rec->kind.kind) {
            continue;
        }
        what = r->what;
        if (r->exact ? !strcmp(info->link, r->prefix)
                     : g_str_has_prefix(info->link, r->prefix)) {
            verdict(out, LIVE_OK, g_strdup(r->what));
            return;
        }
    }
    verdict(out, LIVE_UNEXPECTED_KIND, g_strdup_printf(
        "a %s record needs %s, fd %d is %s", kind, what ? what : "?",
        info->fd, info->link));
}

void live_judge(const CprFd *rec, const ProcFdInfo *info, LiveFd *out)
{
    memset(out, 0, sizeof(*out));
    if (!info->open) {
        verdict(out, LIVE_MISSING, rec->fd < 0
            ? g_strdup_printf("the record's fd number %d is invalid", rec->fd)
            : g_strdup_printf("fd %d is not open: the new QEMU would not "
                              "find it", rec->fd));
        return;
    }
    out->open = true;
    out->link = g_strdup(info->link);
    out->memfd_name = proc_memfd_name(info->link);
    if (info->has_stat && S_ISREG(info->st.st_mode)) {
        out->has_size = true;
        out->size = (int64_t)info->st.st_size;
    }
    if (info->has_flags) {
        out->has_cloexec = true;
        out->cloexec = (info->flags & O_CLOEXEC) != 0;
    }
    if (cpr_kind_is_memory(rec->kind.kind)) {
        judge_memory(rec, info, out);
    } else if (cpr_kind_is_vfio(rec->kind.kind) ||
               rec->kind.kind == CPR_KIND_IOMMUFD) {
        judge_device(rec, info, out);
    } else {
        verdict(out, LIVE_OK, g_strdup("no naming rule for this record: "
                                       "only its presence is checked"));
    }
}

void live_fd_clear(LiveFd *lf)
{
    g_clear_pointer(&lf->link, g_free);
    g_clear_pointer(&lf->memfd_name, g_free);
    g_clear_pointer(&lf->reason, g_free);
}

static void clear_elem(gpointer p)
{
    live_fd_clear(p);
}

LiveCheck *live_check_run(const CprState *st, const ProcTarget *t,
                          const ProcState *ps, GError **errp)
{
    g_autoptr(LiveCheck) lc = g_new0(LiveCheck, 1);

    lc->pid = t->pid;
    lc->comm = g_strdup(t->comm);
    lc->self = t->self;
    lc->state_fd = ps->target_fd;
    lc->state_link = g_strdup(ps->link);
    lc->picked_by = g_strdup(ps->picked_by);
    lc->method = ps->method;
    lc->fds = g_array_sized_new(FALSE, TRUE, sizeof(LiveFd), st->fds->len);
    g_array_set_clear_func(lc->fds, clear_elem);
    lc->possible = st->mode == CPR_MODE_EXEC;
    if (!lc->possible) {
        lc->note = st->mode == CPR_MODE_TRANSFER
            ? "cpr-transfer state: the fds travelled by SCM_RIGHTS and their "
              "numbers are not recorded, so the fd table cannot be "
              "cross-checked"
            : "the state records no fd numbers, so there is nothing to "
              "cross-check";
        return g_steal_pointer(&lc);
    }
    for (guint i = 0; i < st->fds->len; i++) {
        const CprFd *rec = &g_array_index(st->fds, CprFd, i);
        ProcFdInfo info;
        LiveFd lf;

        if (!proc_fd_info(t, rec->has_fd ? rec->fd : -1, &info, errp)) {
            return NULL;
        }
        live_judge(rec, &info, &lf);
        proc_fd_info_clear(&info);
        lc->counts[lf.verdict]++;
        g_array_append_val(lc->fds, lf);
    }
    return g_steal_pointer(&lc);
}

unsigned live_check_problems(const LiveCheck *lc)
{
    return lc->counts[LIVE_MISSING] + lc->counts[LIVE_UNEXPECTED_KIND];
}

void live_check_free(LiveCheck *lc)
{
    if (!lc) {
        return;
    }
    if (lc->fds) {
        g_array_free(lc->fds, TRUE);
    }
    g_free(lc->comm);
    g_free(lc->state_link);
    g_free(lc->picked_by);
    g_free(lc->note_owned);
    g_free(lc);
}
