/* The SQLite backend's base: error messages, statements, transactions, the
 * batch gate, the per-certificate locks and the reader pool, which every other
 * store_sqlite_*.c file uses. It calls nothing of the store above it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"
#include "store_sqlite.h"
#include "banned.h"

void store_sqlite_error(const struct store_sqlite *st, sqlite3 *db, const char *what, char *err,
                        size_t errlen)
{
    int rc = sqlite3_errcode(db) & 0xff;
    const char *msg = sqlite3_errmsg(db);

    if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB)
        snprintf(err, errlen, "index '%s' is damaged: %s", st->index_path, msg);
    else if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        snprintf(err, errlen, "index '%s' is locked by another process", st->index_path);
    else
        snprintf(err, errlen, "cannot %s index '%s': %s", what, st->index_path, msg);
}

int store_sqlite_exec(struct store_sqlite *st, sqlite3 *db, const char *sql, const char *what,
                      char *err, size_t errlen)
{
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        store_sqlite_error(st, db, what, err, errlen);
        return -1;
    }
    return 0;
}

sqlite3_stmt *store_sqlite_wstmt(struct store_sqlite *st, enum store_sqlite_wq q)
{
    sqlite3_stmt *s = st->wq[q];
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return s;
}

void store_sqlite_bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, i);
}

void store_sqlite_search_text(struct store_search_text *t, const char *name, const char *course)
{
    memset(t, 0, sizeof(*t));
    t->name = name ? store_fold_text(name) : NULL;
    t->course = course ? store_fold_text(course) : NULL;
    if (name)
        store_fold_grams(t->name ? t->name : name, &t->grams);
    if (course)
        store_fold_grams(t->course ? t->course : course, &t->grams);
}

void store_sqlite_search_text_bind(const struct store_search_text *t, sqlite3_stmt *s, int i)
{
    store_sqlite_bind_text(s, i, t->name);
    store_sqlite_bind_text(s, i + 1, t->course);
    store_sqlite_bind_text(s, i + 2, t->grams.len ? t->grams.data : NULL);
}

void store_sqlite_search_text_free(struct store_search_text *t)
{
    free(t->name);
    free(t->course);
    buf_free(&t->grams);
}

char *store_sqlite_col_dup(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? xstrdup((const char *)t) : NULL;
}

void store_sqlite_col_copy(sqlite3_stmt *s, int i, char *out, size_t outlen)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    snprintf(out, outlen, "%s", t ? (const char *)t : "");
}

void store_sqlite_count(_Atomic uint64_t *counter, uint64_t n)
{
    atomic_fetch_add(counter, n);
}

void store_sqlite_add_clock(struct store_sqlite *st, const struct store_fs_clock *clk)
{
    store_sqlite_count(&st->fsyncs, clk->fsyncs);
    store_sqlite_count(&st->fsync_ns, clk->ns);
    if (clk->fsyncs)
        metrics_observe(METRICS_FSYNC, (double)clk->ns / 1e9);
}

int store_sqlite_step_done(struct store_sqlite *st, sqlite3_stmt *s, char *err, size_t errlen)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        store_sqlite_error(st, st->db, "write", err, errlen);
        return -1;
    }
    return 0;
}

/* Transactions on the writer (db_mu held). Inside the caller's own batch an
 * operation is a savepoint, so that a failed put leaves the batch going. */
int store_sqlite_tx_begin(struct store_sqlite *st, int in_batch, char *err, size_t errlen)
{
    if (!in_batch)
        return store_sqlite_exec(st, st->db, "BEGIN IMMEDIATE", "write", err, errlen);
    if (st->batch_failed) {
        snprintf(err, errlen, "the batch was rolled back: %s", st->batch_err);
        return -1;
    }
    return store_sqlite_exec(st, st->db, "SAVEPOINT op", "write", err, errlen);
}

