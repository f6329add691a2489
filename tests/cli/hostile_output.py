#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Output safety of the CLI on hostile inputs (run by tests/cli/hostile.sh).

Inputs: CPR states built with hostile names (terminal escapes, C0/C1 controls,
bidi overrides, invalid UTF-8, surrogates) in both fd encodings and in the vfio
subsection, seeded byte mutations of the fixtures, and every file of the
committed fuzz corpus (files up to 16 KiB). Each goes through `cprdump --json`, and `cprdump` in a
UTF-8 and in the C locale. Checked:
  - the exit code is a documented one for a decode (0, 4 or 5; 3 for corrupt
    compressed data), and a failure
    is one stderr line;
  - the JSON document is valid JSON in strict UTF-8 (also when it only decodes
    partially), and its "error" has the exit code and an offset within the input;
  - the human text has no byte < 0x20 but \\n, no DEL, no C1 control, no
    format/line/paragraph separator character, is valid UTF-8, and is ASCII in
    the C locale.
Usage: hostile_output.py CPRDUMP TMPDIR FILE...   (prints failures; exit 1)
"""
import json
import os
import random
import struct
import subprocess
import sys
import unicodedata

CPRDUMP, TMP = sys.argv[1], sys.argv[2]
FILES = sys.argv[3:]
SUB = b"CprState/vfio devices"

HOSTILE_NAMES = [
    b"\x1b[2J\x1b[H", b"\x1b]0;pwned\x07", b"a\x9b31mb", b"a\xc2\x9b31mb",
    "a\u202eb".encode(), b"cr\rlf\n", b"del\x7f", b"tab\tx", b"bell\x07",
    "ls\u2028ps\u2029".encode(), "\ufeffbom\u200b".encode(), "\u00e9t\u00e9".encode(),
    b"\xed\xa0\x80surrogate", b"\xf4\x90\x80\x80big", b"\xc0\xafoverlong",
    b"\xe2\x80trunc", b"\xff\xfe", b"back\\slash", b"x" * 300, b"\x01\x02\x03",
    "\U000e0041tag".encode(), b"ram0", b"pc.ram", b"0000:3b:00.0",
]


def cpr_state(names, mode, vfio_names=None, vfio_empty=False):
    out = bytearray(b"QCPR\0\0\0\1")
    for i, n in enumerate(names):
        out += b"\x01" + struct.pack(">I", len(n) + 1) + n + b"\0"
        out += struct.pack(">i", i)
        out += struct.pack(">i", 10 + i) if mode == "exec" else b"\x20"
    out += b"\0"
    if vfio_names is not None or vfio_empty:
        out += b"\x05" + bytes([len(SUB)]) + SUB + struct.pack(">I", 1)
        if not vfio_empty:
            for i, n in enumerate(vfio_names):
                out += b"\x01" + struct.pack(">I", len(n) + 1) + n + b"\0"
                out += struct.pack(">iII", i, 1, 2)
            out += b"\0"
    return bytes(out)


def mutate(data, rnd):
    b = bytearray(data)
    for _ in range(rnd.randint(1, 3)):
        op = rnd.randrange(5)
        if op == 0 and b:
            b[rnd.randrange(len(b))] ^= rnd.randrange(1, 256)
        elif op == 1 and len(b) > 13:
            at = rnd.randrange(9, len(b) - 4)
            b[at:at + 4] = struct.pack(">I", rnd.choice(
                [0xFFFFFFFF, 0x7FFFFFFF, len(b) + 1, 0, 1]))
        elif op == 2 and b:
            b[rnd.randrange(len(b))] = rnd.choice([0, 1, 5, 0x20, 0x1B, 0x9B])
        elif op == 3 and b:
            a = rnd.randrange(len(b))
            b[a:a] = b[a:a + rnd.randint(1, 32)]
        elif op == 4 and b:
            a = rnd.randrange(len(b))
            del b[a:a + rnd.randint(1, 32)]
    return bytes(b)


def inputs():
    rnd = random.Random(0x51435052)
    for mode in ("exec", "transfer"):
        for i, n in enumerate(HOSTILE_NAMES):
            yield f"{mode}-name{i}", cpr_state([b"pc.ram", n], mode)
        yield f"{mode}-all", cpr_state(HOSTILE_NAMES, mode)
        yield f"{mode}-vfio", cpr_state(HOSTILE_NAMES[:6], mode,
                                        vfio_names=HOSTILE_NAMES)
        yield f"{mode}-vfio-empty", cpr_state([b"x"], mode, vfio_empty=True)
        # hostile names, then cut and mutated: partial decodes
        full = cpr_state(HOSTILE_NAMES, mode, vfio_names=HOSTILE_NAMES[:4])
        for k in range(30):
            yield f"{mode}-cut{k}", full[:rnd.randrange(len(full))]
            yield f"{mode}-mut{k}", mutate(full, rnd)
    files = [f for f in FILES if os.path.getsize(f) <= 16384]
    seeds = [open(f, "rb").read() for f in files]
    for i, f in enumerate(files):
        yield os.path.basename(f), seeds[i]
    small = [s for s in seeds if len(s) <= 4096]
    for k in range(150):
        yield f"seed-mut{k}", mutate(rnd.choice(small), rnd)


def run(path, *args, locale="C.UTF-8"):
    env = dict(os.environ, LC_ALL=locale)
    try:
        r = subprocess.run([CPRDUMP, *args, path], capture_output=True,
                           env=env, timeout=10)
    except subprocess.TimeoutExpired:
        return "hang", b"", b""
    return r.returncode, r.stdout, r.stderr


def check_human(text, ascii_only):
    try:
        s = text.decode("utf-8", errors="strict")
    except UnicodeDecodeError as e:
        return f"not UTF-8: {e}"
    for i, c in enumerate(s):
        o = ord(c)
        if (o < 0x20 and c != "\n") or o == 0x7F or 0x80 <= o < 0xA0:
            return f"control U+{o:04X} at char {i}"
        if unicodedata.category(c) in ("Cf", "Zl", "Zp", "Cs"):
            return f"format/separator U+{o:04X} at char {i}"
        if ascii_only and o >= 0x80:
            return f"non-ASCII U+{o:04X} in the C locale at char {i}"
    return None


def check_one(name, data):
    path = os.path.join(TMP, "hostile.bin")
    with open(path, "wb") as f:
        f.write(data)
    problems = []
    rc, out, err = run(path, "--json")
    # corrupt compressed data (zstd, gzip, bzip2, xz, lzop): exit 3
    zstd = data.startswith((b"\x28\xb5\x2f\xfd", b"\x1f\x8b", b"BZh", b"\xfd7zXZ\0",
                            b"\x89LZO\0\r\n\x1a\n"))
    if rc not in ((0, 3, 4, 5) if zstd else (0, 4, 5)):
        problems.append(f"--json exit {rc}")
    lines = err.decode("utf-8", "replace").splitlines()
    if (rc == 0) != (len(lines) == 0) or len(lines) > 1:
        problems.append(f"--json stderr has {len(lines)} lines (exit {rc})")
    try:
        doc = json.loads(out.decode("utf-8", errors="strict"))
        e = doc.get("error")
        if rc != 0 and (not e or e.get("exit-code") != rc):
            problems.append(f"JSON error object missing or exit-code wrong")
        if e and isinstance(e.get("offset"), int) and e["offset"] > len(data):
            problems.append(f"JSON error offset {e['offset']} > {len(data)}")
    except (UnicodeDecodeError, ValueError) as ex:
        problems.append(f"JSON invalid: {ex}")
    for loc in ("C.UTF-8", "C"):
        hrc, hout, herr = run(path, locale=loc)
        if hrc != rc:
            problems.append(f"human exit {hrc} != json exit {rc} ({loc})")
        why = check_human(hout + herr, loc == "C")
        if why:
            problems.append(f"human output ({loc}): {why}")
    return problems


def main():
    n = bad = 0
    for name, data in inputs():
        n += 1
        problems = check_one(name, data)
        if problems:
            bad += 1
            keep = os.path.join(TMP, f"fail-{bad}.bin")
            with open(keep, "wb") as f:
                f.write(data)
            print(f"{name} ({len(data)} bytes, kept as {keep}): "
                  + "; ".join(problems))
    print(f"# {n} inputs, {bad} with problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
