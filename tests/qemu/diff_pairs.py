"""Real-QEMU pairs for cprdump --diff: each scenario makes two streams (or two
CPR states) that differ in one known way, and checks that `cprdump --diff`
reports exactly that difference, derived from what QEMU itself reports (the
MAC on the command line, `info ramblock`, the vmdescs QEMU wrote, the
cpr_save_fd trace), never from cprdump's own output."""
import json
import os
import re
import shutil
import subprocess
import time

import scenarios
from qmp import QMP, Procs, parse_ramblocks, wait_migration
from scenarios import sc

STEP = scenarios.STEP_TIMEOUT


# ---- the pairs ----------------------------------------------------------------------

def pair(name, check, a, b, same_process=False):
    """a, b: sides made with scenarios.sc() (kind "normal" or "cpr-exec");
    same_process: b is a second save of a's QEMU (a's options only)."""
    return {"name": name, "kind": "pair", "check": check, "sides": [a, b],
            "same_process": same_process}


MAC_A, MAC_B = "52:54:00:12:34:56", "52:54:00:ab:cd:ef"
MEMFD = ["-object", "memory-backend-memfd,id=ram0,size=128M,share=on", "-m", "128"]


def e1000(mac, rom=None):
    """rom "": no option ROM (iPXE would try to boot from the network)."""
    dev = "e1000,netdev=n0,mac=" + mac + ("" if rom is None else ",romfile=" + rom)
    return ["-netdev", "user,id=n0", "-device", dev]


# An idle VM: SeaBIOS, having found no boot device, says so on its debug port
# (0x402) and waits in a hlt loop (it retries only after 60 s).
IDLE = ["-chardev", "file,id=dbg,path=$OUT/seabios.log",
        "-device", "isa-debugcon,iobase=0x402,chardev=dbg"]
IDLE_SIGN = b"No bootable device"

PAIRS = [
    pair("diff-idle-twice", "idle",
         sc("a", "normal", "11.1", "pc", ["-m", "128"] + e1000(MAC_A, rom="") + IDLE),
         None, same_process=True),
    pair("diff-idle-twice-72", "idle",
         sc("a", "normal", "7.2", "pc", ["-m", "128"] + e1000(MAC_A, rom="") + IDLE),
         None, same_process=True),
    pair("diff-idle-twice-q35", "idle",
         sc("a", "normal", "11.1", "q35", ["-m", "128"] + e1000(MAC_A, rom="") + IDLE),
         None, same_process=True),
    pair("diff-idle-twice-q35-72", "idle",
         sc("a", "normal", "7.2", "q35", ["-m", "128"] + e1000(MAC_A, rom="") + IDLE),
         None, same_process=True),
    pair("diff-e1000-mac", "mac",
         sc("a", "normal", "11.1", "pc", ["-m", "128"] + e1000(MAC_A)),
         sc("b", "normal", "11.1", "pc", ["-m", "128"] + e1000(MAC_B))),
    pair("diff-72-vs-111", "versions",
         sc("a", "normal", "7.2", "pc-i440fx-7.2", ["-m", "128"] + e1000(MAC_A)),
         sc("b", "normal", "11.1", "pc-i440fx-7.2", ["-m", "128"] + e1000(MAC_A))),
    pair("diff-rom-size", "rom",
         sc("a", "normal", "11.1", "pc", ["-m", "128", "-netdev", "user,id=n0",
                                          "-device", "e1000,netdev=n0,romfile=$OUT/rom-a.bin"]),
         sc("b", "normal", "11.1", "pc", ["-m", "128", "-netdev", "user,id=n0",
                                          "-device", "e1000,netdev=n0,romfile=$OUT/rom-b.bin"])),
    pair("diff-aarch64-cpu", "cpregs",
         sc("a", "normal", "11.1-aarch64", "virt", ["-m", "128", "-cpu", "cortex-a57"]),
         sc("b", "normal", "11.1-aarch64", "virt", ["-m", "128", "-cpu", "max"])),
    pair("diff-cpr-extra-device", "cpr",
         sc("a", "cpr-exec", "11.1", "pc,aux-ram-share=on,memory-backend=ram0", MEMFD),
         sc("b", "cpr-exec", "11.1", "pc,aux-ram-share=on,memory-backend=ram0",
            MEMFD + ["-device", "VGA"])),
]



