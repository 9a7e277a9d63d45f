/* The PostgreSQL store's connections: a pool that grows, up to
 * STORE_PG_POOL_MAX, to as many connections as threads call at once (a
 * server's threads), each with the hot statements prepared; a connection the
 * database dropped (a restart) is closed on its return, with the other idle
 * ones, which a restart broke too, so that the next calls connect again. A
 * connection attempt gives up after the connection timeout, so that while
 * the database is down every call fails within that time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_pg.h"
#include "banned.h"

void store_pg_count(_Atomic uint64_t *counter, uint64_t n)
{
    atomic_fetch_add_explicit(counter, n, memory_order_relaxed);
}

/* The first line of a libpq message, without its "ERROR:  " prefix. */
static void first_line(const char *msg, char *out, size_t outlen)
{
    size_t n;

    if (!msg || !*msg)
        msg = "unknown error";
    if (strncmp(msg, "ERROR:  ", 8) == 0)
        msg += 8;
    n = strcspn(msg, "\n");
    snprintf(out, outlen, "%.*s", (int)(n > 300 ? 300 : n), msg);
}

void store_pg_error(const struct store_pg *st, PGconn *pg, const PGresult *r, const char *what,
                    char *err, size_t errlen)
{
    char line[320];
    const char *msg = r ? PQresultErrorMessage(r) : NULL;

    if ((!msg || !*msg) && pg)
        msg = PQerrorMessage(pg);
    first_line(msg, line, sizeof(line));
    snprintf(err, errlen, "cannot %s database '%s': %s", what, st->label, line);
}

static _Thread_local int last_unique;

int store_pg_was_unique(void)
{
    return last_unique;
}

int store_pg_state(const PGresult *r, const char *state)
{
    const char *s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    return s && strcmp(s, state) == 0;
}

PGconn *store_pg_connect(struct store_pg *st, int prepare, char *err, size_t errlen)
{
    /* Ours first: what the URI says overrides them. */
    const char *keys[] = {
        "connect_timeout",  "application_name", "keepalives_idle", "keepalives_interval",
        "keepalives_count", "options",          "dbname",          NULL};
    /* No statement, lock wait or forgotten transaction holds a thread for
     * long when the database hangs instead of going down. */
    const char *vals[] = {STORE_PG_CONNECT_TIMEOUT,
                          "certifica",
                          "10",
                          "5",
                          "3",
                          "-c statement_timeout=30s -c idle_in_transaction_session_timeout=60s",
                          st->conninfo,
                          NULL};
    PGconn *pg = PQconnectdbParams(keys, vals, 1);
    PGresult *r;

    if (!pg) {
        snprintf(err, errlen, "cannot connect to database '%s': out of memory", st->label);
        return NULL;
    }
    if (PQstatus(pg) != CONNECTION_OK) {
        store_pg_error(st, pg, NULL, "connect to", err, errlen);
        PQfinish(pg);
        return NULL;
    }
    /* Times are kept as text; search folds with the server's own functions. */
    if (store_pg_exec(st, pg, "SET TIME ZONE 'UTC'", "set up", err, errlen) < 0) {
        PQfinish(pg);
        return NULL;
    }
    for (int q = 0; prepare && q < Q_COUNT; q++) {
        char name[16];
        snprintf(name, sizeof(name), "q%d", q);
        r = PQprepare(pg, name, store_pg_sql((enum store_pg_q)q), 0, NULL);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            store_pg_error(st, pg, r, "prepare a statement of", err, errlen);
            PQclear(r);
            PQfinish(pg);
            return NULL;
        }
        PQclear(r);
    }
    return pg;
}

PGconn *store_pg_get(struct store_pg *st, char *err, size_t errlen)
{
    PGconn *pg = NULL;
    int slot = -1;

    pthread_mutex_lock(&st->pool_mu);
    for (;;) {
        for (int i = 0; i < st->n_pool && !pg; i++) {
            if (!st->pool[i].busy && st->pool[i].pg) {
                st->pool[i].busy = 1;
                pg = st->pool[i].pg;
            }
        }
        if (pg)
            break;
        for (int i = 0; i < STORE_PG_POOL_MAX && slot < 0; i++) {
            if (!st->pool[i].busy && !st->pool[i].pg) {
                slot = i;
                st->pool[i].busy = 1; /* reserved while connecting */
                if (i >= st->n_pool)
                    st->n_pool = i + 1;
            }
        }
        if (slot >= 0)
            break;
        pthread_cond_wait(&st->pool_cv, &st->pool_mu);
    }
    pthread_mutex_unlock(&st->pool_mu);
    if (pg)
        return pg;

    pg = store_pg_connect(st, 1, err, errlen);
    pthread_mutex_lock(&st->pool_mu);
    st->pool[slot].pg = pg;
    st->pool[slot].busy = pg != NULL;
    pthread_cond_broadcast(&st->pool_cv);
    pthread_mutex_unlock(&st->pool_mu);
    return pg;
}

