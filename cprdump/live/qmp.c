/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "live/qmp.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cli_error.h"
#include "exitcodes.h"

/* A reply line longer than this is refused (info ramblock is ~2 KiB). */
#define QMP_LINE_MAX (4u << 20)

const char *const qmp_allowed[] = {
    "qmp_capabilities", "x-query-ramblock", "query-memdev", "qom-list",
    "qom-get", NULL,
};

struct QmpConn {
    int fd;
    char *path;
    int timeout_ms;
    GString *buf;
};

static int64_t now_ms(void)
{
    return g_get_monotonic_time() / 1000;
}

void qmp_close(QmpConn *c)
{
    if (!c) {
        return;
    }
    if (c->fd >= 0) {
        close(c->fd);
    }
    g_free(c->path);
    g_string_free(c->buf, TRUE);
    g_free(c);
}

static void qmp_error(GError **errp, const QmpConn *c, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

static void qmp_error(GError **errp, const QmpConn *c, const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(errp, CPRDUMP_ERROR, EXIT_INPUT, "QMP %s: %s", c->path, msg);
}

/* One line of JSON, waiting at most until 'deadline' (ms). */
static json_object *read_line(QmpConn *c, int64_t deadline, const char *what,
                              GError **errp)
{
    char *nl;

    while (!(nl = memchr(c->buf->str, '\n', c->buf->len))) {
        struct pollfd p = { .fd = c->fd, .events = POLLIN };
        int64_t left = deadline - now_ms();
        char chunk[65536];
        ssize_t n;
        int r;

        if (left <= 0) {
            qmp_error(errp, c, "%s", what);
            return NULL;
        }
        r = poll(&p, 1, (int)left);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            if (r == 0) {
                qmp_error(errp, c, "%s", what);
            } else {
                qmp_error(errp, c, "poll: %s", g_strerror(errno));
            }
            return NULL;
        }
        n = recv(c->fd, chunk, sizeof(chunk), 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }
        if (n <= 0) {
            qmp_error(errp, c, "the monitor closed the connection%s",
                      n < 0 ? g_strerror(errno) : "");
            return NULL;
        }
        g_string_append_len(c->buf, chunk, n);
        if (c->buf->len > QMP_LINE_MAX) {
            qmp_error(errp, c, "a reply longer than %u bytes", QMP_LINE_MAX);
            return NULL;
        }
    }
    *nl = 0;
    {
        json_object *j = json_tokener_parse(c->buf->str);

        g_string_erase(c->buf, 0, (gssize)(nl - c->buf->str) + 1);
        if (!j || !json_object_is_type(j, json_type_object)) {
            json_object_put(j);
            qmp_error(errp, c, "a reply that is not a JSON object");
            return NULL;
        }
        return j;
    }
}

static bool allowed(const char *name)
{
    for (const char *const *a = qmp_allowed; *a; a++) {
        if (!strcmp(*a, name)) {
            return true;
        }
    }
    return false;
}

static bool send_all(QmpConn *c, const char *s, GError **errp)
{
    size_t len = strlen(s), off = 0;
    int64_t deadline = now_ms() + c->timeout_ms;

    while (off < len) {
        struct pollfd p = { .fd = c->fd, .events = POLLOUT };
        ssize_t n;

        if (poll(&p, 1, (int)MAX(deadline - now_ms(), 0)) <= 0) {
            qmp_error(errp, c, "cannot send within %d ms", c->timeout_ms);
            return false;
        }
        n = send(c->fd, s + off, len - off, MSG_NOSIGNAL);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }
        if (n < 0) {
            qmp_error(errp, c, "send: %s", g_strerror(errno));
            return false;
        }
        off += (size_t)n;
    }
    return true;
}

json_object *qmp_command(QmpConn *c, const char *name, json_object *args,
                         GError **errp)
{
    g_autoptr(JsonObj) msg = json_object_new_object();
    g_autofree char *what = g_strdup_printf(
        "no reply to %s within %d ms", name, c->timeout_ms);
    g_autofree char *line = NULL;
    int64_t deadline;

    g_assert(allowed(name));
    json_object_object_add(msg, "execute", json_object_new_string(name));
    if (args) {
        json_object_object_add(msg, "arguments", args);
    }
    line = g_strdup_printf("%s\n", json_object_to_json_string_ext(
                               msg, JSON_C_TO_STRING_PLAIN));
    if (!send_all(c, line, errp)) {
        return NULL;
    }
    deadline = now_ms() + c->timeout_ms;
    for (;;) {
        g_autoptr(JsonObj) r = read_line(c, deadline, what, errp);
        json_object *v;

        if (!r) {
            return NULL;
        }
        if (json_object_object_get_ex(r, "return", &v)) {
            return json_object_get(v);
        }
        if (json_object_object_get_ex(r, "error", &v)) {
            json_object *d = NULL;

            json_object_object_get_ex(v, "desc", &d);
            qmp_error(errp, c, "%s: %s", name,
                      d ? json_object_get_string(d) : "error");
            return NULL;
        }
        /* an event: skip */
    }
}

