"""Minimal QMP client and QEMU process handling (python3 stdlib only)."""
import json
import os
import signal
import socket
import subprocess
import time


class QMPError(Exception):
    pass


def wait_for_path(path, timeout, proc=None):
    """Wait until a file (e.g. a unix socket) exists; fail early if proc died."""
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if proc is not None and proc.poll() is not None:
            raise QMPError("QEMU exited (rc %s) before creating %s" % (proc.returncode, path))
        if time.monotonic() > deadline:
            raise QMPError("timeout waiting for %s" % path)
        time.sleep(0.05)


def connect_unix(path, timeout, proc=None):
    """A connected unix stream socket. The socket file can exist before QEMU listens
    on it (or not exist yet): under load a connect can fail for a moment, so retry
    until the timeout (or QEMU's exit)."""
    deadline = time.monotonic() + timeout
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(path)
            return sock
        except OSError:
            sock.close()
            if proc is not None and proc.poll() is not None:
                raise QMPError("QEMU exited (rc %s) before listening on %s" % (
                    proc.returncode, path))
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class QMP:
    """One QMP connection over a unix socket; events are kept in self.events."""

    def __init__(self, path, timeout=20, proc=None):
        wait_for_path(path, timeout, proc)
        self.sock = connect_unix(path, timeout, proc)
        self.buf = b""
        self.events = []
        self.greeting = self._read()
        self.cmd("qmp_capabilities")

    def _read(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise QMPError("QMP connection closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, execute, **args):
        """execute: the command (not "name": commands take a "name" argument)."""
        name = execute
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            reply = self._read()
            if "event" in reply:
                self.events.append(reply)
            elif "error" in reply:
                raise QMPError("%s: %s" % (name, reply["error"].get("desc")))
            elif "return" in reply:
                return reply["return"]

    def hmp(self, line):
        return self.cmd("human-monitor-command", **{"command-line": line})

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def wait_migration(q, timeout, statuses=("completed", "failed", "cancelled")):
    """Poll query-migrate until its status is final; return the last reply."""
    deadline = time.monotonic() + timeout
    while True:
        info = q.cmd("query-migrate")
        if info.get("status") in statuses:
            return info
        if time.monotonic() > deadline:
            raise QMPError("migration still %r after %s s" % (info.get("status"), timeout))
        time.sleep(0.1)


def parse_ramblocks(text):
    """Parse `info ramblock` output into dicts like the fixtures' truth.json."""
    blocks = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 6 or parts[0] == "Block":   # 7.2 has no HVA/RO columns
            continue
        offset, used, total = (int(x, 16) for x in parts[3:6])
        blocks.append({"name": parts[0], "psize": " ".join(parts[1:3]),
                       "offset": offset, "used": used, "total": total})
    return blocks


class Procs:
    """Every QEMU a scenario starts, so that all of them are killed at the end."""

    def __init__(self):
        self.procs = []

    def start(self, argv, log, env=None):
        out = open(log, "ab")
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                             env=env, start_new_session=True)
        out.close()
        self.procs.append(p)
        return p

    def kill_all(self):
        for p in self.procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        self.procs = []
