/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: the preflight's /proc and QMP text decoders and the preflight
 * report (tests/fuzz/hostile.h, hostile_procsnap). */
#include "hostile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hostile_set_case("fuzz-procsnap");
    hostile_procsnap(data, size, true);
    return 0;
}
