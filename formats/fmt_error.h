/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Decode errors: decoders fill one FmtError and return false; they never print.
 * Only cprdump/ turns an FmtError into text (stderr line or JSON "error" object).
 */
#ifndef CPRDUMP_FMT_ERROR_H
#define CPRDUMP_FMT_ERROR_H

#include <stdbool.h>
#include <stdint.h>

typedef enum FmtErrCode {
    FMT_OK = 0,
    FMT_ERR_TRUNCATED,   /* the data ends inside a field */
    FMT_ERR_MAGIC,       /* not this format at all */
    FMT_ERR_VERSION,     /* right magic, unsupported version */
    FMT_ERR_INVALID,     /* a field holds a value the format does not allow */
    FMT_ERR_TRAILING,    /* bytes after the logical end */
    FMT_ERR_LIMIT,       /* a sanity limit of cprdump (documented) */
    FMT_ERR_IO,          /* the byte source failed */
} FmtErrCode;

typedef struct FmtError {
    FmtErrCode code;
    uint64_t offset;     /* absolute offset of the start of the failing field */
    char record[40];     /* "header", "fd record", "vfio device", "subsection", ... */
    int64_t index;       /* record index counted from 0, or -1 */
    char field[40];      /* field name as in the format's field table */
    uint64_t need;       /* truncation: bytes the field needs */
    uint64_t left;       /* truncation: bytes that were left */
    char msg[256];       /* what went wrong, lowercase, no location */
} FmtError;

const char *fmt_err_code_name(FmtErrCode code);

void fmt_error_set(FmtError *err, FmtErrCode code, uint64_t offset,
                   const char *record, int64_t index, const char *field,
                   const char *fmt, ...) __attribute__((format(printf, 7, 8)));

void fmt_error_truncated(FmtError *err, uint64_t offset, const char *record,
                         int64_t index, const char *field,
                         uint64_t need, uint64_t left);

static inline bool fmt_error_is_set(const FmtError *err)
{
    return err && err->code != FMT_OK;
}

#endif
