"""Real-QEMU runs: each scenario drives QEMU over QMP and leaves, in its own directory,
the files of a fixture (state.bin, main.bin, trace-*.log, fds.txt, envfd, state.fdinfo,
truth.json), as described in shared/fixtures/qemu/README.md."""
import json
import os
import re
import shutil
import subprocess
import time

import guestmem
import devtruth
import gdbregs
import virtiodrv
from qmp import QMP, QMPError, Procs, parse_ramblocks, wait_for_path, wait_migration
from relay import Relay
import preflight
from scdef import sc

TOOLS = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(TOOLS))
STEP_TIMEOUT = 30  # seconds for any single wait; a scenario stays well under 60 s


# ---- scenario table -----------------------------------------------------------------

MEMFD_256 = ["-object", "memory-backend-memfd,id=ram0,size=256M,share=on", "-m", "256"]
MEMFD_128 = ["-object", "memory-backend-memfd,id=ram0,size=128M,share=on", "-m", "128"]
# QEMU 11.1 has no default audio driver: the vexpress board's codec needs one
AUDIO_NONE = ["-audiodev", "none,id=snd0"]
AUDIO_NONE_M = "audiodev=snd0"
MEMFD_32 = ["-object", "memory-backend-memfd,id=ram0,size=32M,share=on", "-m", "32"]
NUMA_DIMM = ["-m", "256,slots=2,maxmem=1G",
             "-object", "memory-backend-memfd,id=m0,size=128M,share=on",
             "-object", "memory-backend-memfd,id=m1,size=128M,share=on",
             "-numa", "node,nodeid=0,memdev=m0", "-numa", "node,nodeid=1,memdev=m1",
             "-object", "memory-backend-memfd,id=m2,size=128M,share=on",
             "-device", "pc-dimm,id=dimm0,memdev=m2"]
RTC_BASE = "2020-02-29T12:34:56"
DEVICE_TRUTH = ["-m", "256", "-smp", "2", "-device", "VGA",
                "-netdev", "user,id=n0",
                "-device", "virtio-net-pci,netdev=n0,id=vnet0,bootindex=1,mac=52:54:00:65:43:21",
                "-netdev", "user,id=n1",
                # not QEMU's default (52:54:00:12:34:56 + NIC index), bytes all distinct
                "-device", "e1000,netdev=n1,id=nic0,mac=52:54:00:9a:bc:de",
                "-rtc", "base=%s,clock=vm" % RTC_BASE]
VIRTIO_ALL_FEATURES = ["-netdev", "user,id=n2", "-device",
                       "virtio-net-pci,netdev=n2,id=vnet1,romfile=,disable-legacy=on,iommu_platform=on,"
                       "mac=52:54:00:fe:dc:ba"]
DEVICES = ["-smp", "2", "-device", "VGA",
           "-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0",
           "-netdev", "user,id=n1", "-device", "e1000,netdev=n1"]


