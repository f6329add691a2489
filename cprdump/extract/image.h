/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One RAM block's image file, written sparse: the file is sized to the
 * block's used_length first (all hole), non-zero pages are written with
 * pwrite (consecutive pages gathered into one write), zero pages cost nothing
 * unless they replace a page written before (then the page is punched out).
 * Later records overwrite earlier ones, as QEMU's load does.
 */
#ifndef CPRDUMP_EXTRACT_IMAGE_H
#define CPRDUMP_EXTRACT_IMAGE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct ImageStats {
    uint64_t data_pages;      /* page records written with data */
    uint64_t zero_pages;      /* zero page records (holes) */
    uint64_t rewrites;        /* records that replaced an earlier page */
    uint64_t copied_bytes;    /* mapped-ram: copied file to file */
} ImageStats;

typedef struct Image Image;

/* Consecutive pages gathered into one pwrite, for one image at a time
 * (shared by all: memory does not grow with the number of blocks). */
#define GATHER_BYTES (1u << 20)
typedef struct Gather {
    Image *owner;             /* whose pages buf holds, or NULL */
    uint8_t *buf;
    uint64_t off;
    size_t len;
} Gather;

void gather_init(Gather *g);
void gather_clear(Gather *g);

/* fd: the new, empty file (taken over). */
Image *image_new(int fd, const char *label, uint64_t used_length,
                 uint32_t page_size, Gather *g, GError **errp);
/* Flushes and closes; false on a write error. */
bool image_close(Image *img, GError **errp);
void image_free(Image *img);
const ImageStats *image_stats(const Image *img);

/* A page's new content (page_size bytes); all zero becomes a hole. */
bool image_put(Image *img, uint64_t offset, const uint8_t *data,
               GError **errp);
/* len bytes of zero pages (fill 0), or of pages of 'fill' bytes. */
bool image_zero(Image *img, uint64_t offset, uint64_t len, uint8_t fill,
                GError **errp);
/* The page's current content (holes read as zeros), for XBZRLE. */
bool image_get(Image *img, uint64_t offset, uint8_t *buf, GError **errp);
/* len bytes of pages from in_fd at in_off (mapped-ram), with
 * copy_file_range where the file systems allow, else read and written. */
bool image_copy(Image *img, uint64_t offset, int in_fd, uint64_t in_off,
                uint64_t len, GError **errp);

#endif
