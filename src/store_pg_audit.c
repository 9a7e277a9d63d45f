/* The audit log of the PostgreSQL store: one row per record in the audit
 * table, its serial key the order records were appended in, so that every
 * node behind one database writes to one log. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "store_pg.h"
#include "banned.h"

#define FETCH 500 /* records read at a time */
#define STR_(x) #x
#define STR(x) STR_(x)

/* A record waiting in the queue; the thread that leads a group writes it. */
struct audit_wait {
    struct store_group_item item; /* first: the queue's */
    const struct audit_record *r;
    int rc;
    char *err;
    size_t errlen;
};

static struct audit_wait *next_wait(const struct audit_wait *w)
{
    return (struct audit_wait *)w->item.next; /* item is the first member */
}

/* s as a quoted element of an array's text form. */
static void add_element(struct buf *b, const char *s)
{
    buf_addc(b, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            buf_addc(b, '\\');
        buf_addc(b, *s);
    }
    buf_addc(b, '"');
}

/* The four array parameters of Q_AUDIT_ADD for the records of list, in
 * PostgreSQL's text form of arrays (each line as bytea's \x and hex). */
static void group_arrays(const struct audit_wait *list, struct buf a[4])
{
    for (int k = 0; k < 4; k++)
        buf_addc(&a[k], '{');
    for (const struct audit_wait *w = list; w; w = next_wait(w)) {
        const struct audit_record *r = w->r;
        if (w != list)
            for (int k = 0; k < 4; k++)
                buf_addc(&a[k], ',');
        add_element(&a[0], r->time);
        buf_addf(&a[1], "%" PRId64, r->institution_id);
        buf_addf(&a[2], "%d", r->status);
        buf_adds(&a[3], "\"\\\\x");
        buf_grow(&a[3], 2 * r->len);
        codec_hex(r->line, r->len, a[3].data + a[3].len);
        a[3].len += 2 * r->len;
        buf_addc(&a[3], '"');
    }
    for (int k = 0; k < 4; k++)
        buf_addc(&a[k], '}');
}

/* The leader's insert of one group, every record's rc set. */
static void write_group(void *ctx, struct store_group_item *items)
{
    struct store_pg *st = ctx;
    struct audit_wait *list = (struct audit_wait *)items;
    struct buf a[4] = {BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT};
    const char *v[4];
    char err[256];
    PGresult *res = NULL;
    PGconn *pg;

    group_arrays(list, a);
    for (int k = 0; k < 4; k++)
        v[k] = a[k].data;
    pg = store_pg_get(st, err, sizeof(err));
    if (pg) {
        res = store_pg_run(st, pg, Q_AUDIT_ADD, 4, v, NULL, PGRES_COMMAND_OK, "write", err,
                           sizeof(err));
        store_pg_put(st, pg);
    }
    for (struct audit_wait *w = list; w; w = next_wait(w)) {
        w->rc = res ? 0 : -1;
        if (!res)
            snprintf(w->err, w->errlen, "%s", err);
    }
    PQclear(res);
    for (int k = 0; k < 4; k++)
        buf_free(&a[k]);
}

/* Records appended while a group is being written queue for the next
 * (store_group.c): under load many deliveries share one statement and one
 * commit. Each call returns once its own record is in the table, or failed. */
int store_pg_audit_append(struct store *base, const struct audit_record *r, char *err,
                          size_t errlen)
{
    struct store_pg *st = store_pg_of(base);
    struct audit_wait w = {{NULL, 0}, r, 0, err, errlen};

    if (r->len == 0 || r->len > INT32_MAX / 4) {
        snprintf(err, errlen, "cannot keep an audit record of %zu bytes", r->len);
        return -1;
    }
    store_group_join(&st->audit_group, &w.item, write_group, st);
    return w.rc;
}

/* One fetched page of records to fn; the filter's last word is
 * audit_filter_match. 0, or -1. */
static int hand_out(const PGresult *r, const struct audit_filter *f, audit_each_fn fn, void *ctx,
                    char *err, size_t errlen)
{
    for (int i = 0; i < PQntuples(r); i++) {
        struct audit_record rec;
        struct buf line = BUF_INIT;
        int rc = 0;
        memset(&rec, 0, sizeof(rec));
        store_pg_copy(r, i, 0, rec.time, sizeof(rec.time));
        rec.institution_id = store_pg_int(r, i, 1);
        rec.status = (int)store_pg_int(r, i, 2);
        if (store_pg_bytes(r, i, 3, &line) < 0) {
            snprintf(err, errlen, "cannot read an audit record: out of memory");
            return -1;
        }
        rec.line = line.data ? line.data : "";
        rec.len = line.len;
        if (audit_filter_match(f, &rec))
            rc = fn(ctx, &rec, err, errlen);
        buf_free(&line);
        if (rc < 0)
            return -1;
    }
    return 0;
}

int store_pg_audit_each(struct store *base, const struct audit_filter *f, audit_each_fn fn,
                        void *ctx, char *err, size_t errlen)
{
    struct store_pg *st = store_pg_of(base);
    char inst[24], lo[16], hi[16];
    const char *v[4] = {f && f->since[0] ? f->since : NULL, inst, lo, hi};
    PGresult *r;
    PGconn *pg;
    int rc = -1, more = 1;

    snprintf(inst, sizeof(inst), "%" PRId64, f ? f->institution_id : 0);
    snprintf(lo, sizeof(lo), "%d", f ? f->status_min : 0);
    snprintf(hi, sizeof(hi), "%d", f ? f->status_max : 0);
    pg = store_pg_get(st, err, errlen);
    if (!pg)
        return -1;
    /* A cursor in one snapshot: the same records in the same order, however
     * many, without holding them all. */
    if (store_pg_exec(st, pg, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "read", err,
                      errlen) < 0)
        goto out;
    r = store_pg_query(st, pg,
                       "DECLARE audit_rows NO SCROLL CURSOR FOR"
                       " SELECT time, institution_id, status, line FROM audit"
                       " WHERE ($1::text IS NULL OR time >= $1)"
                       " AND ($2::bigint = 0 OR institution_id = $2)"
                       " AND (($3::int = 0 AND $4::int = 0) OR status BETWEEN $3 AND $4)"
                       " ORDER BY seq",
                       4, v, "read", err, errlen);
    if (!r)
        goto out;
    PQclear(r);
    while (more) {
        r = store_pg_query(st, pg, "FETCH " STR(FETCH) " FROM audit_rows", 0, NULL, "read", err,
                           errlen);
        if (!r)
            goto out;
        more = PQntuples(r) == FETCH;
        if (hand_out(r, f, fn, ctx, err, errlen) < 0) {
            PQclear(r);
            goto out;
        }
        PQclear(r);
    }
    rc = 0;
out:
    if (PQstatus(pg) == CONNECTION_OK && PQtransactionStatus(pg) != PQTRANS_IDLE) {
        char ignored[8];
        store_pg_exec(st, pg, "ROLLBACK", "read", ignored, sizeof(ignored));
    }
    store_pg_put(st, pg);
    return rc;
}
