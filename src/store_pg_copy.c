/* Copying into and out of the PostgreSQL store (certifica copy): every
 * certificate with its revisions' bytes, written back exactly with the same
 * ids, codes and times, in one transaction per certificate holding its row;
 * staff accounts and webhook tokens by their digests. The contract of each
 * operation is in store_backend.h. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltime.h"
#include "store_pg.h"
#include "banned.h"

int store_pg_cert_each(struct store *base, store_cert_each_fn fn, void *ctx, char *err,
                       size_t errlen)
{
    struct store_pg *st = store_pg_of(base);
    PGconn *pg = store_pg_get(st, err, errlen);
    PGresult *ids;
    int rc = 0;

    if (!pg)
        return -1;
    /* The ids first, so that no transaction stays open while fn runs. */
    ids = store_pg_query(st, pg, "SELECT id FROM certificates WHERE latest > 0 ORDER BY id", 0,
                         NULL, "read", err, errlen);
    store_pg_put(st, pg);
    if (!ids)
        return -1;
    for (int i = 0; i < PQntuples(ids) && rc == 0; i++) {
        struct store_cert c;
        int got = store_pg_get_op(base, NULL, PQgetvalue(ids, i, 0), &c, err, errlen);
        if (got == 1)
            continue; /* gone meanwhile */
        rc = got < 0 ? -1 : fn(ctx, &c, err, errlen);
        if (got == 0)
            store_cert_free(&c);
    }
    PQclear(ids);
    return rc < 0 ? -1 : 0;
}

