"""Real-QEMU preflight runs (issue #16, preflight-facts §2): for every class of guest
RAM, write a pattern into each RW block through a qtest chardev, run the preflight
(/proc alone, and with --qmp), perform the real cpr-exec, read the patterns back in the
new QEMU, and compare: the preflight's verdict must be what happened. The new QEMU
waits with -incoming defer, so that `cprdump --pid --stream` (the post-hoc join with
the process's mappings) runs on it before migrate-incoming."""
import base64
import json
import os
import shutil
import subprocess
import sys
import time

from qmp import QMP, QMPError, parse_ramblocks, wait_for_path, wait_migration
from scdef import sc

TOOLS = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(TOOLS))
sys.path.insert(0, os.path.join(REPO, "scripts"))
import importlib.util  # noqa: E402
_spec = importlib.util.spec_from_file_location(
    "proc_snapshot", os.path.join(REPO, "scripts", "proc-snapshot.py"))
proc_snapshot = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(proc_snapshot)

STEP = 30
MIB = 1 << 20
PAT = 4096
ROMS = ["pc.bios", "pc.rom", "/rom@etc/acpi/tables", "/rom@etc/table-loader",
        "/rom@etc/acpi/rsdp"]
# aarch64 virt: its two pflash banks (writable by the guest's flash commands) and
# the ACPI blobs
ROMS_VIRT = ["virt.flash0", "virt.flash1", "/rom@etc/acpi/tables",
             "/rom@etc/table-loader", "/rom@etc/acpi/rsdp"]
KEPT = ("preserved-by-fd", "preserved-by-path")


def memfd(id_, size="128M", share="on", extra=""):
    return ["-object", "memory-backend-memfd,id=%s,size=%s,share=%s%s" % (id_, size, share,
                                                                          extra)]


def pf(name, machine, args, expect, patterns, run=0, rom_verdict=None, unnamed_ok=0,
       state_only=(), digest_differs=(), target="x86_64"):
    """expect: block -> verdict (ROMs: rom_verdict, from aux-ram-share); patterns:
    (block, guest address or a callable of the QMP connection); unnamed_ok: blocks
    /proc alone cannot name (anonymous ROMs without aux-ram-share); state_only:
    unused backends (fd recorded, no idstr); digest_differs: preserved blocks whose contents QEMU itself changes across the
    update (measured: see check_digests)."""
    aux = "aux-ram-share=on" in machine
    roms = ROMS_VIRT if target == "aarch64" else ROMS
    exp = dict({r: rom_verdict or ("preserved-by-fd" if aux else "not-preserved-rebuilt")
                for r in roms}, **expect)
    s = sc("preflight-" + name, "preflight", "11.1", machine, args, target=target,
           page_size=4096)
    s["roms"] = roms
    s.update({"expect": exp, "patterns": list(patterns), "run": run,
              "unnamed_ok": unnamed_ok, "state_only": list(state_only),
              "digest_differs": list(digest_differs)})
    return s


def vga_bar0(q):
    """BAR0 of the VGA + 1 MiB, once SeaBIOS has assigned it (the guest runs
    until then: under load that takes longer than the fixed run time)."""
    deadline = time.monotonic() + STEP
    while True:
        for bus in q.cmd("query-pci"):
            for d in bus["devices"]:
                if d["class_info"]["class"] == 0x0300:
                    addr = d["regions"][0]["address"]
                    if 0 < addr < (1 << 32) - (16 << 20):
                        q.cmd("stop")
                        return addr + MIB
        if time.monotonic() > deadline:
            raise QMPError("the VGA BAR0 was never assigned")
        q.cmd("cont")
        time.sleep(0.2)


def dimm_addr(q):
    return q.cmd("query-memory-devices")[0]["data"]["addr"] + 16 * MIB


