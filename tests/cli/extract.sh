# SPDX-License-Identifier: GPL-2.0-or-later
# --extract-ram, --dump-ram, --find on streams made to order (tests/cli/mkstream.py)
# and on real recorded ones: names that try to escape the directory, a planted
# symlink, pages sent again, XBZRLE and compressed pages, holes, multifd
# channels, redacted captures, a cpr-exec stream. (Against QEMU's own bytes:
# tests/qemu, the extract-* scenarios.)
source "$(dirname "$0")/../lib.sh"
MK=$REPO/tests/cli/mkstream.py
MF=$REPO/tests/fixtures/real/multifd-q35-channels
page() { python3 -c "import sys; print((bytes.fromhex(sys.argv[1]) * 4096)[:4096].hex())" "$1"; }
sha() { sha256sum <"$1" | cut -c1-64; }
mk() { python3 "$MK" "$1" "$2"; }

# ---- names that try to escape, non-UTF-8, very long, "." and "..", the manifest's
LONG=$(printf 'L%.0s' $(seq 255))
mk "$TMP/names.bin" "{\"blocks\": [[\"../../etc/x\", 8192], [\"/abs\", 4096], [\"..\", 4096],
    [\".\", 4096], [\"hex:ff fe 2f 2e 2e\", 4096], [\"$LONG\", 4096], [\"manifest.json\", 4096],
    [\".hidden\", 4096], [\"a%2Fb\", 4096]],
  \"pages\": [[0, 4096, \"page\", \"fill:41\"], [1, 0, \"page\", \"fill:42\"], [2, 0, \"page\", \"fill:43\"],
    [3, 0, \"page\", \"fill:44\"], [4, 0, \"page\", \"fill:45\"], [5, 0, \"page\", \"fill:46\"],
    [6, 0, \"page\", \"fill:47\"], [7, 0, \"page\", \"fill:48\"], [8, 0, \"page\", \"fill:49\"]]}"
mkdir -p "$TMP/w/d"
run_cprdump --json --extract-ram="$TMP/w/d" "$TMP/names.bin"
expect_eq "hostile names: exit 0" "$rc" 0
expect_eq "hostile names: 9 blocks written" "$(jget "$out" 'd["extract-ram"]["blocks-written"]')" 9
expect_eq "hostile names: 10 entries in DIR, none below it" \
    "$(find "$TMP/w/d" -mindepth 1 | wc -l) $(find "$TMP/w/d" -mindepth 2 | wc -l)" "10 0"
check "hostile names: nothing outside DIR" test ! -e "$TMP/etc" -a ! -e "$TMP/w/etc" -a ! -e /abs.img
check "hostile names: every file regular, name ASCII, <= 255 bytes" python3 - "$TMP/w/d" <<'E'
import os, sys
for n in os.listdir(sys.argv[1]):
    p = os.path.join(sys.argv[1], n)
    assert os.path.isfile(p) and not os.path.islink(p) and n.isascii() and len(n) <= 255, n
E
expect_eq "hostile names: file names (a leading dot, '/', '%' and bytes outside ASCII encoded)" \
    "$(jget "$out" 'sorted(b["file"] for b in d["extract-ram"]["blocks"] if b["file"][0] != "L")')" \
    "['%2E.%2F..%2Fetc%2Fx.img', '%2E..img', '%2E.img', '%2Ehidden.img', '%2Fabs.img', '%FF%FE%2F...img', 'a%252Fb.img', 'manifest.json.img']"
check "hostile names: every name but the long one decodes back to its idstr" python3 - "$out" <<'E'
import json, sys, urllib.parse
d = json.loads(sys.argv[1])["extract-ram"]["blocks"]
for b in d:
    f = b["file"]
    if f.startswith("LLL"):
        assert len(f) == 255 and "~" in f, f
        continue
    raw = urllib.parse.unquote_to_bytes(f[:-4])
    assert raw.decode("utf-8", "replace") == b["idstr"], (f, b["idstr"])
E
expect_eq "hostile names: the long idstr is cut to 255 bytes with a hash" \
    "$(ls "$TMP/w/d" | grep '^L' | wc -c)" 256
expect_eq "hostile names: contents of '..', '/abs' and 'a%2Fb'" \
    "$(head -c1 "$TMP/w/d/%2E..img")$(head -c1 "$TMP/w/d/%2Fabs.img")$(head -c1 "$TMP/w/d/a%252Fb.img")" "CBI"

# ---- a planted symlink, an existing file, --force
mk "$TMP/one.bin" '{"blocks": [["pc.ram", 16384]], "pages": [[0, 0, "page", "fill:5a"]]}'
mkdir "$TMP/s"
echo victim >"$TMP/victim"
ln -s "$TMP/victim" "$TMP/s/pc.ram.img"
run_cprdump --extract-ram="$TMP/s" "$TMP/one.bin"
expect_eq "planted symlink: exit 2" "$rc" 2
check "planted symlink: refused, says --force" grep -q 'pc.ram.img exists; use --force' <<<"$err"
expect_eq "planted symlink: its target untouched" "$(cat "$TMP/victim")" victim
check "planted symlink: the human table says failed" grep -q '^pc.ram .*failed' <<<"$out"
run_cprdump --extract-ram="$TMP/s" --force "$TMP/one.bin"
expect_eq "--force: exit 0" "$rc" 0
check "--force: the symlink replaced by a regular file" test -f "$TMP/s/pc.ram.img" -a ! -L "$TMP/s/pc.ram.img"
expect_eq "--force: the target still untouched" "$(cat "$TMP/victim")" victim
run_cprdump --extract-ram="$TMP/s" "$TMP/one.bin"
expect_eq "existing image: exit 2" "$rc" 2
echo x >"$TMP/notadir"
run_cprdump --extract-ram="$TMP/notadir" "$TMP/one.bin"
expect_eq "DIR is a file: exit 11" "$rc" 11

# ---- stream order: pages sent again, a zero page over data, XBZRLE, compressed
A=$(page 41) B=$(page 42)
# delta: keep 16 bytes, write "XYZ", keep the rest (zero run 16, non-zero run 3)
# (real XBZRLE pages: tests/qemu extract-xbzrle)
mk "$TMP/order.bin" "{\"blocks\": [[\"pc.ram\", 1048576]],
  \"pages\": [[0, 0, \"page\", \"$A\"], [0, 4096, \"page\", \"$A\"], [0, 8192, \"page\", \"$A\"],
    [0, 0, \"page\", \"$B\"], [0, 4096, \"zero\", \"\"], [0, 8192, \"xbzrle\", \"100358595a\"],
    [0, 12288, \"compressed\", \"$B\"], [0, 16384, \"compressed\", \"$(page 00)\"]]}"
run_cprdump --json --extract-ram="$TMP/o" "$TMP/order.bin"
expect_eq "stream order: exit 0" "$rc" 0
python3 - "$TMP/o/pc.ram.img" >"$TMP/want" <<'E'
import sys
d = open(sys.argv[1], "rb").read()
print(len(d), d[:4096] == b"B" * 4096, d[4096:8192] == bytes(4096),
      d[8192:12288] == b"A" * 16 + b"XYZ" + b"A" * 4077, d[12288:16384] == b"B" * 4096,
      d[16384:] == bytes(len(d) - 16384))
E
expect_eq "stream order: page 0 is its second copy, page 1 zero again, XBZRLE applied, compressed inflated" \
    "$(cat "$TMP/want")" "1048576 True True True True True"
expect_eq "stream order: counts (data, zero, rewrites)" \
    "$(jget "$out" '[(b["data-pages"], b["zero-pages"], b["rewrites"]) for b in d["extract-ram"]["blocks"]]')" "[(6, 2, 3)]"
expect_eq "sparse: 1 MiB image, 12 KiB on disk (3 data pages)" \
    "$(stat -c %s "$TMP/o/pc.ram.img") $(( $(stat -c %b "$TMP/o/pc.ram.img") * 512 ))" "1048576 12288"
expect_eq "sparse: disk-bytes in the output" "$(jget "$out" 'd["extract-ram"]["blocks"][0]["disk-bytes"]')" 12288
check "manifest.json is the JSON output" python3 -c "
import json, sys
m = json.load(open('$TMP/o/manifest.json')); o = json.loads(sys.argv[1])
assert m['extract-ram'] == o['extract-ram'] and m['format-version'] == o['format-version']" "$out"
mk "$TMP/badx.bin" '{"blocks": [["pc.ram", 8192]], "pages": [[0, 0, "xbzrle", "10ff"]]}'
run_cprdump --extract-ram="$TMP/bx" "$TMP/badx.bin"
expect_eq "malformed XBZRLE delta: exit 5" "$rc" 5
check "malformed XBZRLE delta: says where" grep -q 'malformed XBZRLE delta at offset 0x' <<<"$err"

# ---- --dump-ram: hexdump -C of the same bytes, with the block's offsets
run_cprdump --dump-ram=pc.ram@0x1ff8+48 "$TMP/order.bin"
expect_eq "--dump-ram: exit 0" "$rc" 0
expect_eq "--dump-ram: the lines are hexdump -C's of the extracted image" \
    "$(sed -n '/^0000/,$p' <<<"$out")" "$(hexdump -C -s 0x1ff8 -n 48 "$TMP/o/pc.ram.img")"
run_cprdump --dump-ram=pc.ram "$TMP/order.bin"
expect_eq "--dump-ram: default 256 bytes, identical lines collapsed to *" \
    "$(sed -n '/^0000/,$p' <<<"$out" | tr '\n' '|')" \
    "00000000  42 42 42 42 42 42 42 42  42 42 42 42 42 42 42 42  |BBBBBBBBBBBBBBBB||*|00000100|"
run_cprdump --json --dump-ram=pc.ram@4096+16 "$TMP/order.bin"
expect_eq "--dump-ram JSON: block, offset, length, lines" \
    "$(jget "$out" '[d["dump-ram"][k] for k in ("block", "offset", "length", "lines")]')" \
    "['pc.ram', 4096, 16, ['00001000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|', '00001010']]"
run_cprdump --dump-ram=pc.ram@0+16777217 "$TMP/order.bin"
expect_eq "--dump-ram: over 16 MiB refused, exit 2" "$rc" 2
run_cprdump --dump-ram=nosuch "$TMP/order.bin"
expect_eq "--dump-ram: unknown block, exit 2" "$rc" 2
check "--dump-ram: unknown block named" grep -q 'no RAM block "nosuch"' <<<"$err"
mk "$TMP/at.bin" '{"blocks": [["/rom@etc/acpi/tables", 8192]], "pages": [[0, 4096, "page", "fill:61"]]}'
run_cprdump --json --dump-ram=/rom@etc/acpi/tables@4096+4 "$TMP/at.bin"
expect_eq "--dump-ram: a block name with '@', then @OFFSET" \
    "$(jget "$out" '[d["dump-ram"]["block"], d["dump-ram"]["lines"][0][:21]]')" \
    "['/rom@etc/acpi/tables', '00001000  61 61 61 61']"

# ---- --find
mk "$TMP/find.bin" "{\"blocks\": [[\"pc.ram\", 65536], [\"vga.vram\", 8192]],
  \"pages\": [[0, 0, \"page\", \"$(python3 -c 'print((b"needle".rjust(4096, b"x")).hex())')\"],
    [0, 4096, \"page\", \"$(python3 -c 'print((b"dle" + b"y" * 4090 + b"nee").hex())')\"],
    [0, 8192, \"page\", \"$(python3 -c 'print((b"dley" + b"z" * 4092).hex())')\"],
    [1, 0, \"page\", \"$(python3 -c 'print((b"q" * 100 + b"needle" + b"q" * 3990).hex())')\"],
    [0, 40960, \"page\", \"$(python3 -c 'print((b"needle" + b"w" * 4090).hex())')\"],
    [0, 40960, \"zero\", \"\"]]}"
run_cprdump --json --find=needle "$TMP/find.bin"
expect_eq "--find: exit 0" "$rc" 0
expect_eq "--find: every match in final memory (across pages; not in the page made zero later)" \
    "$(jget "$out" '[(m["block"], m["offset"]) for m in d["find"]["matches"]]')" \
    "[('pc.ram', 4090), ('pc.ram', 8189), ('vga.vram', 100)]"
run_cprdump --find=0x6e6565646c65 "$TMP/find.bin"
check "--find: hex pattern, human table" grep -q '^pc.ram  *0x1ffd$' <<<"$out"
run_cprdump --find=0x0000 "$TMP/find.bin"
expect_eq "--find: all-zero pattern refused, exit 2" "$rc" 2

# ---- multifd: the main stream and its recorded channels (real QEMU 11.1.3)
zstd -dq "$MF/main.bin.zst" -o "$TMP/mf-main.bin"
zstd -dq "$MF/multifd-1.bin.zst" -o "$TMP/mf-1.bin"
zstd -dq "$MF/multifd-2.bin.zst" -o "$TMP/mf-2.bin"
run_cprdump --extract-ram="$TMP/mf0" "$TMP/mf-main.bin"
expect_eq "multifd without --channel: exit 2" "$rc" 2
check "multifd without --channel: says to add them" grep -q 'add each recorded channel with --channel=FILE' <<<"$err"
run_cprdump --json --extract-ram="$TMP/mf" --channel="$TMP/mf-1.bin" --channel="$TMP/mf-2.bin" "$TMP/mf-main.bin"
expect_eq "multifd: exit 0" "$rc" 0
expect_eq "multifd: channels (id, packets, normal, zero)" \
    "$(jget "$out" '[(c["id"], c["packets"], c["normal-pages"], c["zero-pages"]) for c in d["extract-ram"]["channels"]]')" \
    "[(1, 279, 39, 34731), (0, 277, 74, 34934)]"
expect_eq "multifd: data pages = query-migrate normal, zero = duplicate" \
    "$(jget "$out" '(sum(b["data-pages"] for b in d["extract-ram"]["blocks"]), sum(b["zero-pages"] for b in d["extract-ram"]["blocks"]))')" \
    "$(jget "$(cat "$MF/truth.json")" '(d["query_migrate_old"]["ram"]["normal"], d["query_migrate_old"]["ram"]["duplicate"])')"
expect_eq "multifd: every block written" "$(jget "$out" 'd["extract-ram"]["blocks-written"]')" 8
run_cprdump --extract-ram="$TMP/mfx" --channel="$TMP/mf-main.bin" "$TMP/mf-main.bin"
expect_eq "multifd: a main stream given as channel: exit 4 (magic)" "$rc" 4

# ---- a cpr-exec stream: every block preserved by fd, no image
run_cprdump --json --extract-ram="$TMP/cpr" "$FIX/11.1/exec-q35-memfd/main.bin"
expect_eq "cpr-exec: exit 0, 0 written, 6 skipped" \
    "$rc $(jget "$out" '(d["extract-ram"]["blocks-written"], d["extract-ram"]["blocks-skipped"])')" "0 (0, 6)"
check "cpr-exec: every reason is preserved-by-fd" python3 -c "
import json,sys; b=json.load(open('$TMP/cpr/manifest.json'))['extract-ram']['blocks']
assert all(x['status'] == 'skipped' and x['reason'].startswith('preserved-by-fd') for x in b)"
expect_eq "cpr-exec: no image file" "$(ls "$TMP/cpr")" manifest.json

# ---- captures: redacted ones are refused, --keep-pages ones extract
run_cprdump --save "$TMP/red.zst" "$TMP/order.bin"
run_cprdump --extract-ram="$TMP/red" "$TMP/red.zst"
expect_eq "redacted capture: exit 4" "$rc" 4
check "redacted capture: says its memory was redacted" grep -q "guest memory was redacted" <<<"$err"
check "redacted capture: nothing written" test ! -e "$TMP/red"
run_cprdump --save "$TMP/keep.zst" --keep-pages "$TMP/order.bin"
run_cprdump --extract-ram="$TMP/keep" "$TMP/keep.zst"
expect_eq "--keep-pages capture: extracts the same image" "$rc $(sha "$TMP/keep/pc.ram.img")" "0 $(sha "$TMP/o/pc.ram.img")"
run_cprdump --extract-ram="$TMP/st" "$FIX/11.1/exec-q35-memfd/state.bin"
expect_eq "a CPR state: exit 4" "$rc" 4
zstd -q -c "$TMP/order.bin" >"$TMP/order.zst"
run_cprdump --dump-ram=pc.ram@8192+32 "$TMP/order.zst"
check "zstd stream: --dump-ram works" grep -q '^00002000  41 41 41 41 41 41 41 41  41 41 41 41 41 41 41 41  |AAAAAAAAAAAAAAAA|' <<<"$out"

# ---- hostile sizes: a block claiming 2^60 bytes, 3000 blocks with a page each
mk "$TMP/huge.bin" "{\"blocks\": [[\"pc.ram\", 1152921504606846976]],
  \"pages\": [[0, 576460752303423488, \"page\", \"$A\"]]}"
out=$(ulimit -v 400000; "$CPRDUMP" --extract-ram="$TMP/huge" "$TMP/huge.bin" 2>&1)
rc=$?
expect_eq "a 2^60-byte block: exit 11 (the file system refuses the size), within 400 MB" "$rc" 11
check "a 2^60-byte block: says it cannot size the image" grep -q 'cannot size the image' <<<"$out"
python3 - "$TMP/many.json" <<'E2'
import json, sys
json.dump({"blocks": [["b%d" % i, 4096] for i in range(3000)],
           "pages": [[i, 0, "page", "fill:%02x" % (1 + i % 255)] for i in range(3000)]},
          open(sys.argv[1], "w"))
E2
mk "$TMP/many.bin" "@$TMP/many.json"
out=$(ulimit -v 400000; "$CPRDUMP" --json --extract-ram="$TMP/many" "$TMP/many.bin" 2>&1)
rc=$?
expect_eq "3000 blocks: exit 0 within 400 MB (one gather buffer for all images)" "$rc" 0
expect_eq "3000 blocks: 3000 images with their page" \
    "$(ls "$TMP/many" | grep -c '\.img$') $(head -c1 "$TMP/many/b2999.img" | od -An -tx1 | tr -d ' ')" "3000 c3"

# ---- options
run_cprdump --extract-ram="$TMP/x" --find=a "$TMP/order.bin"
expect_eq "--extract-ram with --find: exit 2" "$rc" 2
run_cprdump --channel="$TMP/mf-1.bin" "$TMP/order.bin"
expect_eq "--channel alone: exit 2" "$rc" 2
tap_done
