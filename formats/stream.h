/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QEMU migration stream ("QEVM", version 3): decoded model of its framing
 * (header, configuration, sections, commands, EOF, vmdesc) and of the "ram"
 * section. Layout: formats/stream.md and formats/ram.md.
 * Pure: bytes in (through an FmtSource, in constant memory), model out.
 */
#ifndef CPRDUMP_STREAM_H
#define CPRDUMP_STREAM_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fmt_error.h"
#include "iterative.h"
#include "ram.h"
#include "reader.h"
#include "vmdesc.h"

#define STREAM_MAGIC 0x5145564du     /* "QEVM" */
#define STREAM_VERSION 3u
/* Most entries cprdump reads in configuration/capabilities: QEMU has about 30
 * migration capabilities; a larger count is refused before reading them (each
 * entry can be a single byte, but costs a string and a JSON value). */
#define STREAM_CAPS_MAX 256u
/* Most device-body bytes kept for field decoding (StreamOpts.keep_bodies):
 * real streams have well under 1 MiB of device state. */
#define STREAM_BODIES_MAX (256u << 20)

enum {
    QEMU_VM_EOF = 0x00,
    QEMU_VM_SECTION_START = 0x01,
    QEMU_VM_SECTION_PART = 0x02,
    QEMU_VM_SECTION_END = 0x03,
    QEMU_VM_SECTION_FULL = 0x04,
    QEMU_VM_SUBSECTION = 0x05,
    QEMU_VM_VMDESCRIPTION = 0x06,
    QEMU_VM_CONFIGURATION = 0x07,
    QEMU_VM_COMMAND = 0x08,
    QEMU_VM_SECTION_FOOTER = 0x7e,
};

enum {
    MIG_CMD_OPEN_RETURN_PATH = 1,
    MIG_CMD_PING = 2,
    MIG_CMD_POSTCOPY_ADVISE = 3,
    MIG_CMD_POSTCOPY_LISTEN = 4,
    MIG_CMD_POSTCOPY_RUN = 5,
    MIG_CMD_POSTCOPY_RAM_DISCARD = 6,
    MIG_CMD_PACKAGED = 7,
    MIG_CMD_ENABLE_COLO = 8,
    MIG_CMD_POSTCOPY_RESUME = 9,
    MIG_CMD_RECV_BITMAP = 10,
    MIG_CMD_SWITCHOVER_START = 11,
};

typedef enum StreamBodyHow {
    BODY_PARSED,        /* decoded record by record ("ram", and the live
                           sections of iterative.h) */
    BODY_SCAN,          /* delimited by scanning for its footer (or, without
                           footers, for the next item's header) */
    BODY_VMDESC,        /* that scan confirmed by the vmdesc field sizes */
} StreamBodyHow;

typedef struct StreamSection {
    uint8_t type;             /* QEMU_VM_SECTION_START..FULL */
    uint32_t section_id;
    char *idstr;              /* PART/END: copied from their START */
    uint32_t instance_id;
    uint32_t version;
    uint64_t offset;          /* of the type byte */
    uint64_t body_offset;
    uint64_t body_end;        /* footer or next section starts here */
    uint64_t end;             /* after the footer */
    int footer;               /* 1 read, 0 stream has none, -1 unknown */
    StreamBodyHow how;
    const char *vmsd_name;    /* from vmdesc (borrowed from the model) */
    int64_t vmsd_version;     /* -1 when unknown */
    int64_t vmdesc_size;      /* body size per vmdesc, -1 when unknown */
    bool vmdesc_differs;      /* complete, and its body size is not that */
    IterChunk iter;           /* live sections read by their framing */
    bool complete;
    struct json_object *desc; /* its vmdesc entry (borrowed), or NULL */
    int64_t body_kept;        /* index of the body in StreamModel.bodies,
                                 -1 when not kept */
} StreamSection;

typedef struct StreamCommand {
    uint64_t offset;
    uint16_t cmd;
    uint16_t length;
    bool known;
    bool length_ok;           /* the length QEMU uses for this command */
    uint32_t value;           /* PING */
    uint64_t summary;         /* POSTCOPY_ADVISE: OR of block page sizes */
    uint64_t target_page_size;
    uint8_t discard_version;  /* POSTCOPY_RAM_DISCARD */
    uint64_t range_count;
    char *ramblock;           /* POSTCOPY_RAM_DISCARD, RECV_BITMAP */
    uint32_t package_size;    /* PACKAGED: nested bytes that follow */
} StreamCommand;

typedef struct StreamConfig {
    bool present;
    uint64_t offset;
    char *machine_type;
    GPtrArray *caps;          /* char *, as listed */
    bool has_page_bits;
    uint32_t page_bits;
    bool has_uuid;
    uint8_t uuid[16];
} StreamConfig;

