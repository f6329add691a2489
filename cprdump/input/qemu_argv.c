/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "input/qemu_argv.h"

#include <json-c/json.h>
#include <string.h>

#define MIB (UINT64_C(1) << 20)

static void clear_backend(gpointer p)
{
    QBackend *b = p;

    g_free(b->id);
    g_free(b->type);
    g_free(b->mem_path);
}

void qemu_argv_free(QemuArgv *q)
{
    if (!q) {
        return;
    }
    g_array_unref(q->backends);
    g_free(q->machine);
    g_free(q->target);
    g_free(q->memory_backend);
    g_free(q->mem_path);
    g_free(q);
}

bool qemu_parse_size(const char *s, uint64_t unit, uint64_t *out)
{
    static const char suffixes[] = "BKMGTPE";
    char *end;
    uint64_t v;
    const char *p;

    if (!s || !g_ascii_isdigit(*s)) {
        return false;
    }
    v = g_ascii_strtoull(s, &end, 10);
    if (!*end) {
        *out = v * unit;
        return v <= G_MAXUINT64 / unit;
    }
    p = strchr(suffixes, g_ascii_toupper(*end));
    if (!p || end[1]) {
        return false;
    }
    for (long i = p - suffixes; i > 0; i--) {
        if (v > G_MAXUINT64 / 1024) {
            return false;
        }
        v *= 1024;
    }
    *out = v;
    return true;
}

static bool parse_bool(const char *v, bool *out)
{
    if (!g_ascii_strcasecmp(v, "on") || !g_ascii_strcasecmp(v, "true") ||
        !g_ascii_strcasecmp(v, "yes") || !strcmp(v, "1")) {
        *out = true;
        return true;
    }
    if (!g_ascii_strcasecmp(v, "off") || !g_ascii_strcasecmp(v, "false") ||
        !g_ascii_strcasecmp(v, "no") || !strcmp(v, "0")) {
        *out = false;
        return true;
    }
    return false;
}

/* QEMU's opts syntax: "a,k=v,k2=v2" with ",," for a literal comma. The
 * first item without '=' gets the key 'implied'. */
static GHashTable *split_opts(const char *s, const char *implied)
{
    GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                          g_free);
    g_autoptr(GString) item = g_string_new(NULL);
    bool first = true;

    for (const char *p = s;; p++) {
        if (*p == ',' && p[1] == ',') {
            g_string_append_c(item, ',');
            p++;
            continue;
        }
        if (*p && *p != ',') {
            g_string_append_c(item, *p);
            continue;
        }
        if (item->len) {
            char *eq = strchr(item->str, '=');

            if (eq) {
                g_hash_table_replace(h, g_strndup(item->str,
                                                  (gsize)(eq - item->str)),
                                     g_strdup(eq + 1));
            } else if (first && implied) {
                g_hash_table_replace(h, g_strdup(implied),
                                     g_strdup(item->str));
            } else {
                g_hash_table_replace(h, g_strdup(item->str), g_strdup("on"));
            }
        }
        first = false;
        g_string_truncate(item, 0);
        if (!*p) {
            break;
        }
    }
    return h;
}

/* JSON -object {"qom-type": ..., "id": ..., ...}: as strings. */
static GHashTable *json_opts(const char *s)
{
    GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                          g_free);
    json_object *o = json_tokener_parse(s);

    if (o && json_object_is_type(o, json_type_object)) {
        json_object_object_foreach(o, k, v) {
            const char *key = !strcmp(k, "qom-type") ? "qom-type" : k;

            g_hash_table_replace(h, g_strdup(key),
                                 g_strdup(json_object_get_string(v)));
        }
    }
    json_object_put(o);
    return h;
}

static bool default_share(const char *type)
{
    return !strcmp(type, "memory-backend-memfd") ||
           !strcmp(type, "memory-backend-shm");
}

static void add_object(QemuArgv *q, const char *arg)
{
    g_autoptr(GHashTable) h = arg[0] == '{' ? json_opts(arg)
                                            : split_opts(arg, "qom-type");
    const char *type = g_hash_table_lookup(h, "qom-type");
    const char *id = g_hash_table_lookup(h, "id");
    const char *v;
    QBackend b = { 0 };

    if (!type || !id || !g_str_has_prefix(type, "memory-backend-")) {
        return;
    }
    b.id = g_strdup(id);
    b.type = g_strdup(type);
    b.has_size = qemu_parse_size(g_hash_table_lookup(h, "size"), 1, &b.size);
    b.share = default_share(type);
    if ((v = g_hash_table_lookup(h, "share"))) {
        b.share_given = parse_bool(v, &b.share);
    }
    b.mem_path = g_strdup(g_hash_table_lookup(h, "mem-path"));
    if ((v = g_hash_table_lookup(h, "x-use-canonical-path-for-ramblock-id"))) {
        parse_bool(v, &b.canonical);
    }
    g_array_append_val(q->backends, b);
}

