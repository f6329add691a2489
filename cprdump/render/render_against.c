/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --against: the verdict, then destinations, sections, RAM blocks and every
 * finding, each a column table (human and JSON from one declaration). */
#include "render/render_against.h"

#include "render/columns.h"
#include "render/table.h"

static const Against *ctx_a(const void *ctx)
{
    return ctx;
}

static const AgFinding *finding_at(const Against *a, guint i)
{
    return i < a->findings->len ? &g_array_index(a->findings, AgFinding, i)
                                : NULL;
}

static void cell_reason(Cell *c, const AgFinding *f)
{
    cell_str(c, f ? f->reason : NULL);
}

static void cell_qemu(Cell *c, const AgFinding *f)
{
    cell_str(c, f && f->verdict == AG_FAILS ? f->qemu_line : NULL);
}

/* ---- destinations ---- */

static const AgDest *dr(const void *row)
{
    return *(const AgDest *const *)row;
}

static void dc_index(const void *row, const void *ctx, Cell *c)
{
    const Against *a = ctx_a(ctx);

    for (guint i = 0; i < a->dests->len; i++) {
        if (g_ptr_array_index(a->dests, i) == dr(row)) {
            cell_int(c, i);
        }
    }
}

static void dc_label(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, dr(row)->label);
}

static void dc_kind(const void *row, const void *ctx, Cell *c)
{
    static const char *const kinds[] = { "vmstate-dump", "reference-stream",
                                         "binary" };
    (void)ctx;
    cell_str(c, kinds[dr(row)->kind]);
}

static void dc_machine(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, dr(row)->machine);
}

static void dc_error(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, dr(row)->run_error);
}

static const ColDesc dest_cols[] = {
    { "DEST", "index", COL_DEC, 1, 0, "destination number", dc_index },
    { "KIND", "kind", COL_TEXT, 0, 0, "what the destination is", dc_kind },
    { "MACHINE", "machine-type", COL_TEXT, 0, 0, "its machine type",
      dc_machine },
    { "PATH", "path", COL_TEXT, 0, 0, "as given", dc_label },
    { "RUN-ERROR", "run-error", COL_TEXT, 0, 0, "binary: what it said",
      dc_error },
};

const TableDesc table_against_dests = { "against destinations", "--against: one row per DEST", dest_cols,
    G_N_ELEMENTS(dest_cols), 0 };

/* ---- sections ---- */

static const AgSection *sr(const void *row)
{
    return row;
}

static void sc_idstr(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, sr(row)->s->idstr);
}

static void sc_instance(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_int(c, sr(row)->s->instance_id);
}

static void sc_version(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_int(c, sr(row)->s->version);
}

static void sc_vmsd(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, sr(row)->vmsd_name);
}

static void sc_verdict(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, ag_verdict_name(sr(row)->verdict));
}

static void sc_reason(const void *row, const void *ctx, Cell *c)
{
    cell_reason(c, finding_at(ctx_a(ctx), sr(row)->first_bad));
}

static void sc_qemu(const void *row, const void *ctx, Cell *c)
{
    cell_qemu(c, finding_at(ctx_a(ctx), sr(row)->first_bad));
}

static const ColDesc section_cols[] = {
    { "IDSTR", "idstr", COL_TEXT, 0, 0, "section idstr", sc_idstr },
    { "INST", "instance-id", COL_DEC, 1, 0, "instance id", sc_instance },
    { "VER", "version", COL_DEC, 1, 0, "section version", sc_version },
    { "VMSD", "vmsd-name", COL_TEXT, 0, 0, "vmsd (vmdesc, or the idstr's "
      "last part)", sc_vmsd },
    { "VERDICT", "verdict", COL_TEXT, 0, 0, "loads, will-fail, cannot-tell "
      "or unchecked", sc_verdict },
    { "REASON", "reason", COL_TEXT, 0, 0, "the finding that decided it",
      sc_reason },
    { "QEMU-SAYS", "qemu-line", COL_TEXT, 0, 1, "what QEMU prints when it "
      "fails", sc_qemu },
};

const TableDesc table_against_sections = { "against sections", "--against: one row per section of the stream, its verdict", section_cols,
    G_N_ELEMENTS(section_cols), 0 };

/* ---- RAM blocks ---- */

static const AgBlock *br(const void *row)
{
    return row;
}

static void bc_idstr(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, br(row)->b->idstr);
}

static void bc_used(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_int(c, (int64_t)br(row)->b->used_length);
}

static void bc_dest(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    if (br(row)->dest_length >= 0) {
        cell_int(c, br(row)->dest_length);
    } else {
        cell_null(c, NULL);
    }
}

static void bc_verdict(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, ag_verdict_name(br(row)->verdict));
}

static void bc_reason(const void *row, const void *ctx, Cell *c)
{
    cell_reason(c, finding_at(ctx_a(ctx), br(row)->first_bad));
}

static void bc_qemu(const void *row, const void *ctx, Cell *c)
{
    cell_qemu(c, finding_at(ctx_a(ctx), br(row)->first_bad));
}

