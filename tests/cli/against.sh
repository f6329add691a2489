#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# --against on real bytes (tests/fixtures/real/against: -dump-vmstate of QEMU 7.2
# and 11.1, streams from tests/qemu/pairs.py whose loads QEMU refused, see the
# truth-*.json), a stream without vmdesc, hostile destinations, a fake binary.
. "$(dirname "$0")/../lib.sh"

AG=$REPO/tests/fixtures/real/against
D72=$AG/dump-7.2-pc-i440fx-7.2.json.zst
D111=$AG/dump-11.1-pc-i440fx-7.2.json.zst
LTIM=$AG/src-11.1-ltim.bin.zst
R72=$AG/ref-7.2-pc.bin.zst
M160=$AG/src-7.2-160m.bin.zst
SCHEMA=$REPO/formats/cprdump.schema.json

schema_ok() { # desc
    check "$1" python3 -c '
import json, sys, jsonschema
jsonschema.validate(json.loads(sys.argv[2]), json.load(open(sys.argv[1])))' "$SCHEMA" "$out"
}
ag() { jget "$out" "d['against']$1"; }

# 11.1 sent i8259/ltim (ICW1 LTIM set); QEMU 7.2 refused it (truth-ltim.json)
expect_eq "truth: 7.2 refused the ltim stream naming i8259" \
    "$(python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); print(t["loaded"], "i8259" in t["errors"][0])' "$AG/truth-ltim.json")" \
    "False True"
run_cprdump --json --against="$D72" "$LTIM"
expect_eq "ltim vs 7.2 dump: exit 1" "$rc" 1
expect_eq "ltim vs 7.2 dump: will-fail on i8259, subsection-unknown" \
    "$(ag "['verdict'], d['against']['subject'], d['against']['check']")" \
    "('will-fail', 'i8259', 'subsection-unknown')"
expect_eq "ltim vs 7.2 dump: QEMU's line" "$(ag "['qemu-line']")" \
    "VM subsection 'i8259/ltim' in 'i8259' does not exist"
expect_eq "ltim vs 7.2 dump: the finding names the subsection as its field" \
    "$(ag "['findings'][[f['check'] for f in d['against']['findings']].index('subsection-unknown')]['field']")" \
    "i8259/ltim"
expect_eq "ltim vs 7.2 dump: section i8259 0 will-fail, i8259 1 loads" \
    "$(jget "$out" "[s['verdict'] for s in d['against']['sections'] if s['idstr']=='i8259']")" \
    "['will-fail', 'loads']"
expect_eq "ltim vs 7.2 dump: cpu is not in a dump (unchecked), 10 such sections" \
    "$(jget "$out" "[[s['verdict'] for s in d['against']['sections'] if s['idstr']=='cpu'][0], d['against']['unchecked-count']]")" \
    "['unchecked', 10]"
expect_eq "ltim vs 7.2 dump: fields compared, machine type loads" \
    "$(ag "['fields-compared'], d['against']['machine-type-verdict']")" "(True, 'loads')"
schema_ok "ltim vs 7.2 dump: JSON matches the schema"

run_cprdump --against="$D72" "$LTIM"
expect_eq "human: exit 1" "$rc" 1
check "human: verdict line" grep -q '^verdict *will-fail$' <<<"$out"
check "human: QEMU's line" grep -q "^QEMU says *VM subsection 'i8259/ltim' in 'i8259' does not exist" <<<"$out"
check "human: the i8259 row" grep -qE '^i8259 +0 +1 i8259 +will-fail ' <<<"$out"

# a reference stream sees sections and blocks, not subsections
run_cprdump --json --against="$R72" "$LTIM"
expect_eq "ltim vs 7.2 reference stream alone: loads (subsections are not in it)" \
    "$(ag "['verdict']"):$rc" "loads:0"
expect_eq "ltim vs 7.2 reference: every block has the same used length" \
    "$(jget "$out" "[sorted(set(b['verdict'] for b in d['against']['ram-blocks'])), len(d['against']['ram-blocks'])]")" \
    "[['loads'], 6]"
run_cprdump --json --against="$R72" --against="$D72" "$LTIM"
expect_eq "both: will-fail on i8259" "$(ag "['verdict'], d['against']['subject']"):$rc" \
    "('will-fail', 'i8259'):1"