static void add_machine(QemuArgv *q, const char *arg)
{
    g_autoptr(GHashTable) h = split_opts(arg, "type");
    const char *v;
    bool on;

    if ((v = g_hash_table_lookup(h, "type"))) {
        g_free(q->machine);
        q->machine = g_strdup(v);
    }
    if ((v = g_hash_table_lookup(h, "memory-backend"))) {
        g_free(q->memory_backend);
        q->memory_backend = g_strdup(v);
    }
    if ((v = g_hash_table_lookup(h, "aux-ram-share")) && parse_bool(v, &on)) {
        q->aux_ram_share = on;
    }
}

static void add_memory(QemuArgv *q, const char *arg)
{
    g_autoptr(GHashTable) h = split_opts(arg, "size");
    const char *v = g_hash_table_lookup(h, "size");

    q->has_ram_size = qemu_parse_size(v, MIB, &q->ram_size);
}

static void add_memdev_user(GPtrArray *users, const char *arg, bool *numa)
{
    g_autoptr(GHashTable) h = split_opts(arg, "driver");
    const char *v = g_hash_table_lookup(h, "memdev");

    if (v) {
        g_ptr_array_add(users, g_strdup(v));
        if (numa) {
            *numa = true;
        }
    }
}

static const char *opt_name(const char *a)
{
    if (a[0] != '-') {
        return NULL;
    }
    return a[1] == '-' ? a + 2 : a + 1;
}

static void mark_used(QemuArgv *q, GPtrArray *users)
{
    if (q->memory_backend) {
        g_ptr_array_add(users, g_strdup(q->memory_backend));
    }
    for (guint i = 0; i < q->backends->len; i++) {
        QBackend *b = &g_array_index(q->backends, QBackend, i);

        for (guint k = 0; k < users->len; k++) {
            const char *u = g_ptr_array_index(users, k);

            if (!strcmp(u, b->id) ||
                (g_str_has_prefix(u, "/objects/") && !strcmp(u + 9, b->id))) {
                b->used = true;
            }
        }
    }
}

QemuArgv *qemu_argv_parse(char *const *argv)
{
    QemuArgv *q = g_new0(QemuArgv, 1);
    g_autoptr(GPtrArray) users = g_ptr_array_new_with_free_func(g_free);

    q->backends = g_array_new(FALSE, TRUE, sizeof(QBackend));
    g_array_set_clear_func(q->backends, clear_backend);
    q->aux_ram_share = -1;
    for (int i = 0; argv && argv[i]; i++) {
        const char *o = opt_name(argv[i]), *v = argv[i + 1];
        g_autofree char *base = g_path_get_basename(argv[i]);

        if (g_str_has_prefix(base, "qemu-system-") && !q->is_qemu) {
            q->is_qemu = true;
            q->target = g_strdup(base + strlen("qemu-system-"));
        }
        if (!o || !v) {
            continue;
        }
        if (!strcmp(o, "object")) {
            add_object(q, v);
        } else if (!strcmp(o, "machine") || !strcmp(o, "M")) {
            add_machine(q, v);
        } else if (!strcmp(o, "m")) {
            add_memory(q, v);
        } else if (!strcmp(o, "mem-path")) {
            g_free(q->mem_path);
            q->mem_path = g_strdup(v);
        } else if (!strcmp(o, "numa")) {
            add_memdev_user(users, v, &q->numa_memdev);
        } else if (!strcmp(o, "device")) {
            add_memdev_user(users, v, NULL);
        } else {
            continue;
        }
        i++;
    }
    mark_used(q, users);
    return q;
}

const QBackend *qemu_argv_backend(const QemuArgv *q, const char *id)
{
    if (id && g_str_has_prefix(id, "/objects/")) {
        id += strlen("/objects/");
    }
    for (guint i = 0; id && i < q->backends->len; i++) {
        const QBackend *b = &g_array_index(q->backends, QBackend, i);

        if (!strcmp(b->id, id)) {
            return b;
        }
    }
    return NULL;
}

char *qemu_backend_idstr(const QBackend *b)
{
    return b->canonical ? g_strdup_printf("/objects/%s", b->id)
                        : g_strdup(b->id);
}

bool qemu_argv_default_ram(const QemuArgv *q)
{
    return !q->memory_backend && !q->numa_memdev;
}
