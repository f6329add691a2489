"""Device-state checks of one run: the stream's device sections against QEMU's own
report of the stopped guest (truth.json["devices"], recorded by devtruth.py), and every
body against its vmdesc (vmstate.py). Each check yields (ok, description, directive).

The checks of the field decoder (`cprdump --json --device=all`) always run."""
import datetime
import json
import os
import re
import subprocess

import devtruth
import vmstate
from vmstate import Fields

SEGS = devtruth.SEGS
SEG_FLAGS_SHOWN = 0x00ffff00   # info registers prints segment flags masked (cpu-dump.c)
HF_SMM_SHIFT = 19              # target/i386/cpu.h hflags bits
HF_INHIBIT_IRQ_SHIFT = 3
E1000_RA = 0x5400 // 4         # RAL0 (mac_reg index), RAH0 = RA + 1
E1000_RAH_AV = 1 << 31

# virtio feature and status bits by the names x-query-virtio-status (7.2) prints
VIRTIO_BITS = {
    "VIRTIO_NET_F_CSUM": 0, "VIRTIO_NET_F_GUEST_CSUM": 1,
    "VIRTIO_NET_F_CTRL_GUEST_OFFLOADS": 2, "VIRTIO_NET_F_MTU": 3, "VIRTIO_NET_F_MAC": 5,
    "VIRTIO_NET_F_GSO": 6, "VIRTIO_NET_F_GUEST_TSO4": 7, "VIRTIO_NET_F_GUEST_TSO6": 8,
    "VIRTIO_NET_F_GUEST_ECN": 9, "VIRTIO_NET_F_GUEST_UFO": 10, "VIRTIO_NET_F_HOST_TSO4": 11,
    "VIRTIO_NET_F_HOST_TSO6": 12, "VIRTIO_NET_F_HOST_ECN": 13, "VIRTIO_NET_F_HOST_UFO": 14,
    "VIRTIO_NET_F_MRG_RXBUF": 15, "VIRTIO_NET_F_STATUS": 16, "VIRTIO_NET_F_CTRL_VQ": 17,
    "VIRTIO_NET_F_CTRL_RX": 18, "VIRTIO_NET_F_CTRL_VLAN": 19,
    "VIRTIO_NET_F_CTRL_RX_EXTRA": 20, "VIRTIO_NET_F_GUEST_ANNOUNCE": 21,
    "VIRTIO_NET_F_MQ": 22, "VIRTIO_NET_F_CTRL_MAC_ADDR": 23,
    "VIRTIO_F_NOTIFY_ON_EMPTY": 24, "VIRTIO_F_ANY_LAYOUT": 27,
    "VIRTIO_RING_F_INDIRECT_DESC": 28, "VIRTIO_RING_F_EVENT_IDX": 29,
    "VHOST_USER_F_PROTOCOL_FEATURES": 30, "VIRTIO_F_VERSION_1": 32,
    "VIRTIO_F_IOMMU_PLATFORM": 33, "VIRTIO_F_RING_PACKED": 34, "VIRTIO_F_IN_ORDER": 35,
    "VIRTIO_F_ORDER_PLATFORM": 36, "VIRTIO_F_SR_IOV": 37, "VIRTIO_F_RING_RESET": 40,
    "VIRTIO_NET_F_HASH_REPORT": 57, "VIRTIO_NET_F_RSS": 60, "VIRTIO_NET_F_RSC_EXT": 61,
    "VIRTIO_NET_F_STANDBY": 62, "VIRTIO_NET_F_SPEED_DUPLEX": 63,
}
VIRTIO_STATUS_BITS = {"VIRTIO_CONFIG_S_ACKNOWLEDGE": 1, "VIRTIO_CONFIG_S_DRIVER": 2,
                      "VIRTIO_CONFIG_S_DRIVER_OK": 4, "VIRTIO_CONFIG_S_FEATURES_OK": 8,
                      "VIRTIO_CONFIG_S_NEEDS_RESET": 0x40, "VIRTIO_CONFIG_S_FAILED": 0x80}


def label(s):
    return "stream" if s["kind"] == "normal" else s["kind"]


def qemu_names(listing):
    """x-query-virtio-status lists "NAME: description"; the names alone."""
    return sorted(x.split(":", 1)[0].strip() for x in listing)


def feature_names(features):
    return qemu_names(features.get("dev-features", []) + features.get("transports", []))


def feature_mask(features):
    """The feature bits of a QEMU feature report (names, plus the unknown bits)."""
    mask = features.get("unknown-dev-features", 0)
    for n in feature_names(features):
        mask |= 1 << VIRTIO_BITS[n]
    return mask


def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


# ---- what QEMU reported, before any decoding -------------------------------------------

