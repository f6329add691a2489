# SPDX-License-Identifier: GPL-2.0-or-later
# --save writes a capture that decodes to the same records; the write is atomic
# and never replaces a file without --force; bad captures get offset and field.
source "$(dirname "$0")/../lib.sh"
EXEC=$FIX/11.1/exec-pc-devices/state.bin
fds_of() { jget "$1" '[(f["name"], f["id"], f["fd"], f["offset"]) for f in d["cpr-state"]["fds"]]'; }

run_cprdump --json "$EXEC"
orig=$out
run_cprdump --json --save "$TMP/cap.zst" "$EXEC"
expect_eq "--save: exit 0" "$rc" 0
expect_eq "--save: reports the path" "$(jget "$out" 'd["saved"]["path"]')" "$TMP/cap.zst"
expect_eq "--save: bytes written equal the file size" \
    "$(jget "$out" 'd["saved"]["bytes"]')" "$(stat -c %s "$TMP/cap.zst")"
expect_eq "capture is one zstd frame with the CPRDCAPT magic" \
    "$(zstdcat "$TMP/cap.zst" | head -c 8)" "CPRDCAPT"
check "no temporary file is left" bash -c "[ \$(ls '$TMP' | grep -c 'cap.zst') -eq 1 ]"
run_cprdump --json "$TMP/cap.zst"
expect_eq "capture decodes: exit 0" "$rc" 0
expect_eq "capture decodes to the same 10 records, offsets and fds" "$(fds_of "$out")" "$(fds_of "$orig")"
expect_eq "capture provenance: source label" \
    "$(jget "$out" 'd["capture"]["source"]["label"]')" "$EXEC"
expect_eq "capture provenance: kernel is uname -r" \
    "$(jget "$out" 'd["capture"]["kernel"]')" "$(uname -r)"
expect_eq "capture provenance: payload format" \
    "$(jget "$out" 'd["capture"]["payload-format"]')" cpr-state
run_cprdump "$TMP/cap.zst"
check "human: the capture block comes first" grep -q '^capture .*saved by cprdump' <<<"$out"

before=$(md5sum <"$TMP/cap.zst")
run_cprdump --save "$TMP/cap.zst" "$FIX/11.1/exec-q35-anon/state.bin"
expect_eq "existing file: exit 2" "$rc" 2
check "existing file: says to use --force" grep -q 'exists; use --force' <<<"$err"
expect_eq "existing file: left unchanged" "$(md5sum <"$TMP/cap.zst")" "$before"
run_cprdump --save "$TMP/cap.zst" --force "$FIX/11.1/exec-q35-anon/state.bin"
expect_eq "--force replaces it" "$rc" 0
run_cprdump --json "$TMP/cap.zst"
expect_eq "replaced capture holds the new state (5 records)" \
    "$(jget "$out" 'd["cpr-state"]["fd-count"]')" 5

"$CPRDUMP" --save "$TMP/again.zst" "$TMP/cap.zst" >/dev/null
run_cprdump --json "$TMP/again.zst"
expect_eq "saving a capture again keeps its provenance" \
    "$(jget "$out" 'd["capture"]["source"]["label"]')" "$FIX/11.1/exec-q35-anon/state.bin"

zstdcat "$TMP/cap.zst" | head -c 40 >"$TMP/short"
run_cprdump --json "$TMP/short"
expect_eq "truncated provenance: exit 5" "$rc" 5
expect_eq "truncated provenance: offset and field" \
    "$(jget "$out" '(d["error"]["offset"], d["error"]["field"])')" "(16, 'provenance')"
printf 'CPRDCAPT\0\0\0\2\0\0\0\0' >"$TMP/v2"
run_cprdump "$TMP/v2"
expect_eq "capture version 2: exit 4" "$rc" 4
printf 'CPRDCAPT\0\0\0\1\xff\xff\xff\xff' >"$TMP/huge"
run_cprdump "$TMP/huge"
expect_eq "4 GiB provenance length: refused before allocating, exit 5" "$rc" 5
check "4 GiB provenance length: says the limit" grep -q 'over the 16 MiB limit' <<<"$err"
{ printf 'CPRDCAPT\0\0\0\1\0\0\0\2{}\0\0\0\0\0\0\0\x18'; zstdcat "$TMP/cap.zst"; } >"$TMP/nested"
run_cprdump "$TMP/nested"
expect_eq "a capture inside a capture: exit 5" "$rc" 5

