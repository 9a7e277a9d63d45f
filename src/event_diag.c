/* Diagnostics of an event: errors and warnings collected as {path, message}
 * against the JSON node they belong to, then sorted into document order. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "event.h"
#include "event_int.h"
#include "banned.h"

#define MAX_DIAGS 100 /* errors (and warnings) kept; the rest are counted */

static void diag_push(struct ev_ctx *c, struct ev_diag_list *l, const cJSON *node, int after,
                      const char *path, const char *msg)
{
    struct ev_pending *p;

    if (l->n == MAX_DIAGS) {
        l->dropped++;
        return;
    }
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
    }
    p = &l->v[l->n++];
    p->node = node;
    p->after = after;
    p->seq = c->seq++;
    p->order = -1;
    ev_copy_trunc(p->diag.path, sizeof(p->diag.path), path);
    ev_copy_trunc(p->diag.message, sizeof(p->diag.message), msg);
}

/* An error about node, at path. Returns -1 so that checks can `return ev_error(...)`. */
__attribute__((format(printf, 4, 5))) int ev_error(struct ev_ctx *c, const cJSON *node,
                                                   const char *path, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    diag_push(c, &c->err, node, 0, path, msg);
    return -1;
}

void ev_warning(struct ev_ctx *c, const cJSON *node, const char *path, const char *msg)
{
    diag_push(c, &c->warn, node, 0, path, msg);
}

/* A required member of parent is absent: the error sorts after parent's contents. */
int ev_missing(struct ev_ctx *c, const cJSON *parent, const char *path)
{
    diag_push(c, &c->err, parent, 1, path, "required, missing");
    return -1;
}

static void order_visit(const cJSON *node, struct ev_diag_list *lists[2], long long *idx)
{
    long long mine = (*idx)++, last;

    for (const cJSON *ch = node->child; ch; ch = ch->next)
        order_visit(ch, lists, idx);
    last = *idx - 1;
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < lists[k]->n; i++)
            if (lists[k]->v[i].node == node)
                lists[k]->v[i].order = lists[k]->v[i].after ? 2 * last + 1 : 2 * mine;
}

static int pending_cmp(const void *a, const void *b)
{
    const struct ev_pending *x = a, *y = b;
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void diags_out(struct ev_diag_list *l, const char *what, struct event_diag **out, size_t *n)
{
    size_t total = l->n + (l->dropped ? 1 : 0);

    *out = NULL;
    *n = 0;
    if (!total)
        return;
    qsort(l->v, l->n, sizeof(*l->v), pending_cmp);
    *out = xcalloc(total, sizeof(**out));
    for (size_t i = 0; i < l->n; i++)
        (*out)[i] = l->v[i].diag;
    if (l->dropped)
        snprintf((*out)[l->n].message, sizeof((*out)[l->n].message), "%zu more %s not shown",
                 l->dropped, what);
    *n = total;
}

/* Sort the collected diags into document order and hand them to d. */
void ev_diags_finish(struct ev_ctx *c, struct event_diags *d)
{
    struct ev_diag_list *lists[2] = {&c->err, &c->warn};
    long long idx = 0;

    if (c->root && (c->err.n || c->warn.n))
        order_visit(c->root, lists, &idx);
    diags_out(&c->err, "errors", &d->errors, &d->n_errors);
    diags_out(&c->warn, "warnings", &d->warnings, &d->n_warnings);
    free(c->err.v);
    free(c->warn.v);
    c->err.v = c->warn.v = NULL;
}

/* The one diag of a body that is not JSON: what is wrong, at which byte (from 0). */
void ev_bad_json(struct event_diags *d, const char *what, size_t at)
{
    d->errors = xcalloc(1, sizeof(*d->errors));
    d->n_errors = 1;
    snprintf(d->errors[0].message, sizeof(d->errors[0].message), "%s byte %zu", what, at);
}

void event_diags_free(struct event_diags *d)
{
    if (!d)
        return;
    free(d->errors);
    free(d->warnings);
    memset(d, 0, sizeof(*d));
}
