/* The store interface over its backends: store_open picks the backend by the
 * location it is given (a folder: SQLite and PDF files; a postgresql:// URI:
 * PostgreSQL), and every other call goes to the operations the backend
 * filled in (store_backend.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "store_backend.h"
#include "banned.h"

/* The length of the scheme of a "scheme://..." location, or 0 for a folder. */
static size_t scheme_len(const char *where)
{
    size_t n = 0;

    if (!((where[0] >= 'a' && where[0] <= 'z') || (where[0] >= 'A' && where[0] <= 'Z')))
        return 0;
    while ((where[n] >= 'a' && where[n] <= 'z') || (where[n] >= 'A' && where[n] <= 'Z') ||
           (where[n] >= '0' && where[n] <= '9') || where[n] == '+' || where[n] == '-' ||
           where[n] == '.')
        n++;
    return strncmp(where + n, "://", 3) == 0 ? n : 0;
}

static int is_scheme(const char *where, size_t n, const char *scheme)
{
    return n == strlen(scheme) && strncasecmp(where, scheme, n) == 0;
}

int store_check_location(const char *where, char *err, size_t errlen)
{
    size_t n;

    if (!where) {
        snprintf(err, errlen, "cannot open the store: no folder given");
        return -1;
    }
    n = scheme_len(where);
    if (n == 0)
        return 0;
    /* A URI may hold a password: name its scheme only. */
    if (is_scheme(where, n, "postgresql") || is_scheme(where, n, "postgres"))
        return 0;
    snprintf(err, errlen, "cannot open the store: unknown kind '%.*s://' (give a folder)",
             n > 32 ? 32 : (int)n, where);
    return -1;
}

int store_is_database(const char *where)
{
    return where && scheme_len(where) > 0;
}

struct store *store_open(const char *where, store_rerender_fn rerender_fn, void *rerender_ctx,
                         char *err, size_t errlen)
{
    if (store_check_location(where, err, errlen) < 0)
        return NULL;
    if (scheme_len(where))
        return store_pg_open(where, rerender_fn, rerender_ctx, err, errlen);
    return store_sqlite_open(where, rerender_fn, rerender_ctx, err, errlen);
}

void store_close(struct store *st)
{
    if (st)
        st->ops->close(st);
}

const char *store_dir(const struct store *st)
{
    return st->ops->dir(st);
}

void store_recovery_info(const struct store *st, struct store_recovery *out)
{
    st->ops->recovery_info(st, out);
}

int store_peek(struct store *st, const struct store_fields *f, struct store_result *res)
{
    memset(res, 0, sizeof(*res));
    return st->ops->peek ? st->ops->peek(st, f, res) : 0;
}

/* A redelivery, the common case, is answered by the look alone. */
int store_put(struct store *st, const struct store_fields *f, store_render_fn fn, void *ctx,
              struct store_result *res, char *err, size_t errlen)
{
    struct store_result local;

    if (!res)
        res = &local;
    if (fn && store_peek(st, f, res) == 1)
        return 0;
    return st->ops->put(st, f, fn, ctx, res, err, errlen);
}

int store_write(struct store *st, const struct store_fields *f, store_render_fn fn, void *ctx,
                struct store_result *res, char *err, size_t errlen)
{
    return st->ops->put(st, f, fn, ctx, res, err, errlen);
}

int store_batch_begin(struct store *st, char *err, size_t errlen)
{
    return st->ops->batch_begin(st, err, errlen);
}

int store_batch_end(struct store *st, char *err, size_t errlen)
{
    return st->ops->batch_end(st, err, errlen);
}

int store_batch_join(struct store *st, char *err, size_t errlen)
{
    if (!st->ops->batch_join) {
        snprintf(err, errlen, "this store cannot share a batch between threads");
        return -1;
    }
    return st->ops->batch_join(st, err, errlen);
}

void store_batch_leave(struct store *st)
{
    if (st->ops->batch_leave)
        st->ops->batch_leave(st);
}

