#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Save what cprdump's preflight reads of a running QEMU, as a directory that
`cprdump --proc-snapshot DIR` reads instead of the live process (the format is in
cprdump/input/procsnap.h and doc/preflight.md).

usage: proc-snapshot.py PID DIR [--qmp SOCKET] [--full-smaps]

Read-only, like the preflight: /proc/PID/{cmdline,comm,smaps}, readlink and stat of
every /proc/PID/fd/N (stat follows the link, nothing is opened), fdinfo flags; with
--qmp the same queries cprdump --qmp sends. smaps is cut to each mapping's header
and VmFlags line unless --full-smaps."""
import json
import os
import re
import socket
import stat
import sys

HEADER = re.compile(r"^[0-9a-f]+-[0-9a-f]+ ")


def smaps_text(pid, full):
    with open("/proc/%d/smaps" % pid) as f:
        text = f.read()
    if full:
        return text
    return "".join(l for l in text.splitlines(True)
                   if HEADER.match(l) or l.startswith("VmFlags:"))


def fd_lines(pid):
    lines = []
    d = "/proc/%d/fd" % pid
    for name in sorted(os.listdir(d), key=int):
        p = os.path.join(d, name)
        try:
            link = os.readlink(p)
        except OSError:
            continue
        try:
            st = os.stat(p)
            fields = ["%o" % st.st_mode, "%x:%x" % (os.major(st.st_dev), os.minor(st.st_dev)),
                      str(st.st_ino), str(st.st_size if stat.S_ISREG(st.st_mode) else 0)]
        except OSError:
            fields = ["-", "-", "-", "-"]
        flags = "-"
        try:
            with open("/proc/%d/fdinfo/%s" % (pid, name)) as f:
                for l in f:
                    if l.startswith("flags:"):
                        flags = l.split()[1]
        except OSError:
            pass
        lines.append("\t".join([name] + fields + [flags, link]))
    return "".join(l + "\n" for l in lines)


class Qmp:
    def __init__(self, path, timeout=2.0):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.buf = b""
        self.line()
        self.cmd("qmp_capabilities")

    def line(self):
        while b"\n" not in self.buf:
            data = self.s.recv(65536)
            if not data:
                raise OSError("QMP connection closed")
            self.buf += data
        l, self.buf = self.buf.split(b"\n", 1)
        return json.loads(l)

    def cmd(self, name, **args):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.s.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            r = self.line()
            if "return" in r:
                return r["return"]
            if "error" in r:
                raise OSError("%s: %s" % (name, r["error"].get("desc")))


def qmp_facts(path):
    """The queries of cprdump/live/qmp.c qmp_gather(), in the same shape."""
    q = Qmp(path)
    objects = q.cmd("qom-list", path="/objects")
    facts = {"ramblock": q.cmd("x-query-ramblock")["human-readable-text"],
             "memdev": q.cmd("query-memdev"), "objects": objects,
             "aux-ram-share": q.cmd("qom-get", path="/machine", property="aux-ram-share"),
             "mem-path": {}}
    for o in objects:
        if o["type"] == "child<memory-backend-file>":
            facts["mem-path"][o["name"]] = q.cmd("qom-get", path="/objects/" + o["name"],
                                                 property="mem-path")
    q.s.close()
    return facts


def snapshot(pid, out, qmp=None, full=False):
    os.makedirs(out, exist_ok=True)
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        cmdline = f.read()
    with open("/proc/%d/comm" % pid) as f:
        comm = f.read()
    files = {"cmdline": cmdline, "comm": comm.encode(),
             "smaps": smaps_text(pid, full).encode(), "fds": fd_lines(pid).encode()}
    if qmp:
        files["qmp.json"] = (json.dumps(qmp_facts(qmp), indent=1) + "\n").encode()
    for name, data in files.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


def main(argv):
    args = argv[1:]
    qmp = None
    full = "--full-smaps" in args
    args = [a for a in args if a != "--full-smaps"]
    if "--qmp" in args:
        i = args.index("--qmp")
        qmp = args[i + 1]
        del args[i:i + 2]
    if len(args) != 2 or not args[0].isdigit():
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    snapshot(int(args[0]), args[1], qmp, full)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
