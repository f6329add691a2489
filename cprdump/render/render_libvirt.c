/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "render/render_libvirt.h"

#include <glib.h>
#include <string.h>

#include "render/escape.h"

static void opt_str(Out *o, const char *key, const char *label,
                    const char *v)
{
    if (v) {
        out_str(o, key, label, v);
    } else {
        out_null(o, key, label, "-");
    }
}

static void render_domain(Out *o, const LibvirtDomain *d)
{
    g_autofree char *mem = d->has_memory
        ? g_strdup_printf("%" G_GUINT64_FORMAT " bytes (%" G_GUINT64_FORMAT
                          " MiB)", d->memory, d->memory >> 20)
        : NULL;

    out_begin(o, "domain", NULL);
    opt_str(o, "name", "domain", d->name);
    opt_str(o, "uuid", "uuid", d->uuid);
    opt_str(o, "type", "domain type", d->type);
    opt_str(o, "arch", "arch", d->arch);
    opt_str(o, "machine", "machine", d->machine);
    if (d->has_memory) {
        out_json(o, "memory", json_u64(d->memory));
        out_str(o, NULL, "memory", mem);
    } else {
        out_null(o, "memory", "memory", "-");
    }
    opt_str(o, "emulator", "emulator", d->emulator);
    out_int(o, "device-count", "devices", d->devices);
    out_end(o);
}

static void render_data(Out *o, const LibvirtSave *h)
{
    g_autofree char *xml = g_strdup_printf("%u bytes at 0x%x", h->xml_len,
                                           LIBVIRT_SAVE_HEADER_LEN);
    g_autofree char *cookie = h->cookie
        ? g_strdup_printf("%zu bytes at 0x%x in the data area",
                          strlen(h->cookie), h->cookie_offset)
        : NULL;

    out_int(o, "xml-length", NULL, h->xml_len);
    out_str(o, NULL, "domain XML", xml);
    if (h->cookie) {
        out_int(o, "cookie-length", NULL, (int64_t)strlen(h->cookie));
        out_str(o, NULL, "cookie", cookie);
    } else {
        out_null(o, "cookie-length", "cookie", h->version >= 2 ? "none"
                 : "none (version 1 has no cookie)");
    }
    render_domain(o, &h->dom);
    out_str(o, "xml", NULL, h->xml);
    out_str(o, "cookie", NULL, h->cookie);
}

static void render_header(Out *o, const LibvirtSave *h)
{
    const char *comp = libvirt_compression_name(h->compression);
    g_autofree char *fmt = g_strdup_printf("libvirt QEMU save image (%s), "
                                           "version %u", h->partial
                                           ? "LibvirtQemudPart"
                                           : "LibvirtQemudSave", h->version);
    g_autofree char *data = g_strdup_printf("%u bytes at 0x%x (XML, cookie, "
                                            "padding)", h->data_len,
                                            LIBVIRT_SAVE_HEADER_LEN);
    g_autofree char *unknown = g_strdup_printf("unknown (code %u)",
                                               h->compression);
    g_autofree char *payload = g_strdup_printf(
        "at 0x%" G_GINT64_MODIFIER "x%s%s; the stream's offsets count its "
        "decompressed bytes from there", h->payload_offset,
        comp && h->compression ? ", " : "",
        comp && h->compression ? comp : "");

    out_str(o, NULL, "format", fmt);
    out_str(o, "magic", NULL, h->partial ? "LibvirtQemudPart"
                                         : "LibvirtQemudSave");
    out_bool(o, "complete", NULL, !h->partial);
    out_str(o, NULL, "status", h->partial
            ? "unfinished (magic LibvirtQemudPart: libvirt never completed "
              "this save)" : "complete");
    out_int(o, "version", NULL, h->version);
    out_str(o, "byte-order", "byte order", h->big_endian ? "big-endian"
                                                         : "little-endian");
    out_int(o, "data-length", NULL, h->data_len);
    out_str(o, NULL, "data area", data);
    if (h->version >= 2) {
        out_int(o, "cookie-offset", NULL, h->cookie_offset);
    } else {
        out_null(o, "cookie-offset", NULL, NULL);
    }
    out_bool(o, "was-running", "was running", h->was_running != 0);
    out_int(o, "compression-code", NULL, h->compression);
    out_str(o, "compression", "compression", comp ? comp : unknown);
    out_hex(o, "payload-offset", NULL, h->payload_offset);
    out_str(o, NULL, "payload", payload);
}

static void print_text(Out *o, const char *title, const char *text)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

    out_line(o, "\n%s", title);
    for (char **l = lines; *l; l++) {
        g_autofree char *safe = text_escape(*l);

        if (**l || l[1]) {
            out_line(o, "%s", safe);
        }
    }
}

void render_libvirt(Out *o, const char *label, const LibvirtSave *h,
                    bool show_xml)
{
    out_begin(o, "libvirt-save", NULL);
    out_str(o, "input", "file", label);
    render_header(o, h);
    if (h->xml) {
        render_data(o, h);
    } else {
        out_null(o, "xml", NULL, NULL);
    }
    out_end(o);
    if (show_xml && h->xml && !out_is_json(o)) {
        print_text(o, "Domain XML", h->xml);
        if (h->cookie) {
            print_text(o, "Cookie", h->cookie);
        }
    }
    out_line(o, "%s", "");
}
