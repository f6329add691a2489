/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --ignore-volatile: fields that change on every save of an idle VM, so that
 * two saves of the same idle VM compare equal. Each entry is a glob over
 * "GROUP: PATH" and says why it moves; doc/diff.md lists them, and
 * tests/qemu (the idle-pair scenario) proves that this list is exactly what
 * differs between two saves of one idle QEMU 11.1 and 7.2 VM.
 */
#include "check/diff.h"

const char *const diff_volatile_globs[] = {
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