static int connect_unix(QmpConn *c, GError **errp)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd;

    if (strlen(c->path) >= sizeof(sa.sun_path)) {
        qmp_error(errp, c, "socket path too long");
        return -1;
    }
    strcpy(sa.sun_path, c->path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        qmp_error(errp, c, "socket: %s", g_strerror(errno));
        return -1;
    }
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int err = errno;

        close(fd);
        if (err == EACCES || err == EPERM) {
            g_set_error(errp, CPRDUMP_ERROR, EXIT_PERMISSION, "QMP %s: "
                        "cannot connect: %s (the socket's file mode decides "
                        "who may use the monitor)", c->path, g_strerror(err));
        } else if (err == EAGAIN) {
            qmp_error(errp, c, "the monitor accepts no more connections "
                      "(busy)");
        } else {
            qmp_error(errp, c, "cannot connect: %s", g_strerror(err));
        }
        return -1;
    }
    return fd;
}

QmpConn *qmp_connect(const char *path, int timeout_ms, GError **errp)
{
    g_autoptr(QmpConn) c = g_new0(QmpConn, 1);
    g_autoptr(JsonObj) greeting = NULL;
    g_autoptr(JsonObj) caps = NULL;
    g_autofree char *what = NULL;

    c->path = g_strdup(path);
    c->timeout_ms = timeout_ms;
    c->buf = g_string_new(NULL);
    c->fd = connect_unix(c, errp);
    if (c->fd < 0) {
        return NULL;
    }
    what = g_strdup_printf("connected, but no greeting within %d ms: the "
                           "monitor is busy (a QMP socket serves one client "
                           "at a time, and another one, such as libvirt, "
                           "holds it) or this is not a QMP socket",
                           timeout_ms);
    greeting = read_line(c, now_ms() + timeout_ms, what, errp);
    if (!greeting) {
        return NULL;
    }
    if (!json_object_object_get_ex(greeting, "QMP", NULL)) {
        qmp_error(errp, c, "the first line is not a QMP greeting");
        return NULL;
    }
    caps = qmp_command(c, "qmp_capabilities", NULL, errp);
    return caps ? g_steal_pointer(&c) : NULL;
}

static json_object *qom_get(QmpConn *c, const char *path, const char *prop,
                            GError **errp)
{
    json_object *a = json_object_new_object();

    json_object_object_add(a, "path", json_object_new_string(path));
    json_object_object_add(a, "property", json_object_new_string(prop));
    return qmp_command(c, "qom-get", a, errp);
}

/* mem-path of every memory-backend-file in qom-list /objects. */
static bool gather_paths(QmpConn *c, json_object *objects, json_object *out,
                         GError **errp)
{
    for (size_t i = 0; i < json_object_array_length(objects); i++) {
        json_object *o = json_object_array_get_idx(objects, i), *n, *t;
        g_autofree char *opath = NULL;
        json_object *v;

        if (!json_object_object_get_ex(o, "name", &n) ||
            !json_object_object_get_ex(o, "type", &t) ||
            strcmp(json_object_get_string(t),
                   "child<memory-backend-file>")) {
            continue;
        }
        opath = g_strdup_printf("/objects/%s", json_object_get_string(n));
        v = qom_get(c, opath, "mem-path", errp);
        if (!v) {
            return false;
        }
        json_object_object_add(out, json_object_get_string(n), v);
    }
    return true;
}

json_object *qmp_gather(const char *path, int timeout_ms, GError **errp)
{
    g_autoptr(QmpConn) c = qmp_connect(path, timeout_ms, errp);
    g_autoptr(JsonObj) facts = json_object_new_object();
    json_object *rb, *text, *v, *objects, *paths;
    json_object *a;

    if (!c || !(rb = qmp_command(c, "x-query-ramblock", NULL, errp))) {
        return NULL;
    }
    if (!json_object_object_get_ex(rb, "human-readable-text", &text)) {
        json_object_put(rb);
        qmp_error(errp, c, "x-query-ramblock: no human-readable-text");
        return NULL;
    }
    json_object_object_add(facts, "ramblock", json_object_get(text));
    json_object_put(rb);
    if (!(v = qmp_command(c, "query-memdev", NULL, errp))) {
        return NULL;
    }
    json_object_object_add(facts, "memdev", v);
    a = json_object_new_object();
    json_object_object_add(a, "path", json_object_new_string("/objects"));
    if (!(objects = qmp_command(c, "qom-list", a, errp))) {
        return NULL;
    }
    json_object_object_add(facts, "objects", objects);
    if (!(v = qom_get(c, "/machine", "aux-ram-share", errp))) {
        return NULL;
    }
    json_object_object_add(facts, "aux-ram-share", v);
    paths = json_object_new_object();
    json_object_object_add(facts, "mem-path", paths);
    if (!gather_paths(c, objects, paths, errp)) {
        return NULL;
    }
    return g_steal_pointer(&facts);
}
