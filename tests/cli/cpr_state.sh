# SPDX-License-Identifier: GPL-2.0-or-later
# CLI behaviour on CPR states: human table, JSON, stdin, zstd, bad input.
source "$(dirname "$0")/../lib.sh"
EXP=$(dirname "$0")/../expected
EXEC=$FIX/11.1/exec-q35-memfd/state.bin

# --- human output: compare with the expected text, from a fixed label -------
for case in 11.1/exec-q35-memfd 11.1/transfer-pc-devices 10.0/transfer-q35; do
    cp "$FIX/$case/state.bin" "$TMP/state.bin"
    want="$EXP/$(echo "$case" | tr / -).txt"
    (cd "$TMP" && "$CPRDUMP" state.bin) >"$TMP/out.txt" 2>&1
    check "human output of $case matches $(basename "$want")" \
        diff -u "$want" "$TMP/out.txt"
done
for syn in vfio-legacy-exec iommufd-exec odd-names; do
    cp "$SYN/$syn.bin" "$TMP/$syn.bin"
    (cd "$TMP" && "$CPRDUMP" "$syn.bin") >"$TMP/out.txt" 2>&1
    check "human output of synthetic $syn matches" \
        diff -u "$EXP/synthetic-$syn.txt" "$TMP/out.txt"
done
check "no raw ESC byte reaches the terminal for odd names" \
    bash -c "! grep -q \$'\\x1b' '$TMP/out.txt'"

# --- JSON ---------------------------------------------------------------------
run_cprdump --json "$EXEC"
expect_eq "--json exit 0" "$rc" 0
expect_eq "--json format-version 3" "$(jget "$out" 'd["format-version"]')" 3
expect_eq "--json ram0 record fd 13 at offset 0x96" \
    "$(jget "$out" '[(f["fd"], f["offset"]) for f in d["cpr-state"]["fds"] if f["name"]=="ram0"]')" \
    "[(13, 150)]"
j1=$out
run_cprdump --output=json "$EXEC"
expect_eq "--output=json equals --json" "$out" "$j1"
run_cprdump -o human "$EXEC"
check "--output=human prints the table" grep -q '^POS' <<<"$out"

# --- stdin and zstd -------------------------------------------------------------
out=$("$CPRDUMP" --json - <"$EXEC")
expect_eq "stdin '-' decodes the same records" \
    "$(jget "$out" 'len(d["cpr-state"]["fds"])')" 6
zstd -q -c "$EXEC" >"$TMP/s.zst"
run_cprdump --json "$TMP/s.zst"
expect_eq ".zst input: compression zstd" "$(jget "$out" 'd["cpr-state"]["compression"]')" zstd
expect_eq ".zst input: same fds as the raw file" \
    "$(jget "$out" '[f["fd"] for f in d["cpr-state"]["fds"]]')" \
    "$(jget "$j1" '[f["fd"] for f in d["cpr-state"]["fds"]]')"
cp "$TMP/s.zst" "$TMP/renamed.bin"
run_cprdump "$TMP/renamed.bin"
expect_eq "zstd found by magic whatever the name" "$rc" 0
out=$(zstdcat "$TMP/s.zst" | "$CPRDUMP" --json -)
expect_eq "zstdcat | cprdump - works" "$(jget "$out" 'd["cpr-state"]["fd-count"]')" 6
head -c 20 "$TMP/s.zst" >"$TMP/trunc.zst"
run_cprdump "$TMP/trunc.zst"
expect_eq "truncated zstd frame: exit 3" "$rc" 3
check "truncated zstd frame: says so with the compressed offset" \
    grep -q 'truncated zstd frame at compressed offset 0x' <<<"$err"
python3 -c 'import sys; b=bytearray(open(sys.argv[1],"rb").read()); b[12]^=0xff; b[20]^=0xff; open(sys.argv[2],"wb").write(b)' "$TMP/s.zst" "$TMP/bad.zst"
run_cprdump "$TMP/bad.zst"
expect_eq "corrupt zstd: exit 3" "$rc" 3
check "corrupt zstd: names the compressed offset" \
    grep -q 'zstd data at compressed offset 0x\|truncated zstd frame' <<<"$err"

# --- bad input: one stderr line with offset and field, partial output, code -----
one_line() { [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ]; }
: >"$TMP/empty"
run_cprdump "$TMP/empty"
expect_eq "empty file: exit 5" "$rc" 5
expect_eq "empty file: message" "$err" \
    "cprdump: $TMP/empty: truncated header at offset 0x0: magic (need 4 bytes, 0 left)"
printf 'hello world!' >"$TMP/text"
run_cprdump "$TMP/text"
expect_eq "wrong magic: exit 4" "$rc" 4
check "wrong magic: says what was found" grep -q 'magic 0x68656c6c ("hell")' <<<"$err"
run_cprdump --format=cpr-state "$FIX/11.1/exec-q35-memfd/main.bin"
expect_eq "QEVM read as a CPR state: exit 4" "$rc" 4
check "QEVM read as a CPR state: says it is a migration stream" \
    grep -q 'this is a QEMU migration stream (QEVM)' <<<"$err"
