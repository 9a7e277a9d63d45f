/* Writes of the SQLite store: puts (decide, render, place the PDF, commit
 * with other puts: store_sqlite_group.c), batches, and revocation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltime.h"
#include "store_sqlite.h"
#include "banned.h"

#define CODE_TRIES 8

/* --- put ------------------------------------------------------------------ */

/* Whether a revision of id before revision has canonical (s: W_EARLIER's
 * statement on db). 1 yes, 0 no, -1 error. */
static int earlier_same(struct store_sqlite *st, sqlite3 *db, sqlite3_stmt *s, const char *id,
                        int revision, const char *canonical, char *err, size_t errlen)
{
    int rc;

    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, revision);
    sqlite3_bind_text(s, 3, canonical, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        return rc == SQLITE_ROW;
    store_sqlite_error(st, db, "read", err, errlen);
    return -1;
}

/* What the archive holds of t->id decides (store_decide), read on db with
 * W_LATEST's and W_EARLIER's statements: 0 nothing to write (res filled:
 * unchanged or stale), 1 a new revision is due (t->revision set to its
 * number), -1 error. */
static int judge(struct store_sqlite *st, sqlite3 *db, sqlite3_stmt *latest, sqlite3_stmt *earlier,
                 const struct store_fields *f, struct store_ticket *t, struct store_result *res,
                 char *err, size_t errlen)
{
    const char *canonical, *send_at;
    enum store_outcome o;
    int rc, same = 0;

    sqlite3_bind_text(latest, 1, t->id, -1, SQLITE_STATIC);
    rc = sqlite3_step(latest);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(latest);
        t->revision = 1;
        return 1;
    }
    if (rc != SQLITE_ROW) {
        store_sqlite_error(st, db, "read", err, errlen);
        goto fail;
    }
    if (sqlite3_column_int64(latest, 0) != f->institution_id ||
        sqlite3_column_int64(latest, 1) != f->user_id ||
        sqlite3_column_int64(latest, 2) != f->course_id) {
        snprintf(err, errlen, "certificate id '%s' collides with another certificate's", t->id);
        goto fail;
    }
    t->revision = sqlite3_column_int(latest, 3);
    canonical = (const char *)sqlite3_column_text(latest, 5);
    send_at = (const char *)sqlite3_column_text(latest, 6);
    if (strcmp(canonical, f->canonical) != 0 &&
        (same = earlier_same(st, db, earlier, t->id, t->revision, f->canonical, err, errlen)) < 0)
        goto fail;
    o = store_decide(canonical, send_at, same, f);
    if (o == STORE_UNCHANGED || o == STORE_STALE) {
        res->ticket = *t;
        store_sqlite_col_copy(latest, 4, res->ticket.code, sizeof(res->ticket.code));
        res->outcome = o;
        sqlite3_reset(latest);
        return 0;
    }
    sqlite3_reset(latest);
    t->revision++;
    return 1;
fail:
    sqlite3_reset(latest);
    return -1;
}

/* The look of store_peek: a redelivery decided on a reader connection, so
 * that it never waits behind a commit it does not need (in WAL, readers do
 * not wait for the writer). 0 nothing to write (res filled), 1 the writer
 * must decide (also when this look failed: the writer's look reports it). */
static int judge_on_reader(struct store_sqlite *st, const struct store_fields *f,
                           const struct store_ticket *t, struct store_result *res)
{
    sqlite3 *db = store_sqlite_reader_get(st);
    sqlite3_stmt *latest = NULL, *earlier = NULL;
    struct store_ticket look = *t;
    char err[256];
    int rc = 1;

    if (sqlite3_prepare_v2(db, store_sqlite_wsql(W_LATEST), -1, &latest, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, store_sqlite_wsql(W_EARLIER), -1, &earlier, NULL) == SQLITE_OK &&
        sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK) {
        rc = judge(st, db, latest, earlier, f, &look, res, err, sizeof(err)) == 0 ? 0 : 1;
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    }
    sqlite3_finalize(latest);
    sqlite3_finalize(earlier);
    store_sqlite_reader_put(st, db);
    if (rc)
        memset(res, 0, sizeof(*res));
    return rc;
}

