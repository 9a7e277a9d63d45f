/* Writes of the PostgreSQL store: puts, batches and revocation.
 * A put is one transaction: it claims the certificate's row (INSERT ... ON
 * CONFLICT DO NOTHING, which makes a second put of a new id wait for the
 * first to end), locks it (SELECT ... FOR UPDATE), decides by store_decide
 * against the committed revisions, renders, and writes the revision, its PDF
 * and the certificate's fields before it commits. Two processes putting the
 * same event thus give one revision; two contents give revisions 1 and 2.
 * The unique keys (id, (id, revision), code) are the last word. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltime.h"
#include "metrics.h"
#include "store_pg.h"
#include "banned.h"

#define TRIES 2 /* a put on a connection the database dropped is tried again once */

int store_pg_owns_batch(struct store_pg *st)
{
    int owner;
    pthread_mutex_lock(&st->batch_mu);
    owner = st->batch_active && pthread_equal(st->batch_owner, pthread_self());
    pthread_mutex_unlock(&st->batch_mu);
    return owner;
}

/* The connection for a write: the batch's for its thread, else one of the
 * pool with the gate held for reading. NULL with err. */
PGconn *store_pg_writer_get(struct store_pg *st, int owner, char *err, size_t errlen)
{
    PGconn *pg;

    if (owner) {
        if (st->batch_failed) {
            snprintf(err, errlen, "the batch was rolled back: %s", st->batch_err);
            return NULL;
        }
        return st->batch_conn;
    }
    pthread_rwlock_rdlock(&st->gate);
    pg = store_pg_get(st, err, errlen);
    if (!pg)
        pthread_rwlock_unlock(&st->gate);
    return pg;
}

void store_pg_writer_put(struct store_pg *st, int owner, PGconn *pg)
{
    if (owner)
        return;
    store_pg_put(st, pg);
    pthread_rwlock_unlock(&st->gate);
}

/* A put's transaction: its own, or a savepoint of the batch's. */
static const char *tx_begin_sql(int owner)
{
    return owner ? "SAVEPOINT put" : "BEGIN";
}

static const char *tx_commit_sql(int owner)
{
    return owner ? "RELEASE SAVEPOINT put" : "COMMIT";
}

static void tx_abort(struct store_pg *st, PGconn *pg, int owner)
{
    char ignored[8];

    if (PQstatus(pg) != CONNECTION_OK) {
        if (owner) {
            st->batch_failed = 1;
            snprintf(st->batch_err, sizeof(st->batch_err), "the database connection was lost");
        }
        return;
    }
    if (owner)
        store_pg_exec(st, pg, "ROLLBACK TO SAVEPOINT put; RELEASE SAVEPOINT put", "write", ignored,
                      sizeof(ignored));
    else if (PQtransactionStatus(pg) != PQTRANS_IDLE)
        store_pg_exec(st, pg, "ROLLBACK", "write", ignored, sizeof(ignored));
}

struct put_job {
    const struct store_fields *f;
    struct store_ticket t;
    char inst[24], user[24], course[24], school[24], rate[40], rev[16];
};

/* Begin, claim and lock the row (one round trip), then decide. 0 nothing to
 * write (res filled), 1 a new revision is due (j->t has its number and a
 * fresh code), -1 error. */
static int decide(struct store_pg *st, PGconn *pg, int owner, struct put_job *j,
                  struct store_result *res, char *err, size_t errlen)
{
    const struct store_fields *f = j->f;
    const char *claim[] = {
        j->t.id,         j->inst,         j->user,        j->course,
        j->school,       f->user_name,    f->user_email,  f->user_cpf,
        f->course_name,  f->school_name,  f->workload,    f->type,
        f->certified_at, f->concluded_at, f->enrolled_at, f->has_approval_rate ? j->rate : NULL};
    const char *id[] = {j->t.id, j->rev, f->canonical};
    PGresult *r;
    enum store_outcome o;
    int latest, same = 0;

    const struct store_pg_step steps[] = {
        {.sql = tx_begin_sql(owner), .want = PGRES_COMMAND_OK},
        {.q = Q_CLAIM, .n = 16, .v = claim, .want = PGRES_COMMAND_OK},
        {.q = Q_LOCK, .n = 1, .v = id, .want = PGRES_TUPLES_OK, .out = &r},
    };

