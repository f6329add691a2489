/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gen-stream: writes a large, valid QEMU migration stream ("QEVM") quickly and
 * in constant memory, for `make bench`. The parts cprdump cannot tell from
 * QEMU's own (header, configuration, SWITCHOVER_START, the "ram" END chunk,
 * every device section, EOF and the vmdesc) are copied from a real QEMU
 * stream, the template; the "ram" START and PART chunks are written here:
 *
 *   template[0, head_end)            header + configuration
 *   ram START: MEM_SIZE + block list + EOS, footer
 *   ram PARTs: page records (ZERO/PAGE, CONTINUE within a block) + EOS, footer
 *   template[tail_start, end)        command, ram END, devices, EOF, vmdesc
 *
 * With --mapped the configuration is written here instead (it must list the
 * mapped-ram capability), and the START chunk carries a MappedRamHeader, a
 * bitmap and a 1 MiB aligned page area per block, sparse: holes for zero pages.
 *
 * Blocks: pc.ram (--ram bytes; page i is data iff --data-every K divides i,
 * K = 1: all data, K = 0: all zero), 0000:00:01.0/vga.vram (16 MiB, zero),
 * pc.bios (256 KiB, data), pc.rom (128 KiB, zero). Data pages are half
 * random (each byte 0x00-0x0f), so that zstd compresses them like real RAM.
 * stdout: the expected block list and page counts, as JSON.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define PAGE 4096u
#define OUTBUF (4u << 20)
#define PART_SPAN (128ull << 20)      /* guest bytes per PART chunk */
#define MAPPED_ALIGN (1ull << 20)

typedef struct Block {
    const char *id;
    uint64_t len;
    uint64_t every;                   /* data page iff every && i % every == 0 */
    uint64_t zero, normal;            /* counted while writing */
} Block;

