/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the diff engine (cprdump/check/diff.c), the typed device
 * fields as facts (cprdump/check/diff_fields.c, over formats/vmstate.c), the
 * volatile list and the cpreg names.
 */
#include <glib.h>
#include <json-c/json.h>
#include <string.h>

#include "check/diff.h"
#include "check/diff_cpreg.h"
#include "check/diff_fields.h"
#include "vmstate.h"

/* "KIND GROUP: PATH A B" lines of a result, for exact comparisons. */
static char *result_text(const DiffResult *r)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < r->changes->len; i++) {
        const DiffChange *c = &g_array_index(r->changes, DiffChange, i);
        g_autofree char *p = diff_full_path(c->group, c->path);
        g_string_append_printf(s, "%s %s %s %s\n", diff_kind_name(c->kind), p,
                               c->a ? c->a : "-", c->b ? c->b : "-");
    }
    return g_string_free(s, FALSE);
}

static char *compare_text(DiffFacts *a, DiffFacts *b, const DiffOpts *o,
                          uint64_t *ignored)
{
    DiffResult r;
    char *t;

    diff_compare(a, b, o, &r);
    t = result_text(&r);
    if (ignored) {
        *ignored = r.ignored;
    }
    diff_result_clear(&r);
    return t;
}

static void section(DiffFacts *f, const char *g, const char *version,
                    const char *mac)
{
    uint32_t s = diff_fact(f, DIFF_NO_PARENT, 0, g, "", "e1000");
    uint32_t arr;

    diff_fact(f, s, FACT_VERSION, g, "version", "%s", version);
    arr = diff_fact(f, s, 0, g, "mac_reg", "uint32 4 bytes x2");
    diff_fact(f, arr, 0, g, "mac_reg[0]", "0x12005452");
    diff_fact(f, arr, 0, g, "mac_reg[1]", "%s", mac);
}

static void test_kinds(void)
{
    g_autoptr(DiffFacts) a = diff_facts_new();
    g_autoptr(DiffFacts) b = diff_facts_new();
    DiffOpts o = { 0 };
    g_autofree char *t = NULL;

    section(a, "e1000#0", "2", "0x80005634");
    section(b, "e1000#0", "3", "0x8000efcd");
    section(a, "gone#0", "1", "0x0");            /* only in A: one line */
    diff_fact(b, DIFF_NO_PARENT, 0, "new#0", "", "vmsd");
    diff_fact(b, 0, 0, "e1000#0", "e1000/mit_state", "v1");   /* B only */
    t = compare_text(a, b, &o, NULL);
    g_assert_cmpstr(t, ==,
                    "version e1000#0: version 2 3\n"
                    "changed e1000#0: mac_reg[1] 0x80005634 0x8000efcd\n"
                    "added e1000#0: e1000/mit_state - v1\n"
                    "removed gone#0 e1000 -\n"
                    "added new#0 - vmsd\n");
}

static void test_equal_and_exit(void)
{
    g_autoptr(DiffFacts) a = diff_facts_new();
    g_autoptr(DiffFacts) b = diff_facts_new();
    DiffOpts o = { 0 };
    DiffResult r;

    section(a, "e1000#0", "2", "0x1");
    section(b, "e1000#0", "2", "0x1");
    diff_compare(a, b, &o, &r);
    g_assert_cmpuint(r.changes->len, ==, 0);
    g_assert_cmpuint(r.ignored, ==, 0);
    diff_result_clear(&r);
}

static void test_ignore(void)
{
    g_autoptr(DiffFacts) a = diff_facts_new();
    g_autoptr(DiffFacts) b = diff_facts_new();
    const char *const globs[] = { "e1000#?: mac_reg[*]", NULL };
    DiffOpts o = { globs, false };
    g_autofree char *t = NULL;
    uint64_t ignored;

    section(a, "e1000#0", "2", "0x1");
    section(b, "e1000#0", "3", "0x2");
    t = compare_text(a, b, &o, &ignored);
    /* brackets are literal: "[*]" matches "[1]" but the glob does not match
     * the version fact */
    g_assert_cmpstr(t, ==, "version e1000#0: version 2 3\n");
    g_assert_cmpuint(ignored, ==, 1);
}

