"""Device state as QEMU itself reports it, recorded into truth.json["devices"] while the
guest is stopped, just before the stream is saved: the oracle for the field decoder.

  cpus        `info registers -a`, parsed (one entry per vCPU, index = cpu instance id)
  rtc         QOM /machine rtc-time (the CMOS time, mc146818rtc's "date") and the -rtc base
  nics        QOM "mac" of each NIC given an id (e1000 nic0, virtio-net vnet0)
  pci         QMP query-pci (BARs as QEMU maps them)
  rx_filter   QMP query-rx-filter of each virtio-net NIC given an id (its MAC,
              receive modes, MAC and VLAN tables: virtio-net's own state)
  virtio      QMP x-query-virtio-status of each virtio device (QEMU 7.2 only: in 11.1.3
              the command aborts QEMU with a QAPI visitor assertion, HMP too)"""
import calendar
import re
import time

from qmp import QMPError

# info registers: general registers in the order of env.regs[] (R_EAX = 0 ... R_EDI = 7)
GPR = ["AX", "CX", "DX", "BX", "SP", "BP", "SI", "DI"]
SEGS = ["ES", "CS", "SS", "DS", "FS", "GS"]   # env.segs[] order (R_ES = 0 ... R_GS = 5)
SEG_RE = re.compile(r"^(ES|CS|SS|DS|FS|GS|LDT|TR) ?=([0-9a-f]{4}) ([0-9a-f]+) ([0-9a-f]{8}) "
                    r"([0-9a-f]{8})")
TABLE_RE = re.compile(r"^(GDT|IDT)= +([0-9a-f]+) ([0-9a-f]{8})")
REG_RE = re.compile(r"\b([A-Z][A-Z0-9]*) ?=([0-9a-f]+)\b")


def hexval(digits):
    """A printed hex value and its width in bits (QEMU prints 32-bit values with 8
    digits, 64-bit ones with 16: which depends on the CPU mode, cpu-dump.c)."""
    return int(digits, 16), 4 * len(digits)


def parse_one_cpu(text):
    """One CPU's `info registers` block -> {name: [value, bits]} plus "segs". 32-bit
    form (EAX=, EIP=, EFL=) or, in 64-bit code, RAX=, RIP=, RFL=, R8..R15. QEMU prints
    segment flags masked with 0x00ffff00 and, outside 64-bit code, 32-bit bases."""
    regs, segs = {}, {}
    for line in text.splitlines():
        m = SEG_RE.match(line)
        if m:
            segs[m[1]] = {"selector": hexval(m[2]), "base": hexval(m[3]),
                          "limit": hexval(m[4]), "flags": hexval(m[5])}
            continue
        m = TABLE_RE.match(line)
        if m:
            segs[m[1]] = {"base": hexval(m[2]), "limit": hexval(m[3])}
            continue
        if line.startswith(("FPR", "XMM", "YMM", "ZMM", "FCW", "Opmask")):
            continue
        for name, val in REG_RE.findall(line):
            regs[name] = hexval(val)
    p = "R" if "RIP" in regs else "E"
    cpu = {"mode": "64-bit" if p == "R" else "32-bit", "segs": segs,
           "gpr": [regs[p + r] for r in GPR] + [regs["R%d" % i] for i in range(8, 16)
                                                if "R%d" % i in regs],
           "rip": regs[p + "IP"], "eflags": regs[p[0] + "FL" if p == "R" else "EFL"]}
    for k in ("CR0", "CR2", "CR3", "CR4", "EFER", "CPL", "II", "A20", "SMM", "HLT"):
        cpu[k.lower()] = regs[k]
    return cpu


def parse_info_registers(text):
    """`info registers -a` -> [cpu dict, ...] in CPU# order (each with "index")."""
    blocks = re.split(r"^CPU#(\d+)\s*$", text, flags=re.M)
    cpus = []
    for i in range(1, len(blocks), 2):
        cpu = parse_one_cpu(blocks[i + 1])
        cpu["index"] = int(blocks[i])
        cpus.append(cpu)
    return cpus


def rtc_base_epoch(base):
    """-rtc base=YYYY-MM-DDTHH:MM:SS as seconds since the epoch (UTC)."""
    return calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S"))


def rtc_option(args):
    """The -rtc option of a command line as a dict ({} if none)."""
    for i, a in enumerate(args[:-1]):
        if a == "-rtc":
            return dict(kv.split("=", 1) for kv in args[i + 1].split(","))
    return {}


