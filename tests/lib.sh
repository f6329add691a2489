# SPDX-License-Identifier: GPL-2.0-or-later
# TAP helpers for shell tests. Source it; call tap_done at the end.
# $CPRDUMP is the binary under test; $FIX the real QEMU fixtures.
: "${CPRDUMP:=build/cprdump}"
FIX=${CPRDUMP_FIXTURES:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/../shared/fixtures/qemu}
SYN=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/fixtures/synthetic
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
    python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"
}

expect_eq() { # desc got want
    if [ "$2" == "$3" ]; then ok "$1"; else not_ok "$1 (got '$2', want '$3')"; fi
}

tap_done() {
    echo "1..$_n"
    [ "$_fail" -eq 0 ]
}