static void test_volatile(void)
{
    g_autoptr(DiffFacts) a = diff_facts_new();
    g_autoptr(DiffFacts) b = diff_facts_new();
    DiffOpts o = { NULL, true };
    g_autofree char *t = NULL;
    uint64_t ignored;

    diff_fact(a, DIFF_NO_PARENT, 0, "timer#0", "cpu_clock_offset", "0x1");
    diff_fact(b, DIFF_NO_PARENT, 0, "timer#0", "cpu_clock_offset", "0x2");
    diff_fact(a, DIFF_NO_PARENT, 0, "i8254#0", "channels[2].count_load_time",
              "0x1");
    diff_fact(b, DIFF_NO_PARENT, 0, "i8254#0", "channels[2].count_load_time",
              "0x2");
    diff_fact(a, DIFF_NO_PARENT, 0, "i8254#0", "channels[2].mode", "0x1");
    diff_fact(b, DIFF_NO_PARENT, 0, "i8254#0", "channels[2].mode", "0x2");
    t = compare_text(a, b, &o, &ignored);
    g_assert_cmpstr(t, ==, "changed i8254#0: channels[2].mode 0x1 0x2\n");
    g_assert_cmpuint(ignored, ==, 2);
    /* every glob of the list matches the paths real QEMU gives it */
    g_assert_true(diff_is_volatile("cpu#0: env.tsc"));
    g_assert_true(diff_is_volatile("mc146818rtc#0: cmos_data+0x0"));
    g_assert_false(diff_is_volatile("mc146818rtc#0: cmos_data+0x30"));
    g_assert_false(diff_is_volatile("cpu#0: env.regs[0]"));
    g_assert_false(diff_is_volatile("0000:00:02.0/e1000#0: mac_reg[0][0]"));
}

/* A buffer whose size changed: one line, not one per piece. */
static void test_whole(void)
{
    g_autoptr(DiffFacts) a = diff_facts_new();
    g_autoptr(DiffFacts) b = diff_facts_new();
    DiffOpts o = { 0 };
    g_autofree char *t = NULL;
    uint32_t na = diff_fact(a, DIFF_NO_PARENT, FACT_WHOLE, "d#0", "buf",
                            "buffer 32 bytes");
    uint32_t nb = diff_fact(b, DIFF_NO_PARENT, FACT_WHOLE, "d#0", "buf",
                            "buffer 48 bytes");

    diff_fact(a, na, 0, "d#0", "buf+0x0", "0x00");
    diff_fact(a, na, 0, "d#0", "buf+0x10", "0x01");
    diff_fact(b, nb, 0, "d#0", "buf+0x0", "0x02");
    diff_fact(b, nb, 0, "d#0", "buf+0x10", "0x01");
    diff_fact(b, nb, 0, "d#0", "buf+0x20", "0x03");
    t = compare_text(a, b, &o, NULL);
    g_assert_cmpstr(t, ==, "changed d#0: buf buffer 32 bytes buffer 48 bytes\n");
    /* the same size: the pieces are compared */
    g_autoptr(DiffFacts) c = diff_facts_new();
    uint32_t nc = diff_fact(c, DIFF_NO_PARENT, FACT_WHOLE, "d#0", "buf",
                            "buffer 32 bytes");
    diff_fact(c, nc, 0, "d#0", "buf+0x0", "0x00");
    diff_fact(c, nc, 0, "d#0", "buf+0x10", "0x05");
    g_free(t);
    t = compare_text(a, c, &o, NULL);
    g_assert_cmpstr(t, ==, "changed d#0: buf+0x10 0x01 0x05\n");
}

static void test_duplicates_and_limit(void)
{
    g_autoptr(DiffFacts) a = diff_facts_new();

    g_assert_cmpuint(diff_fact(a, DIFF_NO_PARENT, 0, "g", "p", "1"), ==, 0);
    g_assert_cmpuint(diff_fact(a, DIFF_NO_PARENT, 0, "g", "p", "2"), ==,
                     DIFF_NO_PARENT);
    g_assert_cmpstr(diff_facts_find(a, "g", "p")->value, ==, "1");
    /* "g" + "p:x" and "g:p" + "x" are different keys */
    g_assert_cmpuint(diff_fact(a, DIFF_NO_PARENT, 0, "g:p", "x", "3"), ==, 1);
    g_assert_cmpuint(diff_fact(a, DIFF_NO_PARENT, 0, "g", "p:x", "4"), ==, 2);
    a->limit = 3;
    g_assert_cmpuint(diff_fact(a, DIFF_NO_PARENT, 0, "g", "q", "5"), ==,
                     DIFF_NO_PARENT);
    g_assert_true(a->over);
}