int store_batch_joinable(const struct store *st)
{
    return st->ops->batch_join != NULL;
}

int store_get(struct store *st, const char *id, struct store_cert *out, char *err, size_t errlen)
{
    return st->ops->get(st, NULL, id, out, err, errlen);
}

int store_get_in(struct store *st, const struct store_scope *scope, const char *id,
                 struct store_cert *out, char *err, size_t errlen)
{
    return st->ops->get(st, scope, id, out, err, errlen);
}

int store_get_by_code(struct store *st, const char *code, struct store_cert *out, int *revision,
                      char *err, size_t errlen)
{
    return st->ops->get_by_code(st, code, out, revision, err, errlen);
}

/* A file store's PDF: the file the revision names. */
static int read_pdf_file(struct store *st, const char *id, int revision, struct buf *out,
                         char *err, size_t errlen)
{
    struct store_cert c;
    const char *path = NULL;
    char chunk[65536];
    ssize_t n;
    int rc, fd;

    rc = st->ops->get(st, NULL, id, &c, err, errlen);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < c.n_revs; i++)
        if (c.revs[i].revision == revision)
            path = c.revs[i].pdf_path;
    rc = 1;
    if (!path)
        goto out;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno != ENOENT) {
            snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
            rc = -1;
        }
        goto out;
    }
    while ((n = read(fd, chunk, sizeof(chunk))) > 0)
        buf_add(out, chunk, (size_t)n);
    rc = n < 0 ? -1 : 0;
    if (n < 0)
        snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
    close(fd);
out:
    store_cert_free(&c);
    return rc;
}

int store_pdf(struct store *st, const char *id, int revision, struct buf *out, char *err,
              size_t errlen)
{
    if (st->ops->pdf)
        return st->ops->pdf(st, id, revision, out, err, errlen);
    return read_pdf_file(st, id, revision, out, err, errlen);
}

int store_ping(struct store *st, char *err, size_t errlen)
{
    return st->ops->ping ? st->ops->ping(st, err, errlen) : 0;
}

int store_find_file(struct store *st, const char *sha256, struct store_file_match *out, char *err,
                    size_t errlen)
{
    return st->ops->find_file(st, sha256, out, err, errlen);
}

int store_raw_event(struct store *st, const char *id, int revision, struct buf *out, char *err,
                    size_t errlen)
{
    return st->ops->raw_event(st, id, revision, out, err, errlen);
}

int store_rerender(struct store *st, const struct store_rerender_filter *f, store_rerender_fn fn,
                   void *ctx, size_t *count, char *err, size_t errlen)
{
    static const struct store_rerender_filter all = {NULL, 0, 0};
    return st->ops->rerender(st, f ? f : &all, fn, ctx, count, err, errlen);
}

int store_revoke(struct store *st, const char *id, const char *reason, char *err, size_t errlen)
{
    return st->ops->revoke(st, id, reason, err, errlen);
}

/* The scope is checked by the scoped lookup, the same for every backend: an
 * id outside it costs one lookup, as an unknown id does. A certificate's
 * institution is part of its id and never changes. */
int store_revoke_in(struct store *st, const struct store_scope *scope, const char *id,
                    const char *reason, char *err, size_t errlen)
{
    struct store_cert c;
    int rc;

    if (scope && scope->institution_id) {
        rc = st->ops->get(st, scope, id, &c, err, errlen);
        if (rc != 0)
            return rc;
        store_cert_free(&c);
    }
    return st->ops->revoke(st, id, reason, err, errlen);
}

int store_stats(struct store *st, struct store_stats *out, char *err, size_t errlen)
{
    return st->ops->stats(st, out, err, errlen);
}

int store_search(struct store *st, const struct store_query *q, struct store_page *out, char *err,
                 size_t errlen)
{
    return st->ops->search(st, q, out, err, errlen);
}

int store_search_explain(struct store *st, const struct store_query *q, struct buf *out, char *err,
                         size_t errlen)
{
    return st->ops->search_explain(st, q, out, err, errlen);
}

