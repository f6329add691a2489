/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What an fd record is, from QEMU's naming rules (formats-facts §2, cpr_state.md).
 * A name no rule knows is CPR_KIND_UNKNOWN: cprdump never guesses.
 */
#ifndef CPRDUMP_CPR_KIND_H
#define CPRDUMP_CPR_KIND_H

#include <stdbool.h>
#include <stdint.h>

typedef enum CprKind {
    CPR_KIND_UNKNOWN = 0,
    CPR_KIND_GUEST_RAM,       /* QEMU-allocated main RAM, e.g. pc.ram */
    CPR_KIND_RAM_BACKEND,     /* memory-backend-* object (user id) */
    CPR_KIND_ROM,             /* firmware / ROM blob */
    CPR_KIND_DEVICE_RAM,      /* device RAM such as vga.vram */
    CPR_KIND_VFIO_GROUP,      /* /dev/vfio/<group>, id = group */
    CPR_KIND_VFIO_CONTAINER,  /* /dev/vfio/vfio, id = group */
    CPR_KIND_VFIO_DEVICE,     /* VFIO device fd */
    CPR_KIND_VFIO_INTERRUPT,  /* MSI/MSI-X eventfd, id = vector */
    CPR_KIND_VFIO_KVM_INTERRUPT, /* KVM irqfd for a vector, id = vector */
    CPR_KIND_VFIO_EVENTFD,    /* INTx, err and req notifier eventfds */
    CPR_KIND_IOMMUFD,         /* iommufd backend object (/dev/iommu) */
    CPR_KIND_FLASH,           /* a board's pflash, e.g. virt.flash0 */
    CPR_KIND_BOARD_MEMORY,    /* on-board memory other than RAM: SRAM */
    CPR_KIND__COUNT
} CprKind;

typedef struct CprKindInfo {
    CprKind kind;
    const char *rule;   /* which naming rule matched, for humans */
    bool id_is_vector;  /* the record's id is an interrupt vector */
    bool id_is_group;   /* the record's id is an IOMMU group number */
} CprKindInfo;

/* The stable kebab-case name used in JSON and tables. */
const char *cpr_kind_name(CprKind kind);
/* A short description for humans. */
const char *cpr_kind_title(CprKind kind);
/* Memory-like kinds: their fd should be a memfd (or POSIX shm). */
bool cpr_kind_is_memory(CprKind kind);
bool cpr_kind_is_vfio(CprKind kind);

/* Classifies a record name; vfio_device is true when the name is listed in
 * the "CprState/vfio devices" subsection. */
CprKindInfo cpr_kind_classify(const char *name, bool vfio_device);

#endif
