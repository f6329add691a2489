/* SPDX-License-Identifier: GPL-2.0-or-later */
/* KVM register ids (Linux uapi arch/arm64 and arch/arm asm/kvm.h) and the
 * architectural names of well-known system registers (Arm ARM). */
#include "arm_cpreg.h"

#include <stddef.h>

#define REG_ARCH_MASK 0xff00000000000000ull
#define REG_ARM64 0x6000000000000000ull
#define REG_ARM 0x4000000000000000ull
#define REG_SIZE_MASK 0x00f0000000000000ull
#define REG_SIZE_U64 0x0030000000000000ull
#define COPROC(id) ((unsigned)(((id) >> 16) & 0xfff))
#define ARM64_SYSREG 0x13u

typedef struct Name {
    uint8_t op0, op1, crn, crm, op2;
    const char *name;
} Name;

static const Name sysregs[] = {
    { 3, 0, 0, 0, 0, "MIDR_EL1" }, { 3, 0, 0, 0, 5, "MPIDR_EL1" },
    { 3, 0, 0, 0, 6, "REVIDR_EL1" },
    { 3, 0, 0, 4, 0, "ID_AA64PFR0_EL1" }, { 3, 0, 0, 4, 1, "ID_AA64PFR1_EL1" },
    { 3, 0, 0, 4, 4, "ID_AA64ZFR0_EL1" }, { 3, 0, 0, 4, 5, "ID_AA64SMFR0_EL1" },
    { 3, 0, 0, 5, 0, "ID_AA64DFR0_EL1" }, { 3, 0, 0, 5, 1, "ID_AA64DFR1_EL1" },
    { 3, 0, 0, 6, 0, "ID_AA64ISAR0_EL1" },
    { 3, 0, 0, 6, 1, "ID_AA64ISAR1_EL1" },
    { 3, 0, 0, 6, 2, "ID_AA64ISAR2_EL1" },
    { 3, 0, 0, 7, 0, "ID_AA64MMFR0_EL1" },
    { 3, 0, 0, 7, 1, "ID_AA64MMFR1_EL1" },
    { 3, 0, 0, 7, 2, "ID_AA64MMFR2_EL1" },
    { 3, 0, 1, 0, 0, "SCTLR_EL1" }, { 3, 0, 1, 0, 1, "ACTLR_EL1" },
    { 3, 0, 1, 0, 2, "CPACR_EL1" }, { 3, 0, 1, 2, 0, "ZCR_EL1" },
    { 3, 0, 2, 0, 0, "TTBR0_EL1" }, { 3, 0, 2, 0, 1, "TTBR1_EL1" },
    { 3, 0, 2, 0, 2, "TCR_EL1" },
    { 3, 0, 4, 0, 0, "SPSR_EL1" }, { 3, 0, 4, 0, 1, "ELR_EL1" },
    { 3, 0, 4, 1, 0, "SP_EL0" }, { 3, 0, 4, 6, 0, "ICC_PMR_EL1" },
    { 3, 0, 4, 2, 2, "CurrentEL" },
    { 3, 0, 5, 1, 0, "AFSR0_EL1" }, { 3, 0, 5, 1, 1, "AFSR1_EL1" },
    { 3, 0, 5, 2, 0, "ESR_EL1" }, { 3, 0, 6, 0, 0, "FAR_EL1" },
    { 3, 0, 7, 4, 0, "PAR_EL1" },
    { 3, 0, 9, 14, 1, "PMINTENSET_EL1" }, { 3, 0, 9, 14, 2, "PMINTENCLR_EL1" },
    { 3, 0, 10, 2, 0, "MAIR_EL1" }, { 3, 0, 10, 3, 0, "AMAIR_EL1" },
    { 3, 0, 12, 0, 0, "VBAR_EL1" }, { 3, 0, 12, 12, 3, "ICC_BPR1_EL1" },
    { 3, 0, 12, 12, 4, "ICC_CTLR_EL1" }, { 3, 0, 12, 12, 5, "ICC_SRE_EL1" },
    { 3, 0, 12, 12, 6, "ICC_IGRPEN0_EL1" },
    { 3, 0, 12, 12, 7, "ICC_IGRPEN1_EL1" },
    { 3, 0, 13, 0, 1, "CONTEXTIDR_EL1" }, { 3, 0, 13, 0, 4, "TPIDR_EL1" },
    { 3, 0, 14, 1, 0, "CNTKCTL_EL1" },
    { 3, 1, 0, 0, 0, "CCSIDR_EL1" }, { 3, 1, 0, 0, 1, "CLIDR_EL1" },
    { 3, 2, 0, 0, 0, "CSSELR_EL1" },
    { 3, 3, 0, 0, 1, "CTR_EL0" }, { 3, 3, 0, 0, 7, "DCZID_EL0" },
    { 3, 3, 4, 2, 0, "NZCV" }, { 3, 3, 4, 2, 1, "DAIF" },
    { 3, 3, 4, 4, 0, "FPCR" }, { 3, 3, 4, 4, 1, "FPSR" },
    { 3, 3, 9, 12, 0, "PMCR_EL0" }, { 3, 3, 9, 12, 1, "PMCNTENSET_EL0" },
    { 3, 3, 9, 12, 2, "PMCNTENCLR_EL0" }, { 3, 3, 9, 12, 3, "PMOVSCLR_EL0" },
    { 3, 3, 9, 12, 5, "PMSELR_EL0" }, { 3, 3, 9, 13, 0, "PMCCNTR_EL0" },
    { 3, 3, 9, 14, 0, "PMUSERENR_EL0" }, { 3, 3, 9, 14, 3, "PMOVSSET_EL0" },
    { 3, 3, 13, 0, 2, "TPIDR_EL0" }, { 3, 3, 13, 0, 3, "TPIDRRO_EL0" },
    { 3, 3, 14, 0, 0, "CNTFRQ_EL0" }, { 3, 3, 14, 0, 1, "CNTPCT_EL0" },
    { 3, 3, 14, 0, 2, "CNTVCT_EL0" },
    { 3, 3, 14, 2, 0, "CNTP_TVAL_EL0" }, { 3, 3, 14, 2, 1, "CNTP_CTL_EL0" },
    { 3, 3, 14, 2, 2, "CNTP_CVAL_EL0" },
    { 3, 3, 14, 3, 0, "CNTV_TVAL_EL0" }, { 3, 3, 14, 3, 1, "CNTV_CTL_EL0" },
    { 3, 3, 14, 3, 2, "CNTV_CVAL_EL0" },
    { 3, 3, 14, 15, 7, "PMCCFILTR_EL0" },
    { 3, 4, 0, 0, 0, "VPIDR_EL2" }, { 3, 4, 0, 0, 5, "VMPIDR_EL2" },
    { 3, 4, 1, 0, 0, "SCTLR_EL2" }, { 3, 4, 1, 1, 0, "HCR_EL2" },
    { 3, 4, 1, 1, 2, "CPTR_EL2" }, { 3, 4, 1, 1, 1, "MDCR_EL2" },
    { 3, 4, 2, 0, 0, "TTBR0_EL2" }, { 3, 4, 2, 0, 2, "TCR_EL2" },
    { 3, 4, 2, 1, 0, "VTTBR_EL2" }, { 3, 4, 2, 1, 2, "VTCR_EL2" },
    { 3, 4, 4, 0, 0, "SPSR_EL2" }, { 3, 4, 4, 0, 1, "ELR_EL2" },
    { 3, 4, 4, 1, 0, "SP_EL1" },
    { 3, 4, 5, 2, 0, "ESR_EL2" }, { 3, 4, 6, 0, 0, "FAR_EL2" },
    { 3, 4, 6, 0, 4, "HPFAR_EL2" }, { 3, 4, 10, 2, 0, "MAIR_EL2" },
    { 3, 4, 12, 0, 0, "VBAR_EL2" }, { 3, 4, 13, 0, 2, "TPIDR_EL2" },
    { 3, 4, 14, 0, 3, "CNTVOFF_EL2" }, { 3, 4, 14, 1, 0, "CNTHCTL_EL2" },
    { 3, 6, 1, 0, 0, "SCTLR_EL3" }, { 3, 6, 1, 1, 0, "SCR_EL3" },
    { 3, 6, 2, 0, 0, "TTBR0_EL3" }, { 3, 6, 2, 0, 2, "TCR_EL3" },
    { 3, 6, 4, 0, 0, "SPSR_EL3" }, { 3, 6, 4, 0, 1, "ELR_EL3" },
    { 3, 6, 4, 1, 0, "SP_EL2" }, { 3, 6, 5, 2, 0, "ESR_EL3" },
    { 3, 6, 10, 2, 0, "MAIR_EL3" }, { 3, 6, 12, 0, 0, "VBAR_EL3" },
    { 2, 0, 0, 2, 0, "MDCCINT_EL1" }, { 2, 0, 0, 2, 2, "MDSCR_EL1" },
    { 2, 0, 1, 0, 4, "OSLAR_EL1" }, { 2, 0, 1, 1, 4, "OSLSR_EL1" },
    { 2, 0, 1, 3, 4, "OSDLR_EL1" },
};

