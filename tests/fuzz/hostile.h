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

#include "cpr_state.h"
#include "fmt_error.h"
#include "formats.h"
#include "iterative.h"
#include "render/out.h"
#include "reader.h"
#include "render/render_cpr.h"
#include "render/render_stream.h"
#include "render/report.h"
#include "multifd.h"
#include "stream.h"
#include "xbzrle.h"

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

/* Renders st (and err, if set) as the CLI does into memory: human text in a
 * UTF-8 and in the C locale (the CLI follows the environment's), and JSON. */
static inline void hostile_render_cpr(const CprState *st, const FmtError *err)
{
    static const struct {
        OutMode mode;
        const char *locale;
    } runs[] = {
        { OUT_HUMAN, "C.UTF-8" }, { OUT_HUMAN, "C" }, { OUT_JSON, "C.UTF-8" },
    };
    InputInfo info = { HOSTILE_LABEL, (int64_t)st->size, false };

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
        if (st->header_ok || !fmt_error_is_set(err)) {
            render_cpr_state(o, &info, st);
        }
        if (fmt_error_is_set(err)) {
            char *msg = report_message(HOSTILE_LABEL, err);

            hostile_check_human(msg, strlen(msg));
            g_free(msg);
            out_json(o, "error", report_json(HOSTILE_LABEL, err));
        }
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

/* The stream rendered as the CLI does (memory decode), both ways. */
static inline void hostile_render_stream_bytes(const uint8_t *buf, size_t len)
{
    static const OutMode modes[] = { OUT_HUMAN, OUT_HUMAN, OUT_JSON };
    static const char *const locales[] = { "C.UTF-8", "C", "C.UTF-8" };
    StreamModel *m = NULL;
    FmtError err;
    InputInfo info = { HOSTILE_LABEL, (int64_t)len, false };

    stream_decode_mem(buf, len, &m, &err);
    for (size_t i = 0; i < G_N_ELEMENTS(modes); i++) {
        char *text = NULL;
        size_t n = 0;
        FILE *fp;
        Out *o;

        if (!setlocale(LC_ALL, locales[i])) {
            continue;
        }
        fp = open_memstream(&text, &n);
        HOSTILE_CHECK(fp != NULL, "open_memstream failed");
        o = out_new(modes[i], fp);
        if (m->header_ok || !fmt_error_is_set(&err)) {
            render_stream(o, &info, m);
        }
        if (fmt_error_is_set(&err)) {
            char *msg = report_message(HOSTILE_LABEL, &err);

            hostile_check_human(msg, strlen(msg));
            g_free(msg);
            out_json(o, "error", report_json(HOSTILE_LABEL, &err));
        }
        out_finish(o);
        fclose(fp);
        if (modes[i] == OUT_HUMAN) {
            hostile_check_human(text, n);
        } else {
            hostile_check_json(text, n);
        }
        free(text);
    }
    setlocale(LC_ALL, "C");
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

#endif
