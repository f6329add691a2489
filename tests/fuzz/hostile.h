/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hostile-input checks shared by the libFuzzer harnesses (tests/fuzz/fuzz-*.c)
 * and the mutation test (tests/unit/test-mutations.c): run one input through a
 * decoder every way it can be driven, and check what must hold whatever the
 * bytes are. A broken invariant prints why and traps, so libFuzzer keeps the
 * input and the test binary dies under its TAP line.
 *
 * Invariants (every decoder):
 *   - ok is true exactly when no error is set; a set error has a known code,
 *     an offset within the input, NUL-terminated record/field/msg;
 *   - FMT_ERR_TRUNCATED: left < need and offset + left <= size;
 *   - the model is returned also on failure, stops within the input, and every
 *     name it copied is the bytes at its recorded offset.
 * Rendering (hostile_render_cpr): the human text has no control byte but \n
 * (no C0, DEL or C1) and is valid UTF-8; the JSON document parses with json-c
 * in strict mode with UTF-8 validation.
 *
 * libvirt (hostile_libvirt): the XML and the cookie are the bytes at their
 * offsets, the payload offset follows from the data length, and every
 * decompressor keeps to its bomb cap and ends with a message or the end.
 *
 * vmstate dump (hostile_vmstate_dump): the parse fails with an error whose
 * offset is within the input or gives a model in which every vmsd and field
 * has a name and a key, keys are name or name[k], the node count is within
 * the limit and every by-name entry is a top-level vmsd of that name; checked
 * against a real stream (when given), every finding has a known rule and
 * verdict, and a failing one QEMU's line; the rendering is clean.
 *
 * The preflight (hostile_procsnap): its four text decoders and the report.
 * Adding a decoder: a hostile_<decoder>() here, a tests/fuzz/fuzz-<decoder>.c
 * that calls it, and its seeds in tests/fuzz/corpus/fuzz-<decoder>/.
 */
#ifndef CPRDUMP_HOSTILE_H
#define CPRDUMP_HOSTILE_H

#include <glib.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <locale.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "check/diff.h"
#include "check/diff_cpr.h"
#include "check/diff_stream.h"
#include "cpr_state.h"
#include "fmt_error.h"
#include "formats.h"
#include "iterative.h"
#include "input/decompress.h"
#include "libvirt_save.h"
#include "render/out.h"
#include "reader.h"
#include "render/render_cpr.h"
#include "render/render_stream.h"
#include "render/render_diff.h"
#include "render/report.h"
#include "multifd.h"
#include "multifd_comp.h"
#include "stream.h"
#include "xbzrle.h"
#include "vmstate_dump.h"
#include "check/against.h"
#include "render/render_against.h"
#include "check/preflight.h"
#include "input/procmaps.h"
#include "input/procsnap.h"
#include "live/qmp.h"
#include "render/render_preflight.h"
#include "render/device_named.h"
#include "vmstate.h"
#include "pci_config.h"
#include "virtio_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What is being checked, for the message of a broken invariant. */
static const char *hostile_case = "";

static inline void hostile_set_case(const char *what)
{
    hostile_case = what;
}

__attribute__((noreturn, format(printf, 1, 2)))
static inline void hostile_fail(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "hostile: invariant broken (%s): ", hostile_case);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
    __builtin_trap();
}

#define HOSTILE_CHECK(cond, ...)                                         \
    do {                                                                 \
        if (!(cond)) {                                                   \
            hostile_fail(__VA_ARGS__);                                   \
        }                                                                \
    } while (0)

static inline bool hostile_terminated(const char *s, size_t cap)
{
    return memchr(s, 0, cap) != NULL;
}

/* The error after a decode that returned ok, over an input of size bytes. */
static inline void hostile_check_error(const FmtError *err, bool ok,
                                       uint64_t size)
{
    if (ok) {
        HOSTILE_CHECK(err->code == FMT_OK, "ok with error code %d",
                      (int)err->code);
        return;
    }
    HOSTILE_CHECK(err->code > FMT_OK && err->code <= FMT_ERR_IO,
                  "failure with error code %d", (int)err->code);
    HOSTILE_CHECK(hostile_terminated(err->record, sizeof(err->record)) &&
                  hostile_terminated(err->field, sizeof(err->field)) &&
                  hostile_terminated(err->msg, sizeof(err->msg)),
                  "unterminated error string");
    HOSTILE_CHECK(err->msg[0] != 0, "error without a message");
    HOSTILE_CHECK(err->offset <= size,
                  "%s error at offset %" PRIu64 " beyond the input (%" PRIu64
                  " bytes): %s", fmt_err_code_name(err->code), err->offset,
                  size, err->msg);
    if (err->code == FMT_ERR_TRUNCATED) {
        HOSTILE_CHECK(err->left < err->need,
                      "truncated %s: left %" PRIu64 " >= need %" PRIu64,
                      err->field, err->left, err->need);
        HOSTILE_CHECK(err->offset + err->left <= size,
                      "truncated %s at %" PRIu64 ": %" PRIu64 " bytes left "
                      "beyond the input (%" PRIu64 " bytes)", err->field,
                      err->offset, err->left, size);
    }
}

/* ---- in-memory FmtSource: short reads of a chosen size, optional skip ---- */

typedef struct HostileSource {
    const uint8_t *buf;
    size_t len;
    size_t pos;
    size_t chunk;      /* the most one read returns */
    uint64_t skipped;  /* bytes passed over by skip */
} HostileSource;

static inline ssize_t hostile_src_read(void *opaque, void *buf, size_t len)
{
    HostileSource *s = opaque;
    size_t n = MIN(MIN(len, s->chunk), s->len - s->pos);

    memcpy(buf, s->buf + s->pos, n);
    s->pos += n;
    return (ssize_t)n;
}

static inline int64_t hostile_src_skip(void *opaque, uint64_t n)
{
    HostileSource *s = opaque;
    uint64_t k = MIN(n, (uint64_t)(s->len - s->pos));

    s->pos += (size_t)k;
    s->skipped += k;
    return (int64_t)k;
}

static inline ssize_t hostile_src_tail(void *opaque, void *buf, size_t len,
                                       uint64_t *size)
{
    HostileSource *s = opaque;
    size_t n = MIN(len, s->len);

    if (n) {
        memcpy(buf, s->buf + s->len - n, n);
    }
    *size = s->len;
    return (ssize_t)n;
}

static inline void hostile_source(HostileSource *s, FmtSource *src,
                                  const uint8_t *buf, size_t len,
                                  size_t chunk, bool with_skip)
{
    *s = (HostileSource){ .buf = buf, .len = len, .chunk = MAX(chunk, 1) };
    src->read = hostile_src_read;
    src->skip = with_skip ? hostile_src_skip : NULL;
    src->tail = hostile_src_tail;
    src->opaque = s;
}

/* ---- the format registry ---- */

static inline void hostile_formats(const uint8_t *buf, size_t len)
{
    int bid = -1;
    const FormatDesc *f = formats_probe(buf, len, &bid);

    HOSTILE_CHECK(bid >= 0 && (f != NULL) == (bid > 0),
                  "formats_probe: bid %d with format %p", bid, (void *)f);
    HOSTILE_CHECK(!f || formats_by_name(f->name) == f,
                  "formats_by_name(%s) does not find it", f->name);
    (void)formats_describe_foreign(buf, len);
}

/* ---- libvirt save image: header, data area, and the decompression path ---- */

/* Output one decompressor may make from len compressed bytes before the
 * harness stops it: its own cap, or 4 MiB (enough to cross every block). */
#define HOSTILE_DECOMP_MAX (4u << 20)

/* Decompresses buf with codec c through short reads of chunk bytes: every
 * read is within n, an error has a message, the end stays the end, and the
 * output keeps to the bomb cap. */
