#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs libFuzzer targets one after the other (never in parallel), each for
# $FUZZ_SECONDS, from the committed seeds in tests/fuzz/corpus/<target>/; new
# inputs go to tests/fuzz/corpus-run/<target>/, crashes to
# $FUZZ_BUILD/artifacts/. Prints libFuzzer's final stats per target.
#   tests/fuzz/run.sh [--merge] TARGET...
# --merge: minimizes corpus-run/<target> + corpus/<target> into corpus/<target>.
set -u
cd "$(dirname "$0")/../.."
: "${FUZZ_BUILD:=build-fuzz}" "${FUZZ_SECONDS:=600}" "${FUZZ_FLAGS:=}"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
merge=0
if [ "${1:-}" = --merge ]; then
    merge=1
    shift
fi
mkdir -p "$FUZZ_BUILD/artifacts" "$FUZZ_BUILD/logs"
rc=0
for t in "$@"; do
    bin=$FUZZ_BUILD/fuzz/$t seeds=tests/fuzz/corpus/$t run=tests/fuzz/corpus-run/$t
    dict=()
    [ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
    mkdir -p "$seeds" "$run"
    if [ "$merge" = 1 ]; then
        tmp=$(mktemp -d "$FUZZ_BUILD/merge.XXXXXX")
        "$bin" -merge=1 "${dict[@]}" "$tmp" "$seeds" "$run" \
            >"$FUZZ_BUILD/logs/$t.merge.log" 2>&1 || rc=1
        rm -rf "$seeds" && mv "$tmp" "$seeds"
        echo "$t: corpus $(ls "$seeds" | wc -l) files, $(du -sh "$seeds" | cut -f1)"
        continue
    fi
    log=$FUZZ_BUILD/logs/$t.log
    echo "== $t: $FUZZ_SECONDS s (log: $log)"
    # shellcheck disable=SC2086 # FUZZ_FLAGS: extra libFuzzer flags
    "$bin" "${dict[@]}" -max_total_time="$FUZZ_SECONDS" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$FUZZ_BUILD/artifacts/$t-" $FUZZ_FLAGS \
        "$run" "$seeds" >"$log" 2>&1
    trc=$?
    grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log"
    if [ "$trc" -ne 0 ]; then
        echo "$t: FAILED (exit $trc), see $log:"
        grep -E '^==[0-9]+==|SUMMARY|hostile:|artifact' "$log" | head -20
        rc=1
    fi
done
exit $rc
