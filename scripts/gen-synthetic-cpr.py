#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes synthetic CPR states for what the test machines cannot produce with
real QEMU (no VFIO hardware, no iommufd): tests/fixtures/synthetic/*.bin, and
beside each a .json with the records it holds (names as hex of their bytes),
for the tests to compare.

Layout written (formats/cpr_state.md): "QCPR", BE u32 1, then per fd record
0x01, BE u32 namelen (counts the NUL), name + NUL, BE s32 id, fd (BE s32 for
cpr-exec, one 0x20 byte for cpr-transfer), then 0x00; then optionally the
"CprState/vfio devices" subsection (0x05, u8 21, name, BE u32 1) and its
QLIST of (namelen, name, BE s32 devid, BE u32 ioas_id, BE u32 hwpt_id)."""
import json
import os
import struct
import sys

VFIO_SUB = b"CprState/vfio devices"


def rec(name, rid, fd, mode):
    n = name.encode() if isinstance(name, str) else name
    b = b"\x01" + struct.pack(">I", len(n) + 1) + n + b"\x00" + struct.pack(">i", rid)
    return b + (struct.pack(">i", fd) if mode == "exec" else b"\x20")


def vfio_dev(name, devid, ioas, hwpt):
    n = name.encode()
    return (b"\x01" + struct.pack(">I", len(n) + 1) + n + b"\x00" +
            struct.pack(">iII", devid, ioas, hwpt))


def state(records, mode="exec", vfio="list", devices=()):
    b = b"QCPR" + struct.pack(">I", 1)
    for name, rid, fd in records:
        b += rec(name, rid, fd, mode)
    b += b"\x00"
    if vfio is None:
        return b
    b += b"\x05" + bytes([len(VFIO_SUB)]) + VFIO_SUB + struct.pack(">I", 1)
    if vfio == "empty":
        return b
    for d in devices:
        b += vfio_dev(*d)
    return b + b"\x00"


def vfio_legacy():
    dev = "0000:3b:00.0"
    recs = [("ram0", 0, 13), ("pc.bios", 0, 14), ("vfio_group", 45, 20),
            ("vfio_container_for_group", 45, 21), (dev, 0, 22)]
    recs += [(f"{dev}_interrupt", v, 30 + v) for v in range(4)]
    recs += [(f"{dev}_kvm_interrupt", v, 40 + v) for v in range(2)]
    recs += [(f"{dev}_intx-interrupt", 0, 50), (f"{dev}_intx-unmask", 0, 51),
             (f"{dev}_err_notifier", 0, 52), (f"{dev}_req_notifier", 0, 53)]
    return recs, {}


def iommufd():
    recs = [("mem0", 0, 13), ("iommufd0", 0, 15), ("0000:5e:00.0", 0, 16),
            ("hostdev0", 0, 17), ("0000:5e:00.0_interrupt", 0, 18)]
    devs = [("0000:5e:00.0", 1, 2, 3), ("hostdev0", 4, 2, 5)]
    return recs, {"devices": devs}


def many():
    return [(f"/rom@etc/blob{i}", 0, 100 + i) for i in range(10000)], {}


def odd_names():
    recs = [("name with spaces", 0, 10), ("\u00e9t\u00e9-\u2603", 0, 11),
            ("esc\x1b[31mred\x1b[0m", 0, 12), ("tab\there\nnewline", 0, 13),
            ("back\\slash", 0, 14), (b"bad-utf8-\xff\xfe", 0, 15),
            ("x" * 300, 0, 16), ("", 0, 17)]
    return recs, {}


CASES = {
    "vfio-legacy-exec": (vfio_legacy, "exec", "list"),
    "vfio-legacy-transfer": (vfio_legacy, "transfer", "list"),
    "iommufd-exec": (iommufd, "exec", "list"),
    "many-records": (many, "exec", "list"),
    "odd-names": (odd_names, "exec", "list"),
    "no-iommufd-build": (lambda: ([("ram0", 0, 13)], {}), "exec", "empty"),
    "empty-fd-list": (lambda: ([], {}), "exec", "list"),
}


def write(outdir, name, fn, mode, vfio):
    recs, extra = fn()
    devices = extra.get("devices", ())
    data = state(recs, mode, vfio, devices)
    with open(os.path.join(outdir, name + ".bin"), "wb") as f:
        f.write(data)
    meta = {"mode": mode, "vfio-body": vfio,
            "records": [[(n.encode() if isinstance(n, str) else n).hex(), i,
                         fd if mode == "exec" else None] for n, i, fd in recs],
            "devices": [list(d) for d in devices]}
    with open(os.path.join(outdir, name + ".json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), "..", "tests", "fixtures", "synthetic")
    os.makedirs(outdir, exist_ok=True)
    for name, (fn, mode, vfio) in CASES.items():
        write(outdir, name, fn, mode, vfio)


main()
