/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --digest: a hash of the guest memory a preserved RAM block's fd holds, so
 * that the preflight of the old QEMU and the one of the new QEMU can be
 * compared (a wiped ROM or video RAM shows as a changed digest). It reads
 * guest memory, so it is off by default.
 *
 * The file is opened anew through /proc/PID/fd/N (only after stat() says it
 * is a regular file, and checked to be the same inode after the open): an
 * own file description, so SEEK_DATA/SEEK_HOLE and pread() move no offset of
 * the target. Anonymous memory is never read. The digest is SHA-256 over
 * (page index as u64 big-endian, 4096 bytes) of every page in [0, size) that
 * is not all zeros, so holes and zero pages hash alike whatever the kernel
 * keeps: "sha256:" and 64 hex digits.
 */
#ifndef CPRDUMP_LIVE_DIGEST_H
#define CPRDUMP_LIVE_DIGEST_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#define DIGEST_PAGE 4096u

/* *data_bytes: bytes of non-zero pages hashed. Errors: EXIT_PERMISSION,
 * EXIT_INPUT (not a regular file, changed, I/O). */
bool digest_target_fd(const char *proc_dir, int fd, uint64_t size,
                      char **digest, uint64_t *data_bytes, GError **errp);

/* The same over an fd of our own (pure but for pread/lseek on it). */
bool digest_own_fd(int fd, uint64_t size, char **digest,
                   uint64_t *data_bytes, GError **errp);

#endif
