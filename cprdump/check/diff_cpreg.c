/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "check/diff_cpreg.h"

#include <glib.h>

#include "arm_cpreg.h"

#define CP_REG_NS (1ull << 29)      /* QEMU: the banked non-secure copy */

char *cpreg_name(uint64_t id)
{
    const char *ns = id & CP_REG_NS ? " (ns)" : "";
    ArmCpreg r;

    if (!arm_cpreg_decode(id, &r)) {
        r.kind = ARM_CPREG_OTHER;
    }
    switch (r.kind) {
    case ARM_CPREG_SYSREG64:
        return r.name ? g_strdup(r.name)
                      : g_strdup_printf("S%u_%u_C%u_C%u_%u", r.op0, r.op1,
                                        r.crn, r.crm, r.op2);
    case ARM_CPREG_CP32:
        return r.name ? g_strdup_printf("%s%s", r.name, ns)
                      : g_strdup_printf("p%u,%u,c%u,c%u,%u%s", r.op0, r.op1,
                                        r.crn, r.crm, r.op2, ns);
    case ARM_CPREG_CP64:
        return g_strdup_printf("p%u,%u,c%u%s", r.op0, r.op1, r.crm, ns);
    default:
        return g_strdup_printf("0x%016" G_GINT64_MODIFIER "x", id);
    }
}