void store_pg_put(struct store_pg *st, PGconn *pg)
{
    PGconn *drop[STORE_PG_POOL_MAX];
    int n_drop = 0, bad;

    if (!pg)
        return;
    bad = PQstatus(pg) != CONNECTION_OK || PQtransactionStatus(pg) != PQTRANS_IDLE ||
          PQpipelineStatus(pg) != PQ_PIPELINE_OFF;
    pthread_mutex_lock(&st->pool_mu);
    for (int i = 0; i < st->n_pool; i++) {
        if (st->pool[i].pg == pg) {
            st->pool[i].busy = 0;
            if (bad) {
                drop[n_drop++] = pg;
                st->pool[i].pg = NULL;
            }
        } else if (bad && st->pool[i].pg && !st->pool[i].busy) {
            /* Idle since before the drop: most likely broken as well. */
            drop[n_drop++] = st->pool[i].pg;
            st->pool[i].pg = NULL;
        }
    }
    pthread_cond_broadcast(&st->pool_cv);
    pthread_mutex_unlock(&st->pool_mu);
    for (int i = 0; i < n_drop; i++)
        PQfinish(drop[i]);
}

int store_pg_exec(struct store_pg *st, PGconn *pg, const char *sql, const char *what, char *err,
                  size_t errlen)
{
    PGresult *r = PQexec(pg, sql);
    ExecStatusType s = PQresultStatus(r);
    int rc = 0;

    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        store_pg_error(st, pg, r, what, err, errlen);
        rc = -1;
    }
    PQclear(r);
    return rc;
}

static PGresult *checked(struct store_pg *st, PGconn *pg, PGresult *r, ExecStatusType want,
                         const char *what, char *err, size_t errlen)
{
    if (PQresultStatus(r) == want)
        return r;
    store_pg_error(st, pg, r, what, err, errlen);
    return NULL;
}

/* A prepared statement's name and its parameters' formats and lengths (a
 * length not 0: a binary parameter of that length). 0, or -1 with err. */
static int statement_args(enum store_pg_q q, int n, const int *lens, char name[16],
                          int formats[STORE_PG_MAX_PARAMS], int plens[STORE_PG_MAX_PARAMS],
                          const char *what, char *err, size_t errlen)
{
    /* libpq reads one format and one length for each of the n parameters */
    if (n < 0 || n > STORE_PG_MAX_PARAMS) {
        snprintf(err, errlen, "%s: statement q%d has %d parameters, more than %d", what, (int)q, n,
                 STORE_PG_MAX_PARAMS);
        return -1;
    }
    snprintf(name, 16, "q%d", (int)q);
    for (int i = 0; i < n; i++) {
        formats[i] = lens && lens[i] ? 1 : 0;
        plens[i] = lens ? lens[i] : 0;
    }
    return 0;
}

PGresult *store_pg_run(struct store_pg *st, PGconn *pg, enum store_pg_q q, int n,
                       const char *const *v, const int *lens, ExecStatusType want, const char *what,
                       char *err, size_t errlen)
{
    char name[16];
    int formats[STORE_PG_MAX_PARAMS], plens[STORE_PG_MAX_PARAMS];
    PGresult *r, *ok;

    if (statement_args(q, n, lens, name, formats, plens, what, err, errlen) < 0)
        return NULL;
    /* The two statements that read one bytea read it as bytes. */
    r = PQexecPrepared(pg, name, n, v, plens, formats, q == Q_RAW || q == Q_PDF);
    /* (Every other bytea is read as text and decoded: store_pg_bytes.) */
    ok = checked(st, pg, r, want, what, err, errlen);
    last_unique = !ok && store_pg_state(r, "23505");
    if (!ok)
        PQclear(r);
    return ok;
}

PGresult *store_pg_query(struct store_pg *st, PGconn *pg, const char *sql, int n,
                         const char *const *v, const char *what, char *err, size_t errlen)
{
    return store_pg_query_bin(st, pg, sql, n, v, NULL, what, err, errlen);
}

int store_pg_bytes(const PGresult *r, int row, int col, struct buf *out)
{
    size_t n = 0;
    unsigned char *b = PQunescapeBytea((const unsigned char *)PQgetvalue(r, row, col), &n);

    if (!b)
        return -1;
    buf_add(out, b, n);
    PQfreemem(b);
    return 0;
}

