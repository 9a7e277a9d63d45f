/* Opening and closing the PostgreSQL store, and its table of operations: the
 * location is any libpq connection URI (postgresql:// or postgres://); the
 * first connection makes or checks the schema, and becomes the pool's first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_pg.h"
#include "banned.h"

/* The URI as messages may show it: scheme, host, port and database, without
 * user, password or parameters (a password may be in either). */
static char *label_of(const char *uri)
{
    const char *rest = strstr(uri, "://"), *end, *at;
    struct buf b = BUF_INIT;

    if (!rest)
        return xstrdup("postgresql");
    buf_add(&b, uri, (size_t)(rest - uri) + 3);
    rest += 3;
    end = rest + strcspn(rest, "?#");
    at = NULL;
    for (const char *p = rest; p < end && *p != '/'; p++)
        if (*p == '@')
            at = p;
    if (at)
        rest = at + 1;
    buf_add(&b, rest, (size_t)(end - rest));
    return buf_detach(&b, NULL);
}

static void pg_close(struct store *base)
{
    struct store_pg *st = store_pg_of(base);

    if (st->batch_conn) {
        PQfinish(st->batch_conn);
        pthread_rwlock_unlock(&st->gate);
    }
    for (int i = 0; i < st->n_pool; i++)
        if (st->pool[i].pg)
            PQfinish(st->pool[i].pg);
    pthread_mutex_destroy(&st->pool_mu);
    pthread_cond_destroy(&st->pool_cv);
    pthread_rwlock_destroy(&st->gate);
    pthread_mutex_destroy(&st->batch_mu);
    store_group_destroy(&st->audit_group);
    free(st->conninfo);
    free(st->label);
    free(st);
}

static const char *pg_dir(const struct store *base)
{
    return ((const struct store_pg *)base)->label;
}

static void pg_recovery_info(const struct store *base, struct store_recovery *out)
{
    *out = ((const struct store_pg *)base)->rec;
}

int store_pg_ping(struct store *base, char *err, size_t errlen)
{
    struct store_pg *st = store_pg_of(base);
    PGconn *pg = store_pg_get(st, err, errlen);
    int rc;

    if (!pg)
        return -1;
    rc = store_pg_exec(st, pg, "SELECT 1", "reach", err, errlen);
    store_pg_put(st, pg);
    return rc;
}

int store_pg_stats(struct store *base, struct store_stats *out, char *err, size_t errlen)
{
    struct store_pg *st = store_pg_of(base);
    PGconn *pg;
    PGresult *r;

    memset(out, 0, sizeof(*out));
    pg = store_pg_get(st, err, errlen);
    if (!pg)
        return -1;
    r = store_pg_query(st, pg,
                       "SELECT (SELECT count(*) FROM certificates WHERE latest > 0),"
                       " (SELECT count(*) FROM revisions),"
                       " (SELECT count(*) FROM certificates WHERE revoked)",
                       0, NULL, "read", err, errlen);
    store_pg_put(st, pg);
    if (!r)
        return -1;
    out->certificates = store_pg_int(r, 0, 0);
    out->revisions = store_pg_int(r, 0, 1);
    out->revoked = store_pg_int(r, 0, 2);
    PQclear(r);
    out->renders = atomic_load(&st->renders);
    out->commits = atomic_load(&st->commits);
    out->commit_seconds = (double)atomic_load(&st->commit_ns) / 1e9;
    return 0;
}

static const struct store_ops pg_ops = {
    .close = pg_close,
    .dir = pg_dir,
    .recovery_info = pg_recovery_info,
    .put = store_pg_put_op,
    .peek = store_pg_peek_op,
    .batch_begin = store_pg_batch_begin,
    .batch_end = store_pg_batch_end,
    .get = store_pg_get_op,
    .get_by_code = store_pg_get_by_code,
    .pdf = store_pg_pdf,
    .ping = store_pg_ping,
    .find_file = store_pg_find_file,
    .raw_event = store_pg_raw_event,
    .rerender = store_pg_rerender,
    .revoke = store_pg_revoke,
    .stats = store_pg_stats,
    .search = store_pg_search,
    .search_explain = store_pg_search_explain,
    .staff_add = store_pg_staff_add,
    .staff_list = store_pg_staff_list,
    .staff_revoke = store_pg_staff_revoke,
    .staff_check = store_pg_staff_check,
    .webhook_token_add = store_pg_webhook_token_add,
    .webhook_token_list = store_pg_webhook_token_list,
    .webhook_token_revoke = store_pg_webhook_token_revoke,
    .webhook_token_check = store_pg_webhook_token_check,
    .audit_append = store_pg_audit_append,
    .audit_each = store_pg_audit_each,
    .cert_each = store_pg_cert_each,
    .copy_read = store_pg_copy_read,
    .copy_put = store_pg_copy_put,
    .cred_each = store_pg_cred_each,
    .cred_put = store_pg_cred_put,
};

/* Nothing to recover: a put that did not commit left nothing behind, the PDF
 * being in the same transaction as its rows. rerender_fn is not needed. */
struct store *store_pg_open(const char *uri, store_rerender_fn rerender_fn, void *rerender_ctx,
                            char *err, size_t errlen)
{
    struct store_pg *st = xcalloc(1, sizeof(*st));
    PGconn *pg;

    (void)rerender_fn;
    (void)rerender_ctx;
    st->base.ops = &pg_ops;
    st->conninfo = xstrdup(uri);
    st->label = label_of(uri);
    pthread_mutex_init(&st->pool_mu, NULL);
    pthread_cond_init(&st->pool_cv, NULL);
    pthread_rwlock_init(&st->gate, NULL);
    pthread_mutex_init(&st->batch_mu, NULL);
    store_group_init(&st->audit_group);

    pg = store_pg_connect(st, 0, err, errlen);
    if (!pg || store_pg_schema_ready(st, pg, err, errlen) < 0) {
        if (pg)
            PQfinish(pg);
        pg_close(&st->base);
        return NULL;
    }
    PQfinish(pg);
    /* The pool's connections prepare the statements, which needs the schema. */
    pg = store_pg_get(st, err, errlen);
    if (!pg) {
        pg_close(&st->base);
        return NULL;
    }
    store_pg_put(st, pg);
    st->rec.exclusive = 0;
    return &st->base;
}

int store_pg_exists(const char *uri, char *err, size_t errlen)
{
    struct store_pg st;
    PGresult *r;
    PGconn *pg;
    int rc = -1;

    memset(&st, 0, sizeof(st));
    st.conninfo = xstrdup(uri);
    st.label = label_of(uri);
    pg = store_pg_connect(&st, 0, err, errlen);
    if (pg) {
        r = store_pg_query(&st, pg, "SELECT to_regclass('certifica_schema') IS NOT NULL", 0, NULL,
                           "read", err, errlen);
        if (r)
            rc = PQgetvalue(r, 0, 0)[0] == 't';
        PQclear(r);
        PQfinish(pg);
    }
    free(st.conninfo);
    free(st.label);
    return rc;
}