static const ColDesc block_cols[] = {
    { "BLOCK", "idstr", COL_TEXT, 0, 0, "RAM block", bc_idstr },
    { "USED", "used-length", COL_HEX, 1, 0, "used length (stream)",
      bc_used },
    { "DEST-USED", "dest-used-length", COL_HEX, 1, 0, "the reference "
      "stream's", bc_dest },
    { "VERDICT", "verdict", COL_TEXT, 0, 0, "loads, will-fail, cannot-tell "
      "or unchecked", bc_verdict },
    { "REASON", "reason", COL_TEXT, 0, 0, "the finding that decided it",
      bc_reason },
    { "QEMU-SAYS", "qemu-line", COL_TEXT, 0, 1, "what QEMU prints when it "
      "fails", bc_qemu },
};

const TableDesc table_against_blocks = { "against ram blocks", "--against: one row per RAM block of the stream, its verdict", block_cols,
    G_N_ELEMENTS(block_cols), 0 };

/* ---- findings ---- */

static const AgFinding *fr(const void *row)
{
    return row;
}

static void fc_check(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, ag_rule(fr(row)->rule)->id);
}

static void fc_dest(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_int(c, fr(row)->dest);
}

static void fc_subject(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, fr(row)->subject);
}

static void fc_instance(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    if (fr(row)->instance_id >= 0) {
        cell_int(c, fr(row)->instance_id);
    } else {
        cell_null(c, NULL);
    }
}

static void fc_field(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, fr(row)->field);
}

static void fc_verdict(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, ag_verdict_name(fr(row)->verdict));
}

static void fc_reason(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_str(c, fr(row)->reason);
}

static void fc_qemu(const void *row, const void *ctx, Cell *c)
{
    (void)ctx;
    cell_qemu(c, fr(row));
}

static const ColDesc finding_cols[] = {
    { "DEST", "dest", COL_DEC, 1, 0, "destination number", fc_dest },
    { "CHECK", "check", COL_TEXT, 0, 0, "which check (rule)", fc_check },
    { "SUBJECT", "subject", COL_TEXT, 0, 0, "section, RAM block or "
      "configuration", fc_subject },
    { "INST", "instance-id", COL_DEC, 1, 0, "section instance id",
      fc_instance },
    { "FIELD", "field", COL_TEXT, 0, 0, "field path in the section",
      fc_field },
    { "VERDICT", "verdict", COL_TEXT, 0, 0, "of this check", fc_verdict },
    { "REASON", "reason", COL_TEXT, 0, 0, "why", fc_reason },
    { "QEMU-SAYS", "qemu-line", COL_TEXT, 0, 0, "what QEMU prints when it "
      "fails", fc_qemu },
};

const TableDesc table_against_checks = { "against checks", "--against: one row per check made (rule, destination, subject)", finding_cols,
    G_N_ELEMENTS(finding_cols), 0 };

static void render_summary(Out *o, const char *stream_label, const Against *a)
{
    const AgFinding *f = finding_at(a, a->decisive);

    out_str(o, "stream", "stream", stream_label);
    out_str(o, "verdict", "verdict", ag_verdict_name(a->verdict));
    if (f) {
        out_str(o, "reason", "reason", f->reason);
        out_str(o, "subject", "subject", f->subject);
        out_str(o, "check", "check", ag_rule(f->rule)->id);
    } else {
        out_null(o, "reason", "reason", "every check passed");
        out_null(o, "subject", "subject", "-");
        out_null(o, "check", "check", "-");
    }
    if (f && f->verdict == AG_FAILS && f->qemu_line) {
        out_str(o, "qemu-line", "QEMU says", f->qemu_line);
    } else {
        out_null(o, "qemu-line", "QEMU says", "-");
    }
    out_str(o, "machine-type-verdict", "machine type",
            ag_verdict_name(a->machine_verdict));
    out_bool(o, "has-vmdesc", "vmdesc", a->has_vmdesc);
    out_bool(o, "fields-compared", "fields compared", a->fields_compared);
    out_int(o, "unchecked-count", "sections no destination describes",
            (int64_t)a->unchecked);
}

void render_against(Out *o, const char *stream_label, const Against *a)
{
    bool human = !out_is_json(o);

    out_begin(o, "against", NULL);
    render_summary(o, stream_label, a);
    if (human) {
        out_line(o, "\nDestinations");
    }
    table_emit(o, "destinations", dest_cols, G_N_ELEMENTS(dest_cols),
               a->dests->pdata, sizeof(gpointer), a->dests->len, a);
    if (human) {
        out_line(o, "\nSections");
    }
    table_emit(o, "sections", section_cols, G_N_ELEMENTS(section_cols),
               a->sections->data, sizeof(AgSection), a->sections->len, a);
    if (human) {
        out_line(o, "\nRAM blocks");
    }
    table_emit(o, "ram-blocks", block_cols, G_N_ELEMENTS(block_cols),
               a->blocks->data, sizeof(AgBlock), a->blocks->len, a);
    if (human) {
        out_line(o, "\nChecks");
    }
    table_emit(o, "findings", finding_cols, G_N_ELEMENTS(finding_cols),
               a->findings->data, sizeof(AgFinding), a->findings->len, a);
    out_end(o);
}
