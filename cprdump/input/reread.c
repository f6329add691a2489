/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "input/reread.h"

#include <string.h>

#include "capture/capture_read.h"
#include "cli_error.h"
#include "exitcodes.h"
#include "formats.h"
#include "reader.h"

static bool skip_capture(Input *in, GError **errp)
{
    const uint8_t *head;
    size_t n = input_peek(in, &head, FORMATS_PROBE_BYTES);
    const FormatDesc *fmt = formats_probe(head, n, NULL);
    FmtError err = { 0 };
    json_object *prov;

    if (!fmt || fmt->kind != FMT_KIND_CAPTURE) {
        return true;
    }
    prov = capture_read_header(in, &err);
    if (!prov) {
        g_set_error(errp, CPRDUMP_ERROR, EXIT_INPUT, "%s: capture header "
                    "changed on the second read: %s", input_label(in),
                    err.msg);
        return false;
    }
    json_object_put(prov);
    return true;
}

static bool read_range(Rd *rd, ByteRange *r, StreamBytes *out)
{
    uint64_t left = r->len;

    if (r->offset < rd_offset(rd) ||
        !rd_skip(rd, "range", r->offset - rd_offset(rd))) {
        return false;
    }
    r->at = out->data->len;
    while (left) {
        size_t n = (size_t)MIN(left, (uint64_t)(1u << 20));
        const uint8_t *p;
        if (!rd_bytes(rd, "range", n, &p)) {
            g_byte_array_set_size(out->data, (guint)r->at);
            return false;
        }
        g_byte_array_append(out->data, p, (guint)n);
        left -= n;
    }
    return true;
}

bool reread_ranges(Input *in, const GArray *ranges, StreamBytes *out,
                   GError **errp)
{
    FmtError err = { 0 };
    FmtSource src;
    Rd rd;
    uint64_t total = 0;
    bool ok = skip_capture(in, errp);

    memset(out, 0, sizeof(*out));
    out->ranges = g_array_new(FALSE, TRUE, sizeof(ByteRange));
    out->data = g_byte_array_new();
    if (!ok) {
        input_free(in);
        return false;
    }
    input_source(in, &src);
    rd_init_source(&rd, &src, &err);
    for (guint i = 0; i < ranges->len; i++) {
        ByteRange r = g_array_index(ranges, ByteRange, i);
        if (r.len > STREAM_BYTES_MAX - total) {
            continue;
        }
        if (!read_range(&rd, &r, out)) {
            break;     /* the input ended early or went away */
        }
        total += r.len;
        g_array_append_val(out->ranges, r);
    }
    rd_release(&rd);
    if (input_error(in)) {
        g_propagate_error(errp, g_error_copy(input_error(in)));
        ok = false;
    }
    input_free(in);
    return ok;
}

const uint8_t *stream_bytes_at(const StreamBytes *b, uint64_t offset,
                               uint64_t len)
{
    if (!b) {
        return NULL;
    }
    if (b->whole) {
        return offset <= b->whole_len && len <= b->whole_len - offset
               ? b->whole + offset : NULL;
    }
    for (guint i = 0; b->ranges && i < b->ranges->len; i++) {
        const ByteRange *r = &g_array_index(b->ranges, ByteRange, i);
        if (offset >= r->offset && offset - r->offset <= r->len &&
            len <= r->len - (offset - r->offset)) {
            return b->data->data + r->at + (offset - r->offset);
        }
    }
    return NULL;
}

void stream_bytes_clear(StreamBytes *b)
{
    if (b->ranges) {
        g_array_unref(b->ranges);
    }
    if (b->data) {
        g_byte_array_unref(b->data);
    }
    memset(b, 0, sizeof(*b));
}
