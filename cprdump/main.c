/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cprdump: inspect QEMU CPR state (live update) and migration streams.
 * This file parses the options into a Session and dispatches to the mode
 * that runs it (modes/modes.h).
 */
#include <errno.h>
#include <glib.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_error.h"
#include "exitcodes.h"
#include "modes/modes.h"
#include "render/table.h"
#include "session.h"

#ifndef CPRDUMP_VERSION
#define CPRDUMP_VERSION "0.1.0"
#endif

typedef struct Options {
    gboolean json;
    char *output;
    char *mode;
    char *format;
    gboolean check;
    char *save;
    gboolean force;
    gboolean keep_pages;
    gboolean show_xml;
    gboolean version;
    char *columns;
    gboolean list_columns;
    char **column_names;        /* --columns, split */
    char **device;
    gboolean offsets;
    char *pid;
    char *extract_dir;
    char **channels;
    char *dump_ram;
    char *find;
    char *stream;
    gboolean preflight;
    char *snapshot;
    char *qmp;
    gboolean digest;
    bool fd_given;
    int fd;                     /* --fd N; -1: --fd alone */
    char **against;
    gboolean diff;
    char **ignore;
    gboolean ignore_volatile;
    char **files;
} Options;

static const char help_description[] =
    "Input kinds: a CPR state (magic QCPR, as QEMU writes it for cpr-exec and\n"
    "cpr-transfer), a migration stream (magic QEVM: sections, commands, RAM\n"
    "blocks and page counts, vmdesc), a capture written by --save, a libvirt\n"
    "save image (virsh save, managedsave, snapshot memory: header, domain XML\n"
    "summary, and the stream inside, decompressed as the header says), any of\n"
    "them compressed with zstd, gzip, bzip2, xz or lzop (recognised by its\n"
    "magic), or '-' for standard input.\n"
    "\n"
    "Given a CPR state and a stream (in either order), cprdump also joins\n"
    "them: one row per RAM block with the fd that preserves it and a verdict\n"
    "(preserved-by-fd, fd-recorded, sent-as-pages, file-backed, lost; with\n"
    "--pid also preserved-by-path, and lost for a recorded memfd mapped\n"
    "private), and\n"
    "the fds that preserve no RAM block. With --check, a lost block (guest\n"
    "memory a live update would lose) exits with 1.\n"
    "\n"
    "--against DEST (repeatable) checks, offline, whether the stream FILE\n"
    "loads into a destination QEMU and names what will fail: DEST is its\n"
    "-dump-vmstate file, a stream its own command line saved (paused with\n"
    "-S), or its binary (run read-only for its -dump-vmstate). Verdict per\n"
    "section and RAM block, and overall: loads (exit 0), will-fail (exit 1)\n"
    "or cannot-tell (exit 10), with the line QEMU would print.\n"
    "\n"
    "Live processes (instead of FILE):\n"
    "  --pid PID   reads the cpr-exec state memfd of a running process (the fd\n"
    "              linking to /memfd:QEMU_CPR_EXEC_STATE; QEMU_CPR_EXEC_STATE=N\n"
    "              in its environ picks among several) with pidfd_getfd, else\n"
    "              by opening /proc/PID/fd/N, and always with pread from offset\n"
    "              0: the process is never written to, signalled or stopped and\n"
    "              its file offset does not move. Needs ptrace read access (same\n"
    "              user, or CAP_SYS_PTRACE).\n"
    "  --fd [N]    reads an inherited fd (alone: the one $QEMU_CPR_EXEC_STATE\n"
    "              names), e.g. inside a cpr-exec-command wrapper; its offset\n"
    "              stays where it was.\n"
    "  Both cross-check every fd record against what the process (with --fd:\n"
    "  cprdump itself) has at that number: link, memfd name, size,\n"
    "  close-on-exec, and a verdict: ok, missing or unexpected-kind. With\n"
    "  --check any verdict other than ok exits with 1. cpr-transfer states\n"
    "  record no fd numbers: no cross-check.\n"
    "\n"
    "Preflight (--pid on a QEMU that holds no CPR state yet, the old QEMU\n"
    "before migrate; --preflight --pid PID on any QEMU; --proc-snapshot DIR):\n"
    "  for every RAM block (the smaps entries with VmFlags dc) its host\n"
    "  mapping, the fd that will carry it and what cpr-exec does with it:\n"
    "  preserved-by-fd, preserved-by-path, lost or not-preserved-rebuilt (a\n"
    "  ROM), the reason, and the option that keeps a lost block. --qmp SOCKET\n"
    "  adds read-only queries (x-query-ramblock, query-memdev, qom-list,\n"
    "  qom-get) that name every block. With --check any lost block exits 1.\n"
    "  --digest hashes what each preserved block's memfd or file holds (it\n"
    "  reads guest memory, so it is off by default): run it on the old QEMU\n"
    "  and on the new one to see that nothing changed.\n"
    "Diff (--diff A B): two migration streams or two CPR states (plain,\n"
    "zstd or captures, in any mix): configuration, sections, versions, device\n"
    "fields by path with both values, RAM blocks and page totals; or fd\n"
    "records and vfio devices. Exit 0 when they are the same, 1 when they\n"
    "differ, as diff(1).\n"
    "\n"
    "Exit status:\n"
    "  0  success (--diff: no difference)\n"
    "  1  --check found a problem (--diff: the inputs differ)\n"
    "  2  bad options or arguments\n"
    "  3  the input cannot be read (missing, directory, device node, I/O error,\n"
    "     corrupt or truncated compressed data, a decompression bomb; --qmp:\n"
    "     no socket, busy monitor, bad reply)\n"
    "  4  not a known format, or an unsupported version\n"
    "  5  truncated or invalid data (the part decoded so far is still shown)\n"
    "  6  --pid: no such process\n"
    "  7  permission denied\n"
    "  8  --pid/--fd: no CPR state there (no state memfd, fd not open);\n"
    "     --preflight: no guest RAM mapping (not a QEMU)\n"
    "  9  --pid: the process exited while it was being read\n"
    "  10 --against: cannot tell whether the stream loads\n"
    "  11 --extract-ram: the output cannot be written (the directory, a file\n"
    "     in it, a write error); an existing file without --force is 2\n"
    "\n"
    "Errors are one line on stderr: cprdump: FILE: what, record (counted\n"
    "from 0), offset, field. With --json the same error is also in the\n"
    "document's \"error\" object.\n"
    "\n"
    "Report bugs with the --json output or a --save capture attached.";