/* AArch32 cp15 registers (op0 = 15), 32-bit unless noted by CP64. */
static const Name cp15[] = {
    { 15, 0, 0, 0, 0, "MIDR" }, { 15, 0, 0, 0, 5, "MPIDR" },
    { 15, 0, 1, 0, 0, "SCTLR" }, { 15, 0, 1, 0, 2, "CPACR" },
    { 15, 0, 2, 0, 0, "TTBR0" }, { 15, 0, 2, 0, 1, "TTBR1" },
    { 15, 0, 2, 0, 2, "TTBCR" }, { 15, 0, 3, 0, 0, "DACR" },
    { 15, 0, 5, 0, 0, "DFSR" }, { 15, 0, 5, 0, 1, "IFSR" },
    { 15, 0, 6, 0, 0, "DFAR" }, { 15, 0, 6, 0, 2, "IFAR" },
    { 15, 0, 10, 2, 0, "PRRR" }, { 15, 0, 10, 2, 1, "NMRR" },
    { 15, 0, 12, 0, 0, "VBAR" }, { 15, 0, 13, 0, 1, "CONTEXTIDR" },
    { 15, 0, 13, 0, 2, "TPIDRURW" }, { 15, 0, 13, 0, 3, "TPIDRURO" },
    { 15, 0, 13, 0, 4, "TPIDRPRW" }, { 15, 0, 14, 0, 0, "CNTFRQ" },
    { 15, 0, 14, 1, 0, "CNTKCTL" },
};

