/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the diff engine (cprdump/check/diff.c), the vmdesc field walk
 * (formats/vmdesc_fields.c), the volatile list and the cpreg names.
 */
#include <glib.h>
#include <json-c/json.h>
#include <string.h>

#include "check/diff.h"
#include "check/diff_cpreg.h"
#include "vmdesc_fields.h"

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

/* ---- the vmdesc walk, on a description of QEMU's shape ---- */

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

static uint32_t record(void *opaque, uint32_t parent, const VdfItem *it)
{
    GString *s = opaque;

    g_string_append_printf(s, "%u %s %" G_GUINT64_FORMAT, parent, it->path,
                           it->offset);
    if (it->bytes) {
        for (uint64_t i = 0; i < it->size; i++) {
            g_string_append_printf(s, " %02x", it->bytes[i]);
        }
    }
    g_string_append_c(s, '\n');
    return (uint32_t)s->len;    /* any handle: the offset in the text */
}

static void test_walk(void)
{
    json_object *d = json_tokener_parse(desc_json);
    g_autoptr(GString) s = g_string_new(NULL);
    uint64_t n = vmdesc_fields_walk(d, body, sizeof(body), 7, record, s);
    g_auto(GStrv) lines = g_strsplit(s->str, "\n", -1);

    g_assert_cmpuint(n, ==, sizeof(body));
    g_assert_cmpstr(lines[0], ==, "7 a 0 00 01");
    g_assert_true(g_str_has_prefix(lines[1], "7 r 2"));
    g_assert_true(g_str_has_suffix(lines[2], " r[0] 2 00 00 00 02"));
    g_assert_true(g_str_has_suffix(lines[3], " r[1] 6 00 00 00 03"));
    g_assert_true(g_str_has_prefix(lines[4], "7 s 10"));
    g_assert_true(g_str_has_suffix(lines[5], " s.x 10 04"));
    g_assert_true(g_str_has_prefix(lines[6], "7 u 11"));
    g_assert_true(g_str_has_suffix(lines[7], " u[0] 11 05"));
    g_assert_true(g_str_has_suffix(lines[8], " u[1] 12 06"));
    g_assert_true(g_str_has_prefix(lines[9], "7 dev/sub 13"));
    g_assert_true(g_str_has_suffix(lines[10], " dev/sub.y 26 08"));
    g_assert_cmpstr(lines[11], ==, "");
    /* a body cut short: the elements past its end have no bytes, or are not
     * visited at all (arrays) */
    g_string_truncate(s, 0);
    vmdesc_fields_walk(d, body, 4, 7, record, s);
    g_assert_true(strstr(s->str, " r[0] ") == NULL);
    g_assert_nonnull(strstr(s->str, "7 a 0 00 01\n"));
    json_object_put(d);
}

static void test_walk_hostile(void)
{
    /* a huge array_len without a body visits the array once, no element */
    json_object *d = json_tokener_parse(
        "{\"fields\":[{\"name\":\"big\",\"type\":\"uint8\",\"size\":1,"
        "\"array_len\":2000000000}]}");
    g_autoptr(GString) s = g_string_new(NULL);

    vmdesc_fields_walk(d, NULL, 0, 0, record, s);
    g_assert_cmpstr(s->str, ==, "0 big 0\n");
    json_object_put(d);
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
    g_test_add_func("/diff/vmdesc-walk", test_walk);
    g_test_add_func("/diff/vmdesc-walk-hostile", test_walk_hostile);
    g_test_add_func("/diff/cpreg-names", test_cpreg_names);
    return g_test_run();
}
