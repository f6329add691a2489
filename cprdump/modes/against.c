/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cprdump --against=DEST [--against=DEST ...] STREAM: will STREAM load into
 * the destination? DEST is a -dump-vmstate file, a reference stream of the
 * destination, or the destination's QEMU binary (run for its dump).
 * Exit 0 loads, 1 will fail, 10 cannot tell, 2..9 errors.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check/against.h"
#include "exitcodes.h"
#include "input/load.h"
#include "input/qemu_dump.h"
#include "modes/modes.h"
#include "render/render_against.h"
#include "render/report.h"

static int dest_error(Session *s, const char *label, const FmtError *err)
{
    report_fmt_error(s->out, label, err);
    return report_exit_code(err);
}

static int take_dump(Session *s, AgDest *d, const uint8_t *buf, size_t len)
{
    FmtError err;

    d->dump = vmstate_dump_parse(buf, len, &err);
    if (!d->dump) {
        return dest_error(s, d->label, &err);
    }
    d->machine = g_strdup(d->dump->machine);
    return EXIT_OK;
}

/* CPRDUMP_AGAINST_TIMEOUT_MS overrides the 20 s (doc/against.md). */
static int dump_timeout_ms(void)
{
    const char *v = g_getenv("CPRDUMP_AGAINST_TIMEOUT_MS");
    guint64 ms;

    if (v && g_ascii_string_to_unsigned(v, 10, 1, 600000, &ms, NULL)) {
        return (int)ms;
    }
    return QEMU_DUMP_TIMEOUT_MS;
}

static int load_binary(Session *s, AgDest *d, const char *machine)
{
    QemuDumpRun r;
    int rc = EXIT_OK;

    if (machine && !qemu_machine_name_ok(machine)) {
        g_autofree char *safe = g_strescape(machine, NULL);
        fprintf(stderr, "cprdump: %s: the stream's machine type \"%s\" is not "
                "a plain name; the destination is not run with it\n",
                d->label, safe);
        return EXIT_MALFORMED;
    }
    qemu_dump_run(d->label, machine, dump_timeout_ms(), &r);
    if (r.dump) {
        gsize len;
        const uint8_t *buf = g_bytes_get_data(r.dump, &len);
        rc = take_dump(s, d, buf, len);
    } else if (r.machine_refused) {
        d->machine_refused = true;
        d->run_error = g_strdup(r.error);
    } else {
        fprintf(stderr, "cprdump: %s: the destination QEMU gave no "
                "-dump-vmstate: %s\n", d->label, r.error);
        d->run_error = g_strdup(r.error);
        rc = EXIT_INPUT;
    }
    qemu_dump_run_clear(&r);
    return rc;
}

static bool is_executable_file(const char *path)
{
    return g_file_test(path, G_FILE_TEST_IS_REGULAR) &&
           access(path, X_OK) == 0;
}

static int load_dest(Session *s, const char *path, const char *machine,
                     AgDest *d)
{
    g_autoptr(GError) e = NULL;
    g_autoptr(Input) in = NULL;
    const uint8_t *head;
    size_t n;

    d->label = g_strdup(path);
    in = input_open_path(path, &e);
    if (!in) {
        report_gerror(s->out, e);
        return e->code;
    }
    n = input_peek(in, &head, 8);
    if (n >= 4 && !memcmp(head, "QCPR", 4)) {
        fprintf(stderr, "cprdump: %s: a CPR state is no destination (give a "
                "-dump-vmstate file, a stream or a QEMU binary)\n", path);
        return EXIT_USAGE;
    }
    if (stream_probe(head, n)) {
        Loaded l = { 0 };
        Input *own = g_steal_pointer(&in);
        if (!load_input(s, own, &l) || l.state || fmt_error_is_set(&l.err)) {
            int rc = l.rc;
            if (!rc && fmt_error_is_set(&l.err)) {
                rc = dest_error(s, d->label, &l.err);
            } else if (!rc) {
                fprintf(stderr, "cprdump: %s: a CPR state is no destination\n",
                        d->label);
                rc = EXIT_USAGE;
            }
            loaded_clear(&l);
            return rc;
        }
        d->kind = AGD_STREAM;
        d->stream = g_steal_pointer(&l.stream);
        d->machine = g_strdup(d->stream->config.machine_type);
        loaded_clear(&l);
        return EXIT_OK;
    }
    if (n >= 2 && (head[0] == 0x7f || (head[0] == '#' && head[1] == '!')) &&
        is_executable_file(path)) {
        d->kind = AGD_BINARY;
        return load_binary(s, d, machine);
    }
    d->kind = AGD_DUMP;
    g_autoptr(GBytes) bytes = input_slurp(in, VDUMP_MAX_BYTES, &e);
    if (!bytes) {
        report_gerror(s->out, e);
        return e->code;
    }
    gsize len;
    const uint8_t *buf = g_bytes_get_data(bytes, &len);
    return take_dump(s, d, buf, len);
}

static int verdict_exit(AgVerdict v)
{
    switch (v) {
    case AG_FAILS:
        return EXIT_CHECK;
    case AG_CANNOT_TELL:
        return EXIT_CANNOT_TELL;
    default:
        return EXIT_OK;
    }
}

static int check_and_show(Session *s, Loaded *l, GPtrArray *dests)
{
    g_autoptr(Against) a = against_run(l->stream, dests);

    render_against(s->out, input_label(l->in), a);
    return verdict_exit(a->verdict);
}

static int run_against(Session *s)
{
    g_autoptr(GPtrArray) dests = g_ptr_array_new_with_free_func(
        (GDestroyNotify)ag_dest_free);
    Loaded l = { 0 };
    int rc = EXIT_OK;

    if (!load_path(s, s->files[0], &l)) {
        rc = l.rc;
        goto out;
    }
    if (l.state) {
        fprintf(stderr, "cprdump: %s: --against takes a migration stream, "
                "not a CPR state\n", input_label(l.in));
        rc = EXIT_USAGE;
        goto out;
    }
    if (fmt_error_is_set(&l.err)) {
        report_fmt_error(s->out, input_label(l.in), &l.err);
        rc = report_exit_code(&l.err);
        goto out;
    }
    for (char **p = s->against; *p; p++) {
        AgDest *d = g_new0(AgDest, 1);
        g_ptr_array_add(dests, d);
        rc = load_dest(s, *p, l.stream->config.machine_type, d);
        if (rc) {
            goto out;
        }
    }
    rc = check_and_show(s, &l, dests);
out:
    loaded_clear(&l);
    return rc;
}

static bool selects_against(const Session *s)
{
    return s->against != NULL;
}

const Mode mode_against = { "against", selects_against, run_against };
