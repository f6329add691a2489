#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The preflight offline, on the /proc snapshots of 16 real QEMU 11.1.3 runs
# (tests/fixtures/proc), and its QMP client against a fake monitor; the commands
# of doc/preflight.md; options and errors; permissions on a live process.
. "$(dirname "$0")/../lib.sh"
P=$REPO/tests/fixtures/proc

schema_ok() { # desc: $out validates
    check "$1" /usr/bin/python3 -c '
import json, sys, jsonschema
jsonschema.validate(json.loads(sys.argv[2]), json.load(open(sys.argv[1])))' \
        "$REPO/formats/cprdump.schema.json" "$out"
}
pfget() { jget "$out" "$1"; }
verdict_of() { jget "$out" "[b['verdict'] for b in d['preflight']['blocks'] if b['name']=='$1'][0]"; }

# --- doc/preflight.md ---------------------------------------------------------
run_cprdump --proc-snapshot "$P/d-file-shared"
expect_eq "doc: d-file-shared: exit 0" "$rc" 0
check "doc: ram0 is a shared file, preserved by path" \
    grep -qE '^ram0 +128.0 MiB +128.0 MiB rw +file +/dev/shm/cprdump-pf-d +shared +15 preserved-by-path$' <<<"$out"
check "doc: the reason names the mem-path" \
    grep -q '/dev/shm/cprdump-pf-d must be the mem-path in the new QEMU' <<<"$out"
run_cprdump --check --json --proc-snapshot "$P/b2-memfd-private"
expect_eq "doc: b2 --check: exit 1" "$rc" 1
schema_ok "b2: JSON validates"
expect_eq "b2: ram0 lost, rule private-memfd, fd 15, private" \
    "$(pfget "[(b['verdict'],b['rule'],b['fd'],b['sharing']) for b in d['preflight']['blocks'] if b['name']=='ram0'][0]")" \
    "('lost', 'private-memfd', 15, 'private')"
expect_eq "b2: counts" "$(pfget "[d['preflight'][k] for k in ('block-count','preserved-by-fd-count','lost-count','rebuilt-count')]")" \
    "[6, 5, 1, 0]"
expect_eq "b2: one stderr line with the fix" "$err" \
    'cprdump: '"$P"'/b2-memfd-private: RAM block "ram0" (134217728 bytes, memfd) would be lost by cpr-exec; to keep it: share=on in -object memory-backend-memfd,id=ram0 (share=on is its default)'

R=$REPO/tests/fixtures/real
run_cprdump --check "$R/exec-q35-memfd-private/pid-capture.zst" "$R/exec-q35-memfd-private/main.bin.zst"
expect_eq "doc: pid-capture --check: ram0 lost from the mappings, exit 1" \
    "$rc $(grep -cE '^ram0 .* lost +yes ' <<<"$out")" "1 1"
run_cprdump "$R/exec-q35-file-shared/fd-capture.zst" "$R/exec-q35-file-shared/main.bin.zst"
expect_eq "doc: fd-capture: ram0 preserved-by-path from the command line" \
    "$rc $(grep -cE '^ram0 .* preserved-by-path +yes ' <<<"$out") $(grep -cE '^also from +command-line' <<<"$out")" "0 1 1"