# --- streams: guest memory is zeroed unless --keep-pages ---------------------------
RUN=$FIX/11.1/stream-q35-run/main.bin
normal_bytes=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["query_migrate_old"]["ram"]["normal-bytes"])' "$FIX/11.1/stream-q35-run/truth.json")
run_cprdump --json --save "$TMP/st.zst" "$RUN"
expect_eq "stream --save: exit 0" "$rc" 0
expect_eq "stream --save: zeroes exactly QEMU's normal-bytes ($normal_bytes) in 123 runs" \
    "$(jget "$out" '(d["saved"]["redaction"]["bytes-zeroed"], d["saved"]["redaction"]["runs"])')" \
    "($normal_bytes, 123)"
# (a capture is zstd: its vmdesc cannot be read ahead, so the page size is
# inferred from the records, then confirmed by the vmdesc at the end)
HOW='("page-size-source", "page-size-detail", "page-size-sources", "vmdesc-read-ahead")'
strip() { jget "$1" 'json.dumps({k: ({a: b for a, b in v.items() if a not in '"$HOW"'} if k == "ram" else v) for k, v in d["stream"].items() if k not in ("input", "compression")}, sort_keys=True)'; }
run_cprdump --json "$RUN"
want=$(strip "$out")
expect_eq "stream file: page size from the vmdesc read ahead" \
    "$(jget "$out" '(d["stream"]["ram"]["page-size-source"], d["stream"]["ram"]["vmdesc-read-ahead"])')" "('vmdesc', True)"
run_cprdump --json "$TMP/st.zst"
expect_eq "redacted capture decodes to the same sections, blocks and page counts" "$(strip "$out")" "$want"
expect_eq "redacted capture (zstd): page size inferred, the vmdesc at the end agrees" \
    "$(jget "$out" '(d["stream"]["ram"]["page-size-source"], d["stream"]["ram"]["page-size-sources"]["vmdesc"], d["stream"]["ram"]["page-size-detail"].endswith("the vmdesc at the end agrees"))')" "('inferred', 4096, True)"
expect_eq "redacted capture says so in its provenance" "$(jget "$out" 'd["capture"]["redacted"]')" True
zstdcat "$TMP/st.zst" | python3 -c '
import sys
cap = sys.stdin.buffer.read()
plen = int.from_bytes(cap[12:16], "big")
payload = cap[24 + plen:]
orig = open(sys.argv[1], "rb").read()
diff = [i for i in range(len(orig)) if payload[i] != orig[i]]
assert len(payload) == len(orig), "length"
assert all(payload[i] == 0 for i in diff), "a changed byte is not zero"
print(sum(1 for i in diff))' "$RUN" >"$TMP/ndiff"
check "redacted payload: same length, every changed byte is now zero, some changed" \
    bash -c "[ \$(cat '$TMP/ndiff') -gt 0 ]"
run_cprdump --json --save "$TMP/keep.zst" --keep-pages "$RUN"
zstdcat "$TMP/keep.zst" | tail -c "$(stat -c %s "$RUN")" >"$TMP/keep.bin"
check "--keep-pages: the payload is the stream byte for byte" cmp -s "$TMP/keep.bin" "$RUN"
run_cprdump --save "$TMP/stdin.zst" - <"$RUN"
expect_eq "stream from stdin cannot be saved (read twice): exit 2" "$rc" 2
head -c 100000 "$RUN" >"$TMP/trunc-stream"
run_cprdump --save "$TMP/trunc.zst" "$TMP/trunc-stream"
expect_eq "truncated stream: decode error exit 5" "$rc" 5
check "truncated stream: not redacted blindly, says --keep-pages" grep -q 'keep-pages saves it unredacted' <<<"$err"
check "truncated stream: no capture written" test ! -e "$TMP/trunc.zst"
tap_done