typedef struct StreamVmdescInfo {
    bool present;
    uint64_t offset;          /* of the 0x06 byte */
    uint32_t size;            /* JSON bytes */
    bool parsed;
    Vmdesc desc;
} StreamVmdescInfo;

/* Sources of the target page size, in the order cprdump trusts them. */
typedef enum StreamPageSource {
    PS_SRC_CONFIG,            /* configuration/target-page-bits */
    PS_SRC_VMDESC,            /* vmdesc "page_size" (read ahead, or at the end) */
    PS_SRC_MAPPED,            /* the mapped-ram headers */
    PS_SRC_ADVISE,            /* POSTCOPY_ADVISE's target page size */
    PS_SRC_INFERRED,          /* from the RAM records themselves */
    PS_SRC__COUNT,
    PS_SRC_NONE = PS_SRC__COUNT,   /* none: no record needed it */
} StreamPageSource;

typedef struct StreamPageSize {
    uint32_t size;            /* used for the RAM records; 0: not known */
    StreamPageSource from;
    bool vmdesc_ahead;        /* the vmdesc was read ahead from the end */
    uint64_t said[PS_SRC__COUNT];   /* what each source says, 0: absent */
    uint64_t at[PS_SRC__COUNT];     /* offset of each source in the stream */
    char *detail;             /* how it was decided, e.g. the inference */
    char *conflict;           /* two sources disagree: names both, or NULL */
} StreamPageSize;

const char *stream_page_source_name(StreamPageSource src);
const char *stream_page_source_title(StreamPageSource src);

typedef struct StreamModel {
    uint32_t magic;
    uint32_t version;
    bool header_ok;
    StreamConfig config;
    GArray *sections;         /* StreamSection, stream order */
    GArray *commands;         /* StreamCommand, stream order */
    int footers;              /* 1 on, 0 off, -1 not known yet */
    bool has_eof;
    uint64_t eof_offset;
    StreamVmdescInfo vmdesc;
    RamModel ram;
    StreamPageSize ps;        /* the target page size and its sources */
    const char *no_pages_reason;    /* static string or NULL */
    uint64_t inferred_count;  /* sections delimited by a scan only */
    uint64_t vmdesc_differs;  /* sections whose body is not the vmdesc size */
    uint64_t end_offset;      /* where decoding stopped */
    GByteArray *bodies;       /* keep_bodies: every non-"ram" body, back to
                                 back; NULL otherwise */
    bool bodies_over;         /* some were not kept: over STREAM_BODIES_MAX */
} StreamModel;

typedef struct StreamOpts {
    /* Told of every run of guest-memory bytes before it is skipped. */
    void (*on_payload)(void *opaque, uint64_t offset, uint64_t len);
    void *opaque;
    bool keep_bodies;         /* keep device bodies (stream_section_body) */
} StreamOpts;

/* The same, handing every page record of the "ram" section to on_page in
 * stream order (ram.h: RamPage); PACKAGED postcopy content is walked in line. */
bool stream_decode_pages(const FmtSource *src, RamPageFn on_page, void *opaque,
                         StreamModel **out, FmtError *err);

/* 64: magic and version match; 32: magic only; 0: not a stream. */
int stream_probe(const uint8_t *buf, size_t len);

/*
 * Decodes a whole stream from src. Always returns a model (the part decoded so
 * far on failure); returns false with *err set when the bytes are not a
 * complete, valid stream.
 */
/* Called with the offset and length of every run of guest-memory bytes (page
 * data, in stream order) before the decoder skips it: for redaction. */
typedef void (*StreamPayloadFn)(void *opaque, uint64_t offset, uint64_t len);
bool stream_decode_ex(const FmtSource *src, StreamPayloadFn on_payload,
                      void *opaque, StreamModel **out, FmtError *err);
bool stream_decode(const FmtSource *src, StreamModel **out, FmtError *err);
bool stream_decode_opts(const FmtSource *src, const StreamOpts *opts,
                        StreamModel **out, FmtError *err);
bool stream_decode_mem(const uint8_t *buf, size_t len, StreamModel **out,
                       FmtError *err);

bool stream_decode_mem_opts(const uint8_t *buf, size_t len,
                            const StreamOpts *opts, StreamModel **out,
                            FmtError *err);

/* The kept body of section s (keep_bodies), or NULL. */
const uint8_t *stream_section_body(const StreamModel *m,
                                   const StreamSection *s, size_t *len);
/* The vmdesc description (json-c object, borrowed from the model) of a FULL
 * section, or NULL when the stream has no vmdesc entry for it. */
struct json_object *stream_section_desc(const StreamModel *m,
                                        const StreamSection *s);

const char *stream_section_type_name(uint8_t type);
const char *stream_command_name(uint16_t cmd);
bool stream_has_cap(const StreamModel *m, const char *cap);

void stream_free(StreamModel *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StreamModel, stream_free)

#endif