int store_pg_copy_read(struct store *base, const char *id, int revision,
                       struct store_copy_rev *out, char *err, size_t errlen)
{
    struct store_pg *st = store_pg_of(base);
    char rev[16];
    const char *v[2] = {id, rev};
    PGresult *r;
    PGconn *pg;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    snprintf(rev, sizeof(rev), "%d", revision);
    pg = store_pg_get(st, err, errlen);
    if (!pg)
        return -1;
    r = store_pg_query(st, pg,
                       "SELECT r.code, r.created_at, r.rendered_at, r.send_at, r.superseded,"
                       " r.generation, r.sha256, r.canonical, r.raw, f.pdf FROM revisions r"
                       " LEFT JOIN revision_files f ON f.id = r.id AND f.revision = r.revision"
                       " WHERE r.id = $1 AND r.revision = $2",
                       2, v, "read", err, errlen);
    store_pg_put(st, pg);
    if (!r)
        return -1;
    if (PQntuples(r) == 0) {
        rc = 1;
        goto out;
    }
    out->revision = revision;
    store_pg_copy(r, 0, 0, out->code, sizeof(out->code));
    store_pg_copy(r, 0, 1, out->created_at, sizeof(out->created_at));
    store_pg_copy(r, 0, 2, out->rendered_at, sizeof(out->rendered_at));
    store_pg_copy(r, 0, 3, out->send_at, sizeof(out->send_at));
    out->superseded = PQgetvalue(r, 0, 4)[0] == 't';
    out->generation = (int)store_pg_int(r, 0, 5);
    store_pg_copy(r, 0, 6, out->sha256, sizeof(out->sha256));
    buf_add(&out->canonical, PQgetvalue(r, 0, 7), (size_t)PQgetlength(r, 0, 7));
    if (PQgetisnull(r, 0, 9)) {
        snprintf(err, errlen, "database '%s' is damaged: '%s' r%d has no PDF", st->label, id,
                 revision);
        goto out;
    }
    if (store_pg_bytes(r, 0, 8, &out->raw) < 0 || store_pg_bytes(r, 0, 9, &out->pdf) < 0) {
        snprintf(err, errlen, "cannot read '%s' r%d: out of memory", id, revision);
        goto out;
    }
    PQclear(r);
    r = NULL;
    if (!(pg = store_pg_get(st, err, errlen)))
        goto out;
    r = store_pg_query(st, pg,
                       "SELECT sha256, replaced_at FROM earlier_files"
                       " WHERE id = $1 AND revision = $2 ORDER BY replaced_at, sha256",
                       2, v, "read", err, errlen);
    store_pg_put(st, pg);
    if (!r)
        goto out;
    for (int i = 0; i < PQntuples(r); i++)
        store_earlier_add(&out->earlier, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
    rc = 0;
out:
    if (rc != 0)
        store_copy_rev_free(out);
    PQclear(r);
    return rc;
}

/* In the transaction: the files a rerender replaced of the revision c just
 * written, so that they still verify here. */
static int write_earlier(struct store_pg *st, PGconn *pg, const char *id,
                         const struct store_copy_rev *c, char *err, size_t errlen)
{
    char sha[65], when[20], rev[16];
    const char *v[4] = {sha, id, rev, when};
    size_t pos = 0;
    int got;

    snprintf(rev, sizeof(rev), "%d", c->revision);
    while ((got = store_earlier_next(&c->earlier, &pos, sha, when)) != 0) {
        PGresult *r;
        if (got < 0) {
            snprintf(err, errlen, "cannot copy '%s' r%d: an earlier file's line is damaged", id,
                     c->revision);
            return -1;
        }
        r = store_pg_query(st, pg,
                           "INSERT INTO earlier_files (sha256, id, revision, replaced_at)"
                           " VALUES ($1, $2, $3, $4)",
                           4, v, "write", err, errlen);
        if (!r)
            return -1;
        PQclear(r);
    }
    return 0;
}

static const char cert_sql[] =
    "INSERT INTO certificates (id, institution_id, user_id, course_id, school_id, user_name,"
    " user_email, user_cpf, course_name, school_name, workload, type, certified_at,"
    " concluded_at, enrolled_at, approval_rate, latest, revoked, revoke_reason, revoked_at,"
    " search_doc, search_grams, expires_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,"
    " $19, $20, lower(unaccent($21)), $22, $23)"
    " ON CONFLICT (id) DO UPDATE SET school_id = excluded.school_id,"
    " user_name = excluded.user_name, user_email = excluded.user_email,"
    " user_cpf = excluded.user_cpf, course_name = excluded.course_name,"
    " school_name = excluded.school_name, workload = excluded.workload, type = excluded.type,"
    " certified_at = excluded.certified_at, concluded_at = excluded.concluded_at,"
    " enrolled_at = excluded.enrolled_at, approval_rate = excluded.approval_rate,"
    " latest = excluded.latest, revoked = excluded.revoked,"
    " revoke_reason = excluded.revoke_reason, revoked_at = excluded.revoked_at,"
    " search_doc = excluded.search_doc, search_grams = excluded.search_grams,"
    " expires_at = excluded.expires_at";

static const char *opt(const char *v)
{
    return v && *v ? v : NULL;
}

/* In the transaction: the certificate's row, inserted or set to c's. */
static int write_cert(struct store_pg *st, PGconn *pg, const struct store_cert *c, char *err,
                      size_t errlen)
{
    struct store_fields f;
    char num[5][24], rate[40], latest[16];
    char *doc = NULL, *grams = NULL;
    const char *v[23];
    PGresult *r;

    memset(&f, 0, sizeof(f));
    f.user_name = c->user_name;
    f.user_email = c->user_email;
    f.user_cpf = c->user_cpf;
    f.course_name = c->course_name;
    store_pg_search_text(&f, &doc, &grams);
    snprintf(num[0], sizeof(num[0]), "%" PRId64, c->institution_id);
    snprintf(num[1], sizeof(num[1]), "%" PRId64, c->user_id);
    snprintf(num[2], sizeof(num[2]), "%" PRId64, c->course_id);
    snprintf(num[3], sizeof(num[3]), "%" PRId64, c->school_id);
    snprintf(rate, sizeof(rate), "%.17g", c->approval_rate);
    snprintf(latest, sizeof(latest), "%d", c->latest);
    v[0] = c->id;
    for (int i = 0; i < 4; i++)
        v[1 + i] = num[i];
    v[5] = c->user_name;
    v[6] = c->user_email;
    v[7] = c->user_cpf;
    v[8] = c->course_name;
    v[9] = c->school_name;
    v[10] = c->workload;
    v[11] = c->type;
    v[12] = c->certified_at;
    v[13] = c->concluded_at;
    v[14] = opt(c->enrolled_at);
    v[15] = c->has_approval_rate ? rate : NULL;
    v[16] = latest;
    v[17] = c->revoked ? "true" : "false";
    v[18] = c->revoked ? c->revoke_reason : NULL;
    v[19] = c->revoked ? opt(c->revoked_at) : NULL;
    v[20] = doc;
    v[21] = grams;
    v[22] = opt(c->expires_at);
    r = store_pg_query(st, pg, cert_sql, 23, v, "write", err, errlen);
    free(doc);
    free(grams);
    if (!r)
        return -1;
    PQclear(r);
    return 0;
}

/* In the transaction: one new revision's row and its PDF. */
static int write_rev(struct store_pg *st, PGconn *pg, const char *id, const struct store_copy_rev *c,
                     char *err, size_t errlen)
{
    char rev[16], sha[65], size[24], gen[16];
    const char *v[12];
    int lens[12] = {0};
    PGresult *r;

    if (c->pdf.len == 0 || c->pdf.len > INT32_MAX || c->raw.len > INT32_MAX) {
        snprintf(err, errlen, "cannot copy '%s' r%d: no PDF bytes", id, c->revision);
        return -1;
    }
    snprintf(rev, sizeof(rev), "%d", c->revision);
    store_fs_sha256(c->pdf.data, c->pdf.len, sha);
    snprintf(size, sizeof(size), "%zu", c->pdf.len);
    snprintf(gen, sizeof(gen), "%d", c->generation);
    v[0] = id;
    v[1] = rev;
    v[2] = c->code;
    v[3] = sha;
    v[4] = size;
    v[5] = gen;
    v[6] = c->created_at;
    v[7] = c->rendered_at[0] ? c->rendered_at : c->created_at;
    v[8] = c->superseded ? "true" : "false";
    v[9] = opt(c->send_at);
    v[10] = c->canonical.data ? c->canonical.data : "";
    v[11] = c->raw.data ? c->raw.data : "";
    lens[11] = c->raw.len ? (int)c->raw.len : 0;
    r = store_pg_query_bin(st, pg,
                           "INSERT INTO revisions (id, revision, code, sha256, size, generation,"
                           " created_at, rendered_at, superseded, send_at, canonical, raw)"
                           " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                           12, v, lens, "write", err, errlen);
    if (!r) {
        if (store_pg_was_unique())
            snprintf(err, errlen,
                     "cannot copy '%s' r%d: code %s belongs to another certificate here", id,
                     c->revision, c->code);
        return -1;
    }
    PQclear(r);
    v[2] = c->pdf.data;
    lens[2] = (int)c->pdf.len;
    r = store_pg_run(st, pg, Q_FILE, 3, v, lens, PGRES_COMMAND_OK, "write", err, errlen);
    if (!r)
        return -1;
    PQclear(r);
    return write_earlier(st, pg, id, c, err, errlen);
}

/* In the transaction, holding the row: 0 when each of revs is new here or
 * here with its code (new[i] says which), -1 when one has another code. */
static int check_revs(struct store_pg *st, PGconn *pg, const struct store_cert *c,
                      const struct store_copy_rev *revs, size_t n, int *fresh, char *err,
                      size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        char rev[16];
        const char *v[2] = {c->id, rev};
        PGresult *r;
        snprintf(rev, sizeof(rev), "%d", revs[i].revision);
        r = store_pg_run(st, pg, Q_LATEST, 2, v, NULL, PGRES_TUPLES_OK, "read", err, errlen);
        if (!r)
            return -1;
        fresh[i] = PQntuples(r) == 0;
        if (!fresh[i] && strcmp(PQgetvalue(r, 0, 2), revs[i].code) != 0) {
            snprintf(err, errlen,
                     "cannot copy '%s' r%d: the destination has it with another code (%s)", c->id,
                     revs[i].revision, PQgetvalue(r, 0, 2));
            PQclear(r);
            return -1;
        }
        PQclear(r);
    }
    return 0;
}

int store_pg_copy_put(struct store *base, const struct store_cert *c,
                      const struct store_copy_rev *revs, size_t n, char *err, size_t errlen)
{
    struct store_pg *st = store_pg_of(base);
    struct caltime when;
    char latest[16];
    const char *v[2] = {c->id, latest};
    int *fresh, owner, rc = -1;
    PGresult *r;
    PGconn *pg;

    if (store_copy_check(c, &when, err, errlen) < 0)
        return -1;
    snprintf(latest, sizeof(latest), "%d", c->latest);
    owner = store_pg_owns_batch(st);
    pg = store_pg_writer_get(st, owner, err, errlen);
    if (!pg)
        return -1;
    fresh = xcalloc(n + 1, sizeof(*fresh));
    if (store_pg_exec(st, pg, owner ? "SAVEPOINT copy" : "BEGIN", "write", err, errlen) < 0)
        goto out;
    /* The row is written first (a new one is locked by its insert, an old
     * one by the update), so that a put of the same id waits for the copy. */
    if (write_cert(st, pg, c, err, errlen) < 0 ||
        check_revs(st, pg, c, revs, n, fresh, err, errlen) < 0)
        goto out;
    for (size_t i = 0; i < n; i++)
        if (fresh[i] && write_rev(st, pg, c->id, &revs[i], err, errlen) < 0)
            goto out;
    r = store_pg_run(st, pg, Q_SUPERSEDE, 2, v, NULL, PGRES_COMMAND_OK, "write", err, errlen);
    if (!r)
        goto out;
    PQclear(r);
    if (store_pg_exec(st, pg, owner ? "RELEASE SAVEPOINT copy" : "COMMIT", "commit to", err,
                      errlen) == 0)
        rc = 0;
out:
    if (rc < 0 && PQstatus(pg) == CONNECTION_OK && PQtransactionStatus(pg) != PQTRANS_IDLE) {
        char ignored[8];
        store_pg_exec(st, pg,
                      owner ? "ROLLBACK TO SAVEPOINT copy; RELEASE SAVEPOINT copy" : "ROLLBACK",
                      "write", ignored, sizeof(ignored));
    }
    store_pg_writer_put(st, owner, pg);
    free(fresh);
    return rc;
}