expect_eq "both: two destinations, kinds in order" \
    "$(jget "$out" "[x['kind'] for x in d['against']['destinations']]")" \
    "['reference-stream', 'vmstate-dump']"
schema_ok "both: JSON matches the schema"

# 7.2 with -m 160 into an 11.1 with -m 128: "Size mismatch: pc.ram" (truth-160m.json)
run_cprdump --json --against="$D111" "$M160"
expect_eq "160m vs 11.1 dump: loads (a dump has no RAM blocks)" "$(ag "['verdict']"):$rc" "loads:0"
run_cprdump --json --against="$R72" "$M160"
expect_eq "160m vs a 128m reference: will-fail on pc.ram" \
    "$(ag "['verdict'], d['against']['subject'], d['against']['check']"):$rc" \
    "('will-fail', 'pc.ram', 'ramblock-size'):1"
expect_eq "160m: QEMU 11.1's line" "$(ag "['qemu-line']")" \
    "Size mismatch: pc.ram: 0xa000000 != 0x8000000"
expect_eq "160m: the block row" \
    "$(jget "$out" "[(b['used-length'], b['dest-used-length'], b['verdict']) for b in d['against']['ram-blocks'] if b['idstr']=='pc.ram']")" \
    "[(167772160, 134217728, 'will-fail')]"
check "160m: QEMU named pc.ram too" grep -q 'Size mismatch: pc.ram: 0xa000000 != 0x8000000' "$AG/truth-160m.json"

# 11.1 fields against 7.2's and back: the same machine type loads both ways
run_cprdump --json --against="$D111" "$LTIM"
expect_eq "ltim vs 11.1 dump: loads, fields compared" \
    "$(ag "['verdict'], d['against']['fields-compared']"):$rc" "('loads', True):0"

# the field rules, on the real 11.1 dump with i8259's vmsd edited (the ltim
# stream loads into the unedited one, above)
zstdcat "$D111" >"$TMP/d111.json"
edit() { # python statements on v (i8259's Description), f (its fields)
    python3 - "$TMP/d111.json" "$TMP/edit.json" "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
def field(name, size=1, version=0, exists=False, **kw):
    return dict(field=name, version_id=version, field_exists=exists, size=size, **kw)
for e in d.values():   # isa-i8259 and kvm-i8259 share the vmsd
    if e.get("Description", {}).get("name") != "i8259":
        continue
    v = e["Description"]
    f = v["Fields"]
    exec(sys.argv[3])
    e["version_id"], e["minimum_version_id"] = v["version_id"], v["minimum_version_id"]
json.dump(d, open(sys.argv[2], "w"))
PY
    run_cprdump --json --against="$TMP/edit.json" "$LTIM"
}
fr() { # findings on i8259 instance 0 that fail or name a field
    jget "$out" "[(f['check'], f['field'], f['verdict']) for f in d['against']['findings'] if f['subject']=='i8259' and f['instance-id']==0 and (f['verdict']!='loads' or f['field'])]"
}
edit 'f[1]["size"] = 4'
expect_eq "irr of 4 bytes: field-size on irr" "$(fr):$rc" "[('field-size', 'irr', 'will-fail')]:1"
expect_eq "irr of 4 bytes: QEMU's line" "$(ag "['qemu-line']")" "Missing section footer for i8259"
edit 'f.insert(3, field("newf"))'
expect_eq "a new field the stream lacks: taken as an empty variable array" \
    "$(fr):$rc" "[('field-missing', 'newf', 'loads')]:0"
edit 'f.insert(3, field("newf", num=4))'
expect_eq "a new static array the stream lacks: will fail" "$(fr):$rc" \
    "[('field-missing', 'newf', 'will-fail')]:1"
edit 'f.insert(3, field("newc", exists=True))'
expect_eq "a new conditional field: not sent, loads" "$(fr):$rc" "[]:0"
edit 'f.insert(3, field("newv", version=2))'
expect_eq "a field of a later version: not read at version 1, loads" "$(fr):$rc" "[]:0"
edit 'del f[3]'
expect_eq "isr not read by the destination: field-extra on isr" "$(fr):$rc" \
    "[('field-extra', 'isr', 'will-fail')]:1"