static inline void hostile_decomp(Codec c, const uint8_t *buf, size_t len,
                                  size_t chunk)
{
    static uint8_t out[65536];
    HostileSource hs;
    FmtSource src;
    Decomp *d;
    uint64_t total = 0;
    ssize_t got;

    hostile_source(&hs, &src, buf, len, chunk, false);
    d = decomp_new(c, &src, 0);
    while (total < HOSTILE_DECOMP_MAX &&
           (got = decomp_read(d, out, 1 + total % sizeof(out))) > 0) {
        HOSTILE_CHECK((size_t)got <= 1 + total % sizeof(out),
                      "%s: read %zd bytes into %zu", codec_name(c), got,
                      (size_t)(1 + total % sizeof(out)));
        total += (uint64_t)got;
        HOSTILE_CHECK(total <= DECOMP_FREE_BYTES + sizeof(out) ||
                      total / DECOMP_RATIO_MAX <= len,
                      "%s: %" PRIu64 " bytes out of %zu past the bomb cap",
                      codec_name(c), total, len);
    }
    if (total < HOSTILE_DECOMP_MAX) {
        if (got < 0) {
            HOSTILE_CHECK(decomp_error(d) && strlen(decomp_error(d)) > 0,
                          "%s: failed without a message", codec_name(c));
        } else {
            HOSTILE_CHECK(decomp_read(d, out, sizeof(out)) == 0,
                          "%s: data after the end", codec_name(c));
        }
    }
    decomp_free(d);
}

/* The model against the bytes it came from. */
static inline void hostile_check_libvirt(const LibvirtSave *h,
                                         const uint8_t *buf, size_t len)
{
    const uint8_t *data = buf + LIBVIRT_SAVE_HEADER_LEN;

    HOSTILE_CHECK(h->payload_offset == LIBVIRT_SAVE_HEADER_LEN +
                  (uint64_t)h->data_len, "payload offset %" PRIu64,
                  h->payload_offset);
    HOSTILE_CHECK(h->compression < LIBVIRT_COMP_COUNT,
                  "compression code %u accepted", h->compression);
    HOSTILE_CHECK(h->data_len > 0 && h->data_len <= LIBVIRT_SAVE_DATA_MAX &&
                  h->cookie_offset < h->data_len, "data length %u, cookie "
                  "offset %u", h->data_len, h->cookie_offset);
    if (!h->xml) {
        return;
    }
    HOSTILE_CHECK(h->xml_len < h->data_len &&
                  LIBVIRT_SAVE_HEADER_LEN + (size_t)h->data_len <= len &&
                  !memcmp(h->xml, data, h->xml_len) && data[h->xml_len] == 0 &&
                  strlen(h->xml) == h->xml_len,
                  "XML of %u bytes is not the bytes at 0x5c", h->xml_len);
    HOSTILE_CHECK(!h->cookie || (h->cookie_offset > h->xml_len &&
                  !strcmp(h->cookie, (const char *)data + h->cookie_offset)),
                  "cookie is not the bytes at its offset");
    hostile_check_error(&h->xml_err, !fmt_error_is_set(&h->xml_err), len);
}

/* buf as a libvirt save image: the header and data decoders, then the
 * payload through its codec, the sniffed one and every other. */
static inline void hostile_libvirt(const uint8_t *buf, size_t len)
{
    static const Codec all[] = { CODEC_ZSTD, CODEC_GZIP, CODEC_BZIP2,
                                 CODEC_XZ, CODEC_LZOP };
    LibvirtSave h;
    FmtError err = { 0 };
    bool ok = libvirt_save_decode_header(buf, len, &h, &err);
    const uint8_t *payload = buf;
    size_t plen = len;

    hostile_check_error(&err, ok, len);
    if (ok) {
        size_t avail = len - LIBVIRT_SAVE_HEADER_LEN;

        ok = libvirt_save_decode_data(buf + LIBVIRT_SAVE_HEADER_LEN,
                                      MIN(avail, (size_t)h.data_len), &h, &err);
        hostile_check_error(&err, ok, len);
        hostile_check_libvirt(&h, buf, len);
        if (h.payload_offset <= len) {
            payload = buf + h.payload_offset;
            plen = len - (size_t)h.payload_offset;
        }
    }
    libvirt_save_clear(&h);
    for (size_t i = 0; i < G_N_ELEMENTS(all); i++) {
        hostile_decomp(all[i], payload, plen, 1 + plen % 7);
    }
    hostile_decomp(all[len % G_N_ELEMENTS(all)], payload, plen, 65536);
}

/* ---- CPR state ---- */

static inline void hostile_check_cpr(const uint8_t *buf, size_t len,
                                     const CprState *st, bool ok,
                                     const FmtError *err)
{
    HOSTILE_CHECK(st != NULL, "no state returned");
    hostile_check_error(err, ok, len);
    HOSTILE_CHECK(st->size == len, "size %" PRIu64 " != %zu", st->size, len);
    HOSTILE_CHECK(st->end_offset <= len, "end_offset %" PRIu64 " > %zu",
                  st->end_offset, len);
    HOSTILE_CHECK(!ok || (st->end_offset == len && st->header_ok),
                  "ok but stopped at %" PRIu64 " of %zu", st->end_offset,
                  len);
    if (!ok && err->code == FMT_ERR_TRUNCATED) {
        /* memory input: the bytes left are exactly those up to the end */
        HOSTILE_CHECK(err->offset + err->left == len,
                      "truncated at %" PRIu64 " with %" PRIu64 " left, "
                      "input %zu", err->offset, err->left, len);
    }
    HOSTILE_CHECK(st->mode_reason != NULL, "no mode reason");
    HOSTILE_CHECK(st->fds_complete || !ok, "ok without the fd list end");
    for (guint i = 0; i < st->fds->len; i++) {
        const CprFd *fd = &g_array_index(st->fds, CprFd, i);

        HOSTILE_CHECK(fd->name != NULL, "fd %u without name", i);
        HOSTILE_CHECK(fd->offset < len && fd->name_offset == fd->offset + 5 &&
                      fd->namelen == strlen(fd->name) + 1 &&
                      fd->name_offset + fd->namelen <= len &&
                      !memcmp(buf + fd->name_offset, fd->name, fd->namelen) &&
                      fd->fd_offset == fd->name_offset + fd->namelen + 4 &&
                      fd->fd_offset < len,
                      "fd %u: name/offsets do not match the bytes", i);
        HOSTILE_CHECK(fd->kind.kind < CPR_KIND__COUNT && fd->kind.rule &&
                      cpr_kind_name(fd->kind.kind),
                      "fd %u: kind %d", i, (int)fd->kind.kind);
        HOSTILE_CHECK(fd->has_fd == (st->mode == CPR_MODE_EXEC),
                      "fd %u: has_fd %d in mode %s", i, fd->has_fd,
                      cpr_mode_name(st->mode));
    }
    for (guint i = 0; i < st->vfio_devices->len; i++) {
        const CprVfioDevice *d = &g_array_index(st->vfio_devices,
                                                CprVfioDevice, i);
        HOSTILE_CHECK(d->name && d->offset > st->vfio_offset &&
                      d->offset < len, "vfio device %u", i);
    }
}

/* Decodes buf in the three modes; checks each, and that auto agrees. */
static inline void hostile_cpr_state(const uint8_t *buf, size_t len)
{
    static const CprMode modes[] = {
        CPR_MODE_EXEC, CPR_MODE_TRANSFER, CPR_MODE_AUTO,
    };
    bool okm[3];
    int probe = cpr_state_probe(buf, len);

    HOSTILE_CHECK(probe == 0 || probe == 32 || probe == 64, "probe %d", probe);
    HOSTILE_CHECK((probe == 64) == (len >= 8 && !memcmp(buf, "QCPR\0\0\0\1", 8)),
                  "probe 64 without QCPR v1 or the other way");
    hostile_formats(buf, len);
    for (size_t i = 0; i < G_N_ELEMENTS(modes); i++) {
        CprState *st = NULL;
        FmtError err;

        okm[i] = cpr_state_decode(buf, len, modes[i], &st, &err);
        hostile_check_cpr(buf, len, st, okm[i], &err);
        HOSTILE_CHECK(modes[i] == CPR_MODE_AUTO ||
                      (st->mode == modes[i] && st->mode_forced),
                      "forced mode %s gave %s", cpr_mode_name(modes[i]),
                      cpr_mode_name(st->mode));
        HOSTILE_CHECK(!okm[i] || probe == 64, "decoded ok with probe %d",
                      probe);
        cpr_state_free(st);
    }
    HOSTILE_CHECK(okm[2] == (okm[0] || okm[1]),
                  "auto ok %d, exec ok %d, transfer ok %d", okm[2], okm[0],
                  okm[1]);
}