Q35A = "q35,aux-ram-share=on"
SHM = "/dev/shm/cprdump-pf"
SCENARIOS = [
    pf("a-anon", Q35A, ["-m", "128"], {"pc.ram": "lost"},
       [("pc.ram", 16 * MIB), ("pc.ram", 100 * MIB)]),
    pf("b-memfd", Q35A + ",memory-backend=ram0", ["-m", "128"] + memfd("ram0"),
       {"ram0": "preserved-by-fd"}, [("ram0", 16 * MIB)]),
    pf("b2-memfd-private", Q35A + ",memory-backend=ram0",
       ["-m", "128"] + memfd("ram0", share="off"), {"ram0": "lost"}, [("ram0", 16 * MIB)]),
    pf("b3-memfd-canonical", Q35A + ",memory-backend=ram0",
       ["-m", "128"] + memfd("ram0", extra=",x-use-canonical-path-for-ramblock-id=on"),
       {"/objects/ram0": "preserved-by-fd"}, [("/objects/ram0", 16 * MIB)]),
    pf("c1-ram-shared", Q35A + ",memory-backend=ram0",
       ["-m", "128", "-object", "memory-backend-ram,id=ram0,size=128M,share=on"],
       {"ram0": "preserved-by-fd"}, [("ram0", 16 * MIB)]),
    pf("c2-ram-private", Q35A + ",memory-backend=ram0",
       ["-m", "128", "-object", "memory-backend-ram,id=ram0,size=128M,share=off"],
       {"ram0": "lost"}, [("ram0", 16 * MIB)]),
    pf("d-file-shared", Q35A + ",memory-backend=ram0",
       ["-m", "128", "-object",
        "memory-backend-file,id=ram0,size=128M,mem-path=%s-d,share=on" % SHM],
       {"ram0": "preserved-by-path"}, [("ram0", 16 * MIB)]),
    pf("d2-file-private", Q35A + ",memory-backend=ram0",
       ["-m", "128", "-object",
        "memory-backend-file,id=ram0,size=128M,mem-path=%s-d2,share=off" % SHM],
       {"ram0": "lost"}, [("ram0", 16 * MIB)]),
    pf("d3-shm", Q35A + ",memory-backend=ram0",
       ["-m", "128", "-object", "memory-backend-shm,id=ram0,size=128M,share=on"],
       {"ram0": "preserved-by-fd"}, [("ram0", 16 * MIB)]),
    pf("e-pc-vga-e1000", "pc,aux-ram-share=on",
       ["-m", "128", "-device", "VGA", "-device", "e1000"],
       {"pc.ram": "lost", "0000:00:02.0/vga.vram": "preserved-by-fd",
        "0000:00:02.0/vga.rom": "preserved-by-fd",
        "0000:00:03.0/e1000.rom": "preserved-by-fd"},
       [("pc.ram", 16 * MIB), ("0000:00:02.0/vga.vram", vga_bar0)], run=1.5),
    pf("e2-pc-vga-memfd", "pc,aux-ram-share=on,memory-backend=ram0",
       ["-m", "128", "-device", "VGA", "-device", "e1000"] + memfd("ram0"),
       {"ram0": "preserved-by-fd", "0000:00:02.0/vga.vram": "preserved-by-fd",
        "0000:00:02.0/vga.rom": "preserved-by-fd",
        "0000:00:03.0/e1000.rom": "preserved-by-fd"},
       [("ram0", 16 * MIB), ("0000:00:02.0/vga.vram", vga_bar0)], run=1.5,
       digest_differs=["ram0"]),
    pf("f-noaux", "q35", ["-m", "128"], {"pc.ram": "lost"}, [("pc.ram", 16 * MIB)],
       unnamed_ok=5),
    pf("f2-noaux-memfd", "q35,memory-backend=ram0", ["-m", "128"] + memfd("ram0"),
       {"ram0": "preserved-by-fd"}, [("ram0", 16 * MIB)], unnamed_ok=5),
    pf("g-numa-dimm", Q35A,
       ["-m", "256,slots=2,maxmem=1G"] + memfd("m0") + memfd("m1") +
       ["-numa", "node,nodeid=0,memdev=m0", "-numa", "node,nodeid=1,memdev=m1",
        "-object", "memory-backend-ram,id=m2,size=128M,share=off",
        "-device", "pc-dimm,id=dimm0,memdev=m2"],
       {"m0": "preserved-by-fd", "m1": "preserved-by-fd", "m2": "lost"},
       [("m0", 16 * MIB), ("m1", 144 * MIB), ("m2", dimm_addr)]),
    pf("h-unused-backends", Q35A,
       ["-m", "128", "-object", "memory-backend-ram,id=unused,size=16M,share=on"]
       + memfd("unused2", size="16M"),
       {"pc.ram": "lost", "unused": "preserved-by-fd", "unused2": "preserved-by-fd"},
       [("pc.ram", 16 * MIB)], state_only=["unused", "unused2"]),
    pf("i-mem-path", Q35A, ["-m", "128", "-mem-path", SHM + "-i"], {"pc.ram": "lost"},
       [("pc.ram", 16 * MIB)]),
    # aarch64 virt (TCG): guest RAM starts at 1 GiB; a memfd backend is kept, the
    # board's own RAM is anonymous and lost
    pf("aarch64-memfd", "virt,aux-ram-share=on,memory-backend=ram0",
       ["-cpu", "cortex-a57", "-m", "128"] + memfd("ram0"), {"ram0": "preserved-by-fd"},
       [("ram0", (1 << 30) + 16 * MIB)], target="aarch64"),
    pf("aarch64-anon", "virt,aux-ram-share=on", ["-cpu", "cortex-a57", "-m", "128"],
       {"mach-virt.ram": "lost"}, [("mach-virt.ram", (1 << 30) + 16 * MIB)],
       target="aarch64"),
]


