# SPDX-License-Identifier: GPL-2.0-or-later
# The man page renders cleanly and lists exactly the options of --help;
# make install/uninstall honour DESTDIR and the directory variables; the bash
# completion completes options, values and files.
source "$(dirname "$0")/../lib.sh"
MAN=$REPO/doc/cprdump.1

warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$MAN" 2>&1 >/dev/null)
expect_eq "man -l renders without warnings" "$warnings" ""
help_opts=$("$CPRDUMP" --help | grep -oE -- '--[a-z][a-z-]*' | sort -u)
man_opts=$(sed 's/\\-/-/g' "$MAN" | grep -oE -- '--[a-z][a-z-]*' | sort -u)
expect_eq "every --help option is in the man page, and the other way round" \
    "$(echo $man_opts)" "$(echo $help_opts)"
codes_help=$("$CPRDUMP" --help | grep -cE '^  [0-9]  ')
codes_man=$(grep -cE '^\.B [0-9]$' "$MAN")
expect_eq "--help and the man page list the same number of exit codes" \
    "$codes_man" "$codes_help"
check "--help is GNU style (Usage line first)" \
    bash -c "'$CPRDUMP' --help | head -1 | grep -q '^Usage:'"

dest=$TMP/dest
make -s -C "$REPO" install DESTDIR="$dest" PREFIX=/usr MANDIR=/usr/share/man \
    BINDIR=/usr/sbin >/dev/null 2>&1
check "install: binary in BINDIR" test -x "$dest/usr/sbin/cprdump"
check "install: man page in MANDIR" test -f "$dest/usr/share/man/man1/cprdump.1"
check "install: bash completion" \
    test -f "$dest/usr/share/bash-completion/completions/cprdump"
check "install: binary is not stripped" \
    bash -c "file '$dest/usr/sbin/cprdump' | grep -q 'not stripped'"
make -s -C "$REPO" uninstall DESTDIR="$dest" PREFIX=/usr MANDIR=/usr/share/man \
    BINDIR=/usr/sbin >/dev/null 2>&1
expect_eq "uninstall removes every file" "$(find "$dest" -type f | wc -l)" 0

PATH=$(dirname "$CPRDUMP"):$PATH
export PATH
check "completion: --js completes to --json" \
    grep -q -- '--json' <<<"$(complete_words cprdump --js)"
expect_eq "completion: --mode values" "$(complete_words cprdump --mode '')" \
    "auto exec transfer "
expect_eq "completion: --output values" "$(complete_words cprdump -o '')" \
    "human json "
cp /bin/sleep "$TMP/qemu-system-x86_64"
"$TMP/qemu-system-x86_64" 30 &
qpid=$!
for i in $(seq 100); do  # until the fork has exec'd it (comm is cut to 15)
    [ "$(cat "/proc/$qpid/comm" 2>/dev/null)" = qemu-system-x86 ] && break
    sleep 0.05
done
first=$(bash -c 'source /usr/share/bash-completion/bash_completion
    source "$1"; COMP_WORDS=(cprdump --pid ""); COMP_CWORD=2
    COMP_LINE="cprdump --pid "; COMP_POINT=${#COMP_LINE}
    _cprdump cprdump; printf "%s\n" "${COMPREPLY[@]}"' _ \
    "$REPO/completion/cprdump.bash" 2>/dev/null)
kill "$qpid" 2>/dev/null
check "completion: --pid offers the QEMU process ($qpid) among the first" \
    bash -c "head -n 5 <<<'$first' | grep -qx '$qpid'"
check "completion: --pid also offers other processes ($$)" grep -qx "$$" <<<"$first"
# No package-archive host in the repository: the QEMU provisioning takes its
# mirror from the machine's apt sources (or CPRDUMP_DEBIAN_MIRROR).
hosts=$(git -C "$REPO" grep -nIE 'https?://[^ "]*(debian|ubuntu)[^ "]*' -- . \
    ':!tests/fuzz/corpus' 2>/dev/null | head -3)
expect_eq "no package-archive URL anywhere in the repository" "$hosts" ""
mirror=$(bash -c 'source <(sed -n "/^apt_mirror()/,/^}/p" "$1"); apt_mirror | head -1' _ \
    "$REPO/scripts/provision-qemu.sh")
want=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' /etc/apt/sources.list.d/*.sources \
    2>/dev/null | head -1)
[ -n "$want" ] || want=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/) { print $i; exit } }' \
    /etc/apt/sources.list 2>/dev/null)
expect_eq "provision-qemu takes the mirror from this machine's apt sources" "$mirror" "$want"
# Every ```console block of doc/device-state.md: "$ command" then its exact
# output, run from the repository root with this build's cprdump.
doc_blocks() { # FILE: runs each block, one TAP line per block
    python3 - "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
for i, b in enumerate(re.findall(r"```console\n(.*?)```", text, re.S)):
    cmd, _, want = b.partition("\n")
    assert cmd.startswith("$ "), cmd
    open(f"{sys.argv[1]}.{i}.cmd", "w").write(cmd[2:] + "\n")
    open(f"{sys.argv[1]}.{i}.want", "w").write(want)
PY
}
cp "$REPO/doc/device-state.md" "$TMP/device-state.md"
doc_blocks "$TMP/device-state.md"
for c in "$TMP"/device-state.md.*.cmd; do
    got=$(cd "$REPO" && PATH=$(dirname "$CPRDUMP"):$PATH bash -o pipefail "$c" 2>&1)
    want=$(cat "${c%.cmd}.want")
    expect_eq "doc/device-state.md: $(head -c 70 "$c")" "$got" "$want"
done

tap_done
