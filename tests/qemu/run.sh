#!/bin/bash
# Real-QEMU tests: tests/qemu/run.sh CPRDUMP_BINARY
# Provisions QEMU 11.1 (scripts/provision-qemu.sh), runs every scenario against it and
# Debian 12's own QEMU 7.2, checks cprdump against QEMU's own report, prints TAP.
# Runs are left in ${CPRDUMP_QEMU_OUT:-/tmp/cprdump-qemu-runs}/<run-name>/.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cprdump=${1:?usage: tests/qemu/run.sh CPRDUMP_BINARY}
out=${CPRDUMP_QEMU_OUT:-/tmp/cprdump-qemu-runs}
t0=$SECONDS

bail() { echo "not ok 1 - $*"; echo "1..1"; exit 1; }

case $cprdump in /*) ;; *) cprdump=$PWD/$cprdump ;; esac
[ -x "$cprdump" ] || bail "cprdump binary $cprdump is not executable"
command -v python3 >/dev/null || bail "python3 is missing (apt-get install python3)"
[ -x "${QEMU72_BIN:-/usr/bin/qemu-system-x86_64}" ] ||
    bail "Debian 12's QEMU 7.2 is missing: apt-get install qemu-system-x86"

echo "# provisioning QEMU 11.1 (scripts/provision-qemu.sh)"
envfile=$(mktemp) || bail "mktemp"
provlog=$(mktemp) || bail "mktemp"
trap 'rm -f "$envfile" "$provlog"' EXIT
"$repo/scripts/provision-qemu.sh" --env 2>&1 >"$envfile" | tee "$provlog" | sed -u 's/^/# /'
[ "${PIPESTATUS[0]}" = 0 ] ||
    bail "provisioning QEMU 11.1 failed: $(grep FAILED "$provlog" | tail -1)"
set -a
# shellcheck source=/dev/null
. "$envfile"
set +a
echo "# provisioned in $((SECONDS - t0)) s: $QEMU11_VERSION"
echo "# provisioning QEMU 10.0 (scripts/provision-qemu10.sh)"
env10=$(flock /tmp/cprdump-provision.lock "$repo/scripts/provision-qemu10.sh" --env 2> >(sed -u 's/^/# /')) ||
    bail "provisioning QEMU 10.0 failed"
set -a
eval "$env10"
set +a
echo "# $QEMU10_VERSION"
mkdir -p "$out" || bail "cannot create $out"
echo "# runs are left in $out/<run-name>/"
python3 "$here/suite.py" "$cprdump" "$out" "${@:2}"
rc=$?
echo "# total $((SECONDS - t0)) s (provisioning included)"
exit $rc