def vblk(extra):
    """virtio-blk on a blank 1 MiB disk that SeaBIOS drives (and fails to boot
    from), so that the guest negotiates its features before the save."""
    return ["-m", "128", "-drive", "file=$OUT/disk.img,if=none,id=d0,format=raw",
            "-device", "virtio-blk-pci,drive=d0," + extra] + IDLE


# QEMU 7.2: 11.1.3 aborts in x-query-virtio-status (qapi-visit-core.c:52,
# visit_start_struct: "!(v->type & VISITOR_OUTPUT) || *obj"), 7.2 answers
PAIRS.append(pair(
    "diff-virtio-blk-modern", "virtio",
    sc("a", "normal", "7.2", "pc", vblk("disable-modern=on,disable-legacy=off")),
    sc("b", "normal", "7.2", "pc", vblk("disable-modern=off,disable-legacy=on"))))

ROM_SIZES = {"rom-a.bin": 32 << 10, "rom-b.bin": 64 << 10}


# ---- running ------------------------------------------------------------------------

def prefix(version):
    if version == "11.1-aarch64":
        e = os.environ
        return [e["QEMU11_LOADER"], "--library-path", e["QEMU11_LIBPATH"],
                e["QEMU11_BIN_AARCH64"], "-L", e["QEMU11_FIRMWARE"].split(":")[0]]
    return scenarios.qemu_prefix(version)


def argv(s, out, which):
    accel = "tcg" if s["qemu"].endswith("aarch64") else scenarios.ACCEL
    args = [a.replace("$OUT", out) for a in s["args"]]
    return (prefix(s["qemu"]) + ["-nodefaults", "-display", "none", "-S", "-accel", accel,
                                 "-machine", s["machine"]] + args +
            ["-qmp", "unix:%s/qmp-%s.sock,server=on,wait=off" % (out, which)])


def save(q, path, version, truth):
    uri = "exec:cat > %s" % path if version == "7.2" else "file:%s" % path
    q.cmd("migrate", uri=uri)
    info = wait_migration(q, STEP)
    truth.setdefault("query_migrate", []).append(info)
    if info.get("status") != "completed":
        raise RuntimeError("migration to %s: %s" % (path, info.get("error-desc")))


def vmdesc(path):
    """The vmdesc JSON QEMU appended to a stream, found from the end: the
    stream ends with 0x00 (EOF), 0x06, BE u32 length, JSON."""
    with open(path, "rb") as f:
        data = f.read()
    end = data.rfind(b"}") + 1
    depth, i = 0, end - 1
    while i >= 0:  # the JSON's first '{' balances its last '}'
        c = data[i:i + 1]
        depth += c == b"}"
        depth -= c == b"{"
        if depth == 0:
            break
        i -= 1
    assert data[i - 5] == 0x06 and int.from_bytes(data[i - 4:i], "big") == end - i
    return json.loads(data[i:end])


def wait_idle(log):
    deadline = time.monotonic() + STEP
    while IDLE_SIGN not in read_bytes(log):
        if time.monotonic() > deadline:
            raise RuntimeError("SeaBIOS never said %r in %s s" % (IDLE_SIGN, STEP))
        time.sleep(0.1)
    time.sleep(0.5)   # into its hlt loop


def stop_halted(q):
    """Stops the idle VM with its vCPU in SeaBIOS's hlt, as QEMU's `info
    registers` says (HLT=1), not inside the timer interrupt that wakes it 18
    times a second: its registers are then those of the idle loop."""
    for _ in range(200):
        q.cmd("stop")
        if "HLT=1" in q.hmp("info registers"):
            return
        q.cmd("cont")
        time.sleep(0.01)
    raise RuntimeError("the vCPU was never halted when stopped")


