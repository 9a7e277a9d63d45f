/* Reads of the SQLite store, on the pool of read-only connections: one
 * certificate with its revisions (by id or by code), the revision a file's
 * SHA-256 belongs to, a raw event, counts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_sqlite.h"
#include "banned.h"

/* The certificate id with its revisions, when inside scope (NULL: any): the
 * scope is part of the one query, so a certificate outside it costs the same
 * lookup as an unknown id. */
static int read_cert(struct store_sqlite *st, sqlite3 *db, const struct store_scope *scope,
                     const char *id, struct store_cert *out, char *err, size_t errlen)
{
    sqlite3_stmt *s = NULL;
    struct buf path = BUF_INIT;
    size_t cap = 0;
    int rc = -1, step;

    memset(out, 0, sizeof(*out));
    if (sqlite3_prepare_v2(db,
                           "SELECT institution_id, user_id, course_id, school_id, user_name,"
                           " user_email, user_cpf, course_name, school_name, workload, type,"
                           " certified_at, concluded_at, enrolled_at, approval_rate, latest,"
                           " revoked, revoke_reason, revoked_at, expires_at FROM certificates WHERE id = ?1"
                           " AND (?2 = 0 OR institution_id = ?2) AND (?3 = 0 OR school_id = ?3)",
                           -1, &s, NULL) != SQLITE_OK)
        goto fail;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, scope ? scope->institution_id : 0);
    sqlite3_bind_int64(s, 3, scope ? scope->school_id : 0);
    step = sqlite3_step(s);
    if (step == SQLITE_DONE) {
        rc = 1;
        goto out;
    }
    if (step != SQLITE_ROW)
        goto fail;
    snprintf(out->id, sizeof(out->id), "%s", id);
    out->institution_id = sqlite3_column_int64(s, 0);
    out->user_id = sqlite3_column_int64(s, 1);
    out->course_id = sqlite3_column_int64(s, 2);
    out->school_id = sqlite3_column_int64(s, 3);
    out->user_name = store_sqlite_col_dup(s, 4);
    out->user_email = store_sqlite_col_dup(s, 5);
    out->user_cpf = store_sqlite_col_dup(s, 6);
    out->course_name = store_sqlite_col_dup(s, 7);
    out->school_name = store_sqlite_col_dup(s, 8);
    out->workload = store_sqlite_col_dup(s, 9);
    out->type = store_sqlite_col_dup(s, 10);
    store_sqlite_col_copy(s, 11, out->certified_at, sizeof(out->certified_at));
    store_sqlite_col_copy(s, 12, out->concluded_at, sizeof(out->concluded_at));
    store_sqlite_col_copy(s, 13, out->enrolled_at, sizeof(out->enrolled_at));
    out->has_approval_rate = sqlite3_column_type(s, 14) != SQLITE_NULL;
    out->approval_rate = sqlite3_column_double(s, 14);
    out->latest = sqlite3_column_int(s, 15);
    out->revoked = sqlite3_column_int(s, 16);
    out->revoke_reason = store_sqlite_col_dup(s, 17);
    store_sqlite_col_copy(s, 18, out->revoked_at, sizeof(out->revoked_at));
    store_sqlite_col_copy(s, 19, out->expires_at, sizeof(out->expires_at));
    out->expired = store_expired(out->expires_at, NULL);
    sqlite3_finalize(s);

    if (sqlite3_prepare_v2(db,
                           "SELECT revision, code, created_at, superseded, sha256, size,"
                           " generation, pdf_path, " STORE_SQLITE_SEND_AT " FROM revisions r"
                           " WHERE id = ?1 ORDER BY revision",
                           -1, &s, NULL) != SQLITE_OK)
        goto fail;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        struct store_revision *r;
        if (out->n_revs == cap) {
            cap = cap ? 2 * cap : 4;
            out->revs = xrealloc(out->revs, cap * sizeof(*out->revs));
        }
        r = &out->revs[out->n_revs++];
        memset(r, 0, sizeof(*r));
        r->revision = sqlite3_column_int(s, 0);
        store_sqlite_col_copy(s, 1, r->code, sizeof(r->code));
        store_sqlite_col_copy(s, 2, r->created_at, sizeof(r->created_at));
        r->superseded = sqlite3_column_int(s, 3);
        store_sqlite_col_copy(s, 4, r->sha256, sizeof(r->sha256));
        r->size = sqlite3_column_int64(s, 5);
        r->generation = sqlite3_column_int(s, 6);
        buf_reset(&path);
        buf_addf(&path, "%s/%s", st->dir, (const char *)sqlite3_column_text(s, 7));
        r->pdf_path = buf_detach(&path, NULL);
        store_sqlite_col_copy(s, 8, r->send_at, sizeof(r->send_at));
    }
    if (step != SQLITE_DONE)
        goto fail;
    rc = 0;
    goto out;
fail:
    store_sqlite_error(st, db, "read", err, errlen);
out:
    if (rc != 0)
        store_cert_free(out);
    sqlite3_finalize(s);
    buf_free(&path);
    return rc;
}

int store_sqlite_get(struct store *base, const struct store_scope *scope, const char *id,
                     struct store_cert *out, char *err, size_t errlen)
{
    struct store_sqlite *st = store_sqlite_of(base);
    sqlite3 *db = store_sqlite_reader_get(st);
    int rc;

    /* One read transaction: the certificate and its revisions agree. */
    if (store_sqlite_exec(st, db, "BEGIN", "read", err, errlen) < 0) {
        memset(out, 0, sizeof(*out));
        store_sqlite_reader_put(st, db);
        return -1;
    }
    rc = read_cert(st, db, scope, id, out, err, errlen);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    store_sqlite_reader_put(st, db);
    return rc;
}

