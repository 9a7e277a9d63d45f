/* Crash recovery and rerender for the SQLite store: both re-make a revision's
 * PDF from its archived raw event as a new file, commit the new path and hash,
 * and only then remove the old file. Recovery also removes temporary files and
 * PDFs that no committed row names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltime.h"
#include "jobs.h"
#include "store_sqlite.h"
#include "banned.h"

/* The sweep's question: is rel the file the index names for (id, rev)? */
static int keep_file(void *ctx, const char *rel, const char *id, int rev, char *err, size_t errlen)
{
    struct store_sqlite *st = ctx;
    sqlite3_stmt *s = store_sqlite_wstmt(st, W_REV_PATH);
    int keep = 0, step;

    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, rev);
    step = sqlite3_step(s);
    if (step == SQLITE_ROW)
        keep = strcmp((const char *)sqlite3_column_text(s, 0), rel) == 0;
    else if (step != SQLITE_DONE)
        store_sqlite_error(st, st->db, "read", err, errlen);
    sqlite3_reset(s);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return -1;
    return keep;
}

/* With db_mu held, in the re-make's transaction: the certificate's expiry as
 * the new PDF of its revision prints it, when that revision is the latest. */
static int set_expiry(struct store_sqlite *st, const char *id, int revision, const char *expires,
                      char *err, size_t errlen)
{
    sqlite3_stmt *s = store_sqlite_wstmt(st, W_REMAKE_EXPIRY);
    int step;

    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, revision);
    store_sqlite_bind_text(s, 3, expires[0] ? expires : NULL);
    step = sqlite3_step(s);
    sqlite3_reset(s);
    if (step == SQLITE_DONE)
        return 0;
    store_sqlite_error(st, st->db, "write", err, errlen);
    return -1;
}

/* One re-made revision between the placing of its new file and its commit. */
struct remade {
    char id[STORE_ID_MAX];
    int revision, gen;
    struct buf old, rel; /* the file it replaces, and the new one */
    char sha[65], expires[20];
    size_t size;
};

static void remade_free(struct remade *m)
{
    buf_free(&m->old);
    buf_free(&m->rel);
}

/* Re-make one revision's PDF (rev 0: the latest) as a new file beside the
 * old one, its folder's fsync (and with files_later the file's) left to dirs;
 * the caller holds the id's stripe. 0 placed (m filled), 1 no such revision,
 * -1 error (nothing placed). */
static int remake_place(struct store_sqlite *st, const char *id, int rev, store_rerender_fn fn,
                        void *ctx, struct store_dirset *dirs, struct store_fs_clock *clk,
                        struct remade *m, char *err, size_t errlen)
{
    struct store_ticket t = {0};
    struct buf raw = BUF_INIT, pdf = BUF_INIT;
    struct caltime when;
    sqlite3_stmt *s;
    char certified[20];
    int64_t inst = 0;
    int rc = -1, step;

    *m = (struct remade){.old = BUF_INIT, .rel = BUF_INIT};
    snprintf(t.id, sizeof(t.id), "%s", id);
    pthread_mutex_lock(&st->db_mu);
    s = store_sqlite_wstmt(st, W_REMAKE_GET);
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, rev);
    step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        t.revision = sqlite3_column_int(s, 0);
        snprintf(t.code, sizeof(t.code), "%s", (const char *)sqlite3_column_text(s, 1));
        buf_adds(&m->old, (const char *)sqlite3_column_text(s, 2));
        m->gen = sqlite3_column_int(s, 3);
        inst = sqlite3_column_int64(s, 4);
        snprintf(certified, sizeof(certified), "%s", (const char *)sqlite3_column_text(s, 5));
        buf_add(&raw, sqlite3_column_blob(s, 6), (size_t)sqlite3_column_bytes(s, 6));
        rc = 0;
    } else if (step == SQLITE_DONE) {
        rc = 1;
    } else {
        store_sqlite_error(st, st->db, "read", err, errlen);
    }
    sqlite3_reset(s);
    pthread_mutex_unlock(&st->db_mu);
    if (rc != 0)
        goto out;
    rc = -1;

    if (store_pdf_folder_of(m->old.data, &inst, &when.year, &when.mon) < 0 &&
        caltime_parse(certified, &when) < 0) {
        snprintf(err, errlen, "index '%s' is damaged: certificate '%s' has no valid date",
                 st->index_path, id);
        goto out;
    }
    store_sqlite_count(&st->renders, 1);
    if (fn(ctx, &t, raw.data ? raw.data : "", raw.len, &pdf, m->expires, err, errlen) < 0)
        goto out;
    if (store_remade_expiry_check(m->expires, &t, err, errlen) < 0)
        goto out;
    if (pdf.len == 0) {
        snprintf(err, errlen, "cannot re-make '%s' r%d: the renderer made no bytes", id,
                 t.revision);
        goto out;
    }
    store_fs_sha256(pdf.data, pdf.len, m->sha);
    m->gen++;
    if (store_pdf_place(st->dir, inst, when.year, when.mon, &t, &m->gen, &pdf, dirs, clk, &m->rel,
                        err, errlen) < 0)
        goto out;
    snprintf(m->id, sizeof(m->id), "%s", id);
    m->revision = t.revision;
    m->size = pdf.len;
    rc = 0;
