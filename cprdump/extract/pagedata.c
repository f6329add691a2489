/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "extract/pagedata.h"

#include <string.h>
#include <zlib.h>

#include "cli_error.h"
#include "exitcodes.h"
#include "xbzrle.h"

static bool bad(GError **errp, const char *label, const RamPage *pg,
                const char *what)
{
    g_set_error(errp, CPRDUMP_ERROR, EXIT_MALFORMED, "%s: %s at offset 0x%"
                G_GINT64_MODIFIER "x (page 0x%" G_GINT64_MODIFIER "x of its "
                "block)", label, what, pg->data_offset, pg->offset);
    return false;
}

bool page_inflate(const RamPage *pg, uint8_t *out, uint32_t page_size,
                  const char *label, GError **errp)
{
    uLongf n = page_size;

    if (uncompress(out, &n, pg->data, (uLong)pg->len) != Z_OK) {
        return bad(errp, label, pg, "compressed page does not inflate");
    }
    if (n != page_size) {
        memset(out + n, 0, page_size - n);
    }
    return true;
}

bool page_xbzrle(const RamPage *pg, uint8_t *page, uint32_t page_size,
                 const char *label, GError **errp)
{
    if (xbzrle_apply(pg->data, (size_t)pg->len, page, page_size) < 0) {
        return bad(errp, label, pg, "malformed XBZRLE delta");
    }
    return true;
}
