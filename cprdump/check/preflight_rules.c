/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "check/preflight_rules.h"

#include <glib.h>

static const PfRule rules[] = {
    { PF_MAP_MEMFD, 1, 1, PF_PRESERVED_BY_FD, "shared-memfd",
      "shared memfd: recorded in the CPR state with its fd, which the new "
      "QEMU maps again" },
    { PF_MAP_SHM, 1, 1, PF_PRESERVED_BY_FD, "shared-shm",
      "shared POSIX shm (memory-backend-shm): recorded in the CPR state with "
      "its fd, which the new QEMU maps again" },
    { PF_MAP_MEMFD, 0, -1, PF_LOST, "private-memfd",
      "memfd mapped private (share=off): its fd is recorded in the CPR state, "
      "but the guest's writes sit in private copy-on-write pages, and the new "
      "QEMU maps the untouched memfd" },
    { PF_MAP_MEMFD, -1, 0, PF_LOST, "memfd-without-fd",
      "memfd that no fd holds: nothing can carry it" },
    { PF_MAP_SHM, -1, -1, PF_LOST, "shm-not-carried",
      "POSIX shm mapped private or held by no fd: nothing carries the "
      "guest's writes" },
    { PF_MAP_FILE, 1, -1, PF_PRESERVED_BY_PATH, "shared-file",
      "shared file: not recorded in the CPR state; the data is in the file, "
      "and the new QEMU opens the same mem-path again" },
    { PF_MAP_FILE, 0, -1, PF_LOST, "private-file",
      "file mapped private (share=off): the guest's writes sit in private "
      "pages, not in the file" },
    { PF_MAP_DELETED_FILE, -1, -1, PF_LOST, "deleted-file",
      "deleted file (-mem-path DIR makes and unlinks one): no fd is "
      "recorded, and the new QEMU makes a new file" },
    { PF_MAP_ANONYMOUS, -1, -1, PF_LOST, "anonymous",
      "anonymous memory: no fd carries it, and cpr-exec sends no RAM pages" },
    { PF_MAP_NONE, -1, -1, PF_LOST, "no-mapping",
      "no mapping at the block's host address: nothing carries it" },
};

const PfRule *pf_rule_find(PfMapKind map, bool shared, bool has_fd)
{
    for (size_t i = 0; i < G_N_ELEMENTS(rules); i++) {
        const PfRule *r = &rules[i];

        if (r->map == map && (r->shared < 0 || r->shared == shared) &&
            (r->has_fd < 0 || r->has_fd == has_fd)) {
            return r;
        }
    }
    return &rules[G_N_ELEMENTS(rules) - 1];
}

PfVerdict pf_verdict_for(const PfRule *r, int ro)
{
    return r->verdict == PF_LOST && ro == 1 ? PF_REBUILT : r->verdict;
}

const char *pf_verdict_name(PfVerdict v)
{
    static const char *const names[] = {
        [PF_PRESERVED_BY_FD] = "preserved-by-fd",
        [PF_PRESERVED_BY_PATH] = "preserved-by-path",
        [PF_LOST] = "lost",
        [PF_REBUILT] = "not-preserved-rebuilt",
    };

    return v < PF_VERDICT__COUNT ? names[v] : "?";
}

const char *pf_map_name(PfMapKind m)
{
    static const char *const names[] = {
        [PF_MAP_MEMFD] = "memfd",
        [PF_MAP_SHM] = "posix-shm",
        [PF_MAP_FILE] = "file",
        [PF_MAP_DELETED_FILE] = "deleted-file",
        [PF_MAP_ANONYMOUS] = "anonymous",
        [PF_MAP_NONE] = "none",
    };

    return m < PF_MAP__COUNT ? names[m] : "?";
}
