/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "input/procsnap.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cli_error.h"
#include "exitcodes.h"
#include "input/procmaps.h"

#define PTRACE_HINT "ptrace read access is needed (same user, or root / " \
                    "CAP_SYS_PTRACE; a QEMU started with -run-with user= is " \
                    "readable by root only)"

static void clear_fd(gpointer p)
{
    g_free(((SnapFd *)p)->link);
}

ProcSnap *procsnap_new(void)
{
    ProcSnap *s = g_new0(ProcSnap, 1);

    s->fds = g_array_new(FALSE, TRUE, sizeof(SnapFd));
    g_array_set_clear_func(s->fds, clear_fd);
    return s;
}

void procsnap_free(ProcSnap *s)
{
    if (!s) {
        return;
    }
    g_free(s->comm);
    g_free(s->label);
    g_strfreev(s->argv);
    if (s->maps) {
        g_array_unref(s->maps);
    }
    g_array_unref(s->fds);
    json_object_put(s->qmp);
    g_free(s);
}

char **procsnap_split_cmdline(const char *buf, gsize len)
{
    g_autoptr(GPtrArray) v = g_ptr_array_new();

    for (gsize i = 0; i < len;) {
        const char *end = memchr(buf + i, 0, len - i);
        gsize n = end ? (gsize)(end - (buf + i)) : len - i;

        g_ptr_array_add(v, g_strndup(buf + i, n));
        i += n + 1;
    }
    g_ptr_array_add(v, NULL);
    return (char **)g_ptr_array_free(g_steal_pointer(&v), FALSE);
}

const SnapFd *procsnap_fd_for(const ProcSnap *s, unsigned dev_major,
                              unsigned dev_minor, uint64_t inode)
{
    for (guint i = 0; i < s->fds->len; i++) {
        const SnapFd *f = &g_array_index(s->fds, SnapFd, i);

        if (f->has_stat && f->inode == inode && f->dev_major == dev_major &&
            f->dev_minor == dev_minor && S_ISREG(f->mode)) {
            return f;
        }
    }
    return NULL;
}

static gint cmp_fd(gconstpointer a, gconstpointer b)
{
    int x = ((const SnapFd *)a)->fd, y = ((const SnapFd *)b)->fd;

    return (x > y) - (x < y);
}

/* ---- live ------------------------------------------------------------------ */

static void errno_error(GError **errp, const ProcTarget *t, int err,
                        const char *what, const char *path)
{
    if (err == EACCES || err == EPERM) {
        g_set_error(errp, CPRDUMP_ERROR, EXIT_PERMISSION,
                    "pid %d (%s): cannot %s %s: %s; %s", (int)t->pid, t->comm,
                    what, path, g_strerror(err), PTRACE_HINT);
    } else if (err == ENOENT || err == ESRCH || !proc_target_alive(t)) {
        g_set_error(errp, CPRDUMP_ERROR, EXIT_VANISHED,
                    "pid %d (%s): the process exited while it was being read",
                    (int)t->pid, t->comm);
    } else {
        g_set_error(errp, CPRDUMP_ERROR, EXIT_INPUT, "pid %d (%s): cannot %s "
                    "%s: %s", (int)t->pid, t->comm, what, path,
                    g_strerror(err));
    }
}

static char *read_proc(const ProcTarget *t, const char *name, gsize *len,
                       GError **errp)
{
    g_autofree char *path = g_strdup_printf("%s/%s", t->dir, name);
    g_autoptr(GError) e = NULL;
    char *buf = NULL;

    if (!g_file_get_contents(path, &buf, len, &e)) {
        int err = e->code == G_FILE_ERROR_ACCES || e->code == G_FILE_ERROR_PERM
                  ? EACCES : e->code == G_FILE_ERROR_NOENT ? ENOENT : EIO;
        errno_error(errp, t, err, "read", path);
        return NULL;
    }
    return buf;
}

static void read_flags(const ProcTarget *t, SnapFd *f)
{
    g_autofree char *path = g_strdup_printf("%s/fdinfo/%d", t->dir, f->fd);
    g_autofree char *buf = NULL;
    const char *p;

    if (g_file_get_contents(path, &buf, NULL, NULL) &&
        (p = strstr(buf, "flags:"))) {
        f->flags = strtoul(p + strlen("flags:"), NULL, 8);
        f->has_flags = true;
    }
}

