/* Rerender on the PostgreSQL store: each certificate the filter takes has
 * its latest revision's PDF made again in one transaction holding its row;
 * the file it replaces keeps its hash in earlier_files (unless the bytes are
 * the same), and the expiry the renderer reports becomes the certificate's,
 * in the same transaction as the new file. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltime.h"
#include "jobs.h"
#include "store_pg.h"
#include "banned.h"

/* The new file of id's revision v[1]: its bytes, the earlier file's hash,
 * the revision's row and the certificate's expiry. 0, or -1 with err. */
static int record(struct store_pg *st, PGconn *pg, const char *id, const char *rev,
                  const struct buf *pdf, const char *expires, char *err, size_t errlen)
{
    char sha[65], size[24], now[20];
    const char *v[5] = {id, rev, pdf->data, NULL, NULL};
    int lens[3] = {0, 0, (int)pdf->len};
    PGresult *r;

    r = store_pg_run(st, pg, Q_FILE, 3, v, lens, PGRES_COMMAND_OK, "write", err, errlen);
    if (!r)
        return -1;
    PQclear(r);
    store_fs_sha256(pdf->data, pdf->len, sha);
    snprintf(size, sizeof(size), "%zu", pdf->len);
    store_now_utc(now);
    v[2] = sha;
    v[3] = now;
    r = store_pg_run(st, pg, Q_REPLACED, 4, v, NULL, PGRES_COMMAND_OK, "write", err, errlen);
    if (!r)
        return -1;
    PQclear(r);
    v[3] = size;
    v[4] = now;
    r = store_pg_query(st, pg,
                       "UPDATE revisions SET sha256 = $3, size = $4, rendered_at = $5,"
                       " generation = generation + 1 WHERE id = $1 AND revision = $2",
                       5, v, "write", err, errlen);
    if (!r)
        return -1;
    PQclear(r);
    v[2] = expires[0] ? expires : NULL;
    r = store_pg_query(st, pg, "UPDATE certificates SET expires_at = $3 WHERE id = $1 AND latest = $2",
                       3, v, "write", err, errlen);
    if (!r)
        return -1;
    PQclear(r);
    return 0;
}

/* Re-make the latest revision's PDF of id. 0 done, 1 gone meanwhile, -1. */
static int remake(struct store_pg *st, PGconn *pg, const char *id, store_rerender_fn fn, void *ctx,
                  char *err, size_t errlen)
{
    struct store_ticket t = {0};
    struct buf pdf = BUF_INIT, body = BUF_INIT;
    char rev[16], expires[20] = "";
    const char *v[2] = {id, rev};
    PGresult *r = NULL, *raw = NULL;
    int rc = -1;

    if (store_pg_exec(st, pg, "BEGIN", "write", err, errlen) < 0)
        return -1;
    r = store_pg_run(st, pg, Q_LOCK, 1, v, NULL, PGRES_TUPLES_OK, "read", err, errlen);
    if (!r)
        goto out;
    if (PQntuples(r) == 0 || store_pg_int(r, 0, 3) == 0) {
        rc = 1;
        goto out;
    }
    snprintf(t.id, sizeof(t.id), "%s", id);
    t.revision = (int)store_pg_int(r, 0, 3);
    snprintf(rev, sizeof(rev), "%d", t.revision);
    PQclear(r);
    r = store_pg_run(st, pg, Q_LATEST, 2, v, NULL, PGRES_TUPLES_OK, "read", err, errlen);
    raw = r ? store_pg_run(st, pg, Q_RAW, 2, v, NULL, PGRES_TUPLES_OK, "read", err, errlen) : NULL;
    if (!raw)
        goto out;
    if (PQntuples(r) != 1 || PQntuples(raw) != 1) {
        snprintf(err, errlen, "database '%s' is damaged: '%s' has no revision %d", st->label, id,
                 t.revision);
        goto out;
    }
    store_pg_copy(r, 0, 2, t.code, sizeof(t.code));
    /* The rerender function wants a NUL after the bytes. */
    buf_add(&body, PQgetvalue(raw, 0, 0), (size_t)PQgetlength(raw, 0, 0));
    store_pg_count(&st->renders, 1);
    if (fn(ctx, &t, body.data ? body.data : "", body.len, &pdf, expires, err, errlen) < 0)
        goto out;
    if (store_remade_expiry_check(expires, &t, err, errlen) < 0)
        goto out;
    if (pdf.len == 0 || pdf.len > INT32_MAX) {
        snprintf(err, errlen, "cannot re-make '%s': the renderer made no bytes", id);
        goto out;
    }
    if (record(st, pg, id, rev, &pdf, expires, err, errlen) < 0 ||
        store_pg_exec(st, pg, "COMMIT", "commit to", err, errlen) < 0)
        goto out;
    store_pg_count(&st->commits, 1);
    rc = 0;
out:
    PQclear(r);
    PQclear(raw);
    buf_free(&pdf);
    buf_free(&body);
    if (rc != 0 && PQstatus(pg) == CONNECTION_OK && PQtransactionStatus(pg) != PQTRANS_IDLE) {
        char ignored[8];
        store_pg_exec(st, pg, "ROLLBACK", "write", ignored, sizeof(ignored));
    }
    return rc;
}

struct rerender_run {
    struct store_pg *st;
    PGresult *ids;
    store_rerender_fn fn;
    void *ctx;
};

/* One certificate of a rerender, on any of its threads, each with its own
 * connection from the pool: 1 re-made, 0 gone meanwhile, -1. */
static int rerender_one(void *ctx, size_t i, char *err, size_t errlen)
{
    struct rerender_run *run = ctx;
    PGconn *pg = store_pg_writer_get(run->st, 0, err, errlen);
    int r;

    if (!pg)
        return -1;
    r = remake(run->st, pg, PQgetvalue(run->ids, (int)i, 0), run->fn, run->ctx, err, errlen);
    store_pg_writer_put(run->st, 0, pg);
    return r < 0 ? -1 : r == 0;
}

int store_pg_rerender(struct store *base, const struct store_rerender_filter *f,
                      store_rerender_fn fn, void *ctx, size_t *count, char *err, size_t errlen)
{
    struct store_pg *st = store_pg_of(base);
    const char *since = f->since;
    char inst[24];
    const char *v[2] = {since, inst};
    struct rerender_run run;
    struct caltime d;
    size_t done = 0;
    PGresult *ids;
    PGconn *pg;
    int rc;

    if (count)
        *count = 0;
    if (since && caltime_parse_date(since, &d) < 0) {
        snprintf(err, errlen, "bad date '%s': want yyyy-MM-dd", since);
        return -1;
    }
    if (store_pg_owns_batch(st)) {
        snprintf(err, errlen, "cannot rerender inside a batch");
        return -1;
    }
    snprintf(inst, sizeof(inst), "%" PRId64, f->institution_id);
    pg = store_pg_writer_get(st, 0, err, errlen);
    if (!pg)
        return -1;
    ids = store_pg_query(st, pg,
                         "SELECT id FROM certificates WHERE latest > 0"
                         " AND ($1::text IS NULL OR certified_at >= $1)"
                         " AND ($2::bigint = 0 OR institution_id = $2) ORDER BY id",
                         2, v, "read", err, errlen);
    /* back to the pool, for one of the threads */
    store_pg_writer_put(st, 0, pg);
    if (!ids)
        return -1;
    run = (struct rerender_run){st, ids, fn, ctx};
    rc = jobs_run((size_t)PQntuples(ids), f->jobs, rerender_one, &run, &done, err, errlen);
    if (count)
        *count = done;
    PQclear(ids);
    return rc;
}
