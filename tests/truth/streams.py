#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""TAP: cprdump --json on every real QEMU main.bin against its truth.json.

RAM block list == truth "ramblocks" (name, used length) as a set; for plain
migrations, PAGE records == query_migrate_old.ram.normal and ZERO records ==
.duplicate, summed over blocks; every section complete with its footer, or, for
machine types <= 2.3 (tests/fixtures/real/stream72-pc23-nofooter, zstd), with none
and each device body delimited as the vmdesc says; for postcopy
(tests/fixtures/real/postcopy-q35), no vmdesc and the postcopy commands; for
multifd (tests/fixtures/real/multifd-q35, the main channel), no page at all."""
import glob
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.environ.get("CPRDUMP_FIXTURES",
                     os.path.join(HERE, "..", "..", "..", "shared", "fixtures",
                                  "qemu"))
BUNDLED = os.path.join(HERE, "..", "fixtures", "real")
CPRDUMP = os.environ.get("CPRDUMP", os.path.join(HERE, "..", "..", "build",
                                                 "cprdump"))
n = 0
failed = 0


def check(cond, desc):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print(("ok" if cond else "not ok") + " %d - %s" % (n, desc))


def run(*args):
    p = subprocess.run([CPRDUMP, "--json"] + list(args),
                       capture_output=True, text=True)
    return p.returncode, json.loads(p.stdout), p.stderr


def scan_alone(name, path, secs, eof):
    """The stream cut after EOF (no vmdesc, from stdin): the scan for the footer
    (or, without footers, for the next header) alone must find the same section
    boundaries as the vmdesc confirms."""
    data = subprocess.run(["zstd", "-dc", path] if path.endswith(".zst")
                          else ["cat", path], capture_output=True).stdout[:eof + 1]
    p = subprocess.run([CPRDUMP, "--json", "-"], input=data, capture_output=True)
    cut = json.loads(p.stdout)["stream"]
    bounds = [(x["offset"], x["end"]) for x in secs]
    check(p.returncode == 0 and not cut["vmdesc"]["present"] and
          [(x["offset"], x["end"]) for x in cut["sections"]] == bounds and
          cut["inferred-count"] == sum(x["type"] == "full" for x in secs),
          "%s: without its vmdesc, the scan alone finds the same %d "
          "section boundaries" % (name, len(bounds)))


def postcopy(name, truth, s):
    """One RAM_DISCARD per block; PACKAGED from LISTEN to RUN; the stream's end
    plus the package is query-migrate's transferred (QEMU counts it twice)."""
    cmds = s.get("commands", [])
    discards = sorted(c["ramblock"] for c in cmds
                      if c["name"] == "POSTCOPY_RAM_DISCARD")
    check(discards == sorted(b["name"] for b in truth["ramblocks"]),
          "%s: one POSTCOPY_RAM_DISCARD per RAM block" % name)
    pk = [c for c in cmds if c["name"] == "PACKAGED"]
    ends = [c["offset"] + 5 for c in cmds if c["name"] == "POSTCOPY_RUN"]
    check(len(pk) == 1 and ends == [pk[0]["offset"] + 9 + pk[0]["package-size"]],
          "%s: PACKAGED ends with POSTCOPY_RUN" % name)
    q = truth["query_migrate_old"]["ram"]
    check(pk and s["end-offset"] + pk[0]["package-size"] == q["transferred"],
          "%s: end offset + PACKAGED size == transferred (%d)"
          % (name, q["transferred"]))


def page_size(name, truth, path, ram, vd):
    """The target page size is query-migrate's page-size (when the run has one),
    and the vmdesc's; zstd cannot be read ahead: inferred from the records
    unless the configuration says it, then confirmed by the vmdesc at the end."""
    q = ((truth.get("query_migrate_old") or {}).get("ram") or {}).get("page-size")
    want = q if q is not None else truth.get("page_size", 4096)
    check(ram.get("page-size") == want and ram.get("page-size-conflict") is None and
          (vd.get("page-size") in (None, want)),
          "%s: page size %d (%s), no conflict" % (
              name, want, "query-migrate" if q is not None else "the target's"))
    if path.endswith(".zst") and ram.get("page-size-source") != "configuration":
        src = ram.get("page-size-source")
        check(src in ("inferred", "postcopy-advise", "vmdesc") and
              not ram.get("vmdesc-read-ahead"),
              "%s: zstd, no read-ahead: page size from %s" % (name, src))


def iterative(name, truth, secs):
    """Live sections other than ram, read by their framing, each chunk ended."""
    want = truth.get("iterative", [])
    got = [x for x in secs if x["idstr"] in want]
    if not want:
        check(not any(x.get("iterative") for x in secs),
              "%s: no live section other than ram" % name)
        return
    check(got and all(x["delimited-by"] == "parsed" and
                      (x.get("iterative") or {}).get("ended") for x in got) and
          {x["idstr"] for x in got} == set(want),
          "%s: %s: %d chunks read by their framing, each ended" % (
              name, ", ".join(want), len(got)))


