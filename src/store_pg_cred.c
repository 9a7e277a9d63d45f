/* Staff accounts and webhook tokens of the PostgreSQL store as certifica
 * copy moves them: by their digests, scopes and times, never a token. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_pg.h"
#include "banned.h"

/* The two tables, in the order cred_each reads them. */
static const char *const each_sql[] = {
    "SELECT name, institution_id, school_id, token_sha256, created_at, revoked_at FROM staff"
    " ORDER BY name, created_at, seq",
    "SELECT label, institution_id, 0, token_sha256, created_at, revoked_at FROM webhook_tokens"
    " ORDER BY label, created_at, seq",
};

int store_pg_cred_each(struct store *base, store_cred_each_fn fn, void *ctx, char *err,
                       size_t errlen)
{
    struct store_pg *st = store_pg_of(base);
    PGresult *r[2] = {NULL, NULL};
    PGconn *pg = store_pg_get(st, err, errlen);
    int rc = -1;

    if (!pg)
        return -1;
    /* Both tables read whole, then fn called with no transaction open. */
    for (int k = 0; k < 2; k++) {
        r[k] = store_pg_query(st, pg, each_sql[k], 0, NULL, "read", err, errlen);
        if (!r[k])
            break;
    }
    store_pg_put(st, pg);
    if (!r[0] || !r[1])
        goto out;
    rc = 0;
    for (int k = 0; k < 2 && rc == 0; k++) {
        for (int i = 0; i < PQntuples(r[k]) && rc == 0; i++) {
            struct store_cred c;
            struct buf md = BUF_INIT;
            memset(&c, 0, sizeof(c));
            c.kind = k == 0 ? STORE_CRED_STAFF : STORE_CRED_WEBHOOK;
            store_pg_copy(r[k], i, 0, c.name, sizeof(c.name));
            c.scope.institution_id = store_pg_int(r[k], i, 1);
            c.scope.school_id = store_pg_int(r[k], i, 2);
            if (store_pg_bytes(r[k], i, 3, &md) == 0 && md.len == sizeof(c.sha256))
                memcpy(c.sha256, md.data, sizeof(c.sha256));
            buf_free(&md);
            store_pg_copy(r[k], i, 4, c.created_at, sizeof(c.created_at));
            store_pg_copy(r[k], i, 5, c.revoked_at, sizeof(c.revoked_at));
            rc = fn(ctx, &c, err, errlen);
        }
    }
out:
    PQclear(r[0]);
    PQclear(r[1]);
    return rc < 0 ? -1 : 0;
}

int store_pg_cred_put(struct store *base, const struct store_cred *c, char *err, size_t errlen)
{
    struct store_pg *st = store_pg_of(base);
    int staff = c->kind == STORE_CRED_STAFF, owner, rc = -1;
    char inst[24], school[24];
    const char *v[6];
    int lens[6] = {0};
    char sql[200];
    PGresult *r;
    PGconn *pg;

    if (store_cred_check(c, err, errlen) < 0)
        return -1;
    snprintf(inst, sizeof(inst), "%" PRId64, c->scope.institution_id);
    snprintf(school, sizeof(school), "%" PRId64, c->scope.school_id);
    v[0] = (const char *)c->sha256;
    lens[0] = (int)sizeof(c->sha256);
    v[1] = c->revoked_at[0] ? c->revoked_at : NULL;
    owner = store_pg_owns_batch(st);
    pg = store_pg_writer_get(st, owner, err, errlen);
    if (!pg)
        return -1;
    /* One statement each, so no transaction: the digest is unique. */
    snprintf(sql, sizeof(sql),
             "UPDATE %s SET revoked_at = coalesce(revoked_at, $2) WHERE token_sha256 = $1",
             staff ? "staff" : "webhook_tokens");
    r = store_pg_query_bin(st, pg, sql, 2, v, lens, "write", err, errlen);
    if (!r)
        goto out;
    rc = strcmp(PQcmdTuples(r), "0") == 0 ? 1 : 0;
    PQclear(r);
    if (rc == 0)
        goto out;
    v[2] = c->name;
    v[3] = inst;
    v[4] = c->created_at;
    v[5] = school;
    r = store_pg_query_bin(st, pg,
                           staff ? "INSERT INTO staff (token_sha256, revoked_at, name,"
                                   " institution_id, created_at, school_id)"
                                   " VALUES ($1, $2, $3, $4, $5, $6)"
                                 : "INSERT INTO webhook_tokens (token_sha256, revoked_at, label,"
                                   " institution_id, created_at)"
                                   " VALUES ($1, $2, $3, $4, $5)",
                           staff ? 6 : 5, v, lens, "write", err, errlen);
    rc = r ? 0 : -1;
    if (!r && store_pg_was_unique())
        snprintf(err, errlen, "%s '%s' is active here with another token: revoke it first",
                 staff ? "staff account" : "webhook token", c->name);
    PQclear(r);
out:
    store_pg_writer_put(st, owner, pg);
    return rc;
}
