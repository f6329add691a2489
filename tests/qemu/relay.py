"""A recording relay between an old QEMU and a new one (cpr-transfer channels).

Listens on a unix socket that the old QEMU connects to, connects to the new QEMU's
socket, forwards bytes both ways and every SCM_RIGHTS fd old -> new, and records the
old -> new bytes to a file. Each received fd is noted as {"offset": byte offset of the
byte that carried it, "link": readlink of /proc/self/fd/N as the relay saw it}.
Half-closes are passed on (QEMU waits for HUP on the cpr channel).
"""
import array
import os
import socket
import threading
import time

FDS_SPACE = socket.CMSG_SPACE(64 * array.array("i").itemsize)


def recv_fds(sock, size):
    """recvmsg returning (data, [fds])."""
    data, anc, _flags, _addr = sock.recvmsg(size, FDS_SPACE)
    fds = array.array("i")
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            usable = len(payload) - len(payload) % fds.itemsize
            fds.frombytes(payload[:usable])
    return data, list(fds)


class Relay:
    """connections > 1 (multifd: the main channel, then one per multifd channel):
    each is relayed and recorded on its own, the k-th to record_path + ".k"
    (the first to record_path); which one is the main channel is for the caller
    to tell (it starts with QEVM)."""

    def __init__(self, listen_path, target_path, record_path, bytewise, timeout=30,
                 connections=1):
        self.listen_path = listen_path
        self.target_path = target_path
        self.record_path = record_path
        self.bytewise = bytewise      # 1-byte reads: exact offset of each fd's byte
        self.timeout = timeout
        self.connections = connections
        self.scm_rights = []
        self.nbytes = 0
        self.error = None
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(listen_path)
        self.server.listen(connections)
        self.server.settimeout(0.1)
        self.aborted = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            pipes = []
            for k in range(self.connections):
                old = self._accept()
                if old is None:
                    return
                path = self.record_path + (".%d" % k if k else "")
                t = threading.Thread(target=self._pipe, args=(old, path), daemon=True)
                t.start()
                pipes.append(t)
            for t in pipes:
                t.join(self.timeout)
        except Exception as e:  # reported by the scenario
            self.error = "%s: %s" % (type(e).__name__, e)
        finally:
            self.server.close()

    def _pipe(self, old, path):
        try:
            old.settimeout(self.timeout)
            new = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            new.settimeout(self.timeout)
            new.connect(self.target_path)
            back = threading.Thread(target=self._backward, args=(new, old), daemon=True)
            back.start()
            self._forward(old, new, path)
            back.join(self.timeout)
            old.close()
            new.close()
        except Exception as e:  # reported by the scenario
            self.error = self.error or "%s: %s" % (type(e).__name__, e)

    def _accept(self):
        deadline = time.monotonic() + self.timeout
        while not self.aborted:
            try:
                return self.server.accept()[0]
            except socket.timeout:
                if time.monotonic() > deadline:
                    raise
        return None

    def _forward(self, src, dst, path):
        with open(path, "wb") as rec:
            while True:
                data, fds = recv_fds(src, 1 if self.bytewise else 1 << 16)
                if fds:
                    self._note_fds(fds)
                if not data and not fds:
                    break
                dst.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                      array.array("i", fds))] if fds else [])
                for fd in fds:
                    os.close(fd)
                rec.write(data)
                self.nbytes += len(data)
        dst.shutdown(socket.SHUT_WR)

    def _note_fds(self, fds):
        for fd in fds:
            link = os.readlink("/proc/self/fd/%d" % fd)
            self.scm_rights.append({"offset": self.nbytes, "link": link})

    def _backward(self, src, dst):
        try:
            while True:
                data = src.recv(1 << 16)
                if not data:
                    break
                dst.sendall(data)
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def abort(self):
        """Stop waiting for the old QEMU (it refused the migration)."""
        self.aborted = True

    def join(self, timeout):
        self.thread.join(timeout)
        if self.thread.is_alive():
            self.error = self.error or "relay still running after %s s" % timeout
        return self.error
