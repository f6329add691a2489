/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: the migration stream decoder (ram and vmdesc included), from
 * memory and through an FmtSource with and without skip: all must agree. */
#include "hostile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hostile_set_case("fuzz-stream");
    hostile_stream(data, size);
    return 0;
}