# --- every fixture: human and JSON carry the same facts ------------------------
for d in "$P"/*/; do
    n=$(basename "$d")
    run_cprdump --json --proc-snapshot "$d"
    j=$(pfget "' '.join('%s:%s:%s' % (b['name'], b['fd'] if b['fd'] is not None else '-', b['verdict']) for b in d['preflight']['blocks'])")
    truth=$(python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); print(" ".join(b["verdict"] for b in t["blocks"]))' "$d/truth.json")
    got=$(pfget "' '.join(b['verdict'] for b in d['preflight']['blocks'])")
    run_cprdump --proc-snapshot "$d"
    h=$(awk '/^RAM blocks$/{f=1;getline;next} /^$/{f=0} f{print $1":"$(NF-1)":"$NF}' <<<"$out" | tr '\n' ' ')
    expect_eq "$n: human table = JSON (name:fd:verdict), = truth.json" "$h|$got" "$j |$truth"
done

# --- /proc alone (no qmp.json) -----------------------------------------------
cp -r "$P/f2-noaux-memfd" "$TMP/f2" && rm "$TMP/f2/qmp.json"
run_cprdump --json --check --proc-snapshot "$TMP/f2"
expect_eq "f2 /proc only: 5 unnamed anonymous ROMs: lost, access unknown; exit 1" \
    "$rc $(pfget "[d['preflight']['unnamed-count'], sorted(set((b['verdict'], b['access']) for b in d['preflight']['blocks'] if b['name'] is None))]")" \
    "1 [5, [('lost', 'unknown')]]"
expect_eq "f2 /proc only: ram0 named from the command line, preserved by fd 15" \
    "$(pfget "[(b['name-from'], b['verdict'], b['fd']) for b in d['preflight']['blocks'] if b['name']=='ram0'][0]")" \
    "('command-line', 'preserved-by-fd', 15)"
run_cprdump --json --check --proc-snapshot "$P/f2-noaux-memfd"
expect_eq "f2 with qmp.json: the ROMs are not-preserved-rebuilt, exit 0" \
    "$rc $(pfget "sorted(set(b['verdict'] for b in d['preflight']['blocks'] if b['name']!='ram0'))")" \
    "0 ['not-preserved-rebuilt']"
cp -r "$P/g-numa-dimm" "$TMP/g" && rm "$TMP/g/qmp.json"
run_cprdump --json --proc-snapshot "$TMP/g"
expect_eq "g /proc only: two memory-backend-memfd memfds named m0, m1 by fd order; m2 anonymous lost" \
    "$(pfget "[(b['name'], b['fd'], b['verdict']) for b in d['preflight']['blocks'] if b['name'] in ('m0','m1','m2')]")" \
    "$(jget "$(cat "$P/g-numa-dimm/truth.json")" "[(b['name'], None, b['verdict']) for b in d['blocks'] if b['name'] in ('m0','m1','m2')]" | sed 's/None, //g' | python3 -c '
import sys,ast; t=ast.literal_eval(sys.stdin.read()); fds={"m0":15,"m1":16,"m2":None}
print([(n, fds[n], v) for n, v in t])')"
run_cprdump --json --proc-snapshot "$P/h-unused-backends"
expect_eq "h: the unused backends are in no stream, kept by fd" \
    "$(pfget "[(b['name'], b['in-stream'], b['verdict']) for b in d['preflight']['blocks'] if not b['in-stream']]") $(pfget "d['preflight']['state-only-count']")" \
    "[('unused2', False, 'preserved-by-fd'), ('unused', False, 'preserved-by-fd')] 2"
run_cprdump --proc-snapshot "$P/h-unused-backends"
check "h human: the state-only table" grep -q 'carried by the CPR state but in no stream' <<<"$out"
run_cprdump --json --proc-snapshot "$P/i-mem-path"
expect_eq "i: -mem-path: a deleted file, pc.ram lost, fix drops -mem-path" \
    "$(pfget "[(b['mapping'], b['name-from'], b['verdict'], b['fix']) for b in d['preflight']['blocks'] if b['name']=='pc.ram'][0]")" \
    "('deleted-file', 'qmp', 'lost', 'drop -mem-path; use -object memory-backend-memfd,id=ram0,size=128M,share=on and -machine memory-backend=ram0')"

# --- options and errors ------------------------------------------------------
run_cprdump --preflight
expect_eq "--preflight alone: exit 2" "$rc" 2
run_cprdump --proc-snapshot "$P/a-anon" "$FIX/11.1/exec-q35-anon/state.bin"
expect_eq "--proc-snapshot and FILE: exit 2" "$rc" 2
run_cprdump --proc-snapshot "$P/a-anon" --stream x
expect_eq "--proc-snapshot --stream: exit 2" "$rc" 2
run_cprdump --digest --proc-snapshot "$P/a-anon"
expect_eq "--digest without --pid: exit 2 (it reads a live process's fds)" "$rc" 2
run_cprdump --proc-snapshot "$TMP/nope"
expect_eq "missing snapshot: exit 3" "$rc" 3
cp -r "$P/a-anon" "$TMP/bad" && printf '12\tzz\n' >>"$TMP/bad/fds"
run_cprdump --json --proc-snapshot "$TMP/bad"
expect_eq "malformed fds line: exit 3, file and line named" \
    "$rc $(grep -c "bad/fds: line $(wc -l <"$TMP/bad/fds")" <<<"$err")" "3 1"
schema_ok "error document validates"

# --- QMP against a fake monitor ------------------------------------------------
cp -r "$P/e-pc-vga-e1000" "$TMP/e" && mv "$TMP/e/qmp.json" "$TMP/e-qmp.json"
sock=$TMP/qmp.sock
python3 "$REPO/tests/helpers/fake_qmp.py" "$sock" "$TMP/e-qmp.json" "$TMP/qmp.log" >"$TMP/fq.out" &
fq=$!
for i in $(seq 100); do grep -q ready "$TMP/fq.out" && break; sleep 0.05; done
run_cprdump --json --proc-snapshot "$TMP/e" --qmp "$sock"
wait $fq
expect_eq "--qmp: exit 0, every block named, verdicts = truth" \
    "$rc $(pfget "[d['preflight']['qmp'], d['preflight']['unnamed-count'], [b['verdict'] for b in d['preflight']['blocks']]]")" \
    "0 ['--qmp', 0, $(jget "$(cat "$P/e-pc-vga-e1000/truth.json")" "[b['verdict'] for b in d['blocks']]")]"
expect_eq "--qmp sent only the read-only queries" "$(tr '\n' ';' <"$TMP/qmp.log")" \
    "qmp_capabilities;x-query-ramblock;query-memdev;qom-list;qom-get /machine aux-ram-share;"
python3 "$REPO/tests/helpers/fake_qmp.py" "$sock" --silent >"$TMP/fq2.out" &
fq=$!
for i in $(seq 100); do grep -q ready "$TMP/fq2.out" && break; sleep 0.05; done
t0=$(date +%s%N)
CPRDUMP_QMP_TIMEOUT_MS=300 run_cprdump --proc-snapshot "$TMP/e" --qmp "$sock"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
kill $fq 2>/dev/null; wait $fq 2>/dev/null
expect_eq "busy monitor: exit 3 within the timeout, says so" \
    "$rc $([ "$ms" -lt 2000 ] && echo fast) $(grep -c 'no greeting within 300 ms: the monitor is busy' <<<"$err")" "3 fast 1"
run_cprdump --proc-snapshot "$TMP/e" --qmp "$TMP/no.sock"
expect_eq "no such socket: exit 3" "$rc" 3

# --- live processes ------------------------------------------------------------
sleep 30 &
sp=$!
run_cprdump --preflight --pid "$sp"
expect_eq "--preflight on a process without guest RAM: exit 8" \
    "$rc $(grep -c 'no guest RAM mapping' <<<"$err")" "8 1"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$CPRDUMP" --json --preflight --pid "$sp" 2>"$TMP/stderr")
    rc=$?
    expect_eq "another user's process: exit 7, ptrace read access named, JSON error" \
        "$rc $(grep -c 'ptrace read access is needed' "$TMP/stderr") $(pfget "d['error']['code']")" \
        "7 1 permission"
fi
kill "$sp"
tap_done