/* ---- migration stream ---- */

/* The target page size: a power of two from 1 KiB to 16 MiB or unknown
 * (then from no source); a conflict names two sources and fails the decode;
 * an inference fits the size it chose. */
static inline void hostile_check_page_size(const StreamModel *m, bool ok,
                                           size_t len)
{
    const StreamPageSize *ps = &m->ps;

    HOSTILE_CHECK(ps->size == 0 || (ps->size >= 1024 && ps->size <= (1u << 24)
                                    && !(ps->size & (ps->size - 1))),
                  "page size %u", ps->size);
    HOSTILE_CHECK((unsigned)ps->from <= PS_SRC_NONE, "page source %d",
                  ps->from);
    HOSTILE_CHECK(!ps->conflict || (!ok && strstr(ps->conflict, " says ")),
                  "conflict %s with ok %d", ps->conflict, ok);
    HOSTILE_CHECK(ps->from != PS_SRC_INFERRED ||
                  (m->ram.inference.done && m->ram.inference.fits &&
                   m->ram.inference.offset < len),
                  "inferred without an inference");
    HOSTILE_CHECK(m->ram.page_size == 0 || ps->size == m->ram.page_size ||
                  ps->conflict, "ram page size %u, stream %u",
                  m->ram.page_size, ps->size);
    for (int i = 0; i < PS_SRC__COUNT; i++) {
        HOSTILE_CHECK(!ps->said[i] || ps->at[i] < len,
                      "%s at %" PRIu64, stream_page_source_name(i), ps->at[i]);
    }
}

static inline void hostile_check_stream(const uint8_t *buf, size_t len,
                                        const StreamModel *m, bool ok,
                                        const FmtError *err)
{
    HOSTILE_CHECK(m != NULL, "no model returned");
    hostile_check_error(err, ok, len);
    HOSTILE_CHECK(m->end_offset <= len, "end_offset %" PRIu64 " > %zu",
                  m->end_offset, len);
    HOSTILE_CHECK(!ok || (m->header_ok && m->has_eof && m->end_offset == len),
                  "ok but header %d eof %d end %" PRIu64 " of %zu",
                  m->header_ok, m->has_eof, m->end_offset, len);
    HOSTILE_CHECK(!m->config.present || m->config.offset < len,
                  "configuration offset");
    for (guint i = 0; i < m->sections->len; i++) {
        const StreamSection *s = &g_array_index(m->sections, StreamSection, i);

        HOSTILE_CHECK(s->offset < len, "section %u at %" PRIu64, i, s->offset);
        HOSTILE_CHECK(!s->complete ||
                      (s->idstr && s->offset < s->body_offset &&
                       s->body_offset <= s->body_end &&
                       s->body_end <= s->end && s->end <= len),
                      "section %u: offsets %" PRIu64 " %" PRIu64 " %" PRIu64
                      " %" PRIu64, i, s->offset, s->body_offset, s->body_end,
                      s->end);
    }
    for (guint i = 0; i < m->commands->len; i++) {
        const StreamCommand *c = &g_array_index(m->commands, StreamCommand, i);
        HOSTILE_CHECK(c->offset < len, "command %u at %" PRIu64, i, c->offset);
    }
    for (guint i = 0; m->ram.blocks && i < m->ram.blocks->len; i++) {
        const RamBlock *b = &g_array_index(m->ram.blocks, RamBlock, i);
        HOSTILE_CHECK(b->idstr && b->offset < len && b->offset + 1 + b->idlen
                      <= len && !memcmp(buf + b->offset + 1, b->idstr,
                                        strlen(b->idstr)),
                      "ram block %u: idstr does not match its bytes", i);
    }
    HOSTILE_CHECK(!m->vmdesc.present || m->vmdesc.offset < len,
                  "vmdesc offset");
    HOSTILE_CHECK(!m->has_eof || m->eof_offset < len, "eof offset");
    hostile_check_page_size(m, ok, len);
    for (guint i = 0; i < m->sections->len; i++) {
        const StreamSection *s = &g_array_index(m->sections, StreamSection, i);
        HOSTILE_CHECK(!s->complete || s->iter.kind == ITER_NONE ||
                      (s->iter.ended && s->iter.records >= 1 &&
                       s->iter.records <= s->body_end - s->body_offset &&
                       s->iter.bytes <= s->body_end - s->body_offset),
                      "section %u: %s chunk: %" PRIu64 " records, %" PRIu64
                      " bytes in a body of %" PRIu64, i,
                      iter_kind_name(s->iter.kind), s->iter.records,
                      s->iter.bytes, s->body_end - s->body_offset);
    }
}

typedef struct HostilePayload {
    uint64_t size;
    uint64_t next;     /* payload runs come in stream order */
} HostilePayload;

static inline void hostile_on_payload(void *opaque, uint64_t offset,
                                      uint64_t len)
{
    HostilePayload *p = opaque;

    HOSTILE_CHECK(offset >= p->next && offset <= p->size && len > 0,
                  "payload run at %" PRIu64 " (+%" PRIu64 "), previous "
                  "ended at %" PRIu64 ", input %" PRIu64, offset, len,
                  p->next, p->size);
    p->next = offset + len;
}

/* Decodes buf from memory, and through a source with and without skip (short
 * reads of two sizes); checks each and that all three agree. */
static inline void hostile_stream(const uint8_t *buf, size_t len)
{
    StreamModel *mem = NULL;
    FmtError emem;
    bool okmem = stream_decode_mem(buf, len, &mem, &emem);
    int probe = stream_probe(buf, len);

    HOSTILE_CHECK(probe == 0 || probe == 32 || probe == 64, "probe %d", probe);
    HOSTILE_CHECK(!okmem || probe == 64, "decoded ok with probe %d", probe);
    hostile_formats(buf, len);
    hostile_check_stream(buf, len, mem, okmem, &emem);
    for (int with_skip = 0; with_skip < 2; with_skip++) {
        HostileSource hs;
        FmtSource src;
        StreamModel *m = NULL;
        FmtError err;
        HostilePayload pay = { .size = len };
        bool ok;

        /* short reads split fields; 7-byte reads only on small inputs */
        hostile_source(&hs, &src, buf, len,
                       with_skip ? 65536 + 3 : len <= 8192 ? 7 : 4093,
                       with_skip);
        ok = stream_decode_ex(&src, hostile_on_payload, &pay, &m, &err);
        hostile_check_stream(buf, len, m, ok, &err);
        HOSTILE_CHECK(ok == okmem && err.code == emem.code &&
                      err.offset == emem.offset &&
                      m->ps.size == mem->ps.size && m->ps.from == mem->ps.from &&
                      m->end_offset == mem->end_offset &&
                      m->sections->len == mem->sections->len,
                      "source (skip %d) and memory decodes differ: ok %d/%d, "
                      "%s/%s at %" PRIu64 "/%" PRIu64 " (%s / %s), end %"
                      PRIu64 "/%" PRIu64, with_skip, ok, okmem,
                      fmt_err_code_name(err.code),
                      fmt_err_code_name(emem.code), err.offset, emem.offset,
                      err.msg, emem.msg, m->end_offset, mem->end_offset);
        stream_free(m);
    }
    stream_free(mem);
}

/* ---- live sections other than ram (formats/iterative.c) ---- */

/* One chunk of a live section: the first byte picks the kind (1-4), the rest
 * is the chunk; a second byte, when the kind is spapr/htab, a table shift.
 * Read from memory and through a source of short reads: both agree. */
