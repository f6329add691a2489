#!/bin/bash
# Provision QEMU 11.1 from Debian's trixie-backports into a cache directory outside the
# clone, for the real-QEMU tests (tests/qemu/run.sh).
#
#   scripts/provision-qemu.sh            # build the cache, or reuse it (stamp file)
#   scripts/provision-qemu.sh --env      # same, then print shell assignments (QEMU11_*)
#
# Environment:
#   CPRDUMP_QEMU_CACHE      cache directory (default /var/cache/cprdump/qemu-11.1)
#   CPRDUMP_DEBIAN_MIRROR   Debian mirror (default: the first Debian archive URI in
#                           this machine's apt sources, /etc/apt/sources.list{,.d/})
#
# The tree is a minbase Debian 13 (trixie) with qemu-system-x86 and qemu-system-arm
# from trixie-backports, installed without recommends. A tree provisioned before a
# package was added to QEMU_PACKAGES gets the missing ones installed on the next run. QEMU is run through the tree's own dynamic loader, so
# running it needs no chroot and no mounts:
#   $ROOT/lib64/ld-linux-x86-64.so.2 --library-path $LIBPATH \
#       $ROOT/usr/bin/qemu-system-x86_64 -L $ROOT/usr/share/qemu -L $ROOT/usr/share/seabios ...
# with QEMU_MODULE_DIR=$ROOT/usr/lib/x86_64-linux-gnu/qemu in the environment.
# Only the package installation runs in a chroot; the /proc, /sys and /dev bind mounts it
# needs are undone on exit, also on failure.
set -euo pipefail

CACHE=${CPRDUMP_QEMU_CACHE:-/var/cache/cprdump/qemu-11.1}
QEMU_PACKAGES=(qemu-system-x86 qemu-system-arm)
ROOT=$CACHE/root
STAMP=$CACHE/provisioned.stamp
MODE=${1:-}

log() { echo "provision-qemu: $*" >&2; }
die() { log "FAILED: $*"; exit 1; }

MOUNTS=()
undo_mounts() {
    local i
    for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
        umount -l "${MOUNTS[$i]}" 2>/dev/null || log "could not unmount ${MOUNTS[$i]}"
    done
    MOUNTS=()
}
trap undo_mounts EXIT
trap 'exit 130' INT TERM   # so that the EXIT trap runs

bind_mount() {
    mkdir -p "$2"
    mount --bind "$1" "$2" || die "mount --bind $1 $2"
    MOUNTS+=("$2")
}

# The machine's own Debian mirror: the first URI of a deb822 .sources stanza or a
# one-line "deb" entry whose suites are not the security archive's.
apt_mirror() {
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -r "$f" ] || continue
        awk 'BEGIN { RS = ""; FS = "\n" }
             { uri = ""; sec = 0
               for (i = 1; i <= NF; i++) {
                   if ($i ~ /^URIs:/) { split($i, a, /[ \t]+/); uri = a[2] }
                   if ($i ~ /^Suites:/ && $i ~ /-security/) sec = 1 }
               if (uri != "" && !sec) { print uri; exit } }' "$f"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -r "$f" ] || continue
        awk '$1 == "deb" && $0 !~ /-security/ {
                 for (i = 2; i <= NF; i++) if ($i !~ /^\[/) { print $i; exit } }' "$f"
    done
}

MIRROR=${CPRDUMP_DEBIAN_MIRROR:-$(apt_mirror | head -1)}
MIRROR=${MIRROR%/}

need_mirror() {
    [ -n "$MIRROR" ] || die "no Debian mirror in /etc/apt/sources.list{,.d/}; set CPRDUMP_DEBIAN_MIRROR"
}

need_root() {
    [ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot) to build $CACHE"
}

ensure_debootstrap() {
    command -v debootstrap >/dev/null && return 0
    log "installing debootstrap"
    apt-get update -qq || die "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        debootstrap >/dev/null || die "apt-get install debootstrap"
}

bootstrap_tree() {
    local tree=$1 script=()
    # an old debootstrap without a trixie script: sid's works for trixie
    [ -e /usr/share/debootstrap/scripts/trixie ] || script=(/usr/share/debootstrap/scripts/sid)
    log "debootstrap --variant=minbase trixie $tree $MIRROR ${script[*]}"
    debootstrap --variant=minbase trixie "$tree" "$MIRROR" "${script[@]}" \
        >"$CACHE/debootstrap.log" 2>&1 \
        || die "debootstrap failed, see $CACHE/debootstrap.log (tail: $(tail -3 "$CACHE/debootstrap.log" | tr '\n' ' '))"
}

install_qemu() {
    local tree=$1
    echo "deb $MIRROR trixie-backports main" >"$tree/etc/apt/sources.list.d/backports.list"
    printf '#!/bin/sh\nexit 101\n' >"$tree/usr/sbin/policy-rc.d"
    chmod +x "$tree/usr/sbin/policy-rc.d"
    chroot_install "$tree" "${QEMU_PACKAGES[@]}"
}

