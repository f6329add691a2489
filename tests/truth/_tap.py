# SPDX-License-Identifier: GPL-2.0-or-later
"""Small TAP helpers for the python tests (stdlib only)."""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
FIX = os.environ.get("CPRDUMP_FIXTURES",
                     os.path.join(REPO, "..", "shared", "fixtures", "qemu"))
CPRDUMP = os.environ.get("CPRDUMP", os.path.join(REPO, "build", "cprdump"))


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, desc, detail=""):
        self.n += 1
        if cond:
            print(f"ok {self.n} - {desc}")
        else:
            self.failed += 1
            print(f"not ok {self.n} - {desc}")
            for line in str(detail).splitlines():
                print(f"#   {line}")
        return cond

    def eq(self, got, want, desc):
        return self.ok(got == want, desc, f"got:  {got!r}\nwant: {want!r}")

    def done(self):
        print(f"1..{self.n}")
        sys.exit(1 if self.failed else 0)


def cprdump(*args):
    """Runs cprdump; returns (rc, parsed JSON or None, stderr)."""
    p = subprocess.run([CPRDUMP, *args], capture_output=True, timeout=60)
    doc = None
    if "--json" in args:
        try:
            doc = json.loads(p.stdout)
        except ValueError:
            doc = None
    return p.returncode, doc, p.stderr.decode(errors="replace")


def fixture_dirs(with_file):
    out = []
    for ver in sorted(os.listdir(FIX)):
        vdir = os.path.join(FIX, ver)
        if not os.path.isdir(vdir):
            continue
        for run in sorted(os.listdir(vdir)):
            d = os.path.join(vdir, run)
            if os.path.isfile(os.path.join(d, with_file)):
                out.append(d)
    return out


def truth(d):
    with open(os.path.join(d, "truth.json")) as f:
        return json.load(f)
