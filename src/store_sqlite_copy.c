/* Copying into and out of the SQLite store (certifica copy): every
 * certificate with its revisions' bytes, written back exactly with the same
 * ids, codes and times; staff accounts and webhook tokens by their digests.
 * The contract of each operation is in store_backend.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltime.h"
#include "store_sqlite.h"
#include "banned.h"

int store_sqlite_cert_each(struct store *base, store_cert_each_fn fn, void *ctx, char *err,
                           size_t errlen)
{
    struct store_sqlite *st = store_sqlite_of(base);
    sqlite3 *db = store_sqlite_reader_get(st);
    sqlite3_stmt *s = NULL;
    char (*ids)[STORE_ID_MAX] = NULL;
    size_t n = 0, cap = 0;
    int rc = -1, step;

    /* The ids first, so that no read transaction stays open while fn runs. */
    if (sqlite3_prepare_v2(db, "SELECT id FROM certificates ORDER BY id", -1, &s, NULL) !=
        SQLITE_OK) {
        store_sqlite_error(st, db, "read", err, errlen);
        goto out;
    }
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 1024;
            ids = xrealloc(ids, cap * sizeof(*ids));
        }
        store_sqlite_col_copy(s, 0, ids[n++], STORE_ID_MAX);
    }
    if (step != SQLITE_DONE) {
        store_sqlite_error(st, db, "read", err, errlen);
        goto out;
    }
    sqlite3_finalize(s);
    s = NULL;
    store_sqlite_reader_put(st, db);
    db = NULL;
    for (size_t i = 0; i < n; i++) {
        struct store_cert c;
        int got = store_sqlite_get(base, NULL, ids[i], &c, err, errlen);
        if (got == 1)
            continue; /* gone meanwhile */
        if (got < 0)
            goto out;
        got = fn(ctx, &c, err, errlen);
        store_cert_free(&c);
        if (got < 0)
            goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(s);
    if (db)
        store_sqlite_reader_put(st, db);
    free(ids);
    return rc;
}

int store_sqlite_copy_read(struct store *base, const char *id, int revision,
                           struct store_copy_rev *out, char *err, size_t errlen)
{
    struct store_sqlite *st = store_sqlite_of(base);
    sqlite3 *db = store_sqlite_reader_get(st);
    sqlite3_stmt *s = NULL;
    struct buf path = BUF_INIT;
    int rc = -1, step;

    memset(out, 0, sizeof(*out));
    if (sqlite3_prepare_v2(db,
                           /* send_at as get gives it, so that a store
                            * that keeps no fallback gets it too. */
                           "SELECT code, created_at, rendered_at, " STORE_SQLITE_SEND_AT ","
                           " superseded, generation, sha256, canonical, raw, pdf_path"
                           " FROM revisions r WHERE id = ?1 AND revision = ?2",
                           -1, &s, NULL) != SQLITE_OK) {
        store_sqlite_error(st, db, "read", err, errlen);
        goto out;
    }
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, revision);
    step = sqlite3_step(s);
    if (step != SQLITE_ROW) {
        if (step == SQLITE_DONE)
            rc = 1;
        else
            store_sqlite_error(st, db, "read", err, errlen);
        goto out;
    }
    out->revision = revision;
    store_sqlite_col_copy(s, 0, out->code, sizeof(out->code));
    store_sqlite_col_copy(s, 1, out->created_at, sizeof(out->created_at));
    store_sqlite_col_copy(s, 2, out->rendered_at, sizeof(out->rendered_at));
    store_sqlite_col_copy(s, 3, out->send_at, sizeof(out->send_at));
    out->superseded = sqlite3_column_int(s, 4);
    out->generation = sqlite3_column_int(s, 5);
    store_sqlite_col_copy(s, 6, out->sha256, sizeof(out->sha256));
    buf_add(&out->canonical, sqlite3_column_text(s, 7), (size_t)sqlite3_column_bytes(s, 7));
    buf_add(&out->raw, sqlite3_column_blob(s, 8), (size_t)sqlite3_column_bytes(s, 8));
    buf_addf(&path, "%s/%s", st->dir, (const char *)sqlite3_column_text(s, 9));
    if (buf_read_file(&out->pdf, path.data) < 0) {
        snprintf(err, errlen, "cannot read '%s': %s", path.data, strerror(errno));
        goto out;
    }
    sqlite3_finalize(s);
    if (sqlite3_prepare_v2(db,
                           "SELECT sha256, replaced_at FROM earlier_files"
                           " WHERE id = ?1 AND revision = ?2 ORDER BY replaced_at, sha256",
                           -1, &s, NULL) != SQLITE_OK) {
        s = NULL;
        store_sqlite_error(st, db, "read", err, errlen);
        goto out;
    }
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, revision);
    while ((step = sqlite3_step(s)) == SQLITE_ROW)
        store_earlier_add(&out->earlier, (const char *)sqlite3_column_text(s, 0),
                          (const char *)sqlite3_column_text(s, 1));
    if (step != SQLITE_DONE) {
        store_sqlite_error(st, db, "read", err, errlen);
        goto out;
    }
    rc = 0;
