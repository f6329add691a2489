/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "input/input.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_error.h"
#include "input/decompress.h"
#include "exitcodes.h"

#define PEEK_MAX 64

struct Input {
    char *label;
    int fd;
    bool own;
    bool use_pread;       /* fd mode: pread from raw_pos, offset untouched */
    bool seekable;        /* regular file or pread: skips need no reads */
    uint64_t raw_pos;     /* raw bytes consumed from the fd */
    int64_t file_size;
    uint8_t pre[CODEC_SNIFF_BYTES]; /* sniffed raw bytes not yet handed on */
    size_t pre_len, pre_pos;
    /* outer: the whole file is compressed (found by magic); inner: a
     * container's payload is (input_push_codec) */
    Decomp *outer, *inner;
    FmtSource raw_src, mid_src;
    /* decompressed look-ahead for input_peek */
    uint8_t peek[PEEK_MAX];
    size_t peek_len, peek_pos;
    /* peeked bytes not taken when an inner codec was pushed: its input */
    uint8_t carry[PEEK_MAX];
    size_t carry_len, carry_pos;
    uint64_t limit;       /* bytes the consumer may still read */
    bool limited;         /* input_set_limit was called (a capture) */
    uint64_t pos;         /* bytes handed on above the codecs */
    uint64_t source_base; /* pos when input_source was taken: where the
                             decoded format starts in the file */
    GError *err;
};

G_DEFINE_QUARK(cprdump-error-quark, cprdump_error)

