/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ARM coprocessor/system register names for the cpreg lists of an ARM "cpu"
 * section (cpreg_vmstate_indexes: KVM-style register ids, as QEMU's
 * cpreg_to_kvm_id() makes them, for TCG too). AArch64 system registers get
 * their architectural name when cprdump knows it, else the generic
 * S<op0>_<op1>_C<n>_C<m>_<op2>; AArch32 ones p<cp>,<opc1>,c<n>,c<m>,<opc2>
 * (64-bit: p<cp>,<opc1>,c<m>), with " (ns)" for the non-secure copy.
 */
#ifndef CPRDUMP_CHECK_DIFF_CPREG_H
#define CPRDUMP_CHECK_DIFF_CPREG_H

#include <stdint.h>

char *cpreg_name(uint64_t id);

#endif
