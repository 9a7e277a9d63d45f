/* Staff accounts of the SQLite store: a random token handed out once, kept
 * only as its SHA-256 digest, and checked against every active account in
 * constant time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "codec.h"
#include "store_sqlite.h"
#include "banned.h"

#define DIGEST_BYTES 32

int store_sqlite_staff_add(struct store *base, const char *name, const struct store_scope *scope,
                           char token[64], char *err, size_t errlen)
{
    struct store_sqlite *st = store_sqlite_of(base);
    unsigned char md[DIGEST_BYTES];
    struct store_scope none = {0, 0};
    sqlite3_stmt *s = NULL;
    char now[20];
    int rc = -1, owner, step;

    if (!scope)
        scope = &none;
    if (store_staff_token_new(name, scope, token, md, err, errlen) < 0)
        return -1;
    store_now_utc(now);

    owner = store_sqlite_gate_enter(st);
    pthread_mutex_lock(&st->db_mu);
    if (store_sqlite_tx_begin(st, owner, err, errlen) < 0)
        goto out;
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO staff (name, token_sha256, created_at, institution_id,"
                           " school_id) VALUES (?1, ?2, ?3, ?4, ?5)",
                           -1, &s, NULL) != SQLITE_OK) {
        store_sqlite_error(st, st->db, "write", err, errlen);
        goto fail;
    }
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, md, sizeof(md), SQLITE_STATIC);
    sqlite3_bind_text(s, 3, now, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, scope->institution_id);
    sqlite3_bind_int64(s, 5, scope->school_id);
    step = sqlite3_step(s);
    if (step != SQLITE_DONE) {
        if (sqlite3_extended_errcode(st->db) == SQLITE_CONSTRAINT_UNIQUE)
            snprintf(err, errlen,
                     "staff account '%s' already exists: revoke it first to give it a new token",
                     name);
        else
            store_sqlite_error(st, st->db, "write", err, errlen);
        goto fail;
    }
    if (store_sqlite_tx_commit(st, owner, err, errlen) < 0)
        goto fail;
    rc = 0;
    goto out;
fail:
    store_sqlite_tx_abort(st, owner);
out:
    sqlite3_finalize(s);
    pthread_mutex_unlock(&st->db_mu);
    store_sqlite_gate_leave(st, owner);
    if (rc < 0)
        OPENSSL_cleanse(token, 64);
    return rc;
}

int store_sqlite_staff_list(struct store *base, struct store_staff **out, size_t *n, char *err,
                            size_t errlen)
{
    struct store_sqlite *st = store_sqlite_of(base);
    sqlite3 *db = store_sqlite_reader_get(st);
    sqlite3_stmt *s = NULL;
    size_t cap = 0;
    int rc = -1, step;

    *out = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(
            db,
            "SELECT name, created_at, revoked_at, institution_id, school_id FROM staff"
            " ORDER BY name, created_at, rowid",
            -1, &s, NULL) != SQLITE_OK) {
        store_sqlite_error(st, db, "read", err, errlen);
        goto out;
    }
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 8;
            *out = xrealloc(*out, cap * sizeof(**out));
        }
        store_sqlite_col_copy(s, 0, (*out)[*n].name, sizeof((*out)[*n].name));
        store_sqlite_col_copy(s, 1, (*out)[*n].created_at, sizeof((*out)[*n].created_at));
        store_sqlite_col_copy(s, 2, (*out)[*n].revoked_at, sizeof((*out)[*n].revoked_at));
        (*out)[*n].scope.institution_id = sqlite3_column_int64(s, 3);
        (*out)[*n].scope.school_id = sqlite3_column_int64(s, 4);
        (*n)++;
    }
    if (step != SQLITE_DONE) {
        store_sqlite_error(st, db, "read", err, errlen);
        goto out;
    }
    rc = 0;
out:
    if (rc < 0) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    sqlite3_finalize(s);
    store_sqlite_reader_put(st, db);
    return rc;
}

/* A write of one statement, for the accounts and the webhook tokens. */
int store_sqlite_write_one(struct store_sqlite *st, const char *sql, const char *a, int64_t n,
                           const unsigned char *md, int *changes, const char *unique_msg, char *err,
                           size_t errlen)
{
    sqlite3_stmt *s = NULL;
    char now[20];
    int rc = -1, owner;

    store_now_utc(now);
    owner = store_sqlite_gate_enter(st);
    pthread_mutex_lock(&st->db_mu);
    if (store_sqlite_tx_begin(st, owner, err, errlen) < 0)
        goto out;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
        store_sqlite_error(st, st->db, "write", err, errlen);
        goto fail;
    }
    sqlite3_bind_text(s, 1, a, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, n);
    if (md)
        sqlite3_bind_blob(s, 3, md, DIGEST_BYTES, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, now, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE) {
        if (sqlite3_extended_errcode(st->db) == SQLITE_CONSTRAINT_UNIQUE && unique_msg)
            snprintf(err, errlen, "%s", unique_msg);
        else
            store_sqlite_error(st, st->db, "write", err, errlen);
        goto fail;
    }
    *changes = sqlite3_changes(st->db);
    if (store_sqlite_tx_commit(st, owner, err, errlen) < 0)
        goto fail;
    rc = 0;
    goto out;
