/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "render/report.h"

#include <stdio.h>

#include "render/escape.h"
#include "exitcodes.h"

static const char *what(FmtErrCode code)
{
    switch (code) {
    case FMT_ERR_TRUNCATED:
        return "truncated";
    case FMT_ERR_MAGIC:
        return "bad magic in";
    case FMT_ERR_VERSION:
        return "unsupported version in";
    case FMT_ERR_TRAILING:
        return "trailing bytes in";
    case FMT_ERR_LIMIT:
        return "limit exceeded in";
    case FMT_ERR_IO:
        return "read error in";
    default:
        return "invalid";
    }
}

static bool printable_ascii(const char *s)
{
    for (; *s; s++) {
        if (*s < 0x20 || *s > 0x7e) {
            return false;
        }
    }
    return true;
}

char *report_message(const char *label, const FmtError *err)
{
    g_autofree char *where = err->index >= 0
        ? g_strdup_printf("%s %" G_GINT64_FORMAT, err->record, err->index)
        : g_strdup(err->record);
    g_autofree char *safe = text_escape(label);
    /* Decoders quote input bytes in messages (with g_strescape), but keep
     * the stderr line safe whatever a decoder does: a message that is not
     * printable ASCII is escaped. */
    g_autofree char *msg = printable_ascii(err->msg) ? g_strdup(err->msg)
                                                     : text_escape(err->msg);

    if (err->code == FMT_ERR_TRUNCATED) {
        return g_strdup_printf("%s: truncated %s at offset 0x%" G_GINT64_MODIFIER
                               "x: %s (need %" G_GUINT64_FORMAT " bytes, %"
                               G_GUINT64_FORMAT " left)", safe, where,
                               err->offset, err->field, err->need, err->left);
    }
    return g_strdup_printf("%s: %s %s at offset 0x%" G_GINT64_MODIFIER
                           "x: %s: %s", safe, what(err->code), where,
                           err->offset, err->field, msg);
}

json_object *report_json(const char *label, const FmtError *err)
{
    json_object *o = json_object_new_object();
    g_autofree char *msg = report_message(label, err);

    json_object_object_add(o, "code",
                           json_object_new_string(fmt_err_code_name(err->code)));
    json_object_object_add(o, "input", json_text(label));
    json_object_object_add(o, "offset", json_u64(err->offset));
    json_object_object_add(o, "record", json_object_new_string(err->record));
    json_object_object_add(o, "index", err->index >= 0
                           ? json_object_new_int64(err->index) : NULL);
    json_object_object_add(o, "field", json_object_new_string(err->field));
    if (err->code == FMT_ERR_TRUNCATED) {
        json_object_object_add(o, "need", json_u64(err->need));
        json_object_object_add(o, "left", json_u64(err->left));
    }
    json_object_object_add(o, "exit-code",
                           json_object_new_int(report_exit_code(err)));
    json_object_object_add(o, "message", json_text(msg));
    return o;
}

int report_exit_code(const FmtError *err)
{
    switch (err->code) {
    case FMT_OK:
        return EXIT_OK;
    case FMT_ERR_MAGIC:
    case FMT_ERR_VERSION:
        return EXIT_FORMAT;
    case FMT_ERR_IO:
        return EXIT_INPUT;
    default:
        return EXIT_MALFORMED;
    }
}

void report_fmt_error(Out *o, const char *label, const FmtError *err)
{
    g_autofree char *msg = report_message(label, err);

    fprintf(stderr, "cprdump: %s\n", msg);
    out_json(o, "error", report_json(label, err));
}

/* The JSON "code" of a CLI error, from its exit code. */
static const char *gerror_code_name(int exit_code)
{
    switch (exit_code) {
    case EXIT_NO_PROCESS:
        return "no-process";
    case EXIT_PERMISSION:
        return "permission";
    case EXIT_NO_STATE:
        return "no-state";
    case EXIT_VANISHED:
        return "vanished";
    default:
        return "input";
    }
}

void report_gerror(Out *o, const GError *error)
{
    json_object *e;

    fprintf(stderr, "cprdump: %s\n", error->message);
    if (!out_is_json(o)) {
        return;
    }
    e = json_object_new_object();
    json_object_object_add(e, "code", json_object_new_string(
                               gerror_code_name(error->code)));
    json_object_object_add(e, "exit-code", json_object_new_int(error->code));
    json_object_object_add(e, "message", json_text(error->message));
    out_json(o, "error", e);
}