out:
    if (rc != 0)
        remade_free(m);
    buf_free(&raw);
    buf_free(&pdf);
    return rc;
}

/* With db_mu held, in a transaction: m's new file becomes its revision's,
 * the replaced file's hash is kept, and the expiry is the certificate's. */
static int remake_rows(struct store_sqlite *st, const struct remade *m, const char *now,
                       char *err, size_t errlen)
{
    sqlite3_stmt *s = store_sqlite_wstmt(st, W_REPLACED);
    int step;

    sqlite3_bind_text(s, 1, m->id, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, m->revision);
    sqlite3_bind_text(s, 3, m->sha, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, now, -1, SQLITE_STATIC);
    step = sqlite3_step(s);
    sqlite3_reset(s);
    if (step != SQLITE_DONE) {
        store_sqlite_error(st, st->db, "write", err, errlen);
        return -1;
    }
    s = store_sqlite_wstmt(st, W_REMAKE_SET);
    sqlite3_bind_text(s, 1, m->id, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, m->revision);
    sqlite3_bind_text(s, 3, m->rel.data, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, m->sha, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, (int64_t)m->size);
    sqlite3_bind_int(s, 6, m->gen);
    sqlite3_bind_text(s, 7, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 8, m->old.data, -1, SQLITE_STATIC);
    step = sqlite3_step(s);
    sqlite3_reset(s);
    if (step != SQLITE_DONE) {
        store_sqlite_error(st, st->db, "write", err, errlen);
        return -1;
    }
    if (sqlite3_changes(st->db) != 1) {
        snprintf(err, errlen, "cannot re-make '%s' r%d: its row changed meanwhile", m->id,
                 m->revision);
        return -1;
    }
    return set_expiry(st, m->id, m->revision, m->expires, err, errlen);
}

/* Commit the n re-made revisions of m in one transaction once their files
 * and folders are on disk, then remove the files they replace (if such an
 * unlink is lost in a crash, recovery finds the file without a row and
 * removes it again). On failure nothing of them is in the index and their new
 * files are removed. Frees m's contents either way. 0, or -1. */
static int remake_commit(struct store_sqlite *st, struct remade *m, size_t n,
                         struct store_dirset *dirs, struct store_fs_clock *clk, char *err,
                         size_t errlen)
{
    char now[20];
    int rc = -1;

    if (n == 0)
        return 0;
    if (dirs->files_later && store_fs_sync_all(st->dir, clk, err, errlen) < 0)
        goto out;
    if (store_dirset_sync(dirs, err, errlen) < 0)
        goto out;
    store_now_utc(now);
    pthread_mutex_lock(&st->db_mu);
    if (store_sqlite_tx_begin(st, 0, err, errlen) == 0) {
        size_t i = 0;
        while (i < n && remake_rows(st, &m[i], now, err, errlen) == 0)
            i++;
        if (i == n && store_sqlite_tx_commit(st, 0, err, errlen) == 0)
            rc = 0;
        else
            store_sqlite_tx_abort(st, 0);
    }
    pthread_mutex_unlock(&st->db_mu);
out:
    for (size_t i = 0; i < n; i++) {
        store_pdf_unplace(st->dir, rc == 0 ? m[i].old.data : m[i].rel.data);
        remade_free(&m[i]);
    }
    return rc;
}

/* Re-make one revision (rev 0: the latest) and commit it alone; the caller
 * holds the id's stripe. 0 done, 1 no such revision, -1 error. */