def check_qemu_report(s, t):
    """QEMU's own report was recorded and says what the command line asked for: one
    register set per vCPU, the NICs' MACs, the CMOS date of -rtc base, BARs in
    query-pci, and (7.2) virtio-net driven to DRIVER_OK with negotiated features."""
    dev = t.get("devices") or {}
    why = []
    smp = int(s["args"][s["args"].index("-smp") + 1]) if "-smp" in s["args"] else 1
    cpus = dev.get("cpus") or []
    if [c["index"] for c in cpus] != list(range(smp)):
        why.append("cpus %s" % [c["index"] for c in cpus])
    if not all(set(c["segs"]) >= set(SEGS + ["LDT", "TR", "GDT", "IDT"]) for c in cpus):
        why.append("segment lines missing")
    for n in dev.get("nics", []):
        if n["mac_option"] and n["mac"] != n["mac_option"]:
            why.append("%s mac %s" % (n["id"], n["mac"]))
    rtc = dev.get("rtc") or {}
    tm = rtc.get("rtc_time") or {}
    when = "%04d-%02d-%02d" % (tm.get("tm_year", 0) + 1900, tm.get("tm_mon", 0) + 1,
                               tm.get("tm_mday", 0))
    base = (rtc.get("option") or {}).get("base", "")
    if not base or when != base[:10] or rtc.get("base_epoch") != devtruth.rtc_base_epoch(base):
        why.append("rtc %s" % rtc)
    bars = [r for b in dev.get("pci", []) for d in b["devices"] for r in d["regions"]]
    if not bars or devtruth.unmapped_bars(dev.get("pci", [])):
        why.append("unmapped BARs in query-pci: %s" % devtruth.unmapped_bars(dev.get("pci", [])))
    virtio = dev.get("virtio")
    if s["qemu"] == "7.2":
        st = (virtio or [{}])[0].get("status", {})
        if ("VIRTIO_CONFIG_S_DRIVER_OK" not in qemu_names(st.get("status", {}).get("statuses", []))
                or not feature_names(st.get("guest-features", {}))
                or feature_mask(st["guest-features"]) & ~feature_mask(st["host-features"])):
            why.append("virtio status %s" % st)
    desc = ("%s %s: QEMU's report of the stopped guest recorded: %d vCPUs (info registers), "
            "MACs %s, CMOS date %s (rtc-time), %d BARs all mapped (query-pci)%s" % (
                label(s), s["name"], len(cpus),
                ", ".join("%s=%s" % (n["id"], n["mac"]) for n in dev.get("nics", [])),
                when, len(bars), "; virtio-net DRIVER_OK, guest features %s" % feature_names(
                    virtio[0]["status"]["guest-features"]) if virtio and not why else ""))
    return not why, desc if not why else "%s (got: %s)" % (desc, "; ".join(why)[:400]), None


def check_bodies(s, out, doc):
    """Every FULL device section's body, walked by the stream's own vmdesc (not by
    cprdump's decoder), is consumed exactly: field sizes x array lengths + subsection
    headers (each with the vmdesc's name and version) = body size; only the sections
    whose vmdesc QEMU gets wrong (s["vmdesc_differs"]) are not."""
    try:
        res, _ = vmstate.walk_stream(os.path.join(out, "main.bin"), doc)
    except (vmstate.WalkError, KeyError, ValueError) as e:
        return False, "%s %s: device bodies walked by the vmdesc (%s)" % (
            label(s), s["name"], e), None
    differs = sorted(s.get("vmdesc_differs", []))
    bad = [r for r in res if r["error"] and r["idstr"] not in differs]
    wrong = sorted(r["idstr"] for r in res if r["error"] and r["idstr"] in differs)
    desc = ("%s %s: all %d device section bodies (%d bytes, %d subsection headers) are "
            "exactly their vmdesc's field sizes + subsection headers%s" % (
                label(s), s["name"], len(res) - len(differs),
                sum(r["consumed"] for r in res if r["idstr"] not in differs),
                sum(r["subsections"] for r in res if r["idstr"] not in differs),
                "; %s is not (QEMU's vmdesc is wrong for it)" % ", ".join(differs)
                if differs else ""))
    ok = res and not bad and wrong == differs
    return bool(ok), desc if ok else "%s (%s)" % (desc, "; ".join(
        "%s#%d: %s" % (r["idstr"], r["instance-id"], r["error"]) for r in bad)[:400]), None


# ---- the decoder: cprdump --json --device=all ---------------------------------------------

def decode(cprdump, out, differs=()):
    """`cprdump --json --device=all main.bin`: (doc or None, error text). A warning
    is an error unless it is about a section whose vmdesc QEMU gets wrong."""
    try:
        r = subprocess.run([cprdump, "--json", "--device=all", os.path.join(out, "main.bin")],
                           capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, str(e)
    err = r.stderr.decode(errors="replace").strip()
    try:
        doc = json.loads(r.stdout)
    except ValueError:
        return None, "exit %d, not JSON: %s" % (r.returncode, err[:200])
    other = [l for l in err.splitlines() if not any("(%s)" % d in l for d in differs)]
    if r.returncode != 0 or other:
        return doc, "exit %d: %s" % (r.returncode, " ".join(" ".join(other).split())[:300])
    return doc, None


def sections(ddoc):
    return [x for x in ((ddoc or {}).get("stream") or {}).get("sections", [])
            if x.get("type") == "full"]


def section_obj(ddoc, match, instance=0):
    """The decoded FULL section whose idstr matches (a string: equal or ending in
    "/NAME"), or None."""
    for x in sections(ddoc):
        if (x["idstr"] == match or x["idstr"].endswith("/" + match)) and \
           x.get("instance-id") == instance:
            return x
    return None


def section(ddoc, match, instance=0):
    """That section's decoded fields, or None."""
    return (section_obj(ddoc, match, instance) or {}).get("fields")


def decoded_items(x):
    """Every (path, value) of a decoded section, its fields and what is decoded beyond
    them (e.g. the opaque virtio field), but not its byte layout."""
    return list(walk_dec({k: v for k, v in (x or {}).items() if k != "field-layout"}))


def num(v):
    """A decoded integer: a JSON number, or a u64 above 2^53 as a "0x..." string."""
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, str) and v.startswith("0x"):
        return int(v, 16)
    return None


