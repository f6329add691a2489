/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --device in JSON: a section's "fields" and "field-layout" are placeholder
 * objects whose json-c serializer writes them from the decoded tree while
 * the document is printed (device_write.c), so no json-c object is built
 * per field. The placeholder keeps the description and a copy of the body
 * alive until then; with a second processor a helper thread writes every
 * other section ahead (below).
 */
#include "render/device_json.h"

#include <pthread.h>
#include <string.h>

#include "render/device_write.h"

struct DevHeld {
    gint refs;
    json_object *desc;      /* a reference */
    uint8_t *body;          /* a copy (the model is gone by the time the
                               document is printed) */
    size_t len;
    uint64_t at;
    VmTree *t;              /* while printing */
    int unprinted;          /* placeholders still to print */
    /* written ahead (see "printing ahead" below; under ahead.lock) */
    guint order;            /* 1 + its index in ahead.order; 0: not there */
    int state;              /* AHEAD_* */
    int text_level, text_flags;
    GString *text[2];       /* its "fields" and "field-layout" (NULL: not
                               written ahead, or too long) */
};

enum { AHEAD_NONE, AHEAD_BUSY, AHEAD_DONE, AHEAD_MAIN };

/* What a printed section leaves: freed by the helper while one runs. */
typedef struct Trash {
    VmTree *t;
    json_object *desc;
    uint8_t *body;
} Trash;

/* pthread's lock (not GMutex: GLib's futex lock is opaque to
 * ThreadSanitizer) */
static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    GPtrArray *order;       /* DevHeld * (NULL once freed), in the order
                               their placeholders were made */
    guint live;             /* entries not NULL */
    guint cursor;           /* index of the section the main thread prints */
    guint next;             /* the next index the helper looks at */
    size_t held;            /* bytes written ahead, not yet printed */
    guint used;             /* texts written ahead and printed in this
                               print */
    int level, flags;       /* of the first section printed */
    bool stop, tried;
    GThread *thread;
    GArray *trash;          /* Trash */
} ahead = { .lock = PTHREAD_MUTEX_INITIALIZER,
            .cond = PTHREAD_COND_INITIALIZER };

/* Bytes of h's texts written ahead and not yet printed. */
static size_t ahead_len(const DevHeld *h)
{
    return (h->text[0] ? h->text[0]->len : 0) +
           (h->text[1] ? h->text[1]->len : 0);
}

static void trash_free(Trash *x)
{
    vmstate_free(x->t);
    json_object_put(x->desc);
    g_free(x->body);
}

DevHeld *dev_held_new(const VmTree *t)
{
    DevHeld *h = g_new0(DevHeld, 1);

    h->refs = 1;
    h->desc = json_object_get(t->desc);
    h->body = g_memdup2(t->body, t->body_size ? t->body_size : 1);
    h->len = t->body_size;
    h->at = t->body_offset;
    return h;
}

void dev_held_keep(DevHeld *h, VmTree *t)
{
    h->t = t;
    t->body = h->body;
}

const VmTree *dev_held_kept(const DevHeld *h)
{
    return h->t;
}

static DevHeld *held_ref(DevHeld *h)
{
    g_atomic_int_inc(&h->refs);
    return h;
}

/* The last reference: out of ahead.order under its lock, so that the
 * helper never takes a reference to a DevHeld being freed. */
void dev_held_unref(DevHeld *h)
{
    bool last;

    if (!h) {
        return;
    }
    if (!h->order) {
        last = g_atomic_int_dec_and_test(&h->refs);
    } else {
        pthread_mutex_lock(&ahead.lock);
        last = g_atomic_int_dec_and_test(&h->refs);
        if (last) {
            ahead.held -= ahead_len(h);
            g_ptr_array_index(ahead.order, h->order - 1) = NULL;
            if (--ahead.live == 0) {
                g_ptr_array_free(ahead.order, TRUE);
                ahead.order = NULL;
            }
        }
        pthread_mutex_unlock(&ahead.lock);
    }
    if (last) {
        trash_free(&(Trash) { h->t, h->desc, h->body });
        for (int k = 0; k < 2; k++) {
            if (h->text[k]) {
                g_string_free(h->text[k], TRUE);
            }
        }
        g_free(h);
    }
}

/* The tree, decoded when the first placeholder prints; NULL once all have
 * printed (each prints once: out_finish() prints the document once). */
static const VmTree *held_tree(DevHeld *h)
{
    if (!h->t && h->desc) {
        h->t = vmstate_decode(h->desc, h->body, h->len, h->at);
    }
    return h->t;
}