fail:
    store_sqlite_tx_abort(st, owner);
out:
    sqlite3_finalize(s);
    pthread_mutex_unlock(&st->db_mu);
    store_sqlite_gate_leave(st, owner);
    return rc;
}

int store_sqlite_staff_revoke(struct store *base, const char *name, char *err, size_t errlen)
{
    int changes = 0;

    if (!store_staff_name_valid(name))
        return 1;
    if (store_sqlite_write_one(
            store_sqlite_of(base),
            "UPDATE staff SET revoked_at = ?4 WHERE name = ?1 AND revoked_at IS NULL", name, 0,
            NULL, &changes, NULL, err, errlen) < 0)
        return -1;
    return changes ? 0 : 1;
}

/* The token is hashed whatever its length, and its digest compared with every
 * active account's, all of them, with CRYPTO_memcmp: the time taken does not
 * depend on how much of a digest matched, nor on which account matched. */
int store_sqlite_staff_check(struct store *base, const char *token, char name[64],
                             struct store_scope *scope, char *err, size_t errlen)
{
    struct store_sqlite *st = store_sqlite_of(base);
    unsigned char md[DIGEST_BYTES];
    sqlite3_stmt *s = NULL;
    sqlite3 *db;
    int rc = -1, found = 0, step;

    if (name)
        name[0] = '\0';
    if (scope)
        memset(scope, 0, sizeof(*scope));
    if (store_token_digest(token, md, err, errlen) < 0)
        return -1;
    db = store_sqlite_reader_get(st);
    if (sqlite3_prepare_v2(db,
                           "SELECT name, token_sha256, institution_id, school_id FROM staff"
                           " WHERE revoked_at IS NULL",
                           -1, &s, NULL) != SQLITE_OK) {
        store_sqlite_error(st, db, "read", err, errlen);
        goto out;
    }
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        const void *h = sqlite3_column_blob(s, 1);
        int match = sqlite3_column_bytes(s, 1) == DIGEST_BYTES && h &&
                    CRYPTO_memcmp(h, md, DIGEST_BYTES) == 0;
        if (match && !found && name)
            store_sqlite_col_copy(s, 0, name, 64);
        if (match && !found && scope) {
            scope->institution_id = sqlite3_column_int64(s, 2);
            scope->school_id = sqlite3_column_int64(s, 3);
        }
        found |= match;
    }
    if (step != SQLITE_DONE) {
        store_sqlite_error(st, db, "read", err, errlen);
        goto out;
    }
    rc = found ? 0 : 1;
out:
    sqlite3_finalize(s);
    store_sqlite_reader_put(st, db);
    OPENSSL_cleanse(md, sizeof(md));
    return rc;
}
