#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Every real state.bin decodes, and its records equal QEMU's own report
(truth.json: cpr_save_fd trace lines) as a set; for cpr-transfer the kinds and
0x20 positions agree with the fds the relay received by SCM_RIGHTS, in order."""
import os

from _tap import Tap, cprdump, fixture_dirs, truth

MEMFD_PREFIX = "/memfd:"
DELETED = " (deleted)"


def memfd_name(link):
    if link.startswith(MEMFD_PREFIX) and link.endswith(DELETED):
        return link[len(MEMFD_PREFIX):-len(DELETED)]
    return None


def fits(rec, link):
    """The received fd is the memfd QEMU made for this record (facts §2)."""
    name = memfd_name(link)
    if rec["kind"] == "ram-backend":
        return name == "memory-backend-memfd"
    return name == rec["name"]


def check_transfer(t, tr, d, fds, rel):
    relay = tr["relay_scm_rights"]
    t.eq(len(fds), len(relay), f"{rel}: one 0x20 byte per SCM_RIGHTS fd")
    bad = [(f["name"], r["link"]) for f, r in zip(fds, relay) if not fits(f, r["link"])]
    t.eq(bad, [], f"{rel}: kinds agree with the relayed fds in wire order")
    starts = [r["offset"] for r in relay] + [d["cpr-state"]["size"]]
    inside = all(starts[i] <= f["fd-offset"] < starts[i + 1]
                 for i, f in enumerate(fds))
    t.ok(inside, f"{rel}: each 0x20 byte lies in the chunk that carried its fd",
         [(f["fd-offset"], starts[i]) for i, f in enumerate(fds)])
    t.ok(all(f["fd"] is None for f in fds),
         f"{rel}: no fd number is made up for cpr-transfer")


def check_state(t, fixdir):
    rel = os.path.relpath(fixdir, os.path.dirname(os.path.dirname(fixdir)))
    tr = truth(fixdir)
    rc, d, err = cprdump("--json", os.path.join(fixdir, "state.bin"))
    if not t.ok(rc == 0 and d is not None, f"{rel}: decodes, exit 0", err):
        return
    st = d["cpr-state"]
    fds = st["fds"]
    t.eq(st["mode"], tr["mode"], f"{rel}: mode {tr['mode']} detected")
    got = sorted((f["name"], f["id"], f["fd"]) for f in fds)
    want = sorted((r["name"], r["id"], r.get("fd")) for r in tr["cpr_fds"])
    t.eq(got, want, f"{rel}: {len(want)} records (name, id, fd) equal the trace")
    trace = sorted((r["name"], r["id"]) for r in tr["trace_cpr_save_fd"])
    t.eq(sorted(g[:2] for g in got), trace, f"{rel}: names and ids equal the "
         "cpr_save_fd trace lines")
    t.eq([f["index"] for f in fds], list(range(len(fds))),
         f"{rel}: positions in wire order")
    t.ok(all(f["kind"] != "unknown" for f in fds), f"{rel}: every name has a "
         "kind", [f["name"] for f in fds if f["kind"] == "unknown"])
    blocks = {b["name"] for b in tr["ramblocks"]}
    t.ok(all(f["name"] in blocks for f in fds),
         f"{rel}: every record names a RAM block of info ramblock")
    vfio = st["vfio-subsection"]
    want_vfio = not rel.startswith("10.0")
    t.eq(vfio["present"], want_vfio,
         f"{rel}: vfio subsection {'present' if want_vfio else 'absent'}")
    if tr["mode"] == "cpr-transfer":
        check_transfer(t, tr, d, fds, rel)


def main():
    t = Tap()
    dirs = fixture_dirs("state.bin")
    t.ok(len(dirs) >= 7, f"found {len(dirs)} real state.bin fixtures")
    for fixdir in dirs:
        check_state(t, fixdir)
    t.done()


main()
