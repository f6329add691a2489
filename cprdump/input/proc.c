/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "input/proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cli_error.h"
#include "exitcodes.h"

#define PTRACE_HINT "ptrace read access is needed (same user, or " \
                    "CAP_SYS_PTRACE)"
/* How many other holders of a state memfd the "no state" error names. */
#define HOLDERS_MAX 3

const char *proc_method_name(ProcMethod m)
{
    switch (m) {
    case PROC_METHOD_PIDFD_GETFD:
        return "pidfd_getfd";
    case PROC_METHOD_PROC_OPEN:
        return "proc-open";
    default:
        return "inherited";
    }
}

const char *proc_file_type(mode_t mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG:
        return "a regular file";
    case S_IFIFO:
        return "a FIFO or pipe";
    case S_IFCHR:
        return "a character device";
    case S_IFBLK:
        return "a block device";
    case S_IFDIR:
        return "a directory";
    case S_IFSOCK:
        return "a socket";
    default:
        return "not a regular file";
    }
}

static int sys_pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

static int sys_pidfd_getfd(int pidfd, int fd)
{
#ifdef SYS_pidfd_getfd
    return (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
#else
    (void)pidfd;
    (void)fd;
    errno = ENOSYS;
    return -1;
#endif
}

/* Parses a whole non-negative decimal int. */
static bool parse_fd_number(const char *s, int *out)
{
    char *end;
    long v;

    if (!s || !g_ascii_isdigit(*s)) {
        return false;
    }
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || v > INT_MAX) {
        return false;
    }
    *out = (int)v;
    return true;
}

static char *read_small(const char *path, gsize *len, int *err)
{
    char *buf = NULL;
    g_autoptr(GError) e = NULL;

    if (!g_file_get_contents(path, &buf, len, &e)) {
        *err = e->domain == G_FILE_ERROR && e->code == G_FILE_ERROR_ACCES
               ? EACCES : e->domain == G_FILE_ERROR &&
                 e->code == G_FILE_ERROR_NOENT ? ENOENT : EIO;
        return NULL;
    }
    return buf;
}

/* The state letter of /proc/PID/stat ('R', 'S', 'Z', ...), or 0. */
static char proc_state_letter(const char *dir)
{
    g_autofree char *path = g_strdup_printf("%s/stat", dir);
    g_autofree char *buf = NULL;
    gsize len;
    int err;
    const char *p;

    buf = read_small(path, &len, &err);
    if (!buf || !(p = strrchr(buf, ')')) || p[1] != ' ') {
        return 0;
    }
    return p[2];
}

static char *read_comm(const char *dir)
{
    g_autofree char *path = g_strdup_printf("%s/comm", dir);
    gsize len;
    int err;
    char *buf = read_small(path, &len, &err);

    if (!buf) {
        return g_strdup("?");
    }
    g_strchomp(buf);
    return buf;
}

ProcTarget *proc_target_open(pid_t pid, GError **errp)
{
    g_autoptr(ProcTarget) t = g_new0(ProcTarget, 1);
    struct stat sb;
    char state;

    t->pid = pid;
    t->pidfd = -1;
    t->try_getfd = true;
    t->dir = g_strdup_printf("/proc/%d", (int)pid);
    if (pid <= 0 || stat(t->dir, &sb) < 0) {
        g_set_error(errp, CPRDUMP_ERROR, EXIT_NO_PROCESS,
                    "pid %d: no such process", (int)pid);
        return NULL;
    }
    t->comm = read_comm(t->dir);
    t->pidfd = sys_pidfd_open(pid);
    if (t->pidfd < 0 && errno == ESRCH) {
        g_set_error(errp, CPRDUMP_ERROR, EXIT_NO_PROCESS,
                    "pid %d: no such process", (int)pid);
        return NULL;
    }
    state = proc_state_letter(t->dir);
    if (state == 'Z' || state == 'X' || !proc_target_alive(t)) {
        g_set_error(errp, CPRDUMP_ERROR, EXIT_NO_PROCESS,
                    "pid %d (%s): no such process (it has exited and "
                    "is a zombie)", (int)pid, t->comm);
        return NULL;
    }
    return g_steal_pointer(&t);
}