static int remake(struct store_sqlite *st, const char *id, int rev, store_rerender_fn fn, void *ctx,
                  char *err, size_t errlen)
{
    struct store_fs_clock clk = {0, 0};
    struct store_dirset dirs = {0};
    struct remade m;
    int rc;

    rc = remake_place(st, id, rev, fn, ctx, &dirs, &clk, &m, err, errlen);
    if (rc == 0)
        rc = remake_commit(st, &m, 1, &dirs, &clk, err, errlen);
    store_dirset_free(&dirs);
    store_sqlite_add_clock(st, &clk);
    return rc;
}

struct damaged {
    char id[STORE_ID_MAX];
    int rev;
};

/* Every row's file must exist and match its size and SHA-256. */
static int check_rows(struct store_sqlite *st, struct damaged **bad, size_t *n_bad, char *first,
                      size_t firstlen, char *err, size_t errlen)
{
    sqlite3_stmt *s = NULL;
    struct buf path = BUF_INIT;
    size_t cap = 0;
    int rc = -1, step;

    if (sqlite3_prepare_v2(st->db, "SELECT id, revision, pdf_path, sha256, size FROM revisions", -1,
                           &s, NULL) != SQLITE_OK) {
        store_sqlite_error(st, st->db, "read", err, errlen);
        goto out;
    }
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        char sha[65];
        int64_t size = -1;
        int found;

        buf_reset(&path);
        buf_addf(&path, "%s/%s", st->dir, (const char *)sqlite3_column_text(s, 2));
        found = store_fs_sha256_file(path.data, sha, &size, err, errlen);
        if (found < 0)
            goto out;
        if (found == 0 && size == sqlite3_column_int64(s, 4) &&
            strcmp(sha, (const char *)sqlite3_column_text(s, 3)) == 0)
            continue;
        if (*n_bad == 0)
            snprintf(first, firstlen, "'%s' is %s", path.data, found == 1 ? "missing" : "damaged");
        if (*n_bad == cap) {
            cap = cap ? 2 * cap : 16;
            *bad = xrealloc(*bad, cap * sizeof(**bad));
        }
        snprintf((*bad)[*n_bad].id, STORE_ID_MAX, "%s", (const char *)sqlite3_column_text(s, 0));
        (*bad)[*n_bad].rev = sqlite3_column_int(s, 1);
        (*n_bad)++;
    }
    if (step != SQLITE_DONE) {
        store_sqlite_error(st, st->db, "read", err, errlen);
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(s);
    buf_free(&path);
    return rc;
}

/* SQLite's own check of every page of the index (quick_check: b-trees and
 * records, not the UNIQUE indexes' contents). A damage it finds stops the
 * open before the sweep below would trust the index to tell which PDFs are
 * committed. 0, or -1 with err. */