def field(fields, *path):
    """fields["a"]["b"][3]...; None where the path is absent."""
    v = fields
    for p in path:
        if isinstance(p, int):
            v = v[p] if isinstance(v, list) and p < len(v) else None
        else:
            v = v.get(p) if isinstance(v, dict) else None
        if v is None:
            return None
    return v


def leaf_matches(dec, leaf):
    """A decoded leaf against the walk's raw bytes of it."""
    raw = leaf.raw
    if isinstance(dec, bool):
        return leaf.type == "bool" and dec == (raw != b"\0")
    if num(dec) is not None:
        if leaf.type in vmstate.SIGNED or leaf.type in vmstate.UNSIGNED:
            return num(dec) == vmstate.leaf_int(leaf)
        return num(dec) in (vmstate.leaf_int(leaf, True), vmstate.leaf_int(leaf, False))
    if isinstance(dec, str):
        return re.fullmatch(r"([0-9a-f]{2})*", dec) is not None and bytes.fromhex(dec) == raw
    if dec is None:
        return raw == b"0"   # a NULL pointer marker
    if isinstance(dec, list) and dec and len(raw) % len(dec) == 0:   # pci irq state, bitmap
        n = len(raw) // len(dec)
        return all(num(d) in (int.from_bytes(raw[i * n:(i + 1) * n], "big", signed=sg)
                              for sg in (True, False)) for i, d in enumerate(dec))
    return False


def compare(dec, ref, path, stats):
    """The decoded tree against the walk: same keys in wire order (fields, then
    subsections by full name), same list lengths, every leaf equal to its bytes."""
    if isinstance(ref, Fields):
        keys = [n for n, _ in ref]
        if not isinstance(dec, dict) or list(dec) != keys:
            stats["bad"].append("%s: keys %s, vmdesc %s" % (
                path, list(dec)[:8] if isinstance(dec, dict) else type(dec).__name__, keys[:8]))
            return
        for n, v in ref:
            compare(dec[n], v, "%s.%s" % (path, n), stats)
    elif isinstance(ref, list):
        if not isinstance(dec, list) or len(dec) != len(ref):
            stats["bad"].append("%s: %s, vmdesc %d elements" % (
                path, "%d elements" % len(dec) if isinstance(dec, list) else repr(dec)[:40],
                len(ref)))
            return
        for i, v in enumerate(ref):
            compare(dec[i], v, "%s[%d]" % (path, i), stats)
    elif isinstance(dec, dict) and ref.type == "virtio":
        stats["structured"] += 1   # decoded further than the vmdesc describes it (virtio)
    elif leaf_matches(dec, ref):
        stats["leaves"] += 1
    else:
        stats["bad"].append("%s: %s, bytes %s at %d (%s)" % (
            path, repr(dec)[:40], ref.raw[:16].hex(), ref.offset, ref.type))


def check_decoded_all(s, out, doc, ddoc, err):
    """--device=all: exit 0, no warning (but about the sections whose vmdesc QEMU gets
    wrong); every FULL section has "fields" covering its
    body exactly (fields-described = body-size, no field-mismatches), but for those
    whose vmdesc QEMU gets wrong, which must be reported as mismatching: the same tree
    as the vmdesc walk, every leaf equal to its bytes."""
    desc = "%s %s: cprdump --device=all describes every device body byte, no warning" % (
        label(s), s["name"])
    if ddoc is None or err:
        return False, "%s (cprdump: %s)" % (desc, err), None
    res, _ = vmstate.walk_stream(os.path.join(out, "main.bin"), doc)
    stats = {"bad": [], "leaves": 0, "structured": 0}
    decoded = {x.get("section-id"): x for x in sections(ddoc)}
    for r in res:
        x = decoded.get(r["section-id"])
        if x is None or not isinstance(x.get("fields"), dict):
            stats["bad"].append("%s#%d: no fields" % (r["idstr"], r["instance-id"]))
            continue
        if r["idstr"] in s.get("vmdesc_differs", []):
            if not x.get("field-mismatches"):   # QEMU's vmdesc is wrong: say so
                stats["bad"].append("%s#%d: no mismatch reported, vmdesc %s, body %s" % (
                    r["idstr"], r["instance-id"], x.get("vmdesc-size"), x.get("body-size")))
        elif x.get("field-mismatches"):
            stats["bad"].append("%s#%d: mismatches %s" % (
                r["idstr"], r["instance-id"], json.dumps(x["field-mismatches"])[:160]))
        elif x.get("fields-described") != x.get("body-size"):
            stats["bad"].append("%s#%d: %s of %s body bytes described" % (
                r["idstr"], r["instance-id"], x.get("fields-described"), x.get("body-size")))
        if r["tree"] is None:   # the walk failed: only for the vmdesc_differs sections
            if r["idstr"] not in s.get("vmdesc_differs", []):
                stats["bad"].append("%s#%d: walk: %s" % (r["idstr"], r["instance-id"],
                                                         r["error"]))
            continue
        compare(x["fields"], r["tree"], "%s#%d" % (r["idstr"], r["instance-id"]), stats)
    differs = s.get("vmdesc_differs", [])
    desc += (" and equals the vmdesc walk: %d sections, %d leaves%s%s" % (
        len(res) - len(differs), stats["leaves"],
        ", %d decoded further (virtio)" % stats["structured"] if stats["structured"] else "",
        "; %s reported as not matching its vmdesc" % ", ".join(differs) if differs else ""))
    ok = res and not stats["bad"]
    return bool(ok), desc if ok else "%s (%d differences: %s)" % (
        desc, len(stats["bad"]), "; ".join(stats["bad"][:6])[:600]), None