PGresult *store_pg_query_bin(struct store_pg *st, PGconn *pg, const char *sql, int n,
                             const char *const *v, const int *lens, const char *what, char *err,
                             size_t errlen)
{
    int formats[STORE_PG_MAX_PARAMS] = {0}, plens[STORE_PG_MAX_PARAMS] = {0};
    PGresult *r;
    ExecStatusType s;

    if (n < 0 || n > STORE_PG_MAX_PARAMS) {
        snprintf(err, errlen, "%s: a statement with %d parameters, more than %d", what, n,
                 STORE_PG_MAX_PARAMS);
        return NULL;
    }
    for (int i = 0; lens && i < n; i++) {
        formats[i] = lens[i] ? 1 : 0;
        plens[i] = lens[i];
    }
    r = PQexecParams(pg, sql, n, NULL, v, lens ? plens : NULL, lens ? formats : NULL, 0);
    s = PQresultStatus(r);

    if (s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK)
        return r;
    store_pg_error(st, pg, r, what, err, errlen);
    last_unique = store_pg_state(r, "23505");
    PQclear(r);
    return NULL;
}

char *store_pg_dup(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return NULL;
    return xstrdup(PQgetvalue(r, row, col));
}

void store_pg_copy(const PGresult *r, int row, int col, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s", PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col));
}

int64_t store_pg_int(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return 0;
    return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

/* The results of a pipeline's statements, in order; each statement's is
 * followed by a NULL. An error aborts the statements after it (their
 * results say PGRES_PIPELINE_ABORTED) up to the sync. The statements'
 * results are the answer: a server stopping right after a COMMIT sends
 * that COMMIT's result and then, in place of the sync's, the error that
 * ends the connection, and the commit stands. */
static int pipeline_results(struct store_pg *st, PGconn *pg, const struct store_pg_step *s,
                            int sent, const char *what, char *err, size_t errlen, int rc)
{
    PGresult *r;

    for (int i = 0; i < sent; i++) {
        r = PQgetResult(pg);
        if (!r) { /* the connection broke */
            if (rc == 0)
                store_pg_error(st, pg, NULL, what, err, errlen);
            return -1;
        }
        if (rc == 0 && PQresultStatus(r) != s[i].want) {
            store_pg_error(st, pg, r, what, err, errlen);
            last_unique = store_pg_state(r, "23505");
            rc = -1;
        }
        if (rc == 0 && s[i].out)
            *s[i].out = r;
        else
            PQclear(r);
        while ((r = PQgetResult(pg)) != NULL)
            PQclear(r);
    }
    r = PQgetResult(pg); /* the sync's */
    PQclear(r);
    return rc;
}

int store_pg_pipeline(struct store_pg *st, PGconn *pg, const struct store_pg_step *s, int n,
                      const char *what, char *err, size_t errlen)
{
    int sent = 0, rc = 0;

    last_unique = 0;
    for (int i = 0; i < n; i++)
        if (s[i].out)
            *s[i].out = NULL;
    if (!PQenterPipelineMode(pg)) {
        store_pg_error(st, pg, NULL, what, err, errlen);
        return -1;
    }
    while (sent < n) {
        int formats[STORE_PG_MAX_PARAMS], plens[STORE_PG_MAX_PARAMS], ok;
        char name[16];
        if (s[sent].sql) {
            ok = PQsendQueryParams(pg, s[sent].sql, 0, NULL, NULL, NULL, NULL, 0);
        } else if (statement_args(s[sent].q, s[sent].n, s[sent].lens, name, formats, plens, what,
                                  err, errlen) < 0) {
            rc = -1; /* err says why */
            break;
        } else {
            ok = PQsendQueryPrepared(pg, name, s[sent].n, s[sent].v, plens, formats, 0);
        }
        if (!ok) {
            store_pg_error(st, pg, NULL, what, err, errlen);
            rc = -1;
            break;
        }
        sent++;
    }
    if (!PQpipelineSync(pg)) {
        if (rc == 0)
            store_pg_error(st, pg, NULL, what, err, errlen);
        rc = -1;
    } else {
        rc = pipeline_results(st, pg, s, sent, what, err, errlen, rc);
    }
    /* Left in pipeline mode (a broken connection), store_pg_put drops it. */
    PQexitPipelineMode(pg);
    if (rc < 0)
        for (int i = 0; i < n; i++)
            if (s[i].out) {
                PQclear(*s[i].out);
                *s[i].out = NULL;
            }
    return rc;
}
