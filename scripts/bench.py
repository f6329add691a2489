#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`make bench`: cprdump's stream decoding speed and memory, as ratios.

Generates large QEMU migration streams with gen-stream (cached in BENCH_DIR,
default /var/tmp/cprdump-bench, keyed by the generator's source), checks that
cprdump decodes them to the generator's block list and page counts and that a
small one has the structure of the real QEMU 11.1 template, then times
cprdump's default summary against `cat FILE >/dev/null` (warm page cache,
interleaved runs, median) and reports peak RSS (/usr/bin/time -f %M). Prints its figures; it
is a benchmark, not a test: goals missed do not fail it.
[6] times --extract-ram into BENCH_DIR (the same file system) against `cp` of
the stream. BENCH_ONLY=extract runs only [1] (the streams it needs) and [6].

[6] times `--json --device=all` (every device section field by field)
against the summary walk of the same stream, on the largest real streams and
on a generated stream of 5,000 device sections, and, when QEMU's
scripts/analyze-migration.py is at $ANALYZE_MIGRATION (never part of this
repository), runs it side by side on the same files.
"""
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time

ONLY = os.environ.get("BENCH_ONLY", "")
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BUILD = os.environ.get("BUILD", os.path.join(ROOT, "build"))
CPRDUMP = os.path.join(BUILD, "cprdump")
GEN = os.path.join(BUILD, "gen-stream")
DIR = os.environ.get("BENCH_DIR", "/var/tmp/cprdump-bench")
TEMPLATE = os.environ.get("BENCH_TEMPLATE", os.path.join(
    ROOT, "..", "shared", "fixtures", "qemu", "11.1", "stream-q35-run",
    "main.bin"))
STATE = os.environ.get("BENCH_STATE", os.path.join(
    ROOT, "tests", "fixtures", "real", "exec-q35-memfd", "state.bin"))
LIBVIRT_SAVE = os.path.join(ROOT, "tests", "fixtures", "real", "libvirt-save-raw",
                            "save.sav.zst")
# BENCH_ONLY=libvirt: only [6] (the libvirt saves)
ONLY = os.environ.get("BENCH_ONLY", "")
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
AGAINST_DUMP = os.path.join(ROOT, "tests", "fixtures", "real", "against",
                            "dump-11.1-pc-i440fx-7.2.json.zst")
ONLY = os.environ.get("BENCH_ONLY")   # "against": only section [6]
GIB = 1 << 30
MIB = 1 << 20

results = []   # (figure, value, goal, met)


def log(msg):
    print(msg, flush=True)


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) * 1024
    return "%d cores, %s, %.1f GiB RAM, Linux %s" % (
        os.cpu_count(), model, mem / GIB, platform.release())


def run(argv):
    """Runs argv with stdout to /dev/null: (wall seconds, exit code)."""
    t0 = time.perf_counter()
    rc = subprocess.call(argv, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0, rc


def peak_rss(argv, check=True):
    """Peak RSS in KiB of argv alone, by /usr/bin/time -f %M (a parent forked
    from this Python would carry Python's own high-water mark into exec)."""
    out = os.path.join(DIR, "rss.txt")
    subprocess.run(["/usr/bin/time", "-f", "%M", "-o", out] + argv,
                   stdout=subprocess.DEVNULL, check=check)
    with open(out) as f:
        return int(f.read().split()[-1])


def timed(cmds, runs):
    """Interleaves the commands runs times: per command, (median s, the last
    command's peak RSS)."""
    times = [[] for _ in cmds]
    for _ in range(runs):
        for i, c in enumerate(cmds):
            t, rc = run(c)
            if rc != 0:
                sys.exit("bench: %s exited %d" % (" ".join(c), rc))
            times[i].append(t)
    return [statistics.median(t) for t in times], peak_rss(cmds[-1])


def decode(path):
    out = subprocess.run([CPRDUMP, "--json", path], capture_output=True,
                         check=True).stdout
    return json.loads(out)["stream"]


def template_offsets():
    s = decode(TEMPLATE)
    ram = [x for x in s["sections"] if x["idstr"] == "ram"]
    parts = [x for x in ram if x["type"] == "part"]
    return ram[0]["offset"], (parts[-1] if parts else ram[0])["end"]


def gen_key():
    h = hashlib.sha256()
    with open(os.path.join(ROOT, "scripts", "gen-stream.c"), "rb") as f:
        h.update(f.read())
    with open(TEMPLATE, "rb") as f:
        h.update(f.read())
    return h.hexdigest()[:12]


def generate(name, ram, every, mapped=False):
    """Writes BENCH_DIR/name unless a file from the same generator exists."""
    path = os.path.join(DIR, name)
    meta = path + ".expect.json"
    key = gen_key()
    if os.path.exists(path) and os.path.exists(meta):
        with open(meta) as f:
            m = json.load(f)
        if m.get("key") == key and os.path.getsize(path) == m["bytes"]:
            return path, m
    head, tail = template_offsets()
    argv = [GEN, "--template", TEMPLATE, "--head-end", str(head),
            "--tail-start", str(tail), "--ram", str(ram), "--data-every",
            str(every), "--out", path + ".tmp"] + (["--mapped"] if mapped else [])
    t0 = time.perf_counter()
    m = json.loads(subprocess.run(argv, capture_output=True, check=True).stdout)
    os.rename(path + ".tmp", path)
    m["key"] = key
    with open(meta, "w") as f:
        json.dump(m, f)
    log("  generated %-16s %8.1f MiB in %5.1f s" % (
        name, m["bytes"] / MIB, time.perf_counter() - t0))
    return path, m


def check_blocks(path, m):
    s = decode(path)
    got = [{"idstr": b["idstr"], "used-length": b["used-length"],
            "zero": b["pages"]["zero"], "normal": b["pages"]["normal"]}
           for b in s["ram"]["blocks"]]
    if got != m["blocks"]:
        sys.exit("bench: %s decodes to %s, expected %s" % (path, got,
                                                           m["blocks"]))
    return s


def structure(s):
    """Section list with consecutive ram PARTs folded, commands, vmdesc."""
    secs = []
    for x in s["sections"]:
        item = (x["type"], x["idstr"], x["instance-id"], x["version"],
                x["delimited-by"])
        if not (secs and item[0] == "part" and secs[-1] == item):
            secs.append(item)
    return {"sections": secs,
            "commands": [c["name"] for c in s["commands"]],
            "vmdesc": bool(s["vmdesc"] and s["vmdesc"]["present"]),
            "devices": s["vmdesc"] and s["vmdesc"]["device-count"],
            "configuration": s["configuration"], "footers": s["footers"]}


def goal(figure, value, text, met):
    results.append((figure, value, text, met))
    log("  %-44s %-22s goal %-14s %s" % (
        figure, value, text, "" if met is None else "met" if met else
        "NOT met"))


def bench_against():
    """--against: the largest real stream against a ~1 MB -dump-vmstate
    (QEMU 11.1's, decompressed) and a reference stream (the stream itself)."""
    log("\n[6] --against: largest real stream vs a 1 MB dump and a reference "
        "stream")
    dump = os.path.join(DIR, "dump-11.1.json")
    subprocess.run(["zstd", "-q", "-d", "-f", AGAINST_DUMP, "-o", dump],
                   check=True)
    argv = [CPRDUMP, "--against=" + dump, "--against=" + TEMPLATE, TEMPLATE]
    rc = subprocess.call(argv, stdout=subprocess.DEVNULL)
    if rc not in (0, 1, 10):
        sys.exit("bench: %s exited %d" % (" ".join(argv), rc))
    times = []
    for _ in range(max(RUNS, 11)):
        t0 = time.perf_counter()
        subprocess.call(argv, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    t = statistics.median(times)
    log("  stream %s (%.2f MiB), dump %.2f MiB: %.1f ms (median of %d), "
        "peak RSS %.1f MiB" % (
            os.path.relpath(TEMPLATE, ROOT), os.path.getsize(TEMPLATE) / MIB,
            os.path.getsize(dump) / MIB, t * 1e3, len(times),
            peak_rss(argv, check=False) / 1024))
    goal("--against stream + dump + reference wall", "%.1f ms" % (t * 1e3),
         "< 100 ms", t < 0.1)
PROC_FIXTURE = os.path.join(ROOT, "tests", "fixtures", "proc", "e2-pc-vga-memfd")


def proc_snapshot_16g(threads):
    """A /proc-like snapshot of a 16 GiB guest: the real e2 run (pc, VGA, e1000,
    memfd backend) with ram0 grown to 16 GiB and 'threads' more thread stacks
    (a mapping and its guard page each) in smaps."""
    d = os.path.join(DIR, "proc-16g-%d" % threads)
    os.makedirs(d, exist_ok=True)
    for name in ("cmdline", "comm", "fds"):
        with open(os.path.join(PROC_FIXTURE, name), "rb") as f:
            data = f.read()
        if name == "cmdline":
            data = data.replace(b"size=128M", b"size=16G").replace(b"-m\x00128",
                                                                  b"-m\x0016G")
        if name == "fds":
            data = data.replace(b"\t134217728\t", b"\t%d\t" % (16 * GIB))
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    out = []
    with open(os.path.join(PROC_FIXTURE, "smaps")) as f:
        lines = f.read().splitlines(True)
    for l in lines:
        if "/memfd:memory-backend-memfd" in l:
            start = int(l.split("-")[0], 16)
            l = "%x-%x%s" % (start, start + 16 * GIB, l[l.index(" "):])
        out.append(l)
    base = 0x500000000000
    for i in range(threads):
        a = base + i * 0x801000
        out.append("%x-%x ---p 00000000 00:00 0 \nVmFlags: mr mw me \n" % (a, a + 0x1000))
        out.append("%x-%x rw-p 00000000 00:00 0 \nVmFlags: rd wr mr mw me ac \n" % (
            a + 0x1000, a + 0x801000))
    with open(os.path.join(d, "smaps"), "w") as f:
        f.write("".join(out))
    return d


def qemu11_env():
    try:
        out = subprocess.run([os.path.join(ROOT, "scripts", "provision-qemu.sh"),
                              "--env"], capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired):
        return None
    env = {}
    for line in out.stdout.splitlines():
        k, _, v = line.partition("=")
        env[k] = v.strip("'")
    return env if out.returncode == 0 and "QEMU11_LAUNCHER" in env else None


def preflight_bench():
    log("\n[6] preflight of a 16 GiB guest (cprdump --proc-snapshot, --pid)")
    n = 51
    for threads, want in ((512, "<= 50 ms"), (20000, "(info)")):
        snap = proc_snapshot_16g(threads)
        doc = json.loads(subprocess.run([CPRDUMP, "--json", "--proc-snapshot", snap],
                                        capture_output=True, check=True).stdout)
        ram0 = [b for b in doc["preflight"]["blocks"] if b["name"] == "ram0"][0]
        if ram0["size"] != 16 * GIB or ram0["verdict"] != "preserved-by-fd":
            sys.exit("bench: the 16 GiB snapshot gives %s" % ram0)
        (tt, tp), rss = timed([["true"], [CPRDUMP, "--proc-snapshot", snap]], n)
        log("  generated snapshot, %d threads (%d mappings), ram0 16 GiB preserved-by-fd: "
            "median of %d runs %.2f ms (/bin/true %.2f ms), peak RSS %.1f MiB" % (
                threads, 2 * threads + 320, n, tp * 1e3, tt * 1e3, rss / 1024))
        goal("preflight, 16 GiB snapshot, %d threads" % threads, "%.2f ms" % (tp * 1e3),
             want, tp <= 0.050 if want != "(info)" else None)
    env = qemu11_env()
    if not env:
        log("  (no provisioned QEMU 11.1: the real 16 GiB QEMU is left out)")
        return
    sock = os.path.join(DIR, "pf-qmp.sock")
    argv = [env["QEMU11_LAUNCHER"], "-nodefaults", "-display", "none", "-S",
            "-accel", "tcg", "-machine", "q35,aux-ram-share=on,memory-backend=ram0",
            "-m", "16G", "-object", "memory-backend-memfd,id=ram0,size=16G,share=on",
            "-qmp", "unix:%s,server=on,wait=off" % sock]
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            if os.path.exists(sock):
                break
            time.sleep(0.05)
        time.sleep(0.3)
        (tp, tq), rss = timed([[CPRDUMP, "--pid", str(p.pid)],
                               [CPRDUMP, "--pid", str(p.pid), "--qmp", sock]], n)
        log("  real QEMU 11.1, -m 16G memfd backend (sparse), TCG: --pid %.2f ms, "
            "--pid --qmp %.2f ms (median of %d), peak RSS %.1f MiB" % (
                tp * 1e3, tq * 1e3, n, rss / 1024))
        goal("preflight, real 16 GiB QEMU, --pid wall", "%.2f ms" % (tp * 1e3),
             "<= 50 ms", tp <= 0.050)
        goal("preflight, real 16 GiB QEMU, --qmp wall", "%.2f ms" % (tq * 1e3),
             "(info)", None)
    finally:
        p.kill()
        p.wait()
        if os.path.exists(sock):
            os.unlink(sock)
def real_streams():
    """Real QEMU streams with a vmdesc: the largest and the one with the most
    described fields (virtio, e1000, VGA)."""
    q = os.path.join(ROOT, "..", "shared", "fixtures", "qemu")
    return [os.path.join(q, "11.1", "stream-q35-run", "main.bin"),
            os.path.join(q, "11.1", "exec-pc-devices", "main.bin"),
            os.path.join(q, "7.2", "pc-vga-run", "main.bin")]


def gen_devices(n):
    """BENCH_DIR/devices-N.bin: the template's header and configuration, then
    n FULL device sections cloned round-robin from the template's (each with
    its own section id and instance id, body and vmdesc entry copied), EOF
    and a vmdesc describing all of them."""
    import struct
    path = os.path.join(DIR, "devices-%d.bin" % n)
    key = gen_key()
    if os.path.exists(path) and os.path.exists(path + ".key") and \
            open(path + ".key").read() == key:
        return path
    with open(TEMPLATE, "rb") as f:
        data = f.read()
    s = decode(TEMPLATE)
    eof = s["eof-offset"]
    desc = json.loads(data[eof + 6:])
    devs = [x for x in s["sections"] if x["type"] == "full" and
            x["idstr"] != "ram"]
    first = s["sections"][0]["offset"]
    out = [data[:first]]
    entries = []
    for i in range(n):
        x = devs[i % len(devs)]
        idb = x["idstr"].encode()
        body_at = x["offset"] + 1 + 4 + 1 + len(idb) + 4 + 4
        body = data[body_at:body_at + x["body-size"]]
        sid, inst = 1000 + i, 1000 + i
        out.append(struct.pack(">BIB", 4, sid, len(idb)) + idb +
                   struct.pack(">II", inst, x["version"]) + body +
                   struct.pack(">BI", 0x7E, sid))
        e = dict(next(d for d in desc["devices"] if d["name"] == x["idstr"]
                      and d["instance_id"] == x["instance-id"]))
        e["instance_id"] = inst
        entries.append(e)
    desc["devices"] = entries
    js = json.dumps(desc, separators=(",", ":")).encode()
    out.append(b"\x00\x06" + struct.pack(">I", len(js)) + js)
    with open(path + ".tmp", "wb") as f:
        f.write(b"".join(out))
    os.rename(path + ".tmp", path)
    with open(path + ".key", "w") as f:
        f.write(key)
    return path


def check_devices(path):
    """Every device section decodes with every body byte described."""
    out = subprocess.run([CPRDUMP, "--json", "--device=all", path],
                         capture_output=True, check=True)
    secs = [x for x in json.loads(out.stdout)["stream"]["sections"]
            if "fields" in x]
    bad = [x["idstr"] for x in secs if x["fields"] is None or
           x["field-mismatches"] or x["fields-described"] != x["body-size"]]
    if bad or out.stderr:
        sys.exit("bench: %s: sections that do not decode: %s %s" % (
            path, bad[:5], out.stderr[:200]))
    return len(secs)


def bench_devices():
    log("\n[6] --json --device=all vs the summary walk (--json) of the same "
        "stream")
    ana = os.environ.get("ANALYZE_MIGRATION", "")
    files = [p for p in real_streams() if os.path.exists(p)]
    t0 = time.perf_counter()
    files.append(gen_devices(5000))
    log("  generated devices-5000.bin (%.1f MiB, 5000 device sections) in "
        "%.1f s" % (os.path.getsize(files[-1]) / MIB,
                    time.perf_counter() - t0))
    for path in files:
        name = os.path.relpath(path, os.path.join(ROOT, "..")) \
            if "shared" in path else os.path.basename(path)
        n = check_devices(path)
        cmds = [[CPRDUMP, "--json", path],
                [CPRDUMP, "--json", "--device=all", path]]
        if ana and os.path.exists(ana):
            cmds.append([sys.executable, ana, "-f", path])
        times, _ = timed(cmds, RUNS)
        rss_sum = peak_rss(cmds[0])
        rss_dev = peak_rss(cmds[1])
        log("  %s: %d device sections, all bytes described" % (name, n))
        log("    summary %.4f s (%.1f MiB), --device=all %.4f s (%.1f MiB)" % (
            times[0], rss_sum / 1024, times[1], rss_dev / 1024))
        goal("%s device/summary time" % os.path.basename(
            os.path.dirname(path)) if "shared" in path else
            "devices-5000 device/summary time", "%.2f" % (
                times[1] / times[0]), "<= 1.5", times[1] <= 1.5 * times[0])
        if len(times) > 2:
            log("    analyze-migration.py %.4f s: cprdump --device=all is "
                "%.1fx faster" % (times[2], times[2] / times[1]))
    if not (ana and os.path.exists(ana)):
        log("  analyze-migration.py: set ANALYZE_MIGRATION=PATH to a local "
            "copy of QEMU's scripts/analyze-migration.py to time it too")


def libvirt_header():
    """The real save's header and data area (92 + data length bytes)."""
    save = subprocess.run(["zstd", "-dc", LIBVIRT_SAVE], capture_output=True,
                          check=True).stdout
    data_len = int.from_bytes(save[20:24], "little")
    return save[:92 + data_len]


def libvirt_save(name, stream, code, compressor):
    """BENCH_DIR/name: the real header with compression code, then stream
    compressed by the program libvirt runs (single-threaded, as libvirt's
    `xz -c` and `gzip -c` are); also the bare compressed stream for PROG -dc.
    Kept while newer than the stream."""
    path, bare = os.path.join(DIR, name), os.path.join(DIR, name + ".payload")
    if os.path.exists(path) and os.path.getmtime(path) >= os.path.getmtime(stream):
        return path, bare
    head = bytearray(libvirt_header())
    head[28:32] = code.to_bytes(4, "little")
    t0 = time.perf_counter()
    if compressor:
        with open(stream, "rb") as i, open(bare + ".tmp", "wb") as o:
            subprocess.run(compressor, stdin=i, stdout=o, check=True)
        os.rename(bare + ".tmp", bare)
    with open(path + ".tmp", "wb") as o:
        o.write(head)
        with open(bare if compressor else stream, "rb") as i:
            while True:
                chunk = i.read(16 * MIB)
                if not chunk:
                    break
                o.write(chunk)
    os.rename(path + ".tmp", path)
    log("  made %-22s %8.1f MiB in %5.1f s" % (
        name, os.path.getsize(path) / MIB, time.perf_counter() - t0))
    return path, bare


def bench_libvirt():
    """[6]: libvirt saves of a 2 GiB guest (one page in 8 holds data)."""
    log("\n[6] libvirt saves of a 2 GiB guest vs the decompressor alone, and a "
        "raw save vs its plain stream")
    stream, m = generate("guest-2g.bin", 2 * GIB, 8)
    check_blocks(stream, m)
    # xz -1: libvirt runs `xz -c` (-6), which takes 10+ minutes on this
    # stream here; decompression speed hardly depends on the level, and both
    # sides of the ratio read the same file
    saves = {"xz": libvirt_save("guest-2g-xz.sav", stream, 3,
                                ["xz", "-1", "-c", "-T1"]),
             "gzip": libvirt_save("guest-2g-gzip.sav", stream, 1, ["gzip", "-c"]),
             "raw": libvirt_save("guest-2g-raw.sav", stream, 0, None)}
    for name, (path, bare) in saves.items():
        got = decode(path)
        if [b["used-length"] for b in got["ram"]["blocks"]] != \
                [b["used-length"] for b in m["blocks"]]:
            sys.exit("bench: %s does not decode to the guest's blocks" % path)
    for prog in ("xz", "gzip"):
        path, bare = saves[prog]
        run(["cat", path])
        (tz, tp), rss = timed([[prog, "-dc", bare], [CPRDUMP, path]],
                              max(3, RUNS - 2))
        log("  %s save %.1f MiB: %s -dc %.3f s, cprdump %.3f s, peak RSS %.1f "
            "MiB" % (prog, os.path.getsize(path) / MIB, prog, tz, tp, rss / 1024))
        goal("libvirt %s save: cprdump / %s -dc" % (prog, prog),
             "%.3f" % (tp / tz), "<= 1.10", tp <= 1.10 * tz)
        goal("libvirt %s save peak RSS" % prog, "%.1f MiB" % (rss / 1024),
             "<= 64 MiB", rss <= 64 * 1024)
    path, _ = saves["raw"]
    run(["cat", path])
    run(["cat", stream])
    (ts, tr), rss = timed([[CPRDUMP, stream], [CPRDUMP, path]], RUNS)
    log("  raw save: plain stream %.3f s, save %.3f s, peak RSS %.1f MiB" % (
        ts, tr, rss / 1024))
    goal("libvirt raw save: save / plain stream", "%.3f" % (tr / ts),
         "<= 1.05", tr <= 1.05 * ts)


def summary():
    log("\nload average at end: %s" % loadavg())
    goals = [r for r in results if r[3] is not None]
    log("summary: %d of %d goals met" % (sum(1 for r in goals if r[3]),
                                        len(goals)))


def main():
    os.makedirs(DIR, exist_ok=True)
    if ONLY == "libvirt":
        log("cprdump bench (libvirt only): %s" % machine())
        bench_libvirt()
        summary()
        return
    log("cprdump bench: %s" % machine())
    log("load average at start: %s (BENCH_DIR=%s, %d runs, median)" % (
        loadavg(), DIR, RUNS))
    if ONLY == "against":
        bench_against()
        return

    log("\n[1] generated streams (gen-stream, template %s)" % TEMPLATE)
    small, sm = generate("small-256m.bin", 256 * MIB, 1024)
    real = structure(decode(TEMPLATE))
    gen = structure(check_blocks(small, sm))
    if gen != real:
        sys.exit("bench: generated structure differs from the template:\n"
                 "%s\n%s" % (gen, real))
    log("  small-256m.bin: same sections/commands/vmdesc/configuration as "
        "the QEMU 11.1 stream (%d sections folded, %d devices)" % (
            len(real["sections"]), real["devices"] or 0))
    want = {
        "data-2g": ("data-2g.bin", 2 * GIB, 1),
        "data-8g": ("data-8g.bin", 8 * GIB, 1),
        "zero-64g": ("zero-64g.bin", 64 * GIB, 1024),
        "mapped-4g": ("mapped-4g.bin", 4 * GIB, 1024, True),
        "mapped-64g": ("mapped-64g.bin", 64 * GIB, 1024, True),
    }
    if ONLY == "extract":
        want = {k: v for k, v in want.items() if k in ("data-2g", "zero-64g", "mapped-4g")}
    files = {k: generate(*v) for k, v in want.items()}
    for name, (path, m) in files.items():
        check_blocks(path, m)
        log("  %-11s %9.1f MiB  decodes to the expected %d blocks, "
            "%d zero + %d normal pages" % (
                name, m["bytes"] / MIB, len(m["blocks"]),
                sum(b["zero"] for b in m["blocks"]),
                sum(b["normal"] for b in m["blocks"])))
    if ONLY == "extract":
        bench_extract(files)
        return finish()
    zst = files["data-2g"][0] + ".zst"
    if not os.path.exists(zst) or \
            os.path.getmtime(zst) < os.path.getmtime(files["data-2g"][0]):
        subprocess.run(["zstd", "-q", "-f", "-1", "-T1", files["data-2g"][0],
                        "-o", zst], check=True)
    log("  data-2g.bin.zst %7.1f MiB (zstd -1)" % (os.path.getsize(zst) / MIB))

    log("\n[2,3] summary vs cat FILE >/dev/null (warm cache)")
    for name in ("data-2g", "data-8g", "zero-64g"):
        path, m = files[name]
        run(["cat", path])
        (tc, tp), rss = timed([["cat", path], [CPRDUMP, path]], RUNS)
        gbs = m["bytes"] / tp / 1e9
        log("  %-9s cat %.3f s, cprdump %.3f s (%.1f GB/s), peak RSS %.1f "
            "MiB" % (name, tc, tp, gbs, rss / 1024))
        if name.startswith("data"):
            goal("%s time ratio cprdump/cat" % name, "%.3f" % (tp / tc),
                 "<= 1.0", tp <= tc)
            goal("%s peak RSS" % name, "%.1f MiB" % (rss / 1024),
                 "<= 64 MiB", rss <= 64 * 1024)
        else:
            zeros = sum(b["zero"] for b in m["blocks"])
            goal("%s zero pages/s" % name, "%.0f M/s" % (zeros / tp / 1e6),
                 ">= 100 M/s", zeros / tp >= 100e6)
            goal("%s time ratio cprdump/cat" % name, "%.3f" % (tp / tc),
                 "(info)", None)
    (t4, t64), rss = timed([[CPRDUMP, files["mapped-4g"][0]],
                                 [CPRDUMP, files["mapped-64g"][0]]],
                               max(RUNS, 21))
    log("  mapped-ram 4 GiB %.4f s, 64 GiB %.4f s, peak RSS %.1f MiB" % (
        t4, t64, rss / 1024))
    goal("mapped-ram time 64 GiB / 4 GiB", "%.2f" % (t64 / t4),
         "<= 1.25 (flat)", t64 / t4 <= 1.25)

    log("\n[4] zstd stream vs zstd -dc FILE >/dev/null")
    run(["cat", zst])
    (tz, tp), rss = timed([["zstd", "-dc", zst], [CPRDUMP, zst]],
                               max(3, RUNS - 2))
    log("  zstd -dc %.3f s, cprdump %.3f s (%.2f GB/s decompressed), peak "
        "RSS %.1f MiB" % (tz, tp, files["data-2g"][1]["bytes"] / tp / 1e9,
                          rss / 1024))
    goal("data-2g.zst time ratio cprdump/zstd -dc", "%.3f" % (tp / tz),
         "<= 1.10", tp <= 1.10 * tz)

    log("\n[5] cprdump state.bin (CPR state), wall incl. process start")
    n = 200
    (tt, ts), rss = timed([["true"], [CPRDUMP, STATE]], n)
    log("  %s: median of %d runs %.2f ms (/bin/true: %.2f ms), peak RSS "
        "%.1f MiB" % (os.path.relpath(STATE, ROOT), n, ts * 1e3, tt * 1e3,
                      rss / 1024))
    goal("cprdump state.bin wall", "%.2f ms" % (ts * 1e3), "<= 5 ms",
         ts <= 0.005)

    bench_extract(files)
    finish()


def extract_cmd(path, out):
    """--extract-ram into a fresh directory (removing the last one is timed
    too, as cp's removal of its last copy)."""
    return ["sh", "-c", 'rm -rf "$1" && exec "$2" --extract-ram="$1" "$3"', "sh",
            out, CPRDUMP, path]


def cpu_seconds(argv):
    """user + system CPU seconds of argv (and its children)."""
    import resource
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def disk_bytes(d):
    return sum(os.stat(os.path.join(d, f)).st_blocks * 512 for f in os.listdir(d))


def bench_extract(files):
    log("\n[6] --extract-ram (BENCH_DIR, same file system) vs cp (warm cache)")
    out = os.path.join(DIR, "extract.d")
    cp_out = os.path.join(DIR, "cp.bin")
    path, m = files["data-2g"]
    data = sum(b["normal"] for b in m["blocks"]) * 4096
    run(["cat", path])
    (tcp, tx), rss = timed([["sh", "-c", 'rm -f "$1" && exec cp "$2" "$1"', "sh", cp_out,
                             path], extract_cmd(path, out)], RUNS)
    gbs = data / tx / 1e9
    log("  data-2g: cp %.3f s, --extract-ram %.3f s (%.2f GB/s of guest data, %.1f x "
        "analyze-migration.py's 215 MB/s), peak RSS %.1f MiB, images %.1f MiB on disk" % (
            tcp, tx, gbs, gbs / 0.215, rss / 1024, disk_bytes(out) / MIB))
    log("  data-2g: CPU (user + system) cp %.2f s, --extract-ram %.2f s: the rest of the "
        "wall time is waiting for the disk" % (
            cpu_seconds(["sh", "-c", 'rm -f "$1" && exec cp "$2" "$1"', "sh", cp_out, path]),
            cpu_seconds(extract_cmd(path, out))))
    bound = max(data / 1e9, 1.5 * tcp)
    goal("data-2g extract time", "%.3f s" % tx, "<= %.3f s" % bound, tx <= bound)
    goal("data-2g extract peak RSS", "%.1f MiB" % (rss / 1024), "<= 64 MiB",
         rss <= 64 * 1024)
    os.unlink(cp_out)
    path, m = files["zero-64g"]
    run(["cat", path])
    (ts, tx), rss = timed([[CPRDUMP, path], extract_cmd(path, out)], RUNS)
    data = sum(b["normal"] for b in m["blocks"]) * 4096
    log("  zero-64g (%.0f MiB stream, 1 page in 1024 data): summary %.3f s, --extract-ram "
        "%.3f s, peak RSS %.1f MiB, images %.1f MiB on disk (data %.1f MiB)" % (
            m["bytes"] / MIB, ts, tx, rss / 1024, disk_bytes(out) / MIB, data / MIB))
    cs, cx = cpu_seconds([CPRDUMP, path]), cpu_seconds(extract_cmd(path, out))
    log("  zero-64g: CPU (user + system) summary %.2f s, --extract-ram %.2f s" % (cs, cx))
    goal("zero-64g extract / summary time", "%.2f" % (tx / ts), "<= 1.5", tx <= 1.5 * ts)
    goal("zero-64g extract / summary CPU", "%.2f" % (cx / cs), "<= 1.5", cx <= 1.5 * cs)
    goal("zero-64g images on disk", "%.1f MiB" % (disk_bytes(out) / MIB),
         "<= data + 1%", disk_bytes(out) <= data * 1.01 + MIB)
    path, m = files["mapped-4g"]
    (tx,), rss = timed([extract_cmd(path, out)], RUNS)
    log("  mapped-4g: --extract-ram %.3f s (copy_file_range from the pages area), peak RSS "
        "%.1f MiB, images %.1f MiB on disk" % (tx, rss / 1024, disk_bytes(out) / MIB))
    goal("mapped-4g extract time", "%.3f s" % tx, "(info)", None)
    subprocess.run(["rm", "-rf", out])


def finish():
    bench_against()
    preflight_bench()
    bench_devices()
    bench_diff(files["data-8g"])

    bench_libvirt()
    summary()


def bench_diff(a):
    """[6] --diff of two generated 8 GiB streams (different data pages and page
    counts; the same template's device sections) against the summary walk of both:
    the diff decodes each once, keeping the device bodies and no page, then
    compares their typed fields section by section."""
    log("\n[6] --diff A B vs cprdump A; cprdump B (8 GiB each, warm cache)")
    b = generate("data-8g-b.bin", 8 * GIB, 2)
    for path, m in (a, b):
        check_blocks(path, m)
    pa, pb = a[0], b[0]
    both = ["sh", "-c", '"$0" "$1" >/dev/null && "$0" "$2" >/dev/null',
            CPRDUMP, pa, pb]
    t0 = time.perf_counter()
    rc = subprocess.call([CPRDUMP, "--diff", pa, pb], stdout=subprocess.DEVNULL)
    if rc != 1:
        sys.exit("bench: --diff of two different streams exited %d" % rc)
    log("  first --diff run (cold): %.2f s" % (time.perf_counter() - t0))
    times = [[], []]
    for _ in range(max(3, RUNS - 2)):
        t, _rc = run(both)
        times[0].append(t)
        t0 = time.perf_counter()
        subprocess.call([CPRDUMP, "--diff", pa, pb], stdout=subprocess.DEVNULL)
        times[1].append(time.perf_counter() - t0)
    ts, td = (statistics.median(x) for x in times)
    out = os.path.join(DIR, "rss.txt")
    subprocess.run(["/usr/bin/time", "-f", "%M", "-o", out, CPRDUMP, "--diff",
                    pa, pb], stdout=subprocess.DEVNULL)
    with open(out) as f:
        rss = int(f.read().split()[-1])
    log("  summary of both %.3f s, --diff %.3f s, peak RSS %.1f MiB" % (
        ts, td, rss / 1024))
    goal("diff 8g/8g time / summary of both", "%.3f" % (td / ts), "<= 2.2",
         td <= 2.2 * ts)
    goal("diff 8g/8g peak RSS", "%.1f MiB" % (rss / 1024), "<= 64 MiB",
         rss <= 64 * 1024)


if __name__ == "__main__":
    if sys.argv[1:] == ["devices"]:
        os.makedirs(DIR, exist_ok=True)
        bench_devices()
    elif sys.argv[1:] == ["diff"]:   # scripts/bench.py diff: section [6] only
        os.makedirs(DIR, exist_ok=True)
        log("cprdump bench (diff only): %s" % machine())
        bench_diff(generate("data-8g.bin", 8 * GIB, 1))
    else:
        main()
