/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer: the whole input path of a file, as `cprdump --json FILE` runs it:
 * zstd detection and decompression, the capture reader (header, provenance,
 * payload limit, the saved live cross-check rebuilt from JSON), then the
 * payload's own decoder and renderer. The input is put in a memfd and read
 * through input_open_fd, like a live state.
 */
#define _GNU_SOURCE /* memfd_create */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "input/load.h"
#include "render/show.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull(void)
{
    static FILE *f;

    if (!f) {
        f = fopen("/dev/null", "w");
    }
    return f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz-capture", MFD_CLOEXEC);
    Session s = { .mode = CPR_MODE_AUTO };
    Loaded l = { 0 };
    Input *in;

    if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
        __builtin_trap();
    }
    in = input_open_fd(fd, true, "fuzz", NULL);
    if (!in) {
        return 0;
    }
    s.out = out_new(OUT_JSON, devnull());
    if (load_input(&s, in, &l)) {
        show_loaded(s.out, &l);
    }
    loaded_clear(&l);  /* frees in, closes fd */
    out_finish(s.out);
    return 0;
}
