/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The diff engine: two lists of facts, each a (group, path, value) triple
 * (group: "configuration", "ram", a device section "IDSTR#INSTANCE", ...),
 * compared by key into changes: added, removed, changed, version. A fact
 * may have a parent fact: when the parent is missing on the other side, only
 * the parent is reported (a removed section, not each of its fields); so is
 * a FACT_WHOLE parent whose value differs. Paths
 * are matched against --ignore globs and the volatile list as "GROUP: PATH"
 * (the group alone for the group's own fact). doc/diff.md has the rules.
 */
#ifndef CPRDUMP_CHECK_DIFF_H
#define CPRDUMP_CHECK_DIFF_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#define DIFF_NO_PARENT UINT32_MAX

typedef enum DiffKind {
    DIFF_ADDED,      /* only in B */
    DIFF_REMOVED,    /* only in A */
    DIFF_CHANGED,    /* in both, values differ */
    DIFF_VERSION,    /* a version fact, values differ */
} DiffKind;

enum {
    FACT_VERSION = 1u << 0,   /* a differing value is a version change */
    FACT_WHOLE = 1u << 1,     /* when its value differs, that one line stands
                                 for its children (the pieces of a buffer
                                 whose size changed are not compared) */
};

typedef struct DiffFact {
    const char *group;        /* interned in the list's string chunk */
    const char *path;         /* "" for the group's own fact */
    char *value;
    const char *key;          /* its key in the index (owned there) */
    uint32_t parent;          /* index in the same list, or DIFF_NO_PARENT */
    unsigned flags;
} DiffFact;

typedef struct DiffFacts {
    GArray *facts;            /* DiffFact, in output order */
    GHashTable *index;        /* "group\npath" -> index + 1 */
    GStringChunk *strings;
    GHashTable *group_order;  /* group -> first index + 1 */
    const char *last_group;   /* the group of the last fact added */
    uint64_t limit;           /* most facts kept (0: no limit) */
    bool over;                /* facts were dropped at the limit */
} DiffFacts;

DiffFacts *diff_facts_new(void);
void diff_facts_free(DiffFacts *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DiffFacts, diff_facts_free)

/* Adds a fact; returns its index (for children), or DIFF_NO_PARENT when it
 * was a duplicate key (the first one stays) or over the limit. */
uint32_t diff_fact(DiffFacts *f, uint32_t parent, unsigned flags,
                   const char *group, const char *path, const char *fmt, ...)
    G_GNUC_PRINTF(6, 7);
/* The same with an owned value string (taken). */
uint32_t diff_fact_take(DiffFacts *f, uint32_t parent, unsigned flags,
                        const char *group, const char *path, char *value);
const DiffFact *diff_facts_find(const DiffFacts *f, const char *group,
                                const char *path);

typedef struct DiffChange {
    DiffKind kind;
    const char *group;        /* in the result's string chunk */
    const char *path;
    const char *a;            /* NULL: absent in A */
    const char *b;
} DiffChange;

typedef struct DiffOpts {
    const char *const *ignore;    /* globs, NULL-terminated, or NULL */
    bool ignore_volatile;
} DiffOpts;

typedef struct DiffResult {
    GArray *changes;          /* DiffChange, grouped, in A's order then B's
                                 (after diff_result_finish) */
    uint64_t ignored;         /* changes dropped by --ignore or the volatile
                                 list */
    uint64_t counts[4];       /* per DiffKind */
    bool over;                /* changes past DIFF_CHANGES_MAX were dropped */
    GStringChunk *strings;    /* the changes' groups, paths and values */
    GArray *pending;          /* changes not yet sorted into place */
} DiffResult;

/* Most changes one diff keeps (a hostile pair costs bounded memory). */
#define DIFF_CHANGES_MAX 4000000u

void diff_result_init(DiffResult *r);
/* Adds the changes from a to b to r, copying their strings (a and b may be
 * freed after). order: where these changes go among the groups, as
 * diff_group_order() gives it; 0: each group at its place in a, groups a
 * lacks after all of a's. */
void diff_compare_add(const DiffFacts *a, const DiffFacts *b,
                      const DiffOpts *o, guint order, DiffResult *r);
/* Puts the changes added so far in order, into r->changes. */
void diff_result_finish(DiffResult *r);
/* The place of group among a's groups (1 + its first fact), or 0. */
guint diff_group_order(const DiffFacts *a, const char *group);
/* init, add (order 0), finish. */
void diff_compare(const DiffFacts *a, const DiffFacts *b, const DiffOpts *o,
                  DiffResult *r);
void diff_result_clear(DiffResult *r);

const char *diff_kind_name(DiffKind k);
/* "GROUP: PATH", or GROUP alone: what globs are matched against. */
char *diff_full_path(const char *group, const char *path);
/* The built-in volatile list (diff_volatile.c): globs, NULL-terminated. */
extern const char *const diff_volatile_globs[];
bool diff_is_volatile(const char *full_path);

#endif
