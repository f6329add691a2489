/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "live/live_json.h"

#include <string.h>

#include "render/escape.h"
#include "json_get.h"

static void add_str(json_object *o, const char *key, const char *v)
{
    json_object_object_add(o, key, v ? json_text(v) : NULL);
}

static json_object *fd_to_json(const LiveFd *f)
{
    json_object *o = json_object_new_object();

    json_object_object_add(o, "open", json_object_new_boolean(f->open));
    add_str(o, "link", f->link);
    add_str(o, "memfd-name", f->memfd_name);
    json_object_object_add(o, "size", f->has_size
                           ? json_object_new_int64(f->size) : NULL);
    json_object_object_add(o, "cloexec", f->has_cloexec
                           ? json_object_new_boolean(f->cloexec) : NULL);
    json_object_object_add(o, "verdict", json_object_new_int(f->verdict));
    add_str(o, "reason", f->reason);
    return o;
}

json_object *live_check_to_json(const LiveCheck *lc)
{
    json_object *o = json_object_new_object();
    json_object *fds = json_object_new_array();

    json_object_object_add(o, "pid", json_object_new_int(lc->pid));
    add_str(o, "comm", lc->comm);
    json_object_object_add(o, "self", json_object_new_boolean(lc->self));
    json_object_object_add(o, "state-fd", json_object_new_int(lc->state_fd));
    add_str(o, "state-link", lc->state_link);
    add_str(o, "picked-by", lc->picked_by);
    json_object_object_add(o, "method", json_object_new_int(lc->method));
    json_object_object_add(o, "possible",
                           json_object_new_boolean(lc->possible));
    add_str(o, "note", lc->note);
    for (guint i = 0; lc->fds && i < lc->fds->len; i++) {
        json_object_array_add(fds, fd_to_json(&g_array_index(lc->fds, LiveFd,
                                                             i)));
    }
    json_object_object_add(o, "fds", fds);
    return o;
}

static bool get_bool(json_object *o, const char *key, bool *has)
{
    json_object *v;

    *has = json_object_object_get_ex(o, key, &v) &&
           json_object_is_type(v, json_type_boolean);
    return *has && json_object_get_boolean(v);
}

static char *dup_str(json_object *o, const char *key)
{
    return g_strdup(json_get_str(o, key));
}

static bool fd_from_json(json_object *o, LiveFd *f)
{
    int64_t verdict = json_get_int(o, "verdict", -1);

    if (!json_object_is_type(o, json_type_object)) {
        return false;
    }
    if (verdict < 0 || verdict >= LIVE_VERDICT__COUNT) {
        return false;
    }
    bool has;

    f->open = get_bool(o, "open", &has);
    f->link = dup_str(o, "link");
    f->memfd_name = dup_str(o, "memfd-name");
    f->size = json_get_int(o, "size", -1);
    f->has_size = f->size >= 0;
    f->cloexec = get_bool(o, "cloexec", &f->has_cloexec);
    f->verdict = (LiveVerdict)verdict;
    f->reason = dup_str(o, "reason");
    return true;
}

static void clear_elem(gpointer p)
{
    live_fd_clear(p);
}

static LiveCheck *header_from_json(json_object *o)
{
    LiveCheck *lc = g_new0(LiveCheck, 1);
    bool has;

    lc->pid = (pid_t)json_get_int(o, "pid", 0);
    lc->comm = dup_str(o, "comm");
    lc->self = get_bool(o, "self", &has);
    lc->state_fd = (int)json_get_int(o, "state-fd", -1);
    lc->state_link = dup_str(o, "state-link");
    lc->picked_by = dup_str(o, "picked-by");
    lc->method = (ProcMethod)CLAMP(json_get_int(o, "method", 0), 0,
                                   PROC_METHOD_INHERITED);
    lc->possible = get_bool(o, "possible", &has);
    lc->note_owned = dup_str(o, "note");
    lc->note = lc->note_owned;
    lc->fds = g_array_new(FALSE, TRUE, sizeof(LiveFd));
    g_array_set_clear_func(lc->fds, clear_elem);
    return lc;
}

LiveCheck *live_check_from_json(json_object *o, unsigned nfds)
{
    json_object *fds;
    LiveCheck *lc;

    if (!json_object_is_type(o, json_type_object) ||
        !json_object_object_get_ex(o, "fds", &fds) ||
        !json_object_is_type(fds, json_type_array) ||
        json_object_array_length(fds) != (size_t)nfds) {
        return NULL;
    }
    lc = header_from_json(o);
    for (unsigned i = 0; i < nfds; i++) {
        LiveFd f = { 0 };
        if (!fd_from_json(json_object_array_get_idx(fds, i), &f)) {
            live_fd_clear(&f);
            live_check_free(lc);
            return NULL;
        }
        lc->counts[f.verdict]++;
        g_array_append_val(lc->fds, f);
    }
    return lc;
}

void live_provenance_source(json_object *source, const LiveCheck *lc)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/cmdline", (int)lc->pid);
    g_autofree char *cmdline = NULL;
    json_object *argv = json_object_new_array();
    gsize len = 0;

    if (!lc->self) {
        json_object_object_add(source, "pid", json_object_new_int(lc->pid));
    }
    add_str(source, "comm", lc->comm);
    if (lc->picked_by && g_str_has_prefix(lc->picked_by, "environ ")) {
        add_str(source, "env", lc->picked_by + strlen("environ "));
    }
    json_object_object_add(source, "state-fd",
                           json_object_new_int(lc->state_fd));
    if (lc->self) {
        g_free(path);
        path = g_strdup("/proc/self/cmdline");
    }
    if (g_file_get_contents(path, &cmdline, &len, NULL)) {
        for (gsize i = 0; i < len; i += strlen(cmdline + i) + 1) {
            json_object_array_add(argv, json_text(cmdline + i));
        }
    }
    json_object_object_add(source, "cmdline", argv);
}
