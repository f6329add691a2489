#!/bin/bash
# Provision QEMU 10.0 from Debian 12's bookworm-backports into a cache directory outside
# the clone, for the cross-version pairs of the real-QEMU tests (tests/qemu/pairs.py).
#
#   scripts/provision-qemu10.sh          # build the cache, or reuse it (stamp file)
#   scripts/provision-qemu10.sh --env    # same, then print shell assignments (QEMU10_*)
#
# Environment:
#   CPRDUMP_QEMU10_CACHE    cache directory (default /var/cache/cprdump/qemu-10.0)
#   CPRDUMP_DEBIAN_MIRROR   Debian mirror (default: as scripts/provision-qemu.sh finds it)
#
# bookworm-backports builds against Debian 12's own libraries, so the packages are only
# unpacked (dpkg-deb -x), with a private apt state: the machine's apt configuration and
# packages are not touched. The launcher $CACHE/bin/qemu-system-x86_64 runs the unpacked
# binary with the tree's firmware and Debian 12's seabios. The package carries no
# modules, but the binary looks in the host's module directory, where Debian 12's 7.2
# modules are: callers hide that directory (a private mount namespace), as
# cprdump --against does for any foreign binary.
set -euo pipefail

CACHE=${CPRDUMP_QEMU10_CACHE:-/var/cache/cprdump/qemu-10.0}
SUITE=bookworm-backports
PACKAGES=(qemu-system-x86 qemu-system-common qemu-system-data)
ROOT=$CACHE/root
STAMP=$CACHE/provisioned.stamp
MODE=${1:-}

log() { echo "provision-qemu10: $*" >&2; }
die() { log "FAILED: $*"; exit 1; }

# the mirror, as provision-qemu.sh finds it
MIRROR=${CPRDUMP_DEBIAN_MIRROR:-$(sed -n '/^apt_mirror()/,/^}/p' "$(dirname "$0")/provision-qemu.sh" |
    bash -c 'source /dev/stdin; apt_mirror' | head -1)}
MIRROR=${MIRROR%/}

launcher() {
    mkdir -p "$CACHE/bin"
    cat >"$CACHE/bin/qemu-system-x86_64" <<EOS
#!/bin/sh
exec "$ROOT/usr/bin/qemu-system-x86_64" -L "$ROOT/usr/share/qemu" -L /usr/share/seabios "\$@"
EOS
    chmod 0755 "$CACHE/bin/qemu-system-x86_64"
}

provision() {
    local apt=$CACHE/apt opts v
    [ -n "$MIRROR" ] || die "no Debian mirror in the apt sources; set CPRDUMP_DEBIAN_MIRROR"
    [ "$(id -u)" = 0 ] || die "must run as root to write $CACHE"
    rm -rf "$ROOT" "$apt"
    mkdir -p "$apt/lists/partial" "$apt/debs/partial" "$ROOT"
    echo "deb $MIRROR $SUITE main" >"$apt/sources.list"
    opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
          -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache::Archives=$apt/debs"
          -o APT::Sandbox::User=root)
    log "apt-get update ($SUITE, private state in $apt)"
    apt-get "${opts[@]}" update >"$CACHE/apt.log" 2>&1 || die "apt-get update, see $CACHE/apt.log"
    v=$(apt-cache "${opts[@]}" madison qemu-system-x86 | awk -v s="$SUITE" '$0 ~ s { print $3; exit }')
    [ -n "$v" ] || die "no qemu-system-x86 in $SUITE"
    log "downloading ${PACKAGES[*]} $v"
    (cd "$apt/debs" && apt-get "${opts[@]}" download "${PACKAGES[@]/%/=$v}" >>"$CACHE/apt.log" 2>&1) ||
        die "apt-get download, see $CACHE/apt.log"
    for d in "$apt"/debs/*.deb; do
        dpkg-deb -x "$d" "$ROOT" || die "dpkg-deb -x $d"
    done
    rm -rf "$apt/debs"
    launcher
    "$CACHE/bin/qemu-system-x86_64" --version | head -1 >"$STAMP" || die "the unpacked QEMU does not run"
}

mkdir -p "$CACHE"
if [ -s "$STAMP" ] && [ -x "$CACHE/bin/qemu-system-x86_64" ]; then
    log "reusing $CACHE ($(cat "$STAMP"))"
else
    provision
    log "provisioned $CACHE: $(cat "$STAMP")"
fi
if [ "$MODE" = --env ]; then
    echo "QEMU10_LAUNCHER='$CACHE/bin/qemu-system-x86_64'"
    echo "QEMU10_VERSION='$(cat "$STAMP")'"
fi
