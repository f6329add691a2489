"""Checks of one generated run against QEMU's own report (truth.json, trace, fds.txt),
with cprdump's decoding. Each check yields (ok, description, directive)."""
import json
import os
import re
import shutil
import subprocess

import guestmem

import devchecks

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def read_text(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""

import preflight

def label(s):
    return "stream" if s["kind"] == "normal" else s["kind"]


def run_json(cprdump, *args):
    """Run `cprdump --json ARGS`; return (exit code or None, doc or None, stderr)."""
    try:
        r = subprocess.run([cprdump, "--json", *args], capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, None, str(e)
    try:
        doc = json.loads(r.stdout)
    except ValueError:
        doc = None
    return r.returncode, doc, r.stderr.decode(errors="replace")


def cprdump_json(cprdump, path):
    """Run `cprdump --json path`; return (doc, error); error starts with "exit N"."""
    rc, doc, err = run_json(cprdump, path)
    if rc != 0:
        return None, "exit %s: %s" % (rc, " ".join(err.split())[:200])
    return (doc, None) if doc is not None else (None, "not JSON")


def fmt_records(recs):
    def one(r):
        key = r["name"] if r["id"] == 0 else "%s#%d" % (r["name"], r["id"])
        return key if r.get("fd") is None else "%s:%d" % (key, r["fd"])
    return "{%s}" % ", ".join(sorted(one(r) for r in recs))


def as_set(recs):
    return {(r["name"], r["id"], r.get("fd")) for r in recs}


def file_size(out, name):
    p = os.path.join(out, name)
    return os.path.getsize(p) if os.path.isfile(p) else -1


def head(out, name, n=4):
    try:
        with open(os.path.join(out, name), "rb") as f:
            return f.read(n)
    except OSError:
        return b""


# ---- CPR runs -----------------------------------------------------------------------

def check_update(s, out, t):
    ok = (t["harness_error"] is None and t["migrate_error"] is None and
          t["incoming"] == {"status": "completed"} and t["new_status"] is not None)
    why = t["harness_error"] or t["migrate_error"] or t["incoming"]
    desc = "%s %s: new QEMU %s incoming migration completed, status %s" % (
        s["kind"], s["name"], s["qemu"], (t["new_status"] or {}).get("status"))
    return ok, desc if ok else "%s (got: %s)" % (desc, why), None


def check_load_error(s, out, t):
    """The new QEMU exits with an error, failing to load the stream the old one wrote."""
    load = t.get("new_load") or {}
    errors = load.get("errors", [])
    ok = (t["harness_error"] is None and t["migrate_error"] is None and load.get("exit")
          and any(s["load_error"] in l for l in errors))
    desc = "%s %s: new QEMU %s fails to load the stream: %r" % (
        s["kind"], s["name"], s["qemu"], s["load_error"])
    return bool(ok), desc if ok else "%s (got exit %s, %s, %s)" % (
        desc, load.get("exit"), errors[-2:], t["harness_error"]), None


def check_cpr_mapped_ram(s, doc):
    """cpr-exec + mapped-ram: CPR skips all RAM, so every block's mapped-ram header has
    bitmap and pages offsets 0 and no page is in the stream."""
    blocks = ((((doc or {}).get("stream") or {}).get("ram") or {}).get("blocks") or [])
    heads = [(b["mapped-ram"] or {}) for b in blocks]
    ok = (blocks and all((h.get("bitmap-offset"), h.get("pages-offset")) == (0, 0) for h in heads)
          and not any(b["pages"]["normal"] + b["pages"]["zero"] for b in blocks))
    desc = ("cpr-exec %s: all %d mapped-ram block headers have bitmap and pages offsets 0, "
            "no page" % (s["name"], len(blocks)))
    return bool(ok), desc if ok else "%s (got %s)" % (desc, heads), None


def check_state_file(s, out, t):
    size, magic = file_size(out, "state.bin"), head(out, "state.bin")
    ok = magic == b"QCPR" and os.path.isfile(os.path.join(out, "truth.json"))
    return ok, "%s %s: state.bin %d bytes, magic %r, truth.json written" % (
        s["kind"], s["name"], size, magic.decode(errors="replace")), None


def check_records(s, out, t, doc, err):
    trace = t["trace_cpr_save_fd"]
    if s["kind"] == "cpr-transfer":
        trace = [{"name": r["name"], "id": r["id"], "fd": None} for r in trace]
    desc = "%s %s: %d records equal trace %s%s" % (
        s["kind"], s["name"], len(trace), fmt_records(trace),
        "" if trace else " (no fd in the bytes: mode not decidable)")
    if doc is None:
        return False, "%s (cprdump: %s)" % (desc, err), None
    state = doc.get("cpr-state") or {}
    got = [{"name": r.get("name"), "id": r.get("id"), "fd": r.get("fd")}
           for r in state.get("fds", [])]
    ok = (as_set(got) == as_set(trace) and len(got) == len(trace)
          and len(trace) + len(s["unrecorded"]) == len(t["ramblocks"])
          and (state.get("mode") == s["kind"] or not trace))
    if not ok:
        desc += " (cprdump mode %s, records %s)" % (state.get("mode"), fmt_records(got))
    return ok, desc, None


def check_unrecorded(s, out, t):
    """Which of QEMU's RAM blocks have no fd record (anonymous RAM is not carried)."""
    names = {r["name"] for r in t["trace_cpr_save_fd"]}
    missing = sorted(b["name"] for b in t["ramblocks"] if b["name"] not in names)
    want = sorted(s.get("unrecorded", []))
    sizes = {b["name"]: b["used"] for b in t["ramblocks"]}
    what = ", ".join("%s (%d bytes)" % (n, sizes[n]) for n in want) or "none"
    desc = "%s %s: %d info-ramblock blocks, those without a CPR record: %s" % (
        s["kind"], s["name"], len(t["ramblocks"]), what)
    ok = missing == want and len(t["ramblocks"]) > 0
    return ok, desc if ok else "%s (got %s)" % (desc, missing), None


def parse_fds_txt(text):
    table = {}
    for line in text.splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3:
            table[int(parts[0])] = (int(parts[1], 8), parts[2])
    return table


def check_kinds(s, doc):
    """What each fd is, by cprdump's naming rules: a board's flash and on-board
    memory are never taken for a memory backend."""
    recs = ((doc or {}).get("cpr-state") or {}).get("fds", [])
    got = {r["name"]: r["kind"] for r in recs if r["name"] in s["kinds"]}
    ok = got == s["kinds"]
    desc = "%s %s: fd kinds %s" % (s["kind"], s["name"], ", ".join(
        "%s=%s" % kv for kv in sorted(s["kinds"].items())))
    return ok, desc if ok else "%s (got %s)" % (desc, got), None


def check_exec_inherited(s, out, t, doc):
    """cpr-exec: each decoded fd is open, close-on-exec cleared, in the fd table the new
    QEMU inherited (recorded by wrap.sh); the state memfd's offset is the state size."""
    table = parse_fds_txt(t.get("wrapper_fds_txt", ""))
    fds = [r.get("fd") for r in ((doc or {}).get("cpr-state") or {}).get("fds", [])]
    bad = [fd for fd in fds if fd not in table or table[fd][0] & 0o2000000
           or not table[fd][1].startswith("/memfd:")]
    envfd = t.get("wrapper_envfd", "").strip()
    env_link = table.get(int(envfd), (0, ""))[1] if envfd.isdigit() else ""
    pos = t.get("wrapper_state_fdinfo", "").split("\t")[1:2]
    size = file_size(out, "state.bin")
    ok = (len(fds) == len(t["trace_cpr_save_fd"]) and not bad and env_link.startswith("/memfd:QEMU_CPR_EXEC_STATE")
          and pos and pos[0].split()[0] == str(size))
    desc = ("cpr-exec %s: %d decoded fds inherited as /memfd: without FD_CLOEXEC (fds.txt);"
            " state memfd fd %s at pos %d = state.bin size" % (s["name"], len(fds), envfd, size))
    return bool(ok), desc if ok else "%s (bad fds %s, env link %r, pos %s)" % (
        desc, bad, env_link, pos), None


def check_relay(s, out, t, doc):
    """cpr-transfer: one SCM_RIGHTS memfd per record, each riding on a 0x20 byte; where
    cprdump gives "fd-offset", those offsets are exactly the bytes that carried fds."""
    rights = t.get("relay_scm_rights") or []
    with open(os.path.join(out, "state.bin"), "rb") as f:
        data = f.read()
    offsets = sorted(r["offset"] for r in rights)
    on_space = all(o < len(data) and data[o] == 0x20 for o in offsets)
    memfd = all(r["link"].startswith("/memfd:") for r in rights)
    recs = ((doc or {}).get("cpr-state") or {}).get("fds", [])
    decoded = sorted(r["fd-offset"] for r in recs if "fd-offset" in r)
    n = len(t["trace_cpr_save_fd"])
    ok = (len(rights) == n and n > 0 and on_space and memfd and not t.get("relay_errors")
          and decoded in ([], offsets))
    desc = ("cpr-transfer %s: relay passed %d SCM_RIGHTS memfds for %d records, each on a "
            "0x20 byte at offsets %s%s" % (s["name"], len(rights), n, offsets,
                                           " = cprdump fd-offsets" if decoded else ""))
    return ok, desc if ok else "%s (relay errors %s, cprdump fd-offsets %s)" % (
        desc, t.get("relay_errors"), decoded), None


def check_new_found(s, out, t):
    """The new QEMU looked up every saved (name, id) and found an fd (cpr_find_fd >= 0)."""
    found = {(r["name"], r["id"]) for r in t.get("trace_new_cpr_find_fd", []) if r["fd"] >= 0}
    saved = {(r["name"], r["id"]) for r in t["trace_cpr_save_fd"]}
    ok = len(saved) + len(s["unrecorded"]) == len(t["ramblocks"]) and saved <= found
    desc = "%s %s: new QEMU's cpr_find_fd found all %d saved records" % (
        s["kind"], s["name"], len(saved))
    return ok, desc if ok else "%s (missing %s)" % (desc, sorted(saved - found)), None


# ---- streams ------------------------------------------------------------------------

def size_vs_transferred(s, size, ram):
    """QEMU's byte counter against the file: 11.1 counts every byte of the stream;
    7.2 counts less than the stream (the file is at least that big); mapped-ram files
    have holes and are bigger."""
    if "mapped-ram" in s["caps"]:
        return size > ram.get("transferred", 0), ">"
    if s["kind"] in ("postcopy", "multifd"):  # see check_postcopy, check_multifd
        return 0 < size < ram.get("transferred", 0), "<"
    if s["qemu"] == "7.2":
        return size >= ram.get("transferred", 0) > 0, ">="
    return ram.get("transferred") == size, "="


def check_stream_file(s, out, t):
    size, magic = file_size(out, "main.bin"), head(out, "main.bin")
    qm = t.get("query_migrate_old") or {}
    ram = qm.get("ram", {})
    ok = magic == b"QEVM" and os.path.isfile(os.path.join(out, "truth.json"))
    if s["kind"] in ("normal", "postcopy", "multifd"):
        size_ok, rel = size_vs_transferred(s, size, ram)
        ok = ok and qm.get("status") == "completed" and t["harness_error"] is None and size_ok
        desc = ("stream %s: QEMU %s migration %s completed, normal=%s duplicate=%s, main.bin "
                "%d bytes %s transferred=%s, magic QEVM" % (
                    s["name"], s["qemu"], "+".join(s["caps"]) or "default", ram.get("normal"),
                    ram.get("duplicate"), size, rel, ram.get("transferred")))
    else:
        desc = "%s %s: main.bin %d bytes, magic QEVM" % (s["kind"], s["name"], size)
    return ok, desc if ok else "%s (got magic %r, %s)" % (
        desc, magic, t["harness_error"] or t["migrate_error"]), None


def check_stream_blocks(s, out, t, doc, err):
    want = sorted((b["name"], b["used"]) for b in t["ramblocks"])
    desc = "%s %s: cprdump lists the %d RAM blocks of info ramblock {%s}" % (
        label(s), s["name"], len(want), ", ".join("%s=%d" % w for w in want))
    if doc is None or not doc.get("stream"):
        return False, "%s (cprdump: %s)" % (desc, err), None
    blocks = (doc["stream"].get("ram") or {}).get("blocks") or []
    got = sorted((b.get("idstr"), b.get("used-length")) for b in blocks)
    ok = got == want and len(want) > 0
    return ok, desc if ok else "%s (got %s)" % (desc, got), None


def check_stream_sections(s, doc):
    """Every device section is delimited, and confirmed by the vmdesc: with footers,
    or (machine types <= 2.3) by the scan for the next header. Postcopy streams have
    no vmdesc: every device section is then delimited by its footer alone."""
    st = (doc or {}).get("stream") or {}
    want_footers = "off" if s["machine"].startswith("pc-i440fx-2.3") else "on"
    full = [x for x in st.get("sections", []) if x["type"] == "full"]
    vmdesc = st.get("vmdesc") or {}
    if s["kind"] == "postcopy":
        ok = (st.get("footers") == "on" and full and not vmdesc.get("present")
              and st.get("inferred-count") == len(full)
              and all(x["delimited-by"] == "inferred" and x["footer"] for x in full))
        desc = ("postcopy %s: no vmdesc; each of the %d device sections delimited by its "
                "footer (inferred)" % (s["name"], len(full)))
    else:
        # the devices QEMU's vmdesc gets wrong (s["vmdesc_differs"]) are delimited by
        # their footer and reported as differing; every other is confirmed
        differs = sorted(x["idstr"] for x in full if x.get("vmdesc-size-check", "")
                         .startswith("differs"))
        ok = (st.get("footers") == want_footers
              and st.get("inferred-count") == len(s["vmdesc_differs"])
              and differs == sorted(s["vmdesc_differs"])
              and st.get("vmdesc-size-differs") == len(differs)
              # (old-style handlers such as slirp have no vmsd name)
              and full and all((x["delimited-by"] == "vmdesc" or x["idstr"] in differs)
                               and x["vmdesc-size"] is not None for x in full)
              and len(full) == vmdesc.get("device-count"))
        desc = ("%s %s: footers %s; each of the vmdesc's devices is one FULL section whose "
                "size the vmdesc confirms%s" % (
                    label(s), s["name"], want_footers,
                    "" if not differs else ", but for %s (reported as differing)"
                    % ", ".join(s["vmdesc_differs"])))
    return bool(ok), desc if ok else "%s (got footers %s, inferred %s, %d full, vmdesc %s)" % (
        desc, st.get("footers"), st.get("inferred-count"), len(full), vmdesc), None


def check_postcopy(s, out, t, doc):
    """The postcopy commands, against QEMU's counters: one RAM_DISCARD per RAM block,
    the device state PACKAGED between LISTEN and RUN, both inside; query-migrate's
    transferred is the file plus the PACKAGED blob (QEMU counts it twice)."""
    st = (doc or {}).get("stream") or {}
    ram = (t.get("query_migrate_old") or {}).get("ram", {})
    cmds = st.get("commands", [])
    names = [c["name"] for c in cmds]
    discards = sorted(c["ramblock"] for c in cmds if c["name"] == "POSTCOPY_RAM_DISCARD")
    packaged = [c for c in cmds if c["name"] == "PACKAGED"]
    pkg = sum(c["package-size"] for c in packaged)
    listen = [c["offset"] for c in cmds if c["name"] == "POSTCOPY_LISTEN"]
    run = [c["offset"] for c in cmds if c["name"] == "POSTCOPY_RUN"]
    size = file_size(out, "main.bin")
    # QEMU sends a RAM_DISCARD for each block with pages to discard: every block
    # while the first pass is still running; once it is over (extract-postcopy),
    # only the blocks dirtied since (there: pc.ram and vga.vram)
    blocks = sorted(b["name"] for b in t["ramblocks"])
    discards_ok = (discards == blocks if not s.get("extract") else
                   discards and len(set(discards)) == len(discards) and
                   set(discards) <= set(blocks) and "pc.ram" in discards)
    # the package (after the 9-byte command) opens with LISTEN and ends with RUN
    inside = (len(packaged) == 1 and len(listen) == 1 and len(run) == 1 and
              listen[0] == packaged[0]["offset"] + 9 and
              run[0] + 5 == packaged[0]["offset"] + 9 + pkg)
    ok = (ram.get("postcopy-bytes", 0) > 0 and (t.get("incoming") or {}).get("status") == "completed"
          and names[:3] == ["OPEN_RETURN_PATH", "PING", "POSTCOPY_ADVISE"]
          and discards_ok and inside
          and size + pkg == ram.get("transferred"))
    desc = ("postcopy %s: %d postcopy bytes; OPEN_RETURN_PATH, PING, POSTCOPY_ADVISE; "
            "RAM_DISCARD for %s; PACKAGED %d bytes from LISTEN to RUN; "
            "file %d + PACKAGED = transferred %s" % (s["name"], ram.get("postcopy-bytes", 0),
                                                    "every RAM block" if not s.get("extract")
                                                    else "the blocks dirtied again %s" % discards,
                                                    pkg, size, ram.get("transferred")))
    return bool(ok), desc if ok else "%s (got %s, discards %s)" % (desc, names, discards), None


def check_multifd(s, out, t, doc):
    """The main channel holds no page: it lists the blocks, with MULTIFD_FLUSH
    records; the pages went to the multifd channels (each opens with the multifd
    magic 0x11223344), whose bytes are query-migrate's multifd-bytes."""
    ram = (t.get("query_migrate_old") or {}).get("ram", {})
    r = (((doc or {}).get("stream") or {}).get("ram") or {})
    blocks = r.get("blocks") or []
    pages = sum(b["pages"]["zero"] + b["pages"]["normal"] for b in blocks)
    chans = sorted(f for f in os.listdir(out) if re.match(r"multifd-\d+\.bin$", f))
    sizes = [file_size(out, f) for f in chans]
    magic = all(head(out, f) == b"\x11\x22\x33\x44" for f in chans)
    size = file_size(out, "main.bin")
    ok = (blocks and pages == 0 and r.get("multifd-flushes", 0) >= 1
          and (r.get("no-pages-reason") or "").startswith("multifd:")
          and len(chans) == 2 and magic and sum(sizes) == ram.get("multifd-bytes")
          and size + sum(sizes) == ram.get("transferred") and ram.get("normal", 0) > 0)
    desc = ("multifd %s: no page record in the main channel, %s MULTIFD_FLUSH, reason "
            "multifd; channels %s open with 0x11223344 and hold multifd-bytes %s; main "
            "%d + channels = transferred %s" % (
                s["name"], r.get("multifd-flushes"), sizes, ram.get("multifd-bytes"), size,
                ram.get("transferred")))
    return bool(ok), desc if ok else "%s (got %d pages, reason %r, %d channels, magic %s)" % (
        desc, pages, r.get("no-pages-reason"), len(chans), magic), None


def check_page_size(s, t, doc):
    """The target page size: QEMU's own (query-migrate page-size, else the one the
    scenario's target has), from the source the stream has, no conflict."""
    ram = (((doc or {}).get("stream") or {}).get("ram") or {})
    qm = ((t.get("query_migrate_old") or {}).get("ram") or {}).get("page-size")
    vd = (((doc or {}).get("stream") or {}).get("vmdesc") or {}).get("page-size")
    want = qm if qm is not None else s["page_size"]
    src = ram.get("page-size-source")
    # (a postcopy stream has no vmdesc)
    ok = (want == s["page_size"] and ram.get("page-size") == want
          and vd == (None if s["kind"] == "postcopy" else want)
          and ram.get("page-size-conflict") is None
          and (s["ps_source"] is None or src == s["ps_source"]))
    desc = ("%s %s: target page size %d (%s), from the %s; the vmdesc says the same" % (
        label(s), s["name"], want, "query-migrate page-size" if qm is not None
        else "the target's", s["ps_source"] or "best source"))
    return bool(ok), desc if ok else "%s (got %s from %s, vmdesc %s, conflict %s)" % (
        desc, ram.get("page-size"), src, vd, ram.get("page-size-conflict")), None


def stdin_source(s):
    """Where the page size must come from when the stream arrives on a pipe (no
    read-ahead): the configuration, else the mapped-ram header, else inferred;
    a cpr-exec stream has no page record to infer it from: the vmdesc read at
    the end then names it."""
    if s["ps_source"] == "configuration":
        return "configuration"
    if s["kind"] == "cpr-exec":
        return "vmdesc"
    return "mapped-ram" if "mapped-ram" in s["caps"] else "inferred"


def check_page_size_stdin(s, out, t, cprdump):
    """The same stream on standard input: no vmdesc read ahead, so the page size
    comes from the next source (inferred for most), equal, with no conflict."""
    try:
        cat = subprocess.Popen(["cat", os.path.join(out, "main.bin")],
                               stdout=subprocess.PIPE)
        r = subprocess.run([cprdump, "--json", "-"], stdin=cat.stdout,
                           capture_output=True, timeout=60)
        cat.stdout.close()
        cat.wait()
        ram = json.loads(r.stdout)["stream"]["ram"]
    except (OSError, ValueError, KeyError, subprocess.TimeoutExpired) as e:
        return False, "%s %s: page size from stdin (%s)" % (label(s), s["name"], e), None
    want = stdin_source(s)
    ok = (r.returncode == 0 and ram.get("page-size") == s["page_size"]
          and ram.get("page-size-source") == want and not ram.get("vmdesc-read-ahead")
          and ram.get("page-size-conflict") is None)
    if want == "inferred":
        ok = ok and "only %d makes" % s["page_size"] in (ram.get("page-size-detail") or "")
    desc = "%s %s: through a pipe, page size %d %s%s" % (
        label(s), s["name"], s["page_size"], "from the " if want != "inferred" else "",
        want if want != "inferred" else "inferred decisively from the RAM records")
    return bool(ok), desc if ok else "%s (got %s from %s: %s; exit %d)" % (
        desc, ram.get("page-size"), ram.get("page-size-source"),
        ram.get("page-size-detail"), r.returncode), None


def mtree_addr(text, name):
    """The first address QEMU's flat view maps the region `name` at."""
    m = re.search(r"^\s*([0-9a-f]+)-[0-9a-f]+ \(prio -?\d+, [a-z]+\): %s\r?$" %
                  re.escape(name), text, re.M)
    return int(m[1], 16) if m else None


def check_mr_addrs(s, t, doc):
    """x-ignore-shared: each block's mr->addr in the stream is where QEMU's own
    flat memory view maps it (aarch64 virt: RAM at 1 GiB, flash at 0, 64 MiB)."""
    blocks = ((((doc or {}).get("stream") or {}).get("ram") or {}).get("blocks") or [])
    got = {b["idstr"]: b.get("mr-addr") for b in blocks if b["idstr"] in s["mr_addrs"]}
    qemu = {n: mtree_addr(t.get("mtree_flat", ""), n) for n in s["mr_addrs"]}
    ok = got == s["mr_addrs"] == qemu
    desc = "%s %s: mr-addr = info mtree -f: %s" % (label(s), s["name"], ", ".join(
        "%s 0x%x" % kv for kv in sorted(s["mr_addrs"].items())))
    return ok, desc if ok else "%s (cprdump %s, mtree %s)" % (desc, got, qemu), None


def check_iterative(s, doc):
    """Live sections other than ram: every chunk read by its own framing, each with
    its end marker; the first spapr/htab chunk gives the table size."""
    secs = [x for x in ((doc or {}).get("stream") or {}).get("sections", [])
            if x["idstr"] in s["iterative"]]
    kinds = {x["idstr"] for x in secs}
    chunks = [(x["type"], (x.get("iterative") or {})) for x in secs]
    ok = (kinds == set(s["iterative"]) and
          all(x["delimited-by"] == "parsed" and x["footer"] for x in secs) and
          all(k.get("ended") for _, k in chunks) and
          [t for t, _ in chunks].count("start") == len(kinds) and
          [t for t, _ in chunks].count("end") == len(kinds))
    for x in secs:
        k = x.get("iterative") or {}
        if x["idstr"] == "spapr/htab":
            ok = ok and (k.get("header", 0) > 0 if x["type"] == "start" else
                         k.get("header") == 0 and k.get("records") >= 1)
        if x["idstr"] == "s390-storage_attributes":
            # TCG keeps no attributes: EOS in every chunk, DONE in END
            ok = ok and k.get("done") == (1 if x["type"] == "end" else 0)
    per = {i: [(x.get("iterative") or {}) for x in secs if x["idstr"] == i]
           for i in kinds}
    if "block" in per:
        # the bulk phase sends every 1 MiB of the disk once (guest stopped)
        blk = per["block"]
        ok = ok and (sum(k.get("blocks", 0) for k in blk) << 20 == s["disk_mb"] << 20
                     == sum(k.get("bytes", 0) + (k.get("zero-blocks", 0) << 20)
                            for k in blk))
    if "dirty-bitmap" in per:
        # one START record per bitmap in START, one COMPLETE per bitmap in END
        dbm = per["dirty-bitmap"]
        ok = ok and (sum(k.get("start", 0) for k in dbm) == len(s["bitmaps"])
                     == sum(k.get("complete", 0) for k in dbm))
    shown = secs if len(secs) <= 6 else secs[:3] + secs[-3:]
    desc = "%s %s: %s read by their framing (%d chunks): %s%s" % (
        label(s), s["name"], ", ".join(s["iterative"]), len(secs),
        "; ".join("%s %s %s" % (x["idstr"], x["type"], x.get("iterative")) for x in shown),
        "" if "block" not in s["iterative"] else
        "; block data = the %d MiB disk, one start and one complete per bitmap" % s["disk_mb"])
    return bool(ok), desc, None


def check_refused(s, out, t):
    err = t["migrate_error"] or ""
    ok = s["refused"] in err and t["harness_error"] is None
    desc = "%s %s: QEMU %s refuses the update: %r" % (s["kind"], s["name"], s["qemu"],
                                                     s["refused"])
    return ok, desc if ok else "%s (got %r, %s)" % (desc, err, t["harness_error"]), None


def check_stream_pages(s, out, t, doc):
    """Page records counted by cprdump equal QEMU's own counters."""
    ram = (t.get("query_migrate_old") or {}).get("ram", {})
    blocks = (((doc or {}).get("stream") or {}).get("ram") or {}).get("blocks") or []
    normal = sum(b["pages"]["normal"] for b in blocks)
    zero = sum(b["pages"]["zero"] for b in blocks)
    if "mapped-ram" in s["caps"] and s.get("extract"):
        # pages sent again are written again in place: one bit, several sends
        desc = ("stream %s: pages set in the mapped-ram bitmaps (%d) at most query-migrate's "
                "normal %s (pages rewritten in place count once); zero pages are holes"
                % (s["name"], normal, ram.get("normal")))
        ok = blocks and 0 < normal <= ram.get("normal", 0) and zero == 0
    elif "mapped-ram" in s["caps"]:
        # mapped-ram writes no zero page: they stay holes with a clear bitmap bit
        desc = ("stream %s: pages set in the mapped-ram bitmaps equal query-migrate's "
                "normal %s; zero pages are holes (0 records)" % (s["name"], ram.get("normal")))
        ok = blocks and normal == ram.get("normal") and zero == 0
    elif "compress" in s["caps"]:
        # 7.2's compression threads count some zero pages as duplicate that
        # reach the stream as compressed pages, not ZERO records
        comp = sum(b["pages"]["compressed"] for b in blocks)
        desc = ("stream %s: page records against query-migrate: normal %s, zero records %d "
                "<= duplicate %s, %d compressed" % (s["name"], ram.get("normal"), zero,
                                                   ram.get("duplicate"), comp))
        ok = blocks and normal == ram.get("normal") and 0 < zero <= ram.get("duplicate", 0) \
            and comp > 0
    else:
        desc = ("stream %s: page records equal query-migrate: normal %s, duplicate "
                "(zero) %s" % (s["name"], ram.get("normal"), ram.get("duplicate")))
        ok = blocks and normal == ram.get("normal") and zero == ram.get("duplicate")
    return bool(ok), desc if ok else "%s (cprdump: normal %d, zero %d)" % (
        desc, normal, zero), None


def check_join(s, out, t, cprdump):
    """cprdump --check STATE STREAM: the blocks without an fd record are exactly the
    ones lost (lost, exit 1); every other block is carried by its fd: preserved-by-fd
    for QEMU's own memfds, fd-recorded for a -object memory backend (its share= is
    not in the bytes)."""
    rc, doc, err = run_json(cprdump, "--check", os.path.join(out, "state.bin"),
                            os.path.join(out, "main.bin"))
    rows = ((doc or {}).get("ram-join") or {}).get("blocks") or []
    lost = sorted(r["idstr"] for r in rows if r["verdict"] == "lost")
    backends = {a.split("id=", 1)[1].split(",", 1)[0] for a in s["args"]
                if a.startswith("memory-backend-") and "id=" in a}
    backends |= {"/objects/" + b for b in backends}
    kept = [r for r in rows if r["verdict"] == (
        "fd-recorded" if r["idstr"] in backends and s["kind"] != "cpr-transfer"
        else "preserved-by-fd")]
    want = sorted(s["unrecorded"])
    ok = (rows and lost == want and len(kept) + len(lost) == len(rows)
          and rc == (1 if want else 0))
    desc = "%s %s: join with the stream: lost %s, %d blocks preserved by fd, exit %d" % (
        s["kind"], s["name"], want or "none", len(rows) - len(want), 1 if want else 0)
    return bool(ok), desc if ok else "%s (got lost %s, exit %s: %s)" % (
        desc, lost, rc, err.strip()[:200]), None


def live_summary(doc):
    st = (doc or {}).get("cpr-state") or {}
    recs = [{"name": f["name"], "id": f["id"], "fd": f["fd"]} for f in st.get("fds", [])]
    live = st.get("live") or {}
    verdicts = [(f.get("live") or {}).get("verdict") for f in st.get("fds", [])]
    cloexec = {(f.get("live") or {}).get("cloexec") for f in st.get("fds", [])}
    return recs, live, verdicts, cloexec


def read_rc(out, name):
    try:
        with open(os.path.join(out, name)) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def fdinfo_pos(out, name):
    try:
        with open(os.path.join(out, name)) as f:
            return [l.split()[1] for l in f if l.startswith("pos:")][0]
    except (OSError, IndexError):
        return None


def check_fd_wrapper(s, out, t):
    """cprdump --fd --check inside the cpr-exec-command wrapper: records equal the
    trace, every verdict ok, close-on-exec cleared, the state fd's offset unmoved."""
    try:
        with open(os.path.join(out, "fd-check.json")) as f:
            doc = json.load(f)
    except (OSError, ValueError):
        doc = None
    recs, live, verdicts, cloexec = live_summary(doc)
    n = len(t["trace_cpr_save_fd"])
    before, after = fdinfo_pos(out, "state.fdinfo"), fdinfo_pos(out, "state.fdinfo-after")
    ok = (read_rc(out, "fd-check.rc") == 0 and as_set(recs) == as_set(t["trace_cpr_save_fd"])
          and verdicts == ["ok"] * n and (cloexec == {False} or n == 0)
          and live.get("method") == "inherited" and before is not None and before == after
          and str(live.get("state-fd")) == t.get("wrapper_envfd", "").strip())
    desc = ("cpr-exec %s: cprdump --fd --check in the wrapper: %d records = trace, all ok, "
            "close-on-exec cleared, state fd %s offset %s unmoved" % (
                s["name"], n, t.get("wrapper_envfd", "").strip(), before))
    return bool(ok), desc if ok else "%s (rc %s, verdicts %s, cloexec %s, pos %s->%s, %s)" % (
        desc, read_rc(out, "fd-check.rc"), verdicts, cloexec, before, after,
        live), None


def check_exec_capture(s, out, t, cprdump):
    """scripts/cprdump-exec-wrapper: with cprdump, one capture whose records equal the
    trace and whose saved cross-check is all ok; without it, the update still completes
    and no capture is left."""
    d = os.path.join(out, "captures")
    caps = sorted(f for f in os.listdir(d) if f.endswith(".zst")) if os.path.isdir(d) else []
    if s["wrapper"] != "real":
        ok = caps == [] and t["incoming"] == {"status": "completed"}
        return ok, ("cpr-exec %s: cprdump missing: the wrapper still execs the new QEMU "
                    "(completed), no capture" % s["name"]), None
    rc, doc, err = run_json(cprdump, os.path.join(d, caps[0])) if caps else (None, None, "")
    recs, live, verdicts, _ = live_summary(doc)
    n = len(t["trace_cpr_save_fd"])
    src = ((doc or {}).get("capture") or {}).get("source") or {}
    ok = (len(caps) == 1 and rc == 0 and as_set(recs) == as_set(t["trace_cpr_save_fd"])
          and verdicts == ["ok"] * n and src.get("kind") == "fd"
          and src.get("env") == "QEMU_CPR_EXEC_STATE=%s" % t.get("wrapper_envfd", "").strip())
    desc = ("cpr-exec %s: cprdump-exec-wrapper saved 1 capture: %d records = trace, saved "
            "cross-check all ok, source fd with the environ entry" % (s["name"], n))
    return bool(ok), desc if ok else "%s (captures %s, rc %s, verdicts %s, source %s, %s)" % (
        desc, caps, rc, verdicts, src, err.strip()[:200]), None


def check_pid_defer(s, out, t):
    """cprdump --pid on the new QEMU waiting with -incoming defer: picks the state by
    the environ entry, every verdict ok, records = trace, QEMU's offset unmoved; after
    migrate-incoming the state memfd is gone, and --pid runs the preflight instead."""
    pc = t.get("pid_check") or {}
    recs, live, verdicts, _ = live_summary(pc.get("doc"))
    joined = [(b["verdict"], b["fd-size-check"]) for b in
              ((pc.get("doc") or {}).get("ram-join") or {}).get("blocks", [])]
    n = len(t["trace_cpr_save_fd"])
    envfd = t.get("wrapper_envfd", "").strip()
    ok = (pc.get("rc") == 0 and as_set(recs) == as_set(t["trace_cpr_save_fd"])
          and verdicts == ["ok"] * n and n > 0 and live.get("method") == "pidfd_getfd"
          and live.get("picked-by") == "environ QEMU_CPR_EXEC_STATE=%s" % envfd
          and pc.get("pos_before") is not None and pc["pos_before"] == pc.get("pos_after")
          and t.get("pid_check_after_rc") == 0
          and t.get("pid_check_after_kind") == ["preflight"] and len(joined) == n
          and set(joined) == {("preserved-by-fd", "ok")})
    desc = ("cpr-exec %s: cprdump --pid --check --stream on the deferred new QEMU: %d "
            "records = trace, all ok, every block preserved by a memfd holding its "
            "used_length, picked by environ QEMU_CPR_EXEC_STATE=%s, offset %s unmoved; "
            "after migrate-incoming no state: --pid runs the preflight" % (
                s["name"], n, envfd, pc.get("pos_before")))
    return bool(ok), desc if ok else "%s (rc %s, verdicts %s, live %s, pos %s->%s, after %s, %s)" % (
        desc, pc.get("rc"), verdicts, live, pc.get("pos_before"), pc.get("pos_after"),
        (t.get("pid_check_after_rc"), t.get("pid_check_after_kind")),
        pc.get("stderr", "")[:200]), None


def readme_pid_example():
    """The lines shown under README.md's `$ cprdump --pid` example."""
    lines, on = [], False
    for line in open(os.path.join(REPO, "README.md"), encoding="utf-8"):
        if line.startswith("    $ cprdump --pid "):
            on = True
            continue
        if on and not (line.startswith("    ") or line.strip() == ""):
            break
        if on:
            lines.append(line[4:].rstrip("\n"))
    return lines


def check_readme_pid(s, out, t):
    """README's --pid example equals this real run of the same command, but for
    what changes every run: the pid, and the fd numbers QEMU gets (the FD
    column); rows are compared as a set (the wire order follows a hash)."""
    def norm(lines):
        keep, rows, table = [], [], False
        for l in lines:
            w = l.split()
            if not w or w[0] in ("file", "live"):
                continue
            if table:
                rows.append(" ".join(w[:1] + w[2:]))
            else:
                keep.append(" ".join(w))
            table = table or w[:2] == ["NAME", "FD"]
        return keep + sorted(rows)
    got = norm(read_text(os.path.join(out, "pid.txt")).splitlines())
    want = norm(readme_pid_example())
    desc = ("cpr-exec %s: README's --pid example = cprdump --pid on this real QEMU "
            "(%d lines, pid and comm aside)" % (s["name"], len(want)))
    ok = bool(want) and got == want
    diff = [(w, g) for w, g in zip(want, got) if w != g][:3]
    return ok, desc if ok else "%s (first differences: %s; %d vs %d lines)" % (
        desc, diff, len(want), len(got)), None


def check_run(s, out, t, cprdump):
    """All checks of one run, in order."""
    if s["kind"] == "preflight":
        return preflight.check_run(s, out, t, cprdump)
    if s["refused"]:
        return [check_refused(s, out, t)]
    results = []
    if s["kind"] in ("cpr-exec", "cpr-transfer"):
        results.append(check_load_error(s, out, t) if s["load_error"] else
                       check_update(s, out, t))
        results.append(check_state_file(s, out, t))
        doc, err = cprdump_json(cprdump, os.path.join(out, "state.bin"))
        results.append(check_records(s, out, t, doc, err))
        results.append(check_unrecorded(s, out, t))
        if s["kinds"]:
            results.append(check_kinds(s, doc))
        results.append(check_new_found(s, out, t))
        if s["kind"] == "cpr-exec":
            results.append(check_exec_inherited(s, out, t, doc))
            results.append(check_fd_wrapper(s, out, t))
        else:
            results.append(check_relay(s, out, t, doc))
        results.append(check_join(s, out, t, cprdump))
        if s["wrapper"]:
            results.append(check_exec_capture(s, out, t, cprdump))
        if s["defer"]:
            results.append(check_pid_defer(s, out, t))
            results.append(check_readme_pid(s, out, t))
    results.append(check_stream_file(s, out, t))
    doc, err = cprdump_json(cprdump, os.path.join(out, "main.bin"))
    results.append(check_stream_blocks(s, out, t, doc, err))
    results.append(check_stream_sections(s, doc))
    results.append(check_page_size(s, t, doc))
    if s["target"] != "x86_64" and s["kind"] in ("normal", "cpr-exec"):
        results.append(check_page_size_stdin(s, out, t, cprdump))
    if s["iterative"]:
        results.append(check_iterative(s, doc))
    if s["mr_addrs"]:
        results.append(check_mr_addrs(s, t, doc))
    if s["kind"] in ("normal", "postcopy"):
        results.append(check_stream_pages(s, out, t, doc))
    if s["kind"] == "multifd":
        results.append(check_multifd(s, out, t, doc))
    if s["kind"] == "postcopy":
        results.append(check_postcopy(s, out, t, doc))
    if s["kind"] == "cpr-exec" and "mapped-ram" in s["caps"]:
        results.append(check_cpr_mapped_ram(s, doc))
    results.extend(devchecks.check_run(s, out, t, cprdump, doc))
    if s.get("extract"):
        results.append(check_extract(s, out, t, cprdump))
    if s["kind"] == "cpr-exec" and s["name"] == "exec-q35-memfd":
        results.append(check_extract_cpr(s, out, t, cprdump))
    return results


# ---- --extract-ram against QEMU's own bytes -----------------------------------------

VGA_WINDOW = (0xa0000, 0x100000)   # VGA and ROM windows: pmemsave there is not pc.ram


def run_extract(cprdump, out, sub="extract", extra=()):
    """cprdump --json --extract-ram=OUT/SUB main.bin [--channel multifd-K.bin...]."""
    chans = sorted(f for f in os.listdir(out) if re.match(r"multifd-\d+\.bin$", f))
    d = os.path.join(out, sub)
    shutil.rmtree(d, ignore_errors=True)
    args = ["--extract-ram=" + d, os.path.join(out, "main.bin")]
    args += ["--channel=" + os.path.join(out, c) for c in chans] + list(extra)
    rc, doc, err = run_json(cprdump, *args)
    try:
        with open(os.path.join(d, "manifest.json")) as f:
            manifest = json.load(f)
    except (OSError, ValueError):
        manifest = None
    return rc, doc, err, d, manifest


def read_at(path, off, n):
    with open(path, "rb") as f:
        f.seek(off)
        return f.read(n)


def same_outside(img, ref, hole):
    """img equals ref (a pmemsave of the same guest range) outside hole; returns
    the first differing offset or None."""
    with open(img, "rb") as a, open(ref, "rb") as b:
        off = 0
        while True:
            x, y = a.read(1 << 20), b.read(1 << 20)
            if not y:
                return None
            for lo, hi in ((off, min(off + len(y), hole[0])),
                           (max(off, hole[1]), off + len(y))):
                if lo < hi and x[lo - off:hi - off] != y[lo - off:hi - off]:
                    i = next(i for i in range(lo, hi) if x[i - off] != y[i - off])
                    return i
            off += len(y)


def stream_blocks(out, cprdump):
    doc, _ = cprdump_json(cprdump, os.path.join(out, "main.bin"))
    return (((doc or {}).get("stream") or {}).get("ram") or {}).get("blocks") or []


def block_rows(doc):
    return {b["idstr"]: b for b in ((doc or {}).get("extract-ram") or {}).get("blocks", [])}


def check_extract(s, out, t, cprdump):
    """Every extracted image equals QEMU's bytes: the last version of each pattern
    (pc.ram below the PCI hole, vga.vram through BAR 0) and pmemsave of the low
    memory outside the VGA and ROM windows; pages sent again were rewritten;
    images are sparse; the manifest is the JSON output."""
    rc, doc, err, d, manifest = run_extract(cprdump, out)
    rows = block_rows(doc)
    pat = t.get("patterns") or {}
    pm = t.get("pmemsave") or {}
    ram_name = "ram0" if "ram0" in rows else "pc.ram"
    problems = []
    if rc != 0 or doc is None:
        problems.append("exit %s: %s" % (rc, err.strip()[:200]))
    if manifest is None or manifest.get("extract-ram") != (doc or {}).get("extract-ram"):
        problems.append("manifest.json differs from the JSON output")
    want_blocks = {b["name"] for b in t["ramblocks"]}
    if set(rows) != want_blocks:
        problems.append("blocks %s, info ramblock %s" % (sorted(rows), sorted(want_blocks)))
    ignored = "x-ignore-shared" in s["caps"]
    for name, r in rows.items():
        img = os.path.join(d, r["file"]) if r.get("file") else None
        if ignored and name == ram_name:
            if r["status"] != "skipped" or "x-ignore-shared" not in (r["reason"] or ""):
                problems.append("%s: %s, reason %r" % (name, r["status"], r["reason"]))
            continue
        if r["status"] != "written" or not img or os.path.getsize(img) != r["used-length"]:
            problems.append("%s: %s, file %s" % (name, r["status"], r.get("file")))
    ram = rows.get(ram_name) or {}
    ram_img = os.path.join(d, ram.get("file") or "-")
    checked = 0
    for p in pat.get("places", []):
        want = guestmem.pattern(p["tag"], pat["version"], p["bytes"])
        if p["tag"].startswith("vram"):
            vr = next((r for n, r in rows.items() if n.endswith("vga.vram")), {})
            got = read_at(os.path.join(d, vr.get("file") or "-"), guestmem.VRAM_OFFSET,
                          len(want)) if vr.get("file") else b""
        elif ignored:
            continue
        else:
            got = read_at(ram_img, p["gpa"], len(want)) if ram.get("file") else b""
        checked += 1
        if got != want:
            problems.append("pattern %s v%d not in the image" % (p["tag"], pat["version"]))
    if not ignored and "low" in pm:
        bad = same_outside(ram_img, os.path.join(out, pm["low"]["file"]), VGA_WINDOW) \
            if ram.get("file") else 0
        if bad is not None:
            problems.append("%s differs from pmemsave at 0x%x" % (ram_name, bad))
    if "bios" in pm:
        bios = rows.get("pc.bios") or {}
        with open(os.path.join(out, pm["bios"]["file"]), "rb") as f:
            ref = f.read()
        if not bios.get("file") or read_at(os.path.join(d, bios["file"]), 0, len(ref)) != ref:
            problems.append("pc.bios differs from pmemsave at 0xfffc0000")
    resent = "mapped-ram" not in s["caps"] and not ignored
    if resent and ram.get("rewrites", 0) < 1:
        problems.append("no page of %s was sent again (rewrites 0)" % ram_name)
    if ram.get("file") and ram.get("disk-bytes", 1 << 62) > 8 << 20:
        problems.append("%s uses %s bytes on disk (not sparse)" % (ram_name, ram.get("disk-bytes")))
    comp = s["params"].get("multifd-compression")
    chans = ((doc or {}).get("extract-ram") or {}).get("channels") or []
    if comp and (len(chans) < 2 or any(c.get("compression") != comp for c in chans)):
        problems.append("channels not all inflated as %s: %s" % (
            comp, [c.get("compression") for c in chans]))
    n_pat = len(pat.get("places", []))
    desc = ("%s %s: --extract-ram: %d block images (%s), %d patterns (v%s, VGA BAR0 %s) and "
            "pmemsave equal, %s rewrites %s, %s on disk, manifest = JSON%s" % (
                label(s), s["name"], sum(1 for r in rows.values() if r["status"] == "written"),
                ", ".join(sorted(rows)), checked, pat.get("version"),
                hex(pat["vga_bar0"]) if pat.get("vga_bar0") else "-", ram_name,
                ram.get("rewrites"), ram.get("disk-bytes"),
                "; %s skipped by x-ignore-shared" % ram_name if ignored else "") +
            ("; every channel inflated as %s (multifd-compression)" % comp if comp else ""))
    if not pat.get("written_while_active") and not ignored:
        problems.append("the migration was over before the last pattern write")
    if "xbzrle" in s["caps"] and not sum(
            (b.get("pages") or {}).get("xbzrle", 0) for b in stream_blocks(out, cprdump)):
        problems.append("no XBZRLE page in the stream")
    if ignored and "bios" not in pm:
        problems.append("no pmemsave of the BIOS")
    ok = not problems and n_pat >= 3 and checked >= (0 if ignored else 3)
    shutil.rmtree(d, ignore_errors=True)
    return ok, desc if ok else "%s (%s)" % (desc, "; ".join(problems)[:600]), None


def check_extract_cpr(s, out, t, cprdump):
    """A cpr-exec/cpr-transfer stream: every block preserved by fd, no image."""
    rc, doc, err, d, manifest = run_extract(cprdump, out)
    rows = block_rows(doc)
    imgs = [f for f in os.listdir(d) if f.endswith(".img")] if os.path.isdir(d) else []
    ok = (rc == 0 and rows and len(rows) == len(t["ramblocks"]) and not imgs and
          all(r["status"] == "skipped" and r["reason"].startswith("preserved-by-fd")
              for r in rows.values()) and manifest is not None and
          manifest.get("extract-ram") == doc.get("extract-ram"))
    desc = ("%s %s: --extract-ram: all %d blocks preserved-by-fd in the manifest, no image "
            "file" % (s["kind"], s["name"], len(t["ramblocks"])))
    shutil.rmtree(d, ignore_errors=True)
    return ok, desc if ok else "%s (exit %s, images %s, rows %s, %s)" % (
        desc, rc, imgs, {n: r.get("reason") for n, r in rows.items()}, err.strip()[:200]), None
