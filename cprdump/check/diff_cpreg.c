/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "check/diff_cpreg.h"

#include <glib.h>

/* Linux arch/arm64/include/uapi/asm/kvm.h and arch/arm/include/uapi/asm/kvm.h */
#define KVM_REG_ARCH_MASK   0xff00000000000000ull
#define KVM_REG_ARM64       0x6000000000000000ull
#define KVM_REG_ARM         0x4000000000000000ull
#define KVM_REG_SIZE_MASK   0x00f0000000000000ull
#define KVM_REG_SIZE_U64    0x0030000000000000ull
#define ARM64_SYSREG        0x0000000000130000ull   /* coproc 0x13 */
#define COPROC_MASK         0x000000000fff0000ull
#define CP_REG_NS           (1ull << 29)            /* QEMU: banked copy */

typedef struct Named {
    uint16_t enc;          /* op0<<14 | op1<<11 | crn<<7 | crm<<3 | op2 */
    const char *name;
} Named;

#define ENC(op0, op1, crn, crm, op2) \
    (uint16_t)((op0) << 14 | (op1) << 11 | (crn) << 7 | (crm) << 3 | (op2))

/* Arm ARM (DDI 0487), "AArch64 System register encoding". */
static const Named aa64[] = {
    { ENC(3, 0, 0, 0, 0), "MIDR_EL1" },
    { ENC(3, 0, 0, 0, 5), "MPIDR_EL1" },
    { ENC(3, 0, 0, 0, 6), "REVIDR_EL1" },
    { ENC(3, 0, 0, 4, 0), "ID_AA64PFR0_EL1" },
    { ENC(3, 0, 0, 4, 1), "ID_AA64PFR1_EL1" },
    { ENC(3, 0, 0, 4, 4), "ID_AA64ZFR0_EL1" },
    { ENC(3, 0, 0, 4, 5), "ID_AA64SMFR0_EL1" },
    { ENC(3, 0, 0, 5, 0), "ID_AA64DFR0_EL1" },
    { ENC(3, 0, 0, 5, 1), "ID_AA64DFR1_EL1" },
    { ENC(3, 0, 0, 6, 0), "ID_AA64ISAR0_EL1" },
    { ENC(3, 0, 0, 6, 1), "ID_AA64ISAR1_EL1" },
    { ENC(3, 0, 0, 6, 2), "ID_AA64ISAR2_EL1" },
    { ENC(3, 0, 0, 7, 0), "ID_AA64MMFR0_EL1" },
    { ENC(3, 0, 0, 7, 1), "ID_AA64MMFR1_EL1" },
    { ENC(3, 0, 0, 7, 2), "ID_AA64MMFR2_EL1" },
    { ENC(3, 0, 1, 0, 0), "SCTLR_EL1" },
    { ENC(3, 0, 1, 0, 1), "ACTLR_EL1" },
    { ENC(3, 0, 1, 0, 2), "CPACR_EL1" },
    { ENC(3, 0, 2, 0, 0), "TTBR0_EL1" },
    { ENC(3, 0, 2, 0, 1), "TTBR1_EL1" },
    { ENC(3, 0, 2, 0, 2), "TCR_EL1" },
    { ENC(3, 0, 4, 0, 0), "SPSR_EL1" },
    { ENC(3, 0, 4, 0, 1), "ELR_EL1" },
    { ENC(3, 0, 5, 1, 0), "AFSR0_EL1" },
    { ENC(3, 0, 5, 1, 1), "AFSR1_EL1" },
    { ENC(3, 0, 5, 2, 0), "ESR_EL1" },
    { ENC(3, 0, 6, 0, 0), "FAR_EL1" },
    { ENC(3, 0, 7, 4, 0), "PAR_EL1" },
    { ENC(3, 0, 10, 2, 0), "MAIR_EL1" },
    { ENC(3, 0, 10, 3, 0), "AMAIR_EL1" },
    { ENC(3, 0, 12, 0, 0), "VBAR_EL1" },
    { ENC(3, 0, 13, 0, 1), "CONTEXTIDR_EL1" },
    { ENC(3, 0, 13, 0, 4), "TPIDR_EL1" },
    { ENC(3, 0, 14, 1, 0), "CNTKCTL_EL1" },
    { ENC(3, 1, 0, 0, 0), "CCSIDR_EL1" },
    { ENC(3, 1, 0, 0, 1), "CLIDR_EL1" },
    { ENC(3, 2, 0, 0, 0), "CSSELR_EL1" },
    { ENC(3, 3, 0, 0, 1), "CTR_EL0" },
    { ENC(3, 3, 0, 0, 7), "DCZID_EL0" },
    { ENC(3, 3, 13, 0, 2), "TPIDR_EL0" },
    { ENC(3, 3, 13, 0, 3), "TPIDRRO_EL0" },
    { ENC(3, 3, 14, 0, 0), "CNTFRQ_EL0" },
    { ENC(3, 3, 14, 0, 1), "CNTPCT_EL0" },
    { ENC(3, 3, 14, 0, 2), "CNTVCT_EL0" },
    { ENC(3, 3, 14, 2, 1), "CNTP_CTL_EL0" },
    { ENC(3, 3, 14, 2, 2), "CNTP_CVAL_EL0" },
    { ENC(3, 3, 14, 3, 1), "CNTV_CTL_EL0" },
    { ENC(3, 3, 14, 3, 2), "CNTV_CVAL_EL0" },
};

static char *aa64_name(uint64_t id)
{
    uint16_t enc = (uint16_t)(id & 0xffff);

    for (size_t i = 0; i < G_N_ELEMENTS(aa64); i++) {
        if (aa64[i].enc == enc) {
            return g_strdup(aa64[i].name);
        }
    }
    return g_strdup_printf("S%u_%u_C%u_C%u_%u", enc >> 14, (enc >> 11) & 7,
                           (enc >> 7) & 15, (enc >> 3) & 15, enc & 7);
}

static char *aa32_name(uint64_t id)
{
    unsigned cp = (unsigned)((id & COPROC_MASK) >> 16);
    const char *ns = id & CP_REG_NS ? " (ns)" : "";

    if ((id & KVM_REG_SIZE_MASK) == KVM_REG_SIZE_U64) {
        return g_strdup_printf("p%u,%u,c%u%s", cp, (unsigned)(id >> 3) & 15,
                               (unsigned)(id >> 7) & 15, ns);
    }
    return g_strdup_printf("p%u,%u,c%u,c%u,%u%s", cp, (unsigned)(id >> 3) & 15,
                           (unsigned)(id >> 11) & 15, (unsigned)(id >> 7) & 15,
                           (unsigned)id & 7, ns);
}

char *cpreg_name(uint64_t id)
{
    if ((id & KVM_REG_ARCH_MASK) == KVM_REG_ARM64 &&
        (id & COPROC_MASK) == ARM64_SYSREG) {
        return aa64_name(id);
    }
    if ((id & KVM_REG_ARCH_MASK) == KVM_REG_ARM) {
        return aa32_name(id);
    }
    return g_strdup_printf("0x%016" G_GINT64_MODIFIER "x", id);
}
