/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: --diff of a pair of inputs (BE u32 length of A, A, B), streams
 * or CPR states, each decoded from memory; see hostile_diff(). */
#include "hostile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hostile_set_case("fuzz-diff");
    hostile_diff_split(data, size);
    return 0;
}
