"""Files derived from the real libvirt save (tests/fixtures/real/libvirt-save-raw)
for tests/cli/libvirt.sh: its payload recompressed (as libvirt would with
another save_image_format), hostile headers, and a decompression bomb.

usage: libvirt_files.py SAVE OUTDIR"""
import bz2
import gzip
import lzma
import os
import struct
import subprocess
import sys

HDR = 92
COMP = {"raw": 0, "gzip": 1, "bzip2": 2, "xz": 3, "lzop": 4, "zstd": 5}


def split(save):
    data_len = struct.unpack_from("<I", save, 20)[0]
    return save[:HDR], save[HDR:HDR + data_len], save[HDR + data_len:]


def with_field(hdr, off, value):
    return hdr[:off] + struct.pack("<I", value) + hdr[off + 4:]


def compress(kind, data):
    if kind == "gzip":
        return gzip.compress(data, 6)
    if kind == "bzip2":
        return bz2.compress(data, 9)
    if kind == "xz":
        return lzma.compress(data)
    return subprocess.run([kind, "-q", "-c"] if kind == "zstd" else [kind, "-c"],
                          input=data, capture_output=True, check=True).stdout


def bomb_payload(stream):
    """The stream up to its first page record (pc.ram page 0), then the same
    page sent again and again: 1024 records per bzip2 stream (4 MiB in 59
    bytes), 8192 streams concatenated: 34 GB from half a megabyte."""
    part = stream.index(b"\x02\x00\x00\x00\x03")       # the first ram PART
    first = part + 5 + 8 + 1 + len("pc.ram") + 4096
    again = struct.pack(">Q", 0x28) + bytes(4096)     # PAGE | CONTINUE, addr 0
    chunk = bz2.compress(again * 1024, 9)
    return bz2.compress(stream[:first], 9) + chunk * 8192


def write(out, name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


def main(save_path, out):
    with open(save_path, "rb") as f:
        save = f.read()
    hdr, data, stream = split(save)
    write(out, "stream.bin", stream)
    for kind in ("gzip", "bzip2", "xz", "lzop", "zstd"):
        h = with_field(hdr, 28, COMP[kind])
        body = compress(kind, stream)
        write(out, "save-%s.sav" % kind, h + data + body)
        write(out, "cut-%s.sav" % kind, h + data + body[:len(body) // 2])
        write(out, "stream.%s" % kind, body)
    write(out, "part.sav", b"LibvirtQemudPart" + hdr[16:] + data + stream)
    write(out, "cut-raw.sav", hdr + data + stream[:len(stream) // 2])
    write(out, "part-cut.sav", b"LibvirtQemudPart" + hdr[16:] + data +
          stream[:len(stream) // 3])
    write(out, "len-past-end.sav", with_field(hdr, 20, 0x00fffff0) + data[:4096])
    write(out, "len-over-limit.sav", with_field(hdr, 20, 0x7fffffff) + data)
    write(out, "len-zero.sav", with_field(hdr, 20, 0) + data + stream)
    nul = data.index(b"\0")
    xml_only = data[:nul] + b" " * (len(data) - nul)       # no NUL anywhere
    write(out, "xml-no-nul.sav", with_field(hdr, 32, 0) + xml_only + stream)
    write(out, "comp-unknown.sav", with_field(hdr, 28, 9) + data + stream)
    write(out, "comp-wrong.sav", with_field(hdr, 28, COMP["xz"]) + data +
          compress("gzip", stream))
    write(out, "cookie-past.sav", with_field(hdr, 32, len(data) + 8) + data + stream)
    write(out, "version-9.sav", with_field(hdr, 16, 9) + data + stream)
    bad_xml = data.replace(b"</name>", b"</nam >", 1)     # same length
    write(out, "xml-bad.sav", hdr + bad_xml + stream)
    big = (hdr[:16] + b"".join(struct.pack(">I", struct.unpack_from("<I", hdr, o)[0])
                               for o in range(16, HDR, 4)))
    write(out, "big-endian.sav", big + data + stream)
    write(out, "bomb.sav", with_field(hdr, 28, COMP["bzip2"]) + data +
          bomb_payload(stream))
    write(out, "bomb.bz2", bomb_payload(stream))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
