/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: a CPR state decoded and rendered as the CLI does (human and JSON,
 * error line included): the text never carries a control byte, the JSON is
 * valid strict UTF-8. */
#include "hostile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hostile_set_case("fuzz-render-cpr");
    hostile_render_cpr_bytes(data, size);
    return 0;
}
