/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cprdump FILE, cprdump STATE STREAM: the files mode. */
#include <stdio.h>

#include "capture/save.h"
#include "check/join_check.h"
#include "exitcodes.h"
#include "input/load.h"
#include "modes/modes.h"
#include "render/show.h"

static int run_show(Session *s)
{
    char **paths = s->files;
    Loaded l[2] = { { 0 } };
    int n = paths[1] ? 2 : 1;
    int rc = EXIT_OK;

    for (int i = 0; i < n; i++) {
        if (!load_path(s, paths[i], &l[i])) {
            rc = l[i].rc;
            goto out;
        }
    }
    if (n == 1) {
        rc = show_loaded(s->out, &l[0]);
    } else if (!!l[0].state == !!l[1].state) {
        fprintf(stderr, "cprdump: expected one CPR state and one migration "
                "stream, got two %ss\n", l[0].fmt->name);
        rc = EXIT_USAGE;
    } else {
        rc = l[0].state ? join_check(s, &l[0], &l[1]) : join_check(s, &l[1], &l[0]);
    }
    if (s->save) {
        /* A state that fails to decode is worth a capture too. */
        int rs = capture_save(s, &l[0]);
        rc = rc ? rc : rs;
    }
out:
    loaded_clear(&l[0]);
    loaded_clear(&l[1]);
    return rc;
}

static bool selects_show(const Session *s)
{
    return s->files && s->files[0];
}

const Mode mode_show = { "show", selects_show, run_show };