out:
    if (rc != 0)
        store_copy_rev_free(out);
    sqlite3_finalize(s);
    store_sqlite_reader_put(st, db);
    buf_free(&path);
    return rc;
}

/* With db_mu held: the code the store has for (id, revision) into code
 * ("" when none). 0, or -1. */
static int have_revision(struct store_sqlite *st, const char *id, int revision,
                         char code[STORE_CODE_MAX], char *err, size_t errlen)
{
    sqlite3_stmt *s = NULL;
    int step;

    code[0] = '\0';
    if (sqlite3_prepare_v2(st->db, "SELECT code FROM revisions WHERE id = ?1 AND revision = ?2",
                           -1, &s, NULL) != SQLITE_OK) {
        store_sqlite_error(st, st->db, "read", err, errlen);
        return -1;
    }
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, revision);
    step = sqlite3_step(s);
    if (step == SQLITE_ROW)
        store_sqlite_col_copy(s, 0, code, STORE_CODE_MAX);
    sqlite3_finalize(s);
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        store_sqlite_error(st, st->db, "read", err, errlen);
        return -1;
    }
    return 0;
}

static const char cert_sql[] =
    "INSERT INTO certificates (id, institution_id, user_id, course_id, school_id, user_name,"
    " user_email, user_cpf, course_name, school_name, workload, type, certified_at,"
    " concluded_at, enrolled_at, approval_rate, latest, revoked, revoke_reason, revoked_at,"
    " search_name, search_course, search_grams, expires_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"
    " ?19, ?20, ?21, ?22, ?23, ?24)"
    " ON CONFLICT (id) DO UPDATE SET school_id = excluded.school_id,"
    " user_name = excluded.user_name, user_email = excluded.user_email,"
    " user_cpf = excluded.user_cpf, course_name = excluded.course_name,"
    " school_name = excluded.school_name, workload = excluded.workload, type = excluded.type,"
    " certified_at = excluded.certified_at, concluded_at = excluded.concluded_at,"
    " enrolled_at = excluded.enrolled_at, approval_rate = excluded.approval_rate,"
    " latest = excluded.latest, revoked = excluded.revoked,"
    " revoke_reason = excluded.revoke_reason, revoked_at = excluded.revoked_at,"
    " search_name = excluded.search_name, search_course = excluded.search_course,"
    " search_grams = excluded.search_grams, expires_at = excluded.expires_at";

static const char rev_sql[] =
    "INSERT INTO revisions (id, revision, code, pdf_path, sha256, size, generation, created_at,"
    " rendered_at, superseded, send_at, canonical, raw)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";

static void bind_opt(sqlite3_stmt *s, int i, const char *v)
{
    store_sqlite_bind_text(s, i, v && *v ? v : NULL);
}

static int step_once(struct store_sqlite *st, sqlite3_stmt *s, char *err, size_t errlen)
{
    int step = sqlite3_step(s);
    if (step == SQLITE_DONE)
        return 0;
    store_sqlite_error(st, st->db, "write", err, errlen);
    return -1;
}

