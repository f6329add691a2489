/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: the page records the stream decoder hands to a consumer
 * (extraction), from memory-sized and short reads: same records, each
 * inside its block and the input. */
#include "hostile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hostile_set_case("fuzz-ram-pages");
    hostile_ram_pages(data, size);
    return 0;
}
