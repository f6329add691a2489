/* SPDX-License-Identifier: GPL-2.0-or-later */
/* formats/multifd_comp.c: a channel's packets inflate in their order, each to
 * exactly its pages; out of order, short or after a failure they do not. */
#include <glib.h>

#include "multifd.h"
#include "multifd_comp.h"
#include "multifd_seed.h"

static const guint npages[] = { 3, 128, 1, 17 };

static void inflate_all(gconstpointer data)
{
    bool zstd = GPOINTER_TO_INT(data);
    uint32_t flags = zstd ? MULTIFD_FLAG_ZSTD : MULTIFD_FLAG_ZLIB;
    g_autoptr(GPtrArray) pk = seed_compress(zstd, npages, G_N_ELEMENTS(npages));
    g_autoptr(MultifdInflater) z = multifd_inflater_new();
    g_autofree uint8_t *out = g_malloc(MULTIFD_PACKET_SIZE);
    uint8_t want[SEED_PAGE];
    const char *why = NULL;

    g_assert_cmpstr(multifd_comp_name(flags), ==, zstd ? "zstd" : "zlib");
    for (guint p = 0; p < pk->len; p++) {
        gsize n;
        const uint8_t *in = g_bytes_get_data(pk->pdata[p], &n);

        g_assert_true(multifd_inflate(z, flags, in, n, out,
                                      npages[p] * SEED_PAGE, &why));
        for (guint k = 0; k < npages[p]; k++) {
            seed_page(want, p, k);
            g_assert_cmpmem(out + k * SEED_PAGE, SEED_PAGE, want, SEED_PAGE);
        }
    }
}

/* The second packet alone, without the first: the stream state is missing. */
static void out_of_order(gconstpointer data)
{
    bool zstd = GPOINTER_TO_INT(data);
    uint32_t flags = zstd ? MULTIFD_FLAG_ZSTD : MULTIFD_FLAG_ZLIB;
    g_autoptr(GPtrArray) pk = seed_compress(zstd, npages, G_N_ELEMENTS(npages));
    g_autoptr(MultifdInflater) z = multifd_inflater_new();
    g_autoptr(MultifdInflater) z2 = multifd_inflater_new();
    g_autofree uint8_t *out = g_malloc(MULTIFD_PACKET_SIZE);
    const char *why = NULL;
    gsize n0, n1;
    const uint8_t *p0 = g_bytes_get_data(pk->pdata[0], &n0);
    const uint8_t *p1 = g_bytes_get_data(pk->pdata[1], &n1);

    g_assert_false(multifd_inflate(z, flags, p1, n1, out, 128 * SEED_PAGE, &why));
    g_assert_nonnull(why);
    /* lost for good: even the right first packet fails now */
    g_assert_false(multifd_inflate(z, flags, p0, n0, out, 3 * SEED_PAGE, &why));
    g_assert_cmpstr(why, ==, "an earlier packet of this channel did not inflate");
    /* a packet that claims one page more than it holds */
    g_assert_false(multifd_inflate(z2, flags, p0, n0, out, 4 * SEED_PAGE, &why));
    g_assert_true(g_str_has_suffix(why, "fewer bytes than normal_pages pages"));
}

static void refused(void)
{
    g_autoptr(MultifdInflater) z = multifd_inflater_new();
    uint8_t out[SEED_PAGE];
    const char *why = NULL;

    g_assert_null(multifd_comp_name(4u << 1));   /* qpl */
    g_assert_false(multifd_inflate(z, 8u << 1, out, 1, out, sizeof(out), &why));
    g_assert_true(g_str_has_prefix(why, "compression method cprdump cannot"));
    g_assert_false(multifd_inflate(z, MULTIFD_FLAG_ZLIB, out,
                                   MULTIFD_COMP_MAX_IN + 1, out, sizeof(out),
                                   &why));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_data_func("/multifd-comp/zlib", GINT_TO_POINTER(0), inflate_all);
    g_test_add_data_func("/multifd-comp/zstd", GINT_TO_POINTER(1), inflate_all);
    g_test_add_data_func("/multifd-comp/zlib-order", GINT_TO_POINTER(0),
                         out_of_order);
    g_test_add_data_func("/multifd-comp/zstd-order", GINT_TO_POINTER(1),
                         out_of_order);
    g_test_add_func("/multifd-comp/refused", refused);
    return g_test_run();
}
