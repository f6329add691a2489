/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE /* SEEK_DATA, SEEK_HOLE */
#include "live/digest.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_error.h"
#include "exitcodes.h"

#define CHUNK (1u << 20)

static bool page_is_zero(const uint8_t *p)
{
    static const uint8_t zero[DIGEST_PAGE];

    return !memcmp(p, zero, DIGEST_PAGE);
}

static void hash_page(GChecksum *ck, uint64_t index, const uint8_t *p)
{
    uint64_t be = GUINT64_TO_BE(index);

    g_checksum_update(ck, (const guchar *)&be, sizeof(be));
    g_checksum_update(ck, p, DIGEST_PAGE);
}

/* Hashes [from, to) (page aligned, data); false with errno on I/O error. */
static bool hash_extent(int fd, uint64_t from, uint64_t to, GChecksum *ck,
                        uint8_t *buf, uint64_t *data_bytes)
{
    for (uint64_t off = from; off < to;) {
        size_t want = (size_t)MIN((uint64_t)CHUNK, to - off);
        ssize_t n = pread(fd, buf, want, (off_t)off);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            if (n == 0) {
                errno = EIO;   /* shorter than its size */
            }
            return false;
        }
        if ((size_t)n % DIGEST_PAGE) {   /* a partial last page: pad */
            memset(buf + n, 0, DIGEST_PAGE - (size_t)n % DIGEST_PAGE);
            n += DIGEST_PAGE - (size_t)n % DIGEST_PAGE;
        }
        for (ssize_t i = 0; i < n; i += DIGEST_PAGE) {
            if (!page_is_zero(buf + i)) {
                hash_page(ck, (off + (uint64_t)i) / DIGEST_PAGE, buf + i);
                *data_bytes += DIGEST_PAGE;
            }
        }
        off += (uint64_t)n;
    }
    return true;
}

bool digest_own_fd(int fd, uint64_t size, char **digest,
                   uint64_t *data_bytes, GError **errp)
{
    g_autoptr(GChecksum) ck = g_checksum_new(G_CHECKSUM_SHA256);
    g_autofree uint8_t *buf = g_malloc(CHUNK + DIGEST_PAGE);
    uint64_t pos = 0;

    *data_bytes = 0;
    while (pos < size) {
        off_t data = lseek(fd, (off_t)pos, SEEK_DATA);
        off_t hole;

        if (data < 0 && errno == ENXIO) {
            break;   /* only holes from here */
        }
        if (data < 0) {   /* no SEEK_DATA here: read it all */
            data = (off_t)pos;
            hole = (off_t)size;
        } else {
            hole = lseek(fd, data, SEEK_HOLE);
            hole = hole < 0 ? (off_t)size : hole;
        }
        data &= ~(off_t)(DIGEST_PAGE - 1);
        if ((uint64_t)data >= size) {
            break;
        }
        if (!hash_extent(fd, (uint64_t)data, MIN((uint64_t)hole, size), ck,
                         buf, data_bytes)) {
            g_set_error(errp, CPRDUMP_ERROR, EXIT_INPUT, "pread: %s",
                        g_strerror(errno));
            return false;
        }
        pos = (uint64_t)hole;
    }
    *digest = g_strdup_printf("sha256:%s", g_checksum_get_string(ck));
    return true;
}

bool digest_target_fd(const char *proc_dir, int fd, uint64_t size,
                      char **digest, uint64_t *data_bytes, GError **errp)
{
    g_autofree char *path = g_strdup_printf("%s/fd/%d", proc_dir, fd);
    struct stat before, after;
    int ours;
    bool ok;

    if (stat(path, &before) < 0) {
        g_set_error(errp, CPRDUMP_ERROR, errno == EACCES ? EXIT_PERMISSION
                    : EXIT_INPUT, "%s: %s", path, g_strerror(errno));
        return false;
    }
    if (!S_ISREG(before.st_mode)) {
        g_set_error(errp, CPRDUMP_ERROR, EXIT_INPUT, "%s: not a regular "
                    "file: not read", path);
        return false;
    }
    ours = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (ours < 0) {
        g_set_error(errp, CPRDUMP_ERROR, errno == EACCES ? EXIT_PERMISSION
                    : EXIT_INPUT, "cannot open %s: %s", path,
                    g_strerror(errno));
        return false;
    }
    if (fstat(ours, &after) < 0 || after.st_ino != before.st_ino ||
        after.st_dev != before.st_dev) {
        close(ours);
        g_set_error(errp, CPRDUMP_ERROR, EXIT_INPUT, "%s changed while it "
                    "was being opened: not read", path);
        return false;
    }
    ok = digest_own_fd(ours, size, digest, data_bytes, errp);
    close(ours);
    if (!ok) {
        g_prefix_error(errp, "%s: ", path);
    }
    return ok;
}
