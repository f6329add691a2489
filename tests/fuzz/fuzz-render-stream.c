/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: a migration stream decoded and rendered as the CLI does (human
 * text in a UTF-8 and the C locale, JSON). */
#include "hostile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hostile_set_case("fuzz-render-stream");
    hostile_render_stream_bytes(data, size);
    return 0;
}