int store_sqlite_get_by_code(struct store *base, const char *code, struct store_cert *out,
                             int *revision, char *err, size_t errlen)
{
    struct store_sqlite *st = store_sqlite_of(base);
    char norm[STORE_CODE_MAX], id[STORE_ID_MAX];
    sqlite3_stmt *s = NULL;
    sqlite3 *db;
    int rc = -1, step;

    memset(out, 0, sizeof(*out));
    if (store_code_normalize(code, norm) < 0)
        return 1;
    db = store_sqlite_reader_get(st);
    if (store_sqlite_exec(st, db, "BEGIN", "read", err, errlen) < 0)
        goto out;
    if (sqlite3_prepare_v2(db, "SELECT id, revision FROM revisions WHERE code = ?1", -1, &s,
                           NULL) != SQLITE_OK) {
        store_sqlite_error(st, db, "read", err, errlen);
        goto out;
    }
    sqlite3_bind_text(s, 1, norm, -1, SQLITE_STATIC);
    step = sqlite3_step(s);
    if (step == SQLITE_DONE) {
        rc = 1;
        goto out;
    }
    if (step != SQLITE_ROW) {
        store_sqlite_error(st, db, "read", err, errlen);
        goto out;
    }
    store_sqlite_col_copy(s, 0, id, sizeof(id));
    if (revision)
        *revision = sqlite3_column_int(s, 1);
    rc = read_cert(st, db, NULL, id, out, err, errlen);
out:
    sqlite3_finalize(s);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    store_sqlite_reader_put(st, db);
    return rc;
}

/* The current files first: a file re-made to the same bytes is current. */
int store_sqlite_find_file(struct store *base, const char *sha256, struct store_file_match *out,
                           char *err, size_t errlen)
{
    struct store_sqlite *st = store_sqlite_of(base);
    sqlite3 *db = store_sqlite_reader_get(st);
    sqlite3_stmt *s = NULL;
    int rc = -1, step;

    memset(out, 0, sizeof(*out));
    if (sqlite3_prepare_v2(db,
                           "SELECT r.id, r.revision, r.code, 0 FROM revisions r WHERE r.sha256 = ?1"
                           " UNION ALL SELECT e.id, e.revision, r.code, 1 FROM earlier_files e"
                           " JOIN revisions r ON r.id = e.id AND r.revision = e.revision"
                           " WHERE e.sha256 = ?1 ORDER BY 4 LIMIT 1",
                           -1, &s, NULL) != SQLITE_OK) {
        store_sqlite_error(st, db, "read", err, errlen);
        goto out;
    }
    sqlite3_bind_text(s, 1, sha256, -1, SQLITE_STATIC);
    step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        store_sqlite_col_copy(s, 0, out->id, sizeof(out->id));
        out->revision = sqlite3_column_int(s, 1);
        store_sqlite_col_copy(s, 2, out->code, sizeof(out->code));
        out->earlier = sqlite3_column_int(s, 3);
        rc = 0;
    } else if (step == SQLITE_DONE) {
        rc = 1;
    } else {
        store_sqlite_error(st, db, "read", err, errlen);
    }
out:
    sqlite3_finalize(s);
    store_sqlite_reader_put(st, db);
    return rc;
}

int store_sqlite_raw_event(struct store *base, const char *id, int revision, struct buf *out,
                           char *err, size_t errlen)
{
    struct store_sqlite *st = store_sqlite_of(base);
    sqlite3 *db = store_sqlite_reader_get(st);
    sqlite3_stmt *s = NULL;
    int rc = -1, step;

    if (sqlite3_prepare_v2(db, "SELECT raw FROM revisions WHERE id = ?1 AND revision = ?2", -1, &s,
                           NULL) != SQLITE_OK) {
        store_sqlite_error(st, db, "read", err, errlen);
        goto out;
    }
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, revision);
    step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        buf_add(out, sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0));
        rc = 0;
    } else if (step == SQLITE_DONE) {
        rc = 1;
    } else {
        store_sqlite_error(st, db, "read", err, errlen);
    }
out:
    sqlite3_finalize(s);
    store_sqlite_reader_put(st, db);
    return rc;
}

int store_sqlite_stats(struct store *base, struct store_stats *out, char *err, size_t errlen)
{
    struct store_sqlite *st = store_sqlite_of(base);
    sqlite3 *db = store_sqlite_reader_get(st);
    sqlite3_stmt *s = NULL;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (sqlite3_prepare_v2(db,
                           "SELECT (SELECT count(*) FROM certificates),"
                           " (SELECT count(*) FROM revisions),"
                           " (SELECT count(*) FROM certificates WHERE revoked)",
                           -1, &s, NULL) != SQLITE_OK ||
        sqlite3_step(s) != SQLITE_ROW) {
        store_sqlite_error(st, db, "read", err, errlen);
        goto out;
    }
    out->certificates = sqlite3_column_int64(s, 0);
    out->revisions = sqlite3_column_int64(s, 1);
    out->revoked = sqlite3_column_int64(s, 2);
    out->renders = atomic_load(&st->renders);
    out->fsyncs = atomic_load(&st->fsyncs);
    out->fsync_seconds = (double)atomic_load(&st->fsync_ns) / 1e9;
    out->commits = atomic_load(&st->commits);
    out->commit_seconds = (double)atomic_load(&st->commit_ns) / 1e9;
    rc = 0;
out:
    sqlite3_finalize(s);
    store_sqlite_reader_put(st, db);
    return rc;
}
