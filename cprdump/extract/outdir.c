/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "extract/outdir.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_error.h"
#include "exitcodes.h"

static bool fail(GError **errp, int code, const char *what, const char *path,
                 const char *name, int err)
{
    g_set_error(errp, CPRDUMP_ERROR, code, "%s: %s%s%s: %s", what, path,
                name ? "/" : "", name ? name : "", g_strerror(err));
    return false;
}

bool outdir_open(OutDir *d, const char *path, bool force, GError **errp)
{
    memset(d, 0, sizeof(*d));
    d->dfd = -1;
    if (mkdir(path, 0755) < 0 && errno != EEXIST) {
        return fail(errp, EXIT_OUTPUT, "cannot create the directory", path,
                    NULL, errno);
    }
    d->dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d->dfd < 0) {
        return fail(errp, EXIT_OUTPUT, "cannot open the directory", path,
                    NULL, errno);
    }
    d->path = g_strdup(path);
    d->force = force;
    return true;
}

void outdir_close(OutDir *d)
{
    if (d->dfd >= 0) {
        close(d->dfd);
    }
    g_free(d->path);
    memset(d, 0, sizeof(*d));
    d->dfd = -1;
}

int outdir_create(OutDir *d, const char *name, GError **errp)
{
    const int flags = O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    int fd;

    g_return_val_if_fail(*name && !strchr(name, '/') && strcmp(name, ".") &&
                         strcmp(name, ".."), -1);
    fd = openat(d->dfd, name, flags, 0644);
    if (fd < 0 && errno == EEXIST && d->force) {
        if (unlinkat(d->dfd, name, 0) < 0) {
            fail(errp, EXIT_OUTPUT, "cannot replace", d->path, name, errno);
            return -1;
        }
        fd = openat(d->dfd, name, flags, 0644);
    }
    if (fd < 0 && errno == EEXIST) {   /* as --save: a usage error */
        g_set_error(errp, CPRDUMP_ERROR, EXIT_USAGE, "%s/%s exists; use "
                    "--force to replace it", d->path, name);
        return -1;
    }
    if (fd < 0) {
        fail(errp, EXIT_OUTPUT, "cannot create", d->path, name, errno);
    }
    return fd;
}