def one(path):
    run_dir = os.path.dirname(path)
    name = os.path.relpath(run_dir, FIX if path.startswith(FIX) else BUNDLED)
    truth = json.load(open(os.path.join(run_dir, "truth.json")))
    rc, doc, err = run(path)
    check(rc == 0 and "error" not in doc, "%s: decodes (rc %d %s)"
          % (name, rc, err.strip()))
    s = doc.get("stream", {})
    check(s.get("magic") == 0x5145564d and s.get("version") == 3,
          "%s: header" % name)
    ram = s.get("ram", {})
    got = sorted((b["idstr"], b["used-length"]) for b in ram.get("blocks", []))
    want = sorted((b["name"], b["used"]) for b in truth["ramblocks"])
    check(got == want, "%s: RAM blocks equal truth ramblocks" % name)
    check(ram.get("mem-size") == sum(u for _, u in want),
          "%s: MEM_SIZE is the sum of used lengths" % name)
    secs = s.get("sections", [])
    footers = not any(m.startswith("pc-i440fx-2.3")
                      for m in truth.get("argv_old", []))
    check(s.get("footers") == ("on" if footers else "off") and secs and
          all(x["footer"] is footers and x["end"] > x["offset"] for x in secs),
          "%s: every section %s" % (name, "has its footer" if footers else
                                    "without footer (machine type <= 2.3)"))
    check(s.get("eof-offset") is not None, "%s: EOF reached" % name)
    vd = s.get("vmdesc", {})
    if vd.get("present"):
        scan_alone(name, path, secs, s["eof-offset"])
    full = [x for x in secs if x["type"] == "full"]
    if truth.get("mode") == "postcopy":
        check(not vd.get("present") and s.get("inferred-count") == len(full) and
              all(x["inferred"] and x["vmdesc-size"] is None for x in full),
              "%s: postcopy: no vmdesc, every device section inferred" % name)
        postcopy(name, truth, s)
    else:
        check(vd.get("present") and vd.get("device-count") == len(full),
              "%s: vmdesc lists every full section" % name)
        # QEMU's vmdesc gets some sizes wrong (7.2 s390x s390_css): those are
        # delimited by their footer and reported as differing, all others confirmed
        wrong = sorted(truth.get("vmdesc_differs", []))
        differs = sorted(x["idstr"] for x in full
                         if (x.get("vmdesc-size-check") or "").startswith("differs"))
        check(differs == wrong and s.get("vmdesc-size-differs") == len(wrong) and
              all(x["vmdesc-size"] is not None and
                  (not x["inferred"] or x["idstr"] in wrong) for x in full),
              "%s: every device section confirmed by the vmdesc sizes%s" % (
                  name, ", but for %s (reported as differing)" % ", ".join(wrong)
                  if wrong else ""))
    page_size(name, truth, path, ram, vd)
    iterative(name, truth, secs)
    caps = s["configuration"]["capabilities"]
    # QEMU's configuration lists only the capabilities it validates on load
    # (savevm.c should_validate_capability): x-ignore-shared and mapped-ram
    want_caps = [c for c in truth.get("caps", [])
                 if c in ("x-ignore-shared", "mapped-ram")]
    check(sorted(caps) == sorted(want_caps),
          "%s: capabilities equal truth caps" % name)
    q = truth.get("query_migrate_old") or {}
    pages = [b["pages"] for b in ram.get("blocks", [])]
    if q.get("ram") and q["ram"].get("normal") is not None and \
            truth.get("mode") in (None, "normal", "postcopy"):
        check(sum(p["normal"] for p in pages) == q["ram"]["normal"],
              "%s: PAGE records == ram.normal (%d)" % (name, q["ram"]["normal"]))
        check(sum(p["zero"] for p in pages) == q["ram"]["duplicate"],
              "%s: ZERO records == ram.duplicate (%d)"
              % (name, q["ram"]["duplicate"]))
        check(sum(p["normal-bytes"] for p in pages) == q["ram"]["normal-bytes"],
              "%s: page bytes == ram.normal-bytes" % name)
    mode = truth.get("mode")
    if mode == "multifd":
        check(sum(p["zero"] + p["normal"] for p in pages) == 0 and
              ram.get("multifd-flushes", 0) >= 1 and
              ram.get("no-pages-reason", "").startswith("multifd:"),
              "%s: multifd main channel: no page, MULTIFD_FLUSH records, "
              "reason given" % name)
        check(s["end-offset"] + q["ram"]["multifd-bytes"] == q["ram"]["transferred"],
              "%s: end offset + multifd-bytes == transferred (%d)"
              % (name, q["ram"]["transferred"]))
    if mode in ("cpr-exec", "cpr-transfer"):
        check(sum(p["zero"] + p["normal"] for p in pages) == 0 and
              ram.get("no-pages-reason", "").startswith("cpr-exec/cpr-transfer"),
              "%s: %s stream: no page, reason given" % (name, mode))


def main():
    paths = sorted(glob.glob(os.path.join(FIX, "*", "*", "main.bin")))
    check(len(paths) >= 10, "found %d main.bin fixtures" % len(paths))
    paths += sorted(glob.glob(os.path.join(BUNDLED, "*", "main.bin.zst")))
    for p in paths:
        one(p)
    print("1..%d" % n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