class QTest:
    """The qtest protocol over QEMU's -qtest unix socket (server)."""

    def __init__(self, path, proc):
        import socket
        wait_for_path(path, STEP, proc)
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(STEP)
        self.s.connect(path)
        self.buf = b""

    def cmd(self, line):
        self.s.sendall(line.encode() + b"\n")
        while b"\n" not in self.buf:
            data = self.s.recv(65536)
            if not data:
                raise QMPError("qtest connection closed")
            self.buf += data
        reply, self.buf = self.buf.split(b"\n", 1)
        reply = reply.decode()
        if not reply.startswith("OK"):
            raise QMPError("qtest %s: %s" % (line.split()[0], reply))
        return reply[3:]

    def write(self, addr, data):
        self.cmd("b64write 0x%x 0x%x %s" % (addr, len(data), base64.b64encode(data).decode()))

    def read(self, addr, n):
        return base64.b64decode(self.cmd("b64read 0x%x 0x%x" % (addr, n)))


def pattern(i):
    return bytes(((i * 37 + k) % 251) + 1 for k in range(PAT))


def argv(s, out, which, prefix, accel):
    return (prefix + ["-nodefaults", "-display", "none", "-S", "-accel", accel,
                      "-machine", s["machine"]] + s["args"] +
            ["-qmp", "unix:%s/qmp-%s.sock,server=on,wait=off" % (out, which),
             "-qmp", "unix:%s/qmp-pf-%s.sock,server=on,wait=off" % (out, which),
             "-qtest", "unix:%s/qtest-%s.sock,server=on,wait=off" % (out, which),
             "-trace", "cpr_*", "-D", "%s/trace-%s.log" % (out, which)])


def fd_positions(pid):
    """{fd: (link, pos)} of the fds cprdump could move: memfds and regular files
    (the RAM it maps or digests), not QEMU's sockets, whose accepted QMP
    connections come and go with cprdump --qmp, nor its -D trace log."""
    pos = {}
    for fd in os.listdir("/proc/%d/fdinfo" % pid):
        try:
            link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
            with open("/proc/%d/fdinfo/%s" % (pid, fd)) as f:
                p = [l.split()[1] for l in f if l.startswith("pos:")][0]
        except (OSError, IndexError):
            continue
        if link.startswith("/memfd:") or (link.startswith("/") and
                                          not link.endswith(".log") and
                                          not link.startswith("/dev/")):
            pos[fd] = (link, p)
    return pos


def moved(before, after):
    """The fds held across both looks whose offset changed."""
    return sorted("%s %s: %s -> %s" % (fd, before[fd][0], before[fd][1], after[fd][1])
                  for fd in set(before) & set(after) if before[fd] != after[fd])


def proc_state(pid):
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()[0]


def cprdump(*args, timeout=STEP, user=None):
    cmd = [os.environ["CPRDUMP_BIN"], *args]
    if user:
        cmd = ["setpriv", "--reuid=%d" % user, "--regid=%d" % user, "--clear-groups"] + cmd
    t0 = time.monotonic()
    try:
        r = subprocess.run(cmd, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"rc": None, "doc": None, "stderr": "timeout", "secs": timeout}
    try:
        doc = json.loads(r.stdout) if b"--json" in b" ".join(a.encode() for a in args) else None
    except ValueError:
        doc = None
    return {"rc": r.returncode, "doc": doc, "stderr": r.stderr.decode(errors="replace"),
            "secs": time.monotonic() - t0,
            "stdout": r.stdout.decode(errors="replace") if doc is None else None}


def resolve(q, addr):
    return addr(q) if callable(addr) else addr