def masked(value, bits):
    return None if value is None else value & ((1 << bits) - 1)


def cpu_pairs(cpu, f, common):
    """(what, QEMU's value, decoded value) for one vCPU."""
    pairs = []

    def add(what, qv, dv, mask=None):
        val, bits = qv
        pairs.append((what, val, masked(num(dv), bits) if mask is None
                      else None if num(dv) is None else num(dv) & mask))
    p = "R" if cpu["mode"] == "64-bit" else "E"
    for i, (reg, qv) in enumerate(zip(devtruth.GPR + ["%d" % n for n in range(8, 16)],
                                      cpu["gpr"])):
        add("%s%s env.regs[%d]" % ("R" if i >= 8 else p, reg, i), qv, field(f, "env.regs", i))
    add(p + "IP env.eip", cpu["rip"], field(f, "env.eip"))
    add("EFLAGS env.eflags", cpu["eflags"], field(f, "env.eflags"))
    for n in (0, 2, 3, 4):
        add("CR%d env.cr[%d]" % (n, n), cpu["cr%d" % n], field(f, "env.cr[%d]" % n))
    add("EFER env.efer", cpu["efer"], field(f, "env.efer"))
    for i, seg in enumerate(SEGS + ["LDT", "TR", "GDT", "IDT"]):
        path = ("env.segs", i) if i < 6 else ("env." + seg.lower(),)
        for k, qv in cpu["segs"][seg].items():
            add("%s.%s %s.%s" % (seg, k, ".".join(map(str, path)), k), qv,
                field(f, *path, k), SEG_FLAGS_SHOWN if k == "flags" else None)
    hflags, a20 = num(field(f, "env.hflags")), num(field(f, "env.a20_mask"))
    pairs.append(("CPL env.hflags&3", cpu["cpl"][0], None if hflags is None else hflags & 3))
    pairs.append(("SMM env.hflags bit 19", cpu["smm"][0],
                  None if hflags is None else hflags >> HF_SMM_SHIFT & 1))
    pairs.append(("II env.hflags bit 3", cpu["ii"][0],
                  None if hflags is None else hflags >> HF_INHIBIT_IRQ_SHIFT & 1))
    pairs.append(("A20 env.a20_mask bit 20", cpu["a20"][0], None if a20 is None else a20 >> 20 & 1))
    pairs.append(("HLT cpu_common halted", cpu["hlt"][0], num(field(common or {}, "halted"))))
    return pairs


def check_cpus(s, t, ddoc):
    """Each vCPU's `info registers` (stopped guest) equals the decoded cpu section of its
    instance id: general registers, RIP, EFLAGS, CR0/2/3/4, EFER, the six segments,
    LDT, TR, GDT, IDT (selector, base, limit, flags as QEMU prints them), CPL/SMM/II
    from env.hflags, A20 from env.a20_mask, HLT from cpu_common's halted."""
    cpus = t["devices"]["cpus"]
    bad, n = [], 0
    for cpu in cpus:
        f = section(ddoc, "cpu", cpu["index"])
        if f is None:
            bad.append("cpu#%d: no decoded section" % cpu["index"])
            continue
        for what, qv, dv in cpu_pairs(cpu, f, section(ddoc, "cpu_common", cpu["index"])):
            n += 1
            if qv != dv:
                bad.append("cpu#%d %s: QEMU %s, decoded %s" % (
                    cpu["index"], what, hex(qv), None if dv is None else hex(dv)))
    rips = ", ".join("%s %#x" % ("RIP" if c["mode"] == "64-bit" else "EIP", c["rip"][0])
                     for c in cpus)
    desc = ("%s %s: %d values of %d vCPUs' info registers equal the decoded cpu sections "
            "(%s, CS base %s)" % (label(s), s["name"], n, len(cpus), rips,
                                   ", ".join("%#x" % c["segs"]["CS"]["base"][0] for c in cpus)))
    return not bad, desc if not bad else "%s (%d differ: %s)" % (
        desc, len(bad), "; ".join(bad[:6])[:600]), None


def nic(t, driver_prefix):
    return next(n for n in t["devices"]["nics"] if n["driver"].startswith(driver_prefix))


def check_e1000(s, t, ddoc):
    """The e1000 MAC QEMU reports (qom mac = -device e1000,mac=) is in the decoded
    registers as the hardware holds it: RAL0 = bytes 0-3 little-endian, RAH0 = bytes
    4-5 | Address Valid (mac_reg[0] = the RA sub-array, and mac_reg[RA], [RA+1] of the
    full register file in e1000/full_mac_state), and EEPROM words 0-2."""
    n = nic(t, "e1000")
    mac = mac_bytes(n["mac"])
    ral = int.from_bytes(mac[:4], "little")
    rah = int.from_bytes(mac[4:], "little") | E1000_RAH_AV
    words = [int.from_bytes(mac[i:i + 2], "little") for i in (0, 2, 4)]
    f = section(ddoc, "e1000") or {}
    got = {"mac_reg[0][0:2] (RA)": [num(x) for x in (field(f, "mac_reg[0]") or [])[:2]],
           "e1000/full_mac_state mac_reg[RA:RA+2]": [
               num(x) for x in (field(f, "e1000/full_mac_state", "mac_reg") or [])
               [E1000_RA:E1000_RA + 2]],
           "eeprom_data[0:3]": [num(x) for x in (field(f, "eeprom_data") or [])[:3]]}
    want = {"mac_reg[0][0:2] (RA)": [ral, rah],
            "e1000/full_mac_state mac_reg[RA:RA+2]": [ral, rah],
            "eeprom_data[0:3]": words}
    bad = ["%s: %s, want %s" % (k, [hex(x) for x in got[k] if x is not None],
                                [hex(x) for x in want[k]]) for k in want if got[k] != want[k]]
    desc = ("%s %s: e1000 MAC %s (qom mac) decoded as RAL0 %#010x, RAH0 %#010x (AV set) in "
            "mac_reg[0] and e1000/full_mac_state, EEPROM words %s" % (
                label(s), s["name"], n["mac"], ral, rah, ", ".join("%#06x" % w for w in words)))
    return not bad, desc if not bad else "%s (%s)" % (desc, "; ".join(bad)), None