static inline void hostile_iterative(const uint8_t *buf, size_t len)
{
    IterKind kind = len ? (IterKind)(buf[0] % 4 + 1) : ITER_HTAB;
    const uint8_t *p = len ? buf + 1 : buf;
    size_t n = len ? len - 1 : 0;
    IterState st = { .htab_shift = n && kind == ITER_HTAB ? p[0] % 48 : -1 };
    IterState st2 = st;
    IterChunk c, c2;
    FmtError err, err2;
    HostileSource hs;
    FmtSource src;
    Rd rd;

    memset(&err, 0, sizeof(err));
    rd_init_mem(&rd, p, n, &err);
    bool ok = iter_read_chunk(&rd, kind, &st, &c);
    uint64_t end = rd_offset(&rd);
    hostile_check_error(&err, ok, n);
    HOSTILE_CHECK(end <= n && c.records <= n && c.bytes <= n &&
                  (!ok || c.ended), "%s chunk: end %" PRIu64 ", %" PRIu64
                  " records, %" PRIu64 " bytes of %zu, ended %d",
                  iter_kind_name(kind), end, c.records, c.bytes, n, c.ended);
    HOSTILE_CHECK(c.htab_valid * HTAB_PTE_SIZE == (kind == ITER_HTAB ? c.bytes
                                                                     : 0),
                  "htab: %" PRIu64 " valid HPTEs but %" PRIu64 " bytes",
                  c.htab_valid, c.bytes);
    memset(&err2, 0, sizeof(err2));
    hostile_source(&hs, &src, p, n, 5, true);
    rd_init_source(&rd, &src, &err2);
    bool ok2 = iter_read_chunk(&rd, kind, &st2, &c2);
    HOSTILE_CHECK(ok == ok2 && err.code == err2.code &&
                  err.offset == err2.offset && rd_offset(&rd) == end &&
                  c.records == c2.records && c.bytes == c2.bytes,
                  "source and memory reads differ: ok %d/%d at %" PRIu64
                  "/%" PRIu64, ok, ok2, err.offset, err2.offset);
    rd_release(&rd);
}

/* ---- page records (ram.c on_page) ---- */

typedef struct HostilePages {
    const uint8_t *buf;
    uint64_t size;
    uint64_t next;            /* in-stream payloads come in stream order */
    uint64_t records;         /* records that are not mapped-ram runs */
    uint64_t mapped_pages;
    uint64_t sum;             /* of kinds, offsets and payload positions */
} HostilePages;

static inline bool hostile_on_page(void *opaque, const RamModel *ram,
                                   const RamPage *pg)
{
    HostilePages *h = opaque;
    uint32_t ps = ram->page_size;

    HOSTILE_CHECK(ram->blocks && pg->block < ram->blocks->len,
                  "page of block %u of %u", pg->block,
                  ram->blocks ? ram->blocks->len : 0);
    const RamBlock *b = &g_array_index(ram->blocks, RamBlock, pg->block);
    HOSTILE_CHECK(pg->offset < b->used_length && pg->offset % ps == 0,
                  "page offset 0x%" PRIx64 " in a block of %" PRIu64,
                  pg->offset, b->used_length);
    if (pg->kind == RAM_PAGE_MAPPED) {
        HOSTILE_CHECK(!pg->data && pg->len && pg->len % ps == 0 &&
                      pg->offset + pg->len <= b->used_length,
                      "mapped run 0x%" PRIx64 "+%" PRIu64, pg->offset,
                      pg->len);
        h->mapped_pages += pg->len / ps;
    } else {
        HOSTILE_CHECK(pg->data_offset >= h->next &&
                      (pg->kind == RAM_PAGE_ZERO ? pg->data_offset <
                       h->size : pg->data_offset + pg->len <= h->size),
                      "payload at %" PRIu64 "+%" PRIu64 " (previous end %"
                      PRIu64 ", input %" PRIu64 ")", pg->data_offset,
                      pg->len, h->next, h->size);
        HOSTILE_CHECK(pg->kind == RAM_PAGE_ZERO
                      ? !pg->data && pg->len && pg->len % ps == 0 &&
                        pg->offset + pg->len <= b->used_length &&
                        (pg->len == ps || !pg->fill)
                      : pg->data && !memcmp(pg->data, h->buf + pg->data_offset,
                                            (size_t)pg->len),
                      "payload at %" PRIu64 " (+%" PRIu64 "): not the input's "
                      "bytes, or a zero run that is not whole pages",
                      pg->data_offset, pg->len);
        HOSTILE_CHECK(pg->kind != RAM_PAGE_NORMAL || pg->len == ps,
                      "normal page of %" PRIu64 " bytes", pg->len);
        if (pg->kind == RAM_PAGE_XBZRLE) {
            uint8_t page[65536];
            long n = xbzrle_apply(pg->data, (size_t)pg->len, page,
                                  MIN(ps, sizeof(page)));
            HOSTILE_CHECK(n <= (long)ps, "xbzrle covered %ld bytes", n);
        }
        if (pg->kind == RAM_PAGE_ZERO) {    /* a run: one 9-byte record a page */
            h->next = pg->data_offset + 1 + (pg->len / ps - 1) * 9;
            h->records += pg->len / ps;
        } else {
            h->next = pg->data_offset + pg->len;
            h->records++;
        }
    }
    /* page by page, so that how runs are cut (at window ends) does not
     * matter: a zero run is 9-byte records, a mapped run whole pages */
    uint64_t n = pg->kind == RAM_PAGE_ZERO || pg->kind == RAM_PAGE_MAPPED
                 ? pg->len / ps : 1;
    uint64_t step = pg->kind == RAM_PAGE_ZERO ? 9 : ps;
    for (uint64_t k = 0; k < n; k++) {
        h->sum = h->sum * 31 + pg->kind * 7 + pg->offset + k * ps +
                 pg->data_offset + k * step;
    }
    return true;
}

/* Every page record, from memory and through a source: the same records,
 * each inside its block and the input, counted as the model counts them. */
static inline void hostile_ram_pages(const uint8_t *buf, size_t len)
{
    HostilePages hp[2];

    for (int i = 0; i < 2; i++) {
        HostileSource hs;
        FmtSource src;
        StreamModel *m = NULL;
        FmtError err;
        RamPages sum;
        bool ok;

        hp[i] = (HostilePages){ .buf = buf, .size = len };
        hostile_source(&hs, &src, buf, len, i ? 4093 : 65536 + 3, i);
        ok = stream_decode_pages(&src, hostile_on_page, &hp[i], &m, &err);
        hostile_check_stream(buf, len, m, ok, &err);
        ram_totals(&m->ram, &sum);
        HOSTILE_CHECK(!ok || (hp[i].records == sum.zero + sum.xbzrle +
                              sum.compressed + sum.normal -
                              hp[i].mapped_pages),
                      "%" PRIu64 " records, the model counts %" PRIu64,
                      hp[i].records, sum.zero + sum.normal + sum.xbzrle +
                      sum.compressed);
        stream_free(m);
    }
    HOSTILE_CHECK(hp[0].sum == hp[1].sum && hp[0].records == hp[1].records,
                  "the two decodes handed over different records");
}

/* ---- multifd channel ---- */

/* A compressed multifd channel's page data: byte 0 picks zlib (even) or zstd
 * (odd), then packets of [u8 pages, BE u16 length, data], each inflated into
 * pages * 4 KiB as a channel's packets are. Once a packet fails, every later
 * one must fail too (the stream is lost), and nothing is read past the input. */
static inline void hostile_multifd_inflate(const uint8_t *buf, size_t len)
{
    g_autoptr(MultifdInflater) z = multifd_inflater_new();
    g_autofree uint8_t *out = g_malloc(MULTIFD_PACKET_SIZE);
    uint32_t flags = len && (buf[0] & 1) ? MULTIFD_FLAG_ZSTD : MULTIFD_FLAG_ZLIB;
    bool failed = false;

    for (size_t at = 1; at + 3 <= len;) {
        size_t pages = buf[at] % 129, n = (size_t)buf[at + 1] << 8 | buf[at + 2];
        const char *why = NULL;
        bool ok;

        at += 3;
        n = MIN(n, len - at);
        ok = multifd_inflate(z, flags, buf + at, n, out, pages * 4096, &why);
        HOSTILE_CHECK(ok || why, "inflate failed without a reason");
        HOSTILE_CHECK(!(ok && failed && pages), "a packet inflated after the "
                      "stream was lost");
        failed |= !ok && pages;
        at += n;
    }
}