static void fail(Input *in, int code, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

static void fail(Input *in, int code, const char *fmt, ...)
{
    va_list ap;

    if (in->err) {
        return;
    }
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    in->err = g_error_new(CPRDUMP_ERROR, code, "%s: %s", in->label, msg);
}

static ssize_t fd_read(Input *in, void *buf, size_t n)
{
    ssize_t got;

    do {
        got = in->use_pread ? pread(in->fd, buf, n, (off_t)in->raw_pos)
                            : read(in->fd, buf, n);
    } while (got < 0 && errno == EINTR);
    if (got < 0) {
        fail(in, errno == EACCES || errno == EPERM ? EXIT_PERMISSION
                                                   : EXIT_INPUT,
             "read error at offset 0x%" G_GINT64_MODIFIER "x: %s",
             in->raw_pos, g_strerror(errno));
        return -1;
    }
    in->raw_pos += (uint64_t)got;
    return got;
}

static ssize_t raw_read(Input *in, void *buf, size_t n)
{
    if (in->pre_pos < in->pre_len) {
        size_t k = MIN(n, in->pre_len - in->pre_pos);
        memcpy(buf, in->pre + in->pre_pos, k);
        in->pre_pos += k;
        return (ssize_t)k;
    }
    return fd_read(in, buf, n);
}

static ssize_t raw_cb(void *opaque, void *buf, size_t n)
{
    return raw_read(opaque, buf, n);
}

static ssize_t codec_read(Input *in, Decomp *d, void *buf, size_t n)
{
    ssize_t got = decomp_read(d, buf, n);

    if (got < 0 && decomp_error(d)) {
        fail(in, EXIT_INPUT, "%s", decomp_error(d));
    }
    return got;
}

/* What an inner codec reads: peeked bytes not yet taken, then the file
 * (decompressed when the whole file is compressed). */
static ssize_t mid_read(Input *in, void *buf, size_t n)
{
    if (in->carry_pos < in->carry_len) {
        size_t k = MIN(n, in->carry_len - in->carry_pos);

        memcpy(buf, in->carry + in->carry_pos, k);
        in->carry_pos += k;
        return (ssize_t)k;
    }
    return in->outer ? codec_read(in, in->outer, buf, n) : raw_read(in, buf, n);
}

static ssize_t mid_cb(void *opaque, void *buf, size_t n)
{
    return mid_read(opaque, buf, n);
}

static ssize_t base_read(Input *in, void *buf, size_t n)
{
    if (in->err) {
        return -1;
    }
    if (in->inner) {
        return codec_read(in, in->inner, buf, n);
    }
    return in->outer ? codec_read(in, in->outer, buf, n) : raw_read(in, buf, n);
}

static ssize_t input_read(void *opaque, void *buf, size_t n)
{
    Input *in = opaque;
    ssize_t got;

    n = (size_t)MIN((uint64_t)n, in->limit);
    if (n == 0) {
        return 0;
    }
    if (in->peek_pos < in->peek_len) {
        got = (ssize_t)MIN(n, in->peek_len - in->peek_pos);
        memcpy(buf, in->peek + in->peek_pos, (size_t)got);
        in->peek_pos += (size_t)got;
    } else {
        got = base_read(in, buf, n);
    }
    if (got > 0) {
        in->limit -= (uint64_t)got;
        in->pos += (uint64_t)got;
    }
    return got;
}

static int64_t skip_unlimited(Input *in, uint64_t n);

static int64_t input_skip(void *opaque, uint64_t n)
{
    Input *in = opaque;
    int64_t done = skip_unlimited(in, MIN(n, in->limit));

    if (done > 0) {
        in->limit -= (uint64_t)done;
        in->pos += (uint64_t)done;
    }
    return done;
}

static int64_t skip_unlimited(Input *in, uint64_t n)
{
    uint64_t done = MIN(n, (uint64_t)(in->peek_len - in->peek_pos));
    uint64_t k;

    in->peek_pos += done;
    k = MIN(n - done, (uint64_t)(in->pre_len - in->pre_pos));
    in->pre_pos += k;
    done += k;
    if (done == n || in->file_size < 0) {
        return (int64_t)done;
    }
    k = MIN(n - done, in->raw_pos < (uint64_t)in->file_size
                      ? (uint64_t)in->file_size - in->raw_pos : 0);
    if (!in->use_pread && lseek(in->fd, (off_t)k, SEEK_CUR) < 0) {
        fail(in, EXIT_INPUT, "seek error: %s", g_strerror(errno));
        return -1;
    }
    in->raw_pos += k;
    return (int64_t)(done + k);
}

static bool sniff(Input *in)
{
    while (in->pre_len < sizeof(in->pre)) {
        ssize_t got = fd_read(in, in->pre + in->pre_len,
                              sizeof(in->pre) - in->pre_len);
        if (got < 0) {
            return false;
        }
        if (got == 0) {
            break;
        }
        in->pre_len += (size_t)got;
    }
    Codec c = codec_sniff(in->pre, in->pre_len);

    if (c == CODEC_NONE) {
        return true;
    }
    in->outer = decomp_new(c, &in->raw_src, 0);
    in->seekable = false;
    return true;
}

static bool check_kind(Input *in, GError **errp)
{
    struct stat sb;

    if (fstat(in->fd, &sb) < 0) {
        g_set_error(errp, CPRDUMP_ERROR, EXIT_INPUT, "%s: %s", in->label,
                    g_strerror(errno));
        return false;
    }
    if (S_ISDIR(sb.st_mode)) {
        g_set_error(errp, CPRDUMP_ERROR, EXIT_INPUT, "%s: is a directory",
                    in->label);
        return false;
    }
    if (S_ISCHR(sb.st_mode) || S_ISBLK(sb.st_mode)) {
        g_set_error(errp, CPRDUMP_ERROR, EXIT_INPUT, "%s: is a device node "
                    "(cprdump reads files, pipes and memfds)", in->label);
        return false;
    }
    in->seekable = S_ISREG(sb.st_mode);
    in->file_size = S_ISREG(sb.st_mode) ? (int64_t)sb.st_size : -1;
    return true;
}

static Input *finish_open(Input *in, GError **errp)
{
    in->raw_src = (FmtSource){ .read = raw_cb, .opaque = in };
    in->mid_src = (FmtSource){ .read = mid_cb, .opaque = in };
    if (!check_kind(in, errp) || !sniff(in)) {
        if (in->err && errp) {
            g_propagate_error(errp, g_steal_pointer(&in->err));
        }
        input_free(in);
        return NULL;
    }
    return in;
}

Input *input_open_path(const char *path, GError **errp)
{
    Input *in = g_new0(Input, 1);

    in->label = g_strdup(path);
    in->file_size = -1;
    in->limit = UINT64_MAX;
    if (!strcmp(path, "-")) {
        in->label = (g_free(in->label), g_strdup("<stdin>"));
        in->fd = STDIN_FILENO;
        return finish_open(in, errp);
    }
    /* O_NONBLOCK: opening a FIFO without a writer must not hang. */
    in->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (in->fd < 0) {
        g_set_error(errp, CPRDUMP_ERROR,
                    errno == EACCES ? EXIT_PERMISSION : EXIT_INPUT,
                    "%s: %s", path, g_strerror(errno));
        input_free(in);
        return NULL;
    }
    in->own = true;
    fcntl(in->fd, F_SETFL, fcntl(in->fd, F_GETFL) & ~O_NONBLOCK);
    return finish_open(in, errp);
}

Input *input_open_fd(int fd, bool own, const char *label, GError **errp)
{
    Input *in = g_new0(Input, 1);

    in->label = g_strdup(label);
    in->fd = fd;
    in->own = own;
    in->use_pread = true;
    in->file_size = -1;
    in->limit = UINT64_MAX;
    return finish_open(in, errp);
}

void input_free(Input *in)
{
    if (!in) {
        return;
    }
    if (in->own && in->fd >= 0) {
        close(in->fd);
    }
    decomp_free(in->inner);
    decomp_free(in->outer);
    g_free(in->label);
    g_clear_error(&in->err);
    g_free(in);
}

const char *input_label(const Input *in)
{
    return in->label;
}

const char *input_compression(const Input *in)
{
    const Decomp *d = in->inner ? in->inner : in->outer;

    return codec_name(d ? decomp_codec(d) : CODEC_NONE);
}

bool input_push_codec(Input *in, Codec c, GError **errp)
{
    if (in->inner) {
        g_set_error(errp, CPRDUMP_ERROR, EXIT_INPUT, "%s: a second "
                    "compressed payload inside a compressed payload",
                    in->label);
        return false;
    }
    in->carry_len = in->peek_len - in->peek_pos;
    memcpy(in->carry, in->peek + in->peek_pos, in->carry_len);
    in->peek_len = in->peek_pos = 0;
    in->inner = decomp_new(c, &in->mid_src, in->pos);
    in->seekable = false;
    return true;
}

uint64_t input_position(const Input *in)
{
    return in->pos;
}

int64_t input_file_size(const Input *in)
{
    return in->file_size;
}

const GError *input_error(const Input *in)
{
    return in->err;
}

size_t input_peek(Input *in, const uint8_t **buf, size_t want)
{
    size_t have = in->peek_len - in->peek_pos;

    want = MIN(want, (size_t)PEEK_MAX);
    memmove(in->peek, in->peek + in->peek_pos, have);
    in->peek_pos = 0;
    in->peek_len = have;
    while (in->peek_len < want) {
        ssize_t got = base_read(in, in->peek + in->peek_len,
                                want - in->peek_len);
        if (got <= 0) {
            break;
        }
        in->peek_len += (size_t)got;
    }
    *buf = in->peek;
    return (size_t)MIN((uint64_t)in->peek_len, in->limit);
}

bool input_read_exact(Input *in, void *buf, size_t n, size_t *got)
{
    *got = 0;
    while (*got < n) {
        ssize_t k = input_read(in, (uint8_t *)buf + *got, n - *got);
        if (k <= 0) {
            return false;
        }
        *got += (size_t)k;
    }
    return true;
}

void input_set_limit(Input *in, uint64_t n)
{
    in->limit = n;
    in->limited = true;
}

static void too_large(Input *in, size_t max, GError **errp)
{
    g_set_error(errp, CPRDUMP_ERROR, EXIT_INPUT, "%s: larger than %zu MiB, "
                "the most cprdump loads as a CPR state", in->label, max >> 20);
}

GBytes *input_slurp(Input *in, size_t max, GError **errp)
{
    g_autoptr(GByteArray) all = NULL;
    uint8_t chunk[64 << 10];
    ssize_t got;

    /* A regular file says its size: refuse before reading a byte of it. */
    if (!in->outer && in->file_size >= 0 && (uint64_t)in->file_size > max) {
        too_large(in, max, errp);
        return NULL;
    }
    all = g_byte_array_new();
    while ((got = input_read(in, chunk, sizeof(chunk))) > 0) {
        if (all->len + (size_t)got > max) {
            too_large(in, max, errp);
            return NULL;
        }
        g_byte_array_append(all, chunk, (guint)got);
    }
    if (got < 0) {
        g_propagate_error(errp, g_error_copy(in->err));
        return NULL;
    }
    return g_byte_array_free_to_bytes(g_steal_pointer(&all));
}

/* The last bytes of a regular, uncompressed input, by pread (the read
 * position is untouched). Compressed input and pipes cannot: their end is only reached
 * by reading everything (the stream decoder then infers the page size and
 * checks it against the vmdesc at the end). */
static ssize_t input_tail(void *opaque, void *buf, size_t len, uint64_t *size)
{
    Input *in = opaque;
    size_t n, done = 0;
    uint64_t size_left;

    if (in->outer || in->inner || in->file_size < 0 || in->limited ||
        in->source_base > (uint64_t)in->file_size) {
        return -1;
    }
    /* a format that starts inside the file (a libvirt save's stream) ends
     * with it: its size counts from its start */
    size_left = (uint64_t)in->file_size - in->source_base;
    n = (size_t)MIN((uint64_t)len, size_left);
    while (buf && done < n) {
        ssize_t got = pread(in->fd, (uint8_t *)buf + done, n - done,
                            (off_t)((uint64_t)in->file_size - n + done));
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            return -1;
        }
        done += (size_t)got;
    }
    *size = size_left;
    return (ssize_t)n;
}

void input_source(Input *in, FmtSource *src)
{
    in->source_base = in->pos;
    src->read = input_read;
    src->skip = in->seekable ? input_skip : NULL;
    src->tail = input_tail;
    src->opaque = in;
}
