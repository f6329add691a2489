/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "fmt_error.h"

#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *fmt_err_code_name(FmtErrCode code)
{
    static const char *const names[] = {
        [FMT_OK] = "ok",
        [FMT_ERR_TRUNCATED] = "truncated",
        [FMT_ERR_MAGIC] = "bad-magic",
        [FMT_ERR_VERSION] = "unsupported-version",
        [FMT_ERR_INVALID] = "invalid",
        [FMT_ERR_TRAILING] = "trailing-bytes",
        [FMT_ERR_LIMIT] = "limit",
        [FMT_ERR_IO] = "io",
    };
    return (unsigned)code < G_N_ELEMENTS(names) ? names[code] : "unknown";
}

static void set_location(FmtError *err, FmtErrCode code, uint64_t offset,
                         const char *record, int64_t index, const char *field)
{
    memset(err, 0, sizeof(*err));
    err->code = code;
    err->offset = offset;
    err->index = index;
    g_strlcpy(err->record, record ? record : "", sizeof(err->record));
    g_strlcpy(err->field, field ? field : "", sizeof(err->field));
}

void fmt_error_set(FmtError *err, FmtErrCode code, uint64_t offset,
                   const char *record, int64_t index, const char *field,
                   const char *fmt, ...)
{
    va_list ap;

    if (!err || err->code != FMT_OK) {
        return; /* keep the first error */
    }
    set_location(err, code, offset, record, index, field);
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
}

void fmt_error_truncated(FmtError *err, uint64_t offset, const char *record,
                         int64_t index, const char *field,
                         uint64_t need, uint64_t left)
{
    if (!err || err->code != FMT_OK) {
        return;
    }
    set_location(err, FMT_ERR_TRUNCATED, offset, record, index, field);
    err->need = need;
    err->left = left;
    snprintf(err->msg, sizeof(err->msg), "truncated");
}