ProcTarget *proc_target_self(void)
{
    ProcTarget *t = g_new0(ProcTarget, 1);

    t->pid = getpid();
    t->self = true;
    t->dir = g_strdup("/proc/self");
    t->comm = read_comm(t->dir);
    t->pidfd = -1;
    return t;
}

void proc_target_free(ProcTarget *t)
{
    if (!t) {
        return;
    }
    if (t->pidfd >= 0) {
        close(t->pidfd);
    }
    g_free(t->dir);
    g_free(t->comm);
    g_free(t);
}

bool proc_target_alive(const ProcTarget *t)
{
    char state;

    if (t->self) {
        return true;
    }
    if (t->pidfd >= 0) {
        /* A pidfd polls readable once the process has exited. */
        struct pollfd pfd = { .fd = t->pidfd, .events = POLLIN };
        int n;

        do {
            n = poll(&pfd, 1, 0);
        } while (n < 0 && errno == EINTR);
        return n == 0;
    }
    state = proc_state_letter(t->dir);
    return state && state != 'Z' && state != 'X';
}

static void set_errno_error(GError **errp, const ProcTarget *t, int err,
                            const char *what, const char *path)
{
    if (err == EACCES || err == EPERM) {
        g_set_error(errp, CPRDUMP_ERROR, EXIT_PERMISSION,
                    "pid %d (%s): cannot %s %s: %s; %s", (int)t->pid, t->comm,
                    what, path, g_strerror(err), PTRACE_HINT);
    } else if (!proc_target_alive(t)) {
        g_set_error(errp, CPRDUMP_ERROR, EXIT_VANISHED,
                    "pid %d (%s): the process exited while it was being read",
                    (int)t->pid, t->comm);
    } else {
        g_set_error(errp, CPRDUMP_ERROR, EXIT_INPUT,
                    "pid %d (%s): cannot %s %s: %s", (int)t->pid, t->comm,
                    what, path, g_strerror(err));
    }
}

/* readlink of DIR/fd/N; NULL with *err = errno on failure. */
static char *fd_link(const char *dir, int fd, int *err)
{
    g_autofree char *path = g_strdup_printf("%s/fd/%d", dir, fd);
    char buf[PATH_MAX + 32];
    ssize_t n = readlink(path, buf, sizeof(buf) - 1);

    if (n < 0) {
        *err = errno;
        return NULL;
    }
    buf[n] = 0;
    return g_strdup(buf);
}

static void parse_fdinfo(const char *text, ProcFdInfo *out)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

    for (char **l = lines; *l; l++) {
        if (g_str_has_prefix(*l, "flags:")) {
            out->flags = strtoul(*l + 6, NULL, 8);
            out->has_flags = true;
        } else if (g_str_has_prefix(*l, "pos:")) {
            out->pos = g_ascii_strtoll(*l + 4, NULL, 10);
        }
    }
}

bool proc_fd_info(const ProcTarget *t, int fd, ProcFdInfo *out,
                  GError **errp)
{
    g_autofree char *path = g_strdup_printf("%s/fd/%d", t->dir, fd);
    g_autofree char *info_path = g_strdup_printf("%s/fdinfo/%d", t->dir, fd);
    g_autofree char *info = NULL;
    gsize len;
    int err = 0;

    memset(out, 0, sizeof(*out));
    out->fd = fd;
    out->pos = -1;
    if (fd < 0) {
        return true;
    }
    out->link = fd_link(t->dir, fd, &err);
    if (!out->link) {
        if (err == ENOENT || err == EBADF) {
            return true;   /* not open */
        }
        set_errno_error(errp, t, err, "read the link", path);
        return false;
    }
    out->open = true;
    /* stat() follows the magic link to the file without opening it. */
    if (stat(path, &out->st) == 0) {
        out->has_stat = true;
    }
    info = read_small(info_path, &len, &err);
    if (info) {
        parse_fdinfo(info, out);
    }
    return true;
}

