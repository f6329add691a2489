/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QEMU CPR state ("QCPR"): decoded model. Layout: formats/cpr_state.md.
 * Pure: bytes in, model out. No printing, no global state.
 */
#ifndef CPRDUMP_CPR_STATE_H
#define CPRDUMP_CPR_STATE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpr_kind.h"
#include "fmt_error.h"

#define CPR_STATE_MAGIC 0x51435052u   /* "QCPR" */
#define CPR_STATE_VERSION 1u
#define CPR_VFIO_SUBSECTION "CprState/vfio devices"

typedef enum CprMode {
    CPR_MODE_AUTO = 0,   /* request: detect */
    CPR_MODE_EXEC,       /* fd field: BE s32 fd number */
    CPR_MODE_TRANSFER,   /* fd field: one 0x20 byte; fd went by SCM_RIGHTS */
    CPR_MODE_NONE,       /* result: no fd field to tell from */
} CprMode;

typedef struct CprFd {
    uint64_t offset;       /* of the 0x01 list marker that starts the record */
    uint64_t name_offset;
    uint64_t fd_offset;
    uint32_t namelen;      /* as on the wire: strlen(name) + 1 */
    char *name;            /* NUL-terminated copy */
    int32_t id;
    bool has_fd;           /* cpr-exec: the fd number is in the bytes */
    int32_t fd;
    CprKindInfo kind;
} CprFd;

typedef struct CprVfioDevice {
    uint64_t offset;
    char *name;
    int32_t devid;
    uint32_t ioas_id;
    uint32_t hwpt_id;
} CprVfioDevice;

typedef enum CprVfioBody {
    CPR_VFIO_BODY_LIST,    /* normal build: a QLIST (maybe empty) */
    CPR_VFIO_BODY_EMPTY,   /* build without iommufd: zero bytes */
} CprVfioBody;

typedef struct CprState {
    uint64_t size;          /* input bytes */
    uint32_t magic;
    uint32_t version;
    bool header_ok;
    CprMode mode;
    bool mode_forced;
    const char *mode_reason; /* static string */
    GArray *fds;             /* CprFd, wire order */
    bool fds_complete;       /* the list's 0x00 end marker was read */
    bool has_vfio;           /* "CprState/vfio devices" subsection present */
    uint64_t vfio_offset;
    uint32_t vfio_version;
    CprVfioBody vfio_body;
    GArray *vfio_devices;    /* CprVfioDevice, wire order */
    uint64_t end_offset;     /* where decoding stopped */
} CprState;

const char *cpr_mode_name(CprMode mode);

/* 64: magic and version match; 32: magic only; 0: not a CPR state. */
int cpr_state_probe(const uint8_t *buf, size_t len);

/*
 * Decodes a whole CPR state. Always returns a state (the part decoded so far
 * on failure); returns false with *err set when the bytes are not a complete,
 * valid state. mode selects the fd encoding, CPR_MODE_AUTO detects it.
 */
bool cpr_state_decode(const uint8_t *buf, size_t len, CprMode mode,
                      CprState **out, FmtError *err);

void cpr_state_free(CprState *st);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CprState, cpr_state_free)

#endif