static inline void hostile_multifd(const uint8_t *buf, size_t len)
{
    static const uint32_t sizes[] = { 4096, 1024, 65536 };

    for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
        MultifdInit init;
        MultifdCounts c[2];
        FmtError err[2];
        bool ok[2];
        uint64_t end[2];

        for (int k = 0; k < 2; k++) {
            HostileSource hs;
            FmtSource src;
            Rd rd;

            memset(&err[k], 0, sizeof(err[k]));
            if (k) {
                hostile_source(&hs, &src, buf, len, 4093, 1);
                rd_init_source(&rd, &src, &err[k]);
            } else {
                rd_init_mem(&rd, buf, len, &err[k]);
            }
            ok[k] = multifd_walk(&rd, sizes[i], &init, &c[k]);
            end[k] = rd_offset(&rd);
            hostile_check_error(&err[k], ok[k], len);
            HOSTILE_CHECK(end[k] <= len, "multifd walk ended at %" PRIu64
                          " of %zu", end[k], len);
            HOSTILE_CHECK(c[k].normal + c[k].zero <= c[k].packets *
                          (uint64_t)multifd_page_count(sizes[i]),
                          "%" PRIu64 " pages in %" PRIu64 " packets",
                          c[k].normal + c[k].zero, c[k].packets);
            HOSTILE_CHECK(!ok[k] || end[k] == len, "ok but stopped at %"
                          PRIu64, end[k]);
            rd_release(&rd);
        }
        HOSTILE_CHECK(ok[0] == ok[1] && err[0].code == err[1].code &&
                      err[0].offset == err[1].offset &&
                      c[0].packets == c[1].packets && c[0].normal == c[1].normal,
                      "memory and source walks differ: ok %d/%d at %" PRIu64
                      "/%" PRIu64, ok[0], ok[1], err[0].offset, err[1].offset);
    }
}

/* ---- rendering ---- */

/* Human text: no C0 but \n, no DEL, no C1, valid UTF-8; ASCII outside a
 * UTF-8 locale. */
static inline void hostile_check_human(const char *s, size_t n)
{
    bool utf8 = g_get_charset(NULL);

    HOSTILE_CHECK(g_utf8_validate(s, (gssize)n, NULL),
                  "human output is not valid UTF-8");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        HOSTILE_CHECK(utf8 || c < 0x80, "human output in a non-UTF-8 locale "
                      "has byte 0x%02x at %zu", c, i);

        HOSTILE_CHECK((c >= 0x20 || c == '\n') && c != 0x7f,
                      "human output has byte 0x%02x at %zu", c, i);
        HOSTILE_CHECK(!(c == 0xc2 && i + 1 < n &&
                        (unsigned char)s[i + 1] >= 0x80 &&
                        (unsigned char)s[i + 1] < 0xa0),
                      "human output has a C1 control at %zu", i);
    }
}

static inline void hostile_check_json(const char *s, size_t n)
{
    struct json_tokener *tok = json_tokener_new();
    json_object *doc;

    json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
                           JSON_TOKENER_VALIDATE_UTF8);
    doc = json_tokener_parse_ex(tok, s, (int)n);
    HOSTILE_CHECK(doc && json_tokener_get_error(tok) == json_tokener_success,
                  "JSON output does not parse: %s",
                  json_tokener_error_desc(json_tokener_get_error(tok)));
    HOSTILE_CHECK(json_object_is_type(doc, json_type_object),
                  "JSON output is not an object");
    /* only whitespace after the document */
    for (size_t i = tok->char_offset; i < n; i++) {
        HOSTILE_CHECK(s[i] == '\n' || s[i] == ' ', "JSON: bytes after the "
                      "document at %zu", i);
    }
    json_object_put(doc);
    json_tokener_free(tok);
}

/* A label as hostile as the names: the CLI prints whatever path it is given. */
#define HOSTILE_LABEL "in\x1b]0;x\x07\xff\xc2\x85\x7f.bin"

typedef void (*HostileRenderFn)(Out *o, size_t run, const void *ctx);

/* Renders through fn as the CLI prints, into memory: human text in a UTF-8
 * and in the C locale (the CLI follows the environment's), then JSON (runs 0,
 * 1, 2); each output must be clean human text or valid strict JSON. */
