# SPDX-License-Identifier: GPL-2.0-or-later
# libvirt save images: the real Debian 12 libvirt 9.0 `virsh save` bundled in
# tests/fixtures/real/libvirt-save-raw (values from its truth.json: what virsh
# dumpxml and QEMU's info ramblock said), its payload recompressed as every
# save_image_format would, standalone compressed streams and states, unfinished
# and hostile saves, and a decompression bomb. The real libvirt runs are in
# tests/libvirt/.
source "$(dirname "$0")/../lib.sh"
LV=$REPO/tests/fixtures/real/libvirt-save-raw
zstd -q -d -c "$LV/save.sav.zst" >"$TMP/save.sav"
python3 "$REPO/tests/cli/libvirt_files.py" "$TMP/save.sav" "$TMP"
truth() { python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$LV/truth.json" "$1"; }

# --- the real save --------------------------------------------------------------
run_cprdump --json "$TMP/save.sav"
expect_eq "real save: exit 0" "$rc" 0
doc=$out
lv() { jget "$doc" "d['libvirt-save']$1"; }
expect_eq "real save: magic" "$(lv "['magic']")" LibvirtQemudSave
expect_eq "real save: version 2" "$(lv "['version']")" 2
expect_eq "real save: data length (XML + cookie + 64 KiB)" "$(lv "['data-length']")" 66758
expect_eq "real save: XML length" "$(lv "['xml-length']")" 985
expect_eq "real save: cookie offset" "$(lv "['cookie-offset']")" 986
expect_eq "real save: cookie length" "$(lv "['cookie-length']")" 235
expect_eq "real save: was running" "$(lv "['was-running']")" True
expect_eq "real save: compression raw" "$(lv "['compression']")" raw
expect_eq "real save: payload at 92 + data length" "$(lv "['payload-offset']")" 66850
expect_eq "real save: domain name as dumpxml" "$(lv "['domain']['name']")" "$(truth "t['name']")"
expect_eq "real save: uuid as dumpxml" "$(lv "['domain']['uuid']")" "$(truth "t['uuid']")"
expect_eq "real save: machine as dumpxml" "$(lv "['domain']['machine']")" "$(truth "t['machine']")"
expect_eq "real save: memory as dumpxml" "$(lv "['domain']['memory']")" "$(truth "t['memory-kib'] * 1024")"
expect_eq "real save: emulator" "$(lv "['domain']['emulator']")" /usr/bin/qemu-system-x86_64
expect_eq "real save: devices (input, video, memballoon, rng)" "$(lv "['domain']['device-count']")" 4
expect_eq "real save: the XML as stored" "$(lv "['xml']")" \
    "$(head -c $((92 + 985)) "$TMP/save.sav" | tail -c 985)"
expect_eq "real save: RAM blocks as info ramblock" \
    "$(jget "$doc" "sorted((b['idstr'], b['used-length']) for b in d['stream']['ram']['blocks'])")" \
    "$(truth "sorted((b['name'], b['used']) for b in t['ramblocks'])")"
plain=$("$CPRDUMP" --json "$TMP/stream.bin")
view="{k: v for k, v in d['stream'].items() if k not in ('input', 'compression')}"
# a compressed payload cannot be read ahead from its end (the page size is then
# inferred, not read from the vmdesc): it decodes as the stream through a pipe
piped=$(cat "$TMP/stream.bin" | "$CPRDUMP" --json -)
expect_eq "real save: the stream decodes as its bytes alone do" \
    "$(jget "$doc" "$view")" "$(jget "$plain" "$view")"
expect_eq "real save: EOF offset counts from the payload" \
    "$(jget "$doc" "d['stream']['eof-offset']")" "$(jget "$plain" "d['stream']['eof-offset']")"
run_cprdump "$TMP/save.sav"
check "human: header, domain, then the stream" \
    bash -c 'grep -q "^compression  raw" <<<"$1" && grep -q "^domain       cprdump-raw" <<<"$1" &&
             grep -q "^format       QEMU migration stream (QEVM)" <<<"$1"' _ "$out"
check "human: no XML without --show-xml" bash -c '! grep -q "<name>" <<<"$1"' _ "$out"
run_cprdump --show-xml "$TMP/save.sav"
check "--show-xml: the XML and the cookie" \
    bash -c 'grep -q "^  <name>cprdump-raw</name>" <<<"$1" && grep -q "^<cookie>" <<<"$1"' _ "$out"
run_cprdump --format libvirt-save --json "$TMP/save.sav"
expect_eq "--format libvirt-save" "$rc" 0
cat "$TMP/save.sav" | run_cprdump --json -
expect_eq "stdin: a libvirt save by its magic" "$(jget "$out" "d['libvirt-save']['domain']['name']")" cprdump-raw
zstd -q -c "$TMP/save.sav" >"$TMP/save.zst"
run_cprdump --json "$TMP/save.zst"
expect_eq "a zstd-compressed save: decoded through both layers" \
    "$(jget "$out" "d['libvirt-save']['compression'], d['stream']['eof-offset']")" \
    "$(jget "$doc" "d['libvirt-save']['compression'], d['stream']['eof-offset']")"

# --- captures and joins work on a save as on its stream -------------------------
run_cprdump --json --save "$TMP/cap" "$TMP/save-gzip.sav"
expect_eq "--save of a gzip save: exit 0, guest memory zeroed" \
    "$rc $(jget "$out" "d['saved']['redaction']['bytes-zeroed'] > 0")" "0 True"
run_cprdump --json "$TMP/cap"
expect_eq "the capture holds the stream inside the save" \
    "$(jget "$out" "d['capture']['payload-format'], d['stream']['eof-offset']")" \
    "('stream', $(jget "$doc" "d['stream']['eof-offset']"))"
run_cprdump --json "$REPO/tests/fixtures/real/exec-q35-memfd/state.bin" "$TMP/save-xz.sav"
expect_eq "a CPR state joined with an xz save: one row per block of the save's stream" \
    "$(jget "$out" "sorted(r['idstr'] for r in d['ram-join']['blocks'])")" \
    "$(jget "$doc" "sorted(b['idstr'] for b in d['stream']['ram']['blocks'])")"

# --- every compression libvirt writes -------------------------------------------
for c in gzip bzip2 xz lzop zstd; do
    run_cprdump --json "$TMP/save-$c.sav"
    expect_eq "$c save: exit 0, compression $c" \
        "$rc $(jget "$out" "d['libvirt-save']['compression']")" "0 $c"
    expect_eq "$c save: the same stream as the raw save's, read through a pipe" \
        "$(jget "$out" "$view")" "$(jget "$piped" "$view")"
    run_cprdump --json "$TMP/stream.$c"
    expect_eq "standalone $c stream: decoded by magic (compression $c)" \
        "$rc $(jget "$out" "d['stream']['compression'], d['stream']['eof-offset']")" \
        "0 ('$c', $(jget "$doc" "d['stream']['eof-offset']"))"
    run_cprdump "$TMP/cut-$c.sav"
    expect_eq "$c payload cut in half: exit 3" "$rc" 3
    check "$c payload cut in half: one error line naming the compressed offset" \
        bash -c '[ $(wc -l <<<"$1") = 1 ] && grep -q "truncated $2 .* at compressed offset 0x" <<<"$1"' _ "$err" "$c"
    if [ "$c" = bzip2 ]; then
        # one 900 KB bzip2 block holds the whole 577 KB stream: nothing before its end
        expect_eq "bzip2 payload cut in half: no stream (its one block is cut)" "$out" \
            "$(sed -n '1,/^$/p' <<<"$out")"
    else
        check "$c payload cut in half: the stream decoded so far is shown" \
            grep -q '^  0 start  3 ram' <<<"$out"
    fi
done
state=$REPO/tests/fixtures/real/exec-q35-memfd/state.bin
for c in gzip bzip2 xz lzop; do
    "$c" -c "$state" >"$TMP/state.$c"
    run_cprdump --json "$TMP/state.$c"
    expect_eq "standalone $c CPR state: 6 fds" \
        "$rc $(jget "$out" "d['cpr-state']['fd-count'], d['cpr-state']['compression']")" "0 (6, '$c')"
done

# --- unfinished saves --------------------------------------------------------------
run_cprdump --json "$TMP/part.sav"
expect_eq "Part magic: exit 5" "$rc" 5
expect_eq "Part magic: complete false, the stream still decoded" \
    "$(jget "$out" "d['libvirt-save']['complete'], d['stream']['eof-offset']")" \
    "(False, $(jget "$doc" "d['stream']['eof-offset']"))"
check "Part magic: one error line says it never finished" \
    bash -c '[ $(wc -l <<<"$1") = 1 ] && grep -q "the save never finished (magic LibvirtQemudPart)" <<<"$1"' _ "$err"
run_cprdump --json "$TMP/part-cut.sav"
expect_eq "Part magic, payload cut short: exit 5" "$rc" 5
check "Part magic, payload cut short: the truncation is the error" \
    grep -q 'truncated ram record' <<<"$err"
expect_eq "Part magic, payload cut short: header and first sections shown" \
    "$(jget "$out" "d['libvirt-save']['complete'], d['stream']['sections'][0]['idstr']")" "(False, 'ram')"
run_cprdump "$TMP/cut-raw.sav"
expect_eq "raw payload cut in half: exit 5" "$rc" 5

# --- hostile headers -----------------------------------------------------------------
hostile() { # file want-rc grep-pattern desc
    run_cprdump --json "$TMP/$1"
    expect_eq "$4: exit $2" "$rc" "$2"
    check "$4: one error line: $3" \
        bash -c '[ $(wc -l <<<"$1") = 1 ] && grep -q -- "$2" <<<"$1"' _ "$err" "$3"
}
hostile len-past-end.sav 5 "truncated libvirt data at offset 0x5c: data area (need 16777200 bytes, 4096 left)" \
    "data length beyond the file"
hostile len-over-limit.sav 5 "data area of 2147483647 bytes is over the 16 MiB limit" "data length over the limit"
hostile len-zero.sav 5 "data length is 0" "data length 0"
hostile xml-no-nul.sav 5 "domain XML has no terminating NUL" "XML without its NUL"
hostile comp-unknown.sav 5 "unknown compression code 9" "unknown compression code"
hostile comp-wrong.sav 3 "corrupt xz data at compressed offset 0x10522: not xz data" \
    "gzip data where the header says xz"
hostile cookie-past.sav 5 "cookie offset 66766 is not inside" "cookie offset past the data area"
hostile version-9.sav 4 "unsupported libvirt save image version 9" "version 9"
hostile xml-bad.sav 5 "the domain XML does not parse" "XML that does not parse"
expect_eq "XML that does not parse: the stream is still decoded" \
    "$(jget "$out" "d['stream']['eof-offset'], d['libvirt-save']['domain']['type']")" \
    "($(jget "$doc" "d['stream']['eof-offset']"), 'qemu')"
run_cprdump --json "$TMP/big-endian.sav"
expect_eq "a big-endian header (fields swapped): decoded, says so" \
    "$rc $(jget "$out" "d['libvirt-save']['byte-order'], d['libvirt-save']['data-length']")" \
    "0 ('big-endian', 66758)"

# --- decompression bombs: refused in bounded time and memory -------------------------------
for f in bomb.sav bomb.bz2; do
    check "$f is small ($(stat -c %s "$TMP/$f") bytes, inflating to 34 GB)" \
        [ "$(stat -c %s "$TMP/$f")" -lt 600000 ]
    start=$(date +%s%N)
    /usr/bin/time -f %M -o "$TMP/rss" "$CPRDUMP" "$TMP/$f" >/dev/null 2>"$TMP/stderr"
    rc=$?
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    expect_eq "$f: exit 3" "$rc" 3
    check "$f: refused as a decompression bomb" grep -q "inflates more than 16384 times.*refused as a decompression bomb" "$TMP/stderr"
    check "$f: within 10 s (took $ms ms)" [ "$ms" -lt 10000 ]
    rss=$(tail -1 "$TMP/rss")
    check "$f: within 64 MiB of memory ($rss KiB)" [ "$rss" -lt 65536 ]
done
tap_done
