#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Every JSON document cprdump prints (every real and synthetic fixture, the
joins, captures, and every error case) validates against
formats/cprdump.schema.json, which forbids unknown keys."""
import json
import os
import subprocess
import sys
import tempfile

try:
    import jsonschema
except ImportError:  # Debian's python3-jsonschema lives with /usr/bin/python3
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise

from _tap import CPRDUMP, FIX, REPO, Tap, fixture_dirs

SCHEMA = os.path.join(REPO, "formats", "cprdump.schema.json")
SYN = os.path.join(REPO, "tests", "fixtures", "synthetic")


def run(*args, stdin=None):
    p = subprocess.run([CPRDUMP, "--json", *args], capture_output=True,
                       timeout=60, input=stdin)
    return p.returncode, p.stdout


def cases(tmp):
    for d in fixture_dirs("main.bin"):
        rel = os.path.relpath(d, FIX)
        yield f"stream {rel}", (os.path.join(d, "main.bin"),)
        yield f"devices {rel}", ("--device=all", os.path.join(d, "main.bin"))
        if os.path.exists(os.path.join(d, "state.bin")):
            yield f"state {rel}", (os.path.join(d, "state.bin"),)
            yield f"join {rel}", (os.path.join(d, "state.bin"),
                                  os.path.join(d, "main.bin"))
    for n in sorted(os.listdir(SYN)):
        if n.endswith(".bin"):
            yield f"synthetic {n}", (os.path.join(SYN, n),)
    state = os.path.join(FIX, "11.1", "exec-q35-memfd", "state.bin")
    stream = os.path.join(FIX, "11.1", "stream-q35-run", "main.bin")
    data = open(state, "rb").read()
    sdata = open(stream, "rb").read()
    files = {
        "empty": b"", "text": b"hello world!", "qcpr-v2": b"QCPR\0\0\0\2",
        "truncated-state": data[:100], "trailing": data + b"xyz",
        "truncated-stream": sdata[:5000], "stream-header-only": sdata[:8],
        "capture-v2": b"CPRDCAPT\0\0\0\2\0\0\0\0",
    }
    for name, b in files.items():
        p = os.path.join(tmp, name)
        with open(p, "wb") as f:
            f.write(b)
        yield f"error {name}", (p,)
    yield "error directory", (tmp,)
    yield "error missing file", (os.path.join(tmp, "nope"),)
    cap = os.path.join(tmp, "cap.zst")
    yield "save state", ("--save", cap, state)
    yield "read capture", (cap,)
    scap = os.path.join(tmp, "scap.zst")
    yield "save redacted stream", ("--save", scap, stream)
    yield "read stream capture", (scap,)
    yield "forced transfer mode error", ("--mode=transfer", state)
    real = os.path.join(REPO, "tests", "fixtures", "real")
    nofooter = os.path.join(real, "stream72-pc23-nofooter", "main.bin.zst")
    mf = os.path.join(real, "multifd-q35-channels")
    yield "extract-ram", ("--extract-ram=" + os.path.join(tmp, "x1"), nofooter)
    yield "extract-ram exists", ("--extract-ram=" + os.path.join(tmp, "x1"), nofooter)
    yield "extract-ram cpr-exec", ("--extract-ram=" + os.path.join(tmp, "x2"),
                                   os.path.join(FIX, "11.1", "exec-q35-memfd", "main.bin"))
    yield "extract-ram multifd", ("--extract-ram=" + os.path.join(tmp, "x3"),
                                  "--channel=" + os.path.join(mf, "multifd-1.bin.zst"),
                                  "--channel=" + os.path.join(mf, "multifd-2.bin.zst"),
                                  os.path.join(mf, "main.bin.zst"))
    yield "extract-ram redacted capture", ("--extract-ram=" + os.path.join(tmp, "x4"), scap)
    yield "extract-ram truncated", ("--extract-ram=" + os.path.join(tmp, "x5"),
                                    os.path.join(tmp, "truncated-stream"))
    yield "dump-ram", ("--dump-ram=pc.bios@0x3fff0+64", nofooter)
    yield "dump-ram no block", ("--dump-ram=nosuch", nofooter)
    yield "find", ("--find=SeaBIOS", nofooter)
    yield "list columns", ("--list-columns",)
    real = os.path.join(REPO, "tests", "fixtures", "real")
    for run_ in ("exec-q35-memfd-private", "exec-q35-file-shared"):
        for first in ("state.bin", "fd-capture.zst", "pid-capture.zst"):
            yield f"join {run_} {first}", (os.path.join(real, run_, first),
                                           os.path.join(real, run_, "main.bin.zst"))
        yield f"capture {run_}", (os.path.join(real, run_, "pid-capture.zst"),)
    procs = os.path.join(REPO, "tests", "fixtures", "proc")
    for n in sorted(os.listdir(procs)):
        if os.path.isdir(os.path.join(procs, n)):
            yield f"preflight {n}", ("--proc-snapshot", os.path.join(procs, n))
    yield "preflight error", ("--proc-snapshot", os.path.join(tmp, "nope"))
    for name in ("postcopy-q35/main.bin.zst", "multifd-q35/main.bin.zst",
                 "stream72-pc23-nofooter/main.bin.zst"):
        yield f"devices {name}", ("--device=all", os.path.join(
            REPO, "tests", "fixtures", "real", name))
    yield "devices arm-virt-a57", ("--device=all", os.path.join(
        REPO, "tests", "fixtures", "device-state", "arm-virt-a57",
        "main.bin.zst"))
    yield "devices of a cut stream", ("--device=all",
                                      os.path.join(tmp, "truncated-stream"))
    other = os.path.join(FIX, "11.1", "exec-q35-anon", "main.bin")
    ostate = os.path.join(FIX, "11.1", "exec-q35-anon", "state.bin")
    yield "diff streams", ("--diff", stream, other)
    yield "diff streams, ignore", ("--diff", "--ignore-volatile", "--ignore=ram: *",
                                   stream, other)
    yield "diff same stream", ("--diff", stream, stream)
    yield "diff states", ("--diff", state, ostate)
    yield "diff stream and its capture", ("--diff", stream, scap)
    yield "diff truncated stream", ("--diff", stream, os.path.join(tmp, "truncated-stream"))
    yield "diff truncated state", ("--diff", os.path.join(tmp, "truncated-state"), state)
    yield "diff kinds", ("--diff", state, stream)
    yield "diff unknown format", ("--diff", stream, os.path.join(tmp, "text"))


def main():
    t = Tap()
    with open(SCHEMA) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    v = jsonschema.Draft202012Validator(schema)
    with tempfile.TemporaryDirectory() as tmp:
        n = 0
        for desc, args in cases(tmp):
            rc, out = run(*args)
            try:
                doc = json.loads(out)
            except ValueError as e:
                t.ok(False, f"{desc}: valid JSON", e)
                continue
            errs = sorted(v.iter_errors(doc), key=lambda e: list(e.path))
            t.ok(not errs, f"{desc}: exit {rc}, validates against the schema",
                 "\n".join(f"{list(e.path)}: {e.message}" for e in errs[:5]))
            err = doc.get("error") or next(
                (doc["diff"][k]["error"] for k in "ab"
                 if "error" in doc.get("diff", {}).get(k, {})), {})
            if rc not in (0, 1):
                t.eq(err.get("exit-code"), rc,
                     f"{desc}: error object names exit code {rc}")
            n += 1
        t.ok(n >= 40, f"{n} documents checked")
    t.done()


main()
