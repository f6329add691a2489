/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ARM coprocessor/system register names for --diff's "cpreg NAME" paths,
 * from the KVM-style ids of an ARM "cpu" section's cpreg_vmstate_indexes
 * (formats/arm_cpreg.h decodes them): the architectural name when
 * arm_cpreg.c knows it, else AArch64 S<op0>_<op1>_C<n>_C<m>_<op2>, AArch32
 * p<cp>,<opc1>,c<n>,c<m>,<opc2> (64-bit: p<cp>,<opc1>,c<m>); AArch32 ones
 * with " (ns)" for the non-secure copy; any other id in hex.
 */
#ifndef CPRDUMP_CHECK_DIFF_CPREG_H
#define CPRDUMP_CHECK_DIFF_CPREG_H

#include <stdint.h>

char *cpreg_name(uint64_t id);

#endif