edit 'f[2]["field"] = "imr2"'
expect_eq "imr renamed, same size: loads" "$(fr):$rc" "[]:0"
edit 'f[2]["field"] = "imr2"; f[2]["size"] = 2'
expect_eq "imr renamed, other size: field-size" "$(fr):$rc" \
    "[('field-size', 'imr', 'will-fail')]:1"
edit 'v["version_id"] = 0; v["minimum_version_id"] = 0'
expect_eq "destination version 0: version-too-new" \
    "$(ag "['check'], d['against']['qemu-line']"):$rc" \
    "('version-too-new', \"savevm: unsupported version 1 for 'i8259' v0\"):1"
edit 'v["version_id"] = 3; v["minimum_version_id"] = 2'
expect_eq "destination minimum 2: version-too-old" \
    "$(ag "['check'], d['against']['qemu-line']"):$rc" \
    "('version-too-old', 'i8259: incoming version_id 1 is too old for local minimum version_id 2'):1"
edit 'v["Subsections"][0]["version_id"] = 0; v["Subsections"][0]["minimum_version_id"] = 0'
expect_eq "ltim subsection version 0 at the destination: subsection-too-new" \
    "$(ag "['check'], d['against']['qemu-line']"):$rc" \
    "('subsection-too-new', 'i8259/ltim: incoming version_id 1 is too new for local version_id 0'):1"
edit 'v["Subsections"][0]["Fields"].append(field("extra"))'
expect_eq "a field the ltim subsection lacks in the stream: field-missing inside it" "$(fr):$rc" \
    "[('field-missing', 'i8259/ltim.extra', 'loads')]:0"

# no vmdesc (postcopy): sections and versions only
PC=$REPO/tests/fixtures/real/postcopy-q35/main.bin.zst
run_cprdump --json --against="$D111" "$PC"
expect_eq "postcopy: no vmdesc, fields not compared" \
    "$(ag "['has-vmdesc'], d['against']['fields-compared']")" "(False, False)"
expect_eq "postcopy: the verdict says so" \
    "$(jget "$out" "[f['reason'] for f in d['against']['findings'] if f['check']=='fields-not-compared']")" \
    "['the stream has no vmdesc (postcopy or suppress-vmdesc): fields could not be compared, only sections and versions']"
expect_eq "postcopy (pc-q35-11.1) vs a pc-i440fx-7.2 dump: machine type fails" \
    "$(ag "['check'], d['against']['qemu-line']"):$rc" \
    "('machine-type', \"Machine type received is 'pc-q35-11.1' and local is 'pc-i440fx-7.2'\"):1"
schema_ok "postcopy: JSON matches the schema"

# hostile destinations: one stderr line, documented exit code, no crash
hostile() { # desc want-rc content
    printf '%s' "$3" >"$TMP/dest.json"
    run_cprdump --against="$TMP/dest.json" "$LTIM"
    expect_eq "$1: exit $2" "$rc" "$2"
    expect_eq "$1: one stderr line" "$(wc -l <<<"$err")" 1
}
hostile "truncated JSON" 5 '{"vmschkmachine": {"Name": "pc"'
hostile "not an object" 5 '[1, 2]'
hostile "no vmschkmachine" 5 '{"x": {"Name": "x", "version_id": 1, "minimum_version_id": 1, "Description": {"name": "x", "version_id": 1, "minimum_version_id": 1}}}'
hostile "size negative" 5 '{"vmschkmachine": {"Name": "pc"}, "x": {"Name": "x", "version_id": 1, "minimum_version_id": 1, "Description": {"name": "x", "version_id": 1, "minimum_version_id": 1, "Fields": [{"field": "a", "version_id": 0, "field_exists": false, "size": -4}]}}}'
hostile "versions contradict" 5 '{"vmschkmachine": {"Name": "pc"}, "x": {"Name": "x", "version_id": 2, "minimum_version_id": 1, "Description": {"name": "x", "version_id": 1, "minimum_version_id": 1}}}'
hostile "trailing bytes" 5 '{"vmschkmachine": {"Name": "pc"}} xx'
deep=$(python3 -c 'print("{\"vmschkmachine\": {\"Name\": \"pc\"}, \"x\": {\"Name\": \"x\", \"version_id\": 1, \"minimum_version_id\": 1, \"Description\": " + "{\"name\": \"x\", \"version_id\": 1, \"minimum_version_id\": 1, \"Fields\": [{\"field\": \"f\", \"version_id\": 0, \"field_exists\": false, \"size\": 1, \"Description\": " * 200 + "{}" + "}]}" * 200 + "}}")')
hostile "200 levels deep" 5 "$deep"
check "200 levels deep: said so" grep -q 'nest\|depth' <<<"$err"
hostile "binary garbage" 5 $'\x01\x02\x03'
run_cprdump --against=/nonexistent/dump.json "$LTIM"
expect_eq "missing destination: exit 3" "$rc" 3
run_cprdump --against="$REPO/tests/fixtures/real/exec-q35-anon/state.bin" "$LTIM"
expect_eq "a CPR state as destination: exit 2" "$rc" 2
run_cprdump --against="$D72" "$LTIM" "$M160"
expect_eq "two streams with --against: exit 2" "$rc" 2
run_cprdump --check --against="$D72" "$LTIM"
expect_eq "--check with --against: exit 2" "$rc" 2
run_cprdump --against="$D72" "$REPO/tests/fixtures/real/exec-q35-anon/state.bin"
expect_eq "a CPR state as the stream: exit 2" "$rc" 2

