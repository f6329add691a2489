/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "formats.h"

#include <glib.h>
#include <string.h>

#include "capture.h"
#include "cpr_state.h"
#include "libvirt_save.h"
#include "stream.h"

static const FormatDesc formats[] = {
    { FMT_KIND_CPR_STATE, "cpr-state", "QEMU CPR state (QCPR)",
      cpr_state_probe },
    { FMT_KIND_STREAM, "stream", "QEMU migration stream (QEVM)",
      stream_probe },
    { FMT_KIND_CAPTURE, "capture", "cprdump capture (CPRDCAPT)",
      capture_probe },
    { FMT_KIND_LIBVIRT_SAVE, "libvirt-save",
      "libvirt QEMU save image (LibvirtQemudSave)", libvirt_save_probe },
};

const FormatDesc *formats_probe(const uint8_t *buf, size_t len, int *bid)
{
    const FormatDesc *best = NULL;
    int best_bid = 0;

    for (size_t i = 0; i < G_N_ELEMENTS(formats); i++) {
        int b = formats[i].probe(buf, len);
        if (b > best_bid) {
            best_bid = b;
            best = &formats[i];
        }
    }
    if (bid) {
        *bid = best_bid;
    }
    return best;
}

const FormatDesc *formats_by_name(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(formats); i++) {
        if (!strcmp(formats[i].name, name)) {
            return &formats[i];
        }
    }
    return NULL;
}

const char *formats_describe_foreign(const uint8_t *buf, size_t len)
{
    static const struct {
        const char *magic;
        size_t len;
        const char *what;
    } known[] = {
        { "QEVM", 4, "a QEMU migration stream (QEVM)" },
        { "QCPR", 4, "a QEMU CPR state (QCPR)" },
        { "\x28\xb5\x2f\xfd", 4, "zstd-compressed data" },
        { "\x1f\x8b", 2, "gzip-compressed data" },
        { "\xfd" "7zXZ", 5, "xz-compressed data" },
        { "\x7f" "ELF", 4, "an ELF binary" },
        { "QFI\xfb", 4, "a qcow2 image" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(known); i++) {
        if (len >= known[i].len && !memcmp(buf, known[i].magic, known[i].len)) {
            return known[i].what;
        }
    }
    return NULL;
}