/* ---- typed fields, on a description of QEMU's shape ---- */

static const char desc_json[] =
    "{\"name\":\"dev\",\"instance_id\":0,\"vmsd_name\":\"dev\",\"version\":2,"
    "\"fields\":["
    "{\"name\":\"a\",\"type\":\"uint16\",\"size\":2},"
    "{\"name\":\"r\",\"type\":\"uint32\",\"size\":4,\"array_len\":2},"
    "{\"name\":\"s\",\"type\":\"struct\",\"size\":1,"
    " \"struct\":{\"vmsd_name\":\"inner\",\"version\":1,"
    "  \"fields\":[{\"name\":\"x\",\"type\":\"uint8\",\"size\":1}]}},"
    "{\"name\":\"u\",\"type\":\"uint8\",\"size\":1},"
    "{\"name\":\"u\",\"type\":\"uint8\",\"size\":1}],"
    "\"subsections\":[{\"vmsd_name\":\"dev/sub\",\"version\":3,"
    " \"fields\":[{\"name\":\"y\",\"type\":\"uint8\",\"size\":1}]}]}";

static const uint8_t body[] = {
    0x00, 0x01,                     /* a */
    0x00, 0x00, 0x00, 0x02,         /* r[0] */
    0x00, 0x00, 0x00, 0x03,         /* r[1] */
    0x04,                           /* s.x */
    0x05, 0x06,                     /* u[0], u[1] (two same-name entries) */
    0x05, 0x07, 'd', 'e', 'v', '/', 's', 'u', 'b', 0, 0, 0, 3,  /* header */
    0x08,                           /* dev/sub.y */
};

/* "PATH=VALUE" lines of a fact list, in order. */
static char *facts_text(const DiffFacts *f)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < f->facts->len; i++) {
        const DiffFact *d = &g_array_index(f->facts, DiffFact, i);
        g_string_append_printf(s, "%s=%s\n", d->path, d->value);
    }
    return g_string_free(s, FALSE);
}

static DiffFacts *tree_facts(const char *json, const uint8_t *b, size_t n)
{
    json_object *d = json_tokener_parse(json);
    VmTree *t = vmstate_decode(d, b, n, 0x100);
    DiffFacts *f = diff_facts_new();

    diff_tree_facts(t, "dev#0", f);
    vmstate_free(t);
    json_object_put(d);
    return f;
}

/* Every field by --device's path, its value as --device prints it. */
static void test_fields(void)
{
    g_autoptr(DiffFacts) f = tree_facts(desc_json, body, sizeof(body));
    g_autofree char *t = facts_text(f);

    g_assert_cmpstr(t, ==,
                    "(fields)=decoded\n"
                    "a=0x0001\n"
                    "r=2 x uint32\n"
                    "r[0]=0x00000002\n"
                    "r[1]=0x00000003\n"
                    "s=struct\n"
                    "s.x=0x04\n"
                    "u=2 x uint8\n"
                    "u[0]=0x05\n"
                    "u[1]=0x06\n"
                    "dev/sub=subsection version 3\n"
                    "dev/sub.y=0x08\n");
}

static const char typed_json[] =
    "{\"fields\":["
    "{\"name\":\"num_tx\",\"type\":\"uint32\",\"size\":4},"
    "{\"name\":\"neg\",\"type\":\"int32\",\"size\":4},"
    "{\"name\":\"on\",\"type\":\"bool\",\"size\":1},"
    "{\"name\":\"t\",\"type\":\"timer\",\"size\":8},"
    "{\"name\":\"x\",\"type\":\"uint8\",\"size\":1},"
    "{\"name\":\"y\",\"type\":\"uint8\",\"size\":1},"
    "{\"name\":\"x\",\"type\":\"uint8\",\"size\":1},"
    "{\"name\":\"buf\",\"type\":\"buffer\",\"size\":20}]}";

