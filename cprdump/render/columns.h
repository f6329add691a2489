/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Every column table the renderers declare (render/columns.c lists them). */
#ifndef CPRDUMP_RENDER_COLUMNS_H
#define CPRDUMP_RENDER_COLUMNS_H

#include "render/table.h"

extern const TableDesc table_fds;
extern const TableDesc table_fds_live;
extern const TableDesc table_vfio;
extern const TableDesc table_sections;
extern const TableDesc table_commands;
extern const TableDesc table_ram_blocks;
extern const TableDesc table_join;
extern const TableDesc table_join_why;
extern const TableDesc table_preflight;
extern const TableDesc table_unmatched;
extern const TableDesc table_against_dests;
extern const TableDesc table_against_sections;
extern const TableDesc table_against_blocks;
extern const TableDesc table_against_checks;
extern const TableDesc table_diff;
extern const TableDesc table_extract_blocks;
extern const TableDesc table_find_matches;

#endif