static inline void hostile_render_each(HostileRenderFn fn, const void *ctx)
{
    static const struct {
        OutMode mode;
        const char *locale;
    } runs[] = {
        { OUT_HUMAN, "C.UTF-8" }, { OUT_HUMAN, "C" }, { OUT_JSON, "C.UTF-8" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(runs); i++) {
        char *text = NULL;
        size_t n = 0;
        FILE *fp;
        Out *o;

        if (!setlocale(LC_ALL, runs[i].locale)) {
            continue;
        }
        fp = open_memstream(&text, &n);
        HOSTILE_CHECK(fp != NULL, "open_memstream failed");
        o = out_new(runs[i].mode, fp);
        fn(o, i, ctx);
        out_finish(o);
        fclose(fp);
        if (runs[i].mode == OUT_HUMAN) {
            hostile_check_human(text, n);
        } else {
            hostile_check_json(text, n);
        }
        free(text);
    }
    setlocale(LC_ALL, "C");
}

/* A decode error as the CLI reports it: its stderr line and the JSON key. */
static inline void hostile_render_error(Out *o, const FmtError *err)
{
    char *msg = report_message(HOSTILE_LABEL, err);

    hostile_check_human(msg, strlen(msg));
    g_free(msg);
    out_json(o, "error", report_json(HOSTILE_LABEL, err));
}

typedef struct HostileCpr {
    const CprState *st;
    const FmtError *err;
} HostileCpr;

static inline void hostile_cpr_run(Out *o, size_t run, const void *ctx)
{
    const HostileCpr *c = ctx;
    InputInfo info = { HOSTILE_LABEL, (int64_t)c->st->size, "none" };

    (void)run;
    if (c->st->header_ok || !fmt_error_is_set(c->err)) {
        render_cpr_state(o, &info, c->st);
    }
    if (fmt_error_is_set(c->err)) {
        hostile_render_error(o, c->err);
    }
}

/* Renders st (and err, if set) as the CLI does, in every output form. */
static inline void hostile_render_cpr(const CprState *st, const FmtError *err)
{
    HostileCpr c = { st, err };

    hostile_render_each(hostile_cpr_run, &c);
}

typedef struct HostileStream {
    const StreamModel *m;
    const FmtError *err;
    size_t len;
} HostileStream;

static inline void hostile_stream_run(Out *o, size_t run, const void *ctx)
{
    static char *all[] = { (char *)"all", NULL };
    static const DeviceView devices = { all, true, true };
    const HostileStream *h = ctx;
    InputInfo info = { HOSTILE_LABEL, (int64_t)h->len, "none" };

    if (h->m->header_ok || !fmt_error_is_set(h->err)) {
        /* the summary in one human pass, every device field by field
         * (with offsets) in the others */
        render_stream(o, &info, h->m, run == 0 ? NULL : &devices);
    }
    if (fmt_error_is_set(h->err)) {
        hostile_render_error(o, h->err);
    }
}

/* The stream rendered as the CLI does (memory decode), both ways. */
static inline void hostile_render_stream_bytes(const uint8_t *buf, size_t len)
{
    StreamModel *m = NULL;
    FmtError err;
    StreamOpts opts = { .keep_bodies = true };
    HostileStream h;

    stream_decode_mem_opts(buf, len, &opts, &m, &err);
    h = (HostileStream){ m, &err, len };
    hostile_render_each(hostile_stream_run, &h);
    stream_free(m);
}

static inline void hostile_render_cpr_bytes(const uint8_t *buf, size_t len)
{
    CprState *st = NULL;
    FmtError err;

    cpr_state_decode(buf, len, CPR_MODE_AUTO, &st, &err);
    hostile_render_cpr(st, &err);
    cpr_state_free(st);
}


/* ---- -dump-vmstate JSON ---- */

static inline uint64_t hostile_vd_walk(const VdVmsd *v, unsigned depth)
{
    uint64_t n = 1;

    HOSTILE_CHECK(v && v->name && depth <= VDUMP_DEPTH_MAX + 1,
                  "vmsd without a name, or %u deep", depth);
    for (guint i = 0; i < v->fields->len; i++) {
        const VdField *f = g_ptr_array_index(v->fields, i);
        HOSTILE_CHECK(f->name && f->key && g_str_has_prefix(f->key, f->name),
                      "field without a name or with key %s", f->key);
        HOSTILE_CHECK(f->size >= 0, "field %s of size %" PRId64, f->name,
                      f->size);
        n += 1 + (f->vmsd ? hostile_vd_walk(f->vmsd, depth + 1) : 0);
    }
    for (guint i = 0; i < v->subsections->len; i++) {
        n += hostile_vd_walk(g_ptr_array_index(v->subsections, i), depth + 1);
    }
    return n;
}

static inline void hostile_against_run(Out *o, size_t run, const void *ctx)
{
    (void)run;
    render_against(o, "stream", ctx);
}

static inline void hostile_against(const StreamModel *m, VmstateDump *d)
{
    g_autoptr(GPtrArray) dests = g_ptr_array_new();
    AgDest dest = { .label = (char *)"dump", .kind = AGD_DUMP, .dump = d,
                    .machine = d->machine };
    Against *a;

    g_ptr_array_add(dests, &dest);
    a = against_run(m, dests);
    for (guint i = 0; i < a->findings->len; i++) {
        const AgFinding *f = &g_array_index(a->findings, AgFinding, i);
        HOSTILE_CHECK(f->rule < AGR_COUNT && f->verdict <= AG_FAILS &&
                      f->reason && f->subject, "finding %u malformed", i);
        HOSTILE_CHECK(f->verdict != AG_FAILS || f->qemu_line,
                      "failing finding %s without QEMU's line",
                      ag_rule(f->rule)->id);
    }
    hostile_render_each(hostile_against_run, a);
    against_free(a);
}

/* Parses buf as a -dump-vmstate; with a stream (may be NULL), checks that
 * stream against it and renders the verdict. */
static inline void hostile_vmstate_dump(const uint8_t *buf, size_t len,
                                        const StreamModel *m)
{
    FmtError err;
    VmstateDump *d = vmstate_dump_parse(buf, len, &err);
    int probe = vmstate_dump_probe(buf, len);

    HOSTILE_CHECK(probe == 0 || probe == 64, "probe %d", probe);
    hostile_check_error(&err, d != NULL, len);
    if (!d) {
        return;
    }
    uint64_t nodes = 0;
    HOSTILE_CHECK(d->machine != NULL, "a dump without a machine");
    for (guint i = 0; i < d->devices->len; i++) {
        const VdDevice *dev = g_ptr_array_index(d->devices, i);
        HOSTILE_CHECK(dev->type && dev->vmsd, "device without type or vmsd");
        nodes += hostile_vd_walk(dev->vmsd, 0);
        const VdVmsd *found = vmstate_dump_find(d, dev->vmsd->name);
        HOSTILE_CHECK(found && !strcmp(found->name, dev->vmsd->name),
                      "vmsd %s not found by its name", dev->vmsd->name);
    }
    HOSTILE_CHECK(nodes == d->nodes && nodes <= VDUMP_NODES_MAX,
                  "%" PRIu64 " nodes walked, %" PRIu64 " counted", nodes,
                  d->nodes);
    if (m) {
        hostile_against(m, d);
    }
    vmstate_dump_free(d);
}

/*
 * The preflight's text decoders and the preflight itself on one input cut at
 * 0x1e bytes into cmdline (NUL-separated), smaps, the snapshot's fds, and
 * `info ramblock` text: maps and fds parse or fail with EXIT_INPUT naming a
 * line; every block lies in a dc mapping (or QMP named it without one), the
 * counts add up, a lost block has a fix and no other has; the report renders
 * as valid human text and JSON, with and without the QMP rows.
 */
#define HOSTILE_SNAP_SEP '\x1e'

typedef struct HostilePreflight {
    const ProcSnap *snap;
    const PfReport *r;
    bool qmp;
} HostilePreflight;

static inline void hostile_preflight_run(Out *o, size_t run, const void *ctx)
{
    const HostilePreflight *p = ctx;

    (void)run;
    render_preflight(o, p->snap, p->r, p->qmp ? HOSTILE_LABEL : NULL,
                     p->qmp ? "--qmp" : NULL);
}

static inline void hostile_preflight_report(const ProcSnap *snap,
                                            const QmpFacts *qmp)
{
    PfReport *r = preflight_build(snap, qmp);
    unsigned sum = 0;

    for (int v = 0; v < PF_VERDICT__COUNT; v++) {
        sum += r->counts[v];
    }
    HOSTILE_CHECK(sum == r->blocks->len, "preflight counts %u != %u blocks", sum,
                  r->blocks->len);
    for (guint i = 0; i < r->blocks->len; i++) {
        const PfBlock *b = &g_array_index(r->blocks, PfBlock, i);

        HOSTILE_CHECK((b->verdict == PF_LOST) == (b->fix != NULL) && b->reason &&
                      b->rule, "preflight block %u: verdict/fix/reason", i);
        HOSTILE_CHECK(b->map != PF_MAP_NONE || qmp, "a block with no mapping "
                      "without QMP");
    }
    hostile_render_each(hostile_preflight_run,
                        &(HostilePreflight){ snap, r, qmp != NULL });
    preflight_free(r);
}

static inline void hostile_procsnap(const uint8_t *buf, size_t len, bool render)
{
    const char *p = (const char *)buf, *end = p + len;
    const char *part[4] = { "", "", "", "" };
    size_t plen[4] = { 0 };
    char *text[4];
    ProcSnap *snap = procsnap_new();
    GError *e = NULL;
    GArray *rows;

    for (int k = 0; k < 4 && p <= end; k++) {
        const char *sep = memchr(p, HOSTILE_SNAP_SEP, (size_t)(end - p));

        part[k] = p;
        plen[k] = sep ? (size_t)(sep - p) : (size_t)(end - p);
        p += plen[k] + 1;
    }
    for (int k = 0; k < 4; k++) {
        text[k] = g_strndup(part[k], plen[k]);   /* a NUL ends it */
    }
    snap->label = g_strdup(HOSTILE_LABEL);
    snap->comm = g_strdup(HOSTILE_LABEL);
    snap->from_dir = true;
    snap->argv = procsnap_split_cmdline(part[0], plen[0]);
    snap->maps = procmaps_parse(part[1], plen[1], &e);
    HOSTILE_CHECK(!!snap->maps != !!e, "procmaps: result and error disagree");
    if (e) {
        HOSTILE_CHECK(e->code == 3 && (strstr(e->message, "line ") ||
                                       strstr(e->message, "NUL")),
                      "procmaps error: %s", e->message);
        g_clear_error(&e);
        snap->maps = g_array_new(FALSE, TRUE, sizeof(ProcMap));
    }
    if (!procsnap_parse_fds(text[2], snap->fds, "fds", &e)) {
        HOSTILE_CHECK(e && strstr(e->message, "fds: line "), "fds error");
        g_clear_error(&e);
        g_array_set_size(snap->fds, 0);
    }
    rows = qmp_parse_ramblock(text[3], &e);
    HOSTILE_CHECK(!!rows != !!e, "ramblock: result and error disagree");
    g_clear_error(&e);
    if (render) {
        hostile_preflight_report(snap, NULL);
        if (rows) {
            QmpFacts f = { rows, g_array_new(FALSE, TRUE, sizeof(QmpMemdev)), -1 };

            hostile_preflight_report(snap, &f);
            g_array_unref(f.memdevs);
        }
    }
    if (rows) {
        g_array_unref(rows);
    }
    for (int k = 0; k < 4; k++) {
        g_free(text[k]);
    }
    procsnap_free(snap);
}

/* ---- device state (vmstate) ---- */

#define HOSTILE_VMSTATE_AT 0x1000u

/* Children of f tile f's bytes (a subsection's after its header). */
static inline uint64_t hostile_vm_tiling(const VmTree *t, const VmField *f,
                                         uint64_t at, unsigned depth)
{
    VmIter it = vmstate_iter(t, f);
    const VmField *k = vmstate_iter_next(&it);
    uint64_t end = f->offset + f->size;

    HOSTILE_CHECK(depth < 4 * VMSTATE_DEPTH_MAX, "tree deeper than %u",
                  depth);
    HOSTILE_CHECK(f->offset == at, "field at 0x%" PRIx64 ", expected 0x%"
                  PRIx64, f->offset, at);
    HOSTILE_CHECK(end >= f->offset && end <= t->body_offset + t->body_size,
                  "field 0x%" PRIx64 "+%" PRIu64 " leaves the body",
                  f->offset, f->size);
    HOSTILE_CHECK(f->name && f->type, "field without name or type");
    HOSTILE_CHECK(!f->packed || (f->kind == VM_ARRAY && f->count &&
                  f->first == VM_NONE && f->size == (uint64_t)f->count *
                  f->width), "packed array of %u x %u bytes in %" PRIu64,
                  f->count, f->width, f->size);
    if (!k) {
        return end;
    }
    if (f->kind == VM_SUBSECTION) {
        at += 6 + strlen(f->name);
    }
    for (uint32_t n = 0; k; k = vmstate_iter_next(&it), n++) {
        HOSTILE_CHECK(vmstate_parent(t, k) == f, "child with another parent");
        at = hostile_vm_tiling(t, k, at, depth + 1);
    }
    HOSTILE_CHECK(at == end, "children end at 0x%" PRIx64 ", field at 0x%"
                  PRIx64, at, end);
    return end;
}

/* A PCI config space header of n bytes: BARs in register order, the ROM
 * last, a decoding BAR never at address 0, nothing read past 64 bytes. */
static inline void hostile_pci_config(const uint8_t *buf, size_t len)
{
    PciConfig c;
    bool ok = pci_config_decode(buf, len, &c);

    HOSTILE_CHECK(ok || len < PCI_CONFIG_HEADER || c.vendor_id == 0xffff ||
                  c.vendor_id == 0, "header of %zu bytes refused", len);
    if (!ok) {
        return;
    }
    HOSTILE_CHECK(c.nbars <= PCI_BARS_MAX + 1, "%u BARs", c.nbars);
    for (unsigned i = 0; i < c.nbars; i++) {
        const PciBar *b = &c.bars[i];
        HOSTILE_CHECK(!b->decoding || b->address, "BAR%u decoding at 0",
                      b->index);
        HOSTILE_CHECK(i == 0 || b->index > c.bars[i - 1].index,
                      "BARs out of order");
        HOSTILE_CHECK((b->type == PCI_BAR_ROM) == (b->index == PCI_BARS_MAX),
                      "ROM at BAR%u", b->index);
        g_free(named_bar_text(b));
    }
}

/* The bytes of a "virtio" field: whatever they are, everything decoded lies
 * inside the field, virtio-net's part inside the device part. */
static inline void hostile_virtio_state(const uint8_t *buf, size_t len,
                                        uint64_t at)
{
    VirtioState s;
    bool ok = virtio_state_decode(buf, len, at, &s);

    HOSTILE_CHECK(ok || s.stop, "virtio field refused without a reason");
    HOSTILE_CHECK(s.common_size <= len, "decoded %" PRIu64 " of %zu bytes",
                  s.common_size, len);
    if (ok) {
        HOSTILE_CHECK(s.device_offset >= at && s.device_offset + s.device_size
                      <= at + len, "device part outside the field");
        HOSTILE_CHECK(s.config_offset + s.config_len <= at + len,
                      "config space outside the field");
        HOSTILE_CHECK(s.net.size <= s.device_size, "virtio-net part of %"
                      PRIu64 " bytes in a device part of %" PRIu64,
                      s.net.size, s.device_size);
        HOSTILE_CHECK(!s.net.present || s.net.vlans_offset +
                      VIRTIO_NET_VLANS <= s.device_offset + s.device_size,
                      "VLAN bitmap outside the device part");
        for (guint i = 0; i < s.subs->len; i++) {
            const VirtioSub *v = &g_array_index(s.subs, VirtioSub, i);
            HOSTILE_CHECK(v->offset >= s.device_offset && v->offset < at + len,
                          "virtio subsection outside the field");
        }
    }
    if (s.vendor_id == 0x1af4 && len >= 4) {
        hostile_pci_config(buf + 4, len - 4);
    }
    virtio_state_clear(&s);
}

/* One vmdesc description and one body, decoded directly: whatever the bytes,
 * the fields tile the body, every mismatch lies inside it, a body without
 * mismatch is all described, and paths resolve without a crash. */
static inline void hostile_vmstate_tree(json_object *desc, const uint8_t *body,
                                        size_t blen)
{
    VmTree *t = vmstate_decode(desc, body, blen, HOSTILE_VMSTATE_AT);

    HOSTILE_CHECK(vmstate_root(t)->size == blen, "root is not the body");
    hostile_vm_tiling(t, vmstate_root(t), HOSTILE_VMSTATE_AT, 0);
    HOSTILE_CHECK(t->described <= blen, "described %" PRIu64 " of %zu bytes",
                  t->described, blen);
    HOSTILE_CHECK(t->mismatches->len || t->described == blen,
                  "no mismatch, but %" PRIu64 " of %zu bytes described",
                  t->described, blen);
    HOSTILE_CHECK(t->fields->len <= 2 * blen + 65536 + 4 * VMSTATE_DEPTH_MAX,
                  "%u fields for %zu bytes", t->fields->len, blen);
    for (guint i = 0; i < t->mismatches->len; i++) {
        const VmMismatch *mm = &g_array_index(t->mismatches, VmMismatch, i);
        HOSTILE_CHECK(mm->offset >= HOSTILE_VMSTATE_AT &&
                      mm->offset <= HOSTILE_VMSTATE_AT + blen,
                      "mismatch at 0x%" PRIx64 " outside the body",
                      mm->offset);
        HOSTILE_CHECK(mm->path && mm->msg && mm->msg[0], "empty mismatch");
    }
    for (guint i = 0; i < MIN(t->fields->len, 256u); i++) {
        char *p = vmstate_path(t, vmstate_field(t, i));
        vmstate_lookup(t, p);
        g_free(p);
    }
    for (guint i = 0; i < t->fields->len; i++) {
        const VmField *f = vmstate_field(t, i);
        if (f->kind == VM_BYTES && !strcmp(f->type, "pci config")) {
            hostile_pci_config(vmstate_bytes(t, f), (size_t)f->size);
        } else if (f->kind == VM_BYTES && !strcmp(f->type, "virtio")) {
            hostile_virtio_state(vmstate_bytes(t, f), (size_t)f->size,
                                 f->offset);
        }
    }
    vmstate_free(t);
}

/* The same description and body wrapped in a stream (one FULL section, its
 * footer, EOF, a vmdesc naming it) and rendered as the CLI does with
 * --device=all --offsets, human and JSON. */
static inline void hostile_vmstate_stream(json_object *desc,
                                          const uint8_t *body, size_t blen)
{
    static const uint8_t head[] = {
        'Q', 'E', 'V', 'M', 0, 0, 0, 3,
        0x04, 0, 0, 0, 1, 3, 'd', 'e', 'v', 0, 0, 0, 0, 0, 0, 0, 1,
    };
    static const uint8_t foot[] = { 0x7e, 0, 0, 0, 1, 0x00, 0x06 };
    json_object *doc = json_object_new_object();
    json_object *devs = json_object_new_array();
    GByteArray *b = g_byte_array_new();
    const char *js;
    uint8_t len[4];
    size_t n;

    json_object_object_add(desc, "name", json_object_new_string("dev"));
    json_object_object_add(desc, "instance_id", json_object_new_int(0));
    json_object_array_add(devs, json_object_get(desc));
    json_object_object_add(doc, "page_size", json_object_new_int(4096));
    json_object_object_add(doc, "devices", devs);
    js = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
    n = strlen(js);
    len[0] = (uint8_t)(n >> 24);
    len[1] = (uint8_t)(n >> 16);
    len[2] = (uint8_t)(n >> 8);
    len[3] = (uint8_t)n;
    g_byte_array_append(b, head, sizeof(head));
    g_byte_array_append(b, body, (guint)blen);
    g_byte_array_append(b, foot, sizeof(foot));
    g_byte_array_append(b, len, 4);
    g_byte_array_append(b, (const uint8_t *)js, (guint)n);
    hostile_render_stream_bytes(b->data, b->len);
    g_byte_array_unref(b);
    json_object_put(doc);
}

/* Input: a vmdesc device description (JSON), a NUL byte, the body. */
static inline void hostile_vmstate(const uint8_t *buf, size_t len)
{
    const uint8_t *nul = memchr(buf, 0, len);
    size_t jlen = nul ? (size_t)(nul - buf) : len;
    const uint8_t *body = nul ? nul + 1 : buf + len;
    size_t blen = len - jlen - (nul ? 1 : 0);
    json_tokener *tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH * 4);
    json_object *desc = json_tokener_parse_ex(tok, (const char *)buf,
                                              (int)jlen);

    json_tokener_free(tok);
    if (!desc) {
        return;
    }
    hostile_vmstate_tree(desc, body, blen);
    if (json_object_is_type(desc, json_type_object) && blen < (1u << 20)) {
        hostile_vmstate_stream(desc, body, blen);
    }
    json_object_put(desc);
}

