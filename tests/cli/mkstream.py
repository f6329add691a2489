#!/usr/bin/env python3
"""Writes a small, valid QEMU migration stream with a "ram" section made to
order, for the extraction tests: mkstream.py OUT SPEC (JSON, or @FILE)

SPEC: {"blocks": [[idstr (str, or "hex:..." for raw bytes), used_length], ...],
       "pages": [[block index, offset, kind, data], ...]}
kind: "page" (data: hex of one 4 KiB page, or "fill:XX"), "zero", "xbzrle"
(data: hex of the delta), "compressed" (data: hex of the page, zlib'd here).
Layout: formats/stream.md, ram.md (header QEVM 3, a configuration with
target-page-bits 12, START "ram" v4, MEM_SIZE, pages, EOS, footer, EOF)."""
import json
import struct
import sys
import zlib

PAGE = 4096
FLAGS = {"zero": 0x2, "page": 0x8, "xbzrle": 0x40, "compressed": 0x100}


def idstr(s):
    return bytes.fromhex(s[4:]) if s.startswith("hex:") else s.encode()


def payload(kind, data):
    if kind == "zero":
        return b"\0"
    if data.startswith("fill:"):
        raw = bytes([int(data[5:], 16)]) * PAGE
    else:
        raw = bytes.fromhex(data)
    if kind == "page":
        assert len(raw) == PAGE
        return raw
    if kind == "xbzrle":
        return b"\x01" + struct.pack(">H", len(raw)) + raw
    z = zlib.compress(raw)
    return struct.pack(">I", len(z)) + z


def main(out, spec):
    blocks = [(idstr(n), used) for n, used in spec["blocks"]]
    body = struct.pack(">Q", sum(u for _, u in blocks) | 0x4)
    for name, used in blocks:
        body += bytes([len(name)]) + name + struct.pack(">Q", used)
    cur = None
    for bi, off, kind, data in spec["pages"]:
        flags = FLAGS[kind] | (0x20 if bi == cur else 0)
        body += struct.pack(">Q", off | flags)
        if bi != cur:
            body += bytes([len(blocks[bi][0])]) + blocks[bi][0]
        body += payload(kind, data)
        cur = bi
    body += struct.pack(">Q", 0x10)
    sec = b"\x01" + struct.pack(">I", 2) + b"\x03ram" + struct.pack(">II", 0, 4)
    # a configuration that says the target page size (4 KiB: page bits 12)
    name = b"configuration/target-page-bits"
    conf = (b"\x07" + struct.pack(">I", 2) + b"pc" + b"\x05" + bytes([len(name)]) + name +
            struct.pack(">II", 1, 12))
    data = (b"QEVM" + struct.pack(">I", 3) + conf + sec + body + b"\x7e" + struct.pack(">I", 2)
            + b"\x00")
    with open(out, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    spec = sys.argv[2]
    if spec.startswith("@"):
        with open(spec[1:]) as f:
            spec = f.read()
    main(sys.argv[1], json.loads(spec))
