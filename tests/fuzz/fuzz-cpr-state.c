/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: the CPR state decoder in its three modes, and the format probes. */
#include "hostile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hostile_set_case("fuzz-cpr-state");
    hostile_cpr_state(data, size);
    return 0;
}
