"""QEMU's own names and values of an Arm vCPU's system registers, through its
gdbstub (-gdb): the "system-registers.xml" target description QEMU generates
from its cpreg list (one <reg name=... regnum=...> per register QEMU can read),
and each register's value read with the remote protocol's `p` packet
(target byte order: little-endian). The truth for the cpreg list's names."""
import re

from qmp import connect_unix

REG_RE = re.compile(r'<reg name="([^"]+)" bitsize="(\d+)" regnum="(\d+)"')


class GdbRemote:
    def __init__(self, path, timeout=10):
        self.sock = connect_unix(path, timeout)
        self.buf = b""
        self.ack = True
        self.cmd("QStartNoAckMode")
        self.ack = False

    def _read_packet(self):
        while True:
            start = self.buf.find(b"$")
            end = self.buf.find(b"#", start + 1) if start >= 0 else -1
            if start >= 0 and end >= 0 and len(self.buf) >= end + 3:
                body = self.buf[start + 1:end]
                self.buf = self.buf[end + 3:]
                if self.ack:
                    self.sock.sendall(b"+")
                return body.decode("latin-1")
            data = self.sock.recv(65536)
            if not data:
                raise OSError("gdbstub closed the connection")
            self.buf += data

    def cmd(self, text):
        pkt = text.encode()
        self.sock.sendall(b"$%s#%02x" % (pkt, sum(pkt) & 0xff))
        reply = self._read_packet()
        while reply.startswith("O") and reply != "OK":   # console output
            reply = self._read_packet()
        return reply

    def xfer(self, name):
        out, off = "", 0
        while True:
            r = self.cmd("qXfer:features:read:%s:%x,%x" % (name, off, 0x3000))
            if not r or r[0] not in "ml":
                raise OSError("qXfer %s: %r" % (name, r[:40]))
            out += r[1:]
            off += len(r) - 1
            if r[0] == "l":
                return out

    def close(self):
        self.sock.close()


def sysregs(path):
    """{name: value} of every system register QEMU's gdbstub describes for
    vCPU 0 (the one the stub selects first)."""
    g = GdbRemote(path)
    try:
        g.cmd("qSupported:xmlRegisters=aarch64")
        regs = {}
        for name, bits, num in REG_RE.findall(g.xfer("system-registers.xml")):
            r = g.cmd("p%x" % int(num))
            if re.fullmatch(r"([0-9a-f]{2})+", r):
                regs[name] = int.from_bytes(bytes.fromhex(r), "little")
        return regs
    finally:
        g.close()
