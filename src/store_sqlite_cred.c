/* Staff accounts and webhook tokens of the SQLite store as certifica copy
 * moves them: by their digests, scopes and times, never a token. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_sqlite.h"
#include "banned.h"

/* The two tables, in the order cred_each reads them. */
static const char *const each_sql[] = {
    "SELECT name, institution_id, school_id, token_sha256, created_at, revoked_at FROM staff"
    " ORDER BY name, created_at, rowid",
    "SELECT label, institution_id, 0, token_sha256, created_at, revoked_at FROM webhook_tokens"
    " ORDER BY label, created_at, rowid",
};

int store_sqlite_cred_each(struct store *base, store_cred_each_fn fn, void *ctx, char *err,
                           size_t errlen)
{
    struct store_sqlite *st = store_sqlite_of(base);
    struct store_cred *all = NULL;
    size_t n = 0, cap = 0;
    int rc = -1, step = SQLITE_DONE;
    sqlite3 *db = store_sqlite_reader_get(st);

    /* Read both tables whole, then call fn with no read transaction open. */
    for (int k = 0; k < 2 && step == SQLITE_DONE; k++) {
        sqlite3_stmt *s = NULL;
        if (sqlite3_prepare_v2(db, each_sql[k], -1, &s, NULL) != SQLITE_OK) {
            step = SQLITE_ERROR;
            break;
        }
        while ((step = sqlite3_step(s)) == SQLITE_ROW) {
            struct store_cred *c;
            if (n == cap) {
                cap = cap ? 2 * cap : 16;
                all = xrealloc(all, cap * sizeof(*all));
            }
            c = &all[n++];
            memset(c, 0, sizeof(*c));
            c->kind = k == 0 ? STORE_CRED_STAFF : STORE_CRED_WEBHOOK;
            store_sqlite_col_copy(s, 0, c->name, sizeof(c->name));
            c->scope.institution_id = sqlite3_column_int64(s, 1);
            c->scope.school_id = sqlite3_column_int64(s, 2);
            if (sqlite3_column_bytes(s, 3) == (int)sizeof(c->sha256))
                memcpy(c->sha256, sqlite3_column_blob(s, 3), sizeof(c->sha256));
            store_sqlite_col_copy(s, 4, c->created_at, sizeof(c->created_at));
            store_sqlite_col_copy(s, 5, c->revoked_at, sizeof(c->revoked_at));
        }
        sqlite3_finalize(s);
    }
    if (step != SQLITE_DONE) {
        store_sqlite_error(st, db, "read", err, errlen);
        store_sqlite_reader_put(st, db);
        goto out;
    }
    store_sqlite_reader_put(st, db);
    rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = fn(ctx, &all[i], err, errlen);
out:
    free(all);
    return rc;
}

/* With db_mu held, in a transaction: 1 when a row has c's digest (its
 * revoked_at added when c has one and the row not), 0 when none, -1. */
static int merge(struct store_sqlite *st, const struct store_cred *c, const char *table,
                 char *err, size_t errlen)
{
    sqlite3_stmt *s = NULL;
    char sql[160];
    int step, rc = -1;

    snprintf(sql, sizeof(sql),
             "UPDATE %s SET revoked_at = coalesce(revoked_at, ?2) WHERE token_sha256 = ?1"
             " RETURNING 1",
             table);
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
        goto fail;
    sqlite3_bind_blob(s, 1, c->sha256, sizeof(c->sha256), SQLITE_STATIC);
    store_sqlite_bind_text(s, 2, c->revoked_at[0] ? c->revoked_at : NULL);
    step = sqlite3_step(s);
    if (step == SQLITE_ROW)
        step = sqlite3_step(s) == SQLITE_DONE ? SQLITE_ROW : SQLITE_ERROR;
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        goto fail;
    rc = step == SQLITE_ROW;
    goto out;
fail:
    store_sqlite_error(st, st->db, "write", err, errlen);
out:
    sqlite3_finalize(s);
    return rc;
}

static int insert(struct store_sqlite *st, const struct store_cred *c, char *err, size_t errlen)
{
    sqlite3_stmt *s = NULL;
    int staff = c->kind == STORE_CRED_STAFF, rc = -1;
    const char *sql =
        staff ? "INSERT INTO staff (name, institution_id, school_id, token_sha256, created_at,"
                " revoked_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
              : "INSERT INTO webhook_tokens (label, institution_id, token_sha256, created_at,"
                " revoked_at) VALUES (?1, ?2, ?4, ?5, ?6)";

    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
        store_sqlite_error(st, st->db, "write", err, errlen);
        return -1;
    }
    sqlite3_bind_text(s, 1, c->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, c->scope.institution_id);
    if (staff)
        sqlite3_bind_int64(s, 3, c->scope.school_id);
    sqlite3_bind_blob(s, 4, c->sha256, sizeof(c->sha256), SQLITE_STATIC);
    sqlite3_bind_text(s, 5, c->created_at, -1, SQLITE_STATIC);
    store_sqlite_bind_text(s, 6, c->revoked_at[0] ? c->revoked_at : NULL);
    if (sqlite3_step(s) == SQLITE_DONE)
        rc = 0;
    else if (sqlite3_extended_errcode(st->db) == SQLITE_CONSTRAINT_UNIQUE)
        snprintf(err, errlen, "%s '%s' is active here with another token: revoke it first",
                 staff ? "staff account" : "webhook token", c->name);
    else
        store_sqlite_error(st, st->db, "write", err, errlen);
    sqlite3_finalize(s);
    return rc;
}

int store_sqlite_cred_put(struct store *base, const struct store_cred *c, char *err, size_t errlen)
{
    struct store_sqlite *st = store_sqlite_of(base);
    int staff = c->kind == STORE_CRED_STAFF, rc = -1, owner;

    if (store_cred_check(c, err, errlen) < 0)
        return -1;
    owner = store_sqlite_gate_enter(st);
    pthread_mutex_lock(&st->db_mu);
    if (store_sqlite_tx_begin(st, owner, err, errlen) == 0) {
        rc = merge(st, c, staff ? "staff" : "webhook_tokens", err, errlen);
        if (rc == 0)
            rc = insert(st, c, err, errlen);
        if (rc >= 0)
            rc = store_sqlite_tx_commit(st, owner, err, errlen);
        if (rc < 0)
            store_sqlite_tx_abort(st, owner);
    }
    pthread_mutex_unlock(&st->db_mu);
    store_sqlite_gate_leave(st, owner);
    return rc < 0 ? -1 : 0;
}
