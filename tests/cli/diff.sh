#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# cprdump --diff on the bundled real fixtures: the exact differences, with
# expectations from the fixtures' truth.json (QEMU's info ramblock and
# cpr_save_fd trace); exit status as diff(1); plain, zstd, capture and stdin
# in any mix; partial inputs; the volatile list as doc/diff.md documents it
# (tests/truth/examples.py runs the examples of doc/diff.md).
. "$(dirname "$0")/../lib.sh"
R=$REPO/tests/fixtures/real
MEMFD=$R/exec-q35-memfd
ANON=$R/exec-q35-anon

# blocks only on one side and the mem-size, from QEMU's own info ramblock
want=$(python3 - "$MEMFD/truth.json" "$ANON/truth.json" <<'PY'
import json, sys
a, b = ({x["name"]: x["used"] for x in json.load(open(p))["ramblocks"]} for p in sys.argv[1:])
rows = ["removed ram: block[%s]" % n for n in sorted(a.keys() - b.keys())]
rows += ["added ram: block[%s]" % n for n in sorted(b.keys() - a.keys())]
rows += ["changed ram: block[%s].used-length" % n for n in sorted(a.keys() & b.keys()) if a[n] != b[n]]
rows.append("changed ram: mem-size %d %d" % (sum(a.values()), sum(b.values())))
print("\n".join(sorted(rows)))
PY
)
run_cprdump --json --diff --ignore-volatile "--ignore=ram: *pages*" "--ignore=mc146818rtc#0: *" \
    "$MEMFD/main.bin" "$ANON/main.bin"
got=$(jget "$out" '"\n".join(sorted("%s %s%s" % (c["kind"], c["full-path"], " %s %s" % (c["a"], c["b"]) if c["path"] == "mem-size" else "") for c in d["diff"]["changes"]))')
expect_eq "memfd vs anon q35 stream: exactly the RAM blocks and mem-size info ramblock differs in" "$got" "$want"
expect_eq "... exit 1 (different)" "$rc" 1
expect_eq "... JSON counts" "$(jget "$out" '[d["diff"][k] for k in ("change-count", "added-count", "removed-count", "changed-count", "version-count", "equal")]')" \
    "[3, 1, 1, 1, 0, False]"

run_cprdump --diff --ignore-volatile "$MEMFD/main.bin" "$ANON/main.bin"
check "human: the group heading, then PATH A B KIND aligned" \
    grep -qzE $'\nram\nPATH +A +B +KIND\nmem-size +268967936 +134750208 +changed\n' <<<"$out"
# CMOS 0x35: memory above 16 MiB in 64 KiB units, high byte (0x0f: 256 MiB, 0x07: 128 MiB)
check "human: the RTC's CMOS memory-size byte, the one device difference" \
    grep -qE '^cmos_data\+0x30 +ff ff 20 00 00 0f 00 00 30 00 00 00 00 12 00 00 +ff ff 20 00 00 07 00 00 30 00 00 00 00 12 00 00 +changed$' <<<"$out"
check "human: the summary line" grep -qxE '4 differences \(1 added, 1 removed, 2 changed, 0 version\), [0-9]+ ignored' <<<"$out"

