# SPDX-License-Identifier: GPL-2.0-or-later
# Hostile input through the CLI: allocation bounds under a low RLIMIT_AS, the
# 256 MiB CPR state cap, non-UTF-8 locales, usage-error paths (leak-checked
# under check-sanitize), and output safety on hostile names and mutated inputs.
source "$(dirname "$0")/../lib.sh"
EXEC=$FIX/11.1/exec-q35-memfd/state.bin

# --- a name outside the UTF-8 locale -----------------------------------------------
# Regression: libsmartcols looped forever on a non-ASCII name in the C locale.
for loc in C POSIX; do
    out=$(LC_ALL=$loc timeout 10 "$CPRDUMP" "$SYN/odd-names.bin" 2>&1)
    expect_eq "LC_ALL=$loc: odd names decode, no hang" "$?" 0
    check "LC_ALL=$loc: the table is ASCII, names escaped" \
        bash -c '! LC_ALL=C grep -q "[^[:print:]]" <<<"$1" && grep -qF "\xc3\xa9t\xc3\xa9-" <<<"$1"' _ "$out"
done

# Regression: a size cell ("1.8 KiB", GLib puts U+00A0 before the unit) made
# every migration stream's table hang in the C locale.
for f in "$FIX"/11.1/exec-q35-memfd/main.bin "$FIX"/7.2/pc-vga-run/main.bin; do
    out=$(LC_ALL=C timeout 20 "$CPRDUMP" "$f" 2>&1)
    rc=$?
    check "LC_ALL=C: stream $(basename "$(dirname "$f")") decodes, no hang (exit $rc)" [ "$rc" -eq 0 ]
    check "LC_ALL=C: stream $(basename "$(dirname "$f")") table is ASCII with sizes" \
        bash -c '! LC_ALL=C grep -q "[^[:print:]]" <<<"$1" && grep -q "[0-9] KiB" <<<"$1"' _ "$out"
done

# --- usage and early exits free what they allocated (LeakSanitizer) ---------------
for args in "--mode=bogus $EXEC" "--output=yaml $EXEC" "--format=nope $EXEC" \
    "--mode=exec --no-such-option" "$EXEC $EXEC"; do
    # shellcheck disable=SC2086 # word splitting intended
    run_cprdump $args
    expect_eq "usage error ($args): exit 2, one line" "$rc/$(wc -l <<<"$err")" "2/1"
done
run_cprdump --version --mode=exec
expect_eq "--version with another option: exit 0" "$rc" 0

# --- allocation bounds: fail fast, allocate nothing like the claimed size -----------
state() { printf 'QCPR\0\0\0\1'; } # header of a CPR state
{ state; printf '\1\xff\xff\xff\xff'; head -c 87 /dev/zero; } >"$TMP/namelen-4g"
{ state; printf '\1\x7f\xff\xff\xff'; head -c 87 /dev/zero; } >"$TMP/namelen-2g"
{ state; printf '\1\0\0\0\2a\0\0\0\0\0\0\0\0\0\0\5\x15CprState/vfio devices\0\0\0\1\1\xff\xff\xff\xff'; head -c 40 /dev/zero; } >"$TMP/vfio-namelen-4g"
truncate -s 1G "$TMP/sparse-zeros"
truncate -s 1G "$TMP/sparse-qcpr"
state | dd of="$TMP/sparse-qcpr" conv=notrunc status=none
expect_eq "the 4 GiB namelen file is 100 bytes" "$(stat -c %s "$TMP/namelen-4g")" 100

if [ "${CPRDUMP_SANITIZED:-0}" = 1 ]; then
    # ASan reserves terabytes of address space: RLIMIT_AS cannot apply.
    ok "# SKIP RLIMIT_AS tests under a sanitizer build"
else
    # The least address space (KiB, 512 KiB steps) a real state decodes in.
    need_kb() {
        local lo=1024 hi=1048576 mid
        while [ $((hi - lo)) -gt 512 ]; do
            mid=$(((lo + hi) / 2))
            if (ulimit -v "$mid" && "$CPRDUMP" "$@" >/dev/null 2>&1); then
                hi=$mid
            else
                lo=$mid
            fi
        done
        echo "$hi"
    }
    base=$(need_kb "$EXEC")
    base_json=$(need_kb --json "$EXEC")
    limit=$(((base > base_json ? base : base_json) + 4096))
    echo "# baseline address space: $base KiB (human), $base_json KiB (json); limit $limit KiB"
    check "baseline is measured below 64 MiB" [ "$limit" -lt 65536 ]
    limited() { # expected-rc file [args]: run under the limit, check rc and time
        local want=$1 f=$2 start end
        shift 2
        start=$(date +%s%N)
        (ulimit -v "$limit" && "$CPRDUMP" "$@" "$f" >"$TMP/l.out" 2>"$TMP/l.err")
        lrc=$?
        end=$(date +%s%N)
        lms=$(((end - start) / 1000000))
        [ "$lrc" -eq "$want" ] && [ "$lms" -lt 2000 ]
    }
    for f in namelen-4g namelen-2g vfio-namelen-4g; do
        for m in auto exec transfer; do
            check "$f --mode=$m under ulimit -v $limit: exit 5, fast" \
                limited 5 "$TMP/$f" --json --mode="$m"
        done
    done
    check "namelen 4 GiB: the error says need 4294967295" \
        limited 5 "$TMP/namelen-4g" --json --mode=exec
    expect_eq "namelen 4 GiB: need/left in the error" \
        "$(jget "$(cat "$TMP/l.out")" '(d["error"]["need"], d["error"]["left"])')" "(4294967295, 87)"
    # Streams: a 2^60 used_length must not be allocated by (nor a page
    # record 2^59 into the block, nor a mapped-ram bitmap of 2^45 bytes).
    python3 - "$TMP" <<'PY'
