#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# --device / --offsets on real QEMU streams: values in human and JSON output,
# mismatches, streams without a vmdesc, and hostile descriptions.
. "$(dirname "$0")/../lib.sh"

PC=$FIX/11.1/exec-pc-devices/main.bin
Q35=$FIX/11.1/exec-q35-memfd/main.bin
V72=$FIX/7.2/pc-vga-run/main.bin
REAL=$REPO/tests/fixtures/real

# ---- every device section of every real stream with a vmdesc ----
for f in "$FIX"/*/*/main.bin "$REAL"/*/main.bin* "$REPO"/tests/fixtures/device-state/*/main.bin*; do
    run_cprdump --json --device=all "$f"
    rel=${f#"$FIX"/}
    rel=${rel#"$REPO"/}
    [ "$(jget "$out" "d['stream']['vmdesc']['present']")" = True ] || continue
    expect_eq "$rel: --device=all exits 0" "$rc" 0
    known="[]"
    case $rel in  # QEMU 7.2 describes the css pointer array by its NULL first slot
    *stream72-s390x*) known="['s390_css']" ;;
    esac
    expect_eq "$rel: every device section has fields, all bytes described, no mismatch" \
        "$(jget "$out" "[s['idstr'] for s in d['stream']['sections'] if s['type']=='full' and s['idstr']!='ram' and (s['fields'] is None or s['field-mismatches'] or s['fields-described']!=s['body-size'])]")" "$known"
    [ "$known" = "[]" ] && expect_eq "$rel: no warning" "$err" ""
done

run_cprdump --json --device=s390_css "$REAL/stream72-s390x/main.bin.zst"
expect_eq "7.2 s390_css: NULL css slots as null, the real css[254] undescribed" \
    "$(jget "$out" "[(s['fields']['css'][:2], [(m['path'], m['offset']) for m in s['field-mismatches']]) for s in d['stream']['sections'] if 'fields' in s]")" \
    "[([None, None], [('css[254]', 366677)])]"
check "7.2 s390_css: the warning says why" \
    grep -q 'css\[254\]: byte 0x00 where the vmdesc has a NULL pointer: it describes this array of pointers by its first (NULL) element, as QEMU before 9.1.3 did' <<<"$err"

# ---- known values (JSON) ----
run_cprdump --json --device=e1000 --device='*I440FX' --device=timer "$PC"
sel() { # IDSTR-SUFFIX EXPR-OF-s
    jget "$out" "[($2) for s in d['stream']['sections'] if 'fields' in s and s['idstr'].endswith('$1')][0]"
}
expect_eq "patterns: vmsd name, idstr glob, idstr: 3 sections" \
    "$(jget "$out" "len([s for s in d['stream']['sections'] if 'fields' in s])")" 3
expect_eq "I440FX: PCI vendor 0x8086, device 0x1237" \
    "$(sel I440FX "s['fields']['parent_obj']['config[0]'][:8]")" 86803712
expect_eq "I440FX: irq_state is a list of 4 int32" \
    "$(sel I440FX "s['fields']['parent_obj']['irq_state']")" "[0, 0, 0, 0]"
expect_eq "e1000: RAL0 of MAC 52:54:00:12:34:57 (subsection full_mac_state)" \
    "$(sel e1000 "s['fields']['e1000/full_mac_state']['mac_reg'][5376]")" $((0x12005452))
expect_eq "e1000: RAH0 with the address-valid bit" \
    "$(sel e1000 "s['fields']['e1000/full_mac_state']['mac_reg'][5377]")" $((0x80005734))
expect_eq "e1000: subsections after the fields, in wire order" \
    "$(sel e1000 "[k for k in s['fields'] if '/' in k]")" \
    "['e1000/mit_state', 'e1000/full_mac_state', 'e1000/tx_tso_state']"
expect_eq "e1000: layout gives the subsection's offset and version" \
    "$(sel e1000 "[(e['type'],e['version']) for e in s['field-layout'] if e['path']=='e1000/mit_state']")" \
    "[('subsection', 1)]"
expect_eq "timer: three fields, int64 and unused_buffer" \
    "$(sel timer "[(e['path'],e['type'],e['size']) for e in s['field-layout']]")" \
    "[('cpu_ticks_offset', 'int64', 8), ('unused', 'unused_buffer', 8), ('cpu_clock_offset', 'int64', 8)]"
toff=$(sel timer "s['field-layout'][0]['offset']")
expect_eq "timer: first field right after the section header" \
    "$toff" "$(sel timer "s['offset'] + 1 + 4 + 1 + 5 + 4 + 4")"

# ---- the same in human text ----
run_cprdump --device=timer --device=e1000 --offsets "$PC"
expect_eq "human --device exits 0" "$rc" 0
check "human: the Devices block" grep -q '^Devices (offset, size, then field)$' <<<"$out"
check "human: offset column of cpu_ticks_offset" \
    grep -qE "^$(printf '0x%08x' "$toff") +8 +cpu_ticks_offset = [0-9]+$" <<<"$out"
check "human: unsigned registers in hex" grep -q ' mac_reg\[CTRL\] = 0x00140240$' <<<"$out"
check "human: counts in decimal" grep -q ' tx.size = 0$' <<<"$out"
check "human: bool as true/false" grep -q ' mit_irq_level = false$' <<<"$out"
check "human: subsection heading" \
    grep -q ' e1000/full_mac_state: (subsection, version 1)$' <<<"$out"
check "human: '*' after the first zero line of tx.data" \
    bash -c 'grep -A2 " tx.data = 65536 bytes" | tail -1 | grep -q "^ *\*$"' <<<"$out"
check "human: PCI config bytes in hexdump" \
    grep -qE '00000000  86 80 0e 10 ' <<<"$out"

# ---- named decodes ----
run_cprdump --json --device='*virtio*' "$PC"
expect_eq "virtio-net: device type, MSI-X, queue sizes" \
    "$(jget "$out" "[(v['device-type'], v['msix-entries'], [q['num'] for q in v['queues']]) for s in d['stream']['sections'] if 'decoded' in s for v in [s['decoded']['virtio']]]")" \
    "[('net', 4, [256, 256, 64])]"
expect_eq "virtio-net: the virtio field stays hex bytes in fields" \
    "$(jget "$out" "[len(s['fields']['virtio'])//2 for s in d['stream']['sections'] if 'decoded' in s]")" "[46165]"
run_cprdump --device='*virtio*' "$PC"
check "human: virtio common part" grep -q 'pci: vendor 0x1af4 device 0x1000 (virtio net), 4 MSI-X entries' <<<"$out"
check "human: virtio subsections listed" grep -q 'subsection virtio/64bit_features (version 1)' <<<"$out"
run_cprdump --json --device=cpu "$REPO/tests/fixtures/device-state/arm-virt-a57/main.bin.zst"
expect_eq "arm cpu: SCTLR_EL1 named, split, reset value 0x00c50838" \
    "$(jget "$out" "[(r['op0'],r['op1'],r['crn'],r['crm'],r['op2'],hex(r['value'])) for s in d['stream']['sections'] if 'decoded' in s for r in s['decoded']['cpregs'] if r['name']=='SCTLR_EL1']")" \
    "[(3, 0, 1, 0, 0, '0xc50838')]"
run_cprdump --device=cpu "$REPO/tests/fixtures/device-state/arm-virt-a57/main.bin.zst"
check "human: cpregs by name" \
    grep -q 'SCTLR_EL1 (op0 3 op1 0 CRn 1 CRm 0 op2 0) = 0x0000000000c50838' <<<"$out"

# ---- the default view does not change ----
run_cprdump --json "$PC"
expect_eq "no --device: no fields key" \
    "$(jget "$out" "sum('fields' in s for s in d['stream']['sections'])")" 0
run_cprdump "$PC"
check "no --device: no Devices block" bash -c '! grep -q "^Devices" ' <<<"$out"
run_cprdump --offsets "$PC"
expect_eq "--offsets alone: exit 2" "$rc" 2
check "--offsets alone: says why" grep -q 'offsets goes with --device' <<<"$err"
run_cprdump --json --device=no-such-device "$PC"
expect_eq "a pattern that matches nothing: no fields" \
    "$(jget "$out" "sum('fields' in s for s in d['stream']['sections'])")" 0

# ---- a body that does not match its vmdesc ----
python3 - "$Q35" "$TMP/bad.bin" <<'PY'
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
i = b.index(b'\x05\x0bcpu/tsc_khz')
b[i] = 0x06
open(sys.argv[2], 'wb').write(b)
PY
bad_at=$(python3 -c "import sys; print(open(sys.argv[1],'rb').read().index(b'\x06\x0bcpu/tsc_khz'))" "$TMP/bad.bin")
run_cprdump --json --device=all "$TMP/bad.bin"
expect_eq "mismatch: exit 0 (the rest decodes)" "$rc" 0
expect_eq "mismatch: one warning line on stderr" "$(wc -l <<<"$err")" 1
check "mismatch: warning names offset, path and what" \
    grep -q "warning: section [0-9]* (cpu) does not match its vmdesc at offset $(printf '0x%x' "$bad_at"): cpu/tsc_khz: byte 0x06 where subsection \"cpu/tsc_khz\" (0x05) belongs" <<<"$err"
expect_eq "mismatch: in the JSON at that offset and path" \
    "$(jget "$out" "[(m['offset'],m['path'],m['code']) for s in d['stream']['sections'] for m in (s.get('field-mismatches') or [])]")" \
    "[($bad_at, 'cpu/tsc_khz', 'invalid')]"
expect_eq "mismatch: every other device section still decodes clean" \
    "$(jget "$out" "sum(1 for s in d['stream']['sections'] if s.get('fields') is not None and not s['field-mismatches'])")" \
    "$(( $(jget "$out" "sum(1 for s in d['stream']['sections'] if s.get('fields') is not None)") - 1 ))"
run_cprdump --device=cpu "$TMP/bad.bin"
check "mismatch: human shows it and the undescribed rest" \
    grep -q "MISMATCH at $(printf '0x%x' "$bad_at"): cpu/tsc_khz" <<<"$out"

# ---- streams without a vmdesc ----
run_cprdump --json --device=apic "$REAL/postcopy-q35/main.bin.zst"
expect_eq "postcopy: fields null, with the reason" \
    "$(jget "$out" "sorted(set((s['fields'], s['no-fields-reason'][:29]) for s in d['stream']['sections'] if 'fields' in s))")" \
    "[(None, 'the stream has no vmdesc (pos')]"
expect_eq "postcopy: a bounded hex head of each body" \
    "$(jget "$out" "max(len(s['body-head']) for s in d['stream']['sections'] if 'fields' in s)")" 362
run_cprdump --device=apic "$REAL/postcopy-q35/main.bin.zst"
check "postcopy human: says why, dumps the body" \
    grep -q 'no fields: the stream has no vmdesc' <<<"$out"
check "postcopy human: undescribed body" grep -q 'undescribed body, 181 bytes:' <<<"$out"
run_cprdump --json "$Q35"
eof=$(jget "$out" "d['stream']['eof-offset']")
head -c "$eof" "$Q35" >"$TMP/cut.bin"
run_cprdump --json --device=all "$TMP/cut.bin"
expect_eq "stream cut before EOF: exit 5" "$rc" 5
expect_eq "stream cut before EOF: every device says the vmdesc is not reached" \
    "$(jget "$out" "sorted(set((s['fields'], s['no-fields-reason']) for s in d['stream']['sections'] if 'fields' in s))")" \
    "[(None, 'the stream ends before its vmdesc, which would describe the fields')]"
head -c $((eof + 100)) "$Q35" >"$TMP/cut.bin"
run_cprdump --json --device=all "$TMP/cut.bin"
expect_eq "stream cut inside its vmdesc: no fields, the vmdesc is unreadable" \
    "$(jget "$out" "sorted(set(s['no-fields-reason'] for s in d['stream']['sections'] if 'fields' in s))")" \
    "['the vmdesc could not be read']"

# ---- hostile descriptions: bounded time and memory, a clear error ----
GEN=$REPO/tests/helpers/gen-hostile-vmdesc.py
# measure FILE ARGS...: sets $out $rc, $secs and $rss_kb (peak RSS of cprdump)
measure() {
    local r
    r=$(python3 - "$CPRDUMP" "$@" <<'PY'
import resource, subprocess, sys, time
t = time.monotonic()
p = subprocess.run([sys.argv[1]] + sys.argv[2:], stdout=open("/dev/null", "w"),
                   stderr=subprocess.PIPE)
print(p.returncode, "%.2f" % (time.monotonic() - t),
      resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
)
    read -r rc secs rss_kb <<<"$r"
}
python3 "$GEN" fields "$TMP/h.bin" 100000
size_kb=$(( $(stat -c %s "$TMP/h.bin") / 1024 ))
measure --json --device=all "$TMP/h.bin"
expect_eq "10^5 fields: exit 0" "$rc" 0
check "10^5 fields: under 60 s ($secs s)" python3 -c "import sys; sys.exit(not $secs < 60)"
# the vmdesc's json-c tree alone is ~30x the vmdesc (the summary pays it too)
check "10^5 fields: peak RSS $rss_kb KB under 100x the input ($size_kb KB)" \
    test "$rss_kb" -lt $((100 * size_kb + 32768))
run_cprdump --json --device=all "$TMP/h.bin"
expect_eq "10^5 fields: all decoded, repeated names as name#n" \
    "$(jget "$out" "(len(d['stream']['sections'][0]['fields']), d['stream']['sections'][0]['fields']['f3#2'], d['stream']['sections'][0]['fields-described'])")" \
    "(100000, 0, 100000)"
python3 "$GEN" big "$TMP/h.bin" $((63 << 20))
measure --json --device=all "$TMP/h.bin"
expect_eq "63 MiB vmdesc: exit 0" "$rc" 0
check "63 MiB vmdesc: peak RSS $rss_kb KB under 8x" \
    test "$rss_kb" -lt $((8 * 63 * 1024))
python3 "$GEN" big "$TMP/h.bin" $((64 << 20))
run_cprdump --json --device=all "$TMP/h.bin"
expect_eq "vmdesc over 64 MiB: exit 5" "$rc" 5
check "vmdesc over 64 MiB: the limit is named" grep -q "over cprdump's limit of 64 MiB" <<<"$err"
expect_eq "vmdesc over 64 MiB: no fields, the reason" \
    "$(jget "$out" "d['stream']['sections'][0]['no-fields-reason']")" "the vmdesc could not be read"
python3 "$GEN" deep "$TMP/h.bin" 60
run_cprdump --json --device=all "$TMP/h.bin"
expect_eq "180 JSON levels: exit 5, nesting too deep" "$rc/$(grep -c 'nesting too deep' <<<"$err")" 5/1
python3 "$GEN" deep "$TMP/h.bin" 40
run_cprdump --json --device=all "$TMP/h.bin"
expect_eq "40 nested structs: decoded to the innermost field" \
    "$(jget "$out" "len(d['stream']['sections'][0]['field-layout'])")" 41
python3 "$GEN" arraylen "$TMP/h.bin"
run_cprdump --json --device=all "$TMP/h.bin"
expect_eq "array_len 2^63-1 of size 0: a limit mismatch, no allocation" \
    "$(jget "$out" "[(m['code'], m['path']) for m in d['stream']['sections'][0]['field-mismatches']]")" \
    "[('limit', 'a')]"
check "array_len: one warning line" test "$(wc -l <<<"$err")" -eq 1
python3 "$GEN" dupkeys "$TMP/h.bin"
run_cprdump --json --device=all "$TMP/h.bin"
expect_eq "duplicate keys: the last one wins (as in Python)" \
    "$(jget "$out" "d['stream']['sections'][0]['fields']")" "{'b': 4660}"

tap_done
