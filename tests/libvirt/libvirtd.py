"""A private libvirtd (Debian 12's libvirt 9.0) for the tests: no systemd, no
system daemon touched.

libvirtd and virtlogd run in their own mount namespace (unshare -m), in which
/etc/libvirt, /run/libvirt, /var/lib/libvirt and /var/log/libvirt are bind
mounts of directories under ROOT, so the test's qemu.conf (save_image_format)
and domains never reach the machine's. The QEMU capabilities cache is kept
between runs (CACHE): probing QEMU 7.2 costs libvirt about 40 s the first time.
virsh talks to the daemon over the socket in ROOT/run. Every process started
here is stopped by pid: virtlogd and libvirtd by the pids this module recorded,
the QEMUs by the pid files libvirt writes in ROOT/run/qemu."""
import glob
import os
import shutil
import signal
import subprocess
import time

CACHE = os.environ.get("CPRDUMP_LIBVIRT_CACHE", "/var/cache/cprdump/libvirt-9.0")
MOUNTS = [("etc", "/etc/libvirt"), ("run", "/run/libvirt"), ("lib", "/var/lib/libvirt"),
          ("log", "/var/log/libvirt")]
INNER = """set -e
for m in %s; do mkdir -p "${m#*=}"; mount --bind "${m%%%%=*}" "${m#*=}"; done
mkdir -p /var/cache/libvirt
mount --bind "$CACHE_DIR" /var/cache/libvirt
virtlogd & echo $! >"$ROOT/virtlogd.pid"
exec libvirtd
"""


class LibvirtError(Exception):
    pass


