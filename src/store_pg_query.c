/* Reads of the PostgreSQL store: one certificate with its revisions (by id or
 * by code, in one snapshot), a file by its hash, a raw event, a PDF. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_pg.h"
#include "banned.h"

#define SNAPSHOT "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"

static int read_cert(struct store_pg *st, PGconn *pg, const struct store_scope *scope,
                     const char *id, struct store_cert *out, char *err, size_t errlen)
{
    char inst[24], school[24];
    const char *v[3] = {id, inst, school};
    PGresult *r;
    int n;

    memset(out, 0, sizeof(*out));
    snprintf(inst, sizeof(inst), "%lld", scope ? (long long)scope->institution_id : 0LL);
    snprintf(school, sizeof(school), "%lld", scope ? (long long)scope->school_id : 0LL);
    r = store_pg_run(st, pg, Q_GET, 3, v, NULL, PGRES_TUPLES_OK, "read", err, errlen);
    if (!r)
        return -1;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return 1;
    }
    snprintf(out->id, sizeof(out->id), "%s", id);
    out->institution_id = store_pg_int(r, 0, 0);
    out->user_id = store_pg_int(r, 0, 1);
    out->course_id = store_pg_int(r, 0, 2);
    out->school_id = store_pg_int(r, 0, 3);
    out->user_name = store_pg_dup(r, 0, 4);
    out->user_email = store_pg_dup(r, 0, 5);
    out->user_cpf = store_pg_dup(r, 0, 6);
    out->course_name = store_pg_dup(r, 0, 7);
    out->school_name = store_pg_dup(r, 0, 8);
    out->workload = store_pg_dup(r, 0, 9);
    out->type = store_pg_dup(r, 0, 10);
    store_pg_copy(r, 0, 11, out->certified_at, sizeof(out->certified_at));
    store_pg_copy(r, 0, 12, out->concluded_at, sizeof(out->concluded_at));
    store_pg_copy(r, 0, 13, out->enrolled_at, sizeof(out->enrolled_at));
    out->has_approval_rate = !PQgetisnull(r, 0, 14);
    out->approval_rate = out->has_approval_rate ? strtod(PQgetvalue(r, 0, 14), NULL) : 0;
    out->latest = (int)store_pg_int(r, 0, 15);
    out->revoked = PQgetvalue(r, 0, 16)[0] == 't';
    out->revoke_reason = store_pg_dup(r, 0, 17);
    store_pg_copy(r, 0, 18, out->revoked_at, sizeof(out->revoked_at));
    store_pg_copy(r, 0, 19, out->expires_at, sizeof(out->expires_at));
    out->expired = store_expired(out->expires_at, NULL);
    PQclear(r);

    r = store_pg_run(st, pg, Q_REVS, 1, v, NULL, PGRES_TUPLES_OK, "read", err, errlen);
    if (!r) {
        store_cert_free(out);
        return -1;
    }
    n = PQntuples(r);
    out->revs = xcalloc(n ? (size_t)n : 1, sizeof(*out->revs));
    out->n_revs = (size_t)n;
    for (int i = 0; i < n; i++) {
        struct store_revision *rv = &out->revs[i];
        rv->revision = (int)store_pg_int(r, i, 0);
        store_pg_copy(r, i, 1, rv->code, sizeof(rv->code));
        store_pg_copy(r, i, 2, rv->created_at, sizeof(rv->created_at));
        rv->superseded = PQgetvalue(r, i, 3)[0] == 't';
        store_pg_copy(r, i, 4, rv->sha256, sizeof(rv->sha256));
        rv->size = store_pg_int(r, i, 5);
        rv->generation = (int)store_pg_int(r, i, 6);
        store_pg_copy(r, i, 7, rv->send_at, sizeof(rv->send_at));
        rv->pdf_path = NULL; /* the PDF is in the database: store_pdf */
    }
    PQclear(r);
    return 0;
}

/* Run fn in one read-only snapshot on a pooled connection. */
static int in_snapshot(struct store_pg *st, PGconn *pg, char *err, size_t errlen)
{
    return store_pg_exec(st, pg, SNAPSHOT, "read", err, errlen);
}

static void end_snapshot(struct store_pg *st, PGconn *pg)
{
    char ignored[8];
    if (PQstatus(pg) == CONNECTION_OK && PQtransactionStatus(pg) != PQTRANS_IDLE)
        store_pg_exec(st, pg, "COMMIT", "read", ignored, sizeof(ignored));
}

