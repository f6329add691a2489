#!/bin/bash
# Real libvirt tests: tests/libvirt/run.sh CPRDUMP_BINARY
# Debian 12's libvirt 9.0 (libvirtd and virtlogd started here, privately, and
# stopped by pid) saves TCG domains of Debian 12's QEMU 7.2 in every
# save_image_format, managedsave and an external snapshot's memory file; the
# saves are checked against virsh dumpxml, info ramblock and the compressor
# programs. Prints TAP. Files are left in ${CPRDUMP_QEMU_OUT:-/tmp/cprdump-qemu-runs}/libvirt/.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cprdump=${1:?usage: tests/libvirt/run.sh CPRDUMP_BINARY}
case $cprdump in /*) ;; *) cprdump=$PWD/$cprdump ;; esac
out=${CPRDUMP_QEMU_OUT:-/tmp/cprdump-qemu-runs}/libvirt
bail() { echo "not ok 1 - $*"; echo "1..1"; exit 1; }
for p in libvirtd virtlogd virsh unshare; do
    command -v "$p" >/dev/null ||
        bail "$p is missing (scripts/install-deps.sh installs libvirt-daemon-system libvirt-clients)"
done
[ "$(id -u)" = 0 ] || bail "the libvirt tests run libvirtd as root (in their own mount namespace)"
rm -rf "$out"
mkdir -p "$out" || bail "cannot create $out"
cd "$here" && exec python3 suite.py "$cprdump" "$out"
