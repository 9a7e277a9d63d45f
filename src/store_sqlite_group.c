/* Group commit of the SQLite store: puts whose PDFs are placed queue their
 * rows; one of them (the leader) writes every queued put's rows in one
 * transaction, fsyncs each of their folders once, and commits once (one WAL
 * fsync), while puts that arrive meanwhile queue for the next group. Each
 * put's rows are a savepoint, so a put that fails alone (a clash) fails
 * alone; a failed commit fails every put of its group, and nothing of it is
 * in the index. A put returns only once its group is committed or failed.
 *
 * Lock order: a put holds its stripe while it waits here; the leader takes
 * db_mu (after the queue's lock is released), never the other way round.
 * The queue itself is store_group.c's. */
#include <stdio.h>
#include <string.h>

#include "metrics.h"
#include "store_sqlite.h"
#include "banned.h"

int store_sqlite_write_rows(struct store_sqlite *st, const struct store_sqlite_rows *w, char *err,
                            size_t errlen)
{
    const struct store_fields *f = w->f;
    const struct store_ticket *t = w->t;
    struct store_search_text search;
    char now[20];
    sqlite3_stmt *s;
    int rc = -1, ext;

    store_now_utc(now);
    store_sqlite_search_text(&search, f->user_name, f->course_name);
    s = store_sqlite_wstmt(st, W_CERT);
    sqlite3_bind_text(s, 1, t->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, f->institution_id);
    sqlite3_bind_int64(s, 3, f->user_id);
    sqlite3_bind_int64(s, 4, f->course_id);
    sqlite3_bind_int64(s, 5, f->school_id);
    store_sqlite_bind_text(s, 6, f->user_name);
    store_sqlite_bind_text(s, 7, f->user_email);
    store_sqlite_bind_text(s, 8, f->user_cpf);
    store_sqlite_bind_text(s, 9, f->course_name);
    store_sqlite_bind_text(s, 10, f->school_name);
    store_sqlite_bind_text(s, 11, f->workload);
    store_sqlite_bind_text(s, 12, f->type);
    store_sqlite_bind_text(s, 13, f->certified_at);
    store_sqlite_bind_text(s, 14, f->concluded_at);
    store_sqlite_bind_text(s, 15, f->enrolled_at);
    if (f->has_approval_rate)
        sqlite3_bind_double(s, 16, f->approval_rate);
    sqlite3_bind_int(s, 17, t->revision);
    store_sqlite_search_text_bind(&search, s, 18);
    store_sqlite_bind_text(s, 21, f->expires_at);
    if (store_sqlite_step_done(st, s, err, errlen) < 0)
        goto out;

    s = store_sqlite_wstmt(st, W_SUPERSEDE);
    sqlite3_bind_text(s, 1, t->id, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, t->revision);
    if (store_sqlite_step_done(st, s, err, errlen) < 0)
        goto out;

    s = store_sqlite_wstmt(st, W_REVISION);
    sqlite3_bind_text(s, 1, t->id, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, t->revision);
    sqlite3_bind_text(s, 3, t->code, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, w->rel, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, w->sha, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 6, w->size);
    sqlite3_bind_int(s, 7, w->gen);
    sqlite3_bind_text(s, 8, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 9, f->canonical, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 10, f->raw ? f->raw : "", (int)(f->raw ? f->raw_len : 0), SQLITE_STATIC);
    store_sqlite_bind_text(s, 11, f->send_at && *f->send_at ? f->send_at : NULL);
    if (store_sqlite_step_done(st, s, err, errlen) < 0) {
        /* Say so plainly when another process archived it first. */
        ext = sqlite3_extended_errcode(st->db);
        if (ext == SQLITE_CONSTRAINT_PRIMARYKEY || ext == SQLITE_CONSTRAINT_UNIQUE)
            snprintf(err, errlen,
                     "cannot archive '%s' r%d: another writer archived it meanwhile; try again",
                     t->id, t->revision);
        goto out;
    }
    rc = 0;
out:
    store_sqlite_search_text_free(&search);
    return rc;
}

/* The rows queued after w in its group, or NULL. */
static struct store_sqlite_rows *next_rows(const struct store_sqlite_rows *w)
{
    return (struct store_sqlite_rows *)w->item.next; /* item is the first member */
}

/* Every put of the group failed with the same reason. */
static void fail_all(struct store_sqlite_rows *list, const char *why)
{
    for (struct store_sqlite_rows *w = list; w; w = next_rows(w))
        if (w->rc == 0) {
            w->rc = -1;
            snprintf(w->err, w->errlen, "%s", why);
        }
}

/* The leader's work for one group (db_mu not held on entry). */
static void commit_group(void *ctx, struct store_group_item *items)
{
    struct store_sqlite *st = ctx;
    struct store_sqlite_rows *list = (struct store_sqlite_rows *)items;
    struct store_dirset dirs = {0};
    struct store_fs_clock clk = {0, 0};
    char err[256];
    size_t n = 0;
    uint64_t t0;

    for (struct store_sqlite_rows *w = list; w; w = next_rows(w)) {
        w->rc = 0;
        n++;
        for (size_t i = 0; i < w->dirs->n; i++)
            store_dirset_add(&dirs, w->dirs->v[i]);
    }
    /* The files are fsync'd by their own puts; their folders once each,
     * before the rows that name them commit. */
    for (size_t i = 0; i < dirs.n; i++)
        if (store_fs_sync_dir(dirs.v[i], &clk, err, sizeof(err)) < 0) {
            fail_all(list, err);
            goto out;
        }

    pthread_mutex_lock(&st->db_mu);
    if (store_sqlite_exec(st, st->db, "BEGIN IMMEDIATE", "write", err, sizeof(err)) < 0) {
        pthread_mutex_unlock(&st->db_mu);
        fail_all(list, err);
        goto out;
    }
    for (struct store_sqlite_rows *w = list; w; w = next_rows(w)) {
        if (store_sqlite_exec(st, st->db, "SAVEPOINT op", "write", w->err, w->errlen) < 0 ||
            store_sqlite_write_rows(st, w, w->err, w->errlen) < 0) {
            w->rc = -1;
            if (sqlite3_get_autocommit(st->db)) /* SQLite rolled all back (I/O error) */
                break;
            sqlite3_exec(st->db, "ROLLBACK TO op; RELEASE op", NULL, NULL, NULL);
            continue;
        }
        sqlite3_exec(st->db, "RELEASE op", NULL, NULL, NULL);
    }
    t0 = store_now_ns();
    if (sqlite3_get_autocommit(st->db)) {
        snprintf(err, sizeof(err), "cannot write index '%s': %s", st->index_path,
                 sqlite3_errmsg(st->db));
        fail_all(list, err);
    } else if (store_sqlite_exec(st, st->db, "COMMIT", "commit", err, sizeof(err)) < 0) {
        if (!sqlite3_get_autocommit(st->db))
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        fail_all(list, err);
    } else {
        uint64_t ns = store_now_ns() - t0;
        store_sqlite_count(&st->commits, 1);
        store_sqlite_count(&st->commit_ns, ns);
        metrics_observe(METRICS_COMMIT, (double)ns / 1e9);
        metrics_group(n);
    }
    pthread_mutex_unlock(&st->db_mu);
out:
    store_dirset_free(&dirs);
    store_sqlite_add_clock(st, &clk);
}

int store_sqlite_group_commit(struct store_sqlite *st, struct store_sqlite_rows *w)
{
    store_group_join(&st->gc, &w->item, commit_group, st);
    return w->rc;
}
