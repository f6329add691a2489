"""Cross-version pairs for `cprdump --against`: one QEMU writes a stream, another
loads it, and cprdump's prediction (from the destination's -dump-vmstate, its own
reference stream and its binary) must equal what the load did.

Each pair leaves in OUT/pair-NAME/: src.bin (the stream), dst-ref.bin (a stream the
destination's own command line saved, paused with -S), dst-dump.json (the
destination binary's -dump-vmstate for its machine type), load.log (the loading
QEMU's stderr) and truth.json (outcome and QEMU's error line)."""
import json
import os
import re
import shutil
import subprocess
import time

from qmp import QMP, QMPError, Procs, wait_migration
import scenarios

STEP = 20  # seconds for one save or load


def pr(name, src, dst, fails=None, names=(), src_args=(), dst_args=(), poke=None,
       src_machine=None, dst_machine=None, machine="pc-i440fx-7.2", dump_alone=False):
    """src, dst: "7.2" or "11.1"; fails: a regex that QEMU's load error must match
    (None: the load must succeed); names: what QEMU's error names (a section idstr
    or RAM block), which cprdump must name too; poke: HMP commands run in the source
    before saving; dump_alone: the destination's dump alone must show the failure."""
    return {"name": "pair-" + name, "src": src, "dst": dst, "fails": fails,
            "names": list(names), "src_args": list(src_args), "dst_args": list(dst_args),
            "poke": list(poke or ()), "src_machine": src_machine or machine,
            "dst_machine": dst_machine or machine, "dump_alone": dump_alone}


NET = ["-netdev", "user,id=n0", "-device", "e1000,netdev=n0,romfile="]
DEVS = ["-device", "VGA", "-device", "virtio-rng-pci", "-device", "i6300esb"]
Q35 = "pc-q35-7.2"

PAIRS = [
    pr("72-to-111-pc", "7.2", "11.1"),
    pr("111-to-72-pc", "11.1", "7.2"),
    pr("72-to-111-q35", "7.2", "11.1", machine=Q35),
    pr("111-to-72-q35", "11.1", "7.2", machine=Q35),
    pr("72-to-111-devices", "7.2", "11.1", src_args=DEVS + NET, dst_args=DEVS + NET),
    pr("111-to-72-devices", "11.1", "7.2", src_args=DEVS + NET, dst_args=DEVS + NET),
    pr("111-to-111-q35-111", "11.1", "11.1", machine="pc-q35-11.1"),
    pr("72-to-72-pc", "7.2", "7.2", src_args=["-device", "VGA"], dst_args=["-device", "VGA"]),
    # failing on purpose
    pr("machine-111-to-72", "11.1", "7.2", src_machine="pc-i440fx-11.1",
       fails=r"Machine type received is 'pc-i440fx-11\.1' and local is 'pc-i440fx-7\.2'",
       names=["pc-i440fx-11.1"], dump_alone=True),
    pr("ramsize-72-to-111", "7.2", "11.1", src_args=["-m", "160"], dst_args=["-m", "128"],
       fails=r"Size mismatch: pc\.ram: 0xa000000 != 0x8000000", names=["pc.ram"]),
    pr("ramblock-72-to-111", "7.2", "11.1", src_args=["-device", "VGA"],
       fails=r'Unknown ramblock "0000:00:02\.0/vga\.vram"', names=["0000:00:02.0/vga.vram"]),
    pr("device-72-to-111", "7.2", "11.1", src_args=["-device", "i6300esb"],
       fails=r"Unknown section or instance '0000:00:02\.0/i6300esb_wdt' 0",
       names=["0000:00:02.0/i6300esb_wdt"]),
    pr("renamed-72-to-111", "7.2", "11.1", src_args=["-device", "isa-vga"],
       dst_args=["-device", "isa-vga"],
       fails=r"Unknown section or instance 'vga' 0", names=["vga"]),
    # ICW1 with LTIM set: 11.1 then sends i8259/ltim, which 7.2 does not know
    pr("subsection-111-to-72", "11.1", "7.2", poke=["o /b 0x20 0x19"],
       fails=r"error while loading state for instance 0x0 of device 'i8259'",
       names=["i8259"], dump_alone=True),
    # QEMU 10.0 (bookworm-backports)
    pr("72-to-100-pc", "7.2", "10.0", src_args=DEVS + NET, dst_args=DEVS + NET),
    pr("100-to-72-q35", "10.0", "7.2", machine=Q35),
    pr("100-to-111-q35-100", "10.0", "11.1", machine="pc-q35-10.0"),
    pr("111-to-100-pc", "11.1", "10.0"),
    pr("subsection-111-to-100", "11.1", "10.0", poke=["o /b 0x20 0x19"]),
    pr("machine-111-to-100", "11.1", "10.0", src_machine="pc-q35-11.1",
       dst_machine="pc-q35-10.0",
       fails=r"Machine type received is 'pc-q35-11\.1' and local is 'pc-q35-10\.0'",
       names=["pc-q35-11.1"], dump_alone=True),
    # 10.0 still calls the ISA VGA section "vga": it loads (11.1 does not)
    pr("isavga-72-to-100", "7.2", "10.0", src_args=["-device", "isa-vga"],
       dst_args=["-device", "isa-vga"]),
]