run_cprdump --format=cpr-state "$TMP/s.zst"
expect_eq "zstd content is decompressed before the format check" "$rc" 0
printf 'QCPR\0\0\0\2\0' >"$TMP/v2"
run_cprdump "$TMP/v2"
expect_eq "version 2: exit 4" "$rc" 4
check "version 2: message" grep -q 'unsupported QCPR version 2 (only 1 is known)' <<<"$err"
{ head -c 8 "$EXEC"; printf '\1\xff\xff\xff\xf0abc'; } >"$TMP/namelen"
run_cprdump --json "$TMP/namelen"
expect_eq "namelen larger than the file: exit 5" "$rc" 5
expect_eq "namelen larger than the file: error fields" \
    "$(jget "$out" '(d["error"]["field"], d["error"]["offset"], d["error"]["need"], d["error"]["left"])')" \
    "('name', 13, 4294967280, 3)"
{ cat "$EXEC"; printf 'xyz'; } >"$TMP/trailing"
run_cprdump "$TMP/trailing"
expect_eq "bytes after the end: exit 5" "$rc" 5
check "bytes after the end: one line naming offset 0xc5" \
    grep -q 'trailing bytes in state at offset 0xc5: end: 3 unexpected bytes' <<<"$err"
check "bytes after the end: the table is still printed" grep -q 'ram0' <<<"$out"
sed 's/CprState\/vfio devices/CprState\/vfio devicez/' "$EXEC" >"$TMP/unknown-sub"
run_cprdump "$TMP/unknown-sub"
expect_eq "unknown subsection: exit 5" "$rc" 5
check "unknown subsection: names it" grep -q 'unknown subsection "CprState/vfio devicez"' <<<"$err"
check "unknown subsection: one stderr line" one_line
run_cprdump "$TMP"
expect_eq "directory: exit 3" "$rc" 3
run_cprdump /dev/zero
expect_eq "device node: exit 3" "$rc" 3
check "device node: message" grep -q 'is a device node' <<<"$err"
run_cprdump "$TMP/does-not-exist"
expect_eq "missing file: exit 3" "$rc" 3
mkfifo "$TMP/fifo"
out=$(timeout 5 "$CPRDUMP" "$TMP/fifo" 2>&1)
expect_eq "FIFO without a writer: no hang, exit 5 (empty)" "$?" 5

# --- every prefix of a real state through the CLI ---------------------------------
size=$(stat -c %s "$EXEC")
bad=0
for ((n = 0; n < size; n++)); do
    head -c "$n" "$EXEC" >"$TMP/prefix"
    "$CPRDUMP" --json "$TMP/prefix" >"$TMP/p.json" 2>"$TMP/p.err"
    prc=$?
    case $n in
    169 | 196) [ "$prc" -eq 0 ] || bad=$((bad + 1)) ;; # 10.0 form, no-iommufd body
    *)
        [ "$prc" -eq 5 ] && [ "$(wc -l <"$TMP/p.err")" -eq 1 ] &&
            grep -q "at offset 0x" "$TMP/p.err" &&
            python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); e=d["error"]; assert e["offset"]+e["left"]==int(sys.argv[2]) and e["need"]>e["left"]' "$TMP/p.json" "$n" ||
            bad=$((bad + 1))
        ;;
    esac
done
expect_eq "all $size prefixes: exit 5 with offset+left = length (2 valid shorter forms)" "$bad" 0

# --- modes --------------------------------------------------------------------------
run_cprdump --json --mode=transfer "$EXEC"
expect_eq "--mode=transfer on a cpr-exec state: exit 5" "$rc" 5
check "--mode=transfer: points at the fd field" \
    grep -q 'fd record 0 at offset 0x24: fd: byte 0x00 where cpr-transfer puts its 0x20 placeholder' <<<"$err"
run_cprdump --json --mode=exec "$EXEC"
expect_eq "--mode=exec: forced and said" \
    "$(jget "$out" '(d["cpr-state"]["mode"], d["cpr-state"]["mode-forced"], d["cpr-state"]["mode-reason"])')" \
    "('cpr-exec', True, 'forced with --mode')"
run_cprdump --mode=bogus "$EXEC"
expect_eq "bad --mode: exit 2" "$rc" 2
run_cprdump
expect_eq "no file: exit 2" "$rc" 2
run_cprdump --version
check "--version prints the version" grep -qE '^cprdump [0-9]+\.[0-9]+' <<<"$out"
run_cprdump --json "$SYN/many-records.bin"
expect_eq "10000 records decode" "$(jget "$out" 'd["cpr-state"]["fd-count"]')" 10000
tap_done