static int out_fd;
static uint8_t *obuf;
static size_t olen;
static uint64_t opos;                 /* file offset of obuf[0] */
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static void die(const char *what)
{
    fprintf(stderr, "gen-stream: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void flush(void)
{
    size_t done = 0;

    while (done < olen) {
        ssize_t n = pwrite(out_fd, obuf + done, olen - done,
                           (off_t)(opos + done));
        if (n <= 0) {
            die("write");
        }
        done += (size_t)n;
    }
    opos += olen;
    olen = 0;
}

static uint8_t *room(size_t n)
{
    if (olen + n > OUTBUF) {
        flush();
    }
    olen += n;
    return obuf + olen - n;
}

static uint64_t here(void)
{
    return opos + olen;
}

static void seek_to(uint64_t off)
{
    flush();
    opos = off;
}

static void put(const void *p, size_t n)
{
    memcpy(room(n), p, n);
}

static void be(uint64_t v, int bytes)
{
    uint8_t *p = room((size_t)bytes);

    for (int i = bytes - 1; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

static void name8(const char *s)
{
    be(strlen(s), 1);
    put(s, strlen(s));
}

static void data_page(uint8_t *p, uint64_t tag)
{
    uint64_t w = tag + 1;

    memcpy(p, &w, 8);
    for (unsigned i = 8; i < PAGE; i += 8) {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        w = rng & 0x0f0f0f0f0f0f0f0full;
        memcpy(p + i, &w, 8);
    }
}

static bool is_data(const Block *b, uint64_t i)
{
    return b->every && i % b->every == 0;
}

static void section_start(uint8_t type, uint32_t id)
{
    be(type, 1);
    be(id, 4);
    if (type == 0x01) {
        name8("ram");
        be(0, 4);
        be(4, 4);
    }
}

static void eos_footer(uint32_t id)
{
    be(0x10, 8);
    be(0x7e, 1);
    be(id, 4);
}

/* Page records for all blocks, in PART chunks of PART_SPAN guest bytes. */
static void write_pages(Block *bl, int nb, uint32_t id)
{
    uint64_t span = 0;
    bool open = false;

    for (int k = 0; k < nb; k++) {
        Block *b = &bl[k];
        for (uint64_t i = 0; i < b->len / PAGE; i++) {
            if (!open) {
                section_start(0x02, id);
                open = true;
            }
            bool data = is_data(b, i);
            uint64_t hdr = i * PAGE | (data ? 0x08 : 0x02) | (i ? 0x20 : 0);
            be(hdr, 8);
            if (!i) {
                name8(b->id);
            }
            if (data) {
                data_page(room(PAGE), i);
                b->normal++;
            } else {
                be(0, 1);
                b->zero++;
            }
            span += PAGE;
            if (span == PART_SPAN) {
                eos_footer(id);
                open = false;
                span = 0;
            }
        }
    }
    if (open) {
        eos_footer(id);
    }
}

/* mapped-ram: entry + header + bitmap, pages at 1 MiB aligned offsets. */
static void write_mapped_block(Block *b)
{
    uint64_t pages = b->len / PAGE;
    uint64_t bmbytes = (pages + 63) / 64 * 8;
    uint64_t bitmap_off, pages_off;

    name8(b->id);
    be(b->len, 8);
    bitmap_off = here() + 28;
    pages_off = (bitmap_off + bmbytes + MAPPED_ALIGN - 1) / MAPPED_ALIGN *
                MAPPED_ALIGN;
    be(1, 4);
    be(PAGE, 8);
    be(bitmap_off, 8);
    be(pages_off, 8);
    for (uint64_t w = 0; w < bmbytes; w++) {
        uint8_t v = 0;
        for (unsigned bit = 0; bit < 8; bit++) {
            uint64_t i = w * 8 + bit;
            if (i < pages && is_data(b, i)) {
                v |= (uint8_t)(1u << bit);
            }
        }
        *room(1) = v;
    }
    for (uint64_t i = 0; i < pages; i++) {
        if (is_data(b, i)) {
            seek_to(pages_off + i * PAGE);
            data_page(room(PAGE), i);
            b->normal++;
        }
    }
    seek_to(pages_off + b->len);
}

static uint8_t *load(const char *path, size_t *len)
{
    struct stat sb;
    int fd = open(path, O_RDONLY);
    uint8_t *p;

    if (fd < 0 || fstat(fd, &sb) < 0) {
        die(path);
    }
    p = malloc((size_t)sb.st_size + 1);
    if (read(fd, p, (size_t)sb.st_size) != sb.st_size) {
        die(path);
    }
    close(fd);
    *len = (size_t)sb.st_size;
    return p;
}

static void usage(void)
{
    fprintf(stderr, "usage: gen-stream --template FILE --head-end N "
            "--tail-start N --ram BYTES --data-every K [--mapped] --out FILE\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *tpath = NULL, *opath = NULL;
    uint64_t head_end = 0, tail_start = 0, ram = 0, every = 1;
    bool mapped = false;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--mapped")) {
            mapped = true;
            continue;
        }
        if (!v) {
            usage();
        }
        i++;
        if (!strcmp(a, "--template")) {
            tpath = v;
        } else if (!strcmp(a, "--out")) {
            opath = v;
        } else if (!strcmp(a, "--head-end")) {
            head_end = strtoull(v, NULL, 0);
        } else if (!strcmp(a, "--tail-start")) {
            tail_start = strtoull(v, NULL, 0);
        } else if (!strcmp(a, "--ram")) {
            ram = strtoull(v, NULL, 0);
        } else if (!strcmp(a, "--data-every")) {
            every = strtoull(v, NULL, 0);
        } else {
            usage();
        }
    }
    if (!tpath || !opath || !ram || ram % PAGE) {
        usage();
    }

    size_t tlen;
    uint8_t *t = load(tpath, &tlen);
    if (tlen < 8 || memcmp(t, "QEVM", 4) || head_end + 9 > tlen ||
        tail_start > tlen || t[head_end] != 0x01 ||
        memcmp(t + head_end + 5, "\3ram", 4)) {
        fprintf(stderr, "gen-stream: %s: no \"ram\" START section at "
                "head-end 0x%" PRIx64 "\n", tpath, head_end);
        return 1;
    }
    uint32_t id = (uint32_t)t[head_end + 1] << 24 | t[head_end + 2] << 16 |
                  t[head_end + 3] << 8 | t[head_end + 4];

    Block bl[] = {
        { "pc.ram", ram, every, 0, 0 },
        { "0000:00:01.0/vga.vram", 16u << 20, 0, 0, 0 },
        { "pc.bios", 256u << 10, 1, 0, 0 },
        { "pc.rom", 128u << 10, 0, 0, 0 },
    };
    int nb = (int)(sizeof(bl) / sizeof(bl[0]));
    uint64_t total = 0;

    for (int k = 0; k < nb; k++) {
        total += bl[k].len;
    }
    out_fd = open(opath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out_fd < 0) {
        die(opath);
    }
    obuf = malloc(OUTBUF);

    if (mapped) {
        put("QEVM\0\0\0\3", 8);
        be(0x07, 1);
        be(strlen("pc-q35-11.1"), 4);
        put("pc-q35-11.1", strlen("pc-q35-11.1"));
        be(0x05, 1);
        name8("configuration/capabilities");
        be(1, 4);
        be(1, 4);
        name8("mapped-ram");
    } else {
        put(t, head_end);
    }
    section_start(0x01, id);
    be(total | 0x04, 8);
    if (mapped) {
        for (int k = 0; k < nb; k++) {
            write_mapped_block(&bl[k]);
        }
        eos_footer(id);
    } else {
        for (int k = 0; k < nb; k++) {
            name8(bl[k].id);
            be(bl[k].len, 8);
        }
        eos_footer(id);
        write_pages(bl, nb, id);
    }
    put(t + tail_start, tlen - tail_start);
    flush();
    if (ftruncate(out_fd, (off_t)opos) < 0 || close(out_fd) < 0) {
        die(opath);
    }

    printf("{\"bytes\": %" PRIu64 ", \"mapped\": %s, \"blocks\": [", opos,
           mapped ? "true" : "false");
    for (int k = 0; k < nb; k++) {
        printf("%s{\"idstr\": \"%s\", \"used-length\": %" PRIu64
               ", \"zero\": %" PRIu64 ", \"normal\": %" PRIu64 "}",
               k ? ", " : "", bl[k].id, bl[k].len, bl[k].zero, bl[k].normal);
    }
    printf("]}\n");
    free(obuf);
    free(t);
    return 0;
}