def bcd(v, binary):
    return v if binary else (v >> 4) * 10 + (v & 0xf)


def cmos_time(cmos):
    """The time fields of cmos_data as mc146818rtc.c stores them (rtc_set_cmos): BCD
    unless register B has DM (0x04); hours with bit 7 = PM in 12-hour mode (no 24H,
    0x02); year = cmos[9] + 100 * century cmos[0x32] (base_year 0 on pc/q35);
    day of week cmos[6] = tm_wday + 1."""
    b = cmos[0x0b]
    binary, h24 = bool(b & 0x04), bool(b & 0x02)
    hour = bcd(cmos[4] & 0x7f, binary)
    if not h24:
        hour = hour % 12 + (12 if cmos[4] & 0x80 else 0)
    return {"tm_year": bcd(cmos[9], binary) + 100 * bcd(cmos[0x32], binary) - 1900,
            "tm_mon": bcd(cmos[8], binary) - 1, "tm_mday": bcd(cmos[7], binary),
            "tm_hour": hour, "tm_min": bcd(cmos[2], binary), "tm_sec": bcd(cmos[0], binary),
            "tm_wday": bcd(cmos[6], binary) - 1}


def check_rtc(s, t, ddoc):
    """mc146818rtc: the CMOS time fields (cmos_data[0..9], century [0x32]) equal QEMU's
    rtc-time of the stopped guest (clock=vm: the RTC does not move while stopped, and
    pre_save writes the same time), the weekday is that date's; base_rtc is the -rtc
    base in seconds and offset 0 (rtc_set_date_from_host; SeaBIOS never sets SET),
    last_update the rtc clock's ns when base_rtc was taken (clock=vm: at realize, before
    the guest ran: 0), and the saved time is base_rtc + the guest's run."""
    rtc = t["devices"]["rtc"]
    f = section(ddoc, "mc146818rtc") or {}
    cmos_hex = f.get("cmos_data")
    why = []
    if not isinstance(cmos_hex, str) or len(cmos_hex) != 256:
        why.append("cmos_data %r" % (cmos_hex if cmos_hex is None else str(cmos_hex)[:40]))
        tm = {}
    else:
        tm = cmos_time(bytes.fromhex(cmos_hex))
        want = dict(rtc["rtc_time"])
        for k, v in want.items():
            if tm.get(k) != v:
                why.append("%s %s, QEMU %s" % (k, tm.get(k), v))
        day = datetime.date(want["tm_year"] + 1900, want["tm_mon"] + 1, want["tm_mday"])
        if tm["tm_wday"] != day.isoweekday() % 7:
            why.append("tm_wday %s, %s is %d" % (tm["tm_wday"], day, day.isoweekday() % 7))
    base, offset = num(f.get("base_rtc")), num(f.get("offset"))
    last = num(f.get("last_update"))
    if base != rtc["base_epoch"] or offset != 0 or (rtc["option"].get("clock") == "vm"
                                                    and last != 0):
        why.append("base_rtc %s offset %s last_update %s, -rtc base %d" % (
            base, offset, last, rtc["base_epoch"]))
    elif tm and not why:
        saved = datetime.datetime(tm["tm_year"] + 1900, tm["tm_mon"] + 1, tm["tm_mday"],
                                  tm["tm_hour"], tm["tm_min"], tm["tm_sec"],
                                  tzinfo=datetime.timezone.utc).timestamp()
        if not 0 <= saved - base <= 30:
            why.append("saved time %d s after base_rtc" % (saved - base))
    rt = rtc["rtc_time"]
    desc = ("%s %s: mc146818rtc cmos_data time = QEMU's rtc-time %04d-%02d-%02dT%02d:%02d:%02d, "
            "weekday, base_rtc = -rtc base %s (%d), offset 0, last_update 0 (clock=vm)" % (
                label(s), s["name"], rt["tm_year"] + 1900, rt["tm_mon"] + 1, rt["tm_mday"],
                rt["tm_hour"], rt["tm_min"], rt["tm_sec"], rtc["option"]["base"],
                rtc["base_epoch"]))
    return not why, desc if not why else "%s (%s)" % (desc, "; ".join(why)), None


def walk_dec(tree, path=()):
    """Every (path, value) of a decoded tree, depth first."""
    yield path, tree
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from walk_dec(v, path + (k,))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            yield from walk_dec(v, path + (i,))


def virtio_of(ddoc, n, devices):
    """The decoded "virtio" object of the section of NIC n (by its PCI address in
    query-pci, matched on the qdev id)."""
    d = next((d for b in devices["pci"] for d in b["devices"] if d.get("qdev_id") == n["id"]),
             None)
    if d is None:
        return None, None
    prefix = "0000:%02x:%02x.%d/" % (d["bus"], d["slot"], d["function"])
    x = next((x for x in sections(ddoc) if x["idstr"].startswith(prefix)), None)
    return x, ((x or {}).get("decoded") or {}).get("virtio")