    if (store_pg_pipeline(st, pg, steps, 3, "write", err, errlen) < 0)
        return -1;
    if (PQntuples(r) != 1 || store_pg_int(r, 0, 0) != f->institution_id ||
        store_pg_int(r, 0, 1) != f->user_id || store_pg_int(r, 0, 2) != f->course_id) {
        snprintf(err, errlen, "certificate id '%s' collides with another certificate's", j->t.id);
        PQclear(r);
        return -1;
    }
    latest = (int)store_pg_int(r, 0, 3);
    PQclear(r);
    j->t.revision = latest + 1;
    if (latest > 0) {
        snprintf(j->rev, sizeof(j->rev), "%d", latest);
        r = store_pg_run(st, pg, Q_LATEST, 2, id, NULL, PGRES_TUPLES_OK, "read", err, errlen);
        if (!r)
            return -1;
        if (PQntuples(r) != 1) {
            snprintf(err, errlen, "database '%s' is damaged: '%s' has no revision %d", st->label,
                     j->t.id, latest);
            PQclear(r);
            return -1;
        }
        if (strcmp(PQgetvalue(r, 0, 0), f->canonical) != 0) {
            PGresult *e =
                store_pg_run(st, pg, Q_EARLIER, 3, id, NULL, PGRES_TUPLES_OK, "read", err, errlen);
            if (!e) {
                PQclear(r);
                return -1;
            }
            same = PQntuples(e) > 0;
            PQclear(e);
        }
        o = store_decide(PQgetvalue(r, 0, 0), PQgetisnull(r, 0, 1) ? NULL : PQgetvalue(r, 0, 1),
                         same, f);
        if (o == STORE_UNCHANGED || o == STORE_STALE) {
            res->ticket = j->t;
            res->ticket.revision = latest;
            store_pg_copy(r, 0, 2, res->ticket.code, sizeof(res->ticket.code));
            res->outcome = o;
            PQclear(r);
            return 0;
        }
        PQclear(r);
    }
    /* Fresh among 2^75: a clash is refused by the unique key on code. */
    if (store_code_generate(j->t.code) < 0) {
        snprintf(err, errlen, "cannot make a verification code: no random bytes");
        return -1;
    }
    return 1;
}

/* The rows of the new revision, its PDF, and the certificate's fields, then
 * the commit: one round trip. (The commit time counted is this round trip's.) */
static int write_revision(struct store_pg *st, PGconn *pg, int owner, struct put_job *j,
                          const struct buf *pdf, char *err, size_t errlen)
{
    const struct store_fields *f = j->f;
    char sha[65], size[24], now[20];
    char *doc = NULL, *grams = NULL;
    const char *rv[9], *fv[3], *cv[17], *sv[2];
    int rl[9] = {0}, fl[3] = {0};
    struct store_pg_step steps[5];
    int n = 0, rc;
    uint64_t t0;

    store_fs_sha256(pdf->data, pdf->len, sha);
    snprintf(size, sizeof(size), "%zu", pdf->len);
    snprintf(j->rev, sizeof(j->rev), "%d", j->t.revision);
    store_now_utc(now);
    rv[0] = j->t.id;
    rv[1] = j->rev;
    rv[2] = j->t.code;
    rv[3] = sha;
    rv[4] = size;
    rv[5] = now;
    rv[6] = f->canonical;
    rv[7] = f->raw ? f->raw : "";
    rl[7] = f->raw && f->raw_len ? (int)f->raw_len : 0;
    rv[8] = f->send_at && *f->send_at ? f->send_at : NULL;
    steps[n++] = (struct store_pg_step){
        .q = Q_REVISION, .n = 9, .v = rv, .lens = rl, .want = PGRES_COMMAND_OK};
    fv[0] = j->t.id;
    fv[1] = j->rev;
    fv[2] = pdf->data;
    fl[2] = (int)pdf->len;
    steps[n++] =
        (struct store_pg_step){.q = Q_FILE, .n = 3, .v = fv, .lens = fl, .want = PGRES_COMMAND_OK};
    sv[0] = j->t.id;
    sv[1] = j->rev;
    if (j->t.revision > 1) /* revision 1 has none before it */
        steps[n++] =
            (struct store_pg_step){.q = Q_SUPERSEDE, .n = 2, .v = sv, .want = PGRES_COMMAND_OK};

    store_pg_search_text(f, &doc, &grams);
    cv[0] = j->t.id;
    cv[1] = j->school;
    cv[2] = f->user_name;
    cv[3] = f->user_email;
    cv[4] = f->user_cpf;
    cv[5] = f->course_name;
    cv[6] = f->school_name;
    cv[7] = f->workload;
    cv[8] = f->type;
    cv[9] = f->certified_at;
    cv[10] = f->concluded_at;
    cv[11] = f->enrolled_at;
    cv[12] = f->has_approval_rate ? j->rate : NULL;
    cv[13] = j->rev;
    cv[14] = doc;
    cv[15] = grams;
    cv[16] = f->expires_at && *f->expires_at ? f->expires_at : NULL;
    steps[n++] =
        (struct store_pg_step){.q = Q_CERT_SET, .n = 17, .v = cv, .want = PGRES_COMMAND_OK};
    steps[n++] = (struct store_pg_step){.sql = tx_commit_sql(owner), .want = PGRES_COMMAND_OK};
    t0 = store_now_ns();
    rc = store_pg_pipeline(st, pg, steps, n, "write", err, errlen);
    if (rc < 0 && store_pg_was_unique())
        snprintf(err, errlen, "cannot archive '%s' r%d: another writer archived it meanwhile",
                 j->t.id, j->t.revision);
    if (rc == 0 && !owner) {
        uint64_t ns = store_now_ns() - t0;
        store_pg_count(&st->commits, 1);
        store_pg_count(&st->commit_ns, ns);
        /* one certificate a transaction: the server groups the flushes */
        metrics_observe(METRICS_COMMIT, (double)ns / 1e9);
        metrics_group(1);
    }
    free(doc);
    free(grams);
    return rc;
}

