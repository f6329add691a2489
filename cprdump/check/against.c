/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --against: the stream's machine type, sections, versions, subsections,
 * fields and RAM blocks against each destination, as QEMU's load checks them
 * (rules: against_rules.c). A verdict per section and RAM block is the worst
 * of its findings; a section no destination describes stays "unchecked".
 */
#include "check/against.h"

#include <stdarg.h>
#include <string.h>

#include "json_get.h"

static void finding_clear(gpointer p)
{
    AgFinding *f = p;

    g_free(f->subject);
    g_free(f->field);
    g_free(f->reason);
    g_free(f->qemu_line);
}

void ag_dest_free(AgDest *d)
{
    if (!d) {
        return;
    }
    g_free(d->label);
    vmstate_dump_free(d->dump);
    stream_free(d->stream);
    g_free(d->machine);
    g_free(d->run_error);
    g_free(d);
}

void against_free(Against *a)
{
    if (!a) {
        return;
    }
    g_array_unref(a->findings);
    g_array_unref(a->sections);
    g_array_unref(a->blocks);
    g_free(a);
}

void ag_add(Against *a, AgRuleId rule, AgVerdict v, guint dest,
            const char *subject, int64_t instance, const char *field,
            char *qemu_line, const char *fmt, ...)
{
    AgFinding f = { .rule = rule, .verdict = v, .dest = dest,
                    .subject = g_strdup(subject), .instance_id = instance,
                    .field = g_strdup(field), .qemu_line = qemu_line };
    va_list ap;

    va_start(ap, fmt);
    f.reason = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_array_append_val(a->findings, f);
}

static const AgDest *dest_at(const Against *a, guint i)
{
    return g_ptr_array_index(a->dests, i);
}

/* ---- machine type ---- */

/* configuration_post_load: strncmp over the received name's length. */
static bool machine_matches(const char *src, const char *dst)
{
    return !strncmp(src, dst, strlen(src));
}

static void check_machine(Against *a, guint di)
{
    const AgDest *d = dest_at(a, di);
    const char *src = a->m->config.machine_type;

    if (d->machine_refused) {
        ag_add(a, AGR_MACHINE_UNKNOWN, AG_FAILS, di, "configuration", -1,
               NULL, g_strdup("unsupported machine type"),
               "the destination binary has no machine type '%s'", src);
        return;
    }
    if (!src || !d->machine) {
        ag_add(a, AGR_MACHINE, AG_CANNOT_TELL, di, "configuration", -1, NULL,
               NULL, "%s", !src ? "the stream has no configuration section "
               "(machine types up to 2.3): no machine type to compare"
               : "the destination does not say its machine type");
        return;
    }
    if (machine_matches(src, d->machine)) {
        ag_add(a, AGR_MACHINE, AG_LOADS, di, "configuration", -1, NULL, NULL,
               "machine type '%s' matches the destination's '%s'", src,
               d->machine);
        return;
    }
    ag_add(a, AGR_MACHINE, AG_FAILS, di, "configuration", -1, NULL,
           g_strdup_printf("Machine type received is '%s' and local is '%s'",
                           src, d->machine),
           "the stream's machine type '%s' is not the destination's '%s'",
           src, d->machine);
}

/* ---- sections ---- */

static json_object *section_desc(const StreamModel *m, const StreamSection *s)
{
    const GArray *devs = m->vmdesc.desc.devices;

    for (guint i = 0; m->vmdesc.parsed && devs && i < devs->len; i++) {
        const VmdescDevice *d = &g_array_index(devs, VmdescDevice, i);
        if (d->instance_id == s->instance_id && !strcmp(d->name, s->idstr)) {
            return d->desc;
        }
    }
    return NULL;
}

static char *unknown_line(const StreamSection *s)
{
    return g_strdup_printf("Unknown savevm section or instance '%s' %u. Make "
                           "sure that your current VM setup matches your saved "
                           "VM setup, including any hotplugged devices",
                           s->idstr, s->instance_id);
}