def run(s, out, procs, truth, prefix, env, accel):
    for p in (SHM + "-d", SHM + "-d2"):
        if os.path.exists(p):
            os.unlink(p)
    if "-mem-path" in s["args"]:
        os.makedirs(SHM + "-i", exist_ok=True)
    argv_old = argv(s, out, "old", prefix, accel)
    argv_new = [os.path.join(TOOLS, "wrap.sh")] + argv(s, out, "new", prefix, accel) + [
        "-incoming", "defer"]
    p = procs.start(argv_old, os.path.join(out, "stderr.log"), env)
    q = QMP(os.path.join(out, "qmp-old.sock"), STEP, p)
    qt = QTest(os.path.join(out, "qtest-old.sock"), p)
    truth["ramblocks"] = parse_ramblocks(q.hmp("info ramblock"))
    truth["ramblock_text"] = q.hmp("info ramblock")
    if s["run"]:
        q.cmd("cont")
        time.sleep(s["run"])
        q.cmd("stop")
    pats = []
    for i, (block, addr) in enumerate(s["patterns"]):
        a = resolve(q, addr)
        qt.write(a, pattern(i))
        pats.append({"block": block, "addr": a, "written": qt.read(a, PAT) == pattern(i)})
    params = q.cmd("query-migrate-parameters")
    pos, state = fd_positions(p.pid), proc_state(p.pid)
    truth["preflight"] = cprdump("--pid", str(p.pid), "--json", "--check")
    truth["preflight_qmp"] = cprdump("--pid", str(p.pid), "--json", "--check", "--qmp",
                                     os.path.join(out, "qmp-pf-old.sock"))
    truth["preflight_human"] = cprdump("--pid", str(p.pid))
    truth["digest_old"] = cprdump("--pid", str(p.pid), "--json", "--digest")
    if s["name"] == "preflight-a-anon":
        # the harness holds qmp-old.sock: a busy monitor, no greeting
        truth["busy_qmp"] = cprdump("--pid", str(p.pid), "--json", "--qmp",
                                    os.path.join(out, "qmp-old.sock"))
        truth["as_nobody"] = cprdump("--pid", str(p.pid), "--json", user=65534)
        run_with_user(out, procs, truth, prefix, env)
    proc_snapshot.snapshot(p.pid, os.path.join(out, "snapshot"),
                           os.path.join(out, "qmp-pf-old.sock"))
    truth["untouched"] = {"params": q.cmd("query-migrate-parameters") == params,
                          "moved": moved(pos, fd_positions(p.pid)), "fds": len(pos),
                          "state": [state, proc_state(p.pid)]}
    q.cmd("migrate-set-parameters", mode="cpr-exec", **{"cpr-exec-command": argv_new})
    q.cmd("migrate", uri="file:%s/main.bin" % out)
    new_sock = os.path.join(out, "qmp-new.sock")
    deadline = time.monotonic() + STEP
    while not os.path.exists(new_sock):
        if p.poll() is not None or time.monotonic() > deadline:
            raise QMPError("no new QEMU (rc %s)" % p.poll())
        time.sleep(0.05)
    q2 = QMP(new_sock, STEP, p)
    truth["live_join"] = cprdump("--pid", str(p.pid), "--json", "--stream",
                                 os.path.join(out, "main.bin"), "--save",
                                 os.path.join(out, "pid-capture.zst"), "--force")
    q2.cmd("migrate-incoming", uri="file:%s/main.bin" % out)
    truth["incoming"] = wait_migration(q2, STEP)["status"]
    qt2 = QTest(os.path.join(out, "qtest-new.sock"), p)
    for i, pt in enumerate(pats):
        pt["survived"] = qt2.read(pt["addr"], PAT) == pattern(i)
    truth["patterns"] = pats
    truth["preflight_new"] = cprdump("--pid", str(p.pid), "--json", "--digest", "--qmp",
                                     os.path.join(out, "qmp-pf-new.sock"))
    kept = [(i, pt) for i, pt in enumerate(pats) if pt["survived"]]
    if kept:
        i, pt = kept[0]
        qt2.write(pt["addr"], pattern(i + 100))
        truth["digest_changed"] = {"block": pt["block"], "res": cprdump(
            "--pid", str(p.pid), "--json", "--digest", "--qmp",
            os.path.join(out, "qmp-pf-new.sock"))}
    q2.cmd("quit")


def uid_of(pid):
    with open("/proc/%d/status" % pid) as f:
        return [l.split()[1:] for l in f if l.startswith("Uid:")][0]


def run_with_user(out, procs, truth, prefix, env):
    """A QEMU started with -run-with user=nobody drops its privileges and makes
    itself non-dumpable: its /proc files belong to root, so only root may read
    them, not even its own uid."""
    argv = prefix + ["-nodefaults", "-display", "none", "-S", "-accel", "tcg",
                     "-machine", "q35,aux-ram-share=on,memory-backend=ram0", "-m", "128",
                     "-object", "memory-backend-memfd,id=ram0,size=128M,share=on",
                     "-run-with", "user=nobody"]
    p = procs.start(argv, os.path.join(out, "stderr-runwith.log"), env)
    deadline = time.monotonic() + STEP
    while p.poll() is None and time.monotonic() < deadline:
        try:
            if uid_of(p.pid)[0] == "65534":
                with open("/proc/%d/smaps" % p.pid) as f:
                    if " dc" in f.read():
                        break
        except OSError:
            pass
        time.sleep(0.05)
    truth["run_with"] = {"uid": uid_of(p.pid) if p.poll() is None else None,
                         "root": cprdump("--pid", str(p.pid), "--json"),
                         "nobody": cprdump("--pid", str(p.pid), "--json", user=65534)}
    p.kill()
    p.wait()