def check_virtio(s, t, ddoc):
    """Every virtio-net NIC: the decoded device part (virtio-net's own state, after
    the queues) ends exactly where the first virtio subsection begins and equals
    QEMU's query-rx-filter: main-mac (= qom mac), promiscuous, unicast/multicast
    modes (nouni/alluni, nomulti/allmulti), multicast/unicast overflow, the MAC
    table and the VLAN table (bit k of byte b = VLAN 8b+k, little-endian host), and
    broadcast-allowed, which QEMU fills with n->nobcast (hw/net/virtio-net.c). With
    7.2 also x-query-virtio-status: guest features bit for bit and by the names QEMU
    prints (the bits QEMU has no name for, unknown-dev-features, by bit only), inside
    host features, device status bits, isr, queue_sel, queues and the
    started/disabled/broken subsections; the virtio config space holds the MAC once
    the driver is DRIVER_OK."""
    why, descs = [], []
    for n in [n for n in t["devices"]["nics"] if n["driver"].startswith("virtio-net")]:
        x, v = virtio_of(ddoc, n, t["devices"])
        net = (v or {}).get("net") or {}
        rx = next(r for r in t["devices"]["rx_filter"] if r["name"] == n["id"])
        if not net.get("mac"):
            why.append("%s: no decoded device part (%s)" % (n["id"], net.get("stop") or v))
            continue
        if net["offset"] + net["size"] != (v["subsections"] or [{"offset": None}])[0]["offset"]:
            why.append("%s: device part %d bytes ends at %#x, first virtio subsection at %s" % (
                n["id"], net["size"], net["offset"] + net["size"],
                [hex(x["offset"]) for x in v["subsections"][:1]]))
        vlans = bytes.fromhex(net["vlans"])
        got = {"main-mac": net["mac"], "promiscuous": bool(net["promisc"]),
               "unicast": "none" if net["nouni"] else "all" if net["alluni"] else "normal",
               "multicast": "none" if net["nomulti"] else "all" if net["allmulti"]
               else "normal",
               "multicast-overflow": bool(net["multi-overflow"]),
               "unicast-overflow": bool(net["uni-overflow"]),
               "broadcast-allowed": bool(net["nobcast"]),
               "unicast-table": sorted(m for m in net["mac-table"] if not int(m[:2], 16) & 1),
               "multicast-table": sorted(m for m in net["mac-table"] if int(m[:2], 16) & 1),
               "vlan-table": [8 * i + k for i, b in enumerate(vlans) for k in range(8)
                              if b >> k & 1]}
        want = {k: sorted(rx[k]) if isinstance(rx[k], list) else rx[k] for k in got}
        for k in got:
            if got[k] != want[k]:
                why.append("%s %s: decoded %s, query-rx-filter %s" % (
                    n["id"], k, str(got[k])[:60], str(want[k])[:60]))
        if net["mac"] != n["mac"]:
            why.append("%s mac %s, qom mac %s" % (n["id"], net["mac"], n["mac"]))
        d = "%s mac %s, %d VLANs, promisc %d = query-rx-filter" % (
            n["id"], net["mac"], len(got["vlan-table"]), net["promisc"])
        if s["qemu"] == "7.2":
            d += virtio_status(n, t, v, why)
        descs.append(d)
    desc = "%s %s: virtio-net device parts decoded: %s" % (label(s), s["name"], "; ".join(descs))
    return not why and bool(descs), desc if not why else "%s (%s)" % (
        desc, "; ".join(why)[:900]), None


def virtio_status(n, t, v, why):
    """The 7.2 checks of one virtio-net against x-query-virtio-status."""
    st = next(x for x in t["devices"]["virtio"] if x["id"] == n["id"])["status"]
    want = feature_mask(st["guest-features"])
    if num(v.get("guest-features")) != want:
        why.append("%s guest features %s, QEMU %#x" % (n["id"], v.get("guest-features"), want))
    if v.get("guest-features-source") != "virtio/64bit_features" and want >> 32:
        why.append("%s: 64-bit features without virtio/64bit_features" % n["id"])
    unknown = st["guest-features"].get("unknown-dev-features", 0)
    named = sorted(x for x in v.get("guest-feature-names", [])
                   if not any(unknown >> b & 1 and x == name_of(v, b) for b in range(64)))
    if named != feature_names(st["guest-features"]):
        why.append("%s guest feature names %s, QEMU %s" % (
            n["id"], named, feature_names(st["guest-features"])))
    if want & ~feature_mask(st["host-features"]):
        why.append("%s guest features outside host features" % n["id"])
    status = sum(VIRTIO_STATUS_BITS[x] for x in qemu_names(st["status"]["statuses"]))
    if v.get("status") != status:
        why.append("%s device status %s, QEMU %#x" % (n["id"], v.get("status"), status))
    items = list(walk_dec(v))
    why += ["%s %s" % (n["id"], w) for w in virtio_common(st, items)]
    if status & 4 and v.get("config", "")[:12] != mac_bytes(n["mac"]).hex():
        why.append("%s config %s, mac %s" % (n["id"], v.get("config"), n["mac"]))
    return ("; guest features %#x = x-query-virtio-status %s%s, inside host features; "
            "status %#x, isr, queue-sel %d, %d queues, started %s, disabled %s" % (
                want, feature_names(st["guest-features"]),
                " + unknown %#x" % unknown if unknown else "", status, st["queue-sel"],
                st["num-vqs"], st["started"], st["disabled"]))