static void check_version(Against *a, guint di, const StreamSection *s,
                          int64_t local, int64_t min, const char *vmsd)
{
    if (s->version > local) {
        ag_add(a, AGR_VERSION_NEW, AG_FAILS, di, s->idstr, s->instance_id,
               NULL, g_strdup_printf("savevm: unsupported version %u for "
                                     "'%s' v%" G_GINT64_FORMAT, s->version,
                                     s->idstr, local),
               "section version %u is newer than the destination's %s "
               "version_id %" G_GINT64_FORMAT, s->version, vmsd, local);
    } else if (min >= 0 && s->version < min) {
        ag_add(a, AGR_VERSION_OLD, AG_FAILS, di, s->idstr, s->instance_id,
               NULL, g_strdup_printf("%s: incoming version_id %u is too old "
                                     "for local minimum version_id %"
                                     G_GINT64_FORMAT, vmsd, s->version, min),
               "section version %u is older than the destination's %s "
               "minimum_version_id %" G_GINT64_FORMAT, s->version, vmsd, min);
    } else {
        ag_add(a, AGR_VERSION_NEW, AG_LOADS, di, s->idstr, s->instance_id,
               NULL, NULL, "section version %u within the destination's "
               "[%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "]", s->version,
               min < 0 ? 0 : min, local);
    }
}

static void check_against_vmsd(Against *a, guint di, const StreamSection *s,
                               const VdVmsd *v)
{
    json_object *desc;

    check_version(a, di, s, v->version_id, v->minimum_version_id, v->name);
    if (s->version > v->version_id || s->version < v->minimum_version_id) {
        return;
    }
    desc = section_desc(a->m, s);
    if (desc) {
        a->fields_compared = true;
        ag_compare_fields(a, di, s, desc, v);
    }
}

/* The worst verdict of the findings from index 'from' on. */
static AgVerdict worst_since(const Against *a, guint from)
{
    AgVerdict w = AG_UNCHECKED;

    for (guint i = from; i < a->findings->len; i++) {
        w = MAX(w, g_array_index(a->findings, AgFinding, i).verdict);
    }
    return w;
}

/* Several distinct vmsds can share a name (7.2's isa-vga and VGA are both
 * "vga"): the section is one of them, so the one that fits best is kept,
 * and a note says which. */
static void check_section_dump(Against *a, guint di, const AgSection *as)
{
    const GPtrArray *all = vmstate_dump_find_all(dest_at(a, di)->dump,
                                                 as->vmsd_name);
    const StreamSection *s = as->s;
    guint from = a->findings->len, best = 0;
    AgVerdict best_v = AG_FAILS + 1;

    if (!all || !all->len) {
        /* Not only global handlers (cpu, apic, timer, ram) are missing from
         * a dump: devices that register their vmsd themselves too (7.2's
         * piix3-ide "ide"), so absence proves nothing. */
        ag_add(a, AGR_SECTION_NOT_DESCRIBED, AG_UNCHECKED, di, s->idstr,
               s->instance_id, NULL, NULL, "vmsd '%s' is not in the dump (it "
               "lists the vmsds of device types only; not cpu, apic, timer, "
               "ram, nor devices that register their own, nor devices the "
               "build lacks)", as->vmsd_name);
        return;
    }
    for (guint i = 0; all->len > 1 && i < all->len; i++) {
        const VdDevice *dev = g_ptr_array_index(all, i);
        check_against_vmsd(a, di, s, dev->vmsd);
        AgVerdict v = worst_since(a, from);
        g_array_set_size(a->findings, from);
        if (v < best_v) {
            best_v = v;
            best = i;
        }
    }
    const VdDevice *dev = g_ptr_array_index(all, best);
    if (all->len > 1) {
        ag_add(a, AGR_SECTION_UNKNOWN, AG_LOADS, di, s->idstr, s->instance_id,
               NULL, NULL, "%u different vmsds are named '%s' in the dump; "
               "compared with the one of device type '%s', which fits best",
               all->len, as->vmsd_name, dev->type);
    }
    check_against_vmsd(a, di, s, dev->vmsd);
}

static const StreamSection *ref_section(const StreamModel *r,
                                        const StreamSection *s)
{
    for (guint i = 0; i < r->sections->len; i++) {
        const StreamSection *t = &g_array_index(r->sections, StreamSection, i);
        if ((t->type == QEMU_VM_SECTION_FULL ||
             t->type == QEMU_VM_SECTION_START) &&
            t->instance_id == s->instance_id && !strcmp(t->idstr, s->idstr)) {
            return t;
        }
    }
    return NULL;
}

