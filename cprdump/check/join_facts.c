/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "check/join_facts.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check/preflight.h"
#include "exitcodes.h"
#include "input/procsnap.h"
#include "input/qemu_argv.h"
#include "render/escape.h"

/* How far up the process tree --fd looks for the wrapper. */
#define ANCESTORS_MAX 4

void join_facts_from_pid(Loaded *l, const ProcTarget *t)
{
    g_autoptr(GError) e = NULL;
    g_autoptr(ProcSnap) snap = procsnap_read_pid(t, &e);

    if (!snap) {
        /* the process exited: the live cross-check reports it */
        if (e->code != EXIT_VANISHED) {
            fprintf(stderr, "cprdump: warning: %s; the RAM join tells only "
                    "what the state and the stream tell\n", e->message);
        }
        return;
    }
    l->maps = preflight_build(snap, NULL);
    l->maps_from = g_strdup(snap->label);
    l->qemu_argv = g_strdupv(snap->argv);
    l->argv_from = g_strdup(snap->label);
}

static char **read_cmdline(int pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/cmdline", pid);
    g_autofree char *buf = NULL;
    gsize len;

    return g_file_get_contents(path, &buf, &len, NULL)
           ? procsnap_split_cmdline(buf, len) : NULL;
}

static int parent_of(int pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/stat", pid);
    g_autofree char *buf = NULL;
    const char *p;
    int ppid;

    if (!g_file_get_contents(path, &buf, NULL, NULL) ||
        !(p = strrchr(buf, ')')) || sscanf(p + 2, "%*c %d", &ppid) != 1) {
        return 0;
    }
    return ppid;
}

void join_facts_from_ancestors(Loaded *l)
{
    int pid = getppid();

    for (int i = 0; i < ANCESTORS_MAX && pid > 1; i++, pid = parent_of(pid)) {
        g_auto(GStrv) argv = read_cmdline(pid);
        g_autoptr(QemuArgv) q = argv ? qemu_argv_parse(argv) : NULL;

        if (q && q->is_qemu) {
            l->qemu_argv = g_steal_pointer(&argv);
            l->argv_from = g_strdup_printf("ancestor pid %d", pid);
            return;
        }
    }
}

static const char *jstr(json_object *o, const char *k)
{
    json_object *v;

    return json_object_object_get_ex(o, k, &v) &&
           json_object_is_type(v, json_type_string)
           ? json_object_get_string(v) : NULL;
}

static PfVerdict verdict_by_name(const char *s)
{
    for (int v = 0; v < PF_VERDICT__COUNT; v++) {
        if (s && !strcmp(s, pf_verdict_name((PfVerdict)v))) {
            return (PfVerdict)v;
        }
    }
    return PF_LOST;
}

static void maps_from_json(Loaded *l, json_object *maps)
{
    json_object *blocks;
    PfReport *r;

    if (!json_object_object_get_ex(maps, "blocks", &blocks) ||
        !json_object_is_type(blocks, json_type_array)) {
        return;
    }
    r = preflight_report_new();
    for (size_t i = 0; i < json_object_array_length(blocks); i++) {
        json_object *o = json_object_array_get_idx(blocks, i), *fd;
        PfBlock b = { .fd = -1 };

        b.name = g_strdup(jstr(o, "name"));
        if (json_object_object_get_ex(o, "fd", &fd) &&
            json_object_is_type(fd, json_type_int)) {
            b.fd = json_object_get_int(fd);
        }
        b.verdict = verdict_by_name(jstr(o, "verdict"));
        g_array_append_val(r->blocks, b);
    }
    l->maps = r;
    l->maps_from = g_strdup_printf("capture (%s)", jstr(maps, "from")
                                   ? jstr(maps, "from") : "?");
}

static void argv_from_json(Loaded *l, json_object *cmd)
{
    json_object *argv;
    g_autoptr(GPtrArray) v = g_ptr_array_new();

    if (!json_object_object_get_ex(cmd, "argv", &argv) ||
        !json_object_is_type(argv, json_type_array)) {
        return;
    }
    for (size_t i = 0; i < json_object_array_length(argv); i++) {
        json_object *a = json_object_array_get_idx(argv, i);

        g_ptr_array_add(v, g_strdup(json_object_get_string(a)));
    }
    g_ptr_array_add(v, NULL);
    l->qemu_argv = (char **)g_ptr_array_free(g_steal_pointer(&v), FALSE);
    l->argv_from = g_strdup_printf("capture (%s)", jstr(cmd, "from")
                                   ? jstr(cmd, "from") : "?");
}

void join_facts_from_provenance(Loaded *l, json_object *prov)
{
    json_object *v;

    if (json_object_object_get_ex(prov, "maps", &v)) {
        maps_from_json(l, v);
    }
    if (json_object_object_get_ex(prov, "qemu-cmdline", &v)) {
        argv_from_json(l, v);
    }
}

void join_facts_to_provenance(const Loaded *l, json_object *prov)
{
    if (l->maps) {
        json_object *m = json_object_new_object();
        json_object *blocks = json_object_new_array();

        for (guint i = 0; i < l->maps->blocks->len; i++) {
            const PfBlock *b = &g_array_index(l->maps->blocks, PfBlock, i);
            json_object *o = json_object_new_object();

            json_object_object_add(o, "name", b->name ? json_text(b->name)
                                                      : NULL);
            json_object_object_add(o, "fd", b->fd >= 0
                                   ? json_object_new_int(b->fd) : NULL);
            json_object_object_add(o, "verdict", json_object_new_string(
                                       pf_verdict_name(b->verdict)));
            json_object_array_add(blocks, o);
        }
        json_object_object_add(m, "from", json_text(l->maps_from));
        json_object_object_add(m, "blocks", blocks);
        json_object_object_add(prov, "maps", m);
    }
    if (l->qemu_argv) {
        json_object *c = json_object_new_object();
        json_object *argv = json_object_new_array();

        for (char **a = l->qemu_argv; *a; a++) {
            json_object_array_add(argv, json_text(*a));
        }
        json_object_object_add(c, "from", json_text(l->argv_from));
        json_object_object_add(c, "argv", argv);
        json_object_object_add(prov, "qemu-cmdline", c);
    }
}

const char *join_facts_apply(RamJoin *j, const Loaded *st)
{
    if (st->maps && st->maps->blocks->len) {
        ramjoin_apply_maps(j, st->maps);
        return "mappings";
    }
    if (st->qemu_argv) {
        g_autoptr(QemuArgv) q = qemu_argv_parse(st->qemu_argv);

        if (q->is_qemu) {
            ramjoin_apply_argv(j, q);
            return "command-line";
        }
    }
    return NULL;
}
