/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include "extract/image.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cli_error.h"
#include "exitcodes.h"

#define GATHER (1u << 20)     /* bytes of consecutive pages per pwrite */

struct Image {
    int fd;
    char *label;
    uint64_t used;
    uint32_t ps;
    uint64_t *written;        /* bit per page: data was written there */
    uint8_t *buf;             /* pending consecutive pages */
    uint64_t buf_off;
    size_t buf_len;
    ImageStats stats;
};

static bool io_fail(Image *img, GError **errp, const char *what, uint64_t off)
{
    g_set_error(errp, CPRDUMP_ERROR, EXIT_OUTPUT, "%s: %s at offset 0x%"
                G_GINT64_MODIFIER "x: %s", img->label, what, off,
                g_strerror(errno));
    return false;
}

Image *image_new(int fd, const char *label, uint64_t used_length,
                 uint32_t page_size, GError **errp)
{
    Image *img = g_new0(Image, 1);
    uint64_t pages = (used_length + page_size - 1) / page_size;

    img->fd = fd;
    img->label = g_strdup(label);
    img->used = used_length;
    img->ps = page_size;
    img->written = g_new0(uint64_t, (pages + 63) / 64 + 1);
    img->buf = g_malloc(GATHER);
    if (ftruncate(fd, (off_t)used_length) < 0) {
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
    g_free(img->written);
    g_free(img->buf);
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

static bool flush(Image *img, GError **errp)
{
    bool ok = !img->buf_len ||
              pwrite_all(img, img->buf, img->buf_len, img->buf_off, errp);

    img->buf_len = 0;
    return ok;
}

static bool test_bit(const Image *img, uint64_t page)
{
    return img->written[page / 64] >> (page % 64) & 1;
}

static void set_bit(Image *img, uint64_t page, bool on)
{
    uint64_t m = 1ull << (page % 64);

    img->written[page / 64] = on ? img->written[page / 64] | m
                                 : img->written[page / 64] & ~m;
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
    if (img->buf_len && (off != img->buf_off + img->buf_len ||
                         img->buf_len + img->ps > GATHER)) {
        if (!flush(img, errp)) {
            return false;
        }
    }
    if (!img->buf_len) {
        img->buf_off = off;
    }
    memcpy(img->buf + img->buf_len, data, img->ps);
    img->buf_len += img->ps;
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
    if (was && img->buf_len && offset >= img->buf_off &&
        offset < img->buf_off + img->buf_len) {
        memcpy(img->buf + (offset - img->buf_off), data, img->ps);
        return true;
    }
    set_bit(img, page, true);
    return put_data(img, offset, data, errp);
}

/* Zero pages over [first, first + n): only those written before cost
 * anything (a whole word of the bitmap at a time). */
static bool zero_pages(Image *img, uint64_t first, uint64_t n, GError **errp)
{
    uint64_t page = first, end = first + n;

    img->stats.zero_pages += n;
    while (page < end) {
        if (page % 64 == 0 && end - page >= 64 && !img->written[page / 64]) {
            page += 64;
            continue;
        }
        if (test_bit(img, page)) {
            img->stats.rewrites++;
            set_bit(img, page, false);
            if (!clear_page(img, page * img->ps, errp)) {
                return false;
            }
        }
        page++;
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