static void typed_body(uint8_t *b, uint8_t last)
{
    static const uint8_t head[] = {
        0, 0, 1, 0,                 /* num_tx: a count, decimal */
        0xff, 0xff, 0xff, 0xfe,     /* neg: -2 */
        1,                          /* on */
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,     /* not armed */
        7, 8, 9,                    /* x, y, x again */
    };

    memcpy(b, head, sizeof(head));
    for (unsigned i = 0; i < 20; i++) {
        b[sizeof(head) + i] = (uint8_t)i;
    }
    b[sizeof(head) + 19] = last;
}

/* Decimal counts, signed values, bools, timers, a repeated name "#2", and a
 * buffer in 16-byte pieces; two such sections differ in one piece. */
static void test_typed_values(void)
{
    uint8_t ba[40], bb[40];
    DiffOpts o = { 0 };

    typed_body(ba, 19);
    typed_body(bb, 0xaa);
    g_autoptr(DiffFacts) a = tree_facts(typed_json, ba, sizeof(ba));
    g_autoptr(DiffFacts) b = tree_facts(typed_json, bb, sizeof(bb));
    g_autofree char *t = facts_text(a);
    g_autofree char *c = compare_text(a, b, &o, NULL);

    g_assert_cmpstr(t, ==,
                    "(fields)=decoded\n"
                    "num_tx=256\n"
                    "neg=-2 (0xfffffffe)\n"
                    "on=true\n"
                    "t=-1 (not armed)\n"
                    "x=0x07\n"
                    "y=0x08\n"
                    "x#2=0x09\n"
                    "buf=20 bytes (buffer)\n"
                    "buf+0x0=00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f\n"
                    "buf+0x10=10 11 12 13\n");
    g_assert_cmpstr(c, ==, "changed dev#0: buf+0x10 10 11 12 13 10 11 12 aa\n");
}

/* An Arm cpu's cpreg lists compared by register: one removed, one changed,
 * one added, whatever their positions; the lists' own lengths differ too. */
static const char cpu_json[] =
    "{\"fields\":["
    "{\"name\":\"cpreg_vmstate_indexes\",\"type\":\"uint64\",\"size\":8,"
    "\"array_len\":%d},"
    "{\"name\":\"cpreg_vmstate_values\",\"type\":\"uint64\",\"size\":8,"
    "\"array_len\":%d}]}";

static DiffFacts *cpu_facts(const uint64_t *ids, const uint64_t *vals, int n)
{
    g_autofree char *json = g_strdup_printf(cpu_json, n, n);
    g_autofree uint8_t *b = g_malloc(16 * (size_t)n);

    for (int i = 0; i < n; i++) {
        for (int k = 0; k < 8; k++) {
            b[8 * i + k] = (uint8_t)(ids[i] >> (56 - 8 * k));
            b[8 * (n + i) + k] = (uint8_t)(vals[i] >> (56 - 8 * k));
        }
    }
    return tree_facts(json, b, 16 * (size_t)n);
}

static void test_cpregs(void)
{
    static const uint64_t ia[] = { 0x603000000013c000ull,     /* MIDR_EL1 */
                                   0x603000000013df00ull,     /* CNTFRQ_EL0 */
                                   0x603000000013c011ull };
    static const uint64_t va[] = { 0x411fd070, 62500000, 1 };
    static const uint64_t ib[] = { 0x603000000013df00ull,
                                   0x603000000013c000ull,
                                   0x603000000013c080ull,     /* SCTLR_EL1 */
                                   0x603000000013c011ull };
    static const uint64_t vb[] = { 1000000000, 0x411fd070, 5, 1 };
    g_autoptr(DiffFacts) a = cpu_facts(ia, va, 3);
    g_autoptr(DiffFacts) b = cpu_facts(ib, vb, 4);
    DiffOpts o = { 0 };
    g_autofree char *c = compare_text(a, b, &o, NULL);

    g_assert_cmpstr(c, ==,
                    "changed dev#0: cpreg_vmstate_indexes 3 x uint64 4 x uint64\n"
                    "changed dev#0: cpreg_vmstate_values 3 x uint64 4 x uint64\n"
                    "changed dev#0: cpreg CNTFRQ_EL0 0x0000000003b9aca0 "
                    "0x000000003b9aca00\n"
                    "added dev#0: cpreg SCTLR_EL1 - 0x0000000000000005\n");
}

