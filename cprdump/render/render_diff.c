/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "render/render_diff.h"

#include "render/columns.h"
#include "render/escape.h"
#include "render/table.h"

static const DiffChange *chg(const void *row)
{
    return row;
}

static void dc_group(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, chg(row)->group);
}

static void dc_path(const void *row, const void *ctx, Cell *c)
{
    const DiffChange *d = chg(row);

    (void)ctx;
    /* the group's own fact (a whole section, the configuration) */
    cell_str(c, *d->path ? d->path : d->group);
}

static void dc_full(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_take(c, diff_full_path(chg(row)->group, chg(row)->path));
}

static void dc_a(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, chg(row)->a);
}

static void dc_b(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, chg(row)->b);
}

static void dc_kind(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, diff_kind_name(chg(row)->kind));
}

static const ColDesc change_cols[] = {
    { "GROUP", "group", COL_TEXT, 0, 1, "section (IDSTR#INSTANCE), "
      "configuration, stream, ram, cpr-state, fds or vfio", dc_group },
    { "PATH", "path", COL_TEXT, 0, 0, "what differs, inside its group",
      dc_path },
    { "FULL", "full-path", COL_TEXT, 0, 1, "GROUP: PATH, as --ignore "
      "globs match it", dc_full },
    { "A", "a", COL_TEXT, 0, 0, "value in the first input (null: absent)",
      dc_a },
    { "B", "b", COL_TEXT, 0, 0, "value in the second input (null: absent)",
      dc_b },
    { "KIND", "kind", COL_TEXT, 0, 0, "added, removed, changed or version",
      dc_kind },
};

const TableDesc table_diff = { "diff changes", "--diff A B: one row per "
                               "difference, under its group", change_cols,
                               G_N_ELEMENTS(change_cols), 0 };

void render_diff_changes(Out *o, const DiffResult *r)
{
    const DiffChange *all = (const DiffChange *)(void *)r->changes->data;
    guint n = r->changes->len;

    if (out_is_json(o)) {
        table_emit(o, "changes", change_cols, G_N_ELEMENTS(change_cols), all,
                   sizeof(DiffChange), n, NULL);
        return;
    }
    for (guint i = 0; i < n;) {
        guint k = i;
        while (k < n && !g_strcmp0(all[k].group, all[i].group)) {
            k++;
        }
        g_autofree char *heading = text_escape(all[i].group);
        out_line(o, "\n%s", heading);
        table_emit(o, "changes", change_cols, G_N_ELEMENTS(change_cols),
                   all + i, sizeof(DiffChange), k - i, NULL);
        i = k;
    }
}

void render_diff_summary(Out *o, const DiffResult *r)
{
    uint64_t total = r->changes->len;

    if (!out_is_json(o)) {
        if (total) {
            out_line(o, "\n%" G_GUINT64_FORMAT " difference%s (%"
                     G_GUINT64_FORMAT " added, %" G_GUINT64_FORMAT
                     " removed, %" G_GUINT64_FORMAT " changed, %"
                     G_GUINT64_FORMAT " version), %" G_GUINT64_FORMAT
                     " ignored", total, total == 1 ? "" : "s",
                     r->counts[DIFF_ADDED], r->counts[DIFF_REMOVED],
                     r->counts[DIFF_CHANGED], r->counts[DIFF_VERSION],
                     r->ignored);
        } else {
            out_line(o, "\nno differences, %" G_GUINT64_FORMAT " ignored",
                     r->ignored);
        }
        return;
    }
    out_int(o, "change-count", NULL, (int64_t)total);
    out_int(o, "added-count", NULL, (int64_t)r->counts[DIFF_ADDED]);
    out_int(o, "removed-count", NULL, (int64_t)r->counts[DIFF_REMOVED]);
    out_int(o, "changed-count", NULL, (int64_t)r->counts[DIFF_CHANGED]);
    out_int(o, "version-count", NULL, (int64_t)r->counts[DIFF_VERSION]);
    out_int(o, "ignored-count", NULL, (int64_t)r->ignored);
    out_bool(o, "equal", NULL, total == 0);
}
