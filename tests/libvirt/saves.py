"""Real libvirt save images, made by Debian 12's libvirt 9.0 driving QEMU 7.2 (TCG:
libvirt runs QEMU as libvirt-qemu, which cannot open /dev/kvm).

make_all(out) leaves in out/:
  save-FORMAT.sav      `virsh save` with save_image_format = FORMAT
  managed.save         `virsh managedsave` of a persistent domain (gzip)
  snapshot-mem.sav     the memory file of `virsh snapshot-create-as --memspec` (bzip2)
  partial.sav          a `virsh save` stopped half-way (libvirtd killed): "Part" magic
  truth.json           per file: what libvirt and QEMU said (dumpxml before the
                       save, info ramblock, the save_image_format in force)"""
import json
import os
import shutil
import signal
import subprocess
import time
import xml.etree.ElementTree as ET

from libvirtd import Libvirtd, LibvirtError, kill_pid

MEM_MIB = 32
DOMAIN_XML = """<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>%(name)s</name>
  <memory unit='MiB'>%(mem)d</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <video><model type='none'/></video>
    <memballoon model='none'/>
    <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
  </devices>%(extra)s
</domain>
"""
# -device loader: guest RAM from a file (16 MiB at 8 MiB), so that a save takes
# long enough to be stopped half-way
LOADER = """
  <qemu:commandline>
    <qemu:arg value='-device'/>
    <qemu:arg value='loader,file=%s,addr=0x800000,force-raw=on'/>
  </qemu:commandline>"""
LOADER_BYTES = 16 << 20


def formats():
    f = ["raw", "gzip", "bzip2", "xz"]
    return f + (["lzop"] if shutil.which("lzop") else [])


def domain_file(out, name, mem=MEM_MIB, loader=None):
    path = os.path.join(out, name + ".xml")
    with open(path, "w") as f:
        f.write(DOMAIN_XML % {"name": name, "mem": mem,
                              "extra": LOADER % loader if loader else ""})
    return path


def loader_file(out):
    path = os.path.join(out, "ram-fill.bin")
    with open(path, "wb") as f:
        f.write(os.urandom(LOADER_BYTES))
    os.chmod(path, 0o644)
    return path


def parse_ramblocks(text):
    """`info ramblock` of QEMU 7.2: name, page size, offset, used, total."""
    blocks = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 6 or parts[0] == "Block":
            continue
        blocks.append({"name": parts[0], "used": int(parts[4], 16),
                       "total": int(parts[5], 16)})
    return blocks


def domain_truth(lv, name):
    """What libvirt and QEMU report about a running domain, before the save."""
    xml = lv.virsh("dumpxml", name)
    root = ET.fromstring(xml)
    ostype = root.find("os/type")
    mem = root.find("memory")
    return {"name": root.findtext("name"), "uuid": root.findtext("uuid"),
            "machine": ostype.get("machine"), "arch": ostype.get("arch"),
            "domain-type": root.get("type"), "memory-kib": int(mem.text)
            if mem.get("unit", "KiB") == "KiB" else None,
            "emulator": root.findtext("devices/emulator"),
            "ramblocks": parse_ramblocks(lv.virsh("qemu-monitor-command", "--hmp", name,
                                                  "info ramblock"))}


def wait_running(lv, name):
    deadline = time.monotonic() + lv.timeout
    while lv.virsh("domstate", name).strip() != "running":
        if time.monotonic() > deadline:
            raise LibvirtError("%s not running" % name)
        time.sleep(0.1)
    time.sleep(0.5)   # let SeaBIOS touch some RAM


def save_one(lv, out, fmt, truth):
    name = "cprdump-" + fmt
    lv.virsh("create", domain_file(out, name))
    wait_running(lv, name)
    t = domain_truth(lv, name)
    path = os.path.join(out, "save-%s.sav" % fmt)
    lv.virsh("save", name, path, timeout=120)
    truth["save-%s.sav" % fmt] = dict(t, how="virsh save", format=fmt, running=True,
                                      complete=True)


def managed(lv, out, fmt, truth):
    name = "cprdump-managed"
    lv.virsh("define", domain_file(out, name))
    lv.virsh("start", name)
    wait_running(lv, name)
    t = domain_truth(lv, name)
    lv.virsh("managedsave", name, timeout=120)
    src = os.path.join(lv.root, "lib", "qemu", "save", name + ".save")
    shutil.copyfile(src, os.path.join(out, "managed.save"))
    lv.virsh("managedsave-remove", name)
    lv.virsh("undefine", name)
    truth["managed.save"] = dict(t, how="virsh managedsave", format=fmt, running=True,
                                 complete=True)


def snapshot(lv, out, fmt, truth):
    name = "cprdump-snap"
    lv.virsh("define", domain_file(out, name))
    lv.virsh("start", name)
    wait_running(lv, name)
    t = domain_truth(lv, name)
    path = os.path.join(out, "snapshot-mem.sav")
    lv.virsh("snapshot-create-as", name, "snap1", "--memspec",
             "file=%s,snapshot=external" % path, timeout=120)
    lv.virsh("destroy", name)
    lv.virsh("undefine", name, "--snapshots-metadata")
    truth["snapshot-mem.sav"] = dict(t, how="virsh snapshot-create-as --memspec",
                                     format=fmt, running=True, complete=True)


PARTIAL_AT = 4 << 20   # stop the save once this much is written


def partial(lv, out, truth):
    """virsh save, then QEMU frozen as soon as the file exists and libvirtd
    killed before it can finish or unlink it: what a crash mid-save leaves."""
    name = "cprdump-partial"
    lv.virsh("create", domain_file(out, name, loader=loader_file(out)))
    wait_running(lv, name)
    t = domain_truth(lv, name)
    qemu = lv.qemu_pids()
    path = os.path.join(out, "partial.sav")
    virsh = subprocess.Popen(["virsh", "-q", "-c", lv.uri(), "save", name, path],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + lv.timeout
    while not os.path.exists(path) or os.path.getsize(path) < PARTIAL_AT:
        if time.monotonic() > deadline or virsh.poll() is not None:
            break
        time.sleep(0.001)
    for pid in qemu:
        kill_pid(pid, signal.SIGSTOP)
    lv.kill_daemons(signal.SIGKILL)
    for pid in qemu:
        kill_pid(pid, signal.SIGKILL)
    virsh.wait(timeout=lv.timeout)
    truth["partial.sav"] = dict(t, how="virsh save, libvirtd killed mid-save",
                                format="raw", running=True, complete=False)


def make_all(out, root):
    os.makedirs(out, exist_ok=True)
    os.chmod(out, 0o777)   # the QEMU of a snapshot writes as libvirt-qemu
    truth, lv = {}, Libvirtd(root, timeout=120)
    lv.prepare({})
    try:
        for fmt in formats():
            lv.set_conf({"save_image_format": fmt, "snapshot_image_format": "bzip2"})
            lv.start()
            save_one(lv, out, fmt, truth)
            if fmt == "gzip":
                managed(lv, out, fmt, truth)
            if fmt == "bzip2":
                snapshot(lv, out, fmt, truth)
            if fmt == "raw":
                partial(lv, out, truth)
            lv.stop()
        truth["libvirt-version"] = subprocess.run(["libvirtd", "--version"],
                                                  capture_output=True,
                                                  text=True).stdout.strip()
    finally:
        lv.stop()
    with open(os.path.join(out, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1)
    return truth


if __name__ == "__main__":
    import sys
    make_all(sys.argv[1], sys.argv[2])
