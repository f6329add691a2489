#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The CPR state + stream join on real QEMU runs, and the stream CLI.
. "$(dirname "$0")/../lib.sh"

A=$FIX/11.1/exec-q35-anon
M=$FIX/11.1/exec-q35-memfd
X=$FIX/11.1/stream-pc-xignore

verdict() { # json idstr
    jget "$1" "[b['verdict'] for b in d['ram-join']['blocks'] if b['idstr']=='$2'][0]"
}

run_cprdump --json "$A/state.bin" "$A/main.bin"
expect_eq "anon: exit 0 without --check" "$rc" 0
expect_eq "anon: pc.ram lost" "$(verdict "$out" pc.ram)" lost
expect_eq "anon: the reason says a shared file backend cannot be told" \
    "$(jget "$out" "[b['reason'] for b in d['ram-join']['blocks'] if b['idstr']=='pc.ram'][0]")" \
    "no fd and no page: lost, unless it is a shared memory-backend-file that the new QEMU reopens by path, which a state and a stream cannot tell"
expect_eq "anon: lost-count 1" "$(jget "$out" "d['ram-join']['lost-count']")" 1
expect_eq "anon: pc.bios preserved by fd 18" \
    "$(jget "$out" "[(b['verdict'],b['fd'],b['match']) for b in d['ram-join']['blocks'] if b['idstr']=='pc.bios'][0]")" \
    "('preserved-by-fd', 18, 'exact')"
check "anon: stderr names pc.ram" grep -q '"pc.ram" (134217728 bytes) is lost: no fd and no page' <<<"$err"

run_cprdump --check --json "$A/main.bin" "$A/state.bin"
expect_eq "anon --check (stream first): exit 1" "$rc" 1
expect_eq "anon --check: still both objects" \
    "$(jget "$out" "'cpr-state' in d and 'stream' in d and 'ram-join' in d")" True

run_cprdump --check "$A/state.bin" "$A/main.bin"
expect_eq "anon --check human: exit 1" "$rc" 1
check "anon human: join table shows lost" grep -qE 'pc.ram .* lost ' <<<"$out"

run_cprdump --check --json "$M/state.bin" "$M/main.bin"
expect_eq "memfd --check: exit 0" "$rc" 0
# a memory-backend-memfd's record does not say share=: fd-recorded; ROMs, which
# QEMU records only as its own shared memfds, are preserved
expect_eq "memfd: ram0 fd-recorded, every ROM preserved by fd, counts" \
    "$(jget "$out" "sorted(set((b['idstr']=='ram0', b['verdict']) for b in d['ram-join']['blocks'])), d['ram-join']['fd-recorded-count'], d['ram-join']['preserved-count']")" \
    "([(False, 'preserved-by-fd'), (True, 'fd-recorded')], 1, 5)"
expect_eq "memfd: ram0 is matched exactly" \
    "$(jget "$out" "[b['match'] for b in d['ram-join']['blocks'] if b['idstr']=='ram0'][0]")" exact
expect_eq "memfd: no unmatched fd" \
    "$(jget "$out" "len(d['ram-join']['unmatched-fds'])")" 0

# cpr-exec: the memory backends (ram0; m0, m1) are fd-recorded, QEMU's own
# memfds preserved; cpr-transfer: all preserved (QEMU blocks it while a block
# is private: preflight-facts §2)
for r in exec-pc-devices:ram0 exec-numa-dimm:m0,m1,m2 transfer-pc-devices: transfer-q35-memfd:; do
    run_cprdump --check --json "$FIX/11.1/${r%%:*}/state.bin" "$FIX/11.1/${r%%:*}/main.bin"
    expect_eq "${r%%:*}: --check passes" "$rc" 0
    expect_eq "${r%%:*}: fd-recorded only [${r#*:}], every other block preserved by fd" \
        "$(jget "$out" "','.join(b['idstr'] for b in d['ram-join']['blocks'] if b['verdict']=='fd-recorded'), sorted(set(b['verdict'] for b in d['ram-join']['blocks'] if b['verdict']!='fd-recorded'))")" \
        "('${r#*:}', ['preserved-by-fd'])"
done

run_cprdump --json "$FIX/10.0/transfer-q35/state.bin" "$FIX/10.0/transfer-q35/main.bin"
expect_eq "10.0 transfer: exit 0" "$rc" 0
expect_eq "10.0 transfer: vga.vram preserved by fd" \
    "$(verdict "$out" 0000:00:01.0/vga.vram)" preserved-by-fd

run_cprdump --json "$A/main.bin" "$X/main.bin"
expect_eq "two streams: usage error" "$rc" 2

run_cprdump "$X/main.bin"
expect_eq "stream alone: exit 0" "$rc" 0
check "stream alone: sections table" grep -q '^ *0 start  *1 ram' <<<"$out"

