/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "extract/extractor.h"

#include <string.h>
#include <unistd.h>

#include "cli_error.h"
#include "exitcodes.h"
#include "extract/names.h"
#include "extract/pagedata.h"

static void block_clear(gpointer p)
{
    ExtractBlock *b = p;

    image_free(b->img);
    g_free(b->file);
}

void extractor_init(Extractor *x, const char *label, int map_fd)
{
    memset(x, 0, sizeof(*x));
    x->dir.dfd = -1;
    x->label = label;
    x->map_fd = map_fd;
    x->blocks = g_array_new(FALSE, TRUE, sizeof(ExtractBlock));
    g_array_set_clear_func(x->blocks, block_clear);
    x->names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    gather_init(&x->gather);
}

void extractor_clear(Extractor *x)
{
    g_array_unref(x->blocks);
    g_hash_table_unref(x->names);
    g_free(x->page);
    gather_clear(&x->gather);
    g_clear_error(&x->err);
    outdir_close(&x->dir);
}

static Image *open_image(Extractor *x, const RamModel *ram, guint bi)
{
    const RamBlock *rb = &g_array_index(ram->blocks, RamBlock, bi);
    ExtractBlock *b;
    int fd;

    if (x->blocks->len < ram->blocks->len) {
        g_array_set_size(x->blocks, ram->blocks->len);
    }
    b = &g_array_index(x->blocks, ExtractBlock, bi);
    if (b->img) {
        return b->img;
    }
    if (b->file) {            /* closed after an error */
        return NULL;
    }
    b->file = extract_file_name(rb->idstr, rb->idlen, &b->shortened);
    if (!g_hash_table_add(x->names, g_strdup(b->file))) {
        g_autofree char *safe = g_strescape(rb->idstr, NULL);
        g_set_error(&x->err, CPRDUMP_ERROR, EXIT_MALFORMED, "%s: RAM block "
                    "\"%s\" maps to the file name %s a block before it has",
                    x->label, safe, b->file);
        return NULL;
    }
    fd = outdir_create(&x->dir, b->file, &x->err);
    b->img = fd < 0 ? NULL : image_new(fd, b->file, rb->used_length,
                                       ram->page_size, &x->gather, &x->err);
    b->failed = !b->img;
    return b->img;
}

static bool apply(Extractor *x, Image *img, const RamModel *ram,
                  const RamPage *pg)
{
    uint32_t ps = ram->page_size;

    switch (pg->kind) {
    case RAM_PAGE_ZERO:
        return image_zero(img, pg->offset, pg->len, pg->fill, &x->err);
    case RAM_PAGE_NORMAL:
        return image_put(img, pg->offset, pg->data, &x->err);
    case RAM_PAGE_XBZRLE:
        return image_get(img, pg->offset, x->page, &x->err) &&
               page_xbzrle(pg, x->page, ps, x->label, &x->err) &&
               image_put(img, pg->offset, x->page, &x->err);
    case RAM_PAGE_COMPRESSED:
        return page_inflate(pg, x->page, ps, x->label, &x->err) &&
               image_put(img, pg->offset, x->page, &x->err);
    case RAM_PAGE_MAPPED:
        if (x->map_fd < 0) {
            g_set_error(&x->err, CPRDUMP_ERROR, EXIT_FORMAT, "%s: a mapped-"
                        "ram stream is read by offset: give it as a plain "
                        "file, not compressed, not a capture, not a pipe",
                        x->label);
            return false;
        }
        return image_copy(img, pg->offset, x->map_fd, pg->data_offset,
                          pg->len, &x->err);
    }
    return false;
}

bool extractor_page(void *opaque, const RamModel *ram, const RamPage *pg)
{
    Extractor *x = opaque;
    Image *img;

    if (!x->page) {
        x->page = g_malloc(ram->page_size);
    }
    img = open_image(x, ram, pg->block);
    /* runs of zero pages and mapped-ram runs count a record per page */
    x->records += pg->kind == RAM_PAGE_ZERO || pg->kind == RAM_PAGE_MAPPED
                  ? pg->len / ram->page_size : 1;
    return img && apply(x, img, ram, pg);
}

static const char *why_unwritten(const StreamModel *m, const RamBlock *rb)
{
    if (rb->has_mapped && !rb->mapped.pages_offset) {
        return "ignored (x-ignore-shared with mapped-ram: no page space)";
    }
    if (m->no_pages_reason && g_str_has_prefix(m->no_pages_reason, "cpr-")) {
        return "preserved-by-fd (live update: the memory travels as an fd in "
               "the CPR state)";
    }
    if (rb->has_mr_addr) {
        return "skipped by x-ignore-shared (shared file: the new QEMU maps "
               "it)";
    }
    return "no page record in the stream";
}

bool extractor_finish(Extractor *x, const StreamModel *m)
{
    const RamModel *ram = &m->ram;
    bool ok = !x->err;

    if (x->blocks->len < ram->blocks->len) {
        g_array_set_size(x->blocks, ram->blocks->len);
    }
    for (guint i = 0; i < ram->blocks->len; i++) {
        ExtractBlock *b = &g_array_index(x->blocks, ExtractBlock, i);
        const RamBlock *rb = &g_array_index(ram->blocks, RamBlock, i);
        if (!b->img && !b->file && ok && rb->has_mapped &&
            rb->mapped.pages_offset) {
            /* mapped-ram reserved its pages and set no bit: all zero */
            ok = open_image(x, ram, i) != NULL;
        }
        if (b->img) {
            b->stats = *image_stats(b->img);
            if (!image_close(b->img, ok ? &x->err : NULL)) {
                b->failed = true;
                ok = false;
            }
            image_free(b->img);
            b->img = NULL;
        } else if (!b->file) {
            b->reason = why_unwritten(m, rb);
        }
    }
    return ok;
}