def virtio_status(q):
    """QEMU's own report of each virtio device's status and negotiated
    features (x-query-virtio-status)."""
    out = {}
    for dev in q.cmd("x-query-virtio"):
        st = q.cmd("x-query-virtio-status", path=dev["path"])
        gf = st.get("guest-features", {})
        names = [f.split(":")[0] for k in ("transports", "dev-features") for f in gf.get(k, [])]
        out[dev["path"]] = {"name": dev["name"], "guest-features": sorted(names),
                            "unknown-dev-features": gf.get("unknown-dev-features", 0),
                            "statuses": [x.split(":")[0] for x in
                                         st.get("status", {}).get("statuses", [])]}
    return out


def read_bytes(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return b""


def write_roms(out):
    """Option ROM images of two sizes (0x55aa, size in 512-byte units), and a
    blank 1 MiB disk image."""
    with open(os.path.join(out, "disk.img"), "wb") as f:
        f.truncate(1 << 20)
    for name, size in ROM_SIZES.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(b"\x55\xaa" + bytes([size // 512]) + bytes(size - 3))


def run_stream_side(s, out, procs, truth, second=None):
    """One QEMU: optional run, then one save (or two, for the idle pair)."""
    os.makedirs(out, exist_ok=True)
    write_roms(out)
    p = procs.start(argv(s, out, "a"), os.path.join(out, "stderr.log"),
                    scenarios.qemu_env(out))
    q = QMP(os.path.join(out, "qmp-a.sock"), STEP, p)
    truth["producer"] = scenarios.producer(q)
    truth["ramblocks"] = parse_ramblocks(q.hmp("info ramblock"))
    if IDLE[-1] in s["args"]:
        q.cmd("cont")
        wait_idle(os.path.join(out, "seabios.log"))
        stop_halted(q)
        if s["qemu"] == "7.2" and any("virtio" in a for a in s["args"]):
            truth["virtio"] = virtio_status(q)
    save(q, os.path.join(out, "main.bin"), s["qemu"], truth)
    if second:
        os.makedirs(second, exist_ok=True)
        # QEMU refuses to save a VM paused by a migration: run it a moment,
        # as an idle VM does, and let the clocks move between the saves
        q.cmd("cont")
        time.sleep(1)
        stop_halted(q)
        save(q, os.path.join(second, "main.bin"), s["qemu"], truth)
    q.cmd("quit")


def run_cpr_side(s, out, procs, truth):
    os.makedirs(out, exist_ok=True)
    t = scenarios.new_truth(s)
    scenarios.run_cpr_exec(s, out, procs, t)
    procs.kill_all()
    scenarios.finish_truth(s, out, t)
    truth.update(t)


def run_pair(s, outroot):
    out = os.path.join(outroot, s["name"])
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    truth, err, t0 = {"sides": [{}, {}]}, None, time.monotonic()
    procs = Procs()
    try:
        a, b = s["sides"]
        dirs = [os.path.join(out, "a"), os.path.join(out, "b")]
        if a["kind"] == "cpr-exec":
            for side, d, t in zip(s["sides"], dirs, truth["sides"]):
                run_cpr_side(side, d, procs, t)
        elif s["same_process"]:
            run_stream_side(a, dirs[0], procs, truth["sides"][0], second=dirs[1])
        else:
            for side, d, t in zip(s["sides"], dirs, truth["sides"]):
                run_stream_side(side, d, procs, t)
    except Exception as e:
        err = "%s: %s" % (type(e).__name__, e)
    finally:
        procs.kill_all()
    truth["harness_error"] = err
    with open(os.path.join(out, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1)
    return out, truth, err, time.monotonic() - t0


# ---- checks -------------------------------------------------------------------------

REPO = scenarios.REPO


def volatile_globs():
    """The --ignore-volatile list as doc/diff.md documents it (the table rows
    whose first cell is a `GLOB`)."""
    globs = []
    with open(os.path.join(REPO, "doc", "diff.md")) as f:
        for line in f:
            if line.startswith("| `") and "volatile" in line:
                globs.append(line.split("`")[1])
    return globs


def glob_re(glob):
    """cprdump's globs (GLib g_pattern_match_simple): '*' and '?' only, so that
    the brackets of "channels[*]" are literal."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c)
                              for c in glob) + r"\Z", re.S)


def is_volatile(path):
    return any(glob_re(g).match(path) for g in volatile_globs())


def run_diff(cprdump, out, *opts, name="main.bin"):
    r = subprocess.run([cprdump, "--json", "--diff", *opts, os.path.join(out, "a", name),
                        os.path.join(out, "b", name)], capture_output=True, timeout=60)
    try:
        doc = json.loads(r.stdout)["diff"]
    except (ValueError, KeyError):
        doc = {"changes": [], "bad": r.stderr.decode(errors="replace")[:300]}
    return r.returncode, doc


def changes(doc, group=None, prefix=""):
    return {c["full-path"]: (c["a"], c["b"], c["kind"]) for c in doc["changes"]
            if (group is None or c["group"] == group) and c["path"].startswith(prefix)}


def show(d):
    return "{%s}" % ", ".join("%s: %s" % (k, v) for k, v in sorted(d.items()))


def number(v):
    """A value as --diff writes an integer: "123", "-2 (0xfffffffe)", "0x7b"."""
    return int(v.split()[0], 0)


def check_idle(s, out, t, cprdump):
    rc, doc = run_diff(cprdump, out)
    rc2, doc2 = run_diff(cprdump, out, "--ignore-volatile")
    got = changes(doc)
    odd = {k: v for k, v in got.items() if not is_volatile(k)}
    # the virtual clock moved forward by at least the second between the saves
    clk = got.get("timer#0: cpu_clock_offset")
    moved = clk is not None and number(clk[1]) - number(clk[0]) >= 10**9
    ok1 = rc == 1 and got and not odd and moved
    yield ok1, ("%s: two saves of one idle QEMU %s VM differ only in volatile fields (%d, "
                "the virtual clock offset moved >= 1 s)" % (
                    s["name"], s["sides"][0]["qemu"], len(got))) + (
                        "" if ok1 else " (rc %s, not volatile: %s, clock %s)" % (
                            rc, show(odd), clk)), None
    ok2 = rc2 == 0 and doc2.get("change-count") == 0 and doc2.get("ignored-count") == len(got)
    yield ok2, "%s: with --ignore-volatile they compare equal, exit 0 (%d ignored)" % (
        s["name"], len(got)) + ("" if ok2 else " (rc %s, %s)" % (rc2, show(changes(doc2)))), None


def mac_bytes(mac):
    return [int(x, 16) for x in mac.split(":")]


def e1000_expected(group):
    """What two MACs change in an e1000 (QEMU hw/net/e1000.c): EEPROM words 0-2
    hold the MAC little-endian (word i = byte 2i | byte 2i+1 << 8), word 63 the
    checksum (the words sum to 0xbaba); RAL0/RAH0 (mac_reg[RA], RA = 0x5400 / 4)
    hold bytes 0-3 and 4-5 | AV (bit 31), in mac_reg[0] (the first sub-array of
    the section) and in e1000/full_mac_state's whole mac_reg."""
    a, b = mac_bytes(MAC_A), mac_bytes(MAC_B)
    want = {}
    for i in range(3):
        wa, wb = a[2 * i] | a[2 * i + 1] << 8, b[2 * i] | b[2 * i + 1] << 8
        if wa != wb:
            want["%s: eeprom_data[%d]" % (group, i)] = ("0x%04x" % wa, "0x%04x" % wb, "changed")
    ral = [x[0] | x[1] << 8 | x[2] << 16 | x[3] << 24 for x in (a, b)]
    rah = [x[4] | x[5] << 8 | 1 << 31 for x in (a, b)]
    for path in ("mac_reg[0][%d]", "e1000/full_mac_state.mac_reg[%d]"):
        base = 0 if path.startswith("mac_reg[0]") else 0x5400 // 4
        for k, (va, vb) in enumerate((ral, rah)):
            if va != vb:
                want["%s: %s" % (group, path % (base + k))] = (
                    "0x%08x" % va, "0x%08x" % vb, "changed")
    return want, sum(b[2 * i] | b[2 * i + 1] << 8 for i in range(3)) - sum(
        a[2 * i] | a[2 * i + 1] << 8 for i in range(3))


def check_mac(s, out, t, cprdump):
    rc, doc = run_diff(cprdump, out, "--ignore-volatile")
    group = "0000:00:02.0/e1000#0"
    want, delta = e1000_expected(group)
    got = changes(doc)
    ck = got.pop("%s: eeprom_data[63]" % group, None)
    ck_ok = ck is not None and (int(ck[0], 16) - int(ck[1], 16) - delta) % 0x10000 == 0
    ok = rc == 1 and got == want and ck_ok
    yield ok, ("%s: MACs %s and %s: exactly the EEPROM MAC words, their checksum and "
               "RAL0/RAH0 differ (%d fields)" % (s["name"], MAC_A, MAC_B, len(want) + 1)) + (
                   "" if ok else " (rc %s, got %s, checksum %s)" % (rc, show(got), ck)), None


def blocks(t):
    return {b["name"]: b["used"] for b in t["ramblocks"]}


def ramblock_changes(ta, tb):
    """What `info ramblock` on both sides says the ram group must show."""
    a, b = blocks(ta), blocks(tb)
    want = {}
    for n in a.keys() | b.keys():
        if n not in b:
            want["ram: block[%s]" % n] = ("block", None, "removed")
        elif n not in a:
            want["ram: block[%s]" % n] = (None, "block", "added")
        elif a[n] != b[n]:
            want["ram: block[%s].used-length" % n] = (str(a[n]), str(b[n]), "changed")
    if sum(a.values()) != sum(b.values()):
        want["ram: mem-size"] = (str(sum(a.values())), str(sum(b.values())), "changed")
    if len(a) != len(b):
        want["ram: block-count"] = (str(len(a)), str(len(b)), "changed")
    return want


def check_rom(s, out, t, cprdump):
    rc, doc = run_diff(cprdump, out, "--ignore-volatile", "--ignore=ram: *pages*")
    ta, tb = t["sides"]
    want = ramblock_changes(ta, tb)
    got = changes(doc)
    rom = "0000:00:02.0/e1000.rom"
    sizes = (blocks(ta).get(rom), blocks(tb).get(rom))
    ok = (rc == 1 and got == want and sizes == tuple(ROM_SIZES[k] for k in sorted(ROM_SIZES)))
    yield ok, ("%s: option ROMs of %d and %d bytes: exactly the RAM block %s used-length and "
               "mem-size differ, as info ramblock says" % (s["name"], sizes[0] or 0,
                                                           sizes[1] or 0, rom)) + (
                   "" if ok else " (rc %s, got %s, want %s)" % (rc, show(got), show(want))), None


def vmdesc_devices(path):
    return {(d["name"], d.get("instance_id", 0)): d for d in vmdesc(path)["devices"]}


def check_versions(s, out, t, cprdump):
    """QEMU 7.2 and 11.1, both pc-i440fx-7.2: sections, versions and subsections
    as the two vmdescs list them; RAM blocks as info ramblock lists them."""
    rc, doc = run_diff(cprdump, out, "--ignore-volatile")
    got = changes(doc)
    da = vmdesc_devices(os.path.join(out, "a", "main.bin"))
    db = vmdesc_devices(os.path.join(out, "b", "main.bin"))
    want_groups, want_versions, want_subs = {}, {}, {}
    for k in da.keys() | db.keys():
        g = "%s#%d" % k
        if k not in db or k not in da:
            want_groups[g] = "removed" if k in da else "added"
            continue
        if da[k].get("version") != db[k].get("version"):
            want_versions[g + ": version"] = (str(da[k]["version"]), str(db[k]["version"]))
        sa = {x["vmsd_name"] for x in da[k].get("subsections", [])}
        sb = {x["vmsd_name"] for x in db[k].get("subsections", [])}
        for n in sa ^ sb:
            want_subs["%s: %s" % (g, n)] = "removed" if n in sa else "added"
    got_groups = {c["group"]: c["kind"] for c in doc["changes"] if c["path"] == ""
                  and c["group"] not in ("ram", "configuration", "stream")}
    got_versions = {k: v[:2] for k, v in got.items() if v[2] == "version"
                    and k.endswith(": version")}
    got_subs = {k: v[2] for k, v in got.items() if v[2] in ("added", "removed")
                and k.split(": ", 1)[1] in {x["vmsd_name"] for d in (da, db)
                                            for dev in d.values()
                                            for x in dev.get("subsections", [])}}
    rb = {k: v for k, v in got.items() if k.startswith("ram: ") and "pages" not in k}
    want_rb = ramblock_changes(*t["sides"])
    ok = (rc == 1 and got_groups == want_groups and got_versions == want_versions
          and got_subs == want_subs and rb == want_rb)
    yield ok, ("%s: QEMU 7.2 and 11.1 at pc-i440fx-7.2: sections only on one side %s, "
               "versions %s, subsections on one side %s (from the vmdescs), RAM blocks %s "
               "(from info ramblock)" % (s["name"], show(want_groups), show(want_versions),
                                         show(want_subs), show(want_rb))) + (
                   "" if ok else " (rc %s, got sections %s, versions %s, subsections %s, "
                   "ram %s)" % (rc, show(got_groups), show(got_versions), show(got_subs),
                                show(rb))), None
    # top-level fields one side lists and the other does not, per common section
    want_fields, got_fields = {}, {}
    for k in da.keys() & db.keys():
        g = "%s#%d" % k
        fa = {f["name"] for f in da[k].get("fields", [])}
        fb = {f["name"] for f in db[k].get("fields", [])}
        for n in fa ^ fb:
            want_fields["%s: %s" % (g, n)] = "removed" if n in fa else "added"
        for c in doc["changes"]:
            if c["group"] == g and c["path"] in fa | fb and c["kind"] in ("added", "removed"):
                got_fields[c["full-path"]] = c["kind"]
    ok = got_fields == want_fields and want_fields
    yield ok, "%s: fields on one side only, as the vmdescs list them: %s" % (
        s["name"], show(want_fields)) + ("" if ok else " (got %s)" % show(got_fields)), None
    stream = {k: v for k, v in got.items() if k.startswith(("configuration", "stream"))}
    ok = stream == {}
    yield ok, "%s: same configuration (machine type, capabilities, page size) and framing" % (
        s["name"]) + ("" if ok else " (got %s)" % show(stream)), None


ARM_CPREG_RE = re.compile(r'\{ (\d+), (\d+), (\d+), (\d+), (\d+), "(\w+)" \}')


def cpreg_table():
    """The register names of formats/arm_cpreg.c: AArch64 by encoding, AArch32
    cp15 by (opc1, CRn, CRm, opc2)."""
    with open(os.path.join(REPO, "formats", "arm_cpreg.c")) as f:
        rows = ARM_CPREG_RE.findall(f.read())
    aa64 = {int(a) << 14 | int(b) << 11 | int(c) << 7 | int(d) << 3 | int(e): n
            for a, b, c, d, e, n in rows if int(a) != 15}
    cp15 = {(int(b), int(c), int(d), int(e)): n for a, b, c, d, e, n in rows if int(a) == 15}
    return aa64, cp15


def cpreg_name(i, table):
    """The register naming of doc/diff.md, from the KVM register id."""
    aa64, cp15 = table
    if i >> 56 == 0x60 and (i >> 16) & 0xfff == 0x13:
        e = i & 0xffff
        return aa64.get(e) or "S%d_%d_C%d_C%d_%d" % (e >> 14, (e >> 11) & 7, (e >> 7) & 15,
                                                     (e >> 3) & 15, e & 7)
    ns = " (ns)" if i & (1 << 29) else ""
    cp = (i >> 16) & 0xfff
    if (i >> 52) & 0xf == 3:
        return "p%d,%d,c%d%s" % (cp, (i >> 3) & 15, (i >> 7) & 15, ns)
    key = ((i >> 3) & 15, (i >> 11) & 15, (i >> 7) & 15, i & 7)
    if cp == 15 and key in cp15:
        return cp15[key] + ns
    return "p%d,%d,c%d,c%d,%d%s" % (cp, (i >> 3) & 15, (i >> 11) & 15, (i >> 7) & 15, i & 7, ns)


def cpregs(path):
    """The cpu section's (id -> value) list: its body found from the stream's last
    FULL "cpu" instance-0 header, the arrays' offsets from the vmdesc field sizes."""
    with open(path, "rb") as f:
        data = f.read()
    dev = vmdesc_devices(path)[("cpu", 0)]
    i = data.rfind(b"\x03cpu\x00\x00\x00\x00")
    assert data[i - 5] == 0x04
    off = i + 8 + 4
    arrays = {}
    for fld in dev["fields"]:
        n = fld.get("array_len", 1)
        if fld["name"] in ("cpreg_vmstate_indexes", "cpreg_vmstate_values"):
            arrays[fld["name"]] = [int.from_bytes(data[off + 8 * k:off + 8 * k + 8], "big")
                                   for k in range(n)]
        off += fld["size"] * n
    return dict(zip(arrays["cpreg_vmstate_indexes"], arrays["cpreg_vmstate_values"]))


def check_cpregs(s, out, t, cprdump):
    rc, doc = run_diff(cprdump, out)
    a = cpregs(os.path.join(out, "a", "main.bin"))
    b = cpregs(os.path.join(out, "b", "main.bin"))
    table = cpreg_table()
    want = {}
    for i in a.keys() | b.keys():
        path = "cpu#0: cpreg %s" % cpreg_name(i, table)
        va = "0x%016x" % a[i] if i in a else None
        vb = "0x%016x" % b[i] if i in b else None
        if va != vb:
            want[path] = (va, vb, "changed" if va and vb else "added" if vb else "removed")
    got = {k: v for k, v in changes(doc, "cpu#0").items() if ": cpreg " in k}
    # QEMU 9.0+: the generic timer runs at 1 GHz for -cpu max, while older CPU
    # types such as cortex-a57 keep 62.5 MHz (docs/system/arm/virt.rst)
    cntfrq = "cpu#0: cpreg CNTFRQ_EL0"
    ok = (rc == 1 and got == want and len(want) > 0 and
          got.get(cntfrq) == ("0x%016x" % 62500000, "0x%016x" % 1000000000, "changed"))
    yield ok, ("%s: cortex-a57 and max: CNTFRQ_EL0 62.5 MHz and 1 GHz; the cpreg list by register "
               "name, %d added, %d removed, %d changed, as the cpu section's arrays hold them"
               % (s["name"], sum(v[2] == "added" for v in want.values()),
                  sum(v[2] == "removed" for v in want.values()),
                  sum(v[2] == "changed" for v in want.values()))) + (
                      "" if ok else " (rc %s, %s; missing %s, extra %s)" % (
                          rc, got.get(cntfrq), show({k: v for k, v in want.items() if got.get(k) != v}),
                          show({k: v for k, v in got.items() if want.get(k) != v}))), None


def check_cpr(s, out, t, cprdump):
    """Two CPR states of one VM, B with an extra VGA: the records only in B are the
    cpr_save_fd trace's extra records; every other difference is an fd number
    (each as the traces say) or the record count."""
    rc, doc = run_diff(cprdump, out, name="state.bin")
    ta, tb = t["sides"]
    ra = {(r["name"], r["id"]): r["fd"] for r in ta["trace_cpr_save_fd"]}
    rb = {(r["name"], r["id"]): r["fd"] for r in tb["trace_cpr_save_fd"]}
    want = {}
    for k in ra.keys() | rb.keys():
        key = "fds: %s#%d" % k
        if k not in ra:
            want[key] = (None, "record", "added")
        elif k not in rb:
            want[key] = ("record", None, "removed")
        elif ra[k] != rb[k]:
            want[key + ".fd"] = (str(ra[k]), str(rb[k]), "changed")
    if len(ra) != len(rb):
        want["cpr-state: fd-count"] = (str(len(ra)), str(len(rb)), "changed")
    got = changes(doc)
    added = sorted(k for k, v in want.items() if v[2] == "added")
    ok = rc == 1 and got == want and added and all("vga" in k for k in added)
    yield ok, ("%s: CPR states without and with -device VGA: records only in B %s, fd "
               "numbers as the cpr_save_fd traces say" % (s["name"], added)) + (
                   "" if ok else " (rc %s, got %s, want %s)" % (rc, show(got), show(want))), None


# the virtio spec's device status bits, by the names QEMU 7.2's
# x-query-virtio-status gives them (VIRTIO_CONFIG_S_NAME), and cprdump's
STATUS_BITS = [("ACKNOWLEDGE", 1, "ACKNOWLEDGE"), ("DRIVER", 2, "DRIVER"),
               ("DRIVER_OK", 4, "DRIVER_OK"), ("FEATURES_OK", 8, "FEATURES_OK"),
               ("NEEDS_RESET", 64, "DEVICE_NEEDS_RESET"), ("FAILED", 128, "FAILED")]


def status_text(statuses):
    names = {x.replace("VIRTIO_CONFIG_S_", "") for x in statuses}
    bits = [(v, mine) for q, v, mine in STATUS_BITS if q in names]
    assert len(bits) == len(names), "a status QEMU names that the spec does not: %s" % names
    return "0x%02x (%s)" % (sum(v for v, _ in bits), "|".join(m for _, m in bits) or "reset")


def check_virtio(s, out, t, cprdump):
    """virtio-blk legacy-only against modern-only on QEMU 7.2: the feature bits
    SeaBIOS negotiated, as QEMU's x-query-virtio-status names them, added and
    removed by name, and the device status as QEMU reports it."""
    rc, doc = run_diff(cprdump, out, "--ignore-volatile")
    vs = [list(side.get("virtio", {}).values()) for side in t["sides"]]
    if [len(v) for v in vs] != [1, 1]:
        yield False, "%s: QEMU reports %s virtio devices" % (s["name"], vs), None
        return
    fa, fb = (set(v[0]["guest-features"]) for v in vs)
    group = "0000:00:02.0/virtio-blk#0"
    want = {"%s: virtio.feature %s" % (group, n): ("on" if n in fa else None,
                                                  "on" if n in fb else None,
                                                  "removed" if n in fa else "added")
            for n in fa ^ fb}
    sa, sb = (status_text(v[0]["statuses"]) for v in vs)
    if sa != sb:
        want["%s: virtio.status" % group] = (sa, sb, "changed")
    got = {k: v for k, v in changes(doc, group).items()
           if ": virtio.feature " in k or k.endswith(": virtio.status")}
    ok = rc == 1 and got == want and bool(fa ^ fb) and all(
        v[0]["unknown-dev-features"] == 0 for v in vs)
    yield ok, ("%s: legacy and modern virtio-blk: the negotiated features QEMU 7.2 names "
               "(x-query-virtio-status) added %s and removed %s, by name; status %s, %s" % (
                   s["name"], sorted(fb - fa), sorted(fa - fb), sa, sb)) + (
                       "" if ok else " (rc %s, got %s, want %s)" % (rc, show(got), show(want))), None
    # every negotiated feature by QEMU's name, not only those that differ
    for side, names in zip("ab", (fa, fb)):
        r = subprocess.run([cprdump, "--json", "--device=*virtio-blk*",
                            os.path.join(out, side, "main.bin")], capture_output=True, timeout=60)
        try:
            secs = [x for x in json.loads(r.stdout)["stream"]["sections"]
                    if x.get("decoded", {}).get("virtio")]
            mine = set(secs[0]["decoded"]["virtio"]["guest-feature-names"])
        except (ValueError, KeyError, IndexError):
            mine = None
        ok = mine == names
        yield ok, "%s: side %s: cprdump names the negotiated features as QEMU does: %s" % (
            s["name"], side, sorted(names)) + ("" if ok else " (cprdump: %s)" % (
                sorted(mine) if mine is not None else r.stderr[:200])), None


CHECKS = {"virtio": check_virtio, "idle": check_idle, "mac": check_mac, "rom": check_rom, "versions": check_versions,
          "cpregs": check_cpregs, "cpr": check_cpr}


def check_pair(s, out, t, cprdump):
    if t.get("harness_error"):
        return [(False, "%s: harness error: %s" % (s["name"], t["harness_error"]), None)]
    return list(CHECKS[s["check"]](s, out, t, cprdump))
