"""An independent walk of a stream's device sections by its own vmdesc (the JSON QEMU
appends after EOF), written from shared/docs/device-state-facts.md section 3, not from
cprdump's decoder: every body must be consumed exactly (field sizes x array lengths +
subsection headers = body size), with each subsection header in the bytes carrying the
name and version the vmdesc gives. It also yields each leaf's raw bytes, to compare a
decoder's values against."""
import collections
import json
import struct

SUBSECTION = 0x05
FULL = 0x04


class WalkError(Exception):
    pass


Leaf = collections.namedtuple("Leaf", "type raw offset")


class Fields(list):
    """One description's (name, value) pairs in wire order (a list of values is an
    array)."""


def load_vmdesc(data, vmdesc):
    """The vmdesc JSON at the offset cprdump reports: 0x06, BE u32 length, JSON."""
    o = vmdesc["offset"]
    if data[o] != 0x06:
        raise WalkError("no 0x06 at vmdesc offset %d" % o)
    n = struct.unpack(">I", data[o + 1:o + 5])[0]
    return json.loads(data[o + 5:o + 5 + n])


class Walker:
    def __init__(self, data, start, end):
        self.data, self.pos, self.end = data, start, end
        self.subsections = 0

    def take(self, n, what):
        if self.pos + n > self.end:
            raise WalkError("%s: %d bytes at %d run past the body end %d" % (
                what, n, self.pos, self.end))
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def vmsd(self, desc, what):
        """fields, then subsections, of one (nested) description -> ordered list of
        (name, value) where value is a Leaf, a list of values, or a nested list."""
        out = self.fields(desc.get("fields", []), what)  # a Fields
        for sub in desc.get("subsections", []):
            out.append((sub["vmsd_name"], self.subsection(sub, what)))
        return out

    def subsection(self, sub, what):
        at = self.pos
        name = sub["vmsd_name"].encode()
        head = self.take(2 + len(name) + 4, what + " subsection header")
        if head[0] != SUBSECTION or head[1] != len(name) or head[2:2 + len(name)] != name:
            raise WalkError("%s: no subsection header for %s at %d (%r)" % (
                what, sub["vmsd_name"], at, head[:2 + len(name)]))
        version = struct.unpack(">I", head[-4:])[0]
        if version != sub["version"]:
            raise WalkError("%s: subsection %s at %d has version %d, vmdesc %d" % (
                what, sub["vmsd_name"], at, version, sub["version"]))
        self.subsections += 1
        return self.vmsd(sub, sub["vmsd_name"])

    def element(self, f, what):
        where = "%s.%s" % (what, f["name"])
        desc = f["struct"] if f["type"] == "struct" else \
            f if f["type"] in ("tmp", "vstruct") and "fields" in f else None
        if desc is not None:   # tmp/vstruct: one body, described inside the field
            start = self.pos
            val = self.vmsd(desc, where)
            if self.pos - start != f["size"]:
                raise WalkError("%s: struct element consumed %d bytes, vmdesc size %d" % (
                    where, self.pos - start, f["size"]))
            return val
        at = self.pos
        return Leaf(f["type"], self.take(f["size"], where), at)

    def fields(self, fields, what):
        """Consecutive entries of one name are one array (uncompressed arrays, NULL
        runs); an entry with array_len N is N elements; a lone element stays scalar."""
        out = []
        for f in fields:
            n = f.get("array_len", 1)
            vals = [self.element(f, what) for _ in range(n)]
            if out and out[-1][0] == f["name"]:
                if not out[-1][2]:
                    out[-1][1:] = [[out[-1][1]], True]
                out[-1][1].extend(vals)
            else:
                out.append([f["name"], vals if n > 1 else vals[0], n > 1])
        return Fields((name, val) for name, val, _ in out)


def header_len(sec):
    return 1 + 4 + 1 + len(sec["idstr"].encode()) + 4 + 4


def walk_stream(path, doc):
    """Walk every FULL device section of cprdump's section list by the vmdesc.
    Returns (results, vmdesc) with one dict per section: idstr, instance-id, body
    range, bytes consumed, subsection headers met, the tree of raw values, and the
    error (None when the body was consumed exactly)."""
    st = doc["stream"]
    with open(path, "rb") as f:
        data = f.read()
    vd = load_vmdesc(data, st["vmdesc"])
    devs = collections.defaultdict(list)   # in order: 7.2 has two "slirp" with id 0
    for d in vd["devices"]:
        devs[(d["name"], d["instance_id"])].append(d)
    results = []
    for sec in st["sections"]:
        if sec["type"] != "full":
            continue
        start = sec["offset"] + header_len(sec)
        end = start + sec["body-size"]
        r = {"idstr": sec["idstr"], "instance-id": sec["instance-id"],
             "section-id": sec["section-id"], "start": start,
             "end": end, "consumed": 0, "subsections": 0, "tree": None, "error": None}
        results.append(r)
        same = devs.get((sec["idstr"], sec["instance-id"]))
        d = same.pop(0) if same else None
        w = Walker(data, start, end)
        try:
            if d is None:
                raise WalkError("no vmdesc entry")
            if data[sec["offset"]] != FULL or \
               data[sec["offset"] + 6:start - 8] != sec["idstr"].encode():
                raise WalkError("no FULL section header at %d" % sec["offset"])
            r["tree"] = w.vmsd(d, sec["idstr"])
            if w.pos != end:
                raise WalkError("walk ended at %d, %d bytes before the body end" % (
                    w.pos, end - w.pos))
        except WalkError as e:
            r["error"] = str(e)
        r["consumed"], r["subsections"] = w.pos - start, w.subsections
    return results, vd


SIGNED = {"int8", "int16", "int32", "int64", "int32 equal", "int32 le", "int64 le"}
UNSIGNED = {"uint8", "uint16", "uint32", "uint64", "uint8 equal", "uint16 equal",
            "uint32 equal", "int64 equal"}


def leaf_int(leaf, signed=None):
    if signed is None:
        signed = leaf.type in SIGNED
    return int.from_bytes(leaf.raw, "big", signed=signed)


def as_json(tree):
    """The walk as plain JSON values: integer types as numbers, bool as bool, anything
    else as lowercase hex; arrays as lists, structs and subsections as objects."""
    if isinstance(tree, Leaf):
        if tree.type in SIGNED or tree.type in UNSIGNED:
            return leaf_int(tree)
        if tree.type == "bool":
            return tree.raw != b"\0"
        return tree.raw.hex()
    if isinstance(tree, Fields):
        return {name: as_json(v) for name, v in tree}
    return [as_json(v) for v in tree]