int store_staff_add(struct store *st, const char *name, char token[64], char *err, size_t errlen)
{
    return st->ops->staff_add(st, name, NULL, token, err, errlen);
}

int store_staff_add_in(struct store *st, const char *name, const struct store_scope *scope,
                       char token[64], char *err, size_t errlen)
{
    return st->ops->staff_add(st, name, scope, token, err, errlen);
}

int store_staff_list(struct store *st, struct store_staff **out, size_t *n, char *err,
                     size_t errlen)
{
    return st->ops->staff_list(st, out, n, err, errlen);
}

int store_staff_revoke(struct store *st, const char *name, char *err, size_t errlen)
{
    return st->ops->staff_revoke(st, name, err, errlen);
}

int store_staff_check(struct store *st, const char *token, char name[64], char *err, size_t errlen)
{
    return st->ops->staff_check(st, token, name, NULL, err, errlen);
}

int store_staff_check_in(struct store *st, const char *token, char name[64],
                         struct store_scope *scope, char *err, size_t errlen)
{
    return st->ops->staff_check(st, token, name, scope, err, errlen);
}

int store_webhook_token_add(struct store *st, int64_t institution_id, const char *label,
                            char token[64], char *err, size_t errlen)
{
    return st->ops->webhook_token_add(st, institution_id, label, token, err, errlen);
}

int store_webhook_token_list(struct store *st, struct store_webhook_token **out, size_t *n,
                             char *err, size_t errlen)
{
    return st->ops->webhook_token_list(st, out, n, err, errlen);
}

int store_webhook_token_revoke(struct store *st, const char *label, char *err, size_t errlen)
{
    return st->ops->webhook_token_revoke(st, label, err, errlen);
}

int store_webhook_token_check(struct store *st, const char *token, int64_t *institution_id,
                              char *err, size_t errlen)
{
    return st->ops->webhook_token_check(st, token, institution_id, err, errlen);
}

const char *store_outcome_name(enum store_outcome o)
{
    switch (o) {
    case STORE_ISSUED:
        return "issued";
    case STORE_UNCHANGED:
        return "unchanged";
    case STORE_REVISED:
        return "revised";
    case STORE_STALE:
        return "stale";
    }
    return "unknown";
}

int store_audit_append(struct store *st, const struct audit_record *r, char *err, size_t errlen)
{
    return st->ops->audit_append(st, r, err, errlen);
}

int store_audit_each(struct store *st, const struct audit_filter *f, audit_each_fn fn, void *ctx,
                     char *err, size_t errlen)
{
    return st->ops->audit_each(st, f, fn, ctx, err, errlen);
}

int store_cert_each(struct store *st, store_cert_each_fn fn, void *ctx, char *err, size_t errlen)
{
    return st->ops->cert_each(st, fn, ctx, err, errlen);
}

int store_copy_read(struct store *st, const char *id, int revision, struct store_copy_rev *out,
                    char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    return st->ops->copy_read(st, id, revision, out, err, errlen);
}

int store_copy_put(struct store *st, const struct store_cert *c, const struct store_copy_rev *revs,
                   size_t n, char *err, size_t errlen)
{
    return st->ops->copy_put(st, c, revs, n, err, errlen);
}

int store_cred_each(struct store *st, store_cred_each_fn fn, void *ctx, char *err, size_t errlen)
{
    return st->ops->cred_each(st, fn, ctx, err, errlen);
}

int store_cred_put(struct store *st, const struct store_cred *c, char *err, size_t errlen)
{
    return st->ops->cred_put(st, c, err, errlen);
}

int store_exists(const char *where, char *err, size_t errlen)
{
    if (store_check_location(where, err, errlen) < 0)
        return -1;
    /* A database: whether its schema is there, without making it. */
    if (scheme_len(where) > 0)
        return store_pg_exists(where, err, errlen);
    return store_sqlite_exists(where, err, errlen);
}