class Libvirtd:
    def __init__(self, root, timeout=30, start_timeout=150):
        self.root = root
        self.timeout = timeout
        self.start_timeout = start_timeout
        self.proc = None
        self.virtlogd = None
        self.sock = os.path.join(root, "run", "libvirt-sock")

    def prepare(self, conf):
        """A fresh private tree with qemu.conf extended by conf (a dict)."""
        shutil.rmtree(self.root, ignore_errors=True)
        os.makedirs(self.root)
        os.chmod(self.root, 0o755)
        shutil.copytree("/etc/libvirt", os.path.join(self.root, "etc"), symlinks=True)
        shutil.copytree("/var/lib/libvirt", os.path.join(self.root, "lib"), symlinks=True)
        shutil.copytree("/var/log/libvirt", os.path.join(self.root, "log"), symlinks=True)
        os.makedirs(os.path.join(self.root, "run"))
        if not os.path.isdir(CACHE):
            shutil.copytree("/var/cache/libvirt", CACHE, symlinks=True)
        with open(os.path.join(self.root, "etc", "libvirtd.conf"), "a") as f:
            # why a capabilities cache entry is thrown away, in ROOT/log/caps.log
            f.write('\nlog_filters = "1:qemu.qemu_capabilities 1:util.filecache"\n'
                    'log_outputs = "1:file:/var/log/libvirt/caps.log"\n')
        self.set_conf(conf)

    def set_conf(self, conf):
        with open("/etc/libvirt/qemu.conf") as f:
            base = f.read()
        # QEMU as root: libvirt 9.0 probes QEMU's capabilities with KVM
        # present, then, as libvirt-qemu cannot open /dev/kvm (0600 here),
        # finds "KVM was enabled when probing, but it is not available now"
        # and probes again on every lookup (5 s each, minutes per run). The
        # domains are TCG (type qemu) either way.
        conf = dict({"user": "root", "group": "root"}, **conf)
        extra = "".join('%s = "%s"\n' % kv for kv in sorted(conf.items()))
        with open(os.path.join(self.root, "etc", "qemu.conf"), "w") as f:
            f.write(base + "\n# cprdump tests\n" + extra)

    def start(self):
        mounts = " ".join("%s=%s" % (os.path.join(self.root, d), t) for d, t in MOUNTS)
        env = dict(os.environ, ROOT=self.root, CACHE_DIR=CACHE)
        log = open(os.path.join(self.root, "libvirtd.log"), "ab")
        try:
            os.unlink(self.sock)
        except FileNotFoundError:
            pass
        self.proc = subprocess.Popen(
            ["unshare", "-m", "--propagation", "private", "bash", "-c", INNER % mounts],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env, start_new_session=True)
        log.close()
        deadline = time.monotonic() + self.start_timeout
        while True:
            if self.proc.poll() is not None:
                raise LibvirtError("libvirtd exited with %s (see %s/libvirtd.log)"
                                   % (self.proc.returncode, self.root))
            if os.path.exists(self.sock) and self.try_virsh("version", timeout=self.start_timeout).returncode == 0:
                break
            if time.monotonic() > deadline:
                raise LibvirtError("libvirtd not answering after %d s" % self.start_timeout)
            time.sleep(0.1)
        self.virtlogd = int(open(os.path.join(self.root, "virtlogd.pid")).read())
        # the first start probes QEMU's capabilities (about 40 s, then cached)
        self.virsh("domcapabilities", "--virttype", "qemu", "--arch", "x86_64",
                   timeout=self.start_timeout)

    def uri(self):
        return "qemu:///system?socket=" + self.sock

    def try_virsh(self, *args, timeout=None):
        return subprocess.run(["virsh", "-q", "-c", self.uri()] + list(args),
                              capture_output=True, text=True,
                              timeout=timeout or self.timeout)

    def virsh(self, *args, timeout=None):
        r = self.try_virsh(*args, timeout=timeout)
        if r.returncode != 0:
            raise LibvirtError("virsh %s: %s" % (" ".join(args), r.stderr.strip()))
        return r.stdout

    def qemu_pids(self):
        """QEMU pids from libvirt's pid files (ROOT/run/qemu/NAME.pid)."""
        return read_pids(os.path.join(self.root, "run", "qemu", "*.pid"))

    def probe_pids(self):
        """QEMUs libvirt starts to probe capabilities (ROOT/lib/qemu/qmp-*/qmp.pid)."""
        return read_pids(os.path.join(self.root, "lib", "qemu", "qmp-*", "qmp.pid"))

    def kill_daemons(self, sig=signal.SIGTERM):
        """libvirtd, then virtlogd, by their recorded pids, then what libvirtd
        had started and left (iohelper, a compressor)."""
        children = children_of(self.proc.pid) if self.proc else []
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        pidfile = os.path.join(self.root, "virtlogd.pid")
        if not self.virtlogd and os.path.exists(pidfile):
            self.virtlogd = int(open(pidfile).read())
        if self.virtlogd:
            kill_pid(self.virtlogd, sig)
            self.virtlogd = None
        for pid in children:
            kill_pid(pid, signal.SIGKILL)

    def stop(self):
        """libvirtd and virtlogd, and every QEMU they left, by pid."""
        qemus = self.qemu_pids() + self.probe_pids()
        self.kill_daemons()
        for pid in qemus:
            kill_pid(pid, signal.SIGKILL)


def children_of(ppid):
    """Pids whose parent is ppid (from /proc/PID/stat), QEMUs excluded: they
    are stopped by their pid files."""
    pids = []
    for d in glob.glob("/proc/[0-9]*"):
        try:
            stat = open(d + "/stat").read()
            comm = open(d + "/comm").read().strip()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == ppid and not comm.startswith("qemu"):
            pids.append(int(d[6:]))
    return pids


def read_pids(pattern):
    pids = []
    for f in glob.glob(pattern):
        try:
            pids.append(int(open(f).read().strip()))
        except (OSError, ValueError):
            pass
    return pids


def kill_pid(pid, sig):
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    if sig not in (signal.SIGKILL, signal.SIGTERM):
        return
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        # a child of ours that exited is reaped by its Popen; others by init
        time.sleep(0.05)