def a64_movz(rd, imm16, shift=0):
    """MOVZ Xd, #imm16, LSL #shift (A64: sf=1 opc=10 100101 hw imm16 Rd)."""
    return 0xd2800000 | (shift // 16) << 21 | imm16 << 5 | rd


AARCH64_PROG = b"".join(x.to_bytes(4, "little") for x in [
    a64_movz(1, 0x1234), a64_movz(2, 0xbeef, 16), a64_movz(3, 0xcafe, 32),
    a64_movz(29, 0x7777), a64_movz(30, 0x4321),
    0x910403ff,      # add sp, sp, #0x100
    0x14000000])     # b .


Q35_BLOCKS = ["pc.ram", "pc.bios", "pc.rom", "/rom@etc/acpi/tables",
              "/rom@etc/table-loader", "/rom@etc/acpi/rsdp"]


SCENARIOS = [
    sc("exec-q35-memfd", "cpr-exec", "11.1", "q35,aux-ram-share=on,memory-backend=ram0", MEMFD_256),
    sc("exec-q35-anon", "cpr-exec", "11.1", "q35,aux-ram-share=on", ["-m", "128"],
       unrecorded=["pc.ram"]),
    sc("exec-q35-noaux", "cpr-exec", "11.1", "q35", ["-m", "128"], unrecorded=Q35_BLOCKS),
    sc("transfer-q35-anon", "cpr-transfer", "11.1", "q35,aux-ram-share=on", ["-m", "128"],
       refused="Memory region pc.ram is not compatible with CPR"),
    sc("exec-pc-devices", "cpr-exec", "11.1", "pc,aux-ram-share=on,memory-backend=ram0",
       MEMFD_256 + DEVICES, run=1),
    # vmware-svga: "vmsvga.fifo" is registered globally (no device path), yet its
    # fd name is the same: every block matches its fd exactly (facts §2 feared not)
    sc("exec-pc-vmsvga", "cpr-exec", "11.1", "pc,aux-ram-share=on,memory-backend=ram0",
       MEMFD_256 + ["-device", "vmware-svga"]),
    sc("exec-numa-dimm", "cpr-exec", "11.1", "q35,aux-ram-share=on", NUMA_DIMM),
    # cpr-exec with mapped-ram (both QEMUs get the capability from -global): the old
    # QEMU writes every block's header with bitmap and pages offsets 0 (CPR skips all
    # RAM; QEMU's analyze-migration.py dies on it), and the new QEMU 11.1.3 fails to
    # load it: it reads the stream's first bytes as the bitmap and seeks to pages
    sc("exec-q35-mapped-ram", "cpr-exec", "11.1", "q35,aux-ram-share=on,memory-backend=ram0",
       MEMFD_256 + ["-global", "migration.mapped-ram=on"], caps=["mapped-ram"],
       load_error="(ram0) failed to read page"),
    sc("transfer-q35-memfd", "cpr-transfer", "11.1", "q35,aux-ram-share=on,memory-backend=ram0",
       MEMFD_256),
    sc("transfer-pc-devices", "cpr-transfer", "11.1", "pc,aux-ram-share=on,memory-backend=ram0",
       MEMFD_256 + DEVICES, run=1),
    sc("exec-wrapper-capture", "cpr-exec", "11.1", "q35,aux-ram-share=on,memory-backend=ram0",
       MEMFD_256, wrapper="real"),
    sc("exec-wrapper-no-cprdump", "cpr-exec", "11.1",
       "q35,aux-ram-share=on,memory-backend=ram0", MEMFD_256,
       wrapper="/nonexistent/cprdump"),
    sc("exec-defer-pid", "cpr-exec", "11.1", "pc,aux-ram-share=on,memory-backend=ram0",
       MEMFD_256 + DEVICES, defer=True),
    sc("stream-q35-run", "normal", "11.1", "q35", ["-m", "256", "-device", "VGA"], run=1),
    sc("stream-pc-xignore", "normal", "11.1", "pc,memory-backend=ram0", MEMFD_256,
       caps=["x-ignore-shared"]),
    sc("stream-q35-mapped-ram", "normal", "11.1", "q35", ["-m", "256", "-device", "VGA"], run=1,
       caps=["mapped-ram"]),
    sc("stream72-pc-vga-run", "normal", "7.2", "pc", ["-m", "256", "-device", "VGA"], run=1),
    sc("stream72-pc-xignore", "normal", "7.2", "pc,memory-backend=ram0", MEMFD_256,
       caps=["x-ignore-shared"]),
    sc("postcopy-q35", "postcopy", "11.1", "q35", ["-m", "256", "-device", "VGA"], run=1,
       caps=["postcopy-ram"]),
    sc("multifd-q35", "multifd", "11.1", "q35", ["-m", "256", "-device", "VGA"], run=1,
       caps=["multifd"]),
    # --extract-ram against QEMU's own view of guest memory (small guests)
    sc("extract-precopy", "normal", "11.1", "q35", ["-m", "128", "-device", "VGA"], run=1,
       extract=True),
    sc("extract-mapped-ram", "normal", "11.1", "q35", ["-m", "128", "-device", "VGA"], run=1,
       caps=["mapped-ram"], extract=True),
    sc("extract-xignore", "normal", "11.1", "pc,memory-backend=ram0",
       ["-object", "memory-backend-file,id=ram0,size=128M,share=on,"
        "mem-path=$OUT/ram0.mem", "-m", "128"], caps=["x-ignore-shared"], extract=True),
    sc("extract-multifd", "multifd", "11.1", "q35", ["-m", "128", "-device", "VGA"], run=1,
       caps=["multifd"], extract=True),
    # multifd-compression: each channel is one zlib or zstd stream across its packets
    sc("extract-multifd-zlib", "multifd", "11.1", "q35", ["-m", "128", "-device", "VGA"],
       run=1, caps=["multifd"], extract=True, params={"multifd-compression": "zlib"}),
    sc("extract-multifd-zstd", "multifd", "11.1", "q35", ["-m", "128", "-device", "VGA"],
       run=1, caps=["multifd"], extract=True, params={"multifd-compression": "zstd"}),
    sc("extract-postcopy", "postcopy", "11.1", "q35", ["-m", "128", "-device", "VGA"], run=1,
       caps=["postcopy-ram"], extract=True),
    # XBZRLE deltas: QEMU caches a page when it sends it again and sends a
    # delta from the third time on (the scratch page, written 1.5 s more)
    sc("extract-xbzrle", "normal", "11.1", "q35", ["-m", "128", "-device", "VGA"], run=1,
       caps=["xbzrle"], extract=True, hold=1.5),
    # legacy compressed pages (zlib; the capability was removed in 9.1)
    sc("extract72-compress", "normal", "7.2", "pc", ["-m", "128", "-device", "VGA"], run=1,
       caps=["compress"], extract=True),
    # machine types <= 2.3 write no section footers (and no configuration)
    sc("stream72-pc23-nofooter", "normal", "7.2", "pc-i440fx-2.3",
       ["-m", "128", "-device", "VGA"], run=1),
    # device state against QEMU's own report (devtruth.py, devchecks.py): registers of
    # both vCPUs, a non-default e1000 MAC, the CMOS time of -rtc base (clock=vm: the
    # RTC stops with the VM, so what QEMU reports after stop is what it saves), PCI BARs
    sc("devices-q35", "normal", "11.1", "q35", DEVICE_TRUTH, run=1, devices=True),
    # 7.2 also reports virtio-net's features; iPXE (booted from the NIC) negotiates
    # them about 2 s in, under TCG only (under KVM on this host it hangs at start)
    # vnet1 has no ROM and no driver until the guest is stopped; then a qtest
    # driver accepts every feature it offers (iommu_platform adds bit 33; QEMU
    # allows it on a modern-only device)
    sc("devices72-pc", "normal", "7.2", "pc", DEVICE_TRUTH + VIRTIO_ALL_FEATURES,
       devices=True, accel="tcg", until_driver_ok="vnet0", virtio_drive="vnet1"),
] + [
    # ---- other targets, TCG, stopped before the first instruction (-S): real
    # device and CPU state, RAM mostly zero pages. 1 KiB target pages on 32-bit
    # Arm boards and on aarch64 virt <= 2.7 (their legacy minimum): only the
    # vmdesc at the end says so.
    # block migration (QEMU <= 9.0) and dirty bitmaps: their live sections by
    # their framing; the guest never runs, so the bulk phase sends the disk once
    sc("stream72-pc-block-bitmap", "normal", "7.2", "pc",
       ["-m", "64", "-drive", "file=$OUT/disk.raw,format=raw,if=none,id=d0",
        "-device", "virtio-blk-pci,drive=d0"], caps=["block", "dirty-bitmaps"],
       iterative=["block", "dirty-bitmap"], disk_mb=8, bitmaps=["b0"]),
    sc("stream72-aarch64-virt", "normal", "7.2", "virt,gic-version=3",
       ["-cpu", "cortex-a57", "-smp", "2", "-m", "128",
        "-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0"],
       target="aarch64", ps_source="configuration"),
    sc("stream72-aarch64-virt27", "normal", "7.2", "virt-2.7",
       ["-cpu", "cortex-a57", "-m", "64"], target="aarch64", page_size=1024,
       ps_source="vmdesc"),
    sc("stream72-arm-vexpress", "normal", "7.2", "vexpress-a9", ["-m", "32"],
       target="arm", page_size=1024, ps_source="vmdesc"),
    sc("stream72-ppc64-pseries", "normal", "7.2", "pseries", ["-m", "256"],
       target="ppc64", ps_source="vmdesc", iterative=["spapr/htab"]),
    # s390_css: QEMU's vmdesc says 272 bytes, the body is 1039
    sc("stream72-s390x", "normal", "7.2", "s390-ccw-virtio",
       ["-m", "128", "-action", "panic=pause"], target="s390x", ps_source="vmdesc",
       vmdesc_differs=["s390_css"], iterative=["s390-storage_attributes"]),
    sc("stream72-riscv64-virt", "normal", "7.2", "virt", ["-m", "128"],
       target="riscv64", ps_source="vmdesc"),
    # aarch64 registers against QEMU's own `info registers`: a 7-instruction
    # program (movz x1/x2/x3/x29/x30, add sp, b .) loaded 2 MiB into RAM (the
    # dtb takes its first MiB) by
    # the generic loader, which also points the vCPU's PC there; it runs, then
    # spins on its last instruction
    sc("devices-aarch64-virt", "normal", "11.1", "virt",
       ["-cpu", "cortex-a57", "-m", "128",
        "-device", "loader,file=$OUT/prog.bin,addr=0x40200000,cpu-num=0",
        "-gdb", "unix:$OUT/gdb.sock,server=on,wait=off"],
       target="aarch64", ps_source="configuration", run=1, hmp_registers=True,
       files={"prog.bin": AARCH64_PROG}),
    sc("stream-aarch64-virt", "normal", "11.1", "virt",
       ["-cpu", "cortex-a57", "-m", "128"], target="aarch64", ps_source="configuration"),
    sc("stream-aarch64-virt-xignore", "normal", "11.1", "virt,memory-backend=ram0",
       ["-cpu", "cortex-a57"] + MEMFD_128, caps=["x-ignore-shared"], target="aarch64",
       ps_source="configuration",
       mr_addrs={"ram0": 0x40000000, "virt.flash0": 0, "virt.flash1": 0x4000000}),
    sc("stream-arm-vexpress", "normal", "11.1", "vexpress-a9," + AUDIO_NONE_M, ["-m", "32"] + AUDIO_NONE,
       target="arm", page_size=1024, ps_source="vmdesc"),
    sc("stream-arm-vexpress-mapped-ram", "normal", "11.1", "vexpress-a9," + AUDIO_NONE_M,
       ["-m", "32"] + AUDIO_NONE,
       caps=["mapped-ram"], target="arm", page_size=1024, ps_source="vmdesc"),
    sc("exec-aarch64-virt", "cpr-exec", "11.1", "virt,aux-ram-share=on,memory-backend=ram0",
       ["-cpu", "cortex-a57"] + MEMFD_128, target="aarch64", ps_source="configuration",
       kinds={"virt.flash0": "flash", "virt.flash1": "flash", "ram0": "ram-backend",
              "/rom@etc/acpi/tables": "rom"}),
    sc("exec-arm-vexpress", "cpr-exec", "11.1",
       "vexpress-a9,aux-ram-share=on,memory-backend=ram0," + AUDIO_NONE_M,
       MEMFD_32 + AUDIO_NONE, target="arm",
       page_size=1024, ps_source="vmdesc",
       kinds={"vexpress.flash0": "flash", "vexpress.flash1": "flash",
              "vexpress.sram": "board-memory", "vexpress.vram": "device-ram",
              "ram0": "ram-backend"}),
]


# ---- QEMU command lines ---------------------------------------------------------------

def kvm_usable():
    try:
        os.close(os.open("/dev/kvm", os.O_RDWR))
        return True
    except OSError:
        return False


ACCEL = os.environ.get("CPRDUMP_QEMU_ACCEL") or ("kvm" if kvm_usable() else "tcg")


def accel(s):
    """KVM only for x86 guests on this x86 host; other targets run under TCG; a
    scenario may ask for TCG."""
    return s["accel"] or (ACCEL if s["target"] == "x86_64" else "tcg")


def qemu_prefix(version, target="x86_64"):
    """The command that starts QEMU: 11.1 through its tree's own dynamic loader."""
    if version == "7.2":
        if target == "x86_64":
            return [os.environ.get("QEMU72_BIN", "/usr/bin/qemu-system-x86_64")]
        return ["/usr/bin/qemu-system-" + target]
    e = os.environ
    fw = e["QEMU11_FIRMWARE"].split(":")
    binary = e["QEMU11_BIN"] if target == "x86_64" else e["QEMU11_BIN_" + target.upper()]
    return ([e["QEMU11_LOADER"], "--library-path", e["QEMU11_LIBPATH"], binary]
            + [x for d in fw for x in ("-L", d)])


def qemu_env(out):
    env = dict(os.environ, CPRDUMP_RUN_OUT=out)
    if "QEMU11_MODULE_DIR" in env:
        env["QEMU_MODULE_DIR"] = env["QEMU11_MODULE_DIR"]
    return env


def qemu_argv(s, out, which):
    return (qemu_prefix(s["qemu"], s["target"]) +
            ["-nodefaults", "-display", "none", "-S", "-accel", accel(s), "-machine", s["machine"]]
            + [a.replace("$OUT", out) for a in s["args"]] +
            ["-qmp", "unix:%s/qmp-%s.sock,server=on,wait=off" % (out, which),
             "-trace", "cpr_*", "-D", "%s/trace-%s.log" % (out, which)] +
            (guestmem.qtest_argv(out) if (s.get("extract") or s.get("virtio_drive"))
             and which == "old" else []))


def shown_argv(argv, s, out):
    """argv as in the fixtures: the QEMU prefix shown as qemu-system-TARGET, paths as
    $OUT and $TOOLS."""
    pre = qemu_prefix(s["qemu"], s["target"])
    if argv is None:
        return None
    text = json.dumps(argv)
    text = text.replace(json.dumps(pre)[1:-1], '"qemu-system-%s"' % s["target"])
    return json.loads(text.replace(out, "$OUT").replace(TOOLS, "$TOOLS"))


# ---- QEMU's own reports -------------------------------------------------------------

TRACE_PREFIX = r"^(?:\d+@[\d.]+:)?"
SAVE_RE = re.compile(TRACE_PREFIX + r"cpr_save_fd (.*), id (-?\d+), fd (-?\d+)$")
DELETE_RE = re.compile(TRACE_PREFIX + r"cpr_delete_fd (.*), id (-?\d+)$")
FIND_RE = re.compile(TRACE_PREFIX + r"cpr_find_fd (.*), id (-?\d+) returns (-?\d+)$")


def trace_saved_fds(path):
    """cpr_save_fd records in save order, minus those removed by cpr_delete_fd."""
    recs = []
    for line in read_text(path).splitlines():
        m = SAVE_RE.match(line)
        if m:
            recs.append({"name": m[1], "id": int(m[2]), "fd": int(m[3])})
        m = DELETE_RE.match(line)
        if m:
            recs = [r for r in recs if (r["name"], r["id"]) != (m[1], int(m[2]))]
    return recs


def trace_found_fds(path):
    return [{"name": m[1], "id": int(m[2]), "fd": int(m[3])}
            for m in map(FIND_RE.match, read_text(path).splitlines()) if m]


def read_text(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def producer(q):
    v = q.greeting["QMP"]["version"]
    return "QEMU emulator version %d.%d.%d (%s)" % (
        v["qemu"]["major"], v["qemu"]["minor"], v["qemu"]["micro"], v["package"].strip())


def status(q):
    st = q.cmd("query-status")
    return {"status": st["status"], "running": st["running"]}


# ---- scenario steps -----------------------------------------------------------------

def new_truth(s):
    return {"producer": None, "mode": s["kind"], "caps": s["caps"], "target": s["target"],
            "page_size": s["page_size"], "vmdesc_differs": s["vmdesc_differs"],
            "iterative": s["iterative"],
            "run_seconds": str(s["run_seconds"] or ""), "accel": accel(s),
            "query_migrate_old": None, "argv_old": None, "argv_new": None,
            "migrate_error": None, "trace_cpr_save_fd": [], "cpr_fds": [],
            "cpr_fds_order": "unspecified (compare as a set)", "ramblocks": [],
            "ramblocks_new": None, "incoming": None, "new_status": None}


def start_old(s, out, procs, truth):
    argv = qemu_argv(s, out, "old")
    truth["argv_old"] = argv
    if s["disk_mb"]:
        with open(os.path.join(out, "disk.raw"), "wb") as f:
            f.write(b"cprdump disk\n")
            f.truncate(s["disk_mb"] << 20)
    for name, data in s.get("files", {}).items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    p = procs.start(argv, os.path.join(out, "stderr.log"), qemu_env(out))
    q = QMP(os.path.join(out, "qmp-old.sock"), STEP_TIMEOUT, p)
    truth["producer"] = producer(q)
    truth["ramblocks"] = parse_ramblocks(q.hmp("info ramblock"))
    if s["mr_addrs"]:
        truth["mtree_flat"] = q.hmp("info mtree -f")
    for b in s["bitmaps"]:
        q.cmd("block-dirty-bitmap-add", node="d0", name=b, granularity=65536)
    if s["caps"]:
        q.cmd("migrate-set-capabilities",
              capabilities=[{"capability": c, "state": True} for c in s["caps"]])
    if s["run_seconds"] or s["until_driver_ok"]:
        q.cmd("cont")
        time.sleep(s["run_seconds"])
        if s["devices"]:
            truth["bars_mapped_after"] = devtruth.wait_bars_mapped(q, STEP_TIMEOUT)
        if s["until_driver_ok"]:
            truth["driver_ok_after"] = devtruth.wait_driver_ok(q, s["until_driver_ok"],
                                                               STEP_TIMEOUT)
        q.cmd("stop")
    if s.get("virtio_drive"):
        truth["virtio_drive"] = virtiodrv.negotiate_all(q, out, s["virtio_drive"])
    if s["devices"]:
        truth["devices"] = devtruth.record(q, s)
    if s.get("hmp_registers"):
        truth["info_registers"] = q.hmp("info registers -a")
        if s["target"] == "aarch64":
            truth["arm_cpu_props"] = devtruth.arm_cpu_props(q)
            truth["gdb_sysregs"] = gdbregs.sysregs(os.path.join(out, "gdb.sock"))
    return p, q


# held: 1 MiB/s, and a switchover threshold of 0 bytes (1 ms downtime at an
# assumed 1 byte/s), so that it cannot switch over while a page is dirty
HOLD = {"max-bandwidth": 1 << 20, "downtime-limit": 1, "avail-switchover-bandwidth": 1}
RELEASE = {"max-bandwidth": 1 << 40, "downtime-limit": 300, "avail-switchover-bandwidth": 0}


def start_patterns(s, q, out):
    """extract scenarios: the guest runs, patterns are written and a scratch
    page changes without pause; the migration is slowed down (1 MiB/s) and
    stops before its switchover (pause-before-switchover) until every write
    is over: QEMU's last dirty-bitmap sync comes after that pause, so the
    stream holds every write."""
    if not s.get("extract"):
        return None
    q.cmd("cont")
    pat = guestmem.Patterns(q, out, "VGA" in s["args"])
    q.cmd("migrate-set-capabilities",
          capabilities=[{"capability": "pause-before-switchover", "state": True}])
    q.cmd("migrate-set-parameters", **held(s, HOLD))
    pat.start_scratch()
    return pat


def settle_patterns(s, q, pat, truth, release=True):
    """After migrate: new versions of the patterns (pages already sent are sent
    again) for settle seconds, scratch writes for hold seconds more, all read
    back with qtest; then full speed (postcopy: after migrate-start-postcopy)."""
    if pat is None:
        return
    pat.rewrite(q, s["settle"], s["hold"])
    truth["patterns"] = pat.truth()
    if release:
        q.cmd("migrate-set-parameters", **held(s, RELEASE))


def held(s, params):
    """QEMU 7.2 has no avail-switchover-bandwidth (the 1 ms downtime alone)."""
    return {k: v for k, v in params.items()
            if s["qemu"] != "7.2" or k != "avail-switchover-bandwidth"}


def continue_switchover(q, pat, truth):
    """pause-before-switchover: the source stops in pre-switchover; go on."""
    if pat is None:
        return
    info = wait_migration(q, STEP_TIMEOUT, statuses=("pre-switchover", "failed", "cancelled"))
    truth["paused_before_switchover"] = info.get("status") == "pre-switchover"
    if truth["paused_before_switchover"]:
        q.cmd("migrate-continue", state="pre-switchover")


def save_memory(s, q, out, truth):
    """QEMU's own bytes once the source has stopped: its low memory, and (with
    x-ignore-shared, where the stream carries mr->addr) the BIOS at its address."""
    if not s.get("extract"):
        return
    truth["pmemsave"] = {"low": {"gpa": 0, "size": 128 << 20, "file": guestmem.pmemsave(
        q, out, 0, 128 << 20, "pmemsave-low.bin")}}
    if "x-ignore-shared" in s["caps"]:
        truth["pmemsave"]["bios"] = {"gpa": 0xfffc0000, "size": 256 << 10,
                                     "file": guestmem.pmemsave(q, out, 0xfffc0000, 256 << 10,
                                                               "pmemsave-bios.bin")}
    truth["status_at_pmemsave"] = status(q)


def migrate(q, truth, **args):
    try:
        q.cmd("migrate", **args)
    except QMPError as e:
        truth["migrate_error"] = str(e)


def finish_new(q2, truth):
    truth["incoming"] = {"status": wait_migration(q2, STEP_TIMEOUT)["status"]}
    truth["new_status"] = status(q2)
    truth["ramblocks_new"] = parse_ramblocks(q2.hmp("info ramblock"))
    q2.cmd("quit")


def wait_exec(q, p, out, truth):
    """After `migrate` in cpr-exec mode: wait until the new QEMU's QMP socket shows up,
    or the migration fails in the old QEMU (then record why)."""
    deadline = time.monotonic() + STEP_TIMEOUT
    new_sock = os.path.join(out, "qmp-new.sock")
    while not os.path.exists(new_sock):
        if p.poll() is not None:
            raise QMPError("QEMU exited with %s during cpr-exec" % p.returncode)
        if time.monotonic() > deadline:
            raise QMPError("no new QEMU after %s s" % STEP_TIMEOUT)
        try:
            info = q.cmd("query-migrate")
            if info.get("status") in ("failed", "cancelled"):
                truth["migrate_error"] = info.get("error-desc", info["status"])
                return None
        except (QMPError, OSError):
            pass  # the old QMP connection goes away at exec
        time.sleep(0.1)
    return QMP(new_sock, STEP_TIMEOUT, p)


def exec_wrapper(s, out):
    """scripts/cprdump-exec-wrapper between wrap.sh and the new QEMU."""
    if not s["wrapper"]:
        return []
    cprdump = os.environ["CPRDUMP_BIN"] if s["wrapper"] == "real" else s["wrapper"]
    return [os.path.join(REPO, "scripts", "cprdump-exec-wrapper"), "--dir",
            os.path.join(out, "captures"), "--cprdump", cprdump, "--"]


def fd_pos(pid, fd):
    for line in read_text("/proc/%d/fdinfo/%s" % (pid, fd)).splitlines():
        if line.startswith("pos:"):
            return int(line.split()[1])
    return None


def inspect_deferred(p, out, truth):
    """cprdump --pid on the new QEMU while it waits (-incoming defer): the state
    memfd is still open; its offset must not move."""
    envfd = read_text(os.path.join(out, "envfd")).strip()
    before = fd_pos(p.pid, envfd)
    r = subprocess.run([os.environ["CPRDUMP_BIN"], "--pid", str(p.pid), "--json",
                        "--check", "--stream", os.path.join(out, "main.bin")],
                       capture_output=True, timeout=STEP_TIMEOUT)
    truth["pid_check"] = {"rc": r.returncode, "stderr": r.stderr.decode(errors="replace"),
                          "pos_before": before, "pos_after": fd_pos(p.pid, envfd),
                          "doc": json.loads(r.stdout) if r.stdout else None}
    # the human form too: README's --pid example is checked against it
    r = subprocess.run([os.environ["CPRDUMP_BIN"], "--pid", str(p.pid),
                        "--columns=NAME,FD,KIND,SIZE,CLOEXEC,VERDICT"],
                       capture_output=True, timeout=STEP_TIMEOUT)
    with open(os.path.join(out, "pid.txt"), "wb") as f:
        f.write(r.stdout)


def after_incoming(p, truth):
    """Once migrate-incoming has set up, QEMU has closed the state memfd: --pid
    now runs the preflight of this QEMU (doc/preflight.md)."""
    r = subprocess.run([os.environ["CPRDUMP_BIN"], "--pid", str(p.pid), "--json"],
                       capture_output=True, timeout=STEP_TIMEOUT)
    truth["pid_check_after_rc"] = r.returncode
    try:
        doc = json.loads(r.stdout)
    except ValueError:
        doc = {}
    truth["pid_check_after_kind"] = sorted(k for k in doc if k != "format-version")


def wait_load_failure(p, out):
    """The new QEMU (same pid) exits when it cannot load the stream: its exit code
    and its error lines."""
    try:
        rc = p.wait(timeout=STEP_TIMEOUT)
    except subprocess.TimeoutExpired:
        rc = None
    errors = [l for l in read_text(os.path.join(out, "stderr.log")).splitlines()
              if "warning:" not in l]
    return {"exit": rc, "errors": errors}


def run_cpr_exec(s, out, procs, truth):
    incoming = "defer" if s["defer"] else "file:%s/main.bin" % out
    argv_new = ([os.path.join(TOOLS, "wrap.sh")] + exec_wrapper(s, out) +
                qemu_argv(s, out, "new") + ["-incoming", incoming])
    truth["argv_new"] = argv_new
    p, q = start_old(s, out, procs, truth)
    q.cmd("migrate-set-parameters", mode="cpr-exec", **{"cpr-exec-command": argv_new})
    migrate(q, truth, uri="file:%s/main.bin" % out)
    if s["load_error"] and not truth["migrate_error"]:
        truth["new_load"] = wait_load_failure(p, out)   # no QMP: it exits at once
    q2 = None if truth["migrate_error"] or s["load_error"] else wait_exec(q, p, out, truth)
    if q2 and s["defer"]:
        inspect_deferred(p, out, truth)
        q2.cmd("migrate-incoming", uri="file:%s/main.bin" % out)
        wait_migration(q2, STEP_TIMEOUT)
        after_incoming(p, truth)
    if q2:
        finish_new(q2, truth)
    truth["wrapper_envfd"] = read_text(os.path.join(out, "envfd"))
    truth["wrapper_fds_txt"] = read_text(os.path.join(out, "fds.txt"))
    truth["wrapper_state_fdinfo"] = read_text(os.path.join(out, "state.fdinfo"))


def transfer_incoming(out):
    cpr = {"channel-type": "cpr", "addr": {"transport": "socket", "type": "unix",
                                           "path": "%s/cpr-target.sock" % out}}
    return ["-incoming", json.dumps(cpr), "-incoming", "unix:%s/main-target.sock" % out]


def transfer_channels(out):
    def ch(kind, name):
        return {"channel-type": kind, "addr": {"transport": "socket", "type": "unix",
                                               "path": "%s/%s" % (out, name)}}
    return [ch("main", "main-relay.sock"), ch("cpr", "cpr-relay.sock")]


def run_cpr_transfer(s, out, procs, truth):
    argv_new = qemu_argv(s, out, "new") + transfer_incoming(out)
    truth["argv_new"] = argv_new
    pn = procs.start(argv_new, os.path.join(out, "stderr-new.log"), qemu_env(out))
    wait_for_path(os.path.join(out, "cpr-target.sock"), STEP_TIMEOUT, pn)
    p, q = start_old(s, out, procs, truth)
    cpr = Relay(out + "/cpr-relay.sock", out + "/cpr-target.sock", out + "/state.bin", True)
    main = Relay(out + "/main-relay.sock", out + "/main-target.sock", out + "/main.bin", False)
    q.cmd("migrate-set-parameters", mode="cpr-transfer")
    migrate(q, truth, channels=transfer_channels(out))
    if truth["migrate_error"]:
        cpr.abort()
        main.abort()
    else:
        q2 = QMP(os.path.join(out, "qmp-new.sock"), STEP_TIMEOUT, pn)
        finish_new(q2, truth)
        old = wait_migration(q, STEP_TIMEOUT)
        truth["migrate_error"] = old.get("error-desc")
    truth["relay_errors"] = [e for e in (cpr.join(STEP_TIMEOUT), main.join(STEP_TIMEOUT)) if e]
    truth["relay_scm_rights"] = cpr.scm_rights


def run_stream(s, out, procs, truth):
    p, q = start_old(s, out, procs, truth)
    path = os.path.join(out, "main.bin")
    uri = "exec:cat > %s" % path if s["qemu"] == "7.2" else "file:%s" % path
    truth["migrate_uri"] = uri.replace(out, "$OUT")
    pat = start_patterns(s, q, out)
    migrate(q, truth, uri=uri)
    if not truth["migrate_error"]:
        settle_patterns(s, q, pat, truth)
        continue_switchover(q, pat, truth)
        info = wait_migration(q, STEP_TIMEOUT)
        truth["query_migrate_old"] = info
        truth["migrate_error"] = info.get("error-desc")
        save_memory(s, q, out, truth)
    q.cmd("quit")


MULTIFD_CHANNELS = 2


def run_relayed(s, out, procs, truth):
    """A migration to a new QEMU through the recording relay. postcopy: the precopy
    phase is throttled so that migrate-start-postcopy lands in it. multifd: the
    relay takes the main channel and each multifd channel; the one that starts
    with QEVM becomes main.bin, the others multifd-K.bin."""
    multifd = s["kind"] == "multifd"
    argv_new = qemu_argv(s, out, "new") + ["-incoming", "defer"]
    truth["argv_new"] = argv_new
    pn = procs.start(argv_new, os.path.join(out, "stderr-new.log"), qemu_env(out))
    q2 = QMP(os.path.join(out, "qmp-new.sock"), STEP_TIMEOUT, pn)
    channels = dict({"multifd-channels": MULTIFD_CHANNELS}, **s["params"])
    q2.cmd("migrate-set-capabilities",
           capabilities=[{"capability": c, "state": True} for c in s["caps"]])
    if multifd:
        q2.cmd("migrate-set-parameters", **channels)
    q2.cmd("migrate-incoming", uri="unix:%s/main-target.sock" % out)
    wait_for_path(os.path.join(out, "main-target.sock"), STEP_TIMEOUT, pn)
    p, q = start_old(s, out, procs, truth)
    relay = Relay(out + "/main-relay.sock", out + "/main-target.sock",
                  out + "/channel", False,
                  connections=1 + MULTIFD_CHANNELS if multifd else 1)
    # postcopy: about 1 s of precopy
    q.cmd("migrate-set-parameters", **(channels if multifd else {"max-bandwidth": 1 << 20}))
    pat = start_patterns(s, q, out)
    migrate(q, truth, uri="unix:%s/main-relay.sock" % out)
    if truth["migrate_error"]:
        relay.abort()
    else:
        settle_patterns(s, q, pat, truth, release=multifd)
        if not multifd:
            q.cmd("migrate-start-postcopy")
        continue_switchover(q, pat, truth)
        info = wait_migration(q, STEP_TIMEOUT)
        truth["query_migrate_old"] = info
        truth["migrate_error"] = info.get("error-desc")
        save_memory(s, q, out, truth)
        finish_new(q2, truth)
    err = relay.join(STEP_TIMEOUT)
    truth["relay_errors"] = [err] if err else []
    q.cmd("quit")
    name_channels(out)


def name_channels(out):
    """channel, channel.1, ... as the relay recorded them: main.bin is the one that
    starts with QEVM, the others multifd-1.bin, ..."""
    paths = sorted(f for f in os.listdir(out) if f == "channel" or f.startswith("channel."))
    k = 0
    for f in paths:
        with open(os.path.join(out, f), "rb") as fh:
            main = fh.read(4) == b"QEVM"
        if not main:
            k += 1
        os.rename(os.path.join(out, f), os.path.join(out, "main.bin" if main
                                                     else "multifd-%d.bin" % k))


def run_preflight(s, out, procs, truth):
    try:
        preflight.run(s, out, procs, truth, qemu_prefix("11.1", s["target"]), qemu_env(out),
                      accel(s))
    finally:
        preflight.cleanup()


SCENARIOS += preflight.SCENARIOS

RUNNERS = {"preflight": run_preflight, "cpr-exec": run_cpr_exec, "cpr-transfer": run_cpr_transfer, "normal": run_stream,
           "postcopy": run_relayed, "multifd": run_relayed}


def finish_truth(s, out, truth):
    saved = trace_saved_fds(os.path.join(out, "trace-old.log"))
    truth["trace_cpr_save_fd"] = saved
    if s["kind"] == "cpr-transfer":
        truth["cpr_fds"] = [{"name": r["name"], "id": r["id"]} for r in saved]
    elif s["kind"] == "cpr-exec":
        truth["cpr_fds"] = saved
    truth["trace_new_cpr_find_fd"] = trace_found_fds(os.path.join(out, "trace-new.log"))
    truth["argv_old"] = shown_argv(truth["argv_old"], s, out)
    truth["argv_new"] = shown_argv(truth["argv_new"], s, out)
    if truth["argv_new"] and os.environ.get("CPRDUMP_BIN"):
        truth["argv_new"] = json.loads(json.dumps(truth["argv_new"]).replace(
            os.environ["CPRDUMP_BIN"], "$CPRDUMP").replace(REPO, "$REPO"))
    for k in ("wrapper_fds_txt",):
        if k in truth:
            truth[k] = truth[k].replace(out, "$OUT")


def run_scenario(s, outroot):
    """Run one scenario; return (out_dir, truth, error-or-None, seconds)."""
    out = os.path.join(outroot, s["name"])
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    truth, err, t0, procs = new_truth(s), None, time.monotonic(), Procs()
    try:
        RUNNERS[s["kind"]](s, out, procs, truth)
    except Exception as e:
        err = "%s: %s" % (type(e).__name__, e)
    finally:
        procs.kill_all()
    finish_truth(s, out, truth)
    truth["harness_error"] = err
    with open(os.path.join(out, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1)
    return out, truth, err, time.monotonic() - t0