static gboolean parse_fd_option(const char *name, const char *value,
                                gpointer data, GError **errp)
{
    Options *opt = data;
    char *end;
    long v;

    opt->fd_given = true;
    opt->fd = -1;
    if (!value) {
        return TRUE;
    }
    errno = 0;
    v = strtol(value, &end, 10);
    if (!g_ascii_isdigit(*value) || *end || errno || v > G_MAXINT) {
        g_set_error(errp, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "%s: '%s' is not an fd number", name, value);
        return FALSE;
    }
    opt->fd = (int)v;
    return TRUE;
}

static bool parse_options(int *argc, char ***argv, Options *opt,
                          GError **errp)
{
    GOptionEntry entries[] = {
        { "json", 'j', 0, G_OPTION_ARG_NONE, &opt->json,
          "Print one JSON document (same as --output=json)", NULL },
        { "output", 'o', 0, G_OPTION_ARG_STRING, &opt->output,
          "Output format: human (default) or json", "FORMAT" },
        { "mode", 'm', 0, G_OPTION_ARG_STRING, &opt->mode,
          "CPR fd encoding: auto (default), exec or transfer", "MODE" },
        { "format", 'f', 0, G_OPTION_ARG_STRING, &opt->format,
          "Input format: auto (default), cpr-state, stream, capture or "
          "libvirt-save",
          "FORMAT" },
        { "check", 'c', 0, G_OPTION_ARG_NONE, &opt->check,
          "Exit 1 when a RAM block would not be preserved, or (--pid, --fd) "
          "on any fd verdict other than ok", NULL },
        { "stream", 0, 0, G_OPTION_ARG_FILENAME, &opt->stream,
          "With --pid or --fd: join the live state with this migration "
          "stream and check each memfd's size", "FILE" },
        { "pid", 'p', 0, G_OPTION_ARG_STRING, &opt->pid,
          "Read the cpr-exec state of a running process and cross-check its "
          "fds", "PID" },
        { "fd", 0, G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK,
          (gpointer)parse_fd_option, "Read the state from inherited fd N "
          "(alone: $QEMU_CPR_EXEC_STATE) and cross-check this process's fds",
          "[N]" },
        { "preflight", 0, 0, G_OPTION_ARG_NONE, &opt->preflight,
          "With --pid: run the cpr-exec preflight even if the process holds "
          "a CPR state (without it, --pid does so when it holds none)", NULL },
        { "qmp", 0, 0, G_OPTION_ARG_FILENAME, &opt->qmp,
          "Preflight: also ask this QMP socket (read-only queries) to name "
          "every RAM block", "SOCKET" },
        { "digest", 0, 0, G_OPTION_ARG_NONE, &opt->digest,
          "Preflight: also hash the contents of each preserved block (reads "
          "guest memory through its fd; off by default)", NULL },
        { "proc-snapshot", 0, 0, G_OPTION_ARG_FILENAME, &opt->snapshot,
          "Preflight from a saved /proc snapshot directory instead of a "
          "live process", "DIR" },
        { "diff", 0, 0, G_OPTION_ARG_NONE, &opt->diff,
          "Show what differs between two streams or two CPR states (exit 0: "
          "same, 1: different)", NULL },
        { "ignore", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt->ignore,
          "With --diff: drop differences whose path matches GLOB "
          "(repeatable)", "GLOB" },
        { "ignore-volatile", 0, 0, G_OPTION_ARG_NONE, &opt->ignore_volatile,
          "With --diff: drop the fields that change on every save of an idle "
          "VM (timers, clocks, TSC; see cprdump(1))", NULL },
        { "save", 's', 0, G_OPTION_ARG_FILENAME, &opt->save,
          "Also write the input as a capture for a bug report", "FILE" },
        { "force", 0, 0, G_OPTION_ARG_NONE, &opt->force,
          "With --save: replace FILE if it exists; with --extract-ram: "
          "replace files in DIR", NULL },
        { "extract-ram", 0, 0, G_OPTION_ARG_FILENAME, &opt->extract_dir,
          "Write each RAM block of the stream as a sparse image file in DIR, "
          "with a manifest.json", "DIR" },
        { "channel", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt->channels,
          "With --extract-ram, --dump-ram, --find: a recorded multifd "
          "channel of the stream (repeatable)", "FILE" },
        { "dump-ram", 0, 0, G_OPTION_ARG_STRING, &opt->dump_ram,
          "Print a range of a RAM block as hexdump -C lines (LENGTH default "
          "256, at most 16 MiB)", "BLOCK[@OFFSET[+LENGTH]]" },
        { "find", 0, 0, G_OPTION_ARG_STRING, &opt->find,
          "List the block and offset of every match in guest memory "
          "(0xHEX bytes, else the text)", "PATTERN" },
        { "keep-pages", 0, 0, G_OPTION_ARG_NONE, &opt->keep_pages,
          "With --save of a stream: keep guest memory (default: zeroed)",
          NULL },
        { "show-xml", 0, 0, G_OPTION_ARG_NONE, &opt->show_xml,
          "With a libvirt save image: also print its domain XML and cookie",
          NULL },
        { "columns", 0, 0, G_OPTION_ARG_STRING, &opt->columns,
          "Columns of the main tables (fd records, sections) in the human "
          "output; +LIST adds to the default set", "LIST" },
        { "list-columns", 0, 0, G_OPTION_ARG_NONE, &opt->list_columns,
          "List every table's columns with their help text and exit", NULL },
        { "against", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt->against,
          "Check whether the stream FILE loads into this destination: a "
          "-dump-vmstate file, a stream the destination saved, or its QEMU "
          "binary (repeatable)", "DEST" },
        { "device", 'd', 0, G_OPTION_ARG_STRING_ARRAY, &opt->device,
          "Also decode the device sections whose idstr or vmsd name matches "
          "the glob PATTERN field by field (repeatable; 'all': every one)",
          "PATTERN" },
        { "offsets", 0, 0, G_OPTION_ARG_NONE, &opt->offsets,
          "With --device: show each field's offset and size", NULL },
        { "version", 'V', 0, G_OPTION_ARG_NONE, &opt->version,
          "Print the version and exit", NULL },
        { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt->files,
          NULL, "FILE" },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new(
        "FILE [FILE] | --pid PID | --fd [N] - decode QEMU CPR state and "
        "migration streams");
    GOptionGroup *group = g_option_group_new(NULL, NULL, NULL, opt, NULL);

    g_option_group_add_entries(group, entries);
    g_option_context_set_main_group(ctx, group);
    g_option_context_set_description(ctx, help_description);
    return g_option_context_parse(ctx, argc, argv, errp);
}

static bool usage(GError **errp, const char *fmt, const char *arg)
{
    g_set_error(errp, CPRDUMP_ERROR, EXIT_USAGE, fmt, arg);
    return false;
}

static bool parse_output(const Options *opt, OutMode *mode, GError **errp)
{
    *mode = opt->json ? OUT_JSON : OUT_HUMAN;
    if (opt->output && !strcmp(opt->output, "json")) {
        *mode = OUT_JSON;
    } else if (opt->output && strcmp(opt->output, "human")) {
        return usage(errp, "--output: unknown format '%s' (human or json)",
                     opt->output);
    }
    return true;
}

static bool parse_mode(const char *arg, CprMode *mode, GError **errp)
{
    *mode = CPR_MODE_AUTO;
    if (arg && !strcmp(arg, "exec")) {
        *mode = CPR_MODE_EXEC;
    } else if (arg && !strcmp(arg, "transfer")) {
        *mode = CPR_MODE_TRANSFER;
    } else if (arg && strcmp(arg, "auto")) {
        return usage(errp, "--mode: unknown mode '%s' (auto, exec or "
                     "transfer)", arg);
    }
    return true;
}

/* --columns=LIST or +LIST: split, and every name checked. */
static bool parse_columns(Options *opt, GError **errp)
{
    const char *list = opt->columns;

    if (!list) {
        return true;
    }
    list += list[0] == '+';
    opt->column_names = g_strsplit(list, ",", -1);
    if (!opt->column_names[0]) {
        return usage(errp, "--columns: no column given%s", "");
    }
    return table_check_columns(opt->column_names, errp);
}

static bool check_options(Options *opt, Session *s, OutMode *mode,
                          GError **errp)
{
    guint nfiles = opt->files ? g_strv_length(opt->files) : 0;

    if (!parse_output(opt, mode, errp) || !parse_mode(opt->mode, &s->mode,
                                                      errp) ||
        !parse_columns(opt, errp)) {
        return false;
    }
    if (opt->list_columns) {
        return true;
    }
    if (opt->format && strcmp(opt->format, "auto")) {
        s->format = formats_by_name(opt->format);
        if (!s->format) {
            return usage(errp, "--format: unknown format '%s'", opt->format);
        }
    }
    if (!!opt->extract_dir + !!opt->dump_ram + !!opt->find > 1) {
        return usage(errp, "--extract-ram, --dump-ram and --find exclude "
                     "each other%s", "");
    }
    if (opt->extract_dir || opt->dump_ram || opt->find) {
        if (nfiles != 1 || opt->pid || opt->fd_given || opt->save ||
            opt->check) {
            return usage(errp, "--extract-ram, --dump-ram and --find take "
                         "one migration stream FILE (and its --channel "
                         "files)%s", "");
        }
    } else if (opt->channels) {
        return usage(errp, "--channel goes with --extract-ram, --dump-ram "
                     "or --find%s", "");
    }
    s->extract_dir = opt->extract_dir;
    s->channels = opt->channels;
    s->dump_ram = opt->dump_ram;
    s->find = opt->find;
    if (opt->digest && !opt->pid) {
        return usage(errp, "--digest goes with --pid (it reads the process's "
                     "memfds and files)%s", "");
    }
    if ((opt->preflight || opt->qmp) && !opt->pid && !opt->snapshot) {
        return usage(errp, "--preflight and --qmp go with --pid or "
                     "--proc-snapshot%s", "");
    }
    if (opt->snapshot && (opt->pid || opt->fd_given || nfiles)) {
        return usage(errp, "--proc-snapshot excludes --pid, --fd and FILE%s",
                     "");
    }
    if ((opt->preflight || opt->snapshot) && (opt->stream || opt->save)) {
        return usage(errp, "the preflight takes no --stream or --save%s", "");
    }
    s->preflight = opt->preflight || (opt->qmp && !opt->snapshot);
    s->snapshot = opt->snapshot;
    s->qmp = opt->qmp;
    s->digest = opt->digest;
    s->preflight = s->preflight || opt->digest;
    if (opt->snapshot) {
        /* nothing more to check */
    } else if (opt->pid || opt->fd_given) {
        char *end;
        long v;

        if (nfiles || (opt->pid && opt->fd_given)) {
            return usage(errp, "--pid, --fd and FILE exclude each other%s",
                         "");
        }
        errno = 0;
        v = opt->pid ? strtol(opt->pid, &end, 10) : 0;
        if (opt->pid && (!g_ascii_isdigit(*opt->pid) || *end || errno ||
                         v <= 0 || v > G_MAXINT)) {
            return usage(errp, "--pid: '%s' is not a process id", opt->pid);
        }
        s->pid = (int)v;
        s->fd_given = opt->fd_given;
        s->fd = opt->fd;
    } else if (opt->diff && nfiles != 2) {
        return usage(errp, "--diff takes two files, A and B%s", "");
    } else if (nfiles < 1 || nfiles > 2) {
        return usage(errp, "expected one FILE, or a CPR state and a stream "
                     "(see --help)%s", "");
    }
    if (opt->stream && !(opt->pid || opt->fd_given)) {
        return usage(errp, "--stream goes with --pid or --fd; otherwise "
                     "give the stream as a second FILE%s", "");
    }
    if ((opt->ignore || opt->ignore_volatile) && !opt->diff) {
        return usage(errp, "--ignore and --ignore-volatile go with --diff%s",
                     "");
    }
    if (opt->diff && (opt->check || opt->save)) {
        return usage(errp, "--diff excludes --check and --save%s", "");
    }
    s->diff = opt->diff;
    s->ignore = (const char *const *)opt->ignore;
    s->ignore_volatile = opt->ignore_volatile;
    s->stream = opt->stream;
    if (opt->against && (nfiles != 1 || opt->pid || opt->fd_given ||
                         opt->save || opt->check)) {
        return usage(errp, "--against takes one stream FILE (no --pid, --fd, "
                     "--save or --check)%s", "");
    }
    s->against = opt->against;
    if (opt->save && nfiles > 1) {
        return usage(errp, "--save takes one input, not a pair%s", "");
    }
    s->check = opt->check;
    s->save = opt->save;
    s->force = opt->force;
    s->keep_pages = opt->keep_pages;
    if (opt->offsets && !opt->device) {
        return usage(errp, "--offsets goes with --device%s", "");
    }
    s->devices.patterns = opt->device;
    s->devices.offsets = opt->offsets;
    s->show_xml = opt->show_xml;
    return true;
}

static void options_clear(Options *opt)
{
    g_strfreev(opt->files);
    g_strfreev(opt->device);
    g_free(opt->output);
    g_free(opt->mode);
    g_free(opt->format);
    g_free(opt->save);
    g_free(opt->pid);
    g_free(opt->stream);
    g_free(opt->columns);
    g_strfreev(opt->column_names);
    g_strfreev(opt->against);
    g_free(opt->snapshot);
    g_free(opt->qmp);
    g_strfreev(opt->ignore);
    g_free(opt->extract_dir);
    g_strfreev(opt->channels);
    g_free(opt->dump_ram);
    g_free(opt->find);
}

/* The modes, in the order they are tried: the first that selects runs. */
static const Mode *const modes[] = { &mode_against, &mode_preflight,
                                     &mode_live, &mode_diff, &mode_extract,
                                     &mode_show };

static int run_mode(Session *s)
{
    for (size_t i = 0; i < G_N_ELEMENTS(modes); i++) {
        if (modes[i]->selects(s)) {
            return modes[i]->run(s);
        }
    }
    fprintf(stderr, "cprdump: nothing to do (see --help)\n");
    return EXIT_USAGE;
}

int main(int argc, char **argv)
{
    g_autoptr(GError) e = NULL;
    Options opt = { 0 };
    Session s = { 0 };
    OutMode mode;
    int rc = EXIT_USAGE;

    setlocale(LC_ALL, "");
    if (!parse_options(&argc, &argv, &opt, &e) ||
        (!opt.version && !check_options(&opt, &s, &mode, &e))) {
        fprintf(stderr, "cprdump: %s\n", e->message);
    } else if (opt.version) {
        printf("cprdump %s\n", CPRDUMP_VERSION);
        rc = EXIT_OK;
    } else {
        s.out = out_new(mode, stdout);
        s.files = opt.files;
        out_set_columns(s.out, opt.column_names,
                        opt.columns && opt.columns[0] == '+');
        if (opt.list_columns) {
            table_list_columns(s.out);
            rc = EXIT_OK;
        } else {
            rc = run_mode(&s);
        }
        out_finish(s.out);
    }
    options_clear(&opt);
    return rc;
}
