/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The registry of column tables, for --list-columns and --columns. */
#include "render/columns.h"

const TableDesc *const table_registry[] = {
    &table_fds,
    &table_fds_live,
    &table_vfio,
    &table_sections,
    &table_commands,
    &table_ram_blocks,
    &table_join,
    &table_join_why,
    &table_unmatched,
    &table_against_dests,
    &table_against_sections,
    &table_against_blocks,
    &table_against_checks,
    &table_preflight,
    &table_diff,
    &table_extract_blocks,
    &table_find_matches,
    NULL,
};