static int check_index(struct store_sqlite *st, char *err, size_t errlen)
{
    sqlite3_stmt *s = NULL;
    const char *res;
    int rc = -1;

    if (sqlite3_prepare_v2(st->db, "PRAGMA quick_check(1)", -1, &s, NULL) != SQLITE_OK ||
        sqlite3_step(s) != SQLITE_ROW) {
        store_sqlite_error(st, st->db, "check", err, errlen);
        goto out;
    }
    res = (const char *)sqlite3_column_text(s, 0);
    if (!res || strcmp(res, "ok") != 0) {
        const char *nl;
        if (res && !strncmp(res, "*** in database main ***\n", 25))
            res += 25;
        nl = res ? strchr(res, '\n') : NULL;
        snprintf(err, errlen, "index '%s' is damaged: %.*s", st->index_path,
                 res ? (int)(nl ? (size_t)(nl - res) : strlen(res)) : 10, res ? res : "unreadable");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(s);
    return rc;
}

int store_sqlite_recover(struct store_sqlite *st, store_rerender_fn fn, void *ctx, char *err,
                         size_t errlen)
{
    struct store_pdf_swept swept = {0, 0};
    struct damaged *bad = NULL;
    char first[512] = "";
    size_t n_bad = 0;
    int rc = -1, swept_ok;

    if (check_index(st, err, errlen) < 0)
        goto out;
    swept_ok = store_pdf_sweep(st->dir, keep_file, st, &swept, err, errlen) == 0;
    st->rec.temp_removed += swept.temp_removed;
    st->rec.orphans_removed += swept.orphans_removed;
    if (!swept_ok || check_rows(st, &bad, &n_bad, first, sizeof(first), err, errlen) < 0)
        goto out;
    if (n_bad && !fn) {
        snprintf(err, errlen, "%s (%zu file%s to make again, and no renderer was given)", first,
                 n_bad, n_bad == 1 ? "" : "s");
        goto out;
    }
    for (size_t i = 0; i < n_bad; i++) {
        int r = remake(st, bad[i].id, bad[i].rev, fn, ctx, err, errlen);
        if (r < 0)
            goto out;
        st->rec.remade += r == 0;
    }
    rc = 0;
out:
    free(bad);
    return rc;
}

/* Certificates a rerender thread re-makes before it commits them together:
 * one syncfs, one fsync per folder and one index commit for them all. */
#define RERENDER_CHUNK 32

struct rerender_run {
    struct store_sqlite *st;
    char (*ids)[STORE_ID_MAX];
    size_t n;
    store_rerender_fn fn;
    void *ctx;
};

/* Chunk i of a rerender, on any of its threads: the re-made certificates,
 * or -1 (then none of the chunk is committed). */
static int rerender_chunk(void *ctx, size_t i, char *err, size_t errlen)
{
    struct rerender_run *run = ctx;
    struct store_sqlite *st = run->st;
    struct remade m[RERENDER_CHUNK];
    struct store_fs_clock clk = {0, 0};
    struct store_dirset dirs = {.files_later = 1};
    size_t first = i * RERENDER_CHUNK, k = 0;
    int owner = store_sqlite_gate_enter(st), r = 0;

    for (size_t j = first; j < run->n && j < first + RERENDER_CHUNK && r >= 0; j++) {
        pthread_mutex_t *stripe = store_sqlite_stripe(st, run->ids[j]);
        pthread_mutex_lock(stripe);
        r = remake_place(st, run->ids[j], 0, run->fn, run->ctx, &dirs, &clk, &m[k], err, errlen);
        pthread_mutex_unlock(stripe);
        k += r == 0;
    }
    if (r < 0) {
        for (size_t j = 0; j < k; j++) {
            store_pdf_unplace(st->dir, m[j].rel.data);
            remade_free(&m[j]);
        }
    } else if (remake_commit(st, m, k, &dirs, &clk, err, errlen) < 0) {
        r = -1;
    }
    store_sqlite_gate_leave(st, owner);
    store_dirset_free(&dirs);
    store_sqlite_add_clock(st, &clk);
    return r < 0 ? -1 : (int)k;
}

int store_sqlite_rerender(struct store *base, const struct store_rerender_filter *f,
                          store_rerender_fn fn, void *ctx, size_t *count, char *err,
                          size_t errlen)
{
    const char *since = f->since;
    struct store_sqlite *st = store_sqlite_of(base);
    struct rerender_run run;
    struct caltime d;
    char(*ids)[STORE_ID_MAX] = NULL;
    size_t n = 0, cap = 0, done = 0;
    sqlite3_stmt *s = NULL;
    sqlite3 *db;
    int rc = -1, step, owner;

    if (count)
        *count = 0;
    if (since && caltime_parse_date(since, &d) < 0) {
        snprintf(err, errlen, "bad date '%s': want yyyy-MM-dd", since);
        return -1;
    }
    /* the other threads would wait at the gate for the caller's batch */
    owner = store_sqlite_gate_enter(st);
    store_sqlite_gate_leave(st, owner);
    if (owner) {
        snprintf(err, errlen, "cannot rerender inside a batch");
        return -1;
    }
    db = store_sqlite_reader_get(st);
    if (sqlite3_prepare_v2(db,
                           "SELECT id FROM certificates WHERE (?1 IS NULL OR certified_at >= ?1)"
                           " AND (?2 = 0 OR institution_id = ?2) ORDER BY id",
                           -1, &s, NULL) != SQLITE_OK) {
        store_sqlite_error(st, db, "read", err, errlen);
        store_sqlite_reader_put(st, db);
        return -1;
    }
    store_sqlite_bind_text(s, 1, since);
    sqlite3_bind_int64(s, 2, f->institution_id);
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 256;
            ids = xrealloc(ids, cap * sizeof(*ids));
        }
        snprintf(ids[n++], STORE_ID_MAX, "%s", (const char *)sqlite3_column_text(s, 0));
    }
    if (step != SQLITE_DONE)
        store_sqlite_error(st, db, "read", err, errlen);
    sqlite3_finalize(s);
    store_sqlite_reader_put(st, db);
    if (step != SQLITE_DONE)
        goto out;

    run = (struct rerender_run){st, ids, n, fn, ctx};
    if (jobs_run((n + RERENDER_CHUNK - 1) / RERENDER_CHUNK, f->jobs, rerender_chunk, &run,
                       &done, err, errlen) < 0)
        goto out;
    rc = 0;
out:
    if (count)
        *count = done;
    free(ids);
    return rc;
}
