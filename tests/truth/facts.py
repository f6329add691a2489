#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""One set of facts: every number the human output shows is in the JSON of
the same run. For every real and synthetic fixture (states, streams, joins),
each integer word of the human text (decimal, or 0x... hex; sizes such as
"1.1 MiB" are rounded and skipped) must equal some number in the JSON
document: a JSON number, a "0x..." u64 string, or a number inside a JSON
string (messages, reasons)."""
import json
import os
import re
import subprocess

from _tap import CPRDUMP, FIX, REPO, Tap, fixture_dirs

SYN = os.path.join(REPO, "tests", "fixtures", "synthetic")
REAL = os.path.join(REPO, "tests", "fixtures", "real")
WORD = re.compile(r"^[(\[\"']*(0x[0-9a-fA-F]+|[0-9]+)[)\]\"',;:.]*$")
NUM_IN_TEXT = re.compile(r"0x[0-9a-fA-F]+|[0-9]+")
UNITS = {"KiB", "MiB", "GiB", "TiB", "kB", "MB", "GB"}


def json_numbers(v, acc):
    if isinstance(v, bool) or v is None:
        return acc
    if isinstance(v, (int, float)):
        acc.add(int(v))
    elif isinstance(v, str):
        for m in NUM_IN_TEXT.findall(v):
            acc.add(int(m, 16) if m.startswith("0x") else int(m))
    elif isinstance(v, list):
        for x in v:
            json_numbers(x, acc)
    elif isinstance(v, dict):
        for k, x in v.items():
            json_numbers(x, acc)
    return acc


def human_numbers(text):
    out = []
    for line in text.splitlines():
        words = line.split()
        for i, w in enumerate(words):
            m = WORD.match(w)
            if not m:
                continue
            nxt = words[i + 1] if i + 1 < len(words) else ""
            if nxt.rstrip(",;)") in UNITS or "." in m.group(1):
                continue
            s = m.group(1)
            out.append((int(s, 16) if s.startswith("0x") else int(s), line))
    return out


def run(args, json_mode):
    cmd = [CPRDUMP] + (["--json"] if json_mode else []) + list(args)
    p = subprocess.run(cmd, capture_output=True, timeout=60,
                       env=dict(os.environ, LC_ALL="C.UTF-8"))
    return p.stdout.decode(errors="replace")


def cases():
    for d in fixture_dirs("main.bin"):
        rel = os.path.relpath(d, FIX)
        yield f"stream {rel}", (os.path.join(d, "main.bin"),)
        st = os.path.join(d, "state.bin")
        if os.path.exists(st):
            yield f"state {rel}", (st,)
            yield f"join {rel}", (st, os.path.join(d, "main.bin"))
    for root in (REAL, SYN):
        for dirpath, _, files in sorted(os.walk(root)):
            for n in sorted(files):
                if n.endswith((".bin", ".zst")):
                    p = os.path.join(dirpath, n)
                    yield f"file {os.path.relpath(p, REPO)}", (p,)


def main():
    t = Tap()
    for name, args in cases():
        doc = json.loads(run(args, True))
        have = json_numbers(doc, set())
        human = run(args, False)
        missing = [(n, line) for n, line in human_numbers(human)
                   if n not in have]
        t.ok(not missing, f"{name}: every number shown is in the JSON",
             "\n".join(f"{n} in: {line.strip()}" for n, line in missing[:10]))
    t.done()


main()