def cleanup():
    for p in (SHM + "-d", SHM + "-d2"):
        if os.path.exists(p):
            os.unlink(p)
    shutil.rmtree(SHM + "-i", ignore_errors=True)


# ---- checks -----------------------------------------------------------------------------

def blocks_of(res):
    return (((res or {}).get("doc") or {}).get("preflight") or {}).get("blocks") or []


def by_name(blocks):
    return {b["name"]: b for b in blocks if b["name"] is not None}


def schema_errors(docs):
    try:
        import jsonschema
    except ImportError:
        return ["python3-jsonschema missing"]
    with open(os.path.join(REPO, "formats", "cprdump.schema.json")) as f:
        schema = json.load(f)
    errs = []
    for d in docs:
        try:
            jsonschema.validate(d, schema)
        except jsonschema.ValidationError as e:
            errs.append(e.message[:120])
    return errs


def check_verdicts(s, t, key, named_all):
    res = t.get(key) or {}
    blocks = blocks_of(res)
    got = by_name(blocks)
    exp = s["expect"]
    wrong = {n: (got.get(n) or {}).get("verdict") for n in exp
             if (got.get(n) or {}).get("verdict") != exp[n]
             and not (n in s["roms"] and n not in got and not named_all)}
    unnamed = [b for b in blocks if b["name"] is None]
    # an unnamed block's verdict must still be right: anonymous => lost
    unnamed_bad = [b["hva"] for b in unnamed if b["verdict"] != "lost"
                   or b["access"] != "unknown"]
    # /proc alone cannot tell an unnamed anonymous ROM from device RAM: --check fails
    want_rc = 1 if any(v == "lost" for v in exp.values()) or unnamed else 0
    hvas = sorted(b["hva"] for b in blocks)
    qemu_hvas = sorted(int(l.split()[-2], 16) for l in t["ramblock_text"].splitlines()[1:]
                       if l.strip())
    state_only = sorted(b["name"] for b in blocks if not b["in-stream"])
    ok = (res.get("rc") == want_rc and not wrong and not unnamed_bad
          and len(unnamed) == (0 if named_all else s["unnamed_ok"]) and hvas == qemu_hvas
          and state_only == sorted(s["state_only"]))
    desc = ("%s: preflight%s gives %d blocks at info ramblock's HVAs, %s, %d unnamed, "
            "state-only %s, --check exit %d" % (
                s["name"], " --qmp" if named_all else " (/proc only)", len(qemu_hvas),
                ", ".join("%s %s" % kv for kv in sorted(exp.items()) if kv[0] not in s["roms"]),
                0 if named_all else s["unnamed_ok"], s["state_only"] or "none", want_rc))
    return ok, desc if ok else "%s (got rc %s, wrong %s, unnamed %d bad %s, hvas %s, "\
        "state-only %s, %s)" % (desc, res.get("rc"), wrong, len(unnamed), unnamed_bad,
                                hvas == qemu_hvas, state_only, res.get("stderr", "")[:200])


def check_same_by_hva(s, t):
    # an unnamed block (/proc alone) is "lost"; QMP may show it is a ROM (rebuilt)
    a = {b["hva"]: b["verdict"] if b["name"] else "lost"
         for b in blocks_of(t.get("preflight"))}
    b = {x["hva"]: x["verdict"] if x["hva"] not in unnamed_hvas(t) else JOIN_OF[x["verdict"]]
         for x in blocks_of(t.get("preflight_qmp"))}
    names = sorted(x["name"] for x in blocks_of(t.get("preflight_qmp")))
    # info ramblock shows unused backends without a name (7 columns): --qmp names them
    rows = [l.split() for l in t["ramblock_text"].splitlines()[1:] if l.strip()]
    qemu_named = sorted([r[0] for r in rows if len(r) == 8] + s["state_only"])
    ok = a == b and a and names == qemu_named and len(rows) == len(names)
    return ok, ("%s: with --qmp every block is named (%d, = info ramblock + unused "
                "backends) and has the verdict /proc alone gave (an unnamed one: lost or "
                "rebuilt)" % (s["name"], len(names))) + \
        ("" if ok else " (got %s vs %s, names %s vs %s)" % (a, b, names, qemu_named)), None


