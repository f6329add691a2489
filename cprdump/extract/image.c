/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include "extract/image.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cli_error.h"
#include "exitcodes.h"
#include "extract/pageset.h"

struct Image {
    int fd;
    char *label;
    uint64_t used;
    uint32_t ps;
    PageSet written;          /* pages where data was written */
    Gather *g;                /* shared; holds our pending pages when
                                 g->owner == this image */
    ImageStats stats;
};

static bool io_fail(Image *img, GError **errp, const char *what, uint64_t off)
{
    g_set_error(errp, CPRDUMP_ERROR, EXIT_OUTPUT, "%s: %s at offset 0x%"
                G_GINT64_MODIFIER "x: %s", img->label, what, off,
                g_strerror(errno));
    return false;
}

void gather_init(Gather *g)
{
    g->owner = NULL;
    g->len = 0;
    g->buf = g_malloc(GATHER_BYTES);
}

void gather_clear(Gather *g)
{
    g_free(g->buf);
    g->buf = NULL;
}

Image *image_new(int fd, const char *label, uint64_t used_length,
                 uint32_t page_size, Gather *g, GError **errp)
{
    Image *img = g_new0(Image, 1);

    img->fd = fd;
    img->label = g_strdup(label);
    img->used = used_length;
    img->ps = page_size;
    img->g = g;
    pageset_init(&img->written);
    if (used_length > (uint64_t)INT64_MAX ||
        ftruncate(fd, (off_t)used_length) < 0) {
        io_fail(img, errp, "cannot size the image", used_length);
        image_free(img);
        return NULL;
    }
    return img;
}

void image_free(Image *img)
{
    if (!img) {
        return;
    }
    if (img->fd >= 0) {
        close(img->fd);
    }
    if (img->g->owner == img) {   /* closed after an error: drop them */
        img->g->owner = NULL;
        img->g->len = 0;
    }
    pageset_clear(&img->written);
    g_free(img->label);
    g_free(img);
}

const ImageStats *image_stats(const Image *img)
{
    return &img->stats;
}

static bool pwrite_all(Image *img, const uint8_t *p, size_t n, uint64_t off,
                       GError **errp)
{
    while (n) {
        ssize_t w = pwrite(img->fd, p, n, (off_t)off);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            if (w == 0) {
                errno = ENOSPC;
            }
            return io_fail(img, errp, "write error", off);
        }
        p += w;
        n -= (size_t)w;
        off += (uint64_t)w;
    }
    return true;
}

/* Writes the pages gathered for img (if the gather holds img's). */
static bool flush(Image *img, GError **errp)
{
    Gather *g = img->g;
    bool ok = g->owner != img || !g->len ||
              pwrite_all(img, g->buf, g->len, g->off, errp);

    if (g->owner == img) {
        g->owner = NULL;
        g->len = 0;
    }
    return ok;
}

static bool test_bit(Image *img, uint64_t page)
{
    return pageset_test(&img->written, page);
}

static void set_bit(Image *img, uint64_t page, bool on)
{
    pageset_set(&img->written, page, on);
}

static bool all_zero(const uint8_t *p, size_t n)
{
    uint64_t acc = 0, w;

    for (size_t i = 0; i + 8 <= n; i += 8) {
        memcpy(&w, p + i, 8);
        acc |= w;
    }
    return !acc;
}

/* A page that held data becomes zero: a hole again, or written zeros. */
static bool clear_page(Image *img, uint64_t off, GError **errp)
{
    if (!flush(img, errp)) {
        return false;
    }
    if (fallocate(img->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                  (off_t)off, img->ps) == 0) {
        return true;
    }
    g_autofree uint8_t *z = g_malloc0(img->ps);
    return pwrite_all(img, z, img->ps, off, errp);
}

static bool zero_pages(Image *img, uint64_t first, uint64_t n, GError **errp);

static bool put_data(Image *img, uint64_t off, const uint8_t *data,
                     GError **errp)
{
    Gather *g = img->g;

    if (g->owner && (g->owner != img || off != g->off + g->len ||
                     g->len + img->ps > GATHER_BYTES)) {
        if (!flush(g->owner, errp)) {
            return false;
        }
    }
    if (!g->owner) {
        g->owner = img;
        g->off = off;
        g->len = 0;
    }
    memcpy(g->buf + g->len, data, img->ps);
    g->len += img->ps;
    return true;
}