int store_sqlite_tx_commit(struct store_sqlite *st, int in_batch, char *err, size_t errlen)
{
    uint64_t t0 = store_now_ns();
    int rc;

    if (in_batch)
        return store_sqlite_exec(st, st->db, "RELEASE op", "write", err, errlen);
    rc = store_sqlite_exec(st, st->db, "COMMIT", "commit", err, errlen);
    if (rc == 0) {
        store_sqlite_count(&st->commits, 1);
        store_sqlite_count(&st->commit_ns, store_now_ns() - t0);
    }
    return rc;
}

void store_sqlite_tx_abort(struct store_sqlite *st, int in_batch)
{
    if (sqlite3_get_autocommit(st->db)) {
        /* SQLite already rolled everything back (disk full, I/O error). */
        if (in_batch && !st->batch_failed) {
            st->batch_failed = 1;
            snprintf(st->batch_err, sizeof(st->batch_err), "%s", sqlite3_errmsg(st->db));
        }
        return;
    }
    if (in_batch)
        sqlite3_exec(st->db, "ROLLBACK TO op; RELEASE op", NULL, NULL, NULL);
    else
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

/* The store whose open batch this thread has joined (store_batch_join). */
static _Thread_local const struct store_sqlite *joined;

int store_sqlite_batch_join(struct store *base, char *err, size_t errlen)
{
    struct store_sqlite *st = store_sqlite_of(base);
    int rc = 0;
    pthread_mutex_lock(&st->gate_mu);
    if (!st->batch_active || joined) {
        snprintf(err, errlen, "%s", joined ? "this thread is in a batch already"
                                           : "no batch is open to join");
        rc = -1;
    } else {
        joined = st;
        st->batch_members++;
    }
    pthread_mutex_unlock(&st->gate_mu);
    return rc;
}

void store_sqlite_batch_leave(struct store *base)
{
    struct store_sqlite *st = store_sqlite_of(base);
    pthread_mutex_lock(&st->gate_mu);
    if (joined == st) {
        joined = NULL;
        if (--st->batch_members == 0)
            pthread_cond_broadcast(&st->gate_cv);
    }
    pthread_mutex_unlock(&st->gate_mu);
}

/* The batch gate: a thread that neither owns nor has joined the open batch
 * waits for it to end. Returns 1 when the caller is in the open batch, 0
 * otherwise (then it is counted in flight until store_sqlite_gate_leave). */
int store_sqlite_gate_enter(struct store_sqlite *st)
{
    int owner;
    pthread_mutex_lock(&st->gate_mu);
    while ((st->batch_active && !pthread_equal(st->batch_owner, pthread_self()) &&
            joined != st) ||
           (st->batch_waiting && !st->batch_active))
        pthread_cond_wait(&st->gate_cv, &st->gate_mu);
    owner = st->batch_active;
    if (!owner)
        st->inflight++;
    pthread_mutex_unlock(&st->gate_mu);
    return owner;
}

void store_sqlite_gate_leave(struct store_sqlite *st, int owner)
{
    if (owner)
        return;
    pthread_mutex_lock(&st->gate_mu);
    if (--st->inflight == 0)
        pthread_cond_broadcast(&st->gate_cv);
    pthread_mutex_unlock(&st->gate_mu);
}

pthread_mutex_t *store_sqlite_stripe(struct store_sqlite *st, const char *id)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *id; id++)
        h = (h ^ (unsigned char)*id) * 16777619u;
    return &st->stripes[h % STORE_STRIPES];
}

sqlite3 *store_sqlite_reader_get(struct store_sqlite *st)
{
    pthread_mutex_lock(&st->rd_mu);
    for (;;) {
        for (int i = 0; i < STORE_READERS; i++) {
            if (!st->rd_busy[i]) {
                st->rd_busy[i] = 1;
                pthread_mutex_unlock(&st->rd_mu);
                return st->rd[i];
            }
        }
        pthread_cond_wait(&st->rd_cv, &st->rd_mu);
    }
}

void store_sqlite_reader_put(struct store_sqlite *st, sqlite3 *db)
{
    pthread_mutex_lock(&st->rd_mu);
    for (int i = 0; i < STORE_READERS; i++)
        if (st->rd[i] == db)
            st->rd_busy[i] = 0;
    pthread_cond_signal(&st->rd_cv);
    pthread_mutex_unlock(&st->rd_mu);
}

