"""Guest memory as QEMU itself sees it, for the --extract-ram checks: known
patterns written at guest-physical addresses through a qtest chardev (in pc.ram
below the PCI hole and in vga.vram through its BAR 0), rewritten while the
migration runs so that pages are sent again, and QEMU's own pmemsave of the low
memory once the source has stopped."""
import base64
import os
import threading
import time

from qmp import connect_unix

QTEST_SOCK = "qtest.sock"
PAGE = 4096
# guest-physical address -> pattern label; pc.ram offsets equal addresses below
# the PCI hole
RAM_ADDRS = [0x100000 * 16 + 0x123, 0x100000 * 100 + 0x40, 0x7ff000]
VRAM_OFFSET = 0x100000       # inside vga.vram, reached through BAR 0
SCRATCH = 0x5000000          # 64 pc.ram pages rewritten in turn without pause
SCRATCH_PAGES = 64
PMEMSAVE_NAME = "pmemsave.bin"


def qtest_argv(out):
    return ["-qtest", "unix:%s/%s,server=on,wait=off" % (out, QTEST_SOCK)]


class QTest:
    """The qtest line protocol: one command a line, answered "OK ..." or "FAIL"."""

    def __init__(self, path, timeout=20):
        self.sock = connect_unix(path, timeout)
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
    """Writes version 1 of every pattern, then newer versions while the
    migration's first pass runs; final() is what the guest memory holds."""

    def __init__(self, q, out, has_vga):
        self.qt = QTest(os.path.join(out, QTEST_SOCK))
        self.vga = vga_bar0(q) if has_vga else None
        self.places = [("ram-%x" % a, a) for a in RAM_ADDRS]
        if self.vga:
            self.places.append(("vram-%x" % VRAM_OFFSET, self.vga + VRAM_OFFSET))
        self.version = 0
        self.active = None
        self.write_all()

    def write_all(self):
        self.version += 1
        for tag, addr in self.places:
            self.qt.write(addr, pattern(tag, self.version))

    def _scratch_loop(self):
        k = 0
        while not self.scratch_stop:
            k += 1
            self.qt.write(SCRATCH + (k % SCRATCH_PAGES) * PAGE,
                          b"cprdump-extract scratch %08d" % k)
            self.scratch_count = k

    def start_scratch(self):
        """A few bytes of 64 pc.ram pages changed in turn without pause: some
        page is always dirty again after it was sent, so a held migration
        cannot switch over while this runs, and the pages are sent again and
        again (as XBZRLE deltas when that capability is on)."""
        self.scratch_stop = False
        self.scratch_count = 0
        self.scratch = threading.Thread(target=self._scratch_loop, daemon=True)
        self.scratch.start()

    def rewrite(self, q, seconds, hold):
        """New versions of every pattern every 0.1 s for 'seconds' after
        migrate (pages already sent are sent again), then 'hold' seconds more
        of scratch writes; all writes stop. Returns whether the migration had
        not passed its (paused) switchover yet after the last write: then the
        stream holds every write."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < seconds:
            time.sleep(0.1)
            self.write_all()
        time.sleep(hold)
        self.scratch_stop = True
        self.scratch.join(10)
        info = q.cmd("query-migrate")
        self.active = info.get("status") in ("active", "pre-switchover")
        self.sync_count = info.get("ram", {}).get("dirty-sync-count")
        return self.active

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
                "written_while_active": self.active,
                "dirty_sync_count_after": self.sync_count,
                "scratch_writes": self.scratch_count,
                "places": [{"tag": t, "gpa": a, "bytes": len(w)}
                           for t, a, w in self.final()]}


def pmemsave(q, out, gpa, size, name):
    """QMP pmemsave (synchronous): size bytes of guest-physical memory at gpa."""
    path = os.path.join(out, name)
    q.cmd("pmemsave", val=gpa, size=size, filename=path)
    if os.path.getsize(path) != size:
        raise OSError("pmemsave wrote %d bytes, not %d" % (os.path.getsize(path), size))
    return name