def device_ids(args, driver_prefix):
    """ids of the -device DRIVER,...,id=X options whose driver starts with the prefix."""
    ids = []
    for i, a in enumerate(args[:-1]):
        if a == "-device" and args[i + 1].startswith(driver_prefix):
            opts = dict(kv.split("=", 1) for kv in args[i + 1].split(",")[1:] if "=" in kv)
            if "id" in opts:
                ids.append({"id": opts["id"], "driver": args[i + 1].split(",")[0],
                            "mac_option": opts.get("mac")})
    return ids


VIRTIO_DRIVER_OK = "VIRTIO_CONFIG_S_DRIVER_OK"


def virtio_path(dev_id):
    return "/machine/peripheral/%s/virtio-backend" % dev_id


def wait_driver_ok(q, dev_id, timeout):
    """Poll x-query-virtio-status (7.2) while the guest runs until its driver (here
    SeaBIOS booting iPXE from the NIC) has set DRIVER_OK; return seconds waited."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        st = q.cmd("x-query-virtio-status", path=virtio_path(dev_id))
        if any(x.startswith(VIRTIO_DRIVER_OK) for x in st["status"]["statuses"]):
            return round(time.monotonic() - t0, 2)
        time.sleep(0.1)
    raise QMPError("virtio device %s: no DRIVER_OK after %s s" % (dev_id, timeout))


def unmapped_bars(pci):
    """BARs (not ROMs) that query-pci shows unmapped (address -1)."""
    return ["%02x.%d BAR%d" % (d["slot"], d["function"], r["bar"])
            for b in pci for d in b["devices"] for r in d["regions"]
            if r["bar"] != 6 and r["address"] == -1]


def wait_bars_mapped(q, timeout):
    """While the guest runs: wait until the firmware (SeaBIOS) has given every BAR an
    address, so that query-pci and the config spaces have something to agree on; return
    seconds waited (on a loaded machine this can take over a second)."""
    t0 = time.monotonic()
    while unmapped_bars(q.cmd("query-pci")):
        if time.monotonic() - t0 > timeout:
            raise QMPError("BARs still unmapped after %s s: %s" % (
                timeout, unmapped_bars(q.cmd("query-pci"))))
        time.sleep(0.1)
    return round(time.monotonic() - t0, 2)


def record(q, s):
    """Everything QEMU reports about the stopped guest's devices."""
    text = q.hmp("info registers -a")
    dev = {"info_registers": text, "cpus": parse_info_registers(text)}
    rtc = rtc_option(s["args"])
    if "base" in rtc:
        dev["rtc"] = {"option": rtc, "base_epoch": rtc_base_epoch(rtc["base"]),
                      "rtc_time": q.cmd("qom-get", path="/machine", property="rtc-time")}
    dev["nics"] = [dict(n, mac=q.cmd("qom-get", path="/machine/peripheral/" + n["id"],
                                     property="mac"))
                   for n in device_ids(s["args"], ("e1000", "virtio-net"))]
    dev["pci"] = q.cmd("query-pci")
    dev["rx_filter"] = [q.cmd("query-rx-filter", name=n["id"])[0]
                        for n in device_ids(s["args"], "virtio-net")]
    if s["qemu"] == "7.2":
        dev["virtio"] = [dict(n, status=q.cmd("x-query-virtio-status",
                                               path=virtio_path(n["id"])))
                         for n in device_ids(s["args"], "virtio-")]
    return dev


ARM_CPU_PROPS = ("midr", "mp-affinity", "cntfrq")


def arm_cpu_props(q):
    """The QOM properties of each Arm vCPU that the ID and timer registers are
    made from (target/arm/cpu.c): midr = MIDR_EL1, mp-affinity = MPIDR_EL1's
    affinity fields, cntfrq = CNTFRQ_EL0 (Hz)."""
    return [dict({p: q.cmd("qom-get", path=c["qom-path"], property=p) for p in ARM_CPU_PROPS},
                 index=c["cpu-index"]) for c in q.cmd("query-cpus-fast")]


def parse_arm_registers(text):
    """`info registers -a` of aarch64 vCPUs -> [{"index", "pc", "x": [31], "sp",
    "pstate"}] (target/arm/cpu.c aarch64_cpu_dump_state)."""
    blocks = re.split(r"^CPU#(\d+)\s*$", text, flags=re.M)
    cpus = []
    for i in range(1, len(blocks), 2):
        regs = {}
        for line in blocks[i + 1].splitlines():
            if re.match(r"^\s*((Q|Z|P)\d\d|FFR)=", line):   # vector registers
                continue
            for name, val in REG_RE.findall(line):
                regs.setdefault(name, int(val, 16))
        cpus.append({"index": int(blocks[i]), "pc": regs["PC"], "sp": regs["SP"],
                     "pstate": regs["PSTATE"],
                     "x": [regs["X%02d" % n] for n in range(31)]})
    return cpus