void store_sqlite_batch_discard(struct store_sqlite *st)
{
    for (size_t i = 0; i < st->n_batch_files; i++) {
        unlink(st->batch_files[i]);
        free(st->batch_files[i]);
    }
    st->n_batch_files = 0;
}

/* The writer's statements, prepared once at open (store_sqlite_open.c). */
static const char *const wsql[W_COUNT] = {
    [W_LATEST] = "SELECT c.institution_id, c.user_id, c.course_id, c.latest, r.code, r.canonical,"
                 " " STORE_SQLITE_SEND_AT " FROM certificates c"
                 " JOIN revisions r ON r.id = c.id AND r.revision = c.latest WHERE c.id = ?1",
    [W_EARLIER] = "SELECT 1 FROM revisions WHERE id = ?1 AND revision < ?2 AND canonical = ?3"
                  " LIMIT 1",
    [W_CODE] = "SELECT 1 FROM revisions WHERE code = ?1",
    [W_CERT] =
        "INSERT INTO certificates (id, institution_id, user_id, course_id, school_id,"
        " user_name, user_email, user_cpf, course_name, school_name, workload, type,"
        " certified_at, concluded_at, enrolled_at, approval_rate, latest, search_name,"
        " search_course, search_grams, expires_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
        " ?18, ?19, ?20, ?21)"
        " ON CONFLICT (id) DO UPDATE SET school_id = excluded.school_id,"
        " user_name = excluded.user_name, user_email = excluded.user_email,"
        " user_cpf = excluded.user_cpf, course_name = excluded.course_name,"
        " school_name = excluded.school_name, workload = excluded.workload,"
        " type = excluded.type, certified_at = excluded.certified_at,"
        " concluded_at = excluded.concluded_at, enrolled_at = excluded.enrolled_at,"
        " approval_rate = excluded.approval_rate, latest = excluded.latest,"
        " search_name = excluded.search_name, search_course = excluded.search_course,"
        " search_grams = excluded.search_grams, expires_at = excluded.expires_at",
    [W_SUPERSEDE] = "UPDATE revisions SET superseded = 1"
                    " WHERE id = ?1 AND revision < ?2 AND superseded = 0",
    [W_REVISION] = "INSERT INTO revisions (id, revision, code, pdf_path, sha256, size, generation,"
                   " created_at, rendered_at, canonical, raw, send_at)"
                   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, ?10, ?11)",
    [W_REV_PATH] = "SELECT pdf_path FROM revisions WHERE id = ?1 AND revision = ?2",
    [W_REMAKE_GET] = "SELECT r.revision, r.code, r.pdf_path, r.generation, c.institution_id,"
                     " c.certified_at, r.raw"
                     " FROM revisions r JOIN certificates c ON c.id = r.id"
                     " WHERE r.id = ?1 AND r.revision = CASE WHEN ?2 > 0 THEN ?2 ELSE c.latest END",
    [W_REMAKE_SET] = "UPDATE revisions SET pdf_path = ?3, sha256 = ?4, size = ?5,"
                     " generation = ?6, rendered_at = ?7"
                     " WHERE id = ?1 AND revision = ?2 AND pdf_path = ?8",
    [W_REMAKE_EXPIRY] = "UPDATE certificates SET expires_at = ?3 WHERE id = ?1 AND latest = ?2",
    /* Before W_REMAKE_SET: the hash of the file it replaces, unless the new
     * file has the same bytes. */
    [W_REPLACED] = "INSERT INTO earlier_files (sha256, id, revision, replaced_at)"
                   " SELECT sha256, id, revision, ?4 FROM revisions"
                   " WHERE id = ?1 AND revision = ?2 AND sha256 <> ?3",
    [W_REVOKE] = "UPDATE certificates SET revoked = 1, revoke_reason = ?2, revoked_at = ?3"
                 " WHERE id = ?1 AND revoked = 0",
    [W_EXISTS] = "SELECT 1 FROM certificates WHERE id = ?1",
};

const char *store_sqlite_wsql(enum store_sqlite_wq q)
{
    return wsql[q];
}
