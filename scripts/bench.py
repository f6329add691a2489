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
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
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


def peak_rss(argv):
    """Peak RSS in KiB of argv alone, by /usr/bin/time -f %M (a parent forked
    from this Python would carry Python's own high-water mark into exec)."""
    out = os.path.join(DIR, "rss.txt")
    subprocess.run(["/usr/bin/time", "-f", "%M", "-o", out] + argv,
                   stdout=subprocess.DEVNULL, check=True)
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


def main():
    os.makedirs(DIR, exist_ok=True)
    log("cprdump bench: %s" % machine())
    log("load average at start: %s (BENCH_DIR=%s, %d runs, median)" % (
        loadavg(), DIR, RUNS))

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
    log("\nload average at end: %s" % loadavg())
    goals = [r for r in results if r[3] is not None]
    log("summary: %d of %d goals met" % (sum(1 for r in goals if r[3]),
                                        len(goals)))


if __name__ == "__main__":
    main()
