/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cprdump --pid PID on a QEMU that holds no CPR state (the old QEMU, before
 * `migrate`), --preflight --pid PID on any QEMU, or --proc-snapshot DIR:
 * which RAM a cpr-exec would keep (check/preflight.h). Reads /proc (and with
 * --qmp the monitor's read-only queries); changes nothing in the target.
 */
#include <stdio.h>
#include <stdlib.h>

#include "check/preflight.h"
#include "cli_error.h"
#include "exitcodes.h"
#include "input/proc.h"
#include "input/procsnap.h"
#include "live/digest.h"
#include "live/qmp.h"
#include "modes/modes.h"
#include "render/render_preflight.h"
#include "render/report.h"

static int fail(Session *s, GError *e)
{
    int rc = e->code;

    report_gerror(s->out, e);
    g_error_free(e);
    return rc;
}

static int qmp_timeout(void)
{
    const char *v = g_getenv("CPRDUMP_QMP_TIMEOUT_MS");
    int ms = v ? atoi(v) : 0;

    return ms > 0 ? ms : QMP_TIMEOUT_MS;
}

static ProcSnap *read_snap(Session *s, GError **errp)
{
    g_autoptr(ProcTarget) t = NULL;

    if (s->snapshot) {
        return procsnap_read_dir(s->snapshot, errp);
    }
    t = proc_target_open(s->pid, errp);
    return t ? procsnap_read_pid(t, errp) : NULL;
}

/* --check: one stderr line per lost block, exit 1. */
static int check_exit(const Session *s, const PfReport *r, const char *label)
{
    if (!s->check || !r->counts[PF_LOST]) {
        return EXIT_OK;
    }
    for (guint i = 0; i < r->blocks->len; i++) {
        const PfBlock *b = &g_array_index(r->blocks, PfBlock, i);
        g_autofree char *name = b->name ? g_strescape(b->name, NULL)
                                        : g_strdup("?");

        if (b->verdict == PF_LOST) {
            fprintf(stderr, "cprdump: %s: RAM block \"%s\" (%" G_GUINT64_FORMAT
                    " bytes, %s) would be lost by cpr-exec; to keep it: %s\n",
                    label, name, b->size, pf_map_name(b->map),
                    b->fix ? b->fix : "-");
        }
    }
    return EXIT_CHECK;
}

/* --digest: each preserved block with an fd, read through /proc/PID/fd/N. */
static bool add_digests(const ProcSnap *snap, PfReport *r, GError **errp)
{
    g_autofree char *dir = g_strdup_printf("/proc/%d", snap->pid);

    r->with_digest = true;
    for (guint i = 0; i < r->blocks->len; i++) {
        PfBlock *b = &g_array_index(r->blocks, PfBlock, i);

        if ((b->verdict == PF_PRESERVED_BY_FD ||
             b->verdict == PF_PRESERVED_BY_PATH) && b->fd >= 0 &&
            !digest_target_fd(dir, b->fd, b->size, &b->digest,
                              &b->digest_data, errp)) {
            return false;
        }
    }
    return true;
}

static int run_preflight(Session *s)
{
    GError *e = NULL;
    g_autoptr(ProcSnap) snap = read_snap(s, &e);
    g_autoptr(JsonObj) facts = NULL;
    g_autoptr(QmpFacts) qmp = NULL;
    g_autoptr(PfReport) r = NULL;
    const char *qmp_from = NULL;

    if (!snap) {
        return fail(s, e);
    }
    if (s->qmp) {
        facts = qmp_gather(s->qmp, qmp_timeout(), &e);
        qmp_from = "--qmp";
    } else if (snap->qmp) {
        facts = json_object_get(snap->qmp);
        qmp_from = "snapshot";
    }
    if ((qmp_from && !facts) ||
        (facts && !(qmp = qmp_facts_from_json(facts, &e)))) {
        return fail(s, e);
    }
    r = preflight_build(snap, qmp);
    if (!r->blocks->len) {
        g_set_error(&e, CPRDUMP_ERROR, EXIT_NO_STATE, "%s (%s): no guest RAM "
                    "mapping (no smaps entry with VmFlags dc): not a QEMU, "
                    "or one that has not set up its RAM", snap->label,
                    snap->comm);
        return fail(s, e);
    }
    if (s->digest && !add_digests(snap, r, &e)) {
        return fail(s, e);
    }
    render_preflight(s->out, snap, r, s->qmp, qmp_from);
    return check_exit(s, r, snap->label);
}

/* --pid on a QEMU without a state memfd; or --preflight; or a snapshot. */
static bool selects_preflight(const Session *s)
{
    g_autoptr(ProcTarget) t = NULL;

    if (s->preflight || s->snapshot) {
        return true;
    }
    if (!s->pid || !(t = proc_target_open(s->pid, NULL))) {
        return false;
    }
    /* a QEMU whose fds cannot be read (another user's, -run-with user=):
     * the preflight says why, with exit 7 */
    return proc_has_state(t) <= 0 && proc_looks_like_qemu(t);
}

const Mode mode_preflight = { "preflight", selects_preflight, run_preflight };