void proc_fd_info_clear(ProcFdInfo *info)
{
    g_clear_pointer(&info->link, g_free);
}

char *proc_memfd_name(const char *link)
{
    const char *name;
    size_t len;

    if (!link || !g_str_has_prefix(link, "/memfd:")) {
        return NULL;
    }
    name = link + strlen("/memfd:");
    len = strlen(name);
    if (g_str_has_suffix(name, " (deleted)")) {
        len -= strlen(" (deleted)");
    }
    return g_strndup(name, len);
}

static bool is_state_link(const char *link)
{
    g_autofree char *name = proc_memfd_name(link);

    return name && !strcmp(name, PROC_STATE_NAME);
}

bool proc_check_memfd(int fd, const char *name, const char *label,
                      GError **errp)
{
    struct stat sb;
    int err = 0;
    g_autofree char *link = NULL;
    g_autofree char *memfd = NULL;

    if (fstat(fd, &sb) < 0) {
        g_set_error(errp, CPRDUMP_ERROR, EXIT_NO_STATE, "%s: %s", label,
                    g_strerror(errno));
        return false;
    }
    link = fd_link("/proc/self", fd, &err);
    if (!S_ISREG(sb.st_mode)) {
        g_set_error(errp, CPRDUMP_ERROR, EXIT_NO_STATE,
                    "%s: not the state memfd any more: it is %s (%s); "
                    "refusing to read it", label, proc_file_type(sb.st_mode),
                    link ? link : "?");
        return false;
    }
    memfd = proc_memfd_name(link);
    if (!memfd || strcmp(memfd, name)) {
        g_set_error(errp, CPRDUMP_ERROR, EXIT_NO_STATE,
                    "%s: not the state memfd any more: it links to %s, not "
                    "/memfd:%s; refusing to read it", label,
                    link ? link : "?", name);
        return false;
    }
    return true;
}

static gint cmp_int(gconstpointer a, gconstpointer b)
{
    int x = *(const int *)a, y = *(const int *)b;

    return (x > y) - (x < y);
}

/* Sorted fd numbers of the target's state memfds; *checked: fds seen. */
static GArray *find_candidates(const ProcTarget *t, unsigned *checked,
                               GError **errp)
{
    g_autofree char *path = g_strdup_printf("%s/fd", t->dir);
    g_autoptr(GArray) fds = g_array_new(FALSE, FALSE, sizeof(int));
    DIR *d = opendir(path);
    struct dirent *de;

    *checked = 0;
    if (!d) {
        set_errno_error(errp, t, errno == ENOENT ? ESRCH : errno, "list",
                        path);
        return NULL;
    }
    while ((de = readdir(d))) {
        int fd, err = 0;
        g_autofree char *link = NULL;

        if (!parse_fd_number(de->d_name, &fd)) {
            continue;
        }
        (*checked)++;
        link = fd_link(t->dir, fd, &err);
        if (!link && (err == EACCES || err == EPERM)) {
            closedir(d);
            set_errno_error(errp, t, err, "read the links in", path);
            return NULL;
        }
        if (is_state_link(link)) {
            g_array_append_val(fds, fd);
        }
    }
    closedir(d);
    g_array_sort(fds, cmp_int);
    return g_steal_pointer(&fds);
}

/* QEMU_CPR_EXEC_STATE from the target's environ (as it was at exec).
 * Returns false on a permission error; *value NULL when not set. */
static bool environ_state_var(const ProcTarget *t, char **value,
                              GError **errp)
{
    g_autofree char *path = g_strdup_printf("%s/environ", t->dir);
    g_autofree char *buf = NULL;
    static const char key[] = PROC_STATE_ENV "=";
    gsize len;
    int err = 0;

    *value = NULL;
    buf = read_small(path, &len, &err);
    if (!buf) {
        if (err == EACCES) {
            set_errno_error(errp, t, err, "read", path);
            return false;
        }
        return true;
    }
    for (gsize i = 0; i < len; i += strlen(buf + i) + 1) {
        if (!strncmp(buf + i, key, sizeof(key) - 1)) {
            *value = g_strdup(buf + i + sizeof(key) - 1);
        }
    }
    return true;
}

