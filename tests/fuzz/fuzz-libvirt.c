/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer: libvirt save images. The pure decoders and every decompressor on
 * the payload (hostile_libvirt), then the whole input path as `cprdump --json
 * FILE` runs it: magic, header, data area, the payload's codec pushed on the
 * input, the stream decoder and the renderers (human and JSON, with
 * --show-xml). Seeds: the real save's header and data area, with short
 * payloads in every compression (tests/fuzz/corpus/fuzz-libvirt/).
 */
#define _GNU_SOURCE /* memfd_create */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hostile.h"
#include "input/load.h"
#include "render/show.h"

static FILE *devnull(void)
{
    static FILE *f;

    if (!f) {
        f = fopen("/dev/null", "w");
    }
    return f;
}

static void load_and_show(const uint8_t *data, size_t size, OutMode mode)
{
    int fd = memfd_create("fuzz-libvirt", MFD_CLOEXEC);
    Session s = { .mode = CPR_MODE_AUTO, .show_xml = true };
    Loaded l = { 0 };
    Input *in;

    if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
        __builtin_trap();
    }
    in = input_open_fd(fd, true, "fuzz", NULL);
    if (!in) {
        return;
    }
    s.out = out_new(mode, devnull());
    if (load_input(&s, in, &l)) {
        show_loaded(s.out, &l);
    }
    loaded_clear(&l);  /* frees in, closes fd */
    out_finish(s.out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hostile_set_case("fuzz-libvirt");
    hostile_libvirt(data, size);
    load_and_show(data, size, OUT_JSON);
    load_and_show(data, size, OUT_HUMAN);
    return 0;
}