def name_of(v, bit):
    """cprdump's name of one feature bit: the name at that bit's place in the
    decoded list (the list is in bit order)."""
    bits = [b for b in range(64) if num(v.get("guest-features")) >> b & 1]
    names = v.get("guest-feature-names", [])
    return names[bits.index(bit)] if bit in bits and len(names) == len(bits) else None


def virtio_common(st, items):
    """The rest of x-query-virtio-status that virtio_save writes: isr, queue_sel, one
    queue record per virtqueue (num-vqs), and the virtio/started, virtio/disabled and
    virtio/broken subsections, each sent exactly when QEMU reports that state true."""
    why = []
    for key, want in (("isr", st["isr"]), ("queue-sel", st["queue-sel"])):
        got = [num(v) for p, v in items if p and p[-1] in (key, key.replace("-", "_"))]
        if want not in got:
            why.append("%s %s, QEMU %s" % (key, got[:3], want))
    queues = [v for p, v in items if p and p[-1] == "queues" and isinstance(v, list)]
    if [len(q) for q in queues][:1] != [st["num-vqs"]]:
        why.append("queues %s, QEMU num-vqs %d" % ([len(q) for q in queues], st["num-vqs"]))
    subs = {v for p, v in items if isinstance(v, str) and v.startswith("virtio/")}
    for flag in ("started", "disabled", "broken"):
        if ("virtio/" + flag in subs) != bool(st[flag]):
            why.append("virtio/%s subsection %s, QEMU %s %s" % (
                flag, "sent" if "virtio/" + flag in subs else "absent", flag, st[flag]))
    return why


QEMU_BAR_TYPE = {"io": "io", "mem32": "memory", "mem64": "memory"}


def check_pci(s, t, ddoc):
    """Every device query-pci lists has a decoded section (idstr 0000:BB:SS.F/...)
    whose decoded config space header ("decoded": {"pci"}) says what QEMU reports:
    vendor, device, class, subsystem ids, the interrupt line, and for each BAR its
    type (io / memory, 64-bit, prefetchable) and base address; a BAR QEMU maps is
    decoding at that address, one it shows unmapped (-1) is not decoding (the
    expansion ROM: SeaBIOS leaves it disabled after copying it)."""
    why, bars, devs = [], 0, 0
    for b in t["devices"]["pci"]:
        for d in b["devices"]:
            prefix = "0000:%02x:%02x.%d/" % (d["bus"], d["slot"], d["function"])
            x = next((x for x in sections(ddoc) if x["idstr"].startswith(prefix)), None)
            c = ((x or {}).get("decoded") or {}).get("pci")
            if c is None:
                why.append("%s: no decoded config space" % prefix)
                continue
            devs += 1
            ids = (c["vendor-id"], c["device-id"], c["class"] >> 8,
                   c.get("subsystem-vendor-id"), c.get("subsystem-id"))
            want = (d["id"]["vendor"], d["id"]["device"], d["class_info"]["class"],
                    d["id"].get("subsystem-vendor", ids[3]), d["id"].get("subsystem", ids[4]))
            if ids != want:
                why.append("%s ids %s, QEMU %s" % (prefix, ids, want))
            if "irq" in d and c["interrupt-line"] != d["irq"]:
                why.append("%s interrupt line %d, QEMU irq %d" % (
                    prefix, c["interrupt-line"], d["irq"]))
            for r in d["regions"]:
                bars += 1
                got = next((g for g in c["bars"] if g["bar"] == r["bar"]), None)
                if got is None:
                    why.append("%s BAR%d: not decoded" % (prefix, r["bar"]))
                    continue
                if r["bar"] == 6:
                    ok = got["type"] == "rom"
                else:
                    ok = (QEMU_BAR_TYPE.get(got["type"]) == r["type"] and
                          (got["type"] == "mem64") == bool(r.get("mem_type_64")) and
                          got["prefetch"] == bool(r.get("prefetch")))
                if r["address"] == -1:
                    ok = ok and not got["decoding"]
                else:
                    ok = ok and got["decoding"] and num(got["address"]) == r["address"]
                if not ok:
                    why.append("%s BAR%d: decoded %s, QEMU %s" % (
                        prefix, r["bar"], json.dumps(got), json.dumps(r)))
    desc = ("%s %s: %d PCI devices' decoded config space headers carry query-pci's ids, "
            "interrupt lines and all %d BARs (type, address, mapped or not)" % (
                label(s), s["name"], devs, bars))
    return not why, desc if not why else "%s (%s)" % (desc, "; ".join(why)[:900]), None


MPIDR_AFF = 0xff00ffffff   # Aff3 (39:32), Aff2..Aff0 (23:0)


def be_int(v):
    """A decoded number, or a custom-type field's bytes (hex) read big-endian as
    QEMU wrote them (arm's "cpsr": qemu_put_be32 of pstate_read())."""
    if isinstance(v, str) and re.fullmatch(r"([0-9a-f]{2})+", v):
        return int(v, 16)
    return num(v)


