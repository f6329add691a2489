/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cpr_kind.h"

#include <glib.h>
#include <string.h>

static const struct {
    const char *name;
    const char *title;
} kinds[CPR_KIND__COUNT] = {
    [CPR_KIND_UNKNOWN] = { "unknown", "unknown name" },
    [CPR_KIND_GUEST_RAM] = { "guest-ram", "guest RAM (QEMU-allocated)" },
    [CPR_KIND_RAM_BACKEND] = { "ram-backend", "guest RAM backend object" },
    [CPR_KIND_ROM] = { "rom", "ROM/firmware blob" },
    [CPR_KIND_DEVICE_RAM] = { "device-ram", "device RAM" },
    [CPR_KIND_VFIO_GROUP] = { "vfio-group", "VFIO group" },
    [CPR_KIND_VFIO_CONTAINER] = { "vfio-container", "VFIO container" },
    [CPR_KIND_VFIO_DEVICE] = { "vfio-device", "VFIO device" },
    [CPR_KIND_VFIO_INTERRUPT] = { "vfio-interrupt", "VFIO interrupt eventfd" },
    [CPR_KIND_VFIO_KVM_INTERRUPT] = { "vfio-kvm-interrupt",
                                      "VFIO KVM irqfd eventfd" },
    [CPR_KIND_VFIO_EVENTFD] = { "vfio-eventfd", "VFIO notifier eventfd" },
    [CPR_KIND_IOMMUFD] = { "iommufd", "iommufd backend" },
    [CPR_KIND_FLASH] = { "flash", "flash memory (pflash)" },
    [CPR_KIND_BOARD_MEMORY] = { "board-memory", "on-board memory (SRAM)" },
};

const char *cpr_kind_name(CprKind kind)
{
    return (unsigned)kind < CPR_KIND__COUNT ? kinds[kind].name : "unknown";
}

const char *cpr_kind_title(CprKind kind)
{
    return (unsigned)kind < CPR_KIND__COUNT ? kinds[kind].title : "unknown";
}

bool cpr_kind_is_memory(CprKind kind)
{
    return kind == CPR_KIND_GUEST_RAM || kind == CPR_KIND_RAM_BACKEND ||
           kind == CPR_KIND_ROM || kind == CPR_KIND_DEVICE_RAM ||
           kind == CPR_KIND_FLASH || kind == CPR_KIND_BOARD_MEMORY;
}

bool cpr_kind_is_vfio(CprKind kind)
{
    return kind >= CPR_KIND_VFIO_GROUP && kind <= CPR_KIND_VFIO_EVENTFD;
}

/* "0000:3b:00.0": a PCI address, the basename VFIO uses for device names. */
static bool is_pci_address(const char *s)
{
    static const char pat[] = "xxxx:xx:xx.x";

    if (strlen(s) != sizeof(pat) - 1) {
        return false;
    }
    for (size_t i = 0; pat[i]; i++) {
        if (pat[i] == 'x' ? !g_ascii_isxdigit(s[i]) : s[i] != pat[i]) {
            return false;
        }
    }
    return s[11] >= '0' && s[11] <= '7';
}

/* A memory-backend or iommufd object id: QEMU object ids are letters first,
 * then letters, digits, '-', '.', '_' (qom id_wellformed). */
static bool is_object_id(const char *s)
{
    if (!g_ascii_isalpha(s[0])) {
        return false;
    }
    for (const char *p = s; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("-._", *p)) {
            return false;
        }
    }
    return true;
}

typedef struct SuffixRule {
    const char *suffix;
    CprKind kind;
    const char *rule;
} SuffixRule;

/* VFIO-PCI eventfds are "<device name>_<kind>" (hw/vfio/cpr.c). */
static const SuffixRule vfio_suffixes[] = {
    { "_kvm_interrupt", CPR_KIND_VFIO_KVM_INTERRUPT,
      "<vfio device>_kvm_interrupt, id = vector" },
    { "_intx-interrupt", CPR_KIND_VFIO_EVENTFD, "<vfio device>_intx-interrupt" },
    { "_intx-unmask", CPR_KIND_VFIO_EVENTFD, "<vfio device>_intx-unmask" },
    { "_err_notifier", CPR_KIND_VFIO_EVENTFD, "<vfio device>_err_notifier" },
    { "_req_notifier", CPR_KIND_VFIO_EVENTFD, "<vfio device>_req_notifier" },
    { "_interrupt", CPR_KIND_VFIO_INTERRUPT,
      "<vfio device>_interrupt, id = vector" },
};

/* Memory region names (the part after the last '/'). */
static const SuffixRule mr_suffixes[] = {
    { ".rom", CPR_KIND_ROM, "option ROM: <dev>/<name>.rom" },
    { ".vram", CPR_KIND_DEVICE_RAM, "video RAM: <dev>/<name>.vram" },
    { ".vgavram", CPR_KIND_DEVICE_RAM, "video RAM: <dev>/<name>.vgavram" },
    { ".vrom", CPR_KIND_DEVICE_RAM, "device ROM area: <dev>/<name>.vrom" },
    { ".fifo", CPR_KIND_DEVICE_RAM, "device FIFO RAM: vmsvga.fifo" },
    { ".ram", CPR_KIND_GUEST_RAM, "machine RAM region: <name>.ram" },
    { ".mrom", CPR_KIND_ROM, "board mask ROM: <board>.mrom" },
    { ".sram", CPR_KIND_BOARD_MEMORY, "on-board SRAM: <board>.sram" },
};