# typed fields: every changed device field of two real streams is the field of
# that path in --device's JSON "fields" on both sides, with the same value
FILE=$R/exec-q35-file-shared/main.bin.zst
"$CPRDUMP" --json --device=all "$MEMFD/main.bin" >"$TMP/dev-a.json" 2>/dev/null
"$CPRDUMP" --json --device=all "$FILE" >"$TMP/dev-b.json" 2>/dev/null
run_cprdump --json --diff "$MEMFD/main.bin" "$FILE"
printf '%s' "$out" >"$TMP/diff.json"
got=$(python3 - "$TMP/diff.json" "$TMP/dev-a.json" "$TMP/dev-b.json" <<'PY2'
import json, re, sys
diff = json.load(open(sys.argv[1]))["diff"]
devs = []
for p in sys.argv[2:]:
    secs = json.load(open(p))["stream"]["sections"]
    devs.append({"%s#%d" % (x["idstr"], x["instance-id"]): x.get("fields") for x in secs})

def lookup(obj, path):
    """A --device JSON "fields" value by its path: the longest key at each step."""
    while path:
        if path[0] == "[":
            i, path = re.match(r"\[(\d+)\](.*)", path).groups()
            obj = obj[int(i)]
            continue
        path = path[1:] if path[0] == "." else path
        k = max((k for k in obj if path == k or path.startswith((k + ".", k + "["))), key=len)
        obj, path = obj[k], path[len(k):]
    return obj

def number(v):
    return int(v.split()[0], 0)

rows, bad = [], []
for c in diff["changes"]:
    if c["group"] in ("ram", "stream", "configuration") or not c["path"] or "+0x" in c["path"]:
        continue
    # u64 above 2^53 are "0x..." strings in JSON
    va, vb = (v if isinstance(v, int) else int(v, 16) for v in
              (lookup(d[c["group"]], c["path"]) for d in devs))
    if not (isinstance(va, int) and number(c["a"]) == va and number(c["b"]) == vb):
        bad.append((c["full-path"], c["a"], c["b"], va, vb))
    rows.append(c["full-path"])
print(len(rows), bad)
PY2
)
expect_eq "memfd vs file-shared: each changed field is --device's field of that path, same values" \
    "$got" "6 []"
check "... a count in decimal, a u64 in hex, a timer in ns (as --device prints them)" \
    test "$(jget "$out" '[c["a"] for c in d["diff"]["changes"] if c["path"] in ("cpu/tsc_khz.env.tsc_khz", "clock", "update_timer")]')" = \
    "['2596124', '0x0000000004e20b16', '1795428777315861000 ns']"

# the same stream: plain, zstd, a capture, standard input
zstd -q -c "$MEMFD/main.bin" >"$TMP/main.zst"
"$CPRDUMP" --save "$TMP/cap" "$MEMFD/main.bin" >/dev/null
run_cprdump --diff "$MEMFD/main.bin" "$TMP/main.zst"
expect_eq "plain vs zstd of the same stream: exit 0" "$rc" 0
expect_eq "... says no differences" "$(tail -1 <<<"$out")" "no differences, 0 ignored"
run_cprdump --diff "$TMP/cap" "$TMP/main.zst"
expect_eq "capture vs zstd of the same stream: exit 0" "$rc" 0
out=$("$CPRDUMP" --diff - "$TMP/cap" <"$TMP/main.zst" 2>&1); rc=$?
expect_eq "stdin (zstd) vs capture: exit 0" "$rc" 0
check "... stdin shown as <stdin>" grep -q '^a   <stdin> (stream)$' <<<"$out"

# CPR states: records only on one side, fd numbers as the traces say
want=$(python3 - "$MEMFD/truth.json" "$ANON/truth.json" <<'PY'
import json, sys
a, b = ({(x["name"], x["id"]): x["fd"] for x in json.load(open(p))["trace_cpr_save_fd"]} for p in sys.argv[1:])
rows = ["removed fds: %s#%d" % k for k in a.keys() - b.keys()]
rows += ["added fds: %s#%d" % k for k in b.keys() - a.keys()]
rows += ["changed fds: %s#%d.fd %d %d" % (k + (a[k], b[k])) for k in a.keys() & b.keys() if a[k] != b[k]]
if len(a) != len(b):
    rows.append("changed cpr-state: fd-count %d %d" % (len(a), len(b)))
print("\n".join(sorted(rows)))
PY
)
run_cprdump --json --diff "$MEMFD/state.bin" "$ANON/state.bin"
got=$(jget "$out" '"\n".join(sorted("%s %s%s" % (c["kind"], c["full-path"], " %s %s" % (c["a"], c["b"]) if c["kind"] == "changed" else "") for c in d["diff"]["changes"]))')
expect_eq "memfd vs anon CPR state: the records and fd numbers of the traces" "$got" "$want"
expect_eq "... exit 1" "$rc" 1
run_cprdump --diff "$MEMFD/state.bin" "$MEMFD/state.bin"
expect_eq "a CPR state against itself: exit 0" "$rc" 0

