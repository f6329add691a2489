/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE /* renameat2 */
#include "capture/capture_write.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zstd.h>

#include "capture.h"
#include "render/escape.h"
#include "cli_error.h"
#include "exitcodes.h"

struct CaptureWriter {
    char *path;
    char *tmp;
    bool force;
    int fd;
    ZSTD_CStream *zs;
    uint8_t *out;
    size_t out_cap;
    uint64_t written;
};

static bool write_all(CaptureWriter *w, const uint8_t *p, size_t n,
                      GError **errp)
{
    while (n) {
        ssize_t k = write(w->fd, p, n);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k < 0) {
            g_set_error(errp, CPRDUMP_ERROR, EXIT_INPUT, "%s: write: %s",
                        w->tmp, g_strerror(errno));
            return false;
        }
        p += k;
        n -= (size_t)k;
        w->written += (uint64_t)k;
    }
    return true;
}

static bool compress(CaptureWriter *w, const void *buf, size_t len,
                     ZSTD_EndDirective end, GError **errp)
{
    ZSTD_inBuffer in = { buf, len, 0 };
    size_t left;

    do {
        ZSTD_outBuffer out = { w->out, w->out_cap, 0 };
        left = ZSTD_compressStream2(w->zs, &out, &in, end);
        if (ZSTD_isError(left)) {
            g_set_error(errp, CPRDUMP_ERROR, EXIT_INPUT, "%s: zstd: %s",
                        w->tmp, ZSTD_getErrorName(left));
            return false;
        }
        if (!write_all(w, w->out, out.pos, errp)) {
            return false;
        }
    } while (end == ZSTD_e_end ? left != 0 : in.pos < in.size);
    return true;
}

static void writer_free(CaptureWriter *w)
{
    if (w->fd >= 0) {
        close(w->fd);
    }
    ZSTD_freeCStream(w->zs);
    g_free(w->out);
    g_free(w->tmp);
    g_free(w->path);
    g_free(w);
}

static bool write_header(CaptureWriter *w, json_object *prov,
                         uint64_t payload_len, GError **errp)
{
    const char *json = json_object_to_json_string_ext(prov,
                                                      JSON_C_TO_STRING_PLAIN);
    size_t jlen = strlen(json);
    uint8_t fixed[CAPTURE_FIXED_LEN], plen[8];

    capture_encode_fixed(fixed, (uint32_t)jlen);
    capture_encode_payload_len(plen, payload_len);
    return compress(w, fixed, sizeof(fixed), ZSTD_e_continue, errp) &&
           compress(w, json, jlen, ZSTD_e_continue, errp) &&
           compress(w, plen, sizeof(plen), ZSTD_e_continue, errp);
}

CaptureWriter *capture_writer_open(const char *path, bool force,
                                   json_object *provenance,
                                   uint64_t payload_len, GError **errp)
{
    CaptureWriter *w = g_new0(CaptureWriter, 1);

    w->path = g_strdup(path);
    w->force = force;
    w->tmp = g_strdup_printf("%s.XXXXXX", path);
    if (!force && access(path, F_OK) == 0) {
        g_set_error(errp, CPRDUMP_ERROR, EXIT_USAGE, "%s: exists; use "
                    "--force to replace it", path);
        w->fd = -1;
        writer_free(w);
        return NULL;
    }
    w->fd = g_mkstemp_full(w->tmp, O_WRONLY | O_CLOEXEC, 0644);
    if (w->fd < 0) {
        g_set_error(errp, CPRDUMP_ERROR, EXIT_INPUT, "%s: %s", w->tmp,
                    g_strerror(errno));
        writer_free(w);
        return NULL;
    }
    w->zs = ZSTD_createCStream();
    ZSTD_CCtx_setParameter(w->zs, ZSTD_c_compressionLevel, 3);
    ZSTD_CCtx_setParameter(w->zs, ZSTD_c_checksumFlag, 1);
    w->out_cap = ZSTD_CStreamOutSize();
    w->out = g_malloc(w->out_cap);
    if (!write_header(w, provenance, payload_len, errp)) {
        capture_writer_abort(w);
        return NULL;
    }
    return w;
}

bool capture_writer_write(CaptureWriter *w, const void *buf, size_t len,
                          GError **errp)
{
    return compress(w, buf, len, ZSTD_e_continue, errp);
}

static bool place(CaptureWriter *w, GError **errp)
{
    int rc = w->force ? rename(w->tmp, w->path)
                      : renameat2(AT_FDCWD, w->tmp, AT_FDCWD, w->path,
                                  RENAME_NOREPLACE);

    if (rc < 0) {
        g_set_error(errp, CPRDUMP_ERROR,
                    errno == EEXIST ? EXIT_USAGE : EXIT_INPUT,
                    "%s: %s%s", w->path, g_strerror(errno),
                    errno == EEXIST ? "; use --force to replace it" : "");
        return false;
    }
    return true;
}

bool capture_writer_commit(CaptureWriter *w, uint64_t *written, GError **errp)
{
    if (!compress(w, NULL, 0, ZSTD_e_end, errp) || fsync(w->fd) < 0 ||
        !place(w, errp)) {
        if (errp && !*errp) {
            g_set_error(errp, CPRDUMP_ERROR, EXIT_INPUT, "%s: fsync: %s",
                        w->tmp, g_strerror(errno));
        }
        capture_writer_abort(w);
        return false;
    }
    *written = w->written;
    writer_free(w);
    return true;
}

void capture_writer_abort(CaptureWriter *w)
{
    unlink(w->tmp);
    writer_free(w);
}

json_object *capture_provenance_new(const char *payload_format,
                                    const char *source_kind,
                                    const char *label)
{
    json_object *p = json_object_new_object();
    json_object *src = json_object_new_object();
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char *time = g_date_time_format_iso8601(now);
    struct utsname u;

    json_object_object_add(p, "cprdump-version",
                           json_object_new_string(CPRDUMP_VERSION));
    json_object_object_add(p, "time", json_object_new_string(time));
    if (uname(&u) == 0) {
        json_object_object_add(p, "kernel", json_object_new_string(u.release));
    }
    json_object_object_add(src, "kind", json_object_new_string(source_kind));
    json_object_object_add(src, "label", json_text(label));
    json_object_object_add(p, "source", src);
    json_object_object_add(p, "payload-format",
                           json_object_new_string(payload_format));
    json_object_object_add(p, "redacted", json_object_new_boolean(0));
    return p;
}
