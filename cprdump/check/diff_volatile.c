/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --ignore-volatile: fields that change on every save of an idle VM, so that
 * two saves of the same idle VM compare equal. Each entry is a glob over
 * "GROUP: PATH" ('*' and '?' only). doc/diff.md lists them with the reason
 * each moves (tests/cli/diff.sh checks that both lists agree), and the real
 * QEMU 7.2 and 11.1 idle pairs in tests/qemu/pairs.py prove that two saves
 * of one idle VM differ in these and nothing else.
 */
#include "check/diff.h"

const char *const diff_volatile_globs[] = {
    "timer#*: cpu_ticks_offset",
    "timer#*: cpu_clock_offset",
    "kvmclock#*: clock",
    "cpu#*: env.tsc",
    "cpu#*: env.xstate_bv",
    "apic#*: initial_count_load_time",
    "i8254#*: channels[*].count_load_time",
    "i8254#*: channels[*].next_transition_time",
    "i8259#*: irr",
    "mc146818rtc#*: cmos_data+0x0",
    "mc146818rtc#*: base_rtc",
    "mc146818rtc#*: last_update",
    "mc146818rtc#*: update_timer",
    "mc146818rtc#*: next_alarm_time",
    "mc146818rtc#*: next_periodic_time",
    NULL,
};

bool diff_is_volatile(const char *full_path)
{
    for (size_t i = 0; diff_volatile_globs[i]; i++) {
        if (g_pattern_match_simple(diff_volatile_globs[i], full_path)) {
            return true;
        }
    }
    return false;
}