# vfio devices: the synthetic iommufd state with one devid changed (the BE s32
# after the name "0000:5e:00.0", as tests/fixtures/synthetic/iommufd-exec.json
# lists it: devid 1, ioas 2, hwpt 3) and a hostdev0 added
IOMMUFD=$SYN/iommufd-exec.bin
python3 - "$IOMMUFD" "$TMP/devid.bin" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = b.index(b"0000:5e:00.0\0", 0xa0) + 13
assert b[i:i + 12] == bytes([0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3])
b[i + 3] = 7
open(sys.argv[2], "wb").write(b)
PY
run_cprdump --json --diff "$IOMMUFD" "$TMP/devid.bin"
expect_eq "iommufd state, devid 1 -> 7: exactly that vfio field" \
    "$rc $(jget "$out" '[(c["kind"], c["full-path"], c["a"], c["b"]) for c in d["diff"]["changes"]]')" \
    "1 [('changed', 'vfio: 0000:5e:00.0.devid', '1', '7')]"
run_cprdump --json --diff "$IOMMUFD" "$SYN/no-iommufd-build.bin"
expect_eq "iommufd state vs a build without iommufd: vfio body, its devices removed, records" \
    "$(jget "$out" 'sorted((c["kind"], c["full-path"]) for c in d["diff"]["changes"] if c["group"] == "vfio")')" \
    "[('changed', 'vfio: body'), ('removed', 'vfio: 0000:5e:00.0'), ('removed', 'vfio: hostdev0')]"

# --ignore: brackets literal, the group's own line, counts
run_cprdump --json --diff "--ignore=ram: block[*]" "--ignore=ram: mem-size" --ignore-volatile \
    "--ignore=mc146818rtc#0: cmos_data+0x30" "$MEMFD/main.bin" "$ANON/main.bin"
expect_eq "--ignore of every difference: exit 0, equal" "$rc $(jget "$out" 'd["diff"]["equal"], d["diff"]["ignored-count"] > 3')" "0 (True, True)"

# errors
run_cprdump --diff "$MEMFD/state.bin" "$MEMFD/main.bin"
expect_eq "a state and a stream: exit 2" "$rc" 2
expect_eq "... the message" "$err" "cprdump: --diff compares two of a kind: $MEMFD/state.bin is a cpr-state, $MEMFD/main.bin is a stream"
run_cprdump --diff "$MEMFD/main.bin"
expect_eq "--diff with one file: exit 2" "$rc $err" "2 cprdump: --diff takes two files, A and B"
run_cprdump --ignore-volatile "$MEMFD/main.bin"
expect_eq "--ignore-volatile without --diff: exit 2" "$rc" 2
run_cprdump --diff "$MEMFD/main.bin" "$TMP/nope"
expect_eq "a missing file: exit 3" "$rc" 3
head -c $(( $(stat -c %s "$MEMFD/main.bin") / 2 )) "$MEMFD/main.bin" >"$TMP/cut.bin"
run_cprdump --json --diff "$MEMFD/main.bin" "$TMP/cut.bin"
expect_eq "a truncated B: exit 5 (its error), the diff of what decoded" "$rc" 5
check "... one stderr line with file, offset and field" \
    grep -qxE "cprdump: $TMP/cut.bin: truncated [a-z ]+( [0-9]+)? at offset 0x[0-9a-f]+: .*" <<<"$err"
expect_eq "... B incomplete with its error; every device section of A removed" \
    "$(jget "$out" 'd["diff"]["b"]["complete"], d["diff"]["b"]["error"]["code"], all(c["kind"] == "removed" for c in d["diff"]["changes"] if c["path"] == "" and c["group"] not in ("ram", "stream", "configuration"))')" \
    "(False, 'truncated', True)"

# the volatile list: doc/diff.md and the code agree
doc=$(grep -oE '^\| `[^`]+` \| volatile' "$REPO/doc/diff.md" | cut -d'`' -f2 | sort)
code=$(sed -n '/diff_volatile_globs\[\] = {/,/NULL/p' "$REPO/cprdump/check/diff_volatile.c" |
    grep -oE '^    "[^"]+"' | tr -d '" ' | sort)
expect_eq "doc/diff.md lists exactly the volatile globs of diff_volatile.c" \
    "$(echo $doc)" "$(echo $code | sed 's/#\*:/#*: /g')"

tap_done