/* Section by section into one result: each section's changes under its
 * group's place, after the group's own facts. */
static void test_sections_in_order(void)
{
    g_autoptr(DiffFacts) a = diff_facts_new();
    g_autoptr(DiffFacts) b = diff_facts_new();
    g_autoptr(DiffFacts) fa = diff_facts_new();
    g_autoptr(DiffFacts) fb = diff_facts_new();
    DiffOpts o = { 0 };
    DiffResult r;

    section(a, "first#0", "1", "0x1");
    section(a, "second#0", "1", "0x1");
    section(b, "first#0", "2", "0x1");
    section(b, "second#0", "2", "0x1");
    diff_fact(fa, DIFF_NO_PARENT, 0, "first#0", "f", "1");
    diff_fact(fb, DIFF_NO_PARENT, 0, "first#0", "f", "2");
    diff_result_init(&r);
    diff_compare_add(a, b, &o, 0, &r);
    diff_compare_add(fa, fb, &o, diff_group_order(a, "first#0"), &r);
    diff_facts_free(g_steal_pointer(&fa));
    diff_facts_free(g_steal_pointer(&fb));  /* the result keeps its strings */
    diff_result_finish(&r);
    g_autofree char *t = result_text(&r);
    g_assert_cmpstr(t, ==,
                    "version first#0: version 1 2\n"
                    "changed first#0: f 1 2\n"
                    "version second#0: version 1 2\n");
    diff_result_clear(&r);
}

/* A huge array_len over a short body costs nothing: the decoder stops at
 * the body's end with a mismatch, the facts stay few. */
static void test_fields_hostile(void)
{
    static const uint8_t b[4] = { 1, 2, 3, 4 };
    g_autoptr(DiffFacts) f = tree_facts(
        "{\"fields\":[{\"name\":\"big\",\"type\":\"uint8\",\"size\":1,"
        "\"array_len\":2000000000}]}", b, sizeof(b));

    g_assert_cmpuint(f->facts->len, <, 8);
    g_assert_nonnull(diff_facts_find(f, "dev#0", "(fields)"));
}

static void test_cpreg_names(void)
{
    static const struct { uint64_t id; const char *name; } cases[] = {
        { 0x603000000013c000ull, "MIDR_EL1" },          /* S3_0_C0_C0_0 */
        { 0x603000000013c080ull, "SCTLR_EL1" },         /* S3_0_C1_C0_0 */
        { 0x603000000013df00ull, "CNTFRQ_EL0" },        /* S3_3_C14_C0_0 */
        { 0x603000000013c011ull, "S3_0_C0_C2_1" },      /* no table name */
        { 0x40200000200f0821ull, "p15,4,c1,c0,1 (ns)" },
        { 0x40300000200e0080ull, "p14,0,c1 (ns)" },    /* 64-bit */
        { 0x7000000000000001ull, "0x7000000000000001" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *n = cpreg_name(cases[i].id);
        g_assert_cmpstr(n, ==, cases[i].name);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/diff/kinds", test_kinds);
    g_test_add_func("/diff/equal", test_equal_and_exit);
    g_test_add_func("/diff/ignore", test_ignore);
    g_test_add_func("/diff/volatile", test_volatile);
    g_test_add_func("/diff/whole", test_whole);
    g_test_add_func("/diff/duplicates-limit", test_duplicates_and_limit);
    g_test_add_func("/diff/fields", test_fields);
    g_test_add_func("/diff/typed-values", test_typed_values);
    g_test_add_func("/diff/cpregs", test_cpregs);
    g_test_add_func("/diff/sections-in-order", test_sections_in_order);
    g_test_add_func("/diff/fields-hostile", test_fields_hostile);
    g_test_add_func("/diff/cpreg-names", test_cpreg_names);
    return g_test_run();
}
