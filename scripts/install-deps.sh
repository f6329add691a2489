#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs what cprdump needs to build and to run its whole test suite, from
# Debian 12's packages (run as root). The real-QEMU tests also provision QEMU 11.1
# themselves (scripts/provision-qemu.sh) on the first `make check`.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
pkgs=(
    build-essential pkg-config          # gcc, make
    libglib2.0-dev libjson-c-dev libzstd-dev libsmartcols-dev
    zlib1g-dev libbz2-dev liblzma-dev liblzo2-dev   # decompression
    libglib2.0-dev libjson-c-dev libzstd-dev libsmartcols-dev zlib1g-dev
    clang libclang-rt-14-dev            # sanitizer and fuzz builds
    zstd python3 python3-jsonschema jq  # tests
    time                                # make bench: peak RSS
    man-db groff-base bash-completion file
    bsdextrautils                       # hexdump: checks --dump-ram
    debootstrap qemu-system-x86         # real-QEMU tests: 11.1 tree, and 7.2
    qemu-system-arm qemu-system-ppc qemu-system-misc  # 7.2: aarch64, arm, ppc64, s390x, riscv64
    libvirt-daemon-system libvirt-clients lzop  # real libvirt saves (tests/libvirt)
    xz-utils bzip2 gzip
)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
        missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "install-deps: all ${#pkgs[@]} packages present"
