#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Live processes without QEMU: --pid and --fd against build/tests/holdfds, a
# stand-in that holds a real fixture's state in a memfd named
# QEMU_CPR_EXEC_STATE and memfds (or pipes, /dev/null, FIFOs) at the
# recorded numbers, as the new QEMU would after cpr-exec.
source "$(dirname "$0")/../lib.sh"
HOLD=$(realpath "${BUILD:-build}/tests/holdfds")
F=$FIX/11.1/exec-pc-devices
FT=$FIX/11.1/transfer-q35-memfd
holders=()
cleanup() {
    local p
    for p in "${holders[@]}"; do kill "$p" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT

# start_holder [VAR=VALUE...] -- HOLDFDS-ARGS...: sets $hp once it is ready
start_holder() {
    local envs=() out="$TMP/holder.$RANDOM" i
    while [ "$1" != "--" ]; do envs+=("$1"); shift; done
    shift
    env -i "${envs[@]}" "$HOLD" "$@" >"$out" 2>&1 &
    hp=$!
    holders+=("$hp")
    for i in $(seq 100); do
        grep -q '^ready' "$out" 2>/dev/null && return 0
        sleep 0.05
    done
    echo "# holdfds did not start: $(cat "$out")"
    return 1
}

stop_holder() { kill "$hp" 2>/dev/null; wait "$hp" 2>/dev/null; }

# holdfds arguments for the fixture's records: memfds named as in the
# wrapper's fd table (fds.txt), sized like the ramblocks' "used", except the
# fd numbers given (they are left out).
fixture_args() { # DIR [SKIP_FD...]
    python3 - "$@" <<'EOF'
import json, sys
d, skip = sys.argv[1], set(int(x) for x in sys.argv[2:])
t = json.load(open(d + "/truth.json"))
used = {r["name"]: r["used"] for r in t["ramblocks"]}
links = {}
for line in open(d + "/fds.txt"):
    n, _, link = line.rstrip("\n").split(" ", 2)
    links[int(n)] = link
for r in t["cpr_fds"]:
    if r["fd"] in skip:
        continue
    name = links[r["fd"]][len("/memfd:"):-len(" (deleted)")]
    print("--memfd")
    print("%d:%d:%s" % (r["fd"], used[r["name"]], name))
EOF
}

# py EXPR: evaluates EXPR with d = the JSON document in $out
py() {
    python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$out" "$1"
}

# schema_ok DESC: $out validates against formats/cprdump.schema.json
schema_ok() {
    check "$1" /usr/bin/python3 -c '
import json, sys, jsonschema
jsonschema.validate(json.loads(sys.argv[2]), json.load(open(sys.argv[1])))' \
        "$REPO/formats/cprdump.schema.json" "$out"
}

fdpos() { sed -n 's/^pos:\t*//p' "/proc/$1/fdinfo/$2"; }

mapfile -t ARGS < <(fixture_args "$F")
mapfile -t TRUTH_RECORDS < <(python3 -c '
import json,sys
for r in sorted(json.load(open(sys.argv[1]))["cpr_fds"], key=lambda r: r["fd"]):
    print(r["name"], r["id"], r["fd"])' "$F/truth.json")
SIZES=$(python3 -c '
import json,sys
t=json.load(open(sys.argv[1]))
u={r["name"]: r["used"] for r in t["ramblocks"]}
print(sorted((r["fd"], u[r["name"]]) for r in t["cpr_fds"]))' "$F/truth.json")

# records as (name id fd) lines sorted by fd, from the JSON in $out
records() {
    py '"\n".join("%s %d %d" % (f["name"], f["id"], f["fd"]) for f in sorted(d["cpr-state"]["fds"], key=lambda f: f["fd"]))'
}

# --- 1. all ok, pidfd_getfd -------------------------------------------------
start_holder QEMU_CPR_EXEC_STATE=33 -- --state "33:$F/state.bin" "${ARGS[@]}" \
    --cloexec 13
pos_before=$(fdpos "$hp" 33)
run_cprdump --pid "$hp" --json --check
expect_eq "all ok: exit 0 with --check" "$rc" 0
schema_ok "all ok: JSON matches the schema"
expect_eq "all ok: state fd offset before (QEMU leaves it at the end)" \
    "$pos_before" 347
expect_eq "all ok: state fd offset unchanged by cprdump" "$(fdpos "$hp" 33)" 347
expect_eq "all ok: verdicts" "$(py 'd["cpr-state"]["live"]["verdicts"]')" \
    "{'ok': 10, 'missing': 0, 'unexpected-kind': 0}"
expect_eq "all ok: pid" "$(py 'd["cpr-state"]["live"]["pid"]')" "$hp"
expect_eq "all ok: comm" "$(py 'd["cpr-state"]["live"]["comm"]')" holdfds
expect_eq "all ok: state-fd" "$(py 'd["cpr-state"]["live"]["state-fd"]')" 33
expect_eq "all ok: state-link" "$(py 'd["cpr-state"]["live"]["state-link"]')" \
    "/memfd:QEMU_CPR_EXEC_STATE (deleted)"
expect_eq "all ok: picked-by" "$(py 'd["cpr-state"]["live"]["picked-by"]')" \
    "environ QEMU_CPR_EXEC_STATE=33"
expect_eq "all ok: method" "$(py 'd["cpr-state"]["live"]["method"]')" \
    pidfd_getfd
expect_eq "all ok: input label" "$(py 'd["cpr-state"]["input"]')" \
    "pid $hp fd 33"
expect_eq "all ok: records equal truth.json cpr_fds" "$(records)" \
    "$(printf '%s\n' "${TRUTH_RECORDS[@]}")"
expect_eq "all ok: memfd sizes equal the ramblocks' used" \
    "$(py 'sorted((f["fd"], f["live"]["size"]) for f in d["cpr-state"]["fds"])')" \
    "$SIZES"
expect_eq "all ok: ram0 at fd 13 is the memory-backend-memfd memfd" \
    "$(py '[(f["live"]["memfd-name"], f["live"]["link"], f["live"]["reason"]) for f in d["cpr-state"]["fds"] if f["fd"] == 13]')" \
    "[('memory-backend-memfd', '/memfd:memory-backend-memfd (deleted)', 'memfd of a memory-backend-memfd object')]"
expect_eq "all ok: cloexec true only on fd 13" \
    "$(py 'sorted(f["fd"] for f in d["cpr-state"]["fds"] if f["live"]["cloexec"])')" \
    "[13]"
expect_eq "all ok: vga.vram memfd name" \
    "$(py '[f["live"]["memfd-name"] for f in d["cpr-state"]["fds"] if f["fd"] == 23]')" \
    "['0000:00:02.0/vga.vram']"
run_cprdump --pid "$hp"
check "all ok: human verdicts line" \
    grep -qx 'verdicts     10 ok, 0 missing, 0 unexpected-kind' <<<"$out"
check "all ok: human live line" grep -qx \
    "live         pid $hp (holdfds), state fd 33 (environ QEMU_CPR_EXEC_STATE=33), method pidfd_getfd" \
    <<<"$out"
check "all ok: human row for pc.bios" grep -qE \
    '^ +8 +0x106 pc\.bios +0 21 rom .*/memfd:pc\.bios \(deleted\) +256\.0.KiB no +ok ' \
    <<<"$out"

# --- 2. the same through /proc/PID/fd/N -------------------------------------
out=$(CPRDUMP_LIVE_METHOD=proc-open "$CPRDUMP" --pid "$hp" --json --check)
rc=$?
expect_eq "proc-open: exit 0" "$rc" 0
expect_eq "proc-open: method" "$(py 'd["cpr-state"]["live"]["method"]')" \
    proc-open
expect_eq "proc-open: verdicts" "$(py 'd["cpr-state"]["live"]["verdicts"]')" \
    "{'ok': 10, 'missing': 0, 'unexpected-kind': 0}"
expect_eq "proc-open: state fd offset unchanged" "$(fdpos "$hp" 33)" 347
stop_holder

# --- 2a. the process exits mid-read: exit 9 ----------------------------------
# tests/preload/vanish.c kills the holder at cprdump's first pread of the state
# memfd and waits for it to exit: the state reads fine (cprdump holds its own
# fd), the cross-check finds the process gone.
VANISH=$(realpath "${BUILD:-build}/tests/vanish.so")
for method in pidfd_getfd proc-open; do
    start_holder QEMU_CPR_EXEC_STATE=33 -- --state "33:$F/state.bin" "${ARGS[@]}"
    out=$(CPRDUMP_LIVE_METHOD=$method CPRDUMP_TEST_VANISH_PID=$hp \
          LD_PRELOAD=$VANISH ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
          "$CPRDUMP" --pid "$hp" --json 2>"$TMP/stderr")
    rc=$?
    expect_eq "vanished ($method): exit 9" "$rc" 9
    expect_eq "vanished ($method): message" "$(cat "$TMP/stderr")" \
        "cprdump: pid $hp (holdfds): the process exited while it was being read"
    expect_eq "vanished ($method): JSON error" \
        "$(py '(d["error"]["code"], d["error"]["exit-code"])')" "('vanished', 9)"
    expect_eq "vanished ($method): the state decoded so far is kept" \
        "$(py 'len(d["cpr-state"]["fds"])')" 10
    schema_ok "vanished ($method): JSON matches the schema"
    stop_holder
done

# --- 2b. --save from a live process keeps the live context --------------------
mapfile -t ARGS_SAVE < <(fixture_args "$F" 21)
start_holder QEMU_CPR_EXEC_STATE=33 -- --state "33:$F/state.bin" "${ARGS_SAVE[@]}"
run_cprdump --pid "$hp" --save "$TMP/live.zst"
live_human=$out
run_cprdump --pid "$hp" --json
live_json=$out
stop_holder
run_cprdump --json "$TMP/live.zst"
expect_eq "capture of --pid: source kind, pid, comm, env" \
    "$(py '(d["capture"]["source"]["kind"], d["capture"]["source"]["pid"], d["capture"]["source"]["comm"], d["capture"]["source"]["env"], d["capture"]["source"]["state-fd"])')" \
    "('pid', $hp, 'holdfds', 'QEMU_CPR_EXEC_STATE=33', 33)"
expect_eq "capture of --pid: cmdline of the process" \
    "$(py 'd["capture"]["source"]["cmdline"][0]')" "$HOLD"
expect_eq "capture of --pid: saved live verdicts as shown live (process gone)" \
    "$(py 'd["cpr-state"]["live"]')" \
    "$(out=$live_json; py 'd["cpr-state"]["live"]')"
expect_eq "capture of --pid: per-record live objects as shown live" \
    "$(py '[f["live"] for f in d["cpr-state"]["fds"]]')" \
    "$(out=$live_json; py '[f["live"] for f in d["cpr-state"]["fds"]]')"
run_cprdump "$TMP/live.zst"
expect_eq "capture of --pid: the human table is the live one, row for row" \
    "$(sed -n '/^POS/,$p' <<<"$out")" "$(sed -n '/^POS/,/^saved/p' <<<"$live_human" | grep -v '^saved')"
out=$("$CPRDUMP" --json - <"$TMP/live.zst")
schema_ok "capture of --pid: JSON matches the schema"

# --- 2c. --stream: join the live state with its stream, memfd sizes checked -----
start_holder QEMU_CPR_EXEC_STATE=33 -- --state "33:$F/state.bin" "${ARGS[@]}"
run_cprdump --pid "$hp" --stream "$F/main.bin" --json --check
# the holder maps none of its memfds: ram0 (a backend) stays fd-recorded
expect_eq "--stream: exit 0, every block carried by a big enough memfd" \
    "$rc:$(py 'sorted({(b["verdict"], b["fd-size-check"]) for b in d["ram-join"]["blocks"]})')" \
    "0:[('fd-recorded', 'ok'), ('preserved-by-fd', 'ok')]"
expect_eq "--stream: ram0's memfd size is its used_length" \
    "$(py '[b["fd-size"] for b in d["ram-join"]["blocks"] if b["idstr"] == "ram0"]')" \
    "[268435456]"
schema_ok "--stream: JSON matches the schema"
stop_holder
mapfile -t ARGS_SMALL < <(fixture_args "$F" 13)
start_holder QEMU_CPR_EXEC_STATE=33 -- --state "33:$F/state.bin" "${ARGS_SMALL[@]}" \
    --memfd "13:1048576:memory-backend-memfd"
run_cprdump --pid "$hp" --stream "$F/main.bin" --json --check
expect_eq "--stream: a 1 MiB memfd for 256 MiB ram0 is too small, --check exit 1" \
    "$rc:$(py '[(b["idstr"], b["fd-size"], b["fd-size-check"]) for b in d["ram-join"]["blocks"] if b["fd-size-check"] != "ok"]')" \
    "1:[('ram0', 1048576, 'too-small')]"
check "--stream: says so on stderr" grep -q 'RAM block "ram0": its memfd holds 1048576 bytes, less than used_length 268435456' <<<"$err"
stop_holder
run_cprdump --stream "$F/main.bin" "$F/state.bin"
expect_eq "--stream without --pid/--fd: usage error" "$rc" 2

# --- 3. some missing ---------------------------------------------------------
mapfile -t ARGS_MISSING < <(fixture_args "$F" 21 30)
start_holder QEMU_CPR_EXEC_STATE=33 -- --state "33:$F/state.bin" \
    "${ARGS_MISSING[@]}"
run_cprdump --pid "$hp" --json
expect_eq "missing: exit 0 without --check" "$rc" 0
expect_eq "missing: verdicts" "$(py 'd["cpr-state"]["live"]["verdicts"]')" \
    "{'ok': 8, 'missing': 2, 'unexpected-kind': 0}"
expect_eq "missing: which" \
    "$(py 'sorted((f["fd"], f["name"], f["live"]["link"]) for f in d["cpr-state"]["fds"] if f["live"]["verdict"] == "missing")')" \
    "[(21, 'pc.bios', None), (30, '/rom@etc/acpi/rsdp', None)]"
expect_eq "missing: reason" \
    "$(py '[f["live"]["reason"] for f in d["cpr-state"]["fds"] if f["fd"] == 21][0]')" \
    "fd 21 is not open: the new QEMU would not find it"
run_cprdump --pid "$hp" --json --check
expect_eq "missing: --check exits 1" "$rc" 1
expect_eq "missing: --check says why on stderr" "$err" \
    "cprdump: pid $hp fd 33: check failed: 2 missing, 0 unexpected-kind (of 10 fd records)"
stop_holder

# --- 4. wrong kinds ----------------------------------------------------------
mapfile -t ARGS_WRONG < <(fixture_args "$F" 22 25 27 28)
start_holder QEMU_CPR_EXEC_STATE=33 -- --state "33:$F/state.bin" \
    "${ARGS_WRONG[@]}" --pipe 22 --null 28 \
    --memfd "25:65536:0000:00:02.0/vga.vram" \
    --memfd "27:262144:memory-backend-memfd"
run_cprdump --pid "$hp" --json --check
expect_eq "wrong kind: --check exits 1" "$rc" 1
schema_ok "wrong kind: JSON matches the schema"
expect_eq "wrong kind: verdicts" "$(py 'd["cpr-state"]["live"]["verdicts"]')" \
    "{'ok': 6, 'missing': 0, 'unexpected-kind': 4}"
expect_eq "wrong kind: the four records" \
    "$(py 'sorted((f["fd"], f["live"]["verdict"]) for f in d["cpr-state"]["fds"] if f["live"]["verdict"] != "ok")')" \
    "[(22, 'unexpected-kind'), (25, 'unexpected-kind'), (27, 'unexpected-kind'), (28, 'unexpected-kind')]"
expect_eq "wrong kind: /dev/null at a ROM's number" \
    "$(py '[(f["live"]["link"], f["live"]["reason"]) for f in d["cpr-state"]["fds"] if f["fd"] == 28][0]')" \
    "('/dev/null', 'a rom record needs a memfd or POSIX shm, fd 28 is a character device: /dev/null')"
check "wrong kind: a pipe at pc.rom's number" python3 -c '
import json,sys,re
f=[f for f in json.loads(sys.argv[1])["cpr-state"]["fds"] if f["fd"] == 22][0]["live"]
assert re.fullmatch(r"pipe:\[\d+\]", f["link"]), f
assert f["reason"].startswith("a rom record needs a memfd or POSIX shm, fd 22 is a FIFO or pipe: pipe:["), f
assert f["size"] is None and f["memfd-name"] is None, f' "$out"
expect_eq "wrong kind: memfd with another record's name" \
    "$(py '[f["live"]["reason"] for f in d["cpr-state"]["fds"] if f["fd"] == 25][0]')" \
    'memfd named "0000:00:02.0/vga.vram", but a rom record "0000:00:02.0/vga.rom" needs a memfd named like the record'
expect_eq "wrong kind: a ROM may not use the backend memfd name" \
    "$(py '[f["live"]["reason"] for f in d["cpr-state"]["fds"] if f["fd"] == 27][0]')" \
    'memfd named "memory-backend-memfd", but a rom record "0000:00:04.0/e1000.rom" needs a memfd named like the record'
stop_holder

# --- 5. several state memfds: environ picks ---------------------------------
start_holder QEMU_CPR_EXEC_STATE=26 -- --state "26:$FIX/11.1/exec-q35-memfd/state.bin" \
    --state "33:$F/state.bin"
run_cprdump --pid "$hp" --json
expect_eq "two states, environ 26: picked-by" \
    "$(py 'd["cpr-state"]["live"]["picked-by"]')" "environ QEMU_CPR_EXEC_STATE=26"
expect_eq "two states, environ 26: read fd 26 (6 records)" \
    "$(py '(d["cpr-state"]["live"]["state-fd"], d["cpr-state"]["fd-count"])')" \
    "(26, 6)"
stop_holder
start_holder -- --state "26:$FIX/11.1/exec-q35-memfd/state.bin" \
    --state "33:$F/state.bin"
run_cprdump --pid "$hp" --json
expect_eq "two states, no environ: the highest, and says so" \
    "$(py '(d["cpr-state"]["live"]["state-fd"], d["cpr-state"]["live"]["picked-by"])')" \
    "(33, 'highest of fds 26, 33 (no QEMU_CPR_EXEC_STATE in environ)')"
stop_holder

# --- 6. --fd inside a wrapper ------------------------------------------------
out=$("$HOLD" --state "33:$F/state.bin" "${ARGS[@]}" -- \
      env QEMU_CPR_EXEC_STATE=33 "$CPRDUMP" --fd --json --check)
rc=$?
expect_eq "--fd in a wrapper: exit 0 with --check" "$rc" 0
expect_eq "--fd in a wrapper: live" \
    "$(py '[d["cpr-state"]["live"][k] for k in ("self", "comm", "state-fd", "picked-by", "method")]')" \
    "[True, 'cprdump', 33, 'environ QEMU_CPR_EXEC_STATE=33', 'inherited']"
expect_eq "--fd in a wrapper: verdicts" \
    "$(py 'd["cpr-state"]["live"]["verdicts"]')" \
    "{'ok': 10, 'missing': 0, 'unexpected-kind': 0}"
expect_eq "--fd in a wrapper: records equal truth.json" "$(records)" \
    "$(printf '%s\n' "${TRUTH_RECORDS[@]}")"
check "--fd leaves the inherited fd's offset where it was" python3 - \
    "$CPRDUMP" "$F/state.bin" <<'EOF'
import os, subprocess, sys
fd = os.open(sys.argv[2], os.O_RDONLY)
os.lseek(fd, 100, os.SEEK_SET)
r = subprocess.run([sys.argv[1], "--fd", str(fd)], pass_fds=[fd],
                   stdout=subprocess.DEVNULL)
assert r.returncode == 0, r
assert os.lseek(fd, 0, os.SEEK_CUR) == 100
EOF
out=$(exec 7<"$F/state.bin"; "$CPRDUMP" --fd 7 --json --check 2>"$TMP/stderr")
rc=$?
expect_eq "--fd 7 from a file, records not held: exit 1 with --check" "$rc" 1
expect_eq "--fd 7 from a file: picked-by, link" \
    "$(py '(d["cpr-state"]["live"]["picked-by"], d["cpr-state"]["live"]["state-link"])')" \
    "('--fd 7', '$(realpath "$F/state.bin")')"
expect_eq "--fd 7 from a file: all 10 missing" \
    "$(py 'd["cpr-state"]["live"]["verdicts"]')" \
    "{'ok': 0, 'missing': 10, 'unexpected-kind': 0}"
out=$(env -u QEMU_CPR_EXEC_STATE "$CPRDUMP" --fd 2>"$TMP/stderr")
expect_eq "--fd without \$QEMU_CPR_EXEC_STATE: exit 8" "$?" 8
expect_eq "--fd without \$QEMU_CPR_EXEC_STATE: message" "$(cat "$TMP/stderr")" \
    "cprdump: --fd: no fd number given and QEMU_CPR_EXEC_STATE is not set"
run_cprdump --fd 57
expect_eq "--fd 57 not open: exit 8" "$rc" 8
expect_eq "--fd 57 not open: message" "$err" \
    "cprdump: fd 57: not open in this process (--fd 57)"
out=$(: | timeout 10 "$CPRDUMP" --fd 0 2>"$TMP/stderr")
expect_eq "--fd on a pipe: exit 3, no blocking" "$?" 3
check "--fd on a pipe: message" grep -q \
    '^cprdump: fd 0: is a FIFO or pipe (pipe:\[[0-9]*\]): --fd reads a memfd or a regular file' \
    "$TMP/stderr"

# --- 7. cpr-transfer: no fd numbers, no cross-check -------------------------
out=$(exec 7<"$FT/state.bin"; "$CPRDUMP" --fd 7 --json --check 2>"$TMP/stderr")
rc=$?
expect_eq "cpr-transfer --fd: exit 0 (nothing to check)" "$rc" 0
schema_ok "cpr-transfer --fd: JSON matches the schema"
expect_eq "cpr-transfer --fd: cross-check false, verdicts null" \
    "$(py '(d["cpr-state"]["mode"], d["cpr-state"]["live"]["cross-check"], d["cpr-state"]["live"]["verdicts"])')" \
    "('cpr-transfer', False, None)"
check "cpr-transfer --fd: note says why" python3 -c '
import json,sys
n=json.loads(sys.argv[1])["cpr-state"]["live"]["note"]
assert n.startswith("cpr-transfer state: the fds travelled by SCM_RIGHTS"), n
assert "cannot be cross-checked" in n, n' "$out"
check "cpr-transfer --fd: no live keys per fd" python3 -c '
import json,sys
assert all("live" not in f for f in json.loads(sys.argv[1])["cpr-state"]["fds"])' "$out"

# --- 8. errors ---------------------------------------------------------------
sh -c 'exit 0' &
gone=$!
wait "$gone"
run_cprdump --pid "$gone" --json
expect_eq "no such process: exit 6" "$rc" 6
expect_eq "no such process: message" "$err" "cprdump: pid $gone: no such process"
expect_eq "no such process: JSON error" \
    "$(py '(d["error"]["code"], d["error"]["exit-code"])')" "('no-process', 6)"

# a zombie: the parent forks a child that exits at once and never reaps
# it (a shell would: it reaps background jobs, which made this racy)
python3 -c '
import os, sys, time
pid = os.fork()
if pid == 0:
    os._exit(0)
open(sys.argv[1], "w").write(str(pid))
time.sleep(30)' "$TMP/zpid" &
zparent=$!
holders+=("$zparent")
for i in $(seq 200); do
    zpid=$(cat "$TMP/zpid" 2>/dev/null)
    [ -n "$zpid" ] && [ "$(awk '{print $3}' "/proc/$zpid/stat" 2>/dev/null)" = Z ] && break
    sleep 0.05
done
zcomm=$(cat "/proc/$zpid/comm")
run_cprdump --pid "$zpid"
expect_eq "zombie: exit 6" "$rc" 6
expect_eq "zombie: message" "$err" \
    "cprdump: pid $zpid ($zcomm): no such process (it has exited and is a zombie)"
kill "$zparent"

sleep 30 &
spid=$!
holders+=("$spid")
for i in $(seq 100); do  # until the fork has exec'd sleep
    [ "$(cat "/proc/$spid/comm")" = sleep ] && break
    sleep 0.05
done
run_cprdump --pid "$spid" --json
expect_eq "no state (sleep): exit 8" "$rc" 8
check "no state (sleep): names the comm and what it looked for" grep -q \
    "^cprdump: pid $spid (sleep): holds no CPR state memfd: none of its [0-9]* fds links to /memfd:QEMU_CPR_EXEC_STATE (no QEMU_CPR_EXEC_STATE in its environ)" \
    <<<"$err"
expect_eq "no state: JSON error code" "$(py 'd["error"]["code"]')" no-state
schema_ok "no state: JSON error matches the schema"

# The environ names a FIFO: refused without opening it (never blocks).
start_holder QEMU_CPR_EXEC_STATE=9 -- --fifo "9:$TMP/fifo" "${ARGS[@]}"
out=$(timeout 10 "$CPRDUMP" --pid "$hp" 2>"$TMP/stderr")
rc=$?
expect_eq "FIFO at the environ's number: exit 8 (did not block)" "$rc" 8
# (how many fds the holder has depends on what the runner passed down)
expect_eq "FIFO at the environ's number: message" \
    "$(sed -E 's/none of its [0-9]+ fds/none of its N fds/' "$TMP/stderr")" \
    "cprdump: pid $hp (holdfds): holds no CPR state memfd: none of its N fds links to /memfd:QEMU_CPR_EXEC_STATE (environ QEMU_CPR_EXEC_STATE=9 but fd 9 is a FIFO or pipe ($TMP/fifo)); no other readable process holds one either"

# Permission: another user without CAP_SYS_PTRACE.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
          "$CPRDUMP" --pid "$hp" 2>"$TMP/stderr")
    rc=$?
    victim=$hp
else
    out=$("$CPRDUMP" --pid 1 2>"$TMP/stderr")
    rc=$?
    victim=1
fi
expect_eq "permission denied: exit 7" "$rc" 7
check "permission denied: says ptrace read access is needed" grep -q \
    "^cprdump: pid $victim (.*): cannot list /proc/$victim/fd: Permission denied; ptrace read access is needed (same user, or CAP_SYS_PTRACE)$" \
    "$TMP/stderr"
stop_holder

run_cprdump --pid 12x
expect_eq "--pid 12x: usage error" "$rc" 2
run_cprdump --pid 1 "$F/state.bin"
expect_eq "--pid with FILE: usage error" "$rc" 2

tap_done