bool image_put(Image *img, uint64_t offset, const uint8_t *data,
               GError **errp)
{
    uint64_t page = offset / img->ps;
    bool was = test_bit(img, page);

    if (all_zero(data, img->ps)) {
        return zero_pages(img, page, 1, errp);
    }
    img->stats.data_pages++;
    img->stats.rewrites += was;
    if (was && img->g->owner == img && offset >= img->g->off &&
        offset < img->g->off + img->g->len) {
        memcpy(img->g->buf + (offset - img->g->off), data, img->ps);
        return true;
    }
    set_bit(img, page, true);
    return put_data(img, offset, data, errp);
}

/* Zero pages over [first, first + n): only those written before cost
 * anything (a whole word of the bitmap at a time). */
static bool zero_pages(Image *img, uint64_t first, uint64_t n, GError **errp)
{
    uint64_t end = first + n;

    img->stats.zero_pages += n;
    for (uint64_t page = pageset_next(&img->written, first, end); page < end;
         page = pageset_next(&img->written, page + 1, end)) {
        img->stats.rewrites++;
        set_bit(img, page, false);
        if (!clear_page(img, page * img->ps, errp)) {
            return false;
        }
    }
    return true;
}

bool image_zero(Image *img, uint64_t offset, uint64_t len, uint8_t fill,
                GError **errp)
{
    if (fill) {
        g_autofree uint8_t *p = g_malloc(img->ps);
        memset(p, fill, img->ps);
        for (uint64_t k = 0; k < len; k += img->ps) {
            if (!image_put(img, offset + k, p, errp)) {
                return false;
            }
        }
        return true;
    }
    return zero_pages(img, offset / img->ps, len / img->ps, errp);
}

bool image_get(Image *img, uint64_t offset, uint8_t *buf, GError **errp)
{
    size_t got = 0;

    if (!flush(img, errp)) {
        return false;
    }
    while (got < img->ps) {
        ssize_t r = pread(img->fd, buf + got, img->ps - got,
                          (off_t)(offset + got));
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            return io_fail(img, errp, "read error", offset);
        }
        if (r == 0) {
            memset(buf + got, 0, img->ps - got);
            break;
        }
        got += (size_t)r;
    }
    return true;
}

static bool copy_by_reading(Image *img, uint64_t offset, int in_fd,
                            uint64_t in_off, uint64_t len, GError **errp)
{
    g_autofree uint8_t *p = g_malloc(img->ps);

    for (uint64_t k = 0; k < len; k += img->ps) {
        ssize_t r = pread(in_fd, p, img->ps, (off_t)(in_off + k));
        if (r != (ssize_t)img->ps) {
            if (r >= 0) {
                errno = EIO;
            }
            g_set_error(errp, CPRDUMP_ERROR, EXIT_MALFORMED, "%s: mapped-ram "
                        "page at stream offset 0x%" G_GINT64_MODIFIER "x "
                        "cannot be read: %s", img->label, in_off + k,
                        r >= 0 ? "the stream ends before it" :
                        g_strerror(errno));
            return false;
        }
        if (!image_put(img, offset + k, p, errp)) {
            return false;
        }
    }
    return true;
}

bool image_copy(Image *img, uint64_t offset, int in_fd, uint64_t in_off,
                uint64_t len, GError **errp)
{
    loff_t src = (loff_t)in_off, dst = (loff_t)offset;
    uint64_t done = 0;

    if (!flush(img, errp)) {
        return false;
    }
    while (done < len) {
        ssize_t n = copy_file_range(in_fd, &src, img->fd, &dst,
                                    (size_t)(len - done), 0);
        if (n <= 0) {
            break;            /* EXDEV, EINVAL, ENOSYS, or the input ended */
        }
        done += (uint64_t)n;
    }
    for (uint64_t k = 0; k < done; k += img->ps) {
        set_bit(img, (offset + k) / img->ps, true);
    }
    img->stats.copied_bytes += done;
    img->stats.data_pages += done / img->ps;
    return done == len ||
           copy_by_reading(img, offset + done, in_fd, in_off + done,
                           len - done, errp);
}

bool image_close(Image *img, GError **errp)
{
    bool ok = flush(img, errp);

    if (close(img->fd) < 0 && ok) {
        ok = io_fail(img, errp, "close error", 0);
    }
    img->fd = -1;
    return ok;
}