/* A redelivery, the common case, in one read without a lock (store_peek):
 * the latest committed revision has the same content. 1 yes (res filled),
 * 0 no, -1. */
static int same_again(struct store_pg *st, PGconn *pg, struct put_job *j, struct store_result *res,
                      char *err, size_t errlen)
{
    const char *v[] = {j->t.id, j->inst, j->user, j->course, j->f->canonical};
    PGresult *r = store_pg_run(st, pg, Q_SAME, 5, v, NULL, PGRES_TUPLES_OK, "read", err, errlen);
    int rc;

    if (!r)
        return -1;
    rc = PQntuples(r) == 1;
    if (rc) {
        res->ticket = j->t;
        res->ticket.revision = (int)store_pg_int(r, 0, 0);
        store_pg_copy(r, 0, 1, res->ticket.code, sizeof(res->ticket.code));
        res->outcome = STORE_UNCHANGED;
    }
    PQclear(r);
    return rc;
}

/* One try of a put on pg. 0 done (res filled), -1 error. */
static int put_once(struct store_pg *st, PGconn *pg, int owner, struct put_job *j,
                    store_render_fn fn, void *ctx, struct store_result *res, char *err,
                    size_t errlen)
{
    struct buf pdf = BUF_INIT;
    int rc;

    rc = decide(st, pg, owner, j, res, err, errlen);
    if (rc == 0) {
        tx_abort(st, pg, owner); /* nothing written but the claim, if any */
        return 0;
    }
    if (rc < 0)
        goto fail;
    store_pg_count(&st->renders, 1);
    if (fn(ctx, &j->t, &pdf, err, errlen) < 0)
        goto fail;
    if (pdf.len == 0 || pdf.len > INT32_MAX) {
        snprintf(err, errlen, "cannot archive '%s': the renderer made %s", j->t.id,
                 pdf.len ? "too many bytes" : "no bytes");
        goto fail;
    }
    if (write_revision(st, pg, owner, j, &pdf, err, errlen) < 0)
        goto fail;
    buf_free(&pdf);
    res->ticket = j->t;
    res->outcome = j->t.revision == 1 ? STORE_ISSUED : STORE_REVISED;
    return 0;
fail:
    tx_abort(st, pg, owner);
    buf_free(&pdf);
    return -1;
}

/* The job of a put of f (its id and the numbers as text), once f passes
 * the put's checks; -1 with err otherwise. */
static int job_make(struct put_job *j, const struct store_fields *f, int have_fn, char *err,
                    size_t errlen)
{
    struct caltime when;

    memset(j, 0, sizeof(*j));
    if (store_put_check(f, have_fn, &when, j->t.id, err, errlen) < 0)
        return -1;
    j->f = f;
    snprintf(j->inst, sizeof(j->inst), "%" PRId64, f->institution_id);
    snprintf(j->user, sizeof(j->user), "%" PRId64, f->user_id);
    snprintf(j->course, sizeof(j->course), "%" PRId64, f->course_id);
    snprintf(j->school, sizeof(j->school), "%" PRId64, f->school_id);
    snprintf(j->rate, sizeof(j->rate), "%.17g", f->approval_rate);
    return 0;
}

/* The redelivery's read (same_again) on a connection of the pool, outside
 * any transaction. */
int store_pg_peek_op(struct store *base, const struct store_fields *f, struct store_result *res)
{
    struct store_pg *st = store_pg_of(base);
    struct put_job j;
    char err[256];
    PGconn *pg;
    int rc;

    if (job_make(&j, f, 1, err, sizeof(err)) < 0 || store_pg_owns_batch(st) ||
        !(pg = store_pg_get(st, err, sizeof(err))))
        return 0;
    rc = same_again(st, pg, &j, res, err, sizeof(err));
    store_pg_put(st, pg);
    if (rc != 1)
        memset(res, 0, sizeof(*res));
    return rc == 1;
}