/* ---- diff (pairs of inputs) ---- */

/* One input as --diff reads it, from memory: its facts and, for a stream,
 * its model (device bodies kept). */
typedef struct HostileSide {
    DiffFacts *facts;       /* NULL when the input is neither kind */
    StreamModel *m;
    int kind;               /* 1 stream, 2 CPR state */
} HostileSide;

static inline void hostile_diff_side(const uint8_t *buf, size_t len,
                                     HostileSide *sd)
{
    FmtError err;

    *sd = (HostileSide){ 0 };
    if (stream_probe(buf, len) >= 32) {
        StreamOpts so = { .keep_bodies = true };
        stream_decode_mem_opts(buf, len, &so, &sd->m, &err);
        sd->facts = diff_facts_new();
        diff_stream_facts(sd->m, sd->facts);
        sd->kind = 1;
    } else if (cpr_state_probe(buf, len) >= 32) {
        CprState *st = NULL;

        cpr_state_decode(buf, len, CPR_MODE_AUTO, &st, &err);
        sd->facts = diff_facts_new();
        diff_cpr_facts(st, sd->facts);
        cpr_state_free(st);
        sd->kind = 2;
    }
}

static inline void hostile_diff_side_clear(HostileSide *sd)
{
    diff_facts_free(sd->facts);
    stream_free(sd->m);
}