int store_pg_get_op(struct store *base, const struct store_scope *scope, const char *id,
                    struct store_cert *out, char *err, size_t errlen)
{
    struct store_pg *st = store_pg_of(base);
    PGconn *pg;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (!store_id_valid(id))
        return 1;
    pg = store_pg_get(st, err, errlen);
    if (!pg)
        return -1;
    if (in_snapshot(st, pg, err, errlen) == 0)
        rc = read_cert(st, pg, scope, id, out, err, errlen);
    end_snapshot(st, pg);
    store_pg_put(st, pg);
    return rc;
}

int store_pg_get_by_code(struct store *base, const char *code, struct store_cert *out,
                         int *revision, char *err, size_t errlen)
{
    struct store_pg *st = store_pg_of(base);
    char norm[STORE_CODE_MAX], id[STORE_ID_MAX];
    const char *v[1] = {norm};
    PGresult *r = NULL;
    PGconn *pg;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (store_code_normalize(code, norm) < 0)
        return 1;
    pg = store_pg_get(st, err, errlen);
    if (!pg)
        return -1;
    if (in_snapshot(st, pg, err, errlen) < 0)
        goto out;
    r = store_pg_run(st, pg, Q_BY_CODE, 1, v, NULL, PGRES_TUPLES_OK, "read", err, errlen);
    if (!r)
        goto out;
    if (PQntuples(r) == 0) {
        rc = 1;
        goto out;
    }
    store_pg_copy(r, 0, 0, id, sizeof(id));
    if (revision)
        *revision = (int)store_pg_int(r, 0, 1);
    rc = read_cert(st, pg, NULL, id, out, err, errlen);
out:
    PQclear(r);
    end_snapshot(st, pg);
    store_pg_put(st, pg);
    return rc;
}

int store_pg_find_file(struct store *base, const char *sha256, struct store_file_match *out,
                       char *err, size_t errlen)
{
    struct store_pg *st = store_pg_of(base);
    const char *v[1] = {sha256};
    PGresult *r;
    PGconn *pg;
    int rc = 1;

    memset(out, 0, sizeof(*out));
    pg = store_pg_get(st, err, errlen);
    if (!pg)
        return -1;
    r = store_pg_run(st, pg, Q_FIND_FILE, 1, v, NULL, PGRES_TUPLES_OK, "read", err, errlen);
    store_pg_put(st, pg);
    if (!r)
        return -1;
    if (PQntuples(r) > 0) {
        store_pg_copy(r, 0, 0, out->id, sizeof(out->id));
        out->revision = (int)store_pg_int(r, 0, 1);
        store_pg_copy(r, 0, 2, out->code, sizeof(out->code));
        out->earlier = store_pg_int(r, 0, 3) != 0;
        rc = 0;
    }
    PQclear(r);
    return rc;
}

/* One bytea of a revision (Q_RAW or Q_PDF) appended to out: 0, 1, -1. */
static int read_bytes(struct store_pg *st, enum store_pg_q q, const char *id, int revision,
                      struct buf *out, char *err, size_t errlen)
{
    char rev[16];
    const char *v[2] = {id, rev};
    PGresult *r;
    PGconn *pg;
    int rc = -1;

    snprintf(rev, sizeof(rev), "%d", revision);
    pg = store_pg_get(st, err, errlen);
    if (!pg)
        return -1;
    r = store_pg_run(st, pg, q, 2, v, NULL, PGRES_TUPLES_OK, "read", err, errlen);
    store_pg_put(st, pg);
    if (!r)
        return -1;
    if (PQntuples(r) == 0) {
        rc = 1;
    } else {
        buf_add(out, PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0));
        rc = 0;
    }
    PQclear(r);
    return rc;
}

int store_pg_raw_event(struct store *base, const char *id, int revision, struct buf *out, char *err,
                       size_t errlen)
{
    return read_bytes(store_pg_of(base), Q_RAW, id, revision, out, err, errlen);
}

int store_pg_pdf(struct store *base, const char *id, int revision, struct buf *out, char *err,
                 size_t errlen)
{
    return read_bytes(store_pg_of(base), Q_PDF, id, revision, out, err, errlen);
}
