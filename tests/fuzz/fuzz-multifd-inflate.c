/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: the compressed page data of a multifd channel (zlib or zstd),
 * packet after packet through one inflater, as --extract-ram reads it. */
#include "hostile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hostile_set_case("fuzz-multifd-inflate");
    hostile_multifd_inflate(data, size);
    return 0;
}