int store_pg_put_op(struct store *base, const struct store_fields *f, store_render_fn fn, void *ctx,
                    struct store_result *res, char *err, size_t errlen)
{
    struct store_pg *st = store_pg_of(base);
    struct store_result local;
    struct put_job j;
    int owner, rc = -1;

    if (!res)
        res = &local;
    memset(res, 0, sizeof(*res));
    if (job_make(&j, f, fn != NULL, err, errlen) < 0)
        return -1;

    owner = store_pg_owns_batch(st);
    for (int i = 0; i < (owner ? 1 : TRIES); i++) {
        PGconn *pg = store_pg_writer_get(st, owner, err, errlen);
        int lost;
        if (!pg)
            return -1;
        rc = put_once(st, pg, owner, &j, fn, ctx, res, err, errlen);
        lost = PQstatus(pg) != CONNECTION_OK;
        store_pg_writer_put(st, owner, pg);
        /* A connection broken before this call (the database restarted) is
         * tried again on a new one; what it may have committed, the next
         * try finds (unchanged). */
        if (rc == 0 || !lost)
            break;
        memset(res, 0, sizeof(*res));
    }
    return rc;
}

/* --- batches -------------------------------------------------------------- */

int store_pg_batch_begin(struct store *base, char *err, size_t errlen)
{
    struct store_pg *st = store_pg_of(base);
    PGconn *pg;

    if (store_pg_owns_batch(st)) {
        snprintf(err, errlen, "a batch is already open");
        return -1;
    }
    pthread_rwlock_wrlock(&st->gate);
    pg = store_pg_get(st, err, errlen);
    if (!pg || store_pg_exec(st, pg, "BEGIN", "write", err, errlen) < 0) {
        store_pg_put(st, pg);
        pthread_rwlock_unlock(&st->gate);
        return -1;
    }
    pthread_mutex_lock(&st->batch_mu);
    st->batch_conn = pg;
    st->batch_failed = 0;
    st->batch_err[0] = '\0';
    st->batch_owner = pthread_self();
    st->batch_active = 1;
    pthread_mutex_unlock(&st->batch_mu);
    return 0;
}

int store_pg_batch_end(struct store *base, char *err, size_t errlen)
{
    struct store_pg *st = store_pg_of(base);
    PGconn *pg = st->batch_conn;
    uint64_t t0 = store_now_ns();
    int rc = -1;

    if (!store_pg_owns_batch(st)) {
        snprintf(err, errlen, "no batch is open in this thread");
        return -1;
    }
    if (st->batch_failed) {
        snprintf(err, errlen, "the batch was rolled back: %s", st->batch_err);
    } else if (store_pg_exec(st, pg, "COMMIT", "commit to", err, errlen) == 0) {
        store_pg_count(&st->commits, 1);
        store_pg_count(&st->commit_ns, store_now_ns() - t0);
        rc = 0;
    }
    if (rc < 0 && PQstatus(pg) == CONNECTION_OK && PQtransactionStatus(pg) != PQTRANS_IDLE) {
        char ignored[8];
        store_pg_exec(st, pg, "ROLLBACK", "write", ignored, sizeof(ignored));
    }
    pthread_mutex_lock(&st->batch_mu);
    st->batch_active = 0;
    st->batch_conn = NULL;
    pthread_mutex_unlock(&st->batch_mu);
    store_pg_put(st, pg);
    pthread_rwlock_unlock(&st->gate);
    return rc;
}

/* --- revocation ----------------------------------------------------------- */

int store_pg_revoke(struct store *base, const char *id, const char *reason, char *err,
                    size_t errlen)
{
    struct store_pg *st = store_pg_of(base);
    const char *v[3];
    char now[20];
    PGresult *r;
    PGconn *pg;
    int owner, rc = -1;

    if (!reason || !*reason) {
        snprintf(err, errlen, "cannot revoke '%s': a reason is required", id);
        return -1;
    }
    store_now_utc(now);
    v[0] = id;
    v[1] = reason;
    v[2] = now;
    owner = store_pg_owns_batch(st);
    pg = store_pg_writer_get(st, owner, err, errlen);
    if (!pg)
        return -1;
    /* One statement: atomic; revoking again changes nothing. */
    r = store_pg_run(st, pg, Q_REVOKE, 3, v, NULL, PGRES_COMMAND_OK, "write", err, errlen);
    if (r) {
        rc = strcmp(PQcmdTuples(r), "0") == 0 ? 2 : 0;
        PQclear(r);
    }
    if (rc == 2) {
        r = store_pg_run(st, pg, Q_EXISTS, 1, v, NULL, PGRES_TUPLES_OK, "read", err, errlen);
        rc = r ? PQntuples(r) == 0 : -1;
        PQclear(r);
    }
    if (rc < 0 && owner)
        tx_abort(st, pg, owner);
    store_pg_writer_put(st, owner, pg);
    return rc;
}