/* "pids holding one: 4242 (qemu-system-x86), ..." or NULL. */
static char *other_holders(pid_t skip)
{
    g_autoptr(GString) s = g_string_new(NULL);
    DIR *d = opendir("/proc");
    struct dirent *de;
    int found = 0;

    if (!d) {
        return NULL;
    }
    while ((de = readdir(d)) && found <= HOLDERS_MAX) {
        int pid;
        g_autoptr(ProcTarget) t = NULL;
        g_autoptr(GArray) fds = NULL;
        unsigned checked;

        if (!parse_fd_number(de->d_name, &pid) || pid == skip ||
            pid == getpid()) {
            continue;
        }
        t = g_new0(ProcTarget, 1);
        t->pid = pid;
        t->pidfd = -1;
        t->dir = g_strdup_printf("/proc/%d", pid);
        t->comm = read_comm(t->dir);
        fds = find_candidates(t, &checked, NULL);
        if (!fds || !fds->len) {
            continue;
        }
        if (++found > HOLDERS_MAX) {
            g_string_append(s, ", ...");
            break;
        }
        g_string_append_printf(s, "%s%d (%s)", s->len ? ", " : "", pid,
                               t->comm);
    }
    closedir(d);
    return s->len ? g_string_free(g_steal_pointer(&s), FALSE) : NULL;
}

static char *fd_list(GArray *fds)
{
    g_autoptr(GString) s = g_string_new(NULL);

    for (guint i = 0; i < fds->len; i++) {
        g_string_append_printf(s, "%s%d", i ? ", " : "",
                               g_array_index(fds, int, i));
    }
    return g_string_free(g_steal_pointer(&s), FALSE);
}

