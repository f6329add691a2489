# SPDX-License-Identifier: GPL-2.0-or-later
# TAP helpers for shell tests. Source it; call tap_done at the end.
# $CPRDUMP is the binary under test; $FIX the real QEMU fixtures.
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${CPRDUMP:=$REPO/build/cprdump}"
CPRDUMP=$(realpath "$CPRDUMP")
FIX=${CPRDUMP_FIXTURES:-$(realpath "$REPO/../shared/fixtures/qemu")}
SYN=$REPO/tests/fixtures/synthetic
# Human output depends on the locale (non-ASCII is escaped outside UTF-8):
# expected texts are in C.UTF-8; tests that need another locale set it.
export LC_ALL=C.UTF-8
TMP=$(mktemp -d /tmp/cprdump-t.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
_n=0
_fail=0

ok() { _n=$((_n + 1)); echo "ok $_n - $*"; }
not_ok() { _n=$((_n + 1)); _fail=$((_fail + 1)); echo "not ok $_n - $*"; }

# check DESC: runs the rest as a command; ok if it succeeds
check() {
    local desc=$1
    shift
    if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# run_cprdump ARGS...: sets $out $err $rc
run_cprdump() {
    out=$("$CPRDUMP" "$@" 2>"$TMP/stderr")
    rc=$?
    err=$(cat "$TMP/stderr")
}

# jq-like: jget JSON PYEXPR   (d is the document)
jget() {
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$2" <<<"$1"
}

expect_eq() { # desc got want
    if [ "$2" == "$3" ]; then ok "$1"; else not_ok "$1 (got '$2', want '$3')"; fi
}

# complete_words WORD...: what bash completion (completion/cprdump.bash)
# offers for the last word, sorted, space-separated
complete_words() { # line... -> completions
    bash -c 'source /usr/share/bash-completion/bash_completion
        source "$1"; shift
        COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
        _cprdump cprdump; printf "%s\n" "${COMPREPLY[@]}"' _ \
        "$REPO/completion/cprdump.bash" "$@" 2>/dev/null | sort | tr '\n' ' '
}

tap_done() {
    echo "1..$_n"
    [ "$_fail" -eq 0 ]
}
