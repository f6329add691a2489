#!/bin/bash
# cpr-exec-command wrapper: the old QEMU execs this (same pid) with the new QEMU's argv.
# It records what the new QEMU will inherit, then execs it:
#   $CPRDUMP_RUN_OUT/state.bin     the CPR state, read from /proc/self/fd/$QEMU_CPR_EXEC_STATE
#                                  (a new open file description: reads from offset 0)
#   $CPRDUMP_RUN_OUT/envfd         the value of QEMU_CPR_EXEC_STATE
#   $CPRDUMP_RUN_OUT/state.fdinfo  pos and flags of the state memfd as QEMU left it
#   $CPRDUMP_RUN_OUT/fds.txt       "fd octal-flags link" for every fd inherited
#   $CPRDUMP_RUN_OUT/fd-check.*    `$CPRDUMP_BIN --fd --json --check` on the state fd
#   $CPRDUMP_RUN_OUT/fd-join.*     `--fd --stream main.bin --save fd-capture.zst`
out=${CPRDUMP_RUN_OUT:?CPRDUMP_RUN_OUT not set}
fd=${QEMU_CPR_EXEC_STATE:-}
echo "$fd" >"$out/envfd"
if [ -n "$fd" ]; then
    cat "/proc/$$/fd/$fd" >"$out/state.bin"
    head -2 "/proc/$$/fdinfo/$fd" >"$out/state.fdinfo"
    # cprdump on the inherited state fd, with the fd cross-check against this
    # process (what the new QEMU inherits): fd-check.{json,rc,err}
    if [ -n "${CPRDUMP_BIN:-}" ]; then
        "$CPRDUMP_BIN" --fd --json --check >"$out/fd-check.json" 2>"$out/fd-check.err"
        echo $? >"$out/fd-check.rc"
        head -2 "/proc/$$/fdinfo/$fd" >"$out/state.fdinfo-after"
        # the join with the stream, which the old QEMU wrote before exec:
        # fd-join.{json,rc} and the capture fd-capture.zst
        if [ -f "$out/main.bin" ]; then
            "$CPRDUMP_BIN" --fd --json --stream "$out/main.bin" \
                --save "$out/fd-capture.zst" --force >"$out/fd-join.json" 2>"$out/fd-join.err"
            echo $? >"$out/fd-join.rc"
        fi
    fi
fi
self=$(readlink -f "$0")
lines=""
for p in "/proc/$$/fd/"*; do   # expanded once, before any helper opens a pipe
    n=${p##*/}
    link=$(readlink "$p") || continue
    [ "$link" = "$self" ] && continue   # bash's own handle on this script
    flags=$(sed -n 's/^flags:[[:space:]]*//p' "/proc/$$/fdinfo/$n")
    lines+="$n $flags $link"$'\n'
done
printf '%s' "$lines" | sort >"$out/fds.txt"
exec "$@"