def unnamed_hvas(t):
    return {b["hva"] for b in blocks_of(t.get("preflight")) if b["name"] is None}


def check_patterns(s, t):
    got = by_name(blocks_of(t.get("preflight_qmp")))
    pats = t.get("patterns") or []
    bad = [(p["block"], p["survived"], (got.get(p["block"]) or {}).get("verdict"))
           for p in pats if not p["written"]
           or p["survived"] != ((got.get(p["block"]) or {}).get("verdict") in KEPT)]
    ok = pats and not bad and t.get("incoming") == "completed"
    desc = "%s: real cpr-exec completed; patterns read back: %s; each as the preflight said" % (
        s["name"], ", ".join("%s %s" % (p["block"], "survived" if p["survived"] else "zeroed")
                             for p in pats))
    return ok, desc if ok else "%s (mismatch %s, incoming %s)" % (desc, bad, t.get("incoming")), None


def join_rows(res):
    return (((res or {}).get("doc") or {}).get("ram-join") or {}).get("blocks") or []


JOIN_OF = {"preserved-by-fd": "preserved-by-fd", "preserved-by-path": "preserved-by-path",
           "lost": "lost", "not-preserved-rebuilt": "lost"}


def check_live_join(s, t):
    pf = by_name(blocks_of(t.get("preflight_qmp")))
    rows = join_rows(t.get("live_join"))
    bad = [(r["idstr"], r["verdict"], (pf.get(r["idstr"]) or {}).get("verdict")) for r in rows
           if JOIN_OF.get((pf.get(r["idstr"]) or {}).get("verdict")) != r["verdict"]]
    ok = rows and not bad and t["live_join"]["rc"] == 0
    return ok, ("%s: cprdump --pid --stream on the new QEMU (its mappings): each of %d "
                "blocks' verdict equals the preflight's" % (s["name"], len(rows))) + (
        "" if ok else " (got %s, rc %s: %s)" % (bad, t["live_join"]["rc"],
                                                  t["live_join"]["stderr"][:200])), None


def check_wrapper_join(s, t, out, cprdump_bin):
    """--fd --stream in the cpr-exec-command wrapper (the new QEMU's command line,
    from the wrapper), and the captures of it and of --pid, joined again offline."""
    pf = by_name(blocks_of(t.get("preflight_qmp")))
    res = []
    try:
        with open(os.path.join(out, "fd-join.json")) as f:
            fdj = {"doc": json.load(f), "rc": int(open(os.path.join(out, "fd-join.rc")).read())}
    except (OSError, ValueError):
        fdj = {"doc": None, "rc": None}
    runs = [("--fd --stream in the wrapper (its command line)", fdj, "command-line")]
    for cap, facts in (("fd-capture.zst", "command-line"), ("pid-capture.zst", "mappings")):
        r = subprocess.run([cprdump_bin, "--json", os.path.join(out, cap),
                            os.path.join(out, "main.bin")], capture_output=True, timeout=60)
        runs.append(("capture %s + main.bin" % cap, {"doc": json.loads(r.stdout)
                                                     if r.stdout else None,
                                                     "rc": r.returncode}, facts))
    for what, res_, facts in runs:
        rows = join_rows(res_)
        got_facts = (((res_.get("doc") or {}).get("ram-join")) or {}).get("facts")
        bad = [(x["idstr"], x["verdict"]) for x in rows
               if JOIN_OF.get((pf.get(x["idstr"]) or {}).get("verdict")) != x["verdict"]
               and x["idstr"] not in unnamed_rom_rows(s, facts)]
        ok = rows and not bad and res_["rc"] == 0 and got_facts == facts
        res.append((ok, "%s: %s: every verdict equals the preflight's (facts: %s)" % (
            s["name"], what, facts) + ("" if ok else " (got %s, rc %s, facts %s)" % (
                bad, res_["rc"], got_facts)), None))
    return res


def unnamed_rom_rows(s, facts):
    """A ROM without aux-ram-share is rebuilt: the join says lost, which is right."""
    return []


def backend_ids(s):
    """The ids of the scenario's -object memory-backend-* (and their canonical
    /objects/ path, which x-use-canonical-path-for-ramblock-id makes the idstr)."""
    ids = [a.split("id=", 1)[1].split(",", 1)[0] for a in s["args"]
           if a.startswith("memory-backend-") and "id=" in a]
    return set(ids) | {"/objects/" + i for i in ids}