/* Memory regions of the boards QEMU names "<board>.<region>" (hw/arm/virt.c,
 * vexpress.c, hw/riscv/virt.c, ...): a board prefix is never an object id,
 * so a region no rule knows is unknown, not a memory backend. */
static const char *const board_prefixes[] = {
    "virt.", "mach-virt.", "vexpress.", "ppc_spapr.", "s390.",
    "riscv_virt_board.", "pc.", "isa.",
};

static const SuffixRule board_regions[] = {
    { "vexpress.highmem", CPR_KIND_GUEST_RAM,
      "vexpress.highmem: the vexpress board's main RAM" },
    { "vexpress.lowmem", CPR_KIND_GUEST_RAM,
      "vexpress.lowmem: the vexpress board's low RAM" },
};

/* "<board>.flash<N>": the board's pflash devices (virt.flash0, vexpress.flash1). */
static bool is_board_flash(const char *name, const char *prefix)
{
    const char *r = name + strlen(prefix);

    if (!g_str_has_prefix(r, "flash")) {
        return false;
    }
    for (r += strlen("flash"); *r; r++) {
        if (!g_ascii_isdigit(*r)) {
            return false;
        }
    }
    return true;
}

/* A "<board>.<region>" name: true when it is one (kind set, or unknown). */
static bool classify_board(const char *name, CprKindInfo *out)
{
    for (size_t i = 0; i < G_N_ELEMENTS(board_prefixes); i++) {
        if (!g_str_has_prefix(name, board_prefixes[i])) {
            continue;
        }
        for (size_t k = 0; k < G_N_ELEMENTS(board_regions); k++) {
            if (!strcmp(name, board_regions[k].suffix)) {
                out->kind = board_regions[k].kind;
                out->rule = board_regions[k].rule;
                return true;
            }
        }
        if (is_board_flash(name, board_prefixes[i])) {
            out->kind = CPR_KIND_FLASH;
            out->rule = "board pflash: <board>.flash<N>";
            return true;
        }
        out->rule = "board memory region with no rule of its own";
        return true;
    }
    return false;
}

static bool match_suffix(const char *s, const SuffixRule *rules, size_t n,
                         CprKindInfo *out)
{
    for (size_t i = 0; i < n; i++) {
        if (g_str_has_suffix(s, rules[i].suffix) &&
            strlen(s) > strlen(rules[i].suffix)) {
            out->kind = rules[i].kind;
            out->rule = rules[i].rule;
            return true;
        }
    }
    return false;
}

static bool classify_exact(const char *name, CprKindInfo *out)
{
    static const SuffixRule exact[] = {
        { "vfio_group", CPR_KIND_VFIO_GROUP, "vfio_group, id = IOMMU group" },
        { "vfio_container_for_group", CPR_KIND_VFIO_CONTAINER,
          "vfio_container_for_group, id = IOMMU group" },
        { "pc.bios", CPR_KIND_ROM, "pc.bios: BIOS image" },
        { "isa-bios", CPR_KIND_ROM, "isa-bios: BIOS alias" },
        { "pc.rom", CPR_KIND_ROM, "pc.rom: option ROM area" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(exact); i++) {
        if (!strcmp(name, exact[i].suffix)) {
            out->kind = exact[i].kind;
            out->rule = exact[i].rule;
            return true;
        }
    }
    return false;
}

static void classify_plain(const char *name, CprKindInfo *out)
{
    const char *base = strrchr(name, '/');
    const char *id = name;

    if (g_str_has_prefix(name, "/rom@")) {
        out->kind = CPR_KIND_ROM;
        out->rule = "fw_cfg blob: /rom@<path>";
        return;
    }
    if (match_suffix(base ? base + 1 : name, mr_suffixes,
                     G_N_ELEMENTS(mr_suffixes), out)) {
        return;
    }
    if (!base && classify_board(name, out)) {
        return;
    }
    if (g_str_has_prefix(name, "/objects/")) {
        id = name + strlen("/objects/");
    } else if (base) {
        return; /* a device path we have no rule for */
    }
    if (!is_object_id(id)) {
        return;
    }
    if (strstr(id, "iommufd")) {
        out->kind = CPR_KIND_IOMMUFD;
        out->rule = "object id naming iommufd";
    } else {
        out->kind = CPR_KIND_RAM_BACKEND;
        out->rule = "object id: memory-backend-* (no other QEMU 11.1 "
                    "fd is named by an object id)";
    }
}

CprKindInfo cpr_kind_classify(const char *name, bool vfio_device)
{
    CprKindInfo out = { CPR_KIND_UNKNOWN, "no naming rule matches", false,
                        false };

    if (vfio_device) {
        out.kind = CPR_KIND_VFIO_DEVICE;
        out.rule = "listed in CprState/vfio devices";
    } else if (classify_exact(name, &out)) {
        /* done */
    } else if (match_suffix(name, vfio_suffixes, G_N_ELEMENTS(vfio_suffixes),
                            &out)) {
        /* done */
    } else if (is_pci_address(name)) {
        out.kind = CPR_KIND_VFIO_DEVICE;
        out.rule = "PCI address: VFIO device (sysfsdev basename)";
    } else {
        classify_plain(name, &out);
    }
    out.id_is_vector = out.kind == CPR_KIND_VFIO_INTERRUPT ||
                       out.kind == CPR_KIND_VFIO_KVM_INTERRUPT;
    out.id_is_group = out.kind == CPR_KIND_VFIO_GROUP ||
                      out.kind == CPR_KIND_VFIO_CONTAINER;
    return out;
}