/* readlink + stat of one /proc/PID/fd/N; false (with *err) on failure. */
static bool read_one_fd(const ProcTarget *t, int fd, SnapFd *f, int *err)
{
    g_autofree char *path = g_strdup_printf("%s/fd/%d", t->dir, fd);
    char buf[PATH_MAX + 32];
    ssize_t n = readlink(path, buf, sizeof(buf) - 1);
    struct stat st;

    if (n < 0) {
        *err = errno;
        return false;
    }
    buf[n] = 0;
    f->fd = fd;
    f->link = g_strdup(buf);
    if (stat(path, &st) == 0) {
        f->has_stat = true;
        f->mode = st.st_mode;
        f->dev_major = major(st.st_dev);
        f->dev_minor = minor(st.st_dev);
        f->inode = st.st_ino;
        f->size = (uint64_t)st.st_size;
    }
    read_flags(t, f);
    return true;
}

static bool read_fds(const ProcTarget *t, ProcSnap *s, GError **errp)
{
    g_autofree char *path = g_strdup_printf("%s/fd", t->dir);
    DIR *d = opendir(path);
    struct dirent *de;

    if (!d) {
        errno_error(errp, t, errno, "list", path);
        return false;
    }
    while ((de = readdir(d))) {
        SnapFd f = { 0 };
        char *end;
        long fd = strtol(de->d_name, &end, 10);
        int err = 0;

        if (!g_ascii_isdigit(de->d_name[0]) || *end || fd > INT_MAX) {
            continue;
        }
        if (read_one_fd(t, (int)fd, &f, &err)) {
            g_array_append_val(s->fds, f);
        } else if (err == EACCES || err == EPERM) {
            closedir(d);
            errno_error(errp, t, err, "read the links in", path);
            return false;
        }  /* ENOENT: closed meanwhile */
    }
    closedir(d);
    g_array_sort(s->fds, cmp_fd);
    return true;
}

ProcSnap *procsnap_read_pid(const ProcTarget *t, GError **errp)
{
    g_autoptr(ProcSnap) s = procsnap_new();
    g_autofree char *cmdline = NULL, *smaps = NULL;
    g_autoptr(GError) e = NULL;
    gsize len, slen;

    s->pid = t->pid;
    s->comm = g_strdup(t->comm);
    s->label = g_strdup_printf("pid %d", (int)t->pid);
    if (!(cmdline = read_proc(t, "cmdline", &len, errp)) ||
        !(smaps = read_proc(t, "smaps", &slen, errp)) ||
        !read_fds(t, s, errp)) {
        return NULL;
    }
    if (!len && proc_target_alive(t)) {
        /* smaps could be read: not a kernel thread; cmdline empty only on
         * exit. */
        errno_error(errp, t, ESRCH, "read", "cmdline");
        return NULL;
    }
    s->argv = procsnap_split_cmdline(cmdline, len);
    s->maps = procmaps_parse(smaps, slen, &e);
    if (!s->maps) {
        g_set_error(errp, CPRDUMP_ERROR, EXIT_INPUT, "pid %d (%s): smaps: %s",
                    (int)t->pid, t->comm, e->message);
        return NULL;
    }
    if (!proc_target_alive(t)) {
        errno_error(errp, t, ESRCH, "read", t->dir);
        return NULL;
    }
    return g_steal_pointer(&s);
}

/* ---- snapshot directory ------------------------------------------------------ */

static bool parse_dev(const char *s, unsigned *maj, unsigned *min)
{
    char *end;
    unsigned long a = strtoul(s, &end, 16), b;

    if (end == s || *end != ':') {
        return false;
    }
    s = end + 1;
    b = strtoul(s, &end, 16);
    if (end == s || *end || a > G_MAXUINT || b > G_MAXUINT) {
        return false;
    }
    *maj = (unsigned)a;
    *min = (unsigned)b;
    return true;
}

static bool parse_u64(const char *s, int base, uint64_t *out)
{
    char *end;

    if (!g_ascii_isxdigit(*s)) {
        return false;
    }
    errno = 0;
    *out = g_ascii_strtoull(s, &end, base);
    return !errno && !*end;
}