def env_for(version):
    """A clean environment: QEMU 7.2 must not see QEMU_MODULE_DIR (it would load
    11.1's modules); 11.1's launcher sets its own."""
    return {"PATH": "/usr/bin:/bin"}


def argv_for(version, machine, args, extra):
    if version == "7.2":
        pre = [binary_for(version)]
    else:
        # the launcher, in a private mount namespace where the host's module
        # directory (Debian 12's 7.2 modules) is hidden
        pre = ["unshare", "-m", "sh", "-c",
               'mount --bind "$1" /usr/lib/x86_64-linux-gnu/qemu && shift && exec "$@"',
               "sh", EMPTY_DIR, binary_for(version)]
    mem = [] if "-m" in args else ["-m", "128"]
    return (pre + ["-nodefaults", "-display", "none", "-S", "-machine", machine]
            + mem + list(args) + list(extra))


EMPTY_DIR = "/tmp/cprdump-empty-moddir"


def connect(sock, p):
    """QMP on sock; QEMU binds the socket before it listens, so a connect can
    be refused for a moment."""
    deadline = time.monotonic() + STEP
    while True:
        try:
            return QMP(sock, STEP, p)
        except ConnectionRefusedError:
            if time.monotonic() > deadline or p.poll() is not None:
                raise
            time.sleep(0.02)


def save(procs, version, machine, args, out, name, poke=()):
    sock = os.path.join(out, "qmp-%s.sock" % name)
    p = procs.start(argv_for(version, machine, args, ["-qmp", "unix:%s,server=on,wait=off" % sock]),
                    os.path.join(out, "%s.log" % name), env_for(version))
    q = connect(sock, p)
    for cmd in poke:
        q.hmp(cmd)
    path = os.path.join(out, name + ".bin")
    q.cmd("migrate", uri="exec:cat > %s" % path)
    info = wait_migration(q, STEP)
    q.cmd("quit")
    p.wait(STEP)
    if info.get("status") != "completed":
        raise QMPError("saving %s: %s" % (name, info.get("error-desc", info.get("status"))))
    return path


def load(procs, version, machine, args, out, path):
    """Load path into a new QEMU; returns (ok, error lines). A load still
    "inmigrate" after STEP s (seen once with 10.0, not reproduced) is retried
    once, and the retry is logged in load.log."""
    ok, errors, timed_out = load_once(procs, version, machine, args, out, path)
    if timed_out:
        procs.kill_all()
        with open(os.path.join(out, "load.log"), "a") as f:
            f.write("pairs.py: load still inmigrate after %d s, retried\n" % STEP)
        ok, errors, timed_out = load_once(procs, version, machine, args, out, path)
    return ok, errors


def load_once(procs, version, machine, args, out, path):
    sock = os.path.join(out, "qmp-load.sock")
    log = os.path.join(out, "load.log")
    timed_out = False
    if os.path.exists(sock):
        os.unlink(sock)
    p = procs.start(argv_for(version, machine, args,
                             ["-qmp", "unix:%s,server=on,wait=off" % sock,
                              "-incoming", "exec:cat %s" % path]), log, env_for(version))
    try:
        q = connect(sock, p)
        deadline = time.monotonic() + STEP
        timed_out = True
        while time.monotonic() < deadline:
            st = q.cmd("query-status")["status"]
            if st != "inmigrate":
                timed_out = False
                q.cmd("quit")
                break
            time.sleep(0.05)
    except (QMPError, OSError):
        pass
    if timed_out:
        p.kill()
    try:
        rc = p.wait(STEP)
    except subprocess.TimeoutExpired:
        rc = None
    text = scenarios.read_text(log)
    errors = [l for l in text.splitlines() if "warning" not in l and
              "module" not in l and not l.startswith("pairs.py:") and l.strip()]
    ok = rc == 0 and not timed_out and not any("load of migration failed" in l
                                               for l in errors)
    return ok, errors, timed_out


