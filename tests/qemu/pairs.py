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
       src_machine=None, dst_machine=None, machine="pc-i440fx-7.2"):
    """src, dst: "7.2" or "11.1"; fails: a regex that QEMU's load error must match
    (None: the load must succeed); names: what QEMU's error names (a section idstr
    or RAM block), which cprdump must name too; poke: HMP commands run in the source
    before saving."""
    return {"name": "pair-" + name, "src": src, "dst": dst, "fails": fails,
            "names": list(names), "src_args": list(src_args), "dst_args": list(dst_args),
            "poke": list(poke or ()), "src_machine": src_machine or machine,
            "dst_machine": dst_machine or machine}


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
       names=["configuration"]),
    pr("ramsize-72-to-111", "7.2", "11.1", src_args=["-m", "160"], dst_args=["-m", "128"],
       fails=r"Length mismatch: pc\.ram", names=["pc.ram"]),
    pr("ramblock-72-to-111", "7.2", "11.1", src_args=["-device", "VGA"],
       fails=r'Unknown ramblock "0000:00:02\.0/vga\.vram"', names=["0000:00:02.0/vga.vram"]),
    pr("device-72-to-111", "7.2", "11.1", src_args=["-device", "i6300esb"],
       fails=r"Unknown savevm section or instance '0000:00:02\.0/i6300esb_wdt' 0",
       names=["0000:00:02.0/i6300esb_wdt"]),
    pr("renamed-72-to-111", "7.2", "11.1", src_args=["-device", "isa-vga"],
       dst_args=["-device", "isa-vga"],
       fails=r"Unknown savevm section or instance 'vga' 0", names=["vga"]),
    pr("subsection-111-to-72", "11.1", "7.2", poke=["o /b 0x20 0x19"],
       fails=r"i8259|pic", names=["i8259"]),
]


def env_for(version):
    """A clean environment: QEMU 7.2 must not see QEMU_MODULE_DIR (it would load
    11.1's modules); 11.1's launcher sets its own."""
    return {"PATH": "/usr/bin:/bin"}


def argv_for(version, machine, args, extra):
    if version == "7.2":
        pre = [os.environ.get("QEMU72_BIN", "/usr/bin/qemu-system-x86_64")]
    else:
        # the launcher, in a private mount namespace where the host's module
        # directory (Debian 12's 7.2 modules) is hidden
        pre = ["unshare", "-m", "sh", "-c",
               'mount --bind "$1" /usr/lib/x86_64-linux-gnu/qemu && shift && exec "$@"',
               "sh", EMPTY_DIR, os.environ["QEMU11_LAUNCHER"]]
    mem = [] if "-m" in args else ["-m", "128"]
    return (pre + ["-nodefaults", "-display", "none", "-S", "-machine", machine]
            + mem + list(args) + list(extra))


EMPTY_DIR = "/tmp/cprdump-empty-moddir"


def save(procs, version, machine, args, out, name, poke=()):
    sock = os.path.join(out, "qmp-%s.sock" % name)
    p = procs.start(argv_for(version, machine, args, ["-qmp", "unix:%s,server=on,wait=off" % sock]),
                    os.path.join(out, "%s.log" % name), env_for(version))
    q = QMP(sock, STEP, p)
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
    """Load path into a new QEMU; returns (ok, error line)."""
    sock = os.path.join(out, "qmp-load.sock")
    log = os.path.join(out, "load.log")
    p = procs.start(argv_for(version, machine, args,
                             ["-qmp", "unix:%s,server=on,wait=off" % sock,
                              "-incoming", "exec:cat %s" % path]), log, env_for(version))
    try:
        q = QMP(sock, STEP, p)
        deadline = time.monotonic() + STEP
        while time.monotonic() < deadline:
            st = q.cmd("query-status")["status"]
            if st != "inmigrate":
                q.cmd("quit")
                break
            time.sleep(0.05)
    except (QMPError, OSError):
        pass
    try:
        rc = p.wait(STEP)
    except subprocess.TimeoutExpired:
        rc = None
    text = scenarios.read_text(log)
    errors = [l for l in text.splitlines() if "warning" not in l and
              "module" not in l and l.strip()]
    ok = rc == 0 and not any("load of migration failed" in l for l in errors)
    return ok, errors


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


if __name__ == "__main__":
    import sys
    root = sys.argv[1]
    for pair in PAIRS:
        if len(sys.argv) > 2 and pair["name"] not in sys.argv[2:]:
            continue
        out, t = run_pair(pair, root)
        print(pair["name"], t.get("loaded"), t["seconds"], t["harness_error"],
              t.get("errors"))
