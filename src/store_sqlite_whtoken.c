/* Institutions' webhook tokens in the SQLite store: a random token handed
 * out once and kept only as its SHA-256 digest, found again by that digest
 * (the index on it is a lookup of a hash, which says nothing about how near
 * a wrong token came). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "store_sqlite.h"
#include "banned.h"

#define DIGEST_BYTES 32

int store_sqlite_webhook_token_add(struct store *base, int64_t institution_id, const char *label,
                                   char token[64], char *err, size_t errlen)
{
    struct store_sqlite *st = store_sqlite_of(base);
    unsigned char md[DIGEST_BYTES];
    char deflabel[64], taken[160];
    int changes = 0, rc;

    if (store_webhook_token_new(institution_id, &label, deflabel, token, md, err, errlen) < 0)
        return -1;
    snprintf(taken, sizeof(taken),
             "webhook token '%s' already exists: revoke it first, or give another --label", label);
    rc = store_sqlite_write_one(
        st,
        "INSERT INTO webhook_tokens (label, institution_id, token_sha256, created_at)"
        " VALUES (?1, ?2, ?3, ?4)",
        label, institution_id, md, &changes, taken, err, errlen);
    OPENSSL_cleanse(md, sizeof(md));
    if (rc < 0)
        OPENSSL_cleanse(token, 64);
    return rc;
}

int store_sqlite_webhook_token_list(struct store *base, struct store_webhook_token **out, size_t *n,
                                    char *err, size_t errlen)
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
            "SELECT label, institution_id, created_at, revoked_at FROM webhook_tokens"
            " ORDER BY label, created_at, rowid",
            -1, &s, NULL) != SQLITE_OK) {
        store_sqlite_error(st, db, "read", err, errlen);
        goto out;
    }
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        struct store_webhook_token *t;
        if (*n == cap) {
            cap = cap ? 2 * cap : 8;
            *out = xrealloc(*out, cap * sizeof(**out));
        }
        t = &(*out)[(*n)++];
        store_sqlite_col_copy(s, 0, t->label, sizeof(t->label));
        t->institution_id = sqlite3_column_int64(s, 1);
        store_sqlite_col_copy(s, 2, t->created_at, sizeof(t->created_at));
        store_sqlite_col_copy(s, 3, t->revoked_at, sizeof(t->revoked_at));
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

int store_sqlite_webhook_token_revoke(struct store *base, const char *label, char *err,
                                      size_t errlen)
{
    int changes = 0;

    if (!store_staff_name_valid(label))
        return 1;
    if (store_sqlite_write_one(store_sqlite_of(base),
                               "UPDATE webhook_tokens SET revoked_at = ?4"
                               " WHERE label = ?1 AND revoked_at IS NULL",
                               label, 0, NULL, &changes, NULL, err, errlen) < 0)
        return -1;
    return changes ? 0 : 1;
}

int store_sqlite_webhook_token_check(struct store *base, const char *token, int64_t *institution_id,
                                     char *err, size_t errlen)
{
    struct store_sqlite *st = store_sqlite_of(base);
    unsigned char md[DIGEST_BYTES];
    sqlite3_stmt *s = NULL;
    sqlite3 *db;
    int rc = -1, step;

    *institution_id = 0;
    if (store_token_digest(token, md, err, errlen) < 0)
        return -1;
    db = store_sqlite_reader_get(st);
    if (sqlite3_prepare_v2(db,
                           "SELECT institution_id FROM webhook_tokens"
                           " WHERE token_sha256 = ?1 AND revoked_at IS NULL",
                           -1, &s, NULL) != SQLITE_OK) {
        store_sqlite_error(st, db, "read", err, errlen);
        goto out;
    }
    sqlite3_bind_blob(s, 1, md, sizeof(md), SQLITE_STATIC);
    step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        *institution_id = sqlite3_column_int64(s, 0);
        rc = 0;
    } else if (step == SQLITE_DONE) {
        rc = 1;
    } else {
        store_sqlite_error(st, db, "read", err, errlen);
    }
out:
    sqlite3_finalize(s);
    store_sqlite_reader_put(st, db);
    OPENSSL_cleanse(md, sizeof(md));
    return rc;
}