static const char *lookup(const Name *t, size_t n, const ArmCpreg *r)
{
    for (size_t i = 0; i < n; i++) {
        if (t[i].op0 == r->op0 && t[i].op1 == r->op1 && t[i].crn == r->crn &&
            t[i].crm == r->crm && t[i].op2 == r->op2) {
            return t[i].name;
        }
    }
    return NULL;
}

static void arm64(uint64_t id, ArmCpreg *r)
{
    if (COPROC(id) != ARM64_SYSREG) {
        r->kind = ARM_CPREG_OTHER;
        return;
    }
    r->kind = ARM_CPREG_SYSREG64;
    r->op0 = (unsigned)(id >> 14) & 3;
    r->op1 = (unsigned)(id >> 11) & 7;
    r->crn = (unsigned)(id >> 7) & 15;
    r->crm = (unsigned)(id >> 3) & 15;
    r->op2 = (unsigned)id & 7;
    r->name = lookup(sysregs, sizeof(sysregs) / sizeof(sysregs[0]), r);
}

static void arm32(uint64_t id, ArmCpreg *r)
{
    r->op0 = COPROC(id);
    if (r->op0 > 15) {
        r->kind = ARM_CPREG_OTHER;
        return;
    }
    r->crm = (unsigned)(id >> 7) & 15;
    r->op1 = (unsigned)(id >> 3) & 15;
    if ((id & REG_SIZE_MASK) == REG_SIZE_U64) {
        r->kind = ARM_CPREG_CP64;       /* MCRR: CRm and opc1 only */
        return;
    }
    r->kind = ARM_CPREG_CP32;
    r->crn = (unsigned)(id >> 11) & 15;
    r->op2 = (unsigned)id & 7;
    if (r->op0 == 15) {
        r->name = lookup(cp15, sizeof(cp15) / sizeof(cp15[0]), r);
    }
}

bool arm_cpreg_decode(uint64_t id, ArmCpreg *r)
{
    *r = (ArmCpreg){ 0 };
    switch (id & REG_ARCH_MASK) {
    case REG_ARM64:
        arm64(id, r);
        return true;
    case REG_ARM:
        arm32(id, r);
        return true;
    default:
        return false;
    }
}