static bool parse_fd_line(char **f, SnapFd *out)
{
    uint64_t v, mode, flags;

    if (!parse_u64(f[0], 10, &v) || v > INT_MAX) {
        return false;
    }
    out->fd = (int)v;
    if (strcmp(f[1], "-")) {
        if (!parse_u64(f[1], 8, &mode) || mode > G_MAXUINT ||
            !parse_dev(f[2], &out->dev_major, &out->dev_minor) ||
            !parse_u64(f[3], 10, &out->inode) ||
            !parse_u64(f[4], 10, &out->size)) {
            return false;
        }
        out->mode = (unsigned)mode;
        out->has_stat = true;
    }
    if (strcmp(f[5], "-")) {
        if (!parse_u64(f[5], 8, &flags)) {
            return false;
        }
        out->flags = (unsigned long)flags;
        out->has_flags = true;
    }
    out->link = g_strdup(f[6]);
    return true;
}

bool procsnap_parse_fds(const char *text, GArray *fds, const char *label,
                        GError **errp)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    unsigned n = 0;

    for (char **l = lines; *l; l++) {
        g_auto(GStrv) f = NULL;
        SnapFd fd = { 0 };

        n++;
        if (!**l) {
            continue;
        }
        f = g_strsplit(*l, "\t", 7);
        if (g_strv_length(f) != 7 || !parse_fd_line(f, &fd)) {
            g_free(fd.link);
            g_set_error(errp, CPRDUMP_ERROR, EXIT_INPUT,
                        "%s: line %u: want \"N MODE DEV INODE SIZE FLAGS "
                        "LINK\" (tab-separated)", label, n);
            return false;
        }
        g_array_append_val(fds, fd);
    }
    g_array_sort(fds, cmp_fd);
    return true;
}

static char *read_dir_file(const char *dir, const char *name, bool optional,
                           gsize *len, GError **errp)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autoptr(GError) e = NULL;
    char *buf = NULL;

    if (!g_file_get_contents(path, &buf, len, &e)) {
        if (!optional || !g_error_matches(e, G_FILE_ERROR,
                                          G_FILE_ERROR_NOENT)) {
            g_set_error(errp, CPRDUMP_ERROR, e->code == G_FILE_ERROR_ACCES
                        ? EXIT_PERMISSION : EXIT_INPUT, "%s", e->message);
        }
        return NULL;
    }
    return buf;
}

static bool read_qmp_json(const char *dir, ProcSnap *s, GError **errp)
{
    g_autofree char *path = g_build_filename(dir, "qmp.json", NULL);
    g_autoptr(GError) e = NULL;
    g_autofree char *text = read_dir_file(dir, "qmp.json", true, NULL, &e);
    enum json_tokener_error jerr;

    if (!text) {
        if (e) {
            g_propagate_error(errp, g_steal_pointer(&e));
            return false;
        }
        return true;
    }
    s->qmp = json_tokener_parse_verbose(text, &jerr);
    if (!s->qmp || !json_object_is_type(s->qmp, json_type_object)) {
        g_set_error(errp, CPRDUMP_ERROR, EXIT_INPUT, "%s: not a JSON object"
                    " (%s)", path, json_tokener_error_desc(jerr));
        return false;
    }
    return true;
}

ProcSnap *procsnap_read_dir(const char *dir, GError **errp)
{
    g_autoptr(ProcSnap) s = procsnap_new();
    g_autofree char *cmdline = NULL, *smaps = NULL, *fds = NULL;
    g_autofree char *comm = NULL, *fds_label = NULL;
    g_autoptr(GError) e = NULL;
    gsize len, slen;

    s->from_dir = true;
    s->label = g_strdup(dir);
    if (!(cmdline = read_dir_file(dir, "cmdline", false, &len, errp)) ||
        !(smaps = read_dir_file(dir, "smaps", false, &slen, errp)) ||
        !(fds = read_dir_file(dir, "fds", false, NULL, errp))) {
        return NULL;
    }
    comm = read_dir_file(dir, "comm", true, NULL, NULL);
    s->comm = comm ? g_strchomp(g_steal_pointer(&comm)) : g_strdup("?");
    s->argv = procsnap_split_cmdline(cmdline, len);
    s->maps = procmaps_parse(smaps, slen, &e);
    if (!s->maps) {
        g_set_error(errp, CPRDUMP_ERROR, EXIT_INPUT, "%s/smaps: %s", dir,
                    e->message);
        return NULL;
    }
    fds_label = g_build_filename(dir, "fds", NULL);
    if (!procsnap_parse_fds(fds, s->fds, fds_label, errp) ||
        !read_qmp_json(dir, s, errp)) {
        return NULL;
    }
    return g_steal_pointer(&s);
}
