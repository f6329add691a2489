/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Arm coprocessor register ids as QEMU's arm cpu vmsd lists them
 * ("cpreg_vmstate_indexes": KVM register ids, also under TCG): split into
 * op0/op1/CRn/CRm/op2 (AArch64 system registers) or cp/opc1/CRn/CRm/opc2
 * (AArch32 coprocessor registers), named when the register is a well-known
 * architectural one. Encoding: Linux uapi asm/kvm.h.
 */
#ifndef CPRDUMP_ARM_CPREG_H
#define CPRDUMP_ARM_CPREG_H

#include <stdbool.h>
#include <stdint.h>

typedef enum ArmCpregKind {
    ARM_CPREG_OTHER,        /* a KVM id of another class (core, fw, sve) */
    ARM_CPREG_SYSREG64,     /* AArch64 system register: op0..op2 */
    ARM_CPREG_CP32,         /* AArch32 coprocessor register, 32 bits */
    ARM_CPREG_CP64,         /* AArch32 coprocessor register, 64 bits */
} ArmCpregKind;

typedef struct ArmCpreg {
    ArmCpregKind kind;
    unsigned op0, op1, crn, crm, op2;   /* AArch32: op0 = coprocessor */
    const char *name;       /* "SCTLR_EL1", ... or NULL */
} ArmCpreg;

/* false: not an Arm KVM register id at all. */
bool arm_cpreg_decode(uint64_t id, ArmCpreg *r);

#endif