/* A placeholder has been printed: after the last one the tree, the body and
 * the description go at once. Freed here, between the sections, their
 * memory serves the next section's decode; freed with the document, the
 * 5,000-section stream's descriptions took 0.2 s of malloc consolidation. */
static void held_printed(DevHeld *h)
{
    Trash x = { h->t, h->desc, h->body };

    if (--h->unprinted > 0) {
        return;
    }
    h->t = NULL;
    h->desc = NULL;
    h->body = NULL;
    if (ahead.thread) {
        pthread_mutex_lock(&ahead.lock);
        g_array_append_val(ahead.trash, x);
        pthread_cond_broadcast(&ahead.cond);
        pthread_mutex_unlock(&ahead.lock);
    } else {
        trash_free(&x);
    }
}

static void held_delete(json_object *jso, void *userdata)
{
    (void)jso;
    dev_held_unref(userdata);
}

/* While out_finish() prints the document, its stream: what json-c has
 * printed so far is written out first, then these members go straight to
 * it, so the document is never held whole. */
static FILE *sink;

static void ahead_stop(void);

void dev_json_sink(FILE *fp)
{
    if (!fp) {
        ahead_stop();
    }
    sink = fp;
}

/* ---- printing ahead: with a second processor, while out_finish() prints
 * the document a helper thread writes every other section's "fields" and
 * "field-layout" into memory, while it is at most AHEAD_SECTIONS sections
 * and AHEAD_BYTES bytes ahead of the main thread, and frees what printed
 * sections leave when it has nothing to write; the main thread writes the
 * others and copies the helper's text in document order. On 5,000
 * sections the writing was 2/5 of the run. ---- */

#define AHEAD_SECTIONS 64u
/* Fewer sections to print are not worth a thread (a real stream's 30 to
 * 40 take about 5 ms) */
#define AHEAD_MIN 64u
#define AHEAD_BYTES (16u << 20)
/* The longest text written ahead (the main thread writes a longer one
 * itself, straight to the stream). */
#define AHEAD_TEXT_MAX (8u << 20)

static void write_ahead(DevWriter *w, DevHeld *h, int level, int flags)
{
    const VmTree *t = held_tree(h);

    for (DevMember m = DEV_FIELDS; m <= DEV_LAYOUT; m++) {
        h->text[m] = g_string_sized_new(4096);
        if (!dev_write_mem(w, m, t, level, flags, h->text[m],
                           AHEAD_TEXT_MAX)) {
            g_string_free(h->text[m], TRUE);
            h->text[m] = NULL;
        }
    }
    h->text_level = level;
    h->text_flags = flags;
    vmstate_free(h->t);
    h->t = NULL;
}

/* Under the lock: the next DevHeld for the helper, or NULL to wait. */
static DevHeld *ahead_pick(void)
{
    while (ahead.order && ahead.next < ahead.order->len) {
        DevHeld *h;
        if (ahead.next <= ahead.cursor) {
            /* the main thread is past it: keep to every other one */
            ahead.next += 2 * ((ahead.cursor - ahead.next) / 2 + 1);
            continue;
        }
        if (ahead.next > ahead.cursor + AHEAD_SECTIONS ||
            ahead.held > AHEAD_BYTES) {
            return NULL;
        }
        h = g_ptr_array_index(ahead.order, ahead.next);
        ahead.next += 2;
        if (h && h->state == AHEAD_NONE && h->unprinted > 0 && h->desc) {
            h->state = AHEAD_BUSY;
            return held_ref(h);
        }
    }
    return NULL;
}

static gpointer ahead_run(gpointer unused)
{
    DevWriter *w = dev_writer_new();

    (void)unused;
    pthread_mutex_lock(&ahead.lock);
    for (;;) {
        DevHeld *h = ahead.stop ? NULL : ahead_pick();
        if (h) {
            pthread_mutex_unlock(&ahead.lock);
            write_ahead(w, h, ahead.level, ahead.flags);
            pthread_mutex_lock(&ahead.lock);
            h->state = AHEAD_DONE;
            ahead.held += ahead_len(h);
            pthread_cond_broadcast(&ahead.cond);
            pthread_mutex_unlock(&ahead.lock);
            dev_held_unref(h);
            pthread_mutex_lock(&ahead.lock);
        } else if (ahead.trash->len) {
            /* when there is nothing to write ahead */
            Trash x = g_array_index(ahead.trash, Trash, ahead.trash->len - 1);
            g_array_set_size(ahead.trash, ahead.trash->len - 1);
            pthread_mutex_unlock(&ahead.lock);
            trash_free(&x);
            pthread_mutex_lock(&ahead.lock);
        } else if (ahead.stop) {
            break;
        } else {
            pthread_cond_wait(&ahead.cond, &ahead.lock);
        }
    }
    pthread_mutex_unlock(&ahead.lock);
    dev_writer_free(w);
    return NULL;
}