import struct, sys
d = sys.argv[1]
hdr = b"QEVM" + struct.pack(">I", 3)
def ram(body):  # START section "ram", id 0, version 4
    return b"\x01" + struct.pack(">I", 0) + b"\x03ram" + struct.pack(">II", 0, 4) + body
big = 1 << 60
blk = b"\x06pc.ram" + struct.pack(">Q", big)
mem = struct.pack(">Q", big | 4)  # MEM_SIZE record
out = {
    "used": hdr + ram(mem + blk + struct.pack(">Q", 0x10)) + b"\x7e\0\0\0\0\0",
    "page": hdr + ram(mem + blk + struct.pack(">Q", (1 << 59) | 8) + b"\x06pc.ram"),
}
cfg = (b"\x07" + struct.pack(">I", 3) + b"q35\x05\x1aconfiguration/capabilities"
       + struct.pack(">II", 1, 1) + b"\x0amapped-ram")
pre = hdr + cfg + ram(mem + blk)
at = len(pre) + 28
out["mapped"] = pre + struct.pack(">IQQQ", 1, 4096, at, at + 4096)
for name, data in out.items():
    open(f"{d}/stream-{name}.bin", "wb").write(data.ljust(100, b"\0") if name == "page" else data)
PY
    check "stream, block used_length 2^60 ($(stat -c %s "$TMP/stream-used.bin") bytes) under the limit: exit 0, fast" \
        limited 0 "$TMP/stream-used.bin" --json
    check "stream, used_length 2^60 is reported, not allocated" \
        grep -q '"used-length": "0x1000000000000000"' "$TMP/l.out"
    check "stream, a page 2^59 into a 2^60 block (100 bytes): exit 5, fast" \
        limited 5 "$TMP/stream-page.bin"
    check "stream, mapped-ram bitmap for 2^60 bytes ($(stat -c %s "$TMP/stream-mapped.bin") bytes): exit 5, fast" \
        limited 5 "$TMP/stream-mapped.bin"
    check "stream, mapped-ram: truncated in the bitmap, read in chunks" \
        grep -q 'bitmap (need 65536 bytes' "$TMP/l.err"
    check "1 GiB sparse file of zeros under the limit: exit 4, fast" \
        limited 4 "$TMP/sparse-zeros"
    check "1 GiB QCPR file under the limit: exit 3, fast" \
        limited 3 "$TMP/sparse-qcpr"
    check "1 GiB QCPR file: says the 256 MiB cap" \
        grep -q 'sparse-qcpr: larger than 256 MiB, the most cprdump loads as a CPR state' "$TMP/l.err"
fi

# Regression: a capability count of 2^32-1 followed by zero bytes made every
# input byte an empty capability (a string and a JSON value each): a 20 MiB
# stream took 2.6 GB and 13 s. Now a count over 256 is a limit, at once.
python3 -c 'import struct,sys; open(sys.argv[1],"wb").write(b"QEVM\0\0\0\3\x07\0\0\0\3q35\x05\x1aconfiguration/capabilities" + struct.pack(">II", 1, 0xffffffff) + bytes(4 << 20))' "$TMP/caps.bin"
start=$(date +%s%N)
run_cprdump --json "$TMP/caps.bin"
ms=$((($(date +%s%N) - start) / 1000000))
expect_eq "capability count 2^32-1: exit 5" "$rc" 5
expect_eq "capability count 2^32-1: a limit on the count field, at offset 0x30" \
    "$(jget "$out" '(d["error"]["code"], d["error"]["field"], d["error"]["offset"])')" "('limit', 'capability count', 48)"
check "capability count 2^32-1: fails fast (${ms} ms)" [ "$ms" -lt 2000 ]

# Regression (found by fuzz-render-stream): a footer-less stream put the raw
# bytes of a section idstr into the stderr line. Footer-less bodies are now
# scanned; this one runs to the end of the data.
python3 -c 'import struct,sys; open(sys.argv[1],"wb").write(b"QEVM\0\0\0\3" + b"\x04\0\0\0\0\x03ram\0\0\0\0\0\0\0\4" + struct.pack(">Q", 0x10) + b"\x04\0\0\0\1\x03\x1b[2" + bytes(8) + b"\xff" * 16)' "$TMP/idstr.bin"
run_cprdump "$TMP/idstr.bin"
expect_eq "raw idstr, footer-less body to the end: exit 5" "$rc" 5
expect_eq "raw idstr, footer-less body to the end: the error" "$err" \
    "cprdump: $TMP/idstr.bin: truncated section 1 at offset 0x42: body (need 1 bytes, 0 left)"
