/* Staff accounts and institutions' webhook tokens in the PostgreSQL store:
 * each token handed out once and kept only as its SHA-256 (bytea). A staff
 * token is compared with every active account's digest in constant time; a
 * webhook token is looked up by its digest. Names and labels are unique
 * among active ones, ignoring ASCII case, as in the SQLite store. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "store_pg.h"
#include "banned.h"

/* One statement of text parameters, v[0..n), on a pooled connection: the
 * result (to PQclear) or NULL with err (unique_msg when a unique key refused). */
static PGresult *one(struct store_pg *st, const char *sql, int n, const char *const *v,
                     const char *unique_msg, char *err, size_t errlen)
{
    PGconn *pg = store_pg_get(st, err, errlen);
    PGresult *r;

    if (!pg)
        return NULL;
    r = store_pg_query(st, pg, sql, n, v, "use", err, errlen);
    if (!r && unique_msg && store_pg_was_unique())
        snprintf(err, errlen, "%s", unique_msg);
    store_pg_put(st, pg);
    return r;
}

static void hex_of(const unsigned char md[STORE_TOKEN_DIGEST], char out[2 * STORE_TOKEN_DIGEST + 3])
{
    out[0] = '\\';
    out[1] = 'x';
    for (int i = 0; i < STORE_TOKEN_DIGEST; i++)
        snprintf(out + 2 + 2 * i, 3, "%02x", md[i]);
}

int store_pg_staff_add(struct store *base, const char *name, const struct store_scope *scope,
                       char token[64], char *err, size_t errlen)
{
    struct store_pg *st = store_pg_of(base);
    struct store_scope none = {0, 0};
    unsigned char md[STORE_TOKEN_DIGEST];
    char hex[2 * STORE_TOKEN_DIGEST + 3], now[20], inst[24], school[24], taken[200];
    const char *v[5] = {name, hex, now, inst, school};
    PGresult *r;

    if (!scope)
        scope = &none;
    if (store_staff_token_new(name, scope, token, md, err, errlen) < 0)
        return -1;
    hex_of(md, hex);
    store_now_utc(now);
    snprintf(inst, sizeof(inst), "%" PRId64, scope->institution_id);
    snprintf(school, sizeof(school), "%" PRId64, scope->school_id);
    snprintf(taken, sizeof(taken),
             "staff account '%s' already exists: revoke it first to give it a new token", name);
    r = one(st,
            "INSERT INTO staff (name, token_sha256, created_at, institution_id, school_id)"
            " VALUES ($1, $2::bytea, $3, $4, $5)",
            5, v, taken, err, errlen);
    OPENSSL_cleanse(md, sizeof(md));
    OPENSSL_cleanse(hex, sizeof(hex));
    if (!r) {
        OPENSSL_cleanse(token, 64);
        return -1;
    }
    PQclear(r);
    return 0;
}

int store_pg_staff_list(struct store *base, struct store_staff **out, size_t *n, char *err,
                        size_t errlen)
{
    PGresult *r = one(store_pg_of(base),
                      "SELECT name, created_at, revoked_at, institution_id, school_id FROM staff"
                      " ORDER BY lower(name) COLLATE \"C\", created_at, seq",
                      0, NULL, NULL, err, errlen);

    *out = NULL;
    *n = 0;
    if (!r)
        return -1;
    *n = (size_t)PQntuples(r);
    *out = *n ? xcalloc(*n, sizeof(**out)) : NULL;
    for (size_t i = 0; i < *n; i++) {
        struct store_staff *s = &(*out)[i];
        store_pg_copy(r, (int)i, 0, s->name, sizeof(s->name));
        store_pg_copy(r, (int)i, 1, s->created_at, sizeof(s->created_at));
        store_pg_copy(r, (int)i, 2, s->revoked_at, sizeof(s->revoked_at));
        s->scope.institution_id = store_pg_int(r, (int)i, 3);
        s->scope.school_id = store_pg_int(r, (int)i, 4);
    }
    PQclear(r);
    return 0;
}

/* Revoke the active row of table whose column col is name: 0, 1 none, -1. */
static int revoke_row(struct store_pg *st, const char *sql, const char *name, char *err,
                      size_t errlen)
{
    char now[20];
    const char *v[2] = {name, now};
    PGresult *r;
    int rc;

    if (!store_staff_name_valid(name))
        return 1;
    store_now_utc(now);
    r = one(st, sql, 2, v, NULL, err, errlen);
    if (!r)
        return -1;
    rc = strcmp(PQcmdTuples(r), "0") == 0;
    PQclear(r);
    return rc;
}

int store_pg_staff_revoke(struct store *base, const char *name, char *err, size_t errlen)
{
    return revoke_row(store_pg_of(base),
                      "UPDATE staff SET revoked_at = $2"
                      " WHERE lower(name) = lower($1) AND revoked_at IS NULL",
                      name, err, errlen);
}

/* Every active digest is compared, with CRYPTO_memcmp: the time does not
 * depend on how much of a digest matched, nor on which account did. */
int store_pg_staff_check(struct store *base, const char *token, char name[64],
                         struct store_scope *scope, char *err, size_t errlen)
{
    unsigned char md[STORE_TOKEN_DIGEST];
    PGresult *r;
    int found = 0;

