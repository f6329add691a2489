/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CPRDUMP_RENDER_STREAM_H
#define CPRDUMP_RENDER_STREAM_H

#include "render/device.h"
#include "render/out.h"
#include "render/render_cpr.h"
#include "stream.h"

/* The "stream" object / the human header block and the tables. */
/* With --device (v active): the selected sections field by field too. */
void render_stream(Out *o, const InputInfo *in, const StreamModel *m,
                   const DeviceView *v);

/* One "pages" object of a RAM block (shared with the join). */
json_object *render_ram_pages_json(const RamPages *p);

#endif
