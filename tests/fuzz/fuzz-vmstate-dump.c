/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: the -dump-vmstate parser, and --against's checks of a real
 * stream (QEMU 11.1 with i8259/ltim, from tests/fixtures/real/against)
 * against every dump that parses, with its rendering. */
#include <zstd.h>

#include "hostile.h"

#define STREAM_ZST "tests/fixtures/real/against/src-11.1-ltim.bin.zst"

static StreamModel *stream;

static StreamModel *load_stream(const char *path)
{
    g_autofree char *z = NULL;
    gsize zlen;
    StreamModel *m = NULL;
    FmtError err;

    if (!g_file_get_contents(path, &z, &zlen, NULL)) {
        fprintf(stderr, "fuzz-vmstate-dump: no %s: dumps only\n", path);
        return NULL;
    }
    unsigned long long n = ZSTD_getFrameContentSize(z, zlen);
    g_autofree uint8_t *buf = g_malloc(n);
    if (ZSTD_decompress(buf, n, z, zlen) != n ||
        !stream_decode_mem(buf, n, &m, &err)) {
        fprintf(stderr, "fuzz-vmstate-dump: %s does not decode\n", path);
        stream_free(m);
        return NULL;
    }
    return m;    /* the model keeps no pointer into buf */
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *path = g_getenv("CPRDUMP_FUZZ_STREAM");

    (void)argc;
    (void)argv;
    stream = load_stream(path ? path : STREAM_ZST);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hostile_set_case("fuzz-vmstate-dump");
    hostile_vmstate_dump(data, size, stream);
    return 0;
}