def check_arm_cpu(s, t, ddoc):
    """aarch64: each vCPU's `info registers` (stopped) equals its decoded cpu
    section: PC = env.pc, X0-X30 = env.xregs[0..30], SP = env.xregs[31] (the
    current SP, as QEMU prints it), PSTATE = cpsr; and the cpreg list, by the
    names cprdump gives its register ids, holds what QEMU's own CPU properties
    say: CNTFRQ_EL0 = qom cntfrq (and MIDR_EL1 = qom midr, MPIDR_EL1's affinity
    = qom mp-affinity if the list has them: QEMU does not migrate these
    constant registers); and every register cprdump names has the value QEMU's
    gdbstub gives the register of that name (gdb_names)."""
    why, n, named = [], 0, []
    gdbstats = {"same": 0, "nonzero": 0, "absent": [], "aliased": []}
    props = {p["index"]: p for p in t.get("arm_cpu_props", [])}
    cpus = devtruth.parse_arm_registers(t.get("info_registers", ""))
    for cpu in cpus:
        x = section_obj(ddoc, "cpu", cpu["index"])
        f = (x or {}).get("fields") or {}
        xregs = [num(v) for v in f.get("env.xregs") or []]
        pairs = [("PC env.pc", cpu["pc"], num(f.get("env.pc"))),
                 ("SP env.xregs[31]", cpu["sp"], xregs[31] if len(xregs) == 32 else None),
                 ("PSTATE cpsr", cpu["pstate"], be_int(f.get("cpsr")))]
        pairs += [("X%02d env.xregs[%d]" % (i, i), v, xregs[i] if len(xregs) > i else None)
                  for i, v in enumerate(cpu["x"])]
        regs = {r["name"]: num(r["value"]) for r in
                ((x or {}).get("decoded") or {}).get("cpregs", []) if r.get("name")}
        p = props.get(cpu["index"], {})
        # MIDR_EL1 and MPIDR_EL1 are constant (not migrated); CNTFRQ_EL0 is
        pairs += [("CNTFRQ_EL0 = qom cntfrq", p.get("cntfrq"), regs.get("CNTFRQ_EL0"))]
        for name, prop, mask in (("MIDR_EL1", "midr", None),
                                 ("MPIDR_EL1", "mp-affinity", MPIDR_AFF)):
            if name in regs:
                pairs.append(("%s = qom %s" % (name, prop), p.get(prop),
                              regs[name] & mask if mask else regs[name]))
        named.append(len(regs))
        if cpu["index"] == 0 and "gdb_sysregs" in t:
            gdb_names(t["gdb_sysregs"], regs, why, gdbstats)
        for what, qv, dv in pairs:
            n += 1
            if qv is None or qv != dv:
                why.append("cpu#%d %s: QEMU %s, decoded %s" % (
                    cpu["index"], what, None if qv is None else hex(qv),
                    None if dv is None else hex(dv)))
    desc = ("%s %s: %d values of %d aarch64 vCPUs' info registers and CPU properties equal "
            "the decoded cpu sections (PC %s, X1 %s; %s named cpregs, %d of them by "
            "QEMU's gdbstub name and value, %d non-zero; QEMU's shorter names: %s; "
            "not among its AArch64 registers: %s)" % (
                label(s), s["name"], n, len(cpus),
                ", ".join("%#x" % c["pc"] for c in cpus),
                ", ".join("%#x" % c["x"][1] for c in cpus), "/".join(map(str, named)),
                gdbstats["same"], gdbstats["nonzero"],
                " ".join(sorted(set(gdbstats["aliased"]))) or "none",
                " ".join(sorted(set(gdbstats["absent"]))) or "none"))
    ok = bool(cpus) and not why
    return ok, desc if ok else "%s (%s)" % (desc, "; ".join(why[:8])[:700]), None


GDB_SAME_MIN = 40        # of the 62 names the cpu section's list gets
GDB_NONZERO_MIN = 5


def gdb_names(gdb, regs, why, stats):
    """cprdump's names of the cpreg ids against QEMU's own (the gdbstub's
    system-registers.xml, generated from the same cpreg list, read while the
    vCPU is stopped): a name both have must carry the same value; enough of
    them, and enough non-zero ones, that a wrong name would show."""
    for name, v in regs.items():
        if name not in gdb and name.endswith("_EL1") and name[:-4] in gdb:
            # QEMU names some registers it defines for both states without the
            # _EL1 of their AArch64 name (CLIDR, CSSELR): compare with it
            stats["aliased"].append("%s=%s" % (name, name[:-4]))
            name = name[:-4]
        if name not in gdb:
            stats["absent"].append(name)   # the stub lists AArch64 registers only
        elif gdb[name] != v:
            why.append("cpreg %s: decoded %#x, gdbstub %#x" % (name, v, gdb[name]))
        else:
            stats["same"] += 1
            stats["nonzero"] += bool(v)
    if stats["same"] < GDB_SAME_MIN or stats["nonzero"] < GDB_NONZERO_MIN:
        why.append("only %d cpreg names equal the gdbstub's (%d non-zero)" % (
            stats["same"], stats["nonzero"]))


def check_run(s, out, t, cprdump, doc):
    """The device-state checks of one run (doc: `cprdump --json main.bin`)."""
    results = []
    has_vmdesc = ((doc or {}).get("stream") or {}).get("vmdesc", {}).get("present")
    if s["devices"]:
        results.append(check_qemu_report(s, t))
    if has_vmdesc:
        results.append(check_bodies(s, out, doc))
    if not has_vmdesc:
        return results
    ddoc, err = decode(cprdump, out, s.get("vmdesc_differs", []))
    results.append(check_decoded_all(s, out, doc, ddoc, err))
    if s["devices"] and t.get("devices"):
        for check in (check_cpus, check_e1000, check_rtc, check_virtio, check_pci):
            results.append(check(s, t, ddoc))
    if s.get("hmp_registers") and s["target"] == "aarch64":
        results.append(check_arm_cpu(s, t, ddoc))
    return results
