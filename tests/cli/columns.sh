#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# --columns and --list-columns (util-linux style), on real fixtures.
. "$(dirname "$0")/../lib.sh"
STREAM=$FIX/7.2/pc-vga-run/main.bin
STATE=$REPO/tests/fixtures/real/exec-q35-memfd/state.bin

run_cprdump --list-columns
expect_eq "--list-columns: exit 0" "$rc" 0
expect_eq "--list-columns: header" "$(head -1 <<<"$out" | tr -s ' ')" \
    "TABLE COLUMN KEY DEFAULT SELECT HELP"
check "--list-columns: hidden section column END with its help" \
    grep -qE '^sections +END +end +no +yes +offset after the footer$' <<<"$out"
check "--list-columns: the fd table's NAME" \
    grep -qE '^fd records +NAME +name +yes +yes ' <<<"$out"
check "--list-columns: nested JSON keys as group.key" \
    grep -qE '^ram blocks +ZERO +pages.zero ' <<<"$out"
run_cprdump --json --list-columns
expect_eq "--list-columns --json: the END column" \
    "$(jget "$out" '[c["help"] for c in d["columns"] if c["table"] == "sections" and c["column"] == "END"][0]')" \
    "offset after the footer"

run_cprdump --columns=name,FD,kind "$STATE"
expect_eq "--columns=name,FD,kind: header in the given order" \
    "$(grep -E '^NAME' <<<"$out" | tr -s ' ')" "NAME FD KIND"
expect_eq "--columns: the ram0 row" \
    "$(grep -E '^ram0 ' <<<"$out" | tr -s ' ')" "ram0 13 ram-backend"

run_cprdump --columns=+END,BODY "$STREAM"
hdr=$(grep -E '^POS ' <<<"$out" | tr -s ' ')
expect_eq "--columns=+END,BODY: default set, then the two" "$hdr" \
    "POS TYPE ID IDSTR INST VER OFFSET SIZE FOOTER VMSD BODYHOW RECORDS END BODY"
# The ram END section of the 7.2 stream: type byte at 0xd4677, 8 body bytes,
# footer end 0xd4689 (the same numbers as the JSON's section 2).
run_cprdump --json "$STREAM"
want="$(jget "$out" 'hex(d["stream"]["sections"][2]["end"])') $(jget "$out" 'd["stream"]["sections"][2]["body-size"]')"
run_cprdump --columns=+END,BODY "$STREAM"
expect_eq "--columns=+END,BODY: section 2's END and BODY equal the JSON" \
    "$(awk '$1 == 2 { print $(NF - 1), $NF }' <<<"$out")" "$want"

run_cprdump --json --columns=NAME "$STATE"
expect_eq "--columns leaves the JSON whole (kind still there)" \
    "$(jget "$out" 'd["cpr-state"]["fds"][0]["kind"]')" "rom"

run_cprdump --columns=bogus "$STATE"
expect_eq "--columns=bogus: exit 2" "$rc" 2
expect_eq "--columns=bogus: the message" "$(cat "$TMP/stderr")" \
    "cprdump: --columns: unknown column 'bogus' (see --list-columns)"

PATH=$(dirname "$CPRDUMP"):$PATH
expect_eq "completion: --columns +VMDESC" \
    "$(complete_words cprdump --columns +VMDESC)" "+VMDESCSIZE "
expect_eq "completion: --columns NAME,FD completes after the comma" \
    "$(complete_words cprdump --columns NAME,FD)" "NAME,FD NAME,FDOFF "
tap_done
