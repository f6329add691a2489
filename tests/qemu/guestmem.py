"""Guest memory as QEMU itself sees it, for the --extract-ram checks: known
patterns written at guest-physical addresses through a qtest chardev (in pc.ram
below the PCI hole and in vga.vram through its BAR 0), rewritten while the
migration runs so that pages are sent again, and QEMU's own pmemsave of the low
memory once the source has stopped."""
import base64
import os
import socket
import threading
import time

QTEST_SOCK = "qtest.sock"
PAGE = 4096
# guest-physical address -> pattern label; pc.ram offsets equal addresses below
# the PCI hole
RAM_ADDRS = [0x100000 * 16 + 0x123, 0x100000 * 100 + 0x40, 0x7ff000]
VRAM_OFFSET = 0x100000       # inside vga.vram, reached through BAR 0
PMEMSAVE_NAME = "pmemsave.bin"


def qtest_argv(out):
    return ["-qtest", "unix:%s/%s,server=on,wait=off" % (out, QTEST_SOCK)]


class QTest:
    """The qtest line protocol: one command a line, answered "OK ..." or "FAIL"."""

    def __init__(self, path, timeout=20):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.settimeout(timeout)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.buf = b""
        self.lock = threading.Lock()

    def cmd(self, line):
        with self.lock:
            self.sock.sendall(line.encode() + b"\n")
            while True:
                while b"\n" not in self.buf:
                    data = self.sock.recv(65536)
                    if not data:
                        raise OSError("qtest connection closed")
                    self.buf += data
                reply, self.buf = self.buf.split(b"\n", 1)
                if reply.startswith(b"IRQ"):
                    continue
                if not reply.startswith(b"OK"):
                    raise OSError("qtest %s: %r" % (line.split()[0], reply))
                return reply.decode()

    def write(self, addr, data):
        self.cmd("b64write 0x%x 0x%x %s" % (addr, len(data),
                                            base64.b64encode(data).decode()))

    def read(self, addr, size):
        r = self.cmd("b64read 0x%x 0x%x" % (addr, size))
        return base64.b64decode(r.split()[1])


def pattern(tag, version, n=PAGE + 64):
    """n bytes that say where they were written and which version they are
    (they cross a page boundary: two pages per address)."""
    text = b"cprdump-extract %s v%d " % (tag.encode(), version)
    return (text * (n // len(text) + 1))[:n]


def vga_bar0(q, timeout=10):
    """BAR 0 (vga.vram) of the VGA device once the firmware has assigned it
    (the guest must be running: SeaBIOS takes a few seconds under KVM here)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for bus in q.cmd("query-pci"):
            for dev in bus["devices"]:
                if dev.get("class_info", {}).get("class") == 0x0300:
                    for bar in dev.get("regions", []):
                        if bar.get("bar") == 0 and bar.get("address", -1) > 0:
                            return bar["address"]
        time.sleep(0.1)
    raise OSError("the VGA BAR 0 was not assigned after %d s" % timeout)


class Patterns:
    """Writes version 1 of every pattern, then (rewrite()) newer versions in a
    thread until stop(); final() is what the guest memory holds after stop."""

    def __init__(self, q, out, has_vga):
        self.qt = QTest(os.path.join(out, QTEST_SOCK))
        self.vga = vga_bar0(q) if has_vga else None
        self.places = [("ram-%x" % a, a) for a in RAM_ADDRS]
        if self.vga:
            self.places.append(("vram-%x" % VRAM_OFFSET, self.vga + VRAM_OFFSET))
        self.version = 0
        self.write_all()
        self.thread = None
        self.stopping = False
        self.busy = None
        self.busy_stop = False

    def write_all(self):
        self.version += 1
        for tag, addr in self.places:
            self.qt.write(addr, pattern(tag, self.version))

    def _loop(self):
        while not self.stopping:
            self.write_all()
            time.sleep(0.05)

    def rewrite(self):
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def stop(self):
        self.stopping = True
        if self.thread:
            self.thread.join(10)

    def keep_dirty(self):
        """Writes without pause in the legacy VGA windows (0xa0000 and the text
        buffer 0xb8000: vga.vram through the VGA memory path, outside every
        compared byte), so that some page is always dirty and the migration
        cannot converge while patterns change (nor, in postcopy, before
        migrate-start-postcopy); stop with stop_dirty()."""
        def loop():
            k = 0
            while not self.busy_stop:
                k += 1
                for addr in (0xa0000, 0xb8000):
                    self.qt.write(addr, bytes([k & 0xff]) * 64)
        self.busy = threading.Thread(target=loop, daemon=True)
        self.busy.start()

    def stop_dirty(self):
        self.busy_stop = True
        if self.busy:
            self.busy.join(10)

    def final(self):
        """[(tag, guest address, expected bytes)], checked back with qtest."""
        out = []
        for tag, addr in self.places:
            want = pattern(tag, self.version)
            if self.qt.read(addr, len(want)) != want:
                raise OSError("qtest read-back of %s differs" % tag)
            out.append((tag, addr, want))
        return out

    def truth(self):
        return {"vga_bar0": self.vga, "version": self.version,
                "places": [{"tag": t, "gpa": a, "bytes": len(w)}
                           for t, a, w in self.final()]}


def pmemsave(q, out, gpa, size, name):
    """QMP pmemsave (synchronous): size bytes of guest-physical memory at gpa."""
    path = os.path.join(out, name)
    q.cmd("pmemsave", val=gpa, size=size, filename=path)
    if os.path.getsize(path) != size:
        raise OSError("pmemsave wrote %d bytes, not %d" % (os.path.getsize(path), size))
    return name
