/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "capture/capture_read.h"

#include <glib.h>
#include <string.h>

#include "capture.h"
#include "json_get.h"

static bool read_part(Input *in, uint8_t *buf, size_t n, uint64_t at,
                      const char *field, FmtError *err)
{
    size_t got;

    if (input_read_exact(in, buf, n, &got)) {
        return true;
    }
    if (!input_error(in)) {
        fmt_error_truncated(err, at + got, "capture header", -1, field, n,
                            got);
        err->offset = at;
    } else {
        fmt_error_set(err, FMT_ERR_IO, at, "capture header", -1, field,
                      "%s", input_error(in)->message);
    }
    return false;
}

static json_object *parse_provenance(const char *buf, size_t len,
                                     FmtError *err)
{
    json_tokener *tok = json_tokener_new();
    json_object *prov = json_tokener_parse_ex(tok, buf, (int)len);
    bool bad = !prov || json_tokener_get_parse_end(tok) != len ||
               !json_object_is_type(prov, json_type_object);

    json_tokener_free(tok);
    if (bad) {
        json_object_put(prov);
        fmt_error_set(err, FMT_ERR_INVALID, CAPTURE_FIXED_LEN,
                      "capture header", -1, "provenance",
                      "provenance is not one JSON object");
        return NULL;
    }
    return prov;
}

json_object *capture_read_header(Input *in, FmtError *err)
{
    uint8_t fixed[CAPTURE_FIXED_LEN], plen[8];
    g_autofree char *json = NULL;
    json_object *prov;
    CaptureHeader h;

    if (!read_part(in, fixed, sizeof(fixed), 0, "magic", err) ||
        !capture_decode_fixed(fixed, sizeof(fixed), &h, err)) {
        return NULL;
    }
    json = g_malloc(h.provenance_len + 1);
    if (!read_part(in, (uint8_t *)json, h.provenance_len, h.provenance_offset,
                   "provenance", err) ||
        !read_part(in, plen, sizeof(plen),
                   h.provenance_offset + h.provenance_len, "payload length",
                   err) ||
        !capture_decode_payload_len(plen, sizeof(plen), &h, err)) {
        return NULL;
    }
    prov = parse_provenance(json, h.provenance_len, err);
    if (prov) {
        input_set_limit(in, h.payload_len);
    }
    return prov;
}

void render_capture(Out *o, json_object *prov)
{
    json_object *src = NULL;

    json_object_object_get_ex(prov, "source", &src);
    out_str(o, NULL, "capture", "saved by cprdump: what follows is the "
            "decode of the saved bytes");
    out_str(o, NULL, "taken", json_get_str(prov, "time"));
    out_str(o, NULL, "kernel", json_get_str(prov, "kernel"));
    out_str(o, NULL, "by", json_get_str(prov, "cprdump-version"));
    if (src) {
        out_str(o, NULL, "source", json_get_str(src, "label"));
        if (json_get_str(src, "comm")) {
            out_str(o, NULL, "comm", json_get_str(src, "comm"));
        }
        if (json_get_str(src, "env")) {
            out_str(o, NULL, "environ", json_get_str(src, "env"));
        }
    }
    out_line(o, "%s", "");
    out_json(o, "capture", json_object_get(prov));
}