chroot_install() {
    local tree=$1
    shift
    bind_mount /proc "$tree/proc"
    bind_mount /sys "$tree/sys"
    bind_mount /dev "$tree/dev"
    log "apt-get install --no-install-recommends -t trixie-backports $*"
    chroot "$tree" /bin/sh -c 'export DEBIAN_FRONTEND=noninteractive LC_ALL=C;
        apt-get update -qq &&
        apt-get install -y -qq --no-install-recommends -t trixie-backports "$@" &&
        apt-get clean' sh "$@" >"$CACHE/apt.log" 2>&1 \
        || die "apt-get in the chroot failed, see $CACHE/apt.log (tail: $(tail -3 "$CACHE/apt.log" | tr '\n' ' '))"
    undo_mounts
}

# Packages of QEMU_PACKAGES that a reused tree lacks.
missing_packages() {
    local p
    for p in "${QEMU_PACKAGES[@]}"; do
        chroot "$ROOT" dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
            grep -q 'ok installed' || echo "$p"
    done
}

libpath() {
    echo "$ROOT/lib/x86_64-linux-gnu:$ROOT/usr/lib/x86_64-linux-gnu:$ROOT/usr/lib/x86_64-linux-gnu/qemu"
}

# A launcher per system emulator, with the loader invocation; tests use the
# explicit argv (print_env).
write_launcher() {
    local b
    mkdir -p "$CACHE/bin"
    for b in qemu-system-x86_64 qemu-system-aarch64 qemu-system-arm; do
        [ -x "$ROOT/usr/bin/$b" ] || continue
        cat >"$CACHE/bin/$b" <<EOF
#!/bin/sh
export QEMU_MODULE_DIR="$ROOT/usr/lib/x86_64-linux-gnu/qemu"
exec "$ROOT/lib64/ld-linux-x86-64.so.2" --library-path "$(libpath)" \\
    "$ROOT/usr/bin/$b" -L "$ROOT/usr/share/qemu" -L "$ROOT/usr/share/seabios" "\$@"
EOF
        chmod +x "$CACHE/bin/$b"
    done
}

smoke_test() {
    local v
    v=$("$CACHE/bin/qemu-system-x86_64" --version | head -1) || die "built QEMU does not run"
    case $v in *"version 11.1"*) ;; *) die "expected QEMU 11.1, got: $v" ;; esac
    echo "$v"
}

build() {
    need_root
    need_mirror
    mkdir -p "$CACHE"
    ensure_debootstrap
    local tree=$CACHE/root.partial
    rm -rf "$tree"
    bootstrap_tree "$tree"
    install_qemu "$tree"
    rm -rf "$ROOT"
    mv "$tree" "$ROOT"
    write_launcher
    smoke_test >"$STAMP"
}

print_env() {
    cat <<EOF
QEMU11_ROOT='$ROOT'
QEMU11_LOADER='$ROOT/lib64/ld-linux-x86-64.so.2'
QEMU11_LIBPATH='$(libpath)'
QEMU11_BIN='$ROOT/usr/bin/qemu-system-x86_64'
QEMU11_FIRMWARE='$ROOT/usr/share/qemu:$ROOT/usr/share/seabios'
QEMU11_MODULE_DIR='$ROOT/usr/lib/x86_64-linux-gnu/qemu'
QEMU11_LAUNCHER='$CACHE/bin/qemu-system-x86_64'
QEMU11_BIN_AARCH64='$ROOT/usr/bin/qemu-system-aarch64'
QEMU11_BIN_ARM='$ROOT/usr/bin/qemu-system-arm'
QEMU11_VERSION='$(head -1 "$STAMP")'
EOF
}

main() {
    local t0=$SECONDS
    local missing
    if [ -s "$STAMP" ] && [ -x "$ROOT/usr/bin/qemu-system-x86_64" ]; then
        log "reusing $CACHE ($(head -1 "$STAMP"))"
        missing=$(missing_packages | tr '\n' ' ')
        if [ -n "${missing// /}" ]; then
            need_root
            need_mirror
            # shellcheck disable=SC2086
            chroot_install "$ROOT" $missing
            write_launcher
        fi
    else
        build
        log "built $CACHE in $((SECONDS - t0)) s ($(head -1 "$STAMP"))"
    fi
    smoke_test >/dev/null
    if [ "$MODE" = --env ]; then
        print_env
        return
    fi
    log "run it as: $CACHE/bin/qemu-system-x86_64 -accel kvm|tcg ..."
    log "(= $ROOT/lib64/ld-linux-x86-64.so.2 --library-path $(libpath) \\"
    log "    $ROOT/usr/bin/qemu-system-x86_64 -L $ROOT/usr/share/qemu -L $ROOT/usr/share/seabios ..., QEMU_MODULE_DIR=$ROOT/usr/lib/x86_64-linux-gnu/qemu)"
    log "remove $STAMP to rebuild"
}

main
