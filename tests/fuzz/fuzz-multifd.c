/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: a recorded multifd channel (init packet, packets), walked from
 * memory and through a source, for three target page sizes. */
#include "hostile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hostile_set_case("fuzz-multifd");
    hostile_multifd(data, size);
    return 0;
}
