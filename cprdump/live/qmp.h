/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A read-only QMP client (plain unix socket, poll() timeouts, json-c), and the
 * facts the preflight asks for (preflight-facts §4.1, §4.2).
 *
 * Only the commands of qmp_allowed[] are ever sent: qmp_capabilities (the
 * handshake) and queries (x-query-ramblock, query-memdev, qom-list, qom-get).
 * Nothing that changes the target, such as migrate-set-parameters.
 *
 * A QMP server serves one client at a time: when another client holds it the
 * connection is accepted but no greeting comes. Every wait is bounded by the
 * timeout, and that case gets its own message.
 *
 * The facts are kept as one JSON object (the same as a snapshot's qmp.json):
 *   { "ramblock": "<x-query-ramblock text>", "memdev": [query-memdev],
 *     "objects": [qom-list /objects], "aux-ram-share": bool,
 *     "mem-path": { "<backend id>": "<path>" } }
 * The model and its pure parsers are in qmp_facts.c.
 * GErrors are CPRDUMP_ERROR: EXIT_INPUT (no socket, timeout, bad reply) or
 * EXIT_PERMISSION.
 */
#ifndef CPRDUMP_QMP_H
#define CPRDUMP_QMP_H

#include <glib.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#define QMP_TIMEOUT_MS 2000

/* g_autoptr(JsonObj): json_object_put at scope end. */
typedef json_object JsonObj;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(JsonObj, json_object_put)

extern const char *const qmp_allowed[];

typedef struct QmpConn QmpConn;

QmpConn *qmp_connect(const char *path, int timeout_ms, GError **errp);
/* Sends one allowed command (args may be NULL, taken); returns "return". */
json_object *qmp_command(QmpConn *c, const char *name, json_object *args,
                         GError **errp);
void qmp_close(QmpConn *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QmpConn, qmp_close)

/* Runs the queries; returns the facts object described above. */
json_object *qmp_gather(const char *path, int timeout_ms, GError **errp);

typedef struct QmpBlock {
    char *name;               /* "" for an unused backend's block */
    uint64_t offset, used, total, hva;
    bool ro;
} QmpBlock;

typedef struct QmpMemdev {
    char *id;
    char *type;               /* from qom-list /objects, or NULL */
    uint64_t size;
    bool share;
    char *mem_path;           /* memory-backend-file, or NULL */
} QmpMemdev;

typedef struct QmpFacts {
    GArray *blocks;           /* QmpBlock */
    GArray *memdevs;          /* QmpMemdev */
    int aux_ram_share;        /* 1, 0, -1 unknown */
} QmpFacts;

/* Pure: parses `info ramblock` text (a missing Block Name column is ""). */
GArray *qmp_parse_ramblock(const char *text, GError **errp);
/* Pure: the facts object -> model. Errors: EXIT_INPUT. */
QmpFacts *qmp_facts_from_json(json_object *j, GError **errp);
void qmp_facts_free(QmpFacts *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QmpFacts, qmp_facts_free)
const QmpMemdev *qmp_facts_memdev(const QmpFacts *f, const char *idstr);

#endif