/* At the first section printed to the stream: the helper, when there is a
 * second processor and AHEAD_MIN sections after this one. */
static void ahead_start(const DevHeld *h, int level, int flags)
{
    ahead.tried = true;
    ahead.used = 0;
    if (g_get_num_processors() < 2 ||
        ahead.order->len - h->order < AHEAD_MIN) {
        return;
    }
    ahead.trash = g_array_new(FALSE, FALSE, sizeof(Trash));
    ahead.level = level;
    ahead.flags = flags;
    ahead.cursor = h->order - 1;
    ahead.next = h->order;
    ahead.stop = false;
    ahead.thread = g_thread_try_new("cprdump-print", ahead_run, NULL, NULL);
    if (!ahead.thread) {
        g_array_free(ahead.trash, TRUE);
        ahead.trash = NULL;
    }
}

guint dev_json_ahead_used(void)
{
    return ahead.used;
}

static void ahead_stop(void)
{
    if (ahead.thread) {
        pthread_mutex_lock(&ahead.lock);
        ahead.stop = true;
        pthread_cond_broadcast(&ahead.cond);
        pthread_mutex_unlock(&ahead.lock);
        g_thread_join(ahead.thread);
        ahead.thread = NULL;
        g_array_free(ahead.trash, TRUE);
        ahead.trash = NULL;
    }
    ahead.tried = false;
}

/* Text k of h if the helper wrote it for this document (taken), else
 * NULL: then h is the main thread's to write. */
static GString *ahead_take(DevHeld *h, DevMember k, int level, int flags)
{
    GString *text = NULL;

    if (!sink || !h->order) {
        return NULL;
    }
    if (!ahead.thread && !ahead.tried && k == 0) {
        ahead_start(h, level, flags);
    }
    if (!ahead.thread) {
        return NULL;
    }
    pthread_mutex_lock(&ahead.lock);
    if (k == 0) {
        ahead.cursor = h->order - 1;
        pthread_cond_broadcast(&ahead.cond);
    }
    if (h->state == AHEAD_NONE) {
        h->state = AHEAD_MAIN;
    }
    while (h->state == AHEAD_BUSY) {
        pthread_cond_wait(&ahead.cond, &ahead.lock);
    }
    if (h->state == AHEAD_DONE && h->text_flags == flags && h->text[k]) {
        text = h->text[k];
        h->text[k] = NULL;
        ahead.held -= text->len;
        ahead.used++;
    }
    pthread_mutex_unlock(&ahead.lock);
    return text;
}

/* The main thread's writer (printing is on one thread). */
static DevWriter *main_writer;

static int print_member(json_object *jso, struct printbuf *pb, int level,
                        int flags, DevMember m)
{
    DevHeld *h = json_object_get_userdata(jso);
    GString *text;

    if (!main_writer) {
        main_writer = dev_writer_new();     /* before the helper starts */
    }
    text = ahead_take(h, m, level, flags);
    if (text) {
        dev_write_text(main_writer, text, h->text_level, level, flags, pb,
                       sink);
        g_string_free(text, TRUE);
    } else {
        dev_write(main_writer, m, held_tree(h), level, flags, pb, sink);
    }
    held_printed(h);
    return 0;
}

static int fields_to_string(json_object *jso, struct printbuf *pb, int level,
                            int flags)
{
    return print_member(jso, pb, level, flags, DEV_FIELDS);
}

static int layout_to_string(json_object *jso, struct printbuf *pb, int level,
                            int flags)
{
    return print_member(jso, pb, level, flags, DEV_LAYOUT);
}

static json_object *placeholder(DevHeld *h, json_object_to_json_string_fn *fn)
{
    json_object *j = json_object_new_object();

    if (!h->order) {
        pthread_mutex_lock(&ahead.lock);
        if (!ahead.order) {
            ahead.order = g_ptr_array_new();
        }
        g_ptr_array_add(ahead.order, h);
        h->order = ahead.order->len;
        ahead.live++;
        pthread_mutex_unlock(&ahead.lock);
    }
    h->unprinted++;
    json_object_set_serializer(j, fn, held_ref(h), held_delete);
    return j;
}

json_object *dev_json_fields(DevHeld *h)
{
    return placeholder(h, fields_to_string);
}

json_object *dev_json_layout(DevHeld *h)
{
    return placeholder(h, layout_to_string);
}