    if (name)
        name[0] = '\0';
    if (scope)
        memset(scope, 0, sizeof(*scope));
    if (store_token_digest(token, md, err, errlen) < 0)
        return -1;
    r = one(store_pg_of(base),
            "SELECT name, encode(token_sha256, 'hex'), institution_id, school_id FROM staff"
            " WHERE revoked_at IS NULL",
            0, NULL, NULL, err, errlen);
    if (!r) {
        OPENSSL_cleanse(md, sizeof(md));
        return -1;
    }
    for (int i = 0; i < PQntuples(r); i++) {
        unsigned char h[STORE_TOKEN_DIGEST] = {0};
        const char *x = PQgetvalue(r, i, 1);
        int match;
        for (int k = 0; k < STORE_TOKEN_DIGEST && strlen(x) == 2 * STORE_TOKEN_DIGEST; k++) {
            unsigned v = 0;
            sscanf(x + 2 * k, "%2x", &v);
            h[k] = (unsigned char)v;
        }
        match = CRYPTO_memcmp(h, md, STORE_TOKEN_DIGEST) == 0;
        if (match && !found && name)
            store_pg_copy(r, i, 0, name, 64);
        if (match && !found && scope) {
            scope->institution_id = store_pg_int(r, i, 2);
            scope->school_id = store_pg_int(r, i, 3);
        }
        found |= match;
    }
    PQclear(r);
    OPENSSL_cleanse(md, sizeof(md));
    return found ? 0 : 1;
}

int store_pg_webhook_token_add(struct store *base, int64_t institution_id, const char *label,
                               char token[64], char *err, size_t errlen)
{
    unsigned char md[STORE_TOKEN_DIGEST];
    char hex[2 * STORE_TOKEN_DIGEST + 3], now[20], inst[24], deflabel[64], taken[200];
    const char *v[4];
    PGresult *r;

    if (store_webhook_token_new(institution_id, &label, deflabel, token, md, err, errlen) < 0)
        return -1;
    hex_of(md, hex);
    store_now_utc(now);
    snprintf(inst, sizeof(inst), "%" PRId64, institution_id);
    snprintf(taken, sizeof(taken),
             "webhook token '%s' already exists: revoke it first, or give another --label", label);
    v[0] = label;
    v[1] = inst;
    v[2] = hex;
    v[3] = now;
    r = one(store_pg_of(base),
            "INSERT INTO webhook_tokens (label, institution_id, token_sha256, created_at)"
            " VALUES ($1, $2, $3::bytea, $4)",
            4, v, taken, err, errlen);
    OPENSSL_cleanse(md, sizeof(md));
    OPENSSL_cleanse(hex, sizeof(hex));
    if (!r) {
        OPENSSL_cleanse(token, 64);
        return -1;
    }
    PQclear(r);
    return 0;
}

int store_pg_webhook_token_list(struct store *base, struct store_webhook_token **out, size_t *n,
                                char *err, size_t errlen)
{
    PGresult *r = one(store_pg_of(base),
                      "SELECT label, institution_id, created_at, revoked_at FROM webhook_tokens"
                      " ORDER BY lower(label) COLLATE \"C\", created_at, seq",
                      0, NULL, NULL, err, errlen);

    *out = NULL;
    *n = 0;
    if (!r)
        return -1;
    *n = (size_t)PQntuples(r);
    *out = *n ? xcalloc(*n, sizeof(**out)) : NULL;
    for (size_t i = 0; i < *n; i++) {
        struct store_webhook_token *t = &(*out)[i];
        store_pg_copy(r, (int)i, 0, t->label, sizeof(t->label));
        t->institution_id = store_pg_int(r, (int)i, 1);
        store_pg_copy(r, (int)i, 2, t->created_at, sizeof(t->created_at));
        store_pg_copy(r, (int)i, 3, t->revoked_at, sizeof(t->revoked_at));
    }
    PQclear(r);
    return 0;
}

int store_pg_webhook_token_revoke(struct store *base, const char *label, char *err, size_t errlen)
{
    return revoke_row(store_pg_of(base),
                      "UPDATE webhook_tokens SET revoked_at = $2"
                      " WHERE lower(label) = lower($1) AND revoked_at IS NULL",
                      label, err, errlen);
}

int store_pg_webhook_token_check(struct store *base, const char *token, int64_t *institution_id,
                                 char *err, size_t errlen)
{
    unsigned char md[STORE_TOKEN_DIGEST];
    char hex[2 * STORE_TOKEN_DIGEST + 3];
    const char *v[1] = {hex};
    PGresult *r;
    int rc;

    *institution_id = 0;
    if (store_token_digest(token, md, err, errlen) < 0)
        return -1;
    hex_of(md, hex);
    r = one(store_pg_of(base),
            "SELECT institution_id FROM webhook_tokens"
            " WHERE token_sha256 = $1::bytea AND revoked_at IS NULL",
            1, v, NULL, err, errlen);
    OPENSSL_cleanse(md, sizeof(md));
    OPENSSL_cleanse(hex, sizeof(hex));
    if (!r)
        return -1;
    rc = PQntuples(r) ? 0 : 1;
    if (rc == 0)
        *institution_id = store_pg_int(r, 0, 0);
    PQclear(r);
    return rc;
}