static void check_section_ref(Against *a, guint di, const AgSection *as)
{
    const StreamSection *s = as->s, *t = ref_section(dest_at(a, di)->stream,
                                                     s);

    if (!t) {
        ag_add(a, AGR_SECTION_UNKNOWN, AG_FAILS, di, s->idstr, s->instance_id,
               NULL, unknown_line(s), "the destination's configuration has "
               "no section '%s' instance %u", s->idstr, s->instance_id);
        return;
    }
    if (s->version > t->version) {
        check_version(a, di, s, t->version, -1, s->idstr);
        return;
    }
    ag_add(a, AGR_SECTION_UNKNOWN, AG_LOADS, di, s->idstr, s->instance_id,
           NULL, NULL, "the destination has section '%s' instance %u "
           "(version %u)%s", s->idstr, s->instance_id, t->version,
           s->version < t->version ? "; its minimum version is not in a "
           "stream" : "");
}

static const char *last_part(const char *idstr)
{
    const char *slash = strrchr(idstr, '/');

    return slash ? slash + 1 : idstr;
}

static void collect_sections(Against *a)
{
    for (guint i = 0; i < a->m->sections->len; i++) {
        const StreamSection *s = &g_array_index(a->m->sections, StreamSection,
                                                i);
        if (s->type != QEMU_VM_SECTION_FULL &&
            s->type != QEMU_VM_SECTION_START) {
            continue;
        }
        AgSection as = { .s = s, .first_bad = G_MAXUINT,
                         .vmsd_name = s->vmsd_name ? s->vmsd_name
                                                   : last_part(s->idstr) };
        g_array_append_val(a->sections, as);
    }
}

/* ---- RAM blocks ---- */

static const RamBlock *ref_block(const StreamModel *r, const char *idstr)
{
    for (guint i = 0; r->ram.blocks && i < r->ram.blocks->len; i++) {
        const RamBlock *b = &g_array_index(r->ram.blocks, RamBlock, i);
        if (!strcmp(b->idstr, idstr)) {
            return b;
        }
    }
    return NULL;
}

static void check_blocks(Against *a, guint di)
{
    const StreamModel *r = dest_at(a, di)->stream;

    for (guint i = 0; i < a->blocks->len; i++) {
        AgBlock *ab = &g_array_index(a->blocks, AgBlock, i);
        const RamBlock *b = ab->b, *t = ref_block(r, b->idstr);

        if (!t) {
            ag_add(a, AGR_RAMBLOCK_UNKNOWN, AG_FAILS, di, b->idstr, -1, NULL,
                   g_strdup_printf("Unknown ramblock \"%s\", cannot accept "
                                   "migration", b->idstr),
                   "the destination has no RAM block '%s'", b->idstr);
            continue;
        }
        ab->dest_length = (int64_t)t->used_length;
        if (t->used_length == b->used_length) {
            ag_add(a, AGR_RAMBLOCK_SIZE, AG_LOADS, di, b->idstr, -1, NULL,
                   NULL, "same used length 0x%" G_GINT64_MODIFIER "x",
                   b->used_length);
        } else if (g_str_has_prefix(b->idstr, "/rom@")) {
            ag_add(a, AGR_RAMBLOCK_RESIZEABLE, AG_CANNOT_TELL, di, b->idstr,
                   -1, NULL, NULL, "used length 0x%" G_GINT64_MODIFIER "x, "
                   "the destination's 0x%" G_GINT64_MODIFIER "x: a resizeable "
                   "firmware blob, loads if within its max_length",
                   b->used_length, t->used_length);
        } else {
            ag_add(a, AGR_RAMBLOCK_SIZE, AG_FAILS, di, b->idstr, -1, NULL,
                   g_strdup_printf("Size mismatch: %s: 0x%" G_GINT64_MODIFIER
                                   "x != 0x%" G_GINT64_MODIFIER "x", b->idstr,
                                   b->used_length, t->used_length),
                   "used length 0x%" G_GINT64_MODIFIER "x, the destination's "
                   "0x%" G_GINT64_MODIFIER "x", b->used_length,
                   t->used_length);
        }
    }
}

/* ---- verdicts ---- */

static bool names_section(const AgFinding *f, const AgSection *as)
{
    return f->instance_id == (int64_t)as->s->instance_id &&
           !strcmp(f->subject, as->s->idstr);
}

/* The worst finding decides, a section-level one before a field's;
 * "unchecked" only when nothing checked it. */
static void fold(const Against *a, AgVerdict *v, guint *first,
                 const AgFinding *f, guint i)
{
    const AgFinding *cur = *first < a->findings->len
        ? &g_array_index(a->findings, AgFinding, *first) : NULL;

    if (f->verdict > *v || (cur && f->verdict == *v && cur->field &&
                            !f->field)) {
        *v = f->verdict;
        *first = i;
    }
}

/* Where QEMU's load meets this finding: the configuration first, then each
 * section in stream order (RAM blocks at the "ram" section's start), the
 * section's own checks before its fields. */
