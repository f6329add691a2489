/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "check/join_check.h"

#include <stdio.h>

#include "check/join_facts.h"
#include "check/ramjoin.h"
#include "exitcodes.h"
#include "render/render_join.h"
#include "render/show.h"

static void warn_blocks(const RamJoin *j, const char *stream_label)
{
    g_autofree char *label = g_strescape(stream_label, NULL);

    for (guint i = 0; i < j->rows->len; i++) {
        const RamJoinRow *r = &g_array_index(j->rows, RamJoinRow, i);
        g_autofree char *id = g_strescape(r->block->idstr, NULL);
        if (r->verdict == RAM_LOST) {
            fprintf(stderr, "cprdump: %s: RAM block \"%s\" (%" G_GUINT64_FORMAT
                    " bytes) is lost: %s\n", label, id,
                    r->block->used_length, r->reason);
        } else if (r->has_fd_size && !r->fd_size_ok) {
            fprintf(stderr, "cprdump: %s: RAM block \"%s\": its memfd holds "
                    "%" G_GUINT64_FORMAT " bytes, less than used_length %"
                    G_GUINT64_FORMAT "\n", label, id, r->fd_size,
                    r->block->used_length);
        } else if (r->verdict == RAM_PRESERVED_BY_PATH) {
            fprintf(stderr, "cprdump: warning: %s: RAM block \"%s\" has no fd "
                    "and no page: kept by its path, only if the new QEMU maps "
                    "the same file\n", label, id);
        } else if (r->verdict == RAM_FILE_BACKED) {
            fprintf(stderr, "cprdump: warning: %s: RAM block \"%s\" has no fd "
                    "and no page (x-ignore-shared): preserved only if the new "
                    "QEMU maps the same file\n", label, id);
        }
    }
}

/* With a live state: each preserving memfd must hold its block's used_length. */
static void join_live_sizes(RamJoin *j, const LiveCheck *lc)
{
    for (guint i = 0; lc && lc->fds && i < j->rows->len; i++) {
        const RamJoinRow *r = &g_array_index(j->rows, RamJoinRow, i);
        const LiveFd *f = r->fd && r->fd_index < lc->fds->len
                          ? &g_array_index(lc->fds, LiveFd, r->fd_index) : NULL;
        if (f && f->has_size) {
            ramjoin_set_fd_size(j, i, (uint64_t)f->size);
        }
    }
}

int join_check(Session *s, Loaded *st, Loaded *sm)
{
    int rc_st = show_loaded(s->out, st), rc_sm = show_loaded(s->out, sm);
    int rc = rc_st ? rc_st : rc_sm;

    if (st->state->header_ok && sm->stream->header_ok) {
        g_autoptr(RamJoin) j = ramjoin_build(st->state, sm->stream);
        join_live_sizes(j, st->live);
        join_facts_apply(j, st);
        render_join(s->out, j);
        warn_blocks(j, input_label(sm->in));
        if (rc == EXIT_OK && s->check && (j->lost_count || j->short_count)) {
            rc = EXIT_CHECK;
        }
    }
    return rc;
}