# truncated stream: one error line with offset and field, partial result, exit 5
head -c 200000 "$X/main.bin" >"$TMP/cut.bin"
run_cprdump --json "$TMP/cut.bin"
expect_eq "cut stream: exit 5" "$rc" 5
expect_eq "cut stream: one stderr line" "$(wc -l <<<"$err")" 1
check "cut stream: message has offset and field" \
    grep -Eq 'truncated ram record [0-9]+ at offset 0x[0-9a-f]+: ' <<<"$err"
expect_eq "cut stream: partial RAM blocks" \
    "$(jget "$out" "len(d['stream']['ram']['blocks'])")" 6
expect_eq "cut stream: error object" "$(jget "$out" "d['error']['code']")" truncated

# no vmdesc (cut right after EOF): device sections still walked, all inferred
Q=$FIX/11.1/stream-q35-run/main.bin
run_cprdump --json "$Q"
eof=$(jget "$out" "d['stream']['eof-offset']")
head -c $((eof + 1)) "$Q" >"$TMP/novmdesc.bin"
run_cprdump --json "$TMP/novmdesc.bin"
expect_eq "no vmdesc: exit 0" "$rc" 0
expect_eq "no vmdesc: vmdesc absent" "$(jget "$out" "d['stream']['vmdesc']['present']")" False
expect_eq "no vmdesc: every full section inferred" \
    "$(jget "$out" "all(s['inferred'] and s['footer'] for s in d['stream']['sections'] if s['type']=='full')")" True

# zstd-compressed stream decodes the same
zstd -q -c "$Q" >"$TMP/q.zst" 2>/dev/null || python3 -c 1
if [ -s "$TMP/q.zst" ]; then
    run_cprdump --json "$TMP/q.zst"
    expect_eq "zstd stream: same EOF offset" "$(jget "$out" "d['stream']['eof-offset']")" "$eof"
fi

# --- what the bytes cannot tell, and what captures of a process can ------------
R=$REPO/tests/fixtures/real
rowof() { jget "$out" "[(b['verdict'], b['from-maps']) for b in d['ram-join']['blocks'] if b['idstr']=='ram0'][0]"; }
run_cprdump --json --check "$R/exec-q35-memfd-private/state.bin" "$R/exec-q35-memfd-private/main.bin.zst"
expect_eq "memfd share=off, bytes alone: ram0 fd-recorded (never called preserved), said to depend on the mapping; exit 0" \
    "$rc $(rowof) $(jget "$out" "[b['reason'] for b in d['ram-join']['blocks'] if b['idstr']=='ram0'][0]")" \
    "0 ('fd-recorded', None) an fd in the CPR state carries it if the old QEMU mapped it shared; a memory-backend-memfd with share=off is recorded too but its data is lost, which a state and a stream cannot tell (--pid, --fd or a capture can)"
for c in fd-capture:command-line pid-capture:mappings; do
    run_cprdump --json --check "$R/exec-q35-memfd-private/${c%%:*}.zst" "$R/exec-q35-memfd-private/main.bin.zst"
    expect_eq "memfd share=off, ${c%%:*}: ram0 lost (from the ${c##*:}), exit 1" \
        "$rc $(rowof) $(jget "$out" "d['ram-join']['facts'], d['ram-join']['lost-count']")" \
        "1 ('lost', True) ('${c##*:}', 1)"
done
check "memfd share=off, pid-capture: the stderr line says mapped private" \
    grep -q 'RAM block "ram0" (134217728 bytes) is lost: recorded in the CPR state, but its memfd is mapped private' <<<"$err"
run_cprdump --json --check "$R/exec-q35-file-shared/state.bin" "$R/exec-q35-file-shared/main.bin.zst"
expect_eq "file share=on, bytes alone: ram0 lost (unless a shared file backend), exit 1" \
    "$rc $(rowof)" "1 ('lost', None)"
for c in fd-capture:command-line pid-capture:mappings; do
    run_cprdump --json --check "$R/exec-q35-file-shared/${c%%:*}.zst" "$R/exec-q35-file-shared/main.bin.zst"
    expect_eq "file share=on, ${c%%:*}: ram0 preserved-by-path (from the ${c##*:}), exit 0" \
        "$rc $(rowof) $(jget "$out" "d['ram-join']['facts'], d['ram-join']['preserved-by-path-count'], d['ram-join']['lost-count']")" \
        "0 ('preserved-by-path', True) ('${c##*:}', 1, 0)"
done
check "file share=on: a warning that it is kept by its path" \
    grep -q 'warning: .*RAM block "ram0" has no fd and no page: kept by its path' <<<"$err"
tap_done