/* With db_mu held, inside a transaction: the certificate row. */
static int write_cert(struct store_sqlite *st, const struct store_cert *c, char *err,
                      size_t errlen)
{
    struct store_search_text t;
    sqlite3_stmt *s = NULL;
    int rc = -1;

    store_sqlite_search_text(&t, c->user_name, c->course_name);
    if (sqlite3_prepare_v2(st->db, cert_sql, -1, &s, NULL) != SQLITE_OK) {
        store_sqlite_error(st, st->db, "write", err, errlen);
        goto out;
    }
    sqlite3_bind_text(s, 1, c->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, c->institution_id);
    sqlite3_bind_int64(s, 3, c->user_id);
    sqlite3_bind_int64(s, 4, c->course_id);
    sqlite3_bind_int64(s, 5, c->school_id);
    store_sqlite_bind_text(s, 6, c->user_name);
    store_sqlite_bind_text(s, 7, c->user_email);
    store_sqlite_bind_text(s, 8, c->user_cpf);
    store_sqlite_bind_text(s, 9, c->course_name);
    store_sqlite_bind_text(s, 10, c->school_name);
    store_sqlite_bind_text(s, 11, c->workload);
    store_sqlite_bind_text(s, 12, c->type);
    store_sqlite_bind_text(s, 13, c->certified_at);
    store_sqlite_bind_text(s, 14, c->concluded_at);
    bind_opt(s, 15, c->enrolled_at);
    if (c->has_approval_rate)
        sqlite3_bind_double(s, 16, c->approval_rate);
    sqlite3_bind_int(s, 17, c->latest);
    sqlite3_bind_int(s, 18, c->revoked ? 1 : 0);
    store_sqlite_bind_text(s, 19, c->revoked ? c->revoke_reason : NULL);
    bind_opt(s, 20, c->revoked ? c->revoked_at : NULL);
    store_sqlite_search_text_bind(&t, s, 21);
    bind_opt(s, 24, c->expires_at);
    rc = step_once(st, s, err, errlen);
out:
    sqlite3_finalize(s);
    store_sqlite_search_text_free(&t);
    return rc;
}

/* With db_mu held, inside a transaction: the files a rerender replaced of
 * the revision r just written, so that they still verify here. */
static int write_earlier(struct store_sqlite *st, const char *id, const struct store_copy_rev *r,
                         char *err, size_t errlen)
{
    sqlite3_stmt *s = NULL;
    char sha[65], when[20];
    size_t pos = 0;
    int rc = 0, got;

    while (rc == 0 && (got = store_earlier_next(&r->earlier, &pos, sha, when)) != 0) {
        if (got < 0) {
            snprintf(err, errlen, "cannot copy '%s' r%d: an earlier file's line is damaged", id,
                     r->revision);
            return -1;
        }
        if (!s && sqlite3_prepare_v2(st->db,
                                     "INSERT INTO earlier_files (sha256, id, revision, replaced_at)"
                                     " VALUES (?1, ?2, ?3, ?4)",
                                     -1, &s, NULL) != SQLITE_OK) {
            store_sqlite_error(st, st->db, "write", err, errlen);
            return -1;
        }
        sqlite3_bind_text(s, 1, sha, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 3, r->revision);
        sqlite3_bind_text(s, 4, when, -1, SQLITE_STATIC);
        rc = step_once(st, s, err, errlen);
        sqlite3_reset(s);
    }
    sqlite3_finalize(s);
    return rc;
}

/* With db_mu held, inside a transaction: one revision row for the file rel. */
static int write_rev(struct store_sqlite *st, const char *id, const struct store_copy_rev *r,
                     const char *rel, int gen, char *err, size_t errlen)
{
    sqlite3_stmt *s = NULL;
    char sha[65];
    int rc = -1;

    store_fs_sha256(r->pdf.data, r->pdf.len, sha);
    if (sqlite3_prepare_v2(st->db, rev_sql, -1, &s, NULL) != SQLITE_OK) {
        store_sqlite_error(st, st->db, "write", err, errlen);
        goto out;
    }
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, r->revision);
    sqlite3_bind_text(s, 3, r->code, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, rel, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, sha, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 6, (sqlite3_int64)r->pdf.len);
    sqlite3_bind_int(s, 7, gen);
    sqlite3_bind_text(s, 8, r->created_at, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 9, r->rendered_at[0] ? r->rendered_at : r->created_at, -1,
                      SQLITE_STATIC);
    sqlite3_bind_int(s, 10, r->superseded ? 1 : 0);
    bind_opt(s, 11, r->send_at);
    sqlite3_bind_text(s, 12, r->canonical.data ? r->canonical.data : "", (int)r->canonical.len,
                      SQLITE_STATIC);
    sqlite3_bind_blob(s, 13, r->raw.data ? r->raw.data : "", (int)r->raw.len, SQLITE_STATIC);
    rc = step_once(st, s, err, errlen);
    if (rc < 0 && sqlite3_extended_errcode(st->db) == SQLITE_CONSTRAINT_UNIQUE)
        snprintf(err, errlen, "cannot copy '%s' r%d: code %s belongs to another certificate here",
                 id, r->revision, r->code);
    if (rc == 0)
        rc = write_earlier(st, id, r, err, errlen);
