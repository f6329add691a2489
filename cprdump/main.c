/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cprdump: inspect QEMU CPR state (live update) and migration streams.
 * This file parses the options; session.c does the work.
 */
#include <glib.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cli_error.h"
#include "exitcodes.h"
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
    gboolean version;
    char **files;
} Options;

static const char help_description[] =
    "Input kinds: a CPR state (magic QCPR, as QEMU writes it for cpr-exec and\n"
    "cpr-transfer), a migration stream (magic QEVM: sections, commands, RAM\n"
    "blocks and page counts, vmdesc), a capture written by --save, any of them\n"
    "compressed with zstd (recognised by its magic), or '-' for standard input.\n"
    "\n"
    "Given a CPR state and a stream (in either order), cprdump also joins\n"
    "them: one row per RAM block with the fd that preserves it and a verdict\n"
    "(preserved-by-fd, sent-as-pages, file-backed, not-preserved), and the\n"
    "fds that preserve no RAM block. With --check, a not-preserved block\n"
    "(guest memory a live update would lose) exits with 1.\n"
    "\n"
    "Exit status:\n"
    "  0  success\n"
    "  1  --check found a problem\n"
    "  2  bad options or arguments\n"
    "  3  the input cannot be read (missing, directory, device node, I/O error,\n"
    "     corrupt zstd data)\n"
    "  4  not a known format, or an unsupported version\n"
    "  5  truncated or invalid data (the part decoded so far is still shown)\n"
    "  6  --pid: no such process\n"
    "  7  permission denied\n"
    "  8  --pid/--fd: no CPR state there\n"
    "  9  --pid: the process exited while it was being read\n"
    "\n"
    "Errors are one line on stderr: cprdump: FILE: what, record (counted\n"
    "from 0), offset, field. With --json the same error is also in the\n"
    "document's \"error\" object.\n"
    "\n"
    "Report bugs with the --json output or a --save capture attached.";

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
          "Input format: auto (default), cpr-state, stream or capture",
          "FORMAT" },
        { "check", 'c', 0, G_OPTION_ARG_NONE, &opt->check,
          "Exit 1 when a RAM block would not be preserved", NULL },
        { "save", 's', 0, G_OPTION_ARG_FILENAME, &opt->save,
          "Also write the input as a capture for a bug report", "FILE" },
        { "force", 0, 0, G_OPTION_ARG_NONE, &opt->force,
          "With --save: replace FILE if it exists", NULL },
        { "keep-pages", 0, 0, G_OPTION_ARG_NONE, &opt->keep_pages,
          "With --save of a stream: keep guest memory (default: zeroed)",
          NULL },
        { "version", 'V', 0, G_OPTION_ARG_NONE, &opt->version,
          "Print the version and exit", NULL },
        { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt->files,
          NULL, "FILE" },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new(
        "FILE [FILE] - decode QEMU CPR state and migration streams");

    g_option_context_add_main_entries(ctx, entries, NULL);
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

static bool check_options(const Options *opt, Session *s, OutMode *mode,
                          GError **errp)
{
    guint nfiles = opt->files ? g_strv_length(opt->files) : 0;

    if (!parse_output(opt, mode, errp) || !parse_mode(opt->mode, &s->mode,
                                                      errp)) {
        return false;
    }
    if (opt->format && strcmp(opt->format, "auto")) {
        s->format = formats_by_name(opt->format);
        if (!s->format) {
            return usage(errp, "--format: unknown format '%s'", opt->format);
        }
    }
    if (nfiles < 1 || nfiles > 2) {
        return usage(errp, "expected one FILE, or a CPR state and a stream "
                     "(see --help)%s", "");
    }
    if (opt->save && nfiles != 1) {
        return usage(errp, "--save takes one input, not a pair%s", "");
    }
    s->check = opt->check;
    s->save = opt->save;
    s->force = opt->force;
    s->keep_pages = opt->keep_pages;
    return true;
}

static void options_clear(Options *opt)
{
    g_strfreev(opt->files);
    g_free(opt->output);
    g_free(opt->mode);
    g_free(opt->format);
    g_free(opt->save);
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
        rc = session_run_paths(&s, opt.files);
        out_finish(s.out);
    }
    options_clear(&opt);
    return rc;
}
