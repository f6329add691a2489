/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of cprdump/escape.c: what a hostile name becomes in human text. */
#include <glib.h>
#include <locale.h>
#include <string.h>

#include "render/escape.h"

static void expect(const char *in, const char *want)
{
    g_autofree char *got = text_escape(in);

    g_assert_cmpstr(got, ==, want);
}

static bool use_locale(const char *name)
{
    if (!setlocale(LC_ALL, name)) {
        g_test_skip("locale not available");
        return false;
    }
    return true;
}

static void test_utf8_locale(void)
{
    if (!use_locale("C.UTF-8")) {
        return;
    }
    expect("plain pc.ram", "plain pc.ram");
    expect("\xc3\xa9t\xc3\xa9-\xe2\x98\x83", "\xc3\xa9t\xc3\xa9-\xe2\x98\x83");
    expect("esc\x1b[31m", "esc\\x1b[31m");
    expect("del\x7f c1\xc2\x85 bad\xff", "del\\x7f c1\\u0085 bad\\xff");
    expect("back\\slash", "back\\\\slash");
    /* bidi override, zero-width space, BOM, line separator, soft hyphen, tag */
    expect("a\xe2\x80\xae" "b", "a\\u202eb");
    expect("a\xe2\x80\x8b" "b\xef\xbb\xbf", "a\\u200bb\\ufeff");
    expect("a\xe2\x80\xa8" "b\xc2\xad", "a\\u2028b\\u00ad");
    expect("\xf3\xa0\x80\x81", "\\U000e0001");
    expect("unassigned\xcd\xb8", "unassigned\\u0378");
    /* surrogates are not valid UTF-8: bytes */
    expect("\xed\xa0\x80", "\\xed\\xa0\\x80");
}

/* Regression: outside a UTF-8 locale, a valid UTF-8 name went to
 * libsmartcols as is, which then looped forever measuring it. */
static void test_c_locale(void)
{
    if (!use_locale("C")) {
        return;
    }
    expect("plain pc.ram", "plain pc.ram");
    expect("\xc3\xa9t\xc3\xa9-\xe2\x98\x83",
           "\\xc3\\xa9t\\xc3\\xa9-\\xe2\\x98\\x83");
    expect("bad\xff", "bad\\xff");
    g_assert_false(text_is_clean("\xc3\xa9"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/escape/utf8-locale", test_utf8_locale);
    g_test_add_func("/escape/c-locale", test_c_locale);
    return g_test_run();
}
