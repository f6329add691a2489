#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Synthetic CPR states (scripts/gen-synthetic-cpr.py: VFIO, iommufd, many
records, odd names) decode to exactly the records the generator wrote, with
the kinds QEMU's naming rules give."""
import json
import os

from _tap import REPO, Tap, cprdump

SYN = os.path.join(REPO, "tests", "fixtures", "synthetic")

KINDS = {
    "vfio-legacy-exec": {"vfio_group": "vfio-group",
                         "vfio_container_for_group": "vfio-container",
                         "0000:3b:00.0": "vfio-device",
                         "0000:3b:00.0_interrupt": "vfio-interrupt",
                         "0000:3b:00.0_kvm_interrupt": "vfio-kvm-interrupt",
                         "0000:3b:00.0_err_notifier": "vfio-eventfd",
                         "ram0": "ram-backend", "pc.bios": "rom"},
    "iommufd-exec": {"iommufd0": "iommufd", "hostdev0": "vfio-device",
                     "0000:5e:00.0": "vfio-device", "mem0": "ram-backend"},
    "odd-names": {"name with spaces": "unknown", "": "unknown"},
}


def check(t, name):
    with open(os.path.join(SYN, name + ".json")) as f:
        meta = json.load(f)
    rc, d, err = cprdump("--json", os.path.join(SYN, name + ".bin"))
    if not t.ok(rc == 0 and d, f"{name}: decodes, exit 0", err):
        return
    st = d["cpr-state"]
    want_mode = "none" if not meta["records"] else "cpr-" + meta["mode"]
    t.eq(st["mode"], want_mode, f"{name}: mode {want_mode}")
    got = [[f["name"], f["id"], f["fd"]] for f in st["fds"]]
    want = [[bytes.fromhex(n).decode("utf-8", "replace"), i, fd]
            for n, i, fd in meta["records"]]
    t.eq(got, want, f"{name}: {len(want)} records in wire order")
    devs = [[x["name"], x["devid"], x["ioas-id"], x["hwpt-id"]]
            for x in st["vfio-subsection"]["devices"]]
    t.eq(devs, meta["devices"], f"{name}: {len(devs)} vfio devices")
    t.eq(st["vfio-subsection"]["body"], meta["vfio-body"],
         f"{name}: vfio body {meta['vfio-body']}")
    for rec, kind in KINDS.get(name, {}).items():
        kinds = {f["kind"] for f in st["fds"] if f["name"] == rec}
        t.eq(kinds, {kind}, f"{name}: {rec!r} is {kind}")
    vectors = [f["vector"] for f in st["fds"] if f["kind"] == "vfio-interrupt"]
    if name == "vfio-legacy-exec":
        t.eq(vectors, [0, 1, 2, 3], f"{name}: interrupt vectors from the ids")


def main():
    t = Tap()
    names = sorted(n[:-5] for n in os.listdir(SYN) if n.endswith(".json"))
    t.ok(len(names) >= 7, f"{len(names)} synthetic states")
    for name in names:
        check(t, name)
    t.done()


main()