/* Every fact of a stream with its device fields, section by section, for
 * the bound on the changes. */
static inline uint64_t hostile_all_facts(const HostileSide *sd)
{
    uint64_t n = sd->facts->facts->len;

    for (guint i = 0; sd->m && i < sd->m->sections->len; i++) {
        const StreamSection *s = &g_array_index(sd->m->sections,
                                                StreamSection, i);
        DiffFacts *f = diff_facts_new();
        diff_section_fields(sd->m, s, "g", f);
        n += f->facts->len;
        diff_facts_free(f);
    }
    return n;
}

static inline void hostile_check_changes(const DiffResult *r,
                                         const HostileSide *a,
                                         const HostileSide *b)
{
    uint64_t sum = 0, na = hostile_all_facts(a), nb = hostile_all_facts(b);

    HOSTILE_CHECK(r->changes->len <= na + nb, "%u changes from %" PRIu64
                  " + %" PRIu64 " facts", r->changes->len, na, nb);
    for (guint i = 0; i < r->changes->len; i++) {
        const DiffChange *c = &g_array_index(r->changes, DiffChange, i);
        HOSTILE_CHECK(c->group && c->path, "change %u without a path", i);
        HOSTILE_CHECK((c->kind == DIFF_ADDED) == !c->a &&
                      (c->kind == DIFF_REMOVED) == !c->b,
                      "change %u (%s): values %p %p", i,
                      diff_kind_name(c->kind), (const void *)c->a,
                      (const void *)c->b);
        HOSTILE_CHECK(!c->a || !c->b || strcmp(c->a, c->b),
                      "change %u: equal values", i);
    }
    for (int k = 0; k < 4; k++) {
        sum += r->counts[k];
    }
    HOSTILE_CHECK(sum == r->changes->len, "counts %" PRIu64 " of %u", sum,
                  r->changes->len);
}

static inline void hostile_diff_run(Out *o, size_t run, const void *ctx)
{
    (void)run;
    out_begin(o, "diff", NULL);
    render_diff_changes(o, ctx);
    render_diff_summary(o, ctx);
    out_end(o);
}

static inline void hostile_render_diff(const DiffResult *r)
{
    hostile_render_each(hostile_diff_run, r);
}

/*
 * A and B diffed as --diff does (both of a kind; a pair of different kinds
 * is the CLI's usage error): the same bytes give the same facts (A against
 * itself is equal); A against B is B against A mirrored (added and removed
 * swapped, the same changed and version counts); every change is consistent
 * and bounded by the facts; human and JSON output are clean.
 */
static inline void hostile_diff(const uint8_t *a, size_t la, const uint8_t *b,
                                size_t lb, bool render)
{
    HostileSide sa, sb, sa2;
    DiffOpts o = { NULL, false };
    DiffResult ab, ba, aa;

    hostile_diff_side(a, la, &sa);
    hostile_diff_side(b, lb, &sb);
    hostile_diff_side(a, la, &sa2);
    if (sa.facts && sb.facts && sa.kind == sb.kind) {
        diff_run(sa.facts, sa.m, sa2.facts, sa2.m, &o, &aa);
        HOSTILE_CHECK(aa.changes->len == 0, "A differs from itself in %u",
                      aa.changes->len);
        diff_result_clear(&aa);
        diff_run(sa.facts, sa.m, sb.facts, sb.m, &o, &ab);
        diff_run(sb.facts, sb.m, sa.facts, sa.m, &o, &ba);
        hostile_check_changes(&ab, &sa, &sb);
        hostile_check_changes(&ba, &sb, &sa);
        HOSTILE_CHECK(ab.counts[DIFF_ADDED] == ba.counts[DIFF_REMOVED] &&
                      ab.counts[DIFF_REMOVED] == ba.counts[DIFF_ADDED] &&
                      ab.counts[DIFF_CHANGED] == ba.counts[DIFF_CHANGED] &&
                      ab.counts[DIFF_VERSION] == ba.counts[DIFF_VERSION],
                      "A-B and B-A are not mirrored");
        if (render) {
            hostile_render_diff(&ab);
        }
        diff_result_clear(&ab);
        diff_result_clear(&ba);
    }
    hostile_diff_side_clear(&sa);
    hostile_diff_side_clear(&sb);
    hostile_diff_side_clear(&sa2);
}

/* libFuzzer's one input as a pair: BE u32 length of A, A, then B. */
static inline void hostile_diff_split(const uint8_t *data, size_t size)
{
    uint32_t la;

    if (size < 4) {
        return;
    }
    la = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 |
         (uint32_t)data[2] << 8 | data[3];
    la = (uint32_t)MIN((size_t)la, size - 4);
    /* copies of exactly their size: ASan sees an over-read of either */
    size_t lb = size - 4 - la;
    uint8_t *a = g_malloc(la ? la : 1);
    uint8_t *b = g_malloc(lb ? lb : 1);

    memcpy(a, data + 4, la);
    memcpy(b, data + 4 + la, lb);
    hostile_diff(a, la, b, lb, size <= 65536);
    g_free(a);
    g_free(b);
}

#endif