check "raw idstr: the table shows it escaped, no raw ESC anywhere" \
    bash -c '! LC_ALL=C grep -q $'"'"'\033'"'"' <<<"$1$2" && grep -qF "1 full  1 \\x1b[2" <<<"$1"' _ "$out" "$err"

# Regression: section id 0xffffffff had two hash keys (0 when stored, 2^32 when
# the footer scan looked a PART/END up), so the START below swallowed its END.
python3 -c '
import struct, sys
i = struct.pack(">I", 0xffffffff)
open(sys.argv[1], "wb").write(b"QEVM\0\0\0\3" + b"\x01" + i + b"\x03foo" + struct.pack(">II", 0, 1) +
    b"\xaa\xbb\x7e" + i + b"\x03" + i + b"\xcc\x7e" + i + b"\x00")' "$TMP/maxid.bin"
run_cprdump --json "$TMP/maxid.bin"
expect_eq "section id 0xffffffff: START (2 body bytes) then END (1)" \
    "$(jget "$out" '[(x["type"], x["section-id"], x["body-size"]) for x in d["stream"]["sections"]]')" \
    "[('start', 4294967295, 2), ('end', 4294967295, 1)]"

# --- the cap holds for inputs of unknown size too (stdin, zstd) ---------------------
{ state; head -c $((300 << 20)) /dev/zero; } | zstd -q -1 -c >"$TMP/bomb.zst"
check "zstd bomb is small ($(stat -c %s "$TMP/bomb.zst") bytes)" [ "$(stat -c %s "$TMP/bomb.zst")" -lt 100000 ]
run_cprdump "$TMP/bomb.zst"
expect_eq "zstd bomb (300 MiB): exit 3" "$rc" 3
# 300 MiB from 10 KiB: the decompression ratio cap (16384:1 past 64 MiB) stops it
# before the 256 MiB cap of a CPR state is reached
check "zstd bomb: refused as a decompression bomb" \
    grep -q 'inflates more than 16384 times.*refused as a decompression bomb' <<<"$err"
run_cprdump - <"$TMP/sparse-qcpr"
expect_eq "1 GiB QCPR on stdin: exit 3 at the cap" "$rc" 3
rm -f "$TMP/sparse-zeros" "$TMP/sparse-qcpr" "$TMP/bomb.zst"

# --- output safety: hostile names, mutations, the fuzz corpus ------------------------
corpus=("$REPO"/tests/fuzz/corpus/fuzz-cpr-state/* "$REPO"/tests/fuzz/corpus/fuzz-stream/* "$FIX"/*/*/state.bin "$SYN"/*.bin)
# --- the target page size: streams built to be contradictory or ambiguous ----------
CORP=$REPO/tests/fuzz/corpus/fuzz-stream
run_cprdump "$CORP/targets-conflict-4k-vs-1k.bin"
expect_eq "configuration says 4096, vmdesc 1024: exit 5, one stderr line" "$rc/$(wc -l <<<"$err")" "5/1"
check "... the line names both sources, offset and field" grep -qF \
    "invalid page size at offset 0x7e: vmdesc: target page size: configuration/target-page-bits says 4096 but vmdesc page_size says 1024" <<<"$err"
check "... the decode is still shown, with the conflict" grep -q "^CONFLICT .*says 4096 but vmdesc page_size says 1024" <<<"$out"
run_cprdump --json "$CORP/targets-conflict-4k-vs-1k.bin"
expect_eq "... JSON: page-size-conflict, the size used and its source" \
    "$(jget "$out" '(d["stream"]["ram"]["page-size"], d["stream"]["ram"]["page-size-source"], d["stream"]["ram"]["page-size-sources"]["vmdesc"], d["stream"]["ram"]["page-size-conflict"] is not None)')" \
    "(4096, 'configuration', 1024, True)"
run_cprdump "$CORP/targets-ambiguous-zero-4k.bin"
expect_eq "only zero pages at 4 KiB offsets, no source: exit 0" "$rc" 0
check "... says ambiguous, lists 1024, 2048, 4096, uses the largest" grep -q "^page size    4096 (inferred, ambiguous: 1024, 2048, 4096 all make" <<<"$out"
run_cprdump "$CORP/targets-inferred-1k-page.bin"
check "a 1 KiB page record, no source: inferred decisively" grep -q "^page size    1024 (inferred: only 1024 makes the 5 RAM records" <<<"$out"
check "no output says the x86 default any more" bash -c '! grep -rq "default (x86" "$1"/formats "$1"/cprdump' _ "$REPO"

python3 "$REPO/tests/cli/hostile_output.py" "$CPRDUMP" "$TMP" "${corpus[@]}" >"$TMP/safety.log" 2>&1
src=$?
sed 's/^/# /' "$TMP/safety.log" | tail -20
expect_eq "hostile names, mutated inputs and the fuzz corpus: valid JSON, clean text, documented exits" "$src" 0
tap_done
