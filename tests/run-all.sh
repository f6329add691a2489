#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs every TAP producer of the suite and ends with one line "N passed, N failed".
#   unit:  $BUILD/tests/test-*       (GTest binaries, --tap)
#   unit-san: $BUILD/san/tests/test-* (the same, built with ASan+UBSan by make check)
#   cli:   tests/cli/*.sh            (shell, TAP via tests/lib.sh)
#   truth: tests/truth/*.py          (python3, TAP)
#   qemu:  tests/qemu/run.sh         (real QEMU; skipped only if CPRDUMP_NO_QEMU=1)
#   libvirt: tests/libvirt/run.sh    (real libvirt 9.0 + QEMU 7.2; the same switch)
# Logs of every producer are kept in $CPRDUMP_TEST_LOGS (printed at the end).
set -u
cd "$(dirname "$0")/.."
: "${BUILD:=build}"
: "${CPRDUMP:=$BUILD/cprdump}"
CPRDUMP=$(realpath "$CPRDUMP")
export CPRDUMP BUILD
logs=${CPRDUMP_TEST_LOGS:-$(mktemp -d /tmp/cprdump-tests.XXXXXX)}
mkdir -p "$logs"
passed=0 failed=0

run_producer() { # name cmd...
    local name=$1 log="$logs/${1//\//_}.tap" rc p f
    shift
    "$@" >"$log" 2>"${log%.tap}.stderr"
    rc=$?
    p=$(grep -cE '^ok ' "$log")
    f=$(grep -cE '^not ok ' "$log")
    # a TODO line counts as neither
    local todo
    todo=$(grep -cE '^not ok .*# TODO' "$log")
    f=$((f - todo))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1
        echo "not ok - $name exited $rc without a failing test" >>"$log"
    fi
    if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
        f=1
        echo "not ok - $name ran no test" >>"$log"
    fi
    grep -E '^not ok ' "$log" | grep -v '# TODO' | sed "s|^|[$name] |"
    printf '%-28s %4d passed, %d failed\n' "$name" "$p" "$f"
    passed=$((passed + p))
    failed=$((failed + f))
}

for t in "$BUILD"/tests/test-*; do
    [ -x "$t" ] && run_producer "unit/$(basename "$t")" "$t" --tap
done
for t in "$BUILD"/san/tests/test-*; do
    [ -x "$t" ] &&
        run_producer "unit-san/$(basename "$t")" "$t" --tap
done
for t in tests/cli/*.sh; do
    [ -f "$t" ] && run_producer "cli/$(basename "$t" .sh)" bash "$t"
done
for t in tests/truth/[!_]*.py; do
    [ -f "$t" ] && run_producer "truth/$(basename "$t" .py)" python3 "$t"
done
if [ -x tests/qemu/run.sh ] && [ "${CPRDUMP_NO_QEMU:-0}" != 1 ]; then
    run_producer "qemu" tests/qemu/run.sh "$CPRDUMP"
fi
if [ -x tests/libvirt/run.sh ] && [ "${CPRDUMP_NO_QEMU:-0}" != 1 ]; then
    run_producer "libvirt" tests/libvirt/run.sh "$CPRDUMP"
fi
echo "logs: $logs"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
