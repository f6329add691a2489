/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A libvirt save image's header, data area and domain summary; the stream
 * inside is rendered after it by render_stream. */
#ifndef CPRDUMP_RENDER_LIBVIRT_H
#define CPRDUMP_RENDER_LIBVIRT_H

#include <stdbool.h>

#include "libvirt_save.h"
#include "render/out.h"

/* show_xml: also print the domain XML and the cookie (human output; the
 * JSON always carries them). */
void render_libvirt(Out *o, const char *label, const LibvirtSave *h,
                    bool show_xml);

#endif
