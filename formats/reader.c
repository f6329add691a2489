/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "reader.h"

#include <glib.h>
#include <string.h>

#define RD_CHUNK (1u << 20)

void rd_init_mem(Rd *rd, const uint8_t *buf, size_t len, FmtError *err)
{
    memset(rd, 0, sizeof(*rd));
    rd->buf = buf;
    rd->len = len;
    rd->eof = true;
    rd->err = err;
    rd->index = -1;
}

void rd_init_source(Rd *rd, const FmtSource *src, FmtError *err)
{
    memset(rd, 0, sizeof(*rd));
    rd->src = src;
    rd->err = err;
    rd->index = -1;
}

void rd_release(Rd *rd)
{
    g_free(rd->own);
    rd->own = NULL;
    rd->buf = NULL;
    rd->len = rd->pos = rd->cap = 0;
}

size_t rd_buffered(const Rd *rd)
{
    return rd->len - rd->pos;
}

static void io_error(Rd *rd)
{
    fmt_error_set(rd->err, FMT_ERR_IO, rd_offset(rd), rd->record, rd->index,
                  "", "read error");
}

static void tap_flush(Rd *rd)
{
    size_t n = rd->pos - rd->tap_pos;

    if (!rd->tap || rd->pos <= rd->tap_pos) {
        return;
    }
    if (rd->tap->len + n > rd->tap_max) {
        rd->tap_over = true;
    } else if (!rd->tap_over) {
        g_byte_array_append(rd->tap, rd->buf + rd->tap_pos, (guint)n);
    }
    rd->tap_pos = rd->pos;
}

void rd_tap_start(Rd *rd, GByteArray *dst, size_t max)
{
    rd->tap = dst;
    rd->tap_pos = rd->pos;
    rd->tap_max = max;
    rd->tap_over = false;
}

bool rd_tap_stop(Rd *rd)
{
    tap_flush(rd);
    rd->tap = NULL;
    return !rd->tap_over;
}

/* Moves the unread bytes to the front and makes room for 'want' bytes,
 * growing by at most one chunk beyond what is buffered, or doubling. */
static void make_room(Rd *rd, size_t want)
{
    size_t have = rd->len - rd->pos;
    size_t cap = MAX(want, (size_t)RD_CHUNK);

    tap_flush(rd);
    rd->tap_pos = 0;            /* the cursor moves to the window's start */
    cap = MIN(cap, have + RD_CHUNK);
    cap = MAX(cap, have);
    if (cap > rd->cap) {
        /* growing towards a large want (the page-size look-ahead): double,
         * so that many short reads do not each reallocate */
        cap = MAX(cap, MIN(rd->cap * 2, MAX(want, (size_t)RD_CHUNK)));
        uint8_t *n = g_malloc(cap);
        if (have) {   /* the first window: buf is NULL, memcpy(NULL) is UB */
            memcpy(n, rd->buf + rd->pos, have);
        }
        g_free(rd->own);
        rd->own = n;
        rd->cap = cap;
    } else if (rd->pos) {
        memmove(rd->own, rd->buf + rd->pos, have);
    }
    rd->buf = rd->own;
    rd->base += rd->pos;
    rd->pos = 0;
    rd->len = have;
}

bool rd_ensure(Rd *rd, size_t n)
{
    while (rd->len - rd->pos < n && !rd->eof) {
        /* fill the window before moving or growing it: a small input then
         * never allocates what a large look-ahead asks for */
        if (rd->len == rd->cap) {
            make_room(rd, n); /* always leaves room: n > buffered bytes */
        }
        ssize_t got = rd->src->read(rd->src->opaque, rd->own + rd->len,
                                    rd->cap - rd->len);
        if (got < 0) {
            io_error(rd);
            rd->eof = true;
        } else if (got == 0) {
            rd->eof = true;
        } else {
            rd->len += (size_t)got;
        }
    }
    return rd->len - rd->pos >= n;
}

bool rd_at_end(Rd *rd)
{
    return !rd_ensure(rd, 1);
}

static bool need(Rd *rd, const char *field, size_t n)
{
    if (rd_ensure(rd, n)) {
        return true;
    }
    fmt_error_truncated(rd->err, rd_offset(rd), rd->record, rd->index, field,
                        n, rd->len - rd->pos);
    return false;
}

bool rd_u8(Rd *rd, const char *field, uint8_t *v)
{
    if (!need(rd, field, 1)) {
        return false;
    }
    *v = rd->buf[rd->pos++];
    return true;
}

bool rd_peek_u8(Rd *rd, uint8_t *v)
{
    if (!rd_ensure(rd, 1)) {
        return false;
    }
    *v = rd->buf[rd->pos];
    return true;
}

static uint64_t load_be(const uint8_t *p, size_t n)
{
    uint64_t v = 0;

    for (size_t i = 0; i < n; i++) {
        v = (v << 8) | p[i];
    }
    return v;
}

bool rd_be16(Rd *rd, const char *field, uint16_t *v)
{
    if (!need(rd, field, 2)) {
        return false;
    }
    *v = (uint16_t)load_be(rd->buf + rd->pos, 2);
    rd->pos += 2;
    return true;
}

bool rd_be32(Rd *rd, const char *field, uint32_t *v)
{
    if (!need(rd, field, 4)) {
        return false;
    }
    *v = (uint32_t)load_be(rd->buf + rd->pos, 4);
    rd->pos += 4;
    return true;
}

bool rd_be64(Rd *rd, const char *field, uint64_t *v)
{
    if (!need(rd, field, 8)) {
        return false;
    }
    *v = load_be(rd->buf + rd->pos, 8);
    rd->pos += 8;
    return true;
}

bool rd_bytes(Rd *rd, const char *field, size_t n, const uint8_t **p)
{
    if (!need(rd, field, n)) {
        return false;
    }
    *p = rd->buf + rd->pos;
    rd->pos += n;
    return true;
}

static bool skip_source(Rd *rd, const char *field, uint64_t n,
                        uint64_t start, uint64_t already)
{
    uint64_t done = 0;

    if (rd->src->skip) {
        int64_t got = rd->src->skip(rd->src->opaque, n);
        if (got < 0) {
            io_error(rd);
            return false;
        }
        done = (uint64_t)got;
        rd->base += done;
    }
    while (done < n) {
        size_t step = (size_t)MIN(n - done, (uint64_t)RD_CHUNK);
        if (!rd_ensure(rd, 1)) {
            break;
        }
        step = MIN(step, rd->len - rd->pos);
        rd->pos += step;
        done += step;
    }
    if (done < n) {
        fmt_error_truncated(rd->err, start, rd->record, rd->index, field,
                            already + n, already + done);
        return false;
    }
    return true;
}

bool rd_skip(Rd *rd, const char *field, uint64_t n)
{
    uint64_t start = rd_offset(rd);
    size_t in_window = rd->len - rd->pos;

    if (n <= in_window) {
        rd->pos += n;
        return true;
    }
    if (!rd->src) {
        fmt_error_truncated(rd->err, start, rd->record, rd->index, field,
                            n, in_window);
        rd->pos = rd->len;
        return false;
    }
    rd->pos = rd->len;
    rd->base += rd->len;  /* window consumed: restart it empty */
    rd->len = rd->pos = 0;
    return skip_source(rd, field, n - in_window, start, in_window);
}

bool rd_skip_payload(Rd *rd, const char *field, uint64_t n)
{
    if (rd->on_payload && n) {
        rd->on_payload(rd->payload_opaque, rd_offset(rd), n);
    }
    return rd_skip(rd, field, n);
}