def dump(version, machine, out):
    path = os.path.join(out, "dst-dump.json")
    argv = argv_for(version, machine, [], ["-dump-vmstate", path])
    argv.remove("-S")
    subprocess.run(argv, env=env_for(version), capture_output=True, timeout=STEP)
    return path


def run_pair(pair, outroot):
    """Returns (out, truth)."""
    out = os.path.join(outroot, pair["name"])
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    os.makedirs(EMPTY_DIR, exist_ok=True)
    truth, procs = {"pair": pair, "harness_error": None}, Procs()
    t0 = time.monotonic()
    try:
        src = save(procs, pair["src"], pair["src_machine"], pair["src_args"], out, "src",
                   pair["poke"])
        save(procs, pair["dst"], pair["dst_machine"], pair["dst_args"], out, "dst-ref")
        dump(pair["dst"], pair["dst_machine"], out)
        ok, errors = load(procs, pair["dst"], pair["dst_machine"], pair["dst_args"], out, src)
        truth.update(loaded=ok, errors=errors)
    except Exception as e:
        truth["harness_error"] = "%s: %s" % (type(e).__name__, e)
    finally:
        procs.kill_all()
    truth["seconds"] = round(time.monotonic() - t0, 2)
    with open(os.path.join(out, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1)
    return out, truth


def binary_for(version):
    """What --against runs: 7.2 is the host's own; 10.0 and 11.1 launchers
    (scripts/provision-qemu10.sh, scripts/provision-qemu.sh)."""
    if version == "7.2":
        return os.environ.get("QEMU72_BIN", "/usr/bin/qemu-system-x86_64")
    return os.environ["QEMU10_LAUNCHER" if version == "10.0" else "QEMU11_LAUNCHER"]


def against(cprdump, out, *dests):
    """cprdump --json --against=D... src.bin: (exit code, "against" object or None)."""
    r = subprocess.run([cprdump, "--json"] + ["--against=" + d for d in dests] +
                       [os.path.join(out, "src.bin")], capture_output=True, timeout=60)
    try:
        doc = json.loads(r.stdout)
    except ValueError:
        doc = {}
    with open(os.path.join(out, "against-%d.json" % len(os.listdir(out))), "wb") as f:
        f.write(r.stdout + r.stderr)
    return r.returncode, doc.get("against")


def check_pair(pair, out, t, cprdump):
    """Yields (ok, description, directive)."""
    n = pair["name"]
    want_fail = pair["fails"] is not None
    if t["harness_error"]:
        yield False, "%s: harness: %s" % (n, t["harness_error"]), None
        return
    first = next(iter(t["errors"]), "")
    qemu_ok = (not t["loaded"]) == want_fail and (
        not want_fail or any(re.search(pair["fails"], e) for e in t["errors"]))
    yield qemu_ok, "%s: QEMU %s %s: %s" % (n, pair["dst"], "refuses" if want_fail
                                           else "loads", first or "loaded"), None
    dump, ref = os.path.join(out, "dst-dump.json"), os.path.join(out, "dst-ref.bin")
    binary = binary_for(pair["dst"])
    for label, dests in (("dump+reference", (dump, ref)), ("binary+reference", (binary, ref))):
        rc, a = against(cprdump, out, *dests)
        verdict = a and a["verdict"]
        want = "will-fail" if not t["loaded"] else "loads"
        yield (rc == (1 if want == "will-fail" else 0) and verdict == want,
               "%s: --against %s predicts %s (QEMU: %s), exit %s" % (
                   n, label, verdict, want, rc), None)
        if want_fail and a:
            said = [a["subject"] or "", a["qemu-line"] or "", a["reason"] or ""]
            yield (all(any(x in y for y in said) and any(x in e for e in t["errors"])
                       for x in pair["names"]),
                   "%s: --against %s names %s as QEMU does: %s (%s)" % (
                       n, label, pair["names"], a["subject"], a["qemu-line"]), None)
    if pair["dump_alone"]:
        rc, a = against(cprdump, out, dump)
        said = " ".join(a and [a["subject"] or "", a["qemu-line"] or ""] or [])
        yield (rc == 1 and all(x in said for x in pair["names"]),
               "%s: the dump alone shows it: exit %s, %s" % (
                   n, rc, a and a["subject"]), None)


if __name__ == "__main__":
    import sys
    root = sys.argv[1]
    for pair in PAIRS:
        if len(sys.argv) > 2 and pair["name"] not in sys.argv[2:]:
            continue
        out, t = run_pair(pair, root)
        print(pair["name"], t.get("loaded"), t["seconds"], t["harness_error"],
              t.get("errors"))