/* What the environ's number names, for messages: "fd 5 is /x/fifo". */
static char *describe_env_fd(const ProcTarget *t, const char *env)
{
    int fd, err = 0;
    g_autofree char *link = NULL;

    if (!parse_fd_number(env, &fd)) {
        return g_strdup_printf("environ %s=%s is not an fd number",
                               PROC_STATE_ENV, env);
    }
    link = fd_link(t->dir, fd, &err);
    if (!link) {
        return g_strdup_printf("environ %s=%s but fd %d is not open",
                               PROC_STATE_ENV, env, fd);
    }
    g_autofree char *fpath = g_strdup_printf("%s/fd/%d", t->dir, fd);
    struct stat sb;
    if (stat(fpath, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        return g_strdup_printf("environ %s=%s but fd %d is %s (%s)",
                               PROC_STATE_ENV, env, fd,
                               proc_file_type(sb.st_mode), link);
    }
    return g_strdup_printf("environ %s=%s but fd %d is %s", PROC_STATE_ENV,
                           env, fd, link);
}

static void no_state_error(const ProcTarget *t, unsigned checked,
                           const char *env, GError **errp)
{
    g_autofree char *env_note = env ? describe_env_fd(t, env)
        : g_strdup_printf("no %s in its environ", PROC_STATE_ENV);
    g_autofree char *holders = other_holders(t->pid);
    g_autofree char *elsewhere = holders
        ? g_strdup_printf("; processes that hold one: %s", holders)
        : g_strdup("; no other readable process holds one either");

    g_set_error(errp, CPRDUMP_ERROR, EXIT_NO_STATE,
                "pid %d (%s): holds no CPR state memfd: none of its %u fds "
                "links to /memfd:%s (%s)%s", (int)t->pid, t->comm, checked,
                PROC_STATE_NAME, env_note, elsewhere);
}

/* Chooses among the candidates; returns the fd number, sets picked_by. */
static int pick(const ProcTarget *t, GArray *cands, const char *env,
                char **picked_by)
{
    int envfd;
    bool env_ok = env && parse_fd_number(env, &envfd);
    g_autofree char *list = fd_list(cands);
    g_autofree char *note = NULL;

    if (env_ok) {
        for (guint i = 0; i < cands->len; i++) {
            if (g_array_index(cands, int, i) == envfd) {
                *picked_by = g_strdup_printf("environ %s=%d", PROC_STATE_ENV,
                                             envfd);
                return envfd;
            }
        }
    }
    note = env ? describe_env_fd(t, env)
               : g_strdup_printf("no %s in environ", PROC_STATE_ENV);
    if (cands->len == 1) {
        *picked_by = g_strdup_printf("only state memfd (%s)", note);
    } else {
        *picked_by = g_strdup_printf("highest of fds %s (%s)", list, note);
    }
    return g_array_index(cands, int, cands->len - 1);
}

/* Fallback: open /proc/PID/fd/N, only if it is a regular file. */
static int proc_open_fd(const ProcTarget *t, int fd, const char *label,
                        GError **errp)
{
    g_autofree char *path = g_strdup_printf("%s/fd/%d", t->dir, fd);
    struct stat before, after;
    int ours;

    if (stat(path, &before) < 0) {
        if (errno == ENOENT && proc_target_alive(t)) {
            g_set_error(errp, CPRDUMP_ERROR, EXIT_NO_STATE,
                        "%s: the process closed the fd before it could be "
                        "read", label);
            return -1;
        }
        set_errno_error(errp, t, errno == ENOENT ? ESRCH : errno, "stat",
                        path);
        return -1;
    }
    if (!S_ISREG(before.st_mode)) {
        g_autofree char *link = NULL;
        int err;

        link = fd_link(t->dir, fd, &err);
        g_set_error(errp, CPRDUMP_ERROR, EXIT_NO_STATE,
                    "%s: not the state memfd any more: it is %s (%s); "
                    "refusing to open it", label,
                    proc_file_type(before.st_mode), link ? link : "?");
        return -1;
    }
    /* O_NONBLOCK and O_NOCTTY: should it become a FIFO or tty after all. */
    ours = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (ours < 0) {
        set_errno_error(errp, t, errno == ENOENT ? ESRCH : errno, "open",
                        path);
        return -1;
    }
    if (fstat(ours, &after) < 0 || after.st_dev != before.st_dev ||
        after.st_ino != before.st_ino) {
        close(ours);
        g_set_error(errp, CPRDUMP_ERROR, EXIT_NO_STATE,
                    "%s: the fd changed while it was being opened; "
                    "refusing to read it", label);
        return -1;
    }
    return ours;
}

bool proc_open_state(ProcTarget *t, ProcState *out, GError **errp)
{
    g_autoptr(GArray) cands = NULL;
    g_autofree char *env = NULL;
    unsigned checked;
    int getfd_errno = 0;
    int err = 0;

    memset(out, 0, sizeof(*out));
    out->fd = -1;
    cands = find_candidates(t, &checked, errp);
    if (!cands || !environ_state_var(t, &env, errp)) {
        return false;
    }
    if (!cands->len) {
        if (!proc_target_alive(t)) {
            set_errno_error(errp, t, ESRCH, "list", t->dir);
            return false;
        }
        no_state_error(t, checked, env, errp);
        return false;
    }
    out->target_fd = pick(t, cands, env, &out->picked_by);
    out->label = t->self ? g_strdup_printf("fd %d", out->target_fd)
        : g_strdup_printf("pid %d fd %d", (int)t->pid, out->target_fd);
    out->link = fd_link(t->dir, out->target_fd, &err);
    out->own = true;
    if (t->pidfd >= 0 && t->try_getfd) {
        out->fd = sys_pidfd_getfd(t->pidfd, out->target_fd);
        if (out->fd >= 0) {
            out->method = PROC_METHOD_PIDFD_GETFD;
        } else if (errno == ESRCH) {
            set_errno_error(errp, t, ESRCH, "get", out->label);
            return false;
        } else {
            getfd_errno = errno;
        }
    }
    if (out->fd < 0) {
        g_autoptr(GError) e = NULL;

        out->method = PROC_METHOD_PROC_OPEN;
        out->fd = proc_open_fd(t, out->target_fd, out->label, &e);
        if (out->fd < 0) {
            if (getfd_errno && e->code == EXIT_PERMISSION) {
                g_prefix_error(&e, "pidfd_getfd: %s; ",
                               g_strerror(getfd_errno));
            }
            g_propagate_error(errp, g_steal_pointer(&e));
            return false;
        }
    }
    return proc_check_memfd(out->fd, PROC_STATE_NAME, out->label, errp);
}

bool proc_inherited_state(int fd, ProcState *out, GError **errp)
{
    const char *env = NULL;
    struct stat sb;
    int err = 0;

    memset(out, 0, sizeof(*out));
    out->fd = -1;
    out->method = PROC_METHOD_INHERITED;
    if (fd < 0) {
        env = g_getenv(PROC_STATE_ENV);
        if (!env) {
            g_set_error(errp, CPRDUMP_ERROR, EXIT_NO_STATE,
                        "--fd: no fd number given and %s is not set",
                        PROC_STATE_ENV);
            return false;
        }
        if (!parse_fd_number(env, &fd)) {
            g_set_error(errp, CPRDUMP_ERROR, EXIT_NO_STATE,
                        "--fd: %s=%s is not an fd number", PROC_STATE_ENV,
                        env);
            return false;
        }
        out->picked_by = g_strdup_printf("environ %s=%d", PROC_STATE_ENV, fd);
    } else {
        out->picked_by = g_strdup_printf("--fd %d", fd);
    }
    out->target_fd = fd;
    out->label = g_strdup_printf("fd %d", fd);
    if (fcntl(fd, F_GETFD) < 0) {
        g_set_error(errp, CPRDUMP_ERROR, EXIT_NO_STATE,
                    "%s: not open in this process (%s)", out->label,
                    out->picked_by);
        return false;
    }
    out->link = fd_link("/proc/self", fd, &err);
    if (fstat(fd, &sb) < 0) {
        g_set_error(errp, CPRDUMP_ERROR, EXIT_INPUT, "%s: %s", out->label,
                    g_strerror(errno));
        return false;
    }
    if (!S_ISREG(sb.st_mode)) {
        g_set_error(errp, CPRDUMP_ERROR, EXIT_INPUT,
                    "%s: is %s (%s): --fd reads a memfd or a regular file "
                    "with pread, leaving its offset alone", out->label,
                    proc_file_type(sb.st_mode), out->link ? out->link : "?");
        return false;
    }
    out->fd = fd;
    out->own = false;
    return true;
}

void proc_state_clear(ProcState *s)
{
    if (s->own && s->fd >= 0) {
        close(s->fd);
    }
    s->fd = -1;
    g_clear_pointer(&s->picked_by, g_free);
    g_clear_pointer(&s->link, g_free);
    g_clear_pointer(&s->label, g_free);
}

int proc_has_state(const ProcTarget *t)
{
    unsigned checked;
    g_autoptr(GArray) fds = find_candidates(t, &checked, NULL);

    return fds ? fds->len > 0 : -1;
}

bool proc_looks_like_qemu(const ProcTarget *t)
{
    g_autofree char *path = g_strdup_printf("%s/cmdline", t->dir);
    g_autofree char *buf = NULL;
    gsize len;
    int err;

    if (g_str_has_prefix(t->comm, "qemu-system")) {
        return true;
    }
    buf = read_small(path, &len, &err);
    for (gsize i = 0; buf && i < len; i += strlen(buf + i) + 1) {
        g_autofree char *base = g_path_get_basename(buf + i);

        if (g_str_has_prefix(base, "qemu-system-")) {
            return true;
        }
    }
    return false;
}