# a fake destination binary: its argv and environment, and a refused machine
cat >"$TMP/qemu" <<EOF
#!/bin/sh
echo "\$*" >"$TMP/argv"
env >"$TMP/env"
case "\$2" in
pc-i440fx-7.2) zstdcat "$D72" >"\$5" ;;
*) echo "qemu-system-x86_64: unsupported machine type" >&2; exit 1 ;;
esac
EOF
chmod +x "$TMP/qemu"
run_cprdump --json --against="$TMP/qemu" "$LTIM"
expect_eq "fake binary: will-fail on i8259" "$(ag "['subject']"):$rc" "i8259:1"
check "fake binary: argv is -M TYPE -nodefaults -dump-vmstate FILE, nothing else" \
    grep -qE '^-M pc-i440fx-7\.2 -nodefaults -dump-vmstate /tmp/cprdump-against-[A-Za-z0-9]+/dump\.json$' "$TMP/argv"
check "fake binary: clean environment" test "$(grep -cvE '^(PATH|LC_ALL|PWD|SHLVL|_)=' "$TMP/env")" = 0
check "fake binary: its temporary directory is gone" \
    test ! -e "$(sed 's/.* //; s|/dump.json||' "$TMP/argv")"
run_cprdump --json --against="$TMP/qemu" "$REPO/tests/fixtures/real/postcopy-q35/main.bin.zst"
expect_eq "fake binary refuses pc-q35-11.1: machine-type-unknown" \
    "$(ag "['check'], d['against']['qemu-line']"):$rc" "('machine-type-unknown', 'unsupported machine type'):1"
schema_ok "fake binary: JSON matches the schema"

# a binary that hangs, with a child: killed with its process group
printf '#!/bin/sh\nsleep 300 &\necho $! >"%s"\nsleep 300\n' "$TMP/hang.child" >"$TMP/hang"
chmod +x "$TMP/hang"
t0=$(date +%s%N)
CPRDUMP_AGAINST_TIMEOUT_MS=300 run_cprdump --against="$TMP/hang" "$LTIM"
t1=$(date +%s%N)
expect_eq "hanging binary: exit 3" "$rc" 3
check "hanging binary: said it timed out" grep -q "timed out" <<<"$err"
check "hanging binary: killed within 5 s" test $(((t1 - t0) / 1000000)) -lt 5000
sleep 0.2
# gone, or dead and waiting for init to reap it (state Z)
check "hanging binary: its child is dead too" bash -c \
    "st=\$(ps -o stat= -p $(cat "$TMP/hang.child")); [ -z \"\$st\" ] || [[ \$st == Z* ]]"

# the example of doc/against.md, as written there (from the repository root)
cmd=$(grep -E '^    cprdump --against=tests/' "$REPO/doc/against.md" | sed 's/^    cprdump //')
( cd "$REPO" && eval "\"\$CPRDUMP\" $cmd" >"$TMP/doc.out" )
expect_eq "doc/against.md example: exit 1" "$?" 1
check "doc/against.md example: names i8259/ltim" grep -q "i8259/ltim" "$TMP/doc.out"

tap_done