out:
    sqlite3_finalize(s);
    return rc;
}

int store_sqlite_copy_put(struct store *base, const struct store_cert *c,
                          const struct store_copy_rev *revs, size_t n, char *err, size_t errlen)
{
    struct store_sqlite *st = store_sqlite_of(base);
    struct store_fs_clock clk = {0, 0};
    struct store_dirset dirs = {0};
    struct caltime when;
    char **rels = NULL;
    int *gens = NULL, rc = 0, owner;
    pthread_mutex_t *stripe;

    if (store_copy_check(c, &when, err, errlen) < 0)
        return -1;
    rels = xcalloc(n + 1, sizeof(*rels));
    gens = xcalloc(n + 1, sizeof(*gens));
    owner = store_sqlite_gate_enter(st);
    dirs.files_later = owner; /* a batch syncs its files at once, at its end */
    stripe = store_sqlite_stripe(st, c->id);
    pthread_mutex_lock(stripe);

    /* Which revisions are new here; any other code is a different archive. */
    pthread_mutex_lock(&st->db_mu);
    for (size_t i = 0; i < n; i++) {
        char code[STORE_CODE_MAX];
        if (have_revision(st, c->id, revs[i].revision, code, err, errlen) < 0) {
            rc = -1;
            break;
        }
        if (code[0] && strcmp(code, revs[i].code) != 0) {
            snprintf(err, errlen,
                     "cannot copy '%s' r%d: the destination has it with another code (%s)", c->id,
                     revs[i].revision, code);
            rc = -1;
            break;
        }
        gens[i] = code[0] ? -1 : revs[i].generation;
    }
    pthread_mutex_unlock(&st->db_mu);
    if (rc < 0)
        goto out;
    rc = -1;

    /* The files first, durably; the rows name them only once they are there. */
    for (size_t i = 0; i < n; i++) {
        struct store_ticket t;
        struct buf rel = BUF_INIT;
        if (gens[i] < 0)
            continue;
        if (revs[i].pdf.len == 0) {
            snprintf(err, errlen, "cannot copy '%s' r%d: no PDF bytes", c->id, revs[i].revision);
            goto out;
        }
        snprintf(t.id, sizeof(t.id), "%s", c->id);
        t.revision = revs[i].revision;
        snprintf(t.code, sizeof(t.code), "%s", revs[i].code);
        if (store_pdf_place(st->dir, c->institution_id, when.year, when.mon, &t, &gens[i],
                            &revs[i].pdf, owner ? &dirs : NULL, &clk, &rel, err, errlen) < 0) {
            buf_free(&rel);
            goto out;
        }
        rels[i] = buf_detach(&rel, NULL);
    }

    pthread_mutex_lock(&st->db_mu);
    rc = store_sqlite_tx_begin(st, owner, err, errlen);
    if (rc == 0) {
        rc = write_cert(st, c, err, errlen);
        for (size_t i = 0; i < n && rc == 0; i++)
            if (rels[i])
                rc = write_rev(st, c->id, &revs[i], rels[i], gens[i], err, errlen);
        if (rc == 0) {
            sqlite3_stmt *s = store_sqlite_wstmt(st, W_SUPERSEDE);
            sqlite3_bind_text(s, 1, c->id, -1, SQLITE_STATIC);
            sqlite3_bind_int(s, 2, c->latest);
            rc = step_once(st, s, err, errlen);
            sqlite3_reset(s);
        }
        if (rc == 0)
            rc = store_sqlite_tx_commit(st, owner, err, errlen);
        if (rc < 0)
            store_sqlite_tx_abort(st, owner);
    }
    if (rc == 0 && owner)
        store_sqlite_batch_keep(st, &dirs, NULL);
    for (size_t i = 0; i < n && rc == 0 && owner; i++) {
        struct buf abs = BUF_INIT;
        if (!rels[i])
            continue;
        buf_addf(&abs, "%s/%s", st->dir, rels[i]);
        store_sqlite_batch_keep(st, NULL, buf_detach(&abs, NULL));
    }
    pthread_mutex_unlock(&st->db_mu);
out:
    for (size_t i = 0; i < n; i++) {
        if (rc < 0 && rels[i])
            store_pdf_unplace(st->dir, rels[i]);
        free(rels[i]);
    }
    pthread_mutex_unlock(stripe);
    store_sqlite_gate_leave(st, owner);
    store_sqlite_add_clock(st, &clk);
    store_dirset_free(&dirs);
    free(rels);
    free(gens);
    return rc;
}
