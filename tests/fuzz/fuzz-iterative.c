/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: one chunk of a live section other than ram (spapr/htab,
 * s390-storage_attributes, dirty-bitmap, block), the kind from the first
 * byte, from memory and through a source of short reads. */
#include "hostile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hostile_set_case("fuzz-iterative");
    hostile_iterative(data, size);
    return 0;
}
