#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Every command in README.md and doc/*.md is run, so that none goes stale.

An indented line "$ cprdump ARGS" is an example: it is run from the
repository root with build/cprdump as cprdump, and the lines after it (until
the next "$" line or the end of the block) are its output, stdout then
stderr: each must appear in order (whitespace runs are compared as one
space), "..." stands for any number of lines, and "[exit N]" is the exit
status (0 when absent). The --pid example needs a running QEMU: the
real-QEMU suite checks it against its own run (tests/qemu/checks.py,
check_readme_pid), and here only that it is there. Other indented command
lines are checked to be runnable: make targets with `make -n`, scripts to
exist and be executable."""
import glob
import os
import re
import shlex
import subprocess

from _tap import CPRDUMP, REPO, Tap

DOCS = [os.path.join(REPO, "README.md")] + sorted(
    glob.glob(os.path.join(REPO, "doc", "*.md")))


def blocks(path):
    """Indented code blocks of a markdown file: lists of lines."""
    out, cur = [], []
    for line in open(path, encoding="utf-8").read().split("\n"):
        if line.startswith("    ") or (cur and line == ""):
            cur.append(line[4:])
        else:
            if cur:
                out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return [[l for l in b] for b in out]


def examples(block):
    """(command, expected lines) for each "$ " line of a block."""
    out, cur = [], None
    for line in block:
        if line.startswith("$ "):
            cur = (line[2:], [])
            out.append(cur)
        elif cur is not None:
            cur[1].append(line)
    for cmd, lines in out:
        while lines and lines[-1] == "":
            lines.pop()
    return out


def norm(s):
    return " ".join(s.split())


def matches(want, got):
    """want (with "..." lines) appears in got, in order."""
    gi = 0
    gap = False
    for w in want:
        if w == "...":
            gap = True
            continue
        if w == "":
            continue
        while gi < len(got) and norm(got[gi]) != norm(w):
            if not gap and norm(got[gi]) != "":
                return False, "expected %r, got %r" % (w, got[gi])
            gi += 1
        if gi == len(got):
            return False, "missing line %r" % w
        gi += 1
        gap = False
    return True, ""


def run_example(t, where, cmd, lines):
    exit_want = 0
    want = []
    for l in lines:
        m = re.fullmatch(r"\[exit (\d+)\]", l.strip())
        if m:
            exit_want = int(m.group(1))
        else:
            want.append(l)
    argv = shlex.split(cmd)
    argv[0] = CPRDUMP
    p = subprocess.run(argv, cwd=REPO, capture_output=True, timeout=60,
                       env=dict(os.environ, LC_ALL="C.UTF-8"))
    got = (p.stdout + p.stderr).decode(errors="replace").split("\n")
    ok, why = matches(want, got)
    t.ok(ok and p.returncode == exit_want,
         "%s: $ %s" % (where, cmd[:70]),
         "exit %d (want %d); %s" % (p.returncode, exit_want, why))


def check_command(t, where, line):
    cmd = line.split("#")[0].strip()
    if not re.match(r"(make|scripts/|tests/|build/)", cmd):
        return  # synopses, messages, JSON sketches, list continuations
    for part in cmd.split("&&"):
        w = shlex.split(part)
        if w[0] == "make":
            args = [a for a in w[1:] if "=" not in a]
            env = dict(os.environ, **dict(a.split("=", 1) for a in w[1:] if "=" in a))
            p = subprocess.run(["make", "-n", "-C", REPO] + args,
                               capture_output=True, env=env, timeout=120)
            t.ok(p.returncode == 0, "%s: `%s` is a make target" % (where, part.strip()),
                 p.stderr.decode(errors="replace")[-300:])
        elif w[0].startswith(("scripts/", "tests/")):
            path = os.path.join(REPO, w[0])
            t.ok(os.access(path, os.X_OK), "%s: %s exists and is executable" % (where, w[0]))
        elif w[0].startswith("build/"):
            run_example(t, where, " ".join(["cprdump"] + w[1:]), [])
        else:
            t.ok(False, "%s: unchecked command %r" % (where, part))


def main():
    t = Tap()
    pid_examples = 0
    for path in DOCS:
        where = os.path.relpath(path, REPO)
        for b in blocks(path):
            ex = examples(b)
            if not ex:
                for line in b:
                    check_command(t, where, line)
            for cmd, lines in ex:
                if " --pid " in cmd:
                    pid_examples += 1
                    continue
                run_example(t, where, cmd, lines)
    t.eq(pid_examples, 1, "one --pid example (checked by tests/qemu against a real run)")
    t.done()


main()
