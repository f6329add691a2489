/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A destination QEMU run for its -dump-vmstate (qemu_dump.h). */
#define _GNU_SOURCE
#include "input/qemu_dump.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vmstate_dump.h"

#define STDERR_KEEP 4096

bool qemu_machine_name_ok(const char *machine)
{
    if (!machine || !machine[0] || strlen(machine) > 64) {
        return false;
    }
    for (const char *p = machine; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '.' && *p != '-' && *p != '_') {
            return false;
        }
    }
    return true;
}

/* Child, as root: hide the host's module directories from a foreign QEMU. */
static void hide_host_modules(const char *binary, const char *empty)
{
    g_autofree char *real = realpath(binary, NULL);
    glob_t g;

    if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE,
                                      NULL)) {
        return;
    }
    if (real && g_str_has_prefix(real, "/usr/bin/")) {
        return;             /* the host's own QEMU: its modules are right */
    }
    if (glob("/usr/lib/*/qemu", GLOB_ONLYDIR, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++) {
            mount(empty, g.gl_pathv[i], NULL, MS_BIND, NULL);
        }
        globfree(&g);
    }
    mount(empty, "/usr/lib/qemu", NULL, MS_BIND, NULL);
}

static void child(const char *binary, char *const argv[], const char *dir)
{
    g_autofree char *err = g_build_filename(dir, "stderr", NULL);
    g_autofree char *empty = g_build_filename(dir, "empty", NULL);
    char *const envp[] = { "PATH=/usr/bin:/bin", "LC_ALL=C", NULL };
    int null = open("/dev/null", O_RDWR);
    int efd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    setpgid(0, 0);
    if (null < 0 || efd < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
        dup2(efd, 2) < 0) {
        _exit(126);
    }
    if (geteuid() == 0) {
        hide_host_modules(binary, empty);
    }
    if (chdir(dir) == 0) {
        execve(binary, argv, envp);
    }
    dprintf(2, "cannot execute %s: %s\n", binary, strerror(errno));
    _exit(127);
}

static bool wait_child(pid_t pid, int timeout_ms, int *status)
{
    struct timespec nap = { 0, 5 * 1000 * 1000 };

    for (int waited = 0;; waited += 5) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR)) {
            return true;
        }
        if (waited >= timeout_ms) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            waitpid(pid, status, 0);
            return false;
        }
        nanosleep(&nap, NULL);
    }
}

static char *first_error_line(const char *text)
{
    g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", 0);

    for (char **l = lines; *l; l++) {
        if (**l && !strstr(*l, "warning:") && !strstr(*l, "module")) {
            return g_strescape(*l, NULL);
        }
    }
    return lines[0] && lines[0][0] ? g_strescape(lines[0], NULL)
                                   : g_strdup("no message");
}

static void read_results(const char *dir, QemuDumpRun *r)
{
    g_autofree char *dump = g_build_filename(dir, "dump.json", NULL);
    g_autofree char *err = g_build_filename(dir, "stderr", NULL);
    g_autofree char *etext = NULL;
    g_autofree char *dtext = NULL;
    gsize elen = 0, dlen = 0;
    struct stat st;

    g_file_get_contents(err, &etext, &elen, NULL);
    if (etext && elen > STDERR_KEEP) {
        etext[STDERR_KEEP] = 0;
    }
    if (etext && strstr(etext, "unsupported machine type")) {
        r->machine_refused = true;
    }
    if (r->timed_out) {
        r->error = g_strdup("timed out (killed)");
    } else if (!WIFEXITED(r->status) || WEXITSTATUS(r->status)) {
        g_autofree char *line = first_error_line(etext);
        r->error = WIFEXITED(r->status)
            ? g_strdup_printf("exit %d: %s", WEXITSTATUS(r->status), line)
            : g_strdup_printf("killed by signal %d: %s", WTERMSIG(r->status),
                              line);
    } else if (stat(dump, &st) || st.st_size > (off_t)VDUMP_MAX_BYTES) {
        r->error = g_strdup("no dump written, or one over the size limit");
    } else if (g_file_get_contents(dump, &dtext, &dlen, NULL)) {
        r->dump = g_bytes_new_take(g_steal_pointer(&dtext), dlen);
    } else {
        r->error = g_strdup("the dump cannot be read");
    }
    unlink(dump);
    unlink(err);
}

void qemu_dump_run(const char *binary, const char *machine, int timeout_ms,
                   QemuDumpRun *r)
{
    g_autoptr(GError) e = NULL;
    g_autofree char *dir = g_dir_make_tmp("cprdump-against-XXXXXX", &e);
    g_autofree char *empty = NULL;
    g_autofree char *out = NULL;
    const char *argv[8];
    int n = 0;
    pid_t pid;

    memset(r, 0, sizeof(*r));
    if (!dir) {
        r->error = g_strdup(e->message);
        return;
    }
    empty = g_build_filename(dir, "empty", NULL);
    out = g_build_filename(dir, "dump.json", NULL);
    mkdir(empty, 0700);
    argv[n++] = binary;
    if (machine) {
        argv[n++] = "-M";
        argv[n++] = machine;
    }
    argv[n++] = "-nodefaults";
    argv[n++] = "-dump-vmstate";
    argv[n++] = out;
    argv[n] = NULL;
    r->namespaced = geteuid() == 0;
    pid = fork();
    if (pid == 0) {
        child(binary, (char *const *)argv, dir);
    }
    if (pid < 0) {
        r->error = g_strdup_printf("fork: %s", strerror(errno));
    } else {
        setpgid(pid, pid);
        r->timed_out = !wait_child(pid, timeout_ms, &r->status);
        read_results(dir, r);
    }
    rmdir(empty);
    rmdir(dir);
}

void qemu_dump_run_clear(QemuDumpRun *r)
{
    if (r->dump) {
        g_bytes_unref(r->dump);
    }
    g_free(r->error);
    memset(r, 0, sizeof(*r));
}