def bytes_join_want(s, row, pf_verdict):
    """What the join of state.bin and main.bin alone must say, from what really
    happened (the preflight's verdict, proven by the patterns): a recorded memory
    backend is fd-recorded (share=off is recorded too, and lost: b2), a file kept by
    its path is lost (the bytes cannot tell); nothing is called preserved that is
    not."""
    if row.get("fd") is not None and row["idstr"] in backend_ids(s):
        return "fd-recorded"
    if pf_verdict == "preserved-by-path":
        return "lost"
    return JOIN_OF.get(pf_verdict)


def check_bytes_join(s, t, out, cprdump_bin):
    r = subprocess.run([cprdump_bin, "--json", os.path.join(out, "state.bin"),
                        os.path.join(out, "main.bin")], capture_output=True, timeout=60)
    doc = json.loads(r.stdout) if r.stdout else {}
    pf = by_name(blocks_of(t.get("preflight_qmp")))
    rows = ((doc.get("ram-join") or {}).get("blocks")) or []
    got = {x["idstr"]: x["verdict"] for x in rows}
    want = {x["idstr"]: bytes_join_want(s, x, (pf.get(x["idstr"]) or {}).get("verdict"))
            for x in rows}
    false_kept = sorted(x for x, v in got.items()
                        if v == "preserved-by-fd" and
                        (pf.get(x) or {}).get("verdict") != "preserved-by-fd")
    ok = rows and got == want and not false_kept
    hedged = sorted(x for x, v in want.items() if v != JOIN_OF.get(
        (pf.get(x) or {}).get("verdict")))
    return ok, ("%s: join of state.bin and main.bin alone: no block called preserved "
                "that is not; it differs from the preflight only where the bytes cannot "
                "tell: %s" % (s["name"], hedged or "nowhere")) + (
        "" if ok else " (got %s, want %s)" % (got, want)), None


def check_untouched(s, t):
    u = t.get("untouched") or {}
    ok = u.get("params") and u.get("moved") == [] and "fds" in u and \
        not set(u.get("state") or ["t"]) & {"t", "T"}
    return ok, ("%s: the preflights changed nothing: migration parameters and the offsets "
                "of its %s memfd and file fds equal, never stopped" % (
                    s["name"], u.get("fds"))) + ("" if ok else " (got %s)" % u), None


def check_new(s, t):
    old = {n: b["verdict"] for n, b in by_name(blocks_of(t.get("preflight_qmp"))).items()}
    new = {n: b["verdict"] for n, b in by_name(blocks_of(t.get("preflight_new"))).items()}
    ok = old == new and t["preflight_new"]["rc"] == 0
    return ok, ("%s: the preflight of the new QEMU gives the same verdicts" % s["name"]) + (
        "" if ok else " (got %s vs %s)" % (new, old)), None


def check_digests(s, t):
    """--digest on the old QEMU and on the new one: every preserved block hashes the
    same; after one more write into a kept block, that block's digest differs.
    Measured exception: on a pc machine whose guest ran SeaBIOS (e2), one 4 KiB page of
    the memfd guest RAM, GPA 0xe9000 in the BIOS shadow area, differs after the update
    (the rest of ram0, and every ROM, is identical): QEMU itself rewrites it."""
    old = {b["hva"]: b for b in blocks_of(t.get("digest_old"))}
    new = by_name(blocks_of(t.get("preflight_new")))
    qold = by_name(blocks_of(t.get("preflight_qmp")))
    pairs = [(n, old[b["hva"]]["digest"], new.get(n, {}).get("digest"))
             for n, b in qold.items() if b["verdict"] in KEPT and b["fd"] is not None]
    bad = [p for p in pairs if not p[1] or (p[1] != p[2]) != (p[0] in s["digest_differs"])]
    lost_read = [n for n, b in qold.items() if b["verdict"] not in KEPT
                 and old[b["hva"]]["digest"] is not None]
    ch = t.get("digest_changed")
    changed_ok = True
    if ch:
        after = by_name(blocks_of(ch["res"]))
        changed_ok = all((after[n]["digest"] != new[n]["digest"]) == (n == ch["block"])
                         for n, _, _ in pairs)
    ok = not bad and not lost_read and changed_ok and t["digest_old"]["rc"] == 0
    desc = ("%s: --digest of the %d preserved blocks equal before and after the update%s%s; "
            "lost blocks not read" % (
                s["name"], len(pairs),
                " but %s (QEMU rewrites it)" % s["digest_differs"] if s["digest_differs"] else "",
                "; a write into %s changes its digest only" % ch["block"] if ch else ""))
    return ok, desc + ("" if ok else " (differ %s, read %s, changed ok %s)" % (
        bad, lost_read, changed_ok)), None


