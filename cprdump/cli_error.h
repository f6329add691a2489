/* SPDX-License-Identifier: GPL-2.0-or-later */
/* GError domain of the CLI: the code is the exit code (exitcodes.h). */
#ifndef CPRDUMP_CLI_ERROR_H
#define CPRDUMP_CLI_ERROR_H

#include <glib.h>

#define CPRDUMP_ERROR (cprdump_error_quark())
GQuark cprdump_error_quark(void);

#endif