static uint64_t load_order(const Against *a, const AgFinding *f)
{
    bool block = f->rule >= AGR_RAMBLOCK_UNKNOWN;

    if (f->rule == AGR_MACHINE || f->rule == AGR_MACHINE_UNKNOWN) {
        return 0;
    }
    for (guint k = 0; k < a->sections->len; k++) {
        const AgSection *as = &g_array_index(a->sections, AgSection, k);
        if ((block && !strcmp(as->s->idstr, "ram")) ||
            (!block && names_section(f, as))) {
            return ((uint64_t)k + 1) * 4 + (block ? 1 : f->field ? 2 : 0);
        }
    }
    return G_MAXUINT64;
}

static void decide_overall(Against *a)
{
    uint64_t best = G_MAXUINT64;

    a->verdict = AG_LOADS;
    a->decisive = G_MAXUINT;
    for (guint i = 0; i < a->findings->len; i++) {
        const AgFinding *f = &g_array_index(a->findings, AgFinding, i);
        uint64_t at = f->verdict > AG_LOADS ? load_order(a, f) : 0;

        if (f->verdict > a->verdict ||
            (f->verdict == a->verdict && f->verdict > AG_LOADS && at < best)) {
            a->verdict = f->verdict;
            a->decisive = i;
            best = at;
        }
    }
}

static void decide(Against *a)
{
    for (guint i = 0; i < a->findings->len; i++) {
        const AgFinding *f = &g_array_index(a->findings, AgFinding, i);
        bool matched = false;

        for (guint k = 0; k < a->sections->len && f->instance_id >= 0; k++) {
            AgSection *as = &g_array_index(a->sections, AgSection, k);
            if (names_section(f, as)) {
                fold(a, &as->verdict, &as->first_bad, f, i);
                as->findings++;
                matched = true;
                break;
            }
        }
        for (guint k = 0; !matched && k < a->blocks->len; k++) {
            AgBlock *ab = &g_array_index(a->blocks, AgBlock, k);
            if (f->instance_id < 0 && !strcmp(f->subject, ab->b->idstr) &&
                f->rule >= AGR_RAMBLOCK_UNKNOWN) {
                fold(a, &ab->verdict, &ab->first_bad, f, i);
            }
        }
        if (f->rule == AGR_MACHINE || f->rule == AGR_MACHINE_UNKNOWN) {
            guint dummy = G_MAXUINT;
            fold(a, &a->machine_verdict, &dummy, f, i);
        }
    }
    decide_overall(a);
    for (guint k = 0; k < a->sections->len; k++) {
        a->unchecked += g_array_index(a->sections, AgSection, k).verdict ==
                        AG_UNCHECKED;
    }
}

Against *against_run(const StreamModel *m, GPtrArray *dests)
{
    Against *a = g_new0(Against, 1);

    a->m = m;
    a->dests = dests;
    a->findings = g_array_new(FALSE, TRUE, sizeof(AgFinding));
    g_array_set_clear_func(a->findings, finding_clear);
    a->sections = g_array_new(FALSE, TRUE, sizeof(AgSection));
    a->blocks = g_array_new(FALSE, TRUE, sizeof(AgBlock));
    a->has_vmdesc = m->vmdesc.parsed;
    collect_sections(a);
    for (guint i = 0; m->ram.blocks && i < m->ram.blocks->len; i++) {
        AgBlock ab = { .b = &g_array_index(m->ram.blocks, RamBlock, i),
                       .dest_length = -1, .first_bad = G_MAXUINT };
        g_array_append_val(a->blocks, ab);
    }
    for (guint di = 0; di < dests->len; di++) {
        const AgDest *d = dest_at(a, di);

        check_machine(a, di);
        if (d->machine_refused || (!d->dump && !d->stream)) {
            continue;
        }
        for (guint k = 0; k < a->sections->len; k++) {
            const AgSection *as = &g_array_index(a->sections, AgSection, k);
            if (d->dump) {
                check_section_dump(a, di, as);
            } else {
                check_section_ref(a, di, as);
            }
        }
        if (d->stream) {
            check_blocks(a, di);
        }
        if (d->dump && !a->has_vmdesc) {
            ag_add(a, AGR_FIELDS_NO_VMDESC, AG_LOADS, di, "vmdesc", -1, NULL,
                   NULL, "the stream has no vmdesc (postcopy or "
                   "suppress-vmdesc): fields could not be compared, only "
                   "sections and versions");
        }
    }
    decide(a);
    return a;
}
