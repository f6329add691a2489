/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cprdump --pid PID, cprdump --fd [N]: the live mode. */
#include <stdio.h>

#include "capture/save.h"
#include "check/join_check.h"
#include "check/join_facts.h"
#include "cli_error.h"
#include "exitcodes.h"
#include "input/load.h"
#include "input/proc.h"
#include "live/livecheck.h"
#include "modes/modes.h"
#include "render/report.h"
#include "render/show.h"

/*
 * The cross-check, once the state is decoded. On error (the process exited,
 * permission lost) the decoded state is still shown, without its live part,
 * then the error; false with l->rc set.
 */
static bool live_check(Session *s, Loaded *l, const ProcTarget *t,
                       const ProcState *ps)
{
    g_autoptr(GError) e = NULL;

    l->live = live_check_run(l->state, t, ps, &e);
    if (l->live && !proc_target_alive(t)) {
        g_set_error(&e, CPRDUMP_ERROR, EXIT_VANISHED,
                    "pid %d (%s): the process exited while it was being read",
                    (int)t->pid, t->comm);
        g_clear_pointer(&l->live, live_check_free);
    }
    if (!l->live) {
        show_loaded(s->out, l);
        report_gerror(s->out, e);
        l->rc = e->code;
        return false;
    }
    return true;
}

/* --check: one line on stderr, exit 1, for any verdict other than ok. */
static int live_check_exit(Session *s, Loaded *l)
{
    const LiveCheck *lc = l->live;

    if (!s->check || !lc || !live_check_problems(lc)) {
        return EXIT_OK;
    }
    fprintf(stderr, "cprdump: %s: check failed: %u missing, %u "
            "unexpected-kind (of %u fd records)\n", input_label(l->in),
            lc->counts[LIVE_MISSING], lc->counts[LIVE_UNEXPECTED_KIND],
            lc->fds->len);
    return EXIT_CHECK;
}

/* --stream FILE with a live state. */
static int join_stream(Session *s, Loaded *l)
{
    Loaded sm = { 0 };
    int rc;

    if (!load_path(s, s->stream, &sm)) {
        rc = sm.rc;
    } else if (!sm.stream) {
        fprintf(stderr, "cprdump: %s: --stream wants a migration stream, "
                "this is a %s\n", s->stream, sm.fmt->name);
        rc = EXIT_USAGE;
    } else {
        rc = join_check(s, l, &sm);
    }
    loaded_clear(&sm);
    return rc;
}

static int run_live(Session *s, ProcTarget *t, ProcState *ps)
{
    g_autoptr(GError) e = NULL;
    Input *in = input_open_fd(ps->fd, false, ps->label, &e);
    Loaded l = { 0 };
    int rc;

    if (!in) {
        report_gerror(s->out, e);
        return e->code;
    }
    l.source_kind = t->self ? "fd" : "pid";
    if (!load_input(s, in, &l)) {
        rc = l.rc;
        goto out;
    }
    /* what a join with a stream (now, or from a capture later) needs */
    if ((s->stream || s->save) && t->self) {
        join_facts_from_ancestors(&l);
    } else if (s->stream || s->save) {
        join_facts_from_pid(&l, t);
    }
    if (l.state && l.state->header_ok && !live_check(s, &l, t, ps)) {
        rc = l.rc;
        goto out;
    }
    if (s->stream) {
        rc = join_stream(s, &l);
    } else {
        rc = show_loaded(s->out, &l);
    }
    if (rc == EXIT_OK || rc == EXIT_CHECK) {
        int rl = live_check_exit(s, &l);
        rc = rc ? rc : rl;
    }
    if (s->save) {
        int rs = capture_save(s, &l);
        rc = rc ? rc : rs;
    }
out:
    loaded_clear(&l);
    return rc;
}

static int run_live_mode(Session *s)
{
    g_autoptr(GError) e = NULL;
    g_autoptr(ProcTarget) t = NULL;
    ProcState ps;
    int rc;

    if (s->pid) {
        t = proc_target_open(s->pid, &e);
        if (!t) {
            report_gerror(s->out, e);
            return e->code;
        }
        /* Tests and kernels without pidfd_getfd: CPRDUMP_LIVE_METHOD. */
        t->try_getfd = g_strcmp0(g_getenv("CPRDUMP_LIVE_METHOD"),
                                 "proc-open") != 0;
    } else {
        t = proc_target_self();
    }
    if (s->pid ? !proc_open_state(t, &ps, &e)
               : !proc_inherited_state(s->fd, &ps, &e)) {
        proc_state_clear(&ps);
        report_gerror(s->out, e);
        return e->code;
    }
    rc = run_live(s, t, &ps);
    proc_state_clear(&ps);
    return rc;
}

static bool selects_live(const Session *s)
{
    return s->pid || s->fd_given;
}

const Mode mode_live = { "live", selects_live, run_live_mode };
