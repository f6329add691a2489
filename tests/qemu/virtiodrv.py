"""A virtio 1.x PCI driver in a few qtest writes: while the guest is stopped,
negotiate every feature a virtio device offers (through its modern common
configuration, found by walking its vendor capabilities in the config space),
so that the stream carries a rich set of guest features whose names QEMU itself
prints (x-query-virtio-status, QEMU 7.2). Needs the device's memory BARs
assigned (the firmware did that) and -qtest (guestmem.qtest_argv)."""
import os

from guestmem import QTEST_SOCK, QTest

CAP_VENDOR = 0x09
COMMON_CFG = 1
# struct virtio_pci_common_cfg (virtio 1.x §4.1.4.3)
DFSELECT, DF, GFSELECT, GF, STATUS = 0x00, 0x04, 0x08, 0x0c, 0x14
ACK, DRIVER, DRIVER_OK, FEATURES_OK = 1, 2, 4, 8


class ConfigSpace:
    """PCI configuration mechanism #1 (ports 0xcf8/0xcfc) through qtest."""

    def __init__(self, qt, bus, slot, function):
        self.qt, self.bdf = qt, (bus << 16) | (slot << 11) | (function << 8)

    def select(self, reg):
        self.qt.cmd("outl 0xcf8 0x%x" % (0x80000000 | self.bdf | (reg & 0xfc)))

    def read(self, reg, size):
        self.select(reg)
        op = {1: "inb", 2: "inw", 4: "inl"}[size]
        return int(self.qt.cmd("%s 0x%x" % (op, 0xcfc + (reg & 3))).split()[1], 16)


def common_cfg(cfg, bars):
    """The guest-physical address of the common configuration structure."""
    if not cfg.read(0x06, 2) & 0x10:
        raise OSError("no capability list")
    at, hops = cfg.read(0x34, 1) & 0xfc, 0
    while at and hops < 48:
        if cfg.read(at, 1) == CAP_VENDOR and cfg.read(at + 3, 1) == COMMON_CFG:
            bar, off = cfg.read(at + 4, 1), cfg.read(at + 8, 4)
            if bar not in bars:
                raise OSError("common cfg in BAR%d, which query-pci does not map" % bar)
            return bars[bar] + off
        at, hops = cfg.read(at + 1, 1) & 0xfc, hops + 1
    raise OSError("no virtio common configuration capability")


def negotiate_all(q, out, dev_id):
    """Drive the virtio PCI device dev_id (a qdev id): reset, ACKNOWLEDGE|DRIVER,
    accept every device feature, FEATURES_OK, DRIVER_OK. Returns what was done,
    with the features QEMU offered as read from the device."""
    dev = next(d for b in q.cmd("query-pci") for d in b["devices"]
               if d.get("qdev_id") == dev_id)
    bars = {r["bar"]: r["address"] for r in dev["regions"]
            if r["type"] == "memory" and r["address"] != -1}
    qt = QTest(os.path.join(out, QTEST_SOCK))
    cfg = ConfigSpace(qt, dev["bus"], dev["slot"], dev["function"])
    base = common_cfg(cfg, bars)

    def rd(off, op="readl"):
        return int(qt.cmd("%s 0x%x" % (op, base + off)).split()[1], 16)

    def wr(off, val, op="writel"):
        qt.cmd("%s 0x%x 0x%x" % (op, base + off, val))

    wr(STATUS, 0, "writeb")
    wr(STATUS, ACK | DRIVER, "writeb")
    offered = 0
    for sel in (0, 1):
        wr(DFSELECT, sel)
        offered |= rd(DF) << (32 * sel)
    for sel in (0, 1):
        wr(GFSELECT, sel)
        wr(GF, (offered >> (32 * sel)) & 0xffffffff)
    wr(STATUS, ACK | DRIVER | FEATURES_OK, "writeb")
    accepted = rd(STATUS, "readb")
    wr(STATUS, ACK | DRIVER | FEATURES_OK | DRIVER_OK, "writeb")
    status = rd(STATUS, "readb")
    qt.sock.close()
    if not accepted & FEATURES_OK:
        raise OSError("%s refused the features %#x" % (dev_id, offered))
    return {"common_cfg": base, "offered": offered, "status": status}
