"""Real libvirt save images against cprdump, with libvirt's and QEMU's own word as
the truth; prints TAP.

usage: suite.py CPRDUMP OUTDIR
Makes the saves (saves.py), then for each: the header fields read here with
struct, the domain as `virsh dumpxml` showed it before the save, the RAM blocks
as `info ramblock` listed them, and the embedded stream as the compressor
program libvirt itself restores with (`gzip -dc`, ...) yields it."""
import json
import os
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

import saves

PROGRAMS = {"raw": None, "gzip": ["gzip", "-dc"], "bzip2": ["bzip2", "-dc"],
            "xz": ["xz", "-dc"], "lzop": ["lzop", "-dc"]}


class Tap:
    def __init__(self):
        self.n = self.failed = 0

    def ok(self, cond, desc):
        self.n += 1
        self.failed += not cond
        print("%s %d - %s" % ("ok" if cond else "not ok", self.n, desc), flush=True)
        return cond

    def eq(self, got, want, desc):
        if not self.ok(got == want, desc):
            print("#   got:  %r\n#   want: %r" % (got, want), flush=True)


def cprdump(binary, *args, piped=None):
    """cprdump ARGS; piped: bytes given on a pipe (not seekable) as stdin."""
    r = subprocess.run([binary] + list(args), capture_output=True, timeout=120,
                       input=piped)
    return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")


def header(path):
    """The libvirt header, read here: magic, version, data_len, was_running,
    format, cookieOffset (little-endian on x86)."""
    with open(path, "rb") as f:
        raw = f.read(92)
        magic, version, data_len, running, fmt, cookie = struct.unpack("<16s5I", raw[:36])
        data = f.read(data_len)
    xml = data[:data.index(b"\0")].decode()
    return {"magic": magic.decode(), "version": version, "data-length": data_len,
            "was-running": bool(running), "compression-code": fmt,
            "cookie-offset": cookie, "payload-offset": 92 + data_len, "xml": xml}


def plain_stream(path, fmt, offset, tmp):
    """The payload as the compressor program libvirt restores with yields it."""
    out = os.path.join(tmp, os.path.basename(path) + ".stream")
    with open(path, "rb") as f, open(out, "wb") as o:
        f.seek(offset)
        if PROGRAMS[fmt] is None:
            o.write(f.read())
        else:
            subprocess.run(PROGRAMS[fmt], stdin=f, stdout=o, check=True, timeout=120)
    return out


def stream_view(doc):
    s = dict(doc["stream"])
    s.pop("input", None)
    s.pop("compression", None)
    return s


def check_complete(tap, binary, path, t, tmp):
    name = os.path.basename(path)
    rc, out, err = cprdump(binary, "--json", path)
    if not tap.ok(rc == 0 and out, "%s (%s): cprdump --json exits 0 (%s)"
                  % (name, t["how"], err.strip())):
        return
    doc = json.loads(out)
    lv, h = doc["libvirt-save"], header(path)
    for k in ("magic", "version", "data-length", "was-running", "compression-code",
              "cookie-offset", "payload-offset"):
        tap.eq(lv[k], h[k], "%s: %s as the header says" % (name, k))
    tap.eq(lv["compression"], t["format"], "%s: compression %s as save_image_format"
           % (name, t["format"]))
    tap.eq(lv["complete"], True, "%s: complete (LibvirtQemudSave)" % name)
    tap.eq(lv["xml"], h["xml"], "%s: the domain XML, byte for byte" % name)
    tap.ok(lv["cookie"] and lv["cookie"].startswith("<cookie>"),
           "%s: the cookie (version 2)" % name)
    dom = lv["domain"]
    for k in ("name", "uuid", "machine", "arch"):
        tap.eq(dom[k], t[k], "%s: domain %s as virsh dumpxml said" % (name, k))
    tap.eq(dom["type"], t["domain-type"], "%s: domain type qemu" % name)
    tap.eq(dom["memory"], t["memory-kib"] * 1024, "%s: memory as dumpxml" % name)
    tap.eq(dom["emulator"], t["emulator"], "%s: emulator as dumpxml" % name)
    devs = ET.fromstring(h["xml"]).find("devices")
    tap.eq(dom["device-count"], len([d for d in devs if d.tag != "emulator"]),
           "%s: device count as the XML's <devices>" % name)
    blocks = {b["idstr"]: b["used-length"] for b in doc["stream"]["ram"]["blocks"]}
    tap.eq(blocks, {b["name"]: b["used"] for b in t["ramblocks"]},
           "%s: RAM blocks and sizes as QEMU's info ramblock" % name)
    plain = plain_stream(path, t["format"], h["payload-offset"], tmp)
    # a compressed payload cannot be read ahead from its end (the page size is
    # inferred, not read from the vmdesc): compare with the stream through a pipe
    if PROGRAMS[t["format"]]:
        with open(plain, "rb") as f:
            rc2, out2, _ = cprdump(binary, "--json", "-", piped=f.read())
    else:
        rc2, out2, _ = cprdump(binary, "--json", plain)
    tap.ok(rc2 == 0 and stream_view(json.loads(out2)) == stream_view(doc),
           "%s: the embedded stream decodes as %s yields it"
           % (name, " ".join(PROGRAMS[t["format"]] or ["the raw tail"])))
    rc3, human, _ = cprdump(binary, "--show-xml", path)
    tap.ok(rc3 == 0 and "<name>%s</name>" % t["name"] in human and
           "domain       %s" % t["name"] in human,
           "%s: human output with --show-xml prints the summary and the XML" % name)


def check_partial(tap, binary, path, t):
    name = os.path.basename(path)
    h = header(path)
    tap.eq(h["magic"], "LibvirtQemudPart", "%s: libvirt left the Part magic" % name)
    rc, out, err = cprdump(binary, "--json", path)
    doc = json.loads(out) if out else {}
    tap.eq(rc, 5, "%s: exit 5 (truncated or invalid)" % name)
    tap.eq(doc.get("libvirt-save", {}).get("complete"), False,
           "%s: complete false in the JSON" % name)
    tap.eq(doc.get("libvirt-save", {}).get("domain", {}).get("uuid"), t["uuid"],
           "%s: the domain still shown (uuid as dumpxml)" % name)
    secs = doc.get("stream", {}).get("sections", [])
    tap.ok(len(secs) >= 1 and doc["stream"]["ram"]["present"],
           "%s: the stream decoded as far as it goes (%d sections)" % (name, len(secs)))
    tap.ok(err.count("\n") == 1 and err.startswith("cprdump: %s: " % path),
           "%s: one error line (%s)" % (name, err.strip()))


def main(argv):
    binary, out = argv[1], argv[2]
    tap = Tap()
    try:
        truth = saves.make_all(out, os.path.join(out, "root"))
    except Exception as e:
        tap.ok(False, "making the libvirt saves: %s: %s" % (type(e).__name__, e))
        print("1..%d" % tap.n)
        return 1
    print("# %s; files in %s" % (truth.get("libvirt-version"), out), flush=True)
    want = ["save-%s.sav" % f for f in saves.formats()] + ["managed.save",
                                                           "snapshot-mem.sav"]
    tap.eq(sorted(k for k in truth if k.endswith((".sav", ".save")) and
                  truth[k]["complete"]), sorted(want), "every save was made")
    with tempfile.TemporaryDirectory() as tmp:
        for f in want:
            if f in truth:
                check_complete(tap, binary, os.path.join(out, f), truth[f], tmp)
    if "partial.sav" in truth:
        check_partial(tap, binary, os.path.join(out, "partial.sav"), truth["partial.sav"])
    print("1..%d" % tap.n)
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
