# SPDX-License-Identifier: GPL-2.0-or-later
"""sc(): one real-QEMU scenario as a dict with every key the suite reads, for
scenarios.py and the modules that add scenarios of their own (preflight.py)."""


def sc(name, kind, qemu, machine, args, run=0, caps=(), unrecorded=(), refused=None,
       wrapper=None, defer=False, target="x86_64", page_size=4096, ps_source=None,
       vmdesc_differs=(), iterative=(), kinds=None, disk_mb=0, bitmaps=(),
       mr_addrs=None, devices=False, accel=None, until_driver_ok=None, load_error=None,
       extract=False, settle=0.4, hold=0, params=None, virtio_drive=None,
       hmp_registers=False, files=None):
    """unrecorded: RAM blocks QEMU carries no fd for (anonymous guest RAM);
    refused: QEMU is expected to refuse the migration with this message;
    wrapper: put scripts/cprdump-exec-wrapper in cpr-exec-command, with this
    cprdump ("real" or a missing path); defer: the new QEMU waits with
    -incoming defer and is inspected with cprdump --pid before migrate-incoming.
    target: qemu-system-TARGET; page_size: its target page size (query-migrate's
    page-size must say the same); ps_source: where cprdump must find it (None:
    not checked); vmdesc_differs: device sections whose body is not the size the
    vmdesc gives (QEMU's vmdesc is wrong for them); iterative: live sections
    other than "ram" read by their framing; kinds: {fd name: kind} cprdump must
    give the CPR records; disk_mb: a raw disk of this size at $OUT/disk.raw (the
    args name it); bitmaps: block dirty bitmaps added to drive d0 before migrating;
    mr_addrs: {block: guest-physical address} that QEMU's `info mtree -f` must show
    and cprdump's mr-addr (x-ignore-shared) must equal.
    devices: record QEMU's own report of the stopped guest's devices (devtruth.py);
    accel: this accelerator instead of the default; until_driver_ok: let the guest run
    until the driver of this virtio device id sets DRIVER_OK (7.2:
    x-query-virtio-status); load_error: the new QEMU is expected to fail loading the
    stream with this message;
    extract: guest-memory patterns written with qtest and rewritten while the
    guest runs and the migration is held back, pmemsave once it completes, for
    the --extract-ram checks (guestmem.py), for settle seconds of migration;
    hold: seconds more at 1 MiB/s (without our writes) before full speed;
    params: more migrate-set-parameters, on both QEMUs (e.g. multifd-compression);
    virtio_drive: a virtio PCI device id that, once the guest is stopped, a qtest
    driver (virtiodrv.py) takes to DRIVER_OK accepting every feature it offers;
    hmp_registers: record the stopped vCPUs' `info registers -a` (any target);
    files: {name: bytes} written to $OUT before QEMU starts (the args name them)."""
    return {"name": name, "kind": kind, "qemu": qemu, "machine": machine,
            "args": list(args), "run_seconds": run, "caps": list(caps),
            "unrecorded": list(unrecorded), "refused": refused,
            "wrapper": wrapper, "defer": defer, "target": target,
            "page_size": page_size, "ps_source": ps_source,
            "vmdesc_differs": list(vmdesc_differs), "iterative": list(iterative),
            "kinds": dict(kinds or {}), "disk_mb": disk_mb, "bitmaps": list(bitmaps),
            "mr_addrs": dict(mr_addrs or {}), "devices": devices, "accel": accel,
            "until_driver_ok": until_driver_ok, "load_error": load_error,
            "extract": extract, "settle": settle, "hold": hold,
            "params": dict(params or {}),
            "virtio_drive": virtio_drive, "hmp_registers": hmp_registers,
            "files": dict(files or {})}