/* With db_mu held: decide on the writer; when a new revision is due, a
 * fresh code for it. As judge, with t->code set for 1. */
static int decide(struct store_sqlite *st, const struct store_fields *f, struct store_ticket *t,
                  struct store_result *res, char *err, size_t errlen)
{
    sqlite3_stmt *s;
    int rc = judge(st, st->db, store_sqlite_wstmt(st, W_LATEST), store_sqlite_wstmt(st, W_EARLIER),
                   f, t, res, err, errlen);
    if (rc <= 0)
        return rc;
    /* A fresh code, unique among committed ones; a clash with a concurrent
     * uncommitted put (odds 2^-75) is caught by the UNIQUE constraint. */
    for (int i = 0;; i++) {
        if (i == CODE_TRIES || store_code_generate(t->code) < 0) {
            snprintf(err, errlen, "cannot make a unique verification code");
            return -1;
        }
        s = store_sqlite_wstmt(st, W_CODE);
        sqlite3_bind_text(s, 1, t->code, -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
        sqlite3_reset(s);
        if (rc == SQLITE_DONE)
            return 1;
        if (rc != SQLITE_ROW) {
            store_sqlite_error(st, st->db, "read", err, errlen);
            return -1;
        }
    }
}

/* Inside the open batch, the caller's own or joined (db_mu not held): the
 * rows as a savepoint of the batch's transaction; the file (absolute: abs)
 * and its folders become the batch's, removed or fsync'd at its end. */
static int commit_in_batch(struct store_sqlite *st, const struct store_sqlite_rows *w,
                           struct buf *abs, char *err, size_t errlen)
{
    int rc = -1;
    pthread_mutex_lock(&st->db_mu);
    if (store_sqlite_tx_begin(st, 1, err, errlen) == 0) {
        if (store_sqlite_write_rows(st, w, err, errlen) == 0 &&
            store_sqlite_tx_commit(st, 1, err, errlen) == 0)
            rc = 0;
        else
            store_sqlite_tx_abort(st, 1);
    }
    if (rc == 0)
        store_sqlite_batch_keep(st, w->dirs, buf_detach(abs, NULL));
    pthread_mutex_unlock(&st->db_mu);
    return rc;
}

void store_sqlite_batch_keep(struct store_sqlite *st, const struct store_dirset *dirs, char *abs)
{
    for (size_t i = 0; dirs && i < dirs->n; i++)
        store_dirset_add(&st->batch_dirs, dirs->v[i]);
    if (!abs)
        return;
    if (st->n_batch_files == st->cap_batch_files) {
        st->cap_batch_files = st->cap_batch_files ? 2 * st->cap_batch_files : 256;
        st->batch_files = xrealloc(st->batch_files, st->cap_batch_files * sizeof(*st->batch_files));
    }
    st->batch_files[st->n_batch_files++] = abs;
}

/* judge_on_reader without the gate or the id's stripe, so that it waits for
 * no put: what is committed is what a put would find, unless one of the
 * same id is under way, and then the answer is the one it would have had
 * just before. While a batch is open (its rows not committed) it says 0. */
int store_sqlite_peek(struct store *base, const struct store_fields *f, struct store_result *res)
{
    struct store_sqlite *st = store_sqlite_of(base);
    struct store_ticket t = {0};
    struct caltime when;
    char err[256];
    int batch;

    pthread_mutex_lock(&st->gate_mu);
    batch = st->batch_active;
    pthread_mutex_unlock(&st->gate_mu);
    if (batch || store_put_check(f, 1, &when, t.id, err, sizeof(err)) < 0)
        return 0;
    return judge_on_reader(st, f, &t, res) == 0;
}

int store_sqlite_put(struct store *base, const struct store_fields *f, store_render_fn fn,
                     void *ctx, struct store_result *res, char *err, size_t errlen)
{
    struct store_sqlite *st = store_sqlite_of(base);
    struct store_result local;
    struct store_ticket t = {0};
    struct store_fs_clock clk = {0, 0};
    struct buf pdf = BUF_INIT, rel = BUF_INIT, abs = BUF_INIT;
    struct store_dirset dirs = {0};
    struct store_sqlite_rows rows;
    struct caltime when;
    pthread_mutex_t *stripe;
    char sha[65];
    int rc = -1, owner, gen = 0, placed = 0;

    if (!res)
        res = &local;
    memset(res, 0, sizeof(*res));
    if (store_put_check(f, fn != NULL, &when, t.id, err, errlen) < 0)
        return -1;

    owner = store_sqlite_gate_enter(st);
    stripe = store_sqlite_stripe(st, t.id);
    pthread_mutex_lock(stripe);

    pthread_mutex_lock(&st->db_mu);
    if (owner && st->batch_failed) {
        snprintf(err, errlen, "the batch was rolled back: %s", st->batch_err);
        rc = -1;
    } else {
        rc = decide(st, f, &t, res, err, errlen);
    }
    pthread_mutex_unlock(&st->db_mu);
    if (rc <= 0)
        goto out;
    rc = -1;

    store_sqlite_count(&st->renders, 1);
    if (fn(ctx, &t, &pdf, err, errlen) < 0)
        goto out;
    if (pdf.len == 0) {
        snprintf(err, errlen, "cannot archive '%s': the renderer made no bytes", t.id);
        goto out;
    }
    store_fs_sha256(pdf.data, pdf.len, sha);
    dirs.files_later = owner; /* a batch syncs its files at once, at its end */
    if (store_pdf_place(st->dir, f->institution_id, when.year, when.mon, &t, &gen, &pdf,
                        &dirs, &clk, &rel, err, errlen) < 0)
        goto out;
    placed = 1;

    rows = (struct store_sqlite_rows){.f = f, .t = &t, .rel = rel.data, .sha = sha,
                                      .size = (int64_t)pdf.len, .gen = gen, .dirs = &dirs,
                                      .err = err, .errlen = errlen};
    if (owner)
        buf_addf(&abs, "%s/%s", st->dir, rel.data);
    rc = owner ? commit_in_batch(st, &rows, &abs, err, errlen)
               : store_sqlite_group_commit(st, &rows);
    if (rc < 0)
        goto out;
    res->ticket = t;
    res->outcome = t.revision == 1 ? STORE_ISSUED : STORE_REVISED;
    placed = 0;
out:
    if (placed)
        store_pdf_unplace(st->dir, rel.data);
    pthread_mutex_unlock(stripe);
    store_sqlite_gate_leave(st, owner);
    store_sqlite_add_clock(st, &clk);
    store_dirset_free(&dirs);
    buf_free(&pdf);
    buf_free(&rel);
    buf_free(&abs);
    return rc;
}

/* --- batches -------------------------------------------------------------- */

static int owns_batch(struct store_sqlite *st)
{
    int owner;
    pthread_mutex_lock(&st->gate_mu);
    owner = st->batch_active && pthread_equal(st->batch_owner, pthread_self());
    pthread_mutex_unlock(&st->gate_mu);
    return owner;
}

int store_sqlite_batch_begin(struct store *base, char *err, size_t errlen)
{
    struct store_sqlite *st = store_sqlite_of(base);
    pthread_mutex_lock(&st->gate_mu);
    if (st->batch_active && pthread_equal(st->batch_owner, pthread_self())) {
        pthread_mutex_unlock(&st->gate_mu);
        snprintf(err, errlen, "a batch is already open");
        return -1;
    }
    st->batch_waiting++;
    while (st->batch_active || st->inflight)
        pthread_cond_wait(&st->gate_cv, &st->gate_mu);
    st->batch_waiting--;
    st->batch_active = 1;
    st->batch_owner = pthread_self();
    pthread_mutex_unlock(&st->gate_mu);

    pthread_mutex_lock(&st->db_mu);
    st->batch_failed = 0;
    st->batch_err[0] = '\0';
    if (store_sqlite_exec(st, st->db, "BEGIN IMMEDIATE", "write", err, errlen) < 0) {
        pthread_mutex_unlock(&st->db_mu);
        pthread_mutex_lock(&st->gate_mu);
        st->batch_active = 0;
        pthread_cond_broadcast(&st->gate_cv);
        pthread_mutex_unlock(&st->gate_mu);
        return -1;
    }
    pthread_mutex_unlock(&st->db_mu);
    return 0;
}

int store_sqlite_batch_end(struct store *base, char *err, size_t errlen)
{
    struct store_sqlite *st = store_sqlite_of(base);
    struct store_fs_clock clk = {0, 0};
    uint64_t t0;
    int rc = -1;

    if (!owns_batch(st)) {
        snprintf(err, errlen, "no batch is open in this thread");
        return -1;
    }
    /* The threads that joined finish their puts first. */
    pthread_mutex_lock(&st->gate_mu);
    while (st->batch_members > 0)
        pthread_cond_wait(&st->gate_cv, &st->gate_mu);
    pthread_mutex_unlock(&st->gate_mu);
    pthread_mutex_lock(&st->db_mu);
    /* The batch's files and their folders reach the disk before the rows
     * that name them commit: one syncfs for all the files (a file fsync'd
     * by each put costs more than rendering it when threads fsync at once),
     * then each folder. A crash before the commit leaves files no row names,
     * which recovery removes. */
    if (st->n_batch_files && store_fs_sync_all(st->dir, &clk, err, errlen) < 0)
        goto fail;
    for (size_t i = 0; i < st->batch_dirs.n; i++) {
        if (store_fs_sync_dir(st->batch_dirs.v[i], &clk, err, errlen) < 0)
            goto fail;
    }
    if (st->batch_failed) {
        snprintf(err, errlen, "the batch was rolled back: %s", st->batch_err);
        goto fail;
    }
    t0 = store_now_ns();
    if (store_sqlite_exec(st, st->db, "COMMIT", "commit", err, errlen) < 0)
        goto fail;
    store_sqlite_count(&st->commits, 1);
    store_sqlite_count(&st->commit_ns, store_now_ns() - t0);
    for (size_t i = 0; i < st->n_batch_files; i++)
        free(st->batch_files[i]);
    st->n_batch_files = 0;
    rc = 0;
    goto out;
fail:
    if (!sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    store_sqlite_batch_discard(st);
out:
    store_dirset_free(&st->batch_dirs);
    pthread_mutex_unlock(&st->db_mu);
    store_sqlite_add_clock(st, &clk);
    pthread_mutex_lock(&st->gate_mu);
    st->batch_active = 0;
    pthread_cond_broadcast(&st->gate_cv);
    pthread_mutex_unlock(&st->gate_mu);
    return rc;
}

/* --- revocation ----------------------------------------------------------- */

int store_sqlite_revoke(struct store *base, const char *id, const char *reason, char *err,
                        size_t errlen)
{
    struct store_sqlite *st = store_sqlite_of(base);
    sqlite3_stmt *s;
    char now[20];
    int rc = -1, owner, step;

    if (!reason || !*reason) {
        snprintf(err, errlen, "cannot revoke '%s': a reason is required", id);
        return -1;
    }
    store_now_utc(now);
    owner = store_sqlite_gate_enter(st);
    pthread_mutex_lock(&st->db_mu);
    if (store_sqlite_tx_begin(st, owner, err, errlen) < 0)
        goto out;
    s = store_sqlite_wstmt(st, W_REVOKE);
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, now, -1, SQLITE_STATIC);
    if (store_sqlite_step_done(st, s, err, errlen) < 0)
        goto fail;
    rc = 0;
    if (sqlite3_changes(st->db) == 0) {
        /* Nothing changed: already revoked (0), or no such id (1). */
        s = store_sqlite_wstmt(st, W_EXISTS);
        sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
        step = sqlite3_step(s);
        sqlite3_reset(s);
        if (step == SQLITE_DONE) {
            rc = 1;
        } else if (step != SQLITE_ROW) {
            store_sqlite_error(st, st->db, "read", err, errlen);
            rc = -1;
        }
        if (rc < 0)
            goto fail;
    }
    if (store_sqlite_tx_commit(st, owner, err, errlen) < 0) {
        rc = -1;
        goto fail;
    }
    goto out;
fail:
    store_sqlite_tx_abort(st, owner);
out:
    pthread_mutex_unlock(&st->db_mu);
    store_sqlite_gate_leave(st, owner);
    return rc;
}