def check_special(s, t):
    out = []
    if "busy_qmp" in t:
        b = t["busy_qmp"]
        ok = b["rc"] == 3 and "no greeting" in b["stderr"] and b["secs"] < 10
        out.append((ok, "%s: --qmp on the monitor the harness holds: exit 3, 'no greeting', "
                        "in %.1f s" % (s["name"], b["secs"] or 0), None))
    if "as_nobody" in t:
        b = t["as_nobody"]
        err = ((b.get("doc") or {}).get("error") or {})
        ok = b["rc"] == 7 and "ptrace read access" in b["stderr"] and \
            err.get("code") == "permission"
        out.append((ok, "%s: as uid 65534: exit 7, permission error naming ptrace read "
                        "access" % s["name"] + ("" if ok else " (got %s %s)" % (
                            b["rc"], b["stderr"][:200])), None))
    if "run_with" in t:
        r = t["run_with"]
        ram0 = by_name(blocks_of(r["root"])).get("ram0") or {}
        err = ((r["nobody"].get("doc") or {}).get("error") or {})
        ok = (r["uid"] and r["uid"][0] == "65534" and r["root"]["rc"] == 0
              and ram0.get("verdict") == "preserved-by-fd" and r["nobody"]["rc"] == 7
              and "-run-with user=" in r["nobody"]["stderr"]
              and err.get("code") == "permission")
        out.append((ok, "%s: a QEMU with -run-with user=nobody (uid %s): root gets the "
                        "preflight (ram0 preserved-by-fd), uid 65534 itself exit 7 with the "
                        "reason" % (s["name"], (r["uid"] or ["?"])[0]) + (
                            "" if ok else " (got root rc %s %s, nobody rc %s: %s)" % (
                                r["root"]["rc"], ram0.get("verdict"), r["nobody"]["rc"],
                                r["nobody"]["stderr"][:200])), None))
    return out


def check_run(s, out, t, cprdump_bin):
    if t.get("harness_error"):
        return [(False, "%s: %s" % (s["name"], t["harness_error"]), None)]
    docs = [t[k]["doc"] for k in ("preflight", "preflight_qmp", "live_join", "preflight_new")
            if (t.get(k) or {}).get("doc")]
    errs = schema_errors(docs)
    res = [(not errs and len(docs) == 4, "%s: %d JSON documents validate against the schema"
            % (s["name"], len(docs)) + ("" if not errs else " (%s)" % errs), None)]
    res.append(check_verdicts(s, t, "preflight", False) + (None,))
    res.append(check_verdicts(s, t, "preflight_qmp", True) + (None,))
    res.append(check_same_by_hva(s, t))
    res.append(check_patterns(s, t))
    res.append(check_live_join(s, t))
    res.append(check_bytes_join(s, t, out, cprdump_bin))
    res.extend(check_wrapper_join(s, t, out, cprdump_bin))
    res.append(check_untouched(s, t))
    res.append(check_new(s, t))
    res.append(check_digests(s, t))
    res.extend(check_special(s, t))
    return res


# ---- fixtures -------------------------------------------------------------------------

def export_fixture(run_dir, dest):
    """tests/fixtures/proc/<cfg>/: the run's /proc snapshot (with qmp.json) and
    truth.json: what really happened to each block (the QMP-named verdicts, proved by
    the patterns read back), for the offline unit tests."""
    with open(os.path.join(run_dir, "truth.json")) as f:
        t = json.load(f)
    if os.path.isdir(dest):
        shutil.rmtree(dest)
    shutil.copytree(os.path.join(run_dir, "snapshot"), dest)
    proc = blocks_of(t["preflight"])
    qmp = blocks_of(t["preflight_qmp"])
    truth = {"producer": "QEMU 11.1.3, tests/qemu/preflight.py " + os.path.basename(run_dir),
             "blocks": [{"name": b["name"], "hva": b["hva"], "verdict": b["verdict"],
                         "proc-name": p["name"], "proc-verdict": p["verdict"]}
                        for b, p in zip(qmp, proc)],
             "patterns": [{"block": p["block"], "survived": p["survived"]}
                          for p in t["patterns"]],
             "incoming": t["incoming"]}
    with open(os.path.join(dest, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    # preflight.py --export RUNROOT DESTROOT: every preflight run -> fixtures
    if sys.argv[1:2] == ["--export"]:
        for s in SCENARIOS:
            export_fixture(os.path.join(sys.argv[2], s["name"]),
                           os.path.join(sys.argv[3], s["name"][len("preflight-"):]))
