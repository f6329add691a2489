/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: the device-state field decoder (formats/vmstate.c). Input: a
 * vmdesc device description (JSON), a NUL byte, the section body; decoded
 * directly, then wrapped in a stream and rendered with --device=all. */
#include "hostile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hostile_set_case("fuzz-vmstate");
    hostile_vmstate(data, size);
    return 0;
}
